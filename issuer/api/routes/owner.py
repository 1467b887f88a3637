"""The owner page (``/owner/``) and its one-time sign-in links.

The page is plain HTML, CSS and JavaScript served from the package (``issuer/api/static``; no
CDN, no build step) under a strict Content-Security-Policy. It calls the API with the owner's
token: their own and filed vehicles (``GET /vehicles``), each mark's status, the downloads, offers,
exemption applications and paper orders. docs/owner-page.md describes it.

Offices hand out one-time links (``POST /owner-links``): ``<base>/owner/#link=<code>``; the page
redeems the code (``POST /owner-links/redeem``) for a short-lived owner token
(:mod:`vic.issuer.services.owner_links`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import Field

from vic.httpkit.bodies import StrictJsonRoute
from vic.httpkit.problems import error_responses
from vic.issuer.api.deps import IssuerDep, OfficeActor, SettingsDep
from vic.issuer.api.models import ApiModel, OutModel
from vic.issuer.services.owner_links import OwnerLinksService

__all__ = ["STATIC_DIR", "router"]

STATIC_DIR: Final = Path(__file__).resolve().parent.parent / "static"
_FILES: Final = {"owner.css": "text/css", "owner.js": "text/javascript"}
PAGE_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(route_class=StrictJsonRoute)


@router.get("/owner", include_in_schema=False)
def owner_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(request.url.path + "/", status_code=308)


@router.get("/owner/", include_in_schema=False)
def owner_page() -> FileResponse:
    """The owner page."""
    return FileResponse(STATIC_DIR / "owner.html", media_type="text/html", headers=PAGE_HEADERS)


@router.get("/owner/static/{name}", include_in_schema=False)
def owner_static(name: str) -> Response:
    """The page's script and style sheet."""
    if name not in _FILES:
        return Response(status_code=404)
    return FileResponse(STATIC_DIR / name, media_type=_FILES[name], headers=PAGE_HEADERS)


class OwnerLinkRequest(ApiModel):
    """Whom the link signs in."""

    account: str = Field(min_length=1, max_length=128, pattern=r"^[^\s\x00-\x1f\x7f]+$")


class OwnerLinkOut(OutModel):
    """A one-time sign-in link: give ``url`` to the owner (it works once)."""

    url: str
    account: str
    expires_at: datetime


class RedeemRequest(ApiModel):
    """The code of a one-time link (the part after ``#link=``)."""

    code: str = Field(min_length=20, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class SessionOut(OutModel):
    """An owner token for the page (it expires; only its hash is stored)."""

    token: str
    account: str
    expires_at: datetime | None


@router.post(
    "/owner-links",
    tags=["Owner page"],
    operation_id="createOwnerLink",
    summary="A one-time sign-in link to the owner page, for an owner account",
    status_code=201,
    response_model=OwnerLinkOut,
    responses=error_responses(400, 401, 403, 422),
)
def create_owner_link(
    actor: OfficeActor, body: OwnerLinkRequest, issuer: IssuerDep, settings: SettingsDep
) -> OwnerLinkOut:
    link = OwnerLinksService(issuer.kernel).create_link(actor, body.account)
    return OwnerLinkOut(
        url=f"{settings.public_base_url}/owner/#link={link.code}",
        account=link.account,
        expires_at=link.expires_at,
    )


@router.post(
    "/owner-links/redeem",
    tags=["Owner page"],
    operation_id="redeemOwnerLink",
    summary="Use a one-time link's code: an owner token for the page",
    response_model=SessionOut,
    responses=error_responses(400, 401, 422),
)
def redeem_owner_link(body: RedeemRequest, issuer: IssuerDep, response: Response) -> SessionOut:
    text, info = OwnerLinksService(issuer.kernel).redeem_link(body.code)
    response.headers["Cache-Control"] = "no-store"
    return SessionOut(token=text, account=info.subject or "", expires_at=info.expires_at)
