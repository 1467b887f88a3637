"""The W3C VC-API issuer endpoints (VCALM): issue any VC 2.0 or 1.1 credential, update its
status, fetch it by id.

- ``POST /credentials/issue``: ``{"credential": {...}, "options": {...}}`` → 201
  ``{"verifiableCredential": {...}}``. ``options.credentialStatus``
  (``{"type": "BitstringStatusListEntry", "statusPurpose": ...}``) asks for status entries; an
  app created with ``issue_with_status`` adds them to every VC 2.0 credential without a status.
- ``POST /credentials/status``: ``{"credentialId", "credentialStatus": {...} | [{...}],
  "status": bool}`` (VCALM) → 200. Each entry names its ``statusPurpose``; its own ``status``
  (a bool, or ``revoked`` / ``suspended`` / ``unsuspended`` as in older VC-API drafts) overrides
  the request's; without either, the bit is set (as the W3C status list test suite sends it).
- ``GET /credentials/{id}``: 200 ``{"verifiableCredential": {...}}`` (marks too, by their kept
  ``urn:uuid``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Path

from vic.contexts.errors import DataModelError, MalformedValueError, RefusedError
from vic.httpkit.bodies import StrictJsonRoute
from vic.httpkit.problems import error_responses
from vic.issuer.api.deps import IssuerDep, SettingsDep, VcApiActor
from vic.issuer.api.models import (
    TEXT_ID_PATTERN,
    IssueCredentialRequest,
    StatusEntryRequest,
    StatusUpdateRequest,
)
from vic.issuer.api.responses import CredentialOut, StatusUpdateOut, StatusUpdateResult
from vic.issuer.status import PURPOSES
from vic.vc.datamodel import check_credential
from vic.vc.status import StatusPurpose

__all__ = ["router"]

router = APIRouter(route_class=StrictJsonRoute, tags=["VC-API"])

_ID: Final = re.compile(r"[^\s\x00-\x1f\x7f]{1,2048}")
_ENTRY_TYPES: Final = frozenset({"BitstringStatusListEntry", "BitstringStatusList"})
_PURPOSE_NAMES: Final[dict[StatusPurpose, Literal["revocation", "suspension"]]] = {
    StatusPurpose.REVOCATION: "revocation",
    StatusPurpose.SUSPENSION: "suspension",
}
_WORDS: Final = {
    "revoked": (StatusPurpose.REVOCATION, True),
    "suspended": (StatusPurpose.SUSPENSION, True),
    "unsuspended": (StatusPurpose.SUSPENSION, False),
}


@router.post(
    "/credentials/issue",
    operation_id="issueCredential",
    summary="Issue a credential (VC 2.0 or 1.1) signed by the authority",
    status_code=201,
    response_model=CredentialOut,
    responses=error_responses(400, 401, 403, 409, 413, 422),
)
def issue_credential(
    actor: VcApiActor, body: IssueCredentialRequest, issuer: IssuerDep, settings: SettingsDep
) -> CredentialOut:
    credential = dict(body.credential)
    if "id" in credential and not (
        isinstance(credential["id"], str) and _ID.fullmatch(credential["id"])
    ):
        raise DataModelError(
            "credential.id must be a URL of 1-2048 characters without spaces or controls",
            code="INVALID_ID",
        )
    options = body.options
    if options is not None and options.credentialId is not None:
        if "id" in credential and credential["id"] != options.credentialId:
            raise DataModelError(
                "options.credentialId differs from credential.id", code="CREDENTIAL_ID_MISMATCH"
            )
        credential["id"] = options.credentialId
    asked = options.credentialStatus if options is not None else None
    purposes: Sequence[StatusPurpose] = PURPOSES
    if asked is not None:
        with_status = True
        if asked.statusPurpose is not None:
            chosen = asked.statusPurpose
            names = [chosen] if isinstance(chosen, str) else chosen
            purposes = [StatusPurpose(p) for p in names]
    else:
        info = check_credential(credential)
        with_status = (
            settings.issue_with_status
            and info.version == 2
            and "credentialStatus" not in credential
        )
    issued = issuer.issue_credential(actor, credential, with_status=with_status, purposes=purposes)
    return CredentialOut(verifiableCredential=issued.credential)


def _wanted(entry: StatusEntryRequest, default: bool) -> tuple[StatusPurpose, bool]:
    if entry.type is not None and entry.type not in _ENTRY_TYPES:
        raise MalformedValueError(
            f"status entries of type {entry.type!r} are not kept here: "
            "use BitstringStatusListEntry",
            code="UNSUPPORTED_STATUS_TYPE",
        )
    if isinstance(entry.status, str):
        purpose, value = _WORDS[entry.status]
        if entry.statusPurpose is not None and entry.statusPurpose != purpose.value:
            raise MalformedValueError(
                f"status {entry.status!r} does not fit statusPurpose {entry.statusPurpose!r}",
                code="STATUS_PURPOSE_MISMATCH",
            )
        return purpose, value
    if entry.statusPurpose is None:
        raise MalformedValueError(
            "each credentialStatus entry needs its statusPurpose", code="STATUS_PURPOSE_REQUIRED"
        )
    value = entry.status if isinstance(entry.status, bool) else default
    return StatusPurpose(entry.statusPurpose), value


def _entries_of(credential: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    status = credential.get("credentialStatus")
    items = status if isinstance(status, list) else [status] if status is not None else []
    return [
        item
        for item in items
        if isinstance(item, Mapping) and item.get("type") == "BitstringStatusListEntry"
    ]


def _check_entry(
    credential_id: str, entry: StatusEntryRequest, purpose: StatusPurpose, kept: list[Any]
) -> None:
    """The credential has an entry of this purpose, and it is the one the request names."""
    matching = [e for e in kept if e.get("statusPurpose") == purpose.value]
    if not matching:
        raise RefusedError(
            f"{credential_id} has no BitstringStatusListEntry for {purpose.value} (marks change "
            "status through /marks/{number}/suspension and cancellations)",
            code="NO_STATUS",
        )
    for name in ("id", "statusListIndex", "statusListCredential"):
        given = getattr(entry, name)
        if given is not None and all(str(e.get(name)) != given for e in matching):
            raise RefusedError(
                f"{name} {given!r} is not the credential's {purpose.value} entry",
                code="STATUS_ENTRY_MISMATCH",
            )


@router.post(
    "/credentials/status",
    operation_id="updateCredentialStatus",
    summary="Set or clear a status bit of a credential issued through the VC-API",
    response_model=StatusUpdateOut,
    responses=error_responses(400, 401, 403, 404, 413, 422),
)
def update_status(
    actor: VcApiActor, body: StatusUpdateRequest, issuer: IssuerDep
) -> StatusUpdateOut:
    requested = (
        body.credentialStatus
        if isinstance(body.credentialStatus, list)
        else [body.credentialStatus]
    )
    if not requested:
        raise MalformedValueError("credentialStatus names no entry", code="STATUS_PURPOSE_REQUIRED")
    default = True if body.status is None else body.status
    plan = [(entry, *_wanted(entry, default)) for entry in requested]
    kept = _entries_of(issuer.get_credential(body.credentialId))
    for entry, purpose, _value in plan:
        _check_entry(body.credentialId, entry, purpose, kept)
    results = []
    for _entry, purpose, value in plan:
        changed = issuer.update_status(actor, body.credentialId, purpose, value)
        results.append(
            StatusUpdateResult(statusPurpose=_PURPOSE_NAMES[purpose], status=value, changed=changed)
        )
    return StatusUpdateOut(credentialId=body.credentialId, credentialStatus=results)


@router.get(
    "/credentials/{credential_id:path}",
    operation_id="getCredential",
    summary="A credential the authority issued, by id (VC-API credentials and marks)",
    response_model=CredentialOut,
    responses=error_responses(401, 403, 404, 422),
)
def get_credential(
    actor: VcApiActor,
    credential_id: Annotated[
        str,
        Path(
            min_length=1,
            max_length=2048,
            pattern=TEXT_ID_PATTERN,
            description="The credential's id, e.g. urn:uuid:... (percent-encode / and ?).",
        ),
    ],
    issuer: IssuerDep,
) -> CredentialOut:
    return CredentialOut(verifiableCredential=issuer.get_credential(credential_id))
