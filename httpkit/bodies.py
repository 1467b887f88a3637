"""Request bodies are untrusted: a size cap and one strict JSON reading before any route sees them.

Use both parts together::

    app.add_middleware(StrictJsonBodies, max_bytes=DEFAULT_MAX_BODY_BYTES)
    router = APIRouter(route_class=StrictJsonRoute)

:class:`StrictJsonBodies` is pure ASGI middleware for every request that is not ``GET``,
``HEAD`` or ``OPTIONS``. It buffers the body up to the cap (``INPUT_TOO_LARGE``, 413, beyond
it, also when ``Content-Length`` announces more) and reads its ``Content-Type``:

* more than one ``Content-Type`` header is refused (``AMBIGUOUS_CONTENT_TYPE``, 400): a client
  must not be able to make this check read one header while the framework reads another;
* a JSON media type (``application/json``, ``application/*+json``) or none at all: the body is
  parsed, once, by :func:`vic.vc.jsonio.parse_json_object` — an object, no duplicate keys, no
  ``NaN``/``Infinity`` nor a number that overflows to it, no integer longer than Python reads,
  at most 32 levels deep, no lone UTF-16 surrogate. A failure is a 400 problem
  (``INVALID_JSON``, ``DUPLICATE_KEY``, ``NESTING_TOO_DEEP``) answered before routing;
* a media type listed in ``raw_media_types`` (e.g. ``text/plain`` for a QR text): the body
  passes through unparsed, for a route that reads ``await request.body()``;
* anything else is refused (``UNSUPPORTED_MEDIA_TYPE``, 415).

Paths listed in ``own_errors`` (e.g. the OpenID4VCI token and credential endpoints, which must
answer in their protocol's error format) get the size cap and the single ``Content-Type`` rule
only: their routes read ``await request.body()`` and parse it strictly themselves.

The parsed value travels in the ASGI scope (:data:`PARSED_JSON_KEY`) and the request goes on with
one ``Content-Type: application/json`` header. :class:`StrictJsonRoute` makes FastAPI's body
reading return that value instead of parsing the bytes again (and parses strictly itself when
the middleware is absent), so a route's model only ever sees what the strict parser read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Coroutine
from typing import Any, Final

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vic.contexts.errors import (
    InputTooLargeError,
    ParsingError,
    UnsupportedMediaTypeError,
    VicError,
)
from vic.httpkit.problems import problem_response
from vic.vc.jsonio import MAX_DEPTH, parse_json_object

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "PARSED_JSON_KEY",
    "StrictJsonBodies",
    "StrictJsonRequest",
    "StrictJsonRoute",
    "is_json_media_type",
]

DEFAULT_MAX_BODY_BYTES: Final = 1 << 20
"""A request body larger than 1 MiB is refused (a credential to sign is a few kB)."""

PARSED_JSON_KEY: Final = "vic.parsed_json"
"""The ASGI scope key under which :class:`StrictJsonBodies` leaves the parsed body."""

_BODYLESS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def is_json_media_type(content_type: str | None) -> bool:
    """Whether a ``Content-Type`` value names JSON (``application/json`` or ``+json``); no
    value at all counts as JSON."""
    if not content_type or not content_type.strip():
        return True
    main, _, sub = _media_type(content_type).partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _parse(body: bytes, max_bytes: int) -> dict[str, Any]:
    """The strict reading (see the module doc).

    :raises ParsingError: as :func:`parse_json_object`.
    """
    return parse_json_object(body, max_bytes=max_bytes, max_depth=MAX_DEPTH)


class StrictJsonBodies:
    """Cap, check and parse request bodies once (see the module doc)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int = DEFAULT_MAX_BODY_BYTES,
        raw_media_types: Collection[str] = (),
        own_errors: Collection[str] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.raw_media_types = frozenset(m.lower() for m in raw_media_types)
        self.own_errors = frozenset(own_errors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _BODYLESS:
            await self.app(scope, receive, send)
            return
        content_types: list[str] = []
        lengths: list[str] = []
        others: list[tuple[bytes, bytes]] = []
        for name, value in scope["headers"]:
            lowered = name.lower()
            if lowered == b"content-type":
                content_types.append(value.decode("latin-1"))
            else:
                if lowered == b"content-length":
                    lengths.append(value.decode("latin-1").strip())
                others.append((name, value))
        if len(content_types) > 1:
            error: VicError = ParsingError(
                "the request has more than one Content-Type header",
                code="AMBIGUOUS_CONTENT_TYPE",
            )
            await problem_response(error)(scope, receive, send)
            return
        content_type = content_types[0] if content_types else None
        own = scope["path"] in self.own_errors
        json_body = is_json_media_type(content_type) and not own
        raw = own or _media_type(content_type or "") in self.raw_media_types
        if not json_body and not raw:
            error = UnsupportedMediaTypeError(
                f"the request body's media type {_media_type(content_type or '')!r} is not "
                "read here; send application/json",
            )
            await problem_response(error)(scope, receive, send)
            return
        declared = max((int(n) for n in lengths if n.isdigit()), default=0)
        if declared > self.max_bytes:
            await problem_response(self._too_large(declared))(scope, receive, send)
            return
        body = await self._read(receive)
        if body is None:
            return
        if isinstance(body, int):
            await problem_response(self._too_large(body))(scope, receive, send)
            return
        if body and json_body:
            try:
                parsed = _parse(body, self.max_bytes)
            except VicError as exc:
                await problem_response(exc)(scope, receive, send)
                return
            scope = {
                **scope,
                "headers": [*others, (b"content-type", b"application/json")],
                PARSED_JSON_KEY: parsed,
            }
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes | int | None:
        """The whole body; its size so far once it passes the cap; None if the client left."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return size
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    def _too_large(self, size: int) -> InputTooLargeError:
        return InputTooLargeError(
            f"the request body has more than {self.max_bytes} bytes", size=size
        )


class StrictJsonRequest(Request):
    """A request whose :meth:`json` is the strict reading of its body, done once."""

    async def json(self) -> Any:
        """The body as :class:`StrictJsonBodies` parsed it, else parsed strictly here.

        :raises ParsingError: the body is not strict JSON (only without the middleware).
        """
        if PARSED_JSON_KEY in self.scope:
            return self.scope[PARSED_JSON_KEY]
        if not hasattr(self, "_strict_json"):
            self._strict_json = _parse(await self.body(), DEFAULT_MAX_BODY_BYTES)
        return self._strict_json


class StrictJsonRoute(APIRoute):
    """A FastAPI route whose JSON body is the strict reading (``APIRouter(route_class=...)``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict_handler
