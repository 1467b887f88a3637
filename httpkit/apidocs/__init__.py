"""A small API documentation page drawn from the service's OpenAPI document, served from the
package: no CDN, no build step, nothing fetched but the service's own ``openapi.json``.

FastAPI's default ``/docs`` loads Swagger UI from a CDN and is blank offline; a service turns it
off (``docs_url=None``) and calls :func:`install_api_docs` instead::

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    install_api_docs(app, docs_url="/docs", openapi_url="/openapi.json")

The page (``GET /docs``) lists every operation by tag — method, path, summary, description,
parameters, request bodies and responses with links to their schemas — then every schema. Its
script and style are served beside it (``/docs/docs.js``, ``/docs/docs.css``), under a
Content-Security-Policy that allows only the service's origin.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse

__all__ = ["DOCS_HEADERS", "install_api_docs"]

_HERE: Final = Path(__file__).parent

DOCS_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

_PAGE: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — API</title>
<link rel="stylesheet" href="{docs}/docs.css">
<script src="{docs}/docs.js" defer></script>
</head>
<body>
<main id="docs" data-openapi="{openapi}"><p>Loading <a href="{openapi}">{openapi}</a>…</p></main>
</body>
</html>
"""


def install_api_docs(app: FastAPI, *, docs_url: str, openapi_url: str) -> None:
    """Serve the documentation page at ``docs_url`` for the document at ``openapi_url``."""
    page = _PAGE.format(
        title=html.escape(app.title),
        docs=html.escape(docs_url),
        openapi=html.escape(openapi_url),
    )

    @app.get(docs_url, include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return HTMLResponse(page, headers=DOCS_HEADERS)

    @app.get(f"{docs_url}/docs.js", include_in_schema=False)
    async def api_docs_script() -> FileResponse:
        return FileResponse(_HERE / "docs.js", media_type="text/javascript", headers=DOCS_HEADERS)

    @app.get(f"{docs_url}/docs.css", include_in_schema=False)
    async def api_docs_style() -> FileResponse:
        return FileResponse(_HERE / "docs.css", media_type="text/css", headers=DOCS_HEADERS)
