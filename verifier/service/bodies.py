"""Request body limits by media type: JSON and text up to one cap, photos up to a larger one.

Both halves are :class:`vic.httpkit.bodies.StrictJsonBodies` (one strict JSON reading, one
``Content-Type``, 413 beyond the cap, 415 for a media type nobody reads); this middleware only
picks which one a request goes through, by its single ``Content-Type``.
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from vic.httpkit.bodies import StrictJsonBodies

__all__ = ["IMAGE_MEDIA_TYPES", "TEXT_MEDIA_TYPES", "BodiesByMediaType"]

TEXT_MEDIA_TYPES: Final = ("text/plain",)
"""Read as QR text by ``POST /qr/verify``."""

IMAGE_MEDIA_TYPES: Final = (
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/gif",
    "image/bmp",
    "application/pdf",
)
"""Read as a photo or PDF holding a QR code by ``POST /qr/verify``."""


class BodiesByMediaType:
    """Route each request body through the JSON/text cap or the image cap (see the module doc)."""

    def __init__(self, app: ASGIApp, *, max_json_bytes: int, max_image_bytes: int) -> None:
        self._json = StrictJsonBodies(
            app, max_bytes=max_json_bytes, raw_media_types=TEXT_MEDIA_TYPES
        )
        self._images = StrictJsonBodies(
            app, max_bytes=max_image_bytes, raw_media_types=IMAGE_MEDIA_TYPES
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            types = [v for k, v in scope["headers"] if k.lower() == b"content-type"]
            if len(types) == 1:
                media = types[0].decode("latin-1").split(";", 1)[0].strip().lower()
                if media in IMAGE_MEDIA_TYPES:
                    await self._images(scope, receive, send)
                    return
        await self._json(scope, receive, send)
