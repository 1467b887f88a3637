"""Request bodies are untrusted: a size cap and a strict JSON reading before any route sees them.

:class:`StrictJsonBodies` is pure ASGI middleware. It buffers a request body up to the cap
(``INPUT_TOO_LARGE``, 413, beyond it), and when the body is JSON (a ``json`` or ``+json`` media
type, or no content type at all) it parses it with :func:`vc.jsonio.parse_json_object`: an object,
no duplicate keys, no ``NaN``/``Infinity`` (nor a number that overflows to it), at most 32
levels deep, every string encodable as UTF-8 (no lone surrogates). A body that fails is answered
with a 400 problem document (``INVALID_JSON``, ``DUPLICATE_KEY``, ``NESTING_TOO_DEEP``) before
routing, so no handler ever sees it; a body that passes is replayed unchanged to the app.
"""

from __future__ import annotations

import math
from typing import Any, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vic.contexts.errors import InputTooLargeError, InvalidJsonError, VicError
from vic.issuer.api.problems import problem_response
from vic.vc.jsonio import MAX_DEPTH, parse_json_object

__all__ = ["DEFAULT_MAX_BODY_BYTES", "StrictJsonBodies"]

DEFAULT_MAX_BODY_BYTES: Final = 1 << 20
"""A request body larger than 1 MiB is refused (a credential to sign is a few kB)."""


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    main, _, sub = media.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


def _check_json(body: bytes, max_bytes: int) -> None:
    """:raises ParsingError: not a JSON object as :func:`parse_json_object` reads it, a number
    too long to convert or too large for a double (``1e999`` is not Infinity here), or a
    string with a lone UTF-16 surrogate (no UTF-8 for it)."""
    try:
        value = parse_json_object(body, max_bytes=max_bytes, max_depth=MAX_DEPTH)
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise InvalidJsonError(f"input is not usable JSON: {exc}") from None
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidJsonError("a number is too large for a double")
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidJsonError("a string holds a lone UTF-16 surrogate") from None


class StrictJsonBodies:
    """Cap and check request bodies (see the module doc)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send, self._too_large(int(declared)))
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send, self._too_large(size))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and _is_json(headers.get("content-type")):
            try:
                _check_json(body, self.max_bytes)
            except VicError as exc:
                await self._refuse(scope, receive, send, exc)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self, size: int) -> InputTooLargeError:
        return InputTooLargeError(
            f"the request body has more than {self.max_bytes} bytes", size=size
        )

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, error: VicError) -> None:
        response = problem_response(error)
        await response(scope, receive, send)
