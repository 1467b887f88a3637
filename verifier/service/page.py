"""The web page for people at the roadside (``/``) and its static files.

Everything is served from the package: no CDN, no build step. The page is plain HTML, CSS and
JavaScript; live camera decoding uses jsQR (vendored: static/vendor, refreshed by
``tools/vendor_jsqr.sh``). A strict Content-Security-Policy allows only this origin.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Final

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from vic.verifier.service.deps import settings_of
from vic.verifier.service.settings import VerifierSettings

__all__ = ["STATIC_DIR", "page_router", "static_files"]

STATIC_DIR: Final = Path(__file__).parent / "static"

PAGE_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob: mediastream:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'",
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(self)",
}

page_router = APIRouter()


@page_router.get("/", include_in_schema=False)
async def index(settings: Annotated[VerifierSettings, Depends(settings_of)]) -> HTMLResponse:
    """The verification page (marked when the service trusts every issuer)."""
    page = _index_html()
    if settings.any_issuer:
        page = page.replace("<body>", '<body data-mode="any-issuer">', 1)
    return HTMLResponse(page, headers=PAGE_HEADERS)


@cache
def _index_html() -> str:
    return (STATIC_DIR / "index.html").read_text(encoding="utf-8")


def static_files() -> StaticFiles:
    """The page's scripts, styles and vendored decoder (mount at ``/static``)."""
    return StaticFiles(directory=STATIC_DIR, check_dir=True)
