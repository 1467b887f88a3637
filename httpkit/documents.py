"""Responses for documents: compact JSON bytes, content negotiation, and public documents with
a strong ETag, ``Cache-Control``, CORS and ``304 Not Modified``.

``document_response(request, dumps(doc), JSON, max_age=300)`` serves a document anyone may fetch
and cache (a DID document, a status list, a context); ``negotiate(request, offered)`` picks the
offered media type the ``Accept`` header prefers; :data:`DOCUMENT_HEADERS` documents the
caching headers in OpenAPI.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

from fastapi import Request
from fastapi.responses import Response

__all__ = [
    "DOCUMENT_HEADERS",
    "JSON",
    "VC_JSON",
    "document_response",
    "dumps",
    "negotiate",
    "prefers_json",
]

VC_JSON: Final = "application/vc+ld+json"
JSON: Final = "application/json"

DOCUMENT_HEADERS: Final[dict[str, Any]] = {
    "ETag": {"description": "A strong ETag of the body.", "schema": {"type": "string"}},
    "Cache-Control": {
        "description": "public, max-age=<seconds>.",
        "schema": {"type": "string"},
    },
}
"""The OpenAPI ``headers`` of a :func:`document_response`."""


def dumps(document: Any) -> bytes:
    """A JSON document as served: compact, UTF-8."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _accepted(accept: str | None) -> list[tuple[str, float]]:
    ranges = []
    for part in (accept or "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))
    return ranges


def negotiate(request: Request, offered: tuple[str, ...]) -> str:
    """The offered media type the request's Accept header prefers (the first offered one when
    it names none of them)."""
    best, best_quality = offered[0], 0.0
    for media, quality in _accepted(request.headers.get("accept")):
        if media in offered and quality > best_quality:
            best, best_quality = media, quality
    return best


def prefers_json(request: Request) -> str:
    """``application/vc+ld+json`` unless the client prefers ``application/json``."""
    return negotiate(request, (VC_JSON, JSON))


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = (t.strip() for t in if_none_match.split(","))
    return any(t.removeprefix("W/") == etag for t in tags)


def document_response(
    request: Request,
    body: bytes,
    media_type: str,
    *,
    max_age: int,
    etag: str | None = None,
    vary: bool = False,
) -> Response:
    """A public document with a strong ETag, Cache-Control and CORS; 304 when the client's
    If-None-Match names the current ETag."""
    tag = etag or '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
    headers = {
        "ETag": tag,
        "Cache-Control": f"public, max-age={max_age}",
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "ETag",
    }
    if vary:
        headers["Vary"] = "Accept"
    if _etag_matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)
