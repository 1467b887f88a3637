"""What the routes share: the issuer and settings, the actors by scope, path parameters, and
responses for public documents (ETag, Cache-Control, If-None-Match, CORS)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import Depends, Path, Request, Security
from fastapi.responses import Response

from vic.issuer.api.auth import authorized, get_issuer
from vic.issuer.api.models import MARK_NUMBER_PATTERN, VIN_PATTERN
from vic.issuer.domain import Actor, parse_mark_number
from vic.issuer.engine import Issuer

__all__ = [
    "JSON",
    "VC_JSON",
    "AdminActor",
    "ApiSettings",
    "IssuerDep",
    "MarkNumber",
    "OfficeActor",
    "OwnerOrOfficeActor",
    "SettingsDep",
    "StationActor",
    "VinPath",
    "document_response",
    "dumps",
    "get_settings",
    "negotiate",
    "prefers_json",
]

VC_JSON: Final = "application/vc+ld+json"
JSON: Final = "application/json"


@dataclass(frozen=True)
class ApiSettings:
    """How the app presents the issuer (see :func:`issuer.api.create_app`)."""

    public_base_url: str
    authority_name: Mapping[str, str]
    issue_with_status: bool


def get_settings(request: Request) -> ApiSettings:
    """The app's settings."""
    settings: ApiSettings = request.app.state.settings
    return settings


IssuerDep = Annotated[Issuer, Depends(get_issuer)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]

AdminActor = Annotated[Actor, Security(authorized, scopes=["admin"])]
OfficeActor = Annotated[Actor, Security(authorized, scopes=["office"])]
StationActor = Annotated[Actor, Security(authorized, scopes=["station"])]
OwnerOrOfficeActor = Annotated[Actor, Security(authorized, scopes=["owner", "office"])]

VinPath = Annotated[
    str,
    Path(
        pattern=VIN_PATTERN,
        description="The vehicle's VIN (17 characters).",
        examples=["LSVAU2A36N2183457"],
    ),
]
MarkNumberPath = Annotated[
    str,
    Path(
        pattern=MARK_NUMBER_PATTERN,
        description="The mark number as printed (10 digits; leading zeros optional).",
        examples=["0035729360"],
    ),
]


def mark_number(number: MarkNumberPath) -> int:
    """The mark number of the path.

    :raises UsageError: above 2^32-1.
    """
    return parse_mark_number(number)


MarkNumber = Annotated[int, Depends(mark_number)]


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


DOCUMENT_HEADERS: Final[dict[str, Any]] = {
    "ETag": {"description": "A strong ETag of the body.", "schema": {"type": "string"}},
    "Cache-Control": {
        "description": "public, max-age=<seconds>.",
        "schema": {"type": "string"},
    },
}
