"""Public documents: the DID document, status lists, contexts, the CBOR-LD registry entry, the
subject's JSON Schema, and what anyone may learn about a mark number. No token needed.

Their paths come from the URLs the issuer publishes (``did_web_url(did)``, the status base URL,
the public base URL), so what a verifier dereferences is what this app serves.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Annotated, Any, Final
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from vic.contexts.errors import RecordNotFoundError, UsageError
from vic.contexts.loader import VEHICLE_INSPECTION_V1, bundled_urls, context_bytes
from vic.did.web import did_web_url
from vic.httpkit.bodies import StrictJsonRoute
from vic.httpkit.documents import DOCUMENT_HEADERS, document_response, dumps, prefers_json
from vic.httpkit.problems import error_responses
from vic.issuer.api.deps import IssuerDep, MarkNumber
from vic.issuer.api.responses import PublicMarkStatusOut
from vic.issuer.domain import StatusSpace
from vic.vc.status import StatusPurpose

__all__ = ["context_router", "did_router", "marks_router", "status_router"]

CONTEXT_PREFIX: Final = VEHICLE_INSPECTION_V1.rsplit("/", 1)[
    0
]  # https://w3id.org/vehicle-inspection
SCHEMA_FILE: Final = "vehicle-subject.schema.json"
SCHEMA_PATH: Final = "/schemas/vehicle-subject-v1.json"
DOCUMENT_MAX_AGE: Final = 300
IMMUTABLE_MAX_AGE: Final = 86400

_VC_DOC: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["@context", "type", "issuer", "credentialSubject", "proof"],
}


def _document(media_types: tuple[str, ...], schema: dict[str, Any], description: str) -> Any:
    return {
        "description": description,
        "headers": DOCUMENT_HEADERS,
        "content": {media: {"schema": schema} for media in media_types},
    }


_NOT_MODIFIED: Final[dict[int | str, dict[str, Any]]] = {
    304: {"description": "Not modified (If-None-Match names the ETag)."}
}

# --- DID document --------------------------------------------------------------------------------


def did_router(did: str) -> APIRouter:
    """``GET`` the did:web document where did:web puts it (``/.well-known/did.json``, or
    ``{path}/did.json`` for a DID with a path)."""
    router = APIRouter(route_class=StrictJsonRoute, tags=["Public documents"])
    path = urlsplit(did_web_url(did)).path

    @router.get(
        path,
        operation_id="getDidDocument",
        summary="The authority's DID document (did:web)",
        response_class=Response,
        responses={
            200: _document(
                ("application/json",),
                {"type": "object", "required": ["id", "verificationMethod"]},
                "Every key the authority ever signed with, all in assertionMethod.",
            ),
            **_NOT_MODIFIED,
        },
    )
    def did_document(request: Request, issuer: IssuerDep) -> Response:
        body = dumps(issuer.did_document())
        return document_response(request, body, "application/json", max_age=DOCUMENT_MAX_AGE)

    return router


# --- status lists --------------------------------------------------------------------------------

Purpose = Annotated[
    StatusPurpose,
    Path(description="revocation or suspension (the lists the issuer keeps)."),
]
ListIndex = Annotated[int, Path(ge=0, le=2**31 - 1, description="The list number.")]

_LIST_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: _document(
        ("application/vc+ld+json", "application/json"),
        _VC_DOC,
        "The signed BitstringStatusListCredential (GZIP + multibase base64url).",
    ),
    **_NOT_MODIFIED,
    **error_responses(404, 422),
}


def status_router(status_base: str) -> APIRouter:
    """The marks' lists at ``{status_base}/{purpose}/{n}`` (lists of 2^26) and the VC-API's at
    ``{status_base}/vcapi/{purpose}/{n}`` (lists of 131,072): the URLs
    :meth:`~vic.issuer.engine.Issuer.status_list_url` builds."""
    router = APIRouter(
        route_class=StrictJsonRoute, prefix=urlsplit(status_base).path, tags=["Status lists"]
    )

    def serve(
        request: Request, issuer: IssuerDep, purpose: StatusPurpose, n: int, space: StatusSpace
    ) -> Response:
        published = issuer.status_list(purpose, n, space)
        return document_response(
            request,
            published.body,
            prefers_json(request),
            max_age=published.max_age,
            etag=published.etag,
            vary=True,
        )

    @router.get(
        "/{purpose}/{list_index}",
        operation_id="getMarkStatusList",
        summary="A status list of the marks (terse entries expand to it)",
        response_class=Response,
        responses=_LIST_RESPONSES,
    )
    def mark_list(
        request: Request, issuer: IssuerDep, purpose: Purpose, list_index: ListIndex
    ) -> Response:
        return serve(request, issuer, purpose, list_index, StatusSpace.MARK)

    @router.get(
        "/vcapi/{purpose}/{list_index}",
        operation_id="getCredentialStatusList",
        summary="A status list of credentials issued through the VC-API",
        response_class=Response,
        responses=_LIST_RESPONSES,
    )
    def vcapi_list(
        request: Request, issuer: IssuerDep, purpose: Purpose, list_index: ListIndex
    ) -> Response:
        return serve(request, issuer, purpose, list_index, StatusSpace.VCAPI)

    return router


# --- contexts, schema, registry entry ------------------------------------------------------------

_OUR_CONTEXTS: Final = {
    url.removeprefix(CONTEXT_PREFIX + "/"): url
    for url in bundled_urls()
    if url.startswith(CONTEXT_PREFIX + "/")
}


def context_router() -> APIRouter:
    """The authority's vocabulary context(s), the subject's JSON Schema, the registry entry."""
    router = APIRouter(route_class=StrictJsonRoute, tags=["Public documents"])

    @router.get(
        "/contexts/vehicle-inspection/{version}",
        operation_id="getContext",
        summary="The vehicle inspection JSON-LD context (bundled bytes, as hashed)",
        response_class=Response,
        responses={
            200: _document(
                ("application/ld+json",),
                {"type": "object", "required": ["@context"]},
                f"The context published at {CONTEXT_PREFIX}/{{version}}.",
            ),
            **_NOT_MODIFIED,
            **error_responses(404, 422),
        },
    )
    def context(
        request: Request,
        version: Annotated[str, Path(pattern=r"^v[0-9]{1,3}$", examples=["v1"])],
    ) -> Response:
        url = _OUR_CONTEXTS.get(version)
        if url is None:
            raise RecordNotFoundError(
                f"no vehicle-inspection context {version}", code="CONTEXT_NOT_FOUND"
            )
        return document_response(
            request, context_bytes(url), "application/ld+json", max_age=IMMUTABLE_MAX_AGE
        )

    @router.get(
        SCHEMA_PATH,
        operation_id="getSubjectSchema",
        summary="The JSON Schema of a mark's credentialSubject",
        response_class=Response,
        responses={
            200: _document(
                ("application/schema+json",),
                {"type": "object", "required": ["$schema"]},
                "The schema applied to a VehicleInspectionCredential's subject, by type.",
            ),
            **_NOT_MODIFIED,
        },
    )
    def subject_schema(request: Request) -> Response:
        body = resources.files("vic.contexts").joinpath("schemas", SCHEMA_FILE).read_bytes()
        return document_response(
            request, body, "application/schema+json", max_age=IMMUTABLE_MAX_AGE
        )

    @router.get(
        "/cborld/registry-entry.json",
        operation_id="getRegistryEntry",
        summary="The authority's CBOR-LD registry entry (current version)",
        response_class=Response,
        responses={
            200: _document(
                ("application/json",),
                {"type": "object", "required": ["registryEntryId", "version", "typeTables"]},
                "The type tables that decode the authority's QR codes (append-only).",
            ),
            **_NOT_MODIFIED,
            **error_responses(404),
        },
    )
    def registry_entry(request: Request, issuer: IssuerDep) -> Response:
        try:
            versions = issuer.registry_entry()
        except UsageError:
            raise RecordNotFoundError(
                "this authority publishes no CBOR-LD registry entry",
                code="REGISTRY_ENTRY_NOT_FOUND",
            ) from None
        body = json.dumps(versions[-1], ensure_ascii=False, indent=2).encode("utf-8")
        return document_response(request, body, "application/json", max_age=DOCUMENT_MAX_AGE)

    return router


# --- marks: the public status ---------------------------------------------------------------------


def marks_router() -> APIRouter:
    """What anyone holding a mark number may ask: is it current, and if not, why."""
    router = APIRouter(route_class=StrictJsonRoute, tags=["Marks"])

    @router.get(
        "/marks/{number}/status",
        operation_id="getMarkStatus",
        summary="Why a mark is (not) current: superseded, cancelled, suspended",
        response_model=PublicMarkStatusOut,
        responses=error_responses(400, 404, 422),
    )
    def mark_status(issuer: IssuerDep, number: MarkNumber) -> PublicMarkStatusOut:
        return PublicMarkStatusOut.of(issuer.mark_status(number))

    return router
