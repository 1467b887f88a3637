"""OpenID4VCI 1.0 routes: metadata, offers, token, nonce, credential (docs/openid4vci.md).

The protocol endpoints answer errors as the protocol says — ``{"error", "error_description"}``
(plus vic's ``code``), not as problem documents — and never cache (``Cache-Control:
no-store``). The token endpoint reads ``application/x-www-form-urlencoded``; the credential
endpoint JSON. The owner's (or office's) request for an offer is a domain route with a bearer
token, answered like the others.
"""

from __future__ import annotations

import base64
import io
from datetime import datetime
from typing import Annotated, Any, Final, Literal
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from vic.httpkit.bodies import StrictJsonRoute
from vic.httpkit.problems import error_responses
from vic.issuer.api.deps import OwnerOrOfficeActor, VinPath
from vic.issuer.api.models import ApiModel, OutModel
from vic.issuer.oid4vci.errors import OAuthError
from vic.issuer.oid4vci.metadata import configuration_for_format
from vic.issuer.services.oid4vci import Oid4vciService

__all__ = [
    "OWN_ERRORS",
    "OfferOut",
    "OfferRequest",
    "get_oid4vci",
    "oauth_error_response",
    "router",
    "well_known_router",
]

router = APIRouter(route_class=StrictJsonRoute)

_NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_OAUTH_ERROR: Final[dict[int | str, dict[str, Any]]] = {
    400: {
        "description": "An OAuth / OpenID4VCI error: {error, error_description, code}.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}
_FORM: Final = "application/x-www-form-urlencoded"
OWN_ERRORS: Final = ("/oid4vci/token", "/oid4vci/credential", "/oid4vci/notification")
"""The protocol endpoints that read their bodies themselves (strictly) and answer OAuth errors."""


def get_oid4vci(request: Request) -> Oid4vciService:
    """The app's OpenID4VCI service."""
    service: Oid4vciService = request.app.state.oid4vci
    return service


Oid4vciDep = Annotated[Oid4vciService, Depends(get_oid4vci)]


def oauth_error_response(error: OAuthError) -> JSONResponse:
    """The protocol's error response of ``error``."""
    headers = dict(_NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{error.error}"'
    return JSONResponse(error.to_oauth(), status_code=error.status, headers=headers)


def _json(document: Any) -> JSONResponse:
    return JSONResponse(document, headers=_NO_STORE)


# --- metadata at the well-known paths ------------------------------------------------------------


def well_known_router(issuer_id: str) -> APIRouter:
    """The metadata documents at their well-known URLs: RFC 8615 inserts the well-known segment
    between the host and the issuer's path; the appended form (older drafts) is served too."""
    path = urlsplit(issuer_id).path.rstrip("/")
    well_known = APIRouter()
    paths = {f"/.well-known/{{name}}{path}"}
    if path:
        paths.add(f"{path}/.well-known/{{name}}")
    for template in sorted(paths):
        for name, operation in (
            ("openid-credential-issuer", "credentialIssuerMetadata"),
            ("oauth-authorization-server", "authorizationServerMetadata"),
        ):
            well_known.add_api_route(
                template.format(name=name),
                _metadata_endpoint(name),
                methods=["GET"],
                tags=["OpenID4VCI"],
                operation_id=operation if template.startswith("/.well-known") else None,
                summary=f"The {name.replace('-', ' ')} metadata",
                response_class=JSONResponse,
                include_in_schema=template.startswith("/.well-known"),
            )
    return well_known


def _metadata_endpoint(name: str) -> Any:
    def endpoint(service: Oid4vciDep) -> JSONResponse:
        document = (
            service.issuer_metadata()
            if name == "openid-credential-issuer"
            else service.authorization_server_metadata()
        )
        return JSONResponse(
            document,
            headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
        )

    return endpoint


# --- offers --------------------------------------------------------------------------------------


class OfferRequest(ApiModel):
    """What the owner (or office) asks for: the mark in one format, for a wallet."""

    format: Literal["ldp_vc", "jwt_vc_json"] = Field(
        default="ldp_vc", description="The credential format the wallet receives."
    )
    tx_code: bool = Field(
        default=True, description="Protect the offer with a 6-digit one-time code (tx_code)."
    )
    by_reference: bool = Field(
        default=True,
        description="The offer URI carries a credential_offer_uri (a small QR) rather than the "
        "offer itself.",
    )


class OfferOut(OutModel):
    """A credential offer: the URI (and its QR) for the wallet, the tx_code for the person."""

    offer_uri: str = Field(description="openid-credential-offer://?... for the wallet.")
    credential_offer: dict[str, Any] = Field(description="The offer document.")
    credential_configuration_id: str
    tx_code: str | None = Field(description="Show it apart from the QR; None without one.")
    expires_at: datetime
    qr_png: str = Field(description="The QR of offer_uri as a data: URL (image/png).")


@router.post(
    "/vehicles/{vin}/offers",
    tags=["OpenID4VCI"],
    operation_id="createCredentialOffer",
    summary="A credential offer of the vehicle's mark for a wallet (URI, QR, tx_code)",
    status_code=201,
    response_model=OfferOut,
    responses=error_responses(400, 401, 403, 404, 422),
)
def create_offer(
    actor: OwnerOrOfficeActor,
    vin: VinPath,
    body: OfferRequest,
    service: Oid4vciDep,
    response: Response,
) -> OfferOut:
    from vic.vc.qrimage import render_png

    offer = service.create_offer(
        actor,
        vin,
        configuration_id=configuration_for_format(body.format),
        tx_code=body.tx_code,
        by_reference=body.by_reference,
    )
    png = io.BytesIO()
    render_png(offer.uri, png, ecc="M", scale=6)
    response.headers["Cache-Control"] = "no-store"
    return OfferOut(
        offer_uri=offer.uri,
        credential_offer=offer.offer,
        credential_configuration_id=offer.configuration_id,
        tx_code=offer.tx_code,
        expires_at=offer.expires_at,
        qr_png="data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii"),
    )


@router.get(
    "/oid4vci/offers/{reference}",
    tags=["OpenID4VCI"],
    operation_id="getCredentialOffer",
    summary="An offer by reference (the credential_offer_uri of an offer URI)",
    response_class=JSONResponse,
    responses=error_responses(404, 422),
)
def offer_by_reference(
    reference: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{20,64}$")],
    service: Oid4vciDep,
) -> JSONResponse:
    return _json(service.offer_by_reference(reference))


# --- token, nonce, credential --------------------------------------------------------------------


@router.post(
    "/oid4vci/token",
    tags=["OpenID4VCI"],
    operation_id="token",
    summary="The token endpoint: a pre-authorized code (and tx_code) for an access token",
    response_class=JSONResponse,
    responses=_OAUTH_ERROR,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                _FORM: {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type", "pre-authorized_code"],
                        "properties": {
                            "grant_type": {"type": "string"},
                            "pre-authorized_code": {"type": "string"},
                            "tx_code": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
async def token(request: Request, service: Oid4vciDep) -> JSONResponse:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != _FORM:
        raise OAuthError(
            "invalid_request",
            f"the token request is {_FORM}",
            code="TOKEN_REQUEST_MALFORMED",
        )
    body = await request.body()
    try:
        params = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise OAuthError(
            "invalid_request", "the token request is not a form", code="TOKEN_REQUEST_MALFORMED"
        ) from None
    return _json(service.token(params))


@router.post(
    "/oid4vci/nonce",
    tags=["OpenID4VCI"],
    operation_id="nonce",
    summary="A fresh c_nonce for a key proof (single-use, short-lived)",
    response_class=JSONResponse,
)
def nonce(service: Oid4vciDep) -> JSONResponse:
    return _json({"c_nonce": service.nonce()})


@router.post(
    "/oid4vci/credential",
    tags=["OpenID4VCI"],
    operation_id="credential",
    summary="The credential endpoint: the mark for an access token and a jwt key proof",
    response_class=JSONResponse,
    responses={
        **_OAUTH_ERROR,
        401: {"description": "invalid_token: no, an unknown or an expired access token."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def credential(request: Request, service: Oid4vciDep) -> JSONResponse:
    body = await request.body()
    return _json(service.credential(request.headers.get("authorization"), body))


@router.post(
    "/oid4vci/notification",
    tags=["OpenID4VCI"],
    operation_id="notification",
    summary="The wallet's notification: the credential was accepted, failed, or deleted",
    status_code=204,
    response_class=Response,
    responses={
        204: {"description": "Noted (audited)."},
        **_OAUTH_ERROR,
        401: {"description": "invalid_token: no, an unknown or an expired access token."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def notification(request: Request, service: Oid4vciDep) -> Response:
    body = await request.body()
    service.notification(request.headers.get("authorization"), body)
    return Response(status_code=204, headers=_NO_STORE)
