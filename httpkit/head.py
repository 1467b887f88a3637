"""``HEAD`` answered as ``GET`` without the body (RFC 9110 9.3.2), for every ``GET`` route.

FastAPI routes declared with ``@router.get`` answer ``HEAD`` with 405; a cache or a monitoring
probe asking ``HEAD`` of a public document (the DID document, a status list, a context) should get
the headers ``GET`` would send — status, ``Content-Type``, ``Content-Length``, ``ETag`` — and no
body. :class:`HeadAsGet` is pure ASGI middleware: it runs a ``HEAD`` request as ``GET`` and drops
the body bytes of the response. Authentication and everything else applies as for ``GET``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HeadAsGet"]


class HeadAsGet:
    """Answer ``HEAD`` with ``GET``'s status and headers and an empty body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # drop intermediate chunks; the last one ends the response
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
