"""The lean path of the two hot routes, ``POST /credentials/verify`` and ``POST /qr/verify``.

FastAPI stays the app: its routes, the OpenAPI document, request validation and the exception
handlers are untouched. :class:`HotRoutes` is pure ASGI middleware placed just inside the strict
body middleware (:class:`~vic.verifier.service.bodies.BodiesByMediaType`, which has capped,
checked and parsed the body); it answers the requests a verifier mostly receives without
FastAPI's per-request machinery (routing, resolving dependencies, reading and validating the
body through its generic layers):

* ``POST /credentials/verify`` with a JSON body the strict middleware has parsed
  (:data:`~vic.httpkit.bodies.PARSED_JSON_KEY`) and :class:`VerifyCredentialRequest` accepts;
* ``POST /qr/verify`` with ``text/plain`` QR text, or a JSON body :class:`QrTextRequest` accepts.

Those are answered by the functions the routes use (:func:`plain_qr_text`,
:func:`credential_text`, :func:`verify`, :func:`result_body`; :func:`send_answer` sends the
bytes :func:`respond` would), and a vic error they raise is answered by
:func:`~vic.httpkit.problems.problem_response` as the app's handler answers it; anything else
propagates to the app's last-resort handler, as from a route.
Everything else — a body the model refuses, a photo, a PDF, an empty body, another media type or
method, a ``root_path`` — goes on to the FastAPI app unchanged, which answers it as before. The
differential tests (tests/verifier_service/test_hot_path.py) send the same requests to an app
with and without the lean path and compare status, headers and body byte for byte.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from vic.contexts.errors import VicError
from vic.httpkit.bodies import PARSED_JSON_KEY
from vic.httpkit.problems import problem_response
from vic.verifier.service.models import QrTextRequest, VerifyCredentialRequest, VerifyOptions
from vic.verifier.service.routes import credential_text, plain_qr_text
from vic.verifier.service.settings import VerifierSettings
from vic.verifier.service.verification import result_body, send_answer, verify

__all__ = ["HOT_PATHS", "HotRoutes"]

_NO_OPTIONS: Final = VerifyOptions()

_Handler = Callable[[VerifierSettings, Scope, Receive, Send], Awaitable[bool]]


async def _credentials_verify(
    settings: VerifierSettings, scope: Scope, receive: Receive, send: Send
) -> bool:
    parsed = scope.get(PARSED_JSON_KEY)
    if parsed is None:
        return False  # no JSON body: the route says why
    try:
        body = VerifyCredentialRequest.model_validate(parsed)
    except ValidationError:
        return False  # the route answers 422 INVALID_REQUEST with FastAPI's errors
    result = await verify(settings, body.verifiableCredential, body.options)
    await send_answer(*result_body(result, settings), send)
    return True


def _media_type(scope: Scope) -> str:
    name: bytes
    value: bytes
    for name, value in scope["headers"]:
        if name.lower() == b"content-type":
            return value.decode("latin-1").split(";", 1)[0].strip().lower()
    return ""


async def _body(receive: Receive) -> bytes | None:
    """The whole request body; None when the client left."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _qr_verify(
    settings: VerifierSettings, scope: Scope, receive: Receive, send: Send
) -> bool:
    parsed = scope.get(PARSED_JSON_KEY)
    if parsed is not None:
        try:
            text = QrTextRequest.model_validate(parsed).text
        except ValidationError:
            return False  # the route answers 422 INVALID_REQUEST with FastAPI's errors
    elif _media_type(scope) == "text/plain":
        raw = await _body(receive)
        if raw is None:
            return True  # nobody to answer
        text = plain_qr_text(raw)
    else:
        return False  # photos, PDFs, an empty body
    result = await verify(settings, credential_text(text), _NO_OPTIONS)
    await send_answer(*result_body(result, settings, with_credential=True), send)
    return True


HOT_PATHS: Final[dict[str, _Handler]] = {
    "/credentials/verify": _credentials_verify,
    "/qr/verify": _qr_verify,
}
"""The routes with a lean path (POST only). A handler answers and returns True, or returns False
having read nothing (the app answers)."""


class HotRoutes:
    """Answer the common requests of the hot routes directly (see the module doc)."""

    def __init__(self, app: ASGIApp, *, settings: VerifierSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            handler = HOT_PATHS.get(scope["path"])
            if handler is not None:
                try:
                    if await handler(self.settings, scope, receive, send):
                        return
                except VicError as exc:
                    await problem_response(exc)(scope, receive, send)
                    return
        await self.app(scope, receive, send)
