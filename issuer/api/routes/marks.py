"""Marks: downloads for the owner (and the office), suspension, the staff's view of a mark.

A download is the vehicle's current mark exactly as issued: a re-download issues nothing (the
engine audits each one). ``mark.jwt`` is the same credential secured as a vc+jwt with the
authority's current key (VC-JOSE-COSE), as OpenID4VCI's ``jwt_vc_json`` delivers it. The
barcode text is encoded with the authority's own CBOR-LD registry entry (the built-in entries
when it publishes none); the PNG, SVG and PDF carry that same text.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vic.httpkit.bodies import StrictJsonRoute
from vic.httpkit.documents import JSON, VC_JSON, dumps, prefers_json
from vic.httpkit.problems import error_responses
from vic.issuer.api.deps import (
    IssuerDep,
    MarkNumber,
    OfficeActor,
    OwnerOrOfficeActor,
    SettingsDep,
    VinPath,
)
from vic.issuer.api.responses import MarkOut, MarkStatusOut
from vic.issuer.domain import IssuedMark
from vic.issuer.engine import Issuer
from vic.vc.barcode import encode_barcode
from vic.vc.cborld import Registry, RegistryEntry

__all__ = ["barcode_text", "router"]

router = APIRouter(route_class=StrictJsonRoute)

_DOWNLOAD_ERRORS: Final = error_responses(401, 403, 404, 422)
_PRIVATE: Final = {"Cache-Control": "no-store"}
_VC_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["@context", "type", "issuer", "credentialSubject", "proof"],
}

Scale = Annotated[int, Query(ge=1, le=32, description="Pixels per QR module.")]
Ecc = Annotated[
    Literal["L", "M", "Q", "H"], Query(description="QR error correction level (marks use M).")
]


def barcode_text(issuer: Issuer, credential: dict[str, Any]) -> str:
    """The ``VC1-R...`` text of a mark, with the authority's registry entry when it has one."""
    if issuer.config.registry_entry_id is None:
        return encode_barcode(credential, Registry())
    entry = RegistryEntry.from_json(issuer.registry_entry()[-1])
    return encode_barcode(credential, Registry([entry]), registry_entry_id=entry.entry_id)


_IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _qr_image(
    mark: IssuedMark,
    issuer: Issuer,
    render: Callable[..., None],
    extension: str,
    ecc: str,
    scale: int,
) -> Response:
    """The mark's QR code drawn by ``render`` (vc.qrimage.render_png or render_svg)."""
    out = io.BytesIO()
    render(barcode_text(issuer, mark.credential), out, ecc=ecc, scale=scale)
    return Response(
        out.getvalue(),
        media_type=_IMAGE_TYPES[extension],
        headers=_attachment(mark, extension),
    )


def _attachment(mark: IssuedMark, extension: str) -> dict[str, str]:
    return {
        **_PRIVATE,
        "Content-Disposition": f'inline; filename="mark-{mark.number_text}.{extension}"',
    }


@router.get(
    "/vehicles/{vin}/mark",
    tags=["Downloads"],
    operation_id="downloadMark",
    summary="The vehicle's current mark as JSON (the signed credential the QR carries)",
    response_class=Response,
    responses={
        200: {
            "description": "The signed mark, exactly as issued (application/vc+ld+json unless "
            "application/json is preferred).",
            "content": {VC_JSON: {"schema": _VC_SCHEMA}, JSON: {"schema": _VC_SCHEMA}},
        },
        **_DOWNLOAD_ERRORS,
    },
)
def download_json(
    actor: OwnerOrOfficeActor, request: Request, vin: VinPath, issuer: IssuerDep
) -> Response:
    mark = issuer.download_mark(actor, vin)
    return Response(
        dumps(mark.credential),
        media_type=prefers_json(request),
        headers={**_attachment(mark, "json"), "Vary": "Accept"},
    )


@router.get(
    "/vehicles/{vin}/mark.jwt",
    tags=["Downloads"],
    operation_id="downloadMarkJwt",
    summary="The vehicle's current mark secured as a vc+jwt (VC-JOSE-COSE)",
    response_class=Response,
    responses={
        200: {
            "description": "The mark's credential (without its Data Integrity proof) as a JWS "
            "compact token, typ vc+jwt, signed with the authority's current key.",
            "content": {
                "application/vc+jwt": {
                    "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\."}
                }
            },
        },
        **_DOWNLOAD_ERRORS,
    },
)
def download_jwt(actor: OwnerOrOfficeActor, vin: VinPath, issuer: IssuerDep) -> Response:
    from vic.issuer.vcjwt import vc_jwt_signer

    mark = issuer.download_mark(actor, vin)
    unsigned = {k: v for k, v in mark.credential.items() if k != "proof"}
    return Response(
        vc_jwt_signer(issuer.kernel)(unsigned),
        media_type="application/vc+jwt",
        headers=_attachment(mark, "jwt"),
    )


