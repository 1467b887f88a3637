"""The VC data model checks (VC 2.0, and VC 1.1 for older stacks and the W3C suites)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vic.contexts.errors import DataModelError, ValidityRangeError
from vic.contexts.loader import CREDENTIALS_V1, CREDENTIALS_V2
from vic.vc.dates import parse_datetime
from vic.vc.frozen import frozen
from vic.vc.iri import is_absolute_iri
from vic.vc.related import check_related_resources

__all__ = ["CredentialInfo", "check_credential", "types_of"]


@dataclass(frozen=True)
class CredentialInfo:
    """What the data model check learned: version, issuer, types and validity window."""

    version: int
    """2 for VC 2.0, 1 for VC 1.1."""
    issuer: str
    types: tuple[str, ...]
    valid_from: datetime | None
    valid_until: datetime | None
    id: str | None


def types_of(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The ``type`` values of a document (a string or a list of strings), else ()."""
    value = document.get("type")
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return tuple(value)
    return ()


def check_credential(credential: Mapping[str, Any]) -> CredentialInfo:
    """Check ``credential`` against the VC data model (2.0 or 1.1, chosen by its first context).

    :raises DataModelError: a rule is broken (fine codes: INVALID_CONTEXT, INVALID_TYPE,
        INVALID_ISSUER, INVALID_SUBJECT, INVALID_ID, INVALID_DATETIME, INVALID_STATUS,
        INVALID_SCHEMA, MISSING_ISSUANCE_DATE...; relatedResource: see
        :func:`vic.vc.related.check_related_resources`).
    :raises ValidityRangeError: validFrom is after validUntil (issuanceDate after expirationDate).
    """
    version = _check_context(credential.get("@context"))
    types = types_of(credential)
    if "VerifiableCredential" not in types:
        raise DataModelError(
            "type must be a string or list of strings including VerifiableCredential",
            code="INVALID_TYPE",
        )
    credential_id = credential.get("id")
    if credential_id is not None and not _is_url(credential_id):
        raise DataModelError("id must be a URL", code="INVALID_ID")
    issuer = _check_issuer(credential.get("issuer"))
    _check_subjects(credential.get("credentialSubject"))
    for name in (
        "credentialStatus",
        "credentialSchema",
        "evidence",
        "termsOfUse",
        "refreshService",
    ):
        if name in credential:
            _check_typed_objects(credential[name], name, need_id=name == "credentialSchema")
    check_related_resources(credential)

    if version == 2:
        for legacy in ("issuanceDate", "expirationDate"):
            if legacy in credential:
                raise DataModelError(
                    f"{legacy} is VC 1.1; VC 2.0 uses validFrom/validUntil",
                    code="INVALID_DATETIME",
                )
        start = _optional_date(credential, "validFrom", require_timezone=True)
        end = _optional_date(credential, "validUntil", require_timezone=True)
        start_name, end_name = "validFrom", "validUntil"
    else:
        if "issuanceDate" not in credential:
            raise DataModelError("a VC 1.1 credential needs issuanceDate", code="MISSING_DATE")
        start = _optional_date(credential, "issuanceDate", require_timezone=False)
        end = _optional_date(credential, "expirationDate", require_timezone=False)
        start_name, end_name = "issuanceDate", "expirationDate"
    if start is not None and end is not None and start > end:
        raise ValidityRangeError(f"{start_name} is after {end_name}", code="VALIDITY_RANGE")
    return frozen(
        CredentialInfo,
        version=version,
        issuer=issuer,
        types=types,
        valid_from=start,
        valid_until=end,
        id=credential_id,
    )


def _check_context(context: Any) -> int:
    if not isinstance(context, list) or not context:
        raise DataModelError("@context must be a non-empty ordered list", code="INVALID_CONTEXT")
    first = context[0]
    if first == CREDENTIALS_V2:
        return 2
    if first == CREDENTIALS_V1:
        return 1
    raise DataModelError(
        f"the first @context must be {CREDENTIALS_V2} (or {CREDENTIALS_V1}), got {first!r}",
        code="INVALID_CONTEXT",
    )


def _check_issuer(issuer: Any) -> str:
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not _is_url(issuer_id):
        raise DataModelError(
            "issuer must be a URL or an object whose id is a URL", code="INVALID_ISSUER"
        )
    return str(issuer_id)


def _check_subjects(value: Any) -> None:
    subjects = value if isinstance(value, list) else [value]
    if not subjects or not all(isinstance(s, dict) and s for s in subjects):
        raise DataModelError(
            "credentialSubject must be a non-empty object or list of objects",
            code="INVALID_SUBJECT",
        )
    for subject in subjects:
        if "id" in subject and not _is_url(subject["id"]):
            raise DataModelError("credentialSubject.id must be a URL", code="INVALID_SUBJECT")


def _check_typed_objects(value: Any, name: str, *, need_id: bool) -> None:
    items = value if isinstance(value, list) else [value]
    code = {"credentialStatus": "INVALID_STATUS", "credentialSchema": "INVALID_SCHEMA"}.get(
        name, "INVALID_CREDENTIAL"
    )
    for item in items:
        if not isinstance(item, dict) or not types_of(item):
            raise DataModelError(f"each {name} must be an object with a type", code=code)
        if ("id" in item or need_id) and not _is_url(item.get("id")):
            raise DataModelError(f"{name}.id must be a URL", code=code)


def _optional_date(
    credential: Mapping[str, Any], name: str, *, require_timezone: bool
) -> datetime | None:
    if name not in credential:
        return None
    return parse_datetime(credential[name], field=name, require_timezone=require_timezone)


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and is_absolute_iri(value)
