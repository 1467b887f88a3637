"""Administration (admin tokens): stations, signing keys, bearer tokens, the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Final

from fastapi import APIRouter, Path, Query

from vic.did.keys import KeyType
from vic.httpkit.bodies import StrictJsonRoute
from vic.httpkit.problems import error_responses
from vic.issuer.api.deps import AdminActor, IssuerDep, OfficeActor
from vic.issuer.api.models import (
    TEXT_ID_PATTERN,
    KeyRotationRequest,
    StationRequest,
    StationUpdate,
    TokenRequest,
)
from vic.issuer.api.responses import AuditEntryOut, KeyOut, StationOut, TokenCreatedOut, TokenOut
from vic.issuer.tokens import create_token, list_tokens, revoke_token

__all__ = ["router"]

router = APIRouter(route_class=StrictJsonRoute, tags=["Administration"])

_WRITE_ERRORS: Final = error_responses(400, 401, 403, 404, 409, 413, 422)
_READ_ERRORS: Final = error_responses(401, 403)

StationCodePath = Annotated[
    str, Path(min_length=1, max_length=32, pattern=TEXT_ID_PATTERN, examples=["420100-01"])
]
TokenIdPath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{16}$", description="The token id (public part of a token).")
]


@router.get(
    "/stations",
    operation_id="listStations",
    summary="Every inspection station",
    response_model=list[StationOut],
    responses=_READ_ERRORS,
)
def list_stations(actor: OfficeActor, issuer: IssuerDep) -> list[StationOut]:
    return [StationOut.of(s) for s in issuer.stations()]


@router.post(
    "/stations",
    operation_id="addStation",
    summary="Add an inspection station",
    status_code=201,
    response_model=StationOut,
    responses=_WRITE_ERRORS,
)
def add_station(actor: AdminActor, body: StationRequest, issuer: IssuerDep) -> StationOut:
    return StationOut.of(issuer.add_station(actor, body.code, body.name))


@router.patch(
    "/stations/{code}",
    operation_id="updateStation",
    summary="Activate or deactivate a station (an inactive one's reports are refused)",
    response_model=StationOut,
    responses=_WRITE_ERRORS,
)
def update_station(
    actor: AdminActor, code: StationCodePath, body: StationUpdate, issuer: IssuerDep
) -> StationOut:
    return StationOut.of(issuer.set_station_active(actor, code, body.active))


@router.get(
    "/keys",
    operation_id="listKeys",
    summary="The authority's signing keys, oldest first",
    response_model=list[KeyOut],
    responses=_READ_ERRORS,
)
def list_keys(actor: AdminActor, issuer: IssuerDep) -> list[KeyOut]:
    return [KeyOut.of(k) for k in issuer.keys()]  # noqa: SIM118 - the issuer's keys


@router.post(
    "/keys",
    operation_id="rotateKey",
    summary="Rotate the signing key: a new key signs from now on, the old one retires",
    status_code=201,
    response_model=KeyOut,
    responses=_WRITE_ERRORS,
)
def rotate_key(actor: AdminActor, body: KeyRotationRequest, issuer: IssuerDep) -> KeyOut:
    key_type = KeyType(body.key_type) if body.key_type is not None else None
    return KeyOut.of(issuer.rotate_key(actor, key_type=key_type))


@router.get(
    "/tokens",
    operation_id="listTokens",
    summary="Every bearer token (never their secrets)",
    response_model=list[TokenOut],
    responses=_READ_ERRORS,
)
def get_tokens(actor: AdminActor, issuer: IssuerDep) -> list[TokenOut]:
    return [TokenOut.of(t) for t in list_tokens(issuer)]


@router.post(
    "/tokens",
    operation_id="createToken",
    summary="Create a bearer token: its text is in this response only",
    status_code=201,
    response_model=TokenCreatedOut,
    responses=_WRITE_ERRORS,
)
def post_token(actor: AdminActor, body: TokenRequest, issuer: IssuerDep) -> TokenCreatedOut:
    expires = (
        timedelta(seconds=body.expires_in_seconds) if body.expires_in_seconds is not None else None
    )
    text, info = create_token(
        issuer,
        role=body.scope,
        subject=body.subject,
        expires=expires,
        label=body.label,
        actor=actor,
    )
    return TokenCreatedOut(token=text, info=TokenOut.of(info))


@router.delete(
    "/tokens/{token_id}",
    operation_id="revokeToken",
    summary="Revoke a bearer token",
    response_model=TokenOut,
    responses=error_responses(401, 403, 404, 422),
)
def delete_token(actor: AdminActor, token_id: TokenIdPath, issuer: IssuerDep) -> TokenOut:
    return TokenOut.of(revoke_token(issuer, token_id, actor=actor))


@router.get(
    "/audit",
    operation_id="readAuditLog",
    summary="The newest audit rows (of one target, e.g. vehicle:{VIN} or mark:{number})",
    response_model=list[AuditEntryOut],
    responses=error_responses(401, 403, 422),
)
def read_audit_log(
    actor: AdminActor,
    issuer: IssuerDep,
    target: Annotated[
        str | None, Query(min_length=1, max_length=256, pattern=TEXT_ID_PATTERN)
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryOut]:
    return [AuditEntryOut.of(r) for r in issuer.audit_log(target=target, limit=limit)]