@router.get(
    "/vehicles/{vin}/mark.txt",
    tags=["Downloads"],
    operation_id="downloadMarkText",
    summary="The mark's barcode text (VC1-R + base45 of its CBOR-LD)",
    response_class=Response,
    responses={
        200: {
            "description": "The text a QR scanner reads from the mark.",
            "content": {"text/plain": {"schema": {"type": "string", "pattern": "^VC1-R"}}},
        },
        **_DOWNLOAD_ERRORS,
    },
)
def download_text(actor: OwnerOrOfficeActor, vin: VinPath, issuer: IssuerDep) -> Response:
    mark = issuer.download_mark(actor, vin)
    return Response(
        barcode_text(issuer, mark.credential),
        media_type="text/plain; charset=utf-8",
        headers=_attachment(mark, "txt"),
    )


@router.get(
    "/vehicles/{vin}/mark.png",
    tags=["Downloads"],
    operation_id="downloadMarkPng",
    summary="The mark's QR code as a PNG",
    response_class=Response,
    responses={
        200: {
            "description": "Black on white, with a 4-module quiet zone.",
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
        },
        **error_responses(400, 401, 403, 404, 422),
    },
)
def download_png(
    actor: OwnerOrOfficeActor,
    vin: VinPath,
    issuer: IssuerDep,
    scale: Scale = 8,
    ecc: Ecc = "M",
) -> Response:
    from vic.vc.qrimage import render_png

    return _qr_image(issuer.download_mark(actor, vin), issuer, render_png, "png", ecc, scale)


@router.get(
    "/vehicles/{vin}/mark.svg",
    tags=["Downloads"],
    operation_id="downloadMarkSvg",
    summary="The mark's QR code as an SVG",
    response_class=Response,
    responses={
        200: {
            "description": "A white square and one dark path.",
            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
        },
        **error_responses(400, 401, 403, 404, 422),
    },
)
def download_svg(
    actor: OwnerOrOfficeActor,
    vin: VinPath,
    issuer: IssuerDep,
    scale: Scale = 8,
    ecc: Ecc = "M",
) -> Response:
    from vic.vc.qrimage import render_svg

    return _qr_image(issuer.download_mark(actor, vin), issuer, render_svg, "svg", ecc, scale)


@router.get(
    "/vehicles/{vin}/mark.pdf",
    tags=["Downloads"],
    operation_id="downloadMarkPdf",
    summary="The printed mark: the 80×60 mm sticker as a PDF",
    response_class=Response,
    responses={
        200: {
            "description": "One page: plate, vehicle type, the month of validity, the QR, the "
            "authority and the mark number. The same mark gives the same bytes.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
        **_DOWNLOAD_ERRORS,
    },
)
def download_pdf(
    actor: OwnerOrOfficeActor, vin: VinPath, issuer: IssuerDep, settings: SettingsDep
) -> Response:
    from vic.vc.printing import render_signed_mark_pdf

    mark = issuer.download_mark(actor, vin)
    pdf = render_signed_mark_pdf(
        mark.credential,
        barcode_text=barcode_text(issuer, mark.credential),
        authority_name=settings.authority_name,
        mark_number=mark.number_text,
        created=mark.issued_at,
    )
    return Response(pdf, media_type="application/pdf", headers=_attachment(mark, "pdf"))


# --- the staff's view, suspension ----------------------------------------------------------------


@router.get(
    "/marks/{number}",
    tags=["Marks"],
    operation_id="getMark",
    summary="A mark by number (any state: current, superseded, cancelled)",
    response_model=MarkOut,
    responses=error_responses(400, 401, 403, 404, 422),
)
def get_mark(actor: OfficeActor, number: MarkNumber, issuer: IssuerDep) -> MarkOut:
    return MarkOut.of(issuer.mark(number))


@router.post(
    "/marks/{number}/suspension",
    tags=["Marks"],
    operation_id="suspendMark",
    summary="Suspend a mark (verifiers then see SUSPENDED)",
    response_model=MarkStatusOut,
    responses=error_responses(400, 401, 403, 404, 422),
)
def suspend(actor: OfficeActor, number: MarkNumber, issuer: IssuerDep) -> MarkStatusOut:
    return MarkStatusOut.of(issuer.suspend_mark(actor, number))


@router.delete(
    "/marks/{number}/suspension",
    tags=["Marks"],
    operation_id="unsuspendMark",
    summary="Lift a mark's suspension",
    response_model=MarkStatusOut,
    responses=error_responses(400, 401, 403, 404, 422),
)
def unsuspend(actor: OfficeActor, number: MarkNumber, issuer: IssuerDep) -> MarkStatusOut:
    return MarkStatusOut.of(issuer.unsuspend_mark(actor, number))
