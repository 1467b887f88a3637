"""The vehicle inspection mark: the lean VC 2.0 credential of docs/mark.md, built and shape-checked.

:func:`build_mark` writes the unsigned mark an issuer then signs; :func:`check_mark` checks that a
(signed or unsigned) credential has the mark's shape — contexts, types, top-level fields, dates,
terse status entry, and the subject against the bundled JSON Schema plus the rules a schema cannot
state (the VIN check digit, plate number and plate type agreeing). It checks no proof and no
status: those belong to the verifier. docs/mark.md describes the fields and the rules.

Every problem is a :class:`~vic.contexts.errors.MarkShapeError` whose ``code`` is one of
:class:`MarkErrorCode`, except validFrom after validUntil (:class:`ValidityRangeError`), a terse
status index outside 0..2^32-1 (:class:`StatusIndexRangeError`) and wrong arguments to the builder
(:class:`UsageError`).

This module is the public import path and re-exports the names of its siblings:
:mod:`vic.vc.marktypes` (the subject, terse status, error codes, month-end dates) and
:mod:`vic.vc.marksubject` (the subject schema and its check).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from vic.contexts.errors import MarkShapeError, UsageError, ValidityRangeError, VicError
from vic.contexts.loader import DocumentLoader
from vic.vc.marksubject import check_subject, subject_schema
from vic.vc.marktypes import (
    CHINA_STANDARD_TIME,
    MARK_CONTEXTS,
    MARK_TYPES,
    TERSE_INDEX_LIMIT,
    TERSE_STATUS_TYPE,
    InspectionBasis,
    MarkErrorCode,
    TerseStatus,
    VehicleSubject,
    _bad,
    _check_status_base_url,
    _check_status_index,
    _format,
    _is_month_end,
    _whole_seconds_utc,
    valid_until_for_month,
)

__all__ = [
    "CHINA_STANDARD_TIME",
    "MARK_CONTEXTS",
    "MARK_TYPES",
    "TERSE_INDEX_LIMIT",
    "InspectionBasis",
    "MarkErrorCode",
    "TerseStatus",
    "VehicleSubject",
    "build_mark",
    "check_mark",
    "is_mark",
    "new_mark_id",
    "subject_schema",
    "valid_until_for_month",
]

_TYPE_SET: Final = frozenset(MARK_TYPES)
CREDENTIAL_TYPE: Final = "VehicleInspectionCredential"

_TOP_LEVEL_KEYS: Final = frozenset(
    {
        "@context",
        "type",
        "id",
        "issuer",
        "validFrom",
        "validUntil",
        "credentialSubject",
        "credentialStatus",
        "proof",
    }
)
_REQUIRED_KEYS: Final = ("@context", "type", "issuer", "validFrom", "validUntil")
_REQUIRED_SET: Final = frozenset(_REQUIRED_KEYS)
_STATUS_KEYS: Final = frozenset({"type", "terseStatusListBaseUrl", "terseStatusListIndex"})
_DATETIME_Z: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_URI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")
_UUID_URN: Final = re.compile(
    r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


# --- building ------------------------------------------------------------------------------------


def build_mark(
    *,
    issuer: str,
    subject: VehicleSubject,
    valid_from: datetime,
    valid_until: datetime,
    status: TerseStatus | None = None,
    mark_id: str | None = None,
) -> dict[str, Any]:
    """The unsigned lean mark (docs/mark.md), ready to sign.

    Both datetimes must be aware; they are written in UTC with ``Z`` and whole seconds (a
    fraction is dropped). ``valid_until`` must be the last second of a month in China Standard
    Time (:func:`valid_until_for_month`).

    :param issuer: the authority's DID.
    :param mark_id: the mark's ``id``: ``urn:uuid:`` and a lower-case UUID, or another absolute
        URI; ``None`` leaves the mark without ``id``.
    :raises UsageError: a naive datetime, or an argument of the wrong type.
    :raises ValidityRangeError: ``valid_from`` is after ``valid_until``.
    :raises MarkShapeError: ``INVALID_VALID_UNTIL`` (not a month end), ``INVALID_MARK`` (issuer,
        id).
    """
    arguments: tuple[object, object] = (subject, status)
    if not isinstance(arguments[0], VehicleSubject):
        raise UsageError("subject must be a VehicleSubject")
    if arguments[1] is not None and not isinstance(arguments[1], TerseStatus):
        raise UsageError("status must be a TerseStatus or None")
    start = _whole_seconds_utc(valid_from, "valid_from")
    end = _whole_seconds_utc(valid_until, "valid_until")
    _check_issuer(issuer)
    if mark_id is not None:
        _check_mark_id(mark_id)
    if not _is_month_end(end):
        raise MarkShapeError(
            f"validUntil {_format(end)} is not the last second of a month in China Standard Time",
            code=MarkErrorCode.INVALID_VALID_UNTIL,
        )
    if start > end:
        raise ValidityRangeError(
            f"validFrom {_format(start)} is after validUntil {_format(end)}",
            code="VALIDITY_RANGE",
        )
    mark: dict[str, Any] = {"@context": list(MARK_CONTEXTS), "type": list(MARK_TYPES)}
    if mark_id is not None:
        mark["id"] = mark_id
    mark["issuer"] = issuer
    mark["validFrom"] = _format(start)
    mark["validUntil"] = _format(end)
    mark["credentialSubject"] = subject.to_json()
    if status is not None:
        mark["credentialStatus"] = status.to_json()
    return mark


def _check_issuer(issuer: object) -> str:
    # VC 2.0 allows {"id": ...}; the lean mark writes a string
    if type(issuer) is not str and isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if not isinstance(issuer, str) or not issuer.startswith("did:") or not _URI.fullmatch(issuer):
        raise MarkShapeError(
            "the mark's issuer is the authority's DID", code=MarkErrorCode.INVALID_MARK
        )
    return issuer


def _check_mark_id(mark_id: object) -> None:
    if not isinstance(mark_id, str) or not _URI.fullmatch(mark_id):
        raise MarkShapeError("the mark's id is an absolute URI", code=MarkErrorCode.INVALID_MARK)
    if mark_id.lower().startswith("urn:uuid:") and not _UUID_URN.fullmatch(mark_id):
        raise MarkShapeError(
            "a urn:uuid id is written with a lower-case canonical UUID",
            code=MarkErrorCode.INVALID_MARK,
        )


def new_mark_id() -> str:
    """A fresh random ``urn:uuid:`` mark id."""
    import uuid  # issuing only: not loaded with the verifier

    return f"urn:uuid:{uuid.uuid4()}"


# --- checking ------------------------------------------------------------------------------------


def is_mark(credential: Mapping[str, Any]) -> bool:
    """Whether the credential claims the VehicleInspectionCredential type (its shape unchecked)."""
    untrusted: object = credential
    if not isinstance(untrusted, Mapping):
        return False
    types = untrusted.get("type")
    if isinstance(types, str):
        return types == CREDENTIAL_TYPE
    return isinstance(types, list) and CREDENTIAL_TYPE in types


MARK_TYPE_IRI: Final = "https://w3id.org/vehicle-inspection#VehicleInspectionCredential"
"""What ``VehicleInspectionCredential`` expands to in the mark's vocabulary."""

_TYPE_IRIS: dict[tuple[Any, ...], bool] = {}
_TYPE_IRIS_MAX: Final = 256


def has_mark_type_iri(credential: Mapping[str, Any], loader: DocumentLoader | None = None) -> bool:
    """Whether the credential's ``VehicleInspectionCredential`` type expands to the mark's IRI
    under its own contexts (a compact name alone proves nothing: another context may map it to
    another vocabulary, making the credential a generic one).

    The answer is remembered per list of context URLs (and loader); a document whose contexts
    do not expand (unknown or inline) is not a mark here (its proof check reports why).
    """
    if not is_mark(credential):
        return False
    contexts = credential.get("@context")
    items = contexts if isinstance(contexts, list) else [contexts]
    key = (tuple(items), loader) if all(isinstance(c, str) for c in items) else None
    if key is not None and key in _TYPE_IRIS:
        return _TYPE_IRIS[key]
    from vic.vc.jsonld import expand

    try:
        expanded = expand({"@context": contexts, "@type": CREDENTIAL_TYPE}, loader)
        types = expanded[0].get("@type", []) if expanded else []
        answer = MARK_TYPE_IRI in types
    except VicError:
        answer = False
    if key is not None:
        if len(_TYPE_IRIS) >= _TYPE_IRIS_MAX:
            _TYPE_IRIS.clear()
        _TYPE_IRIS[key] = answer
    return answer


def check_mark(credential: Mapping[str, Any]) -> VehicleSubject:
    """Check that ``credential`` has the shape of a vehicle inspection mark; return its subject.

    Checked: ``@context`` is exactly :data:`MARK_CONTEXTS`; ``type`` holds exactly
    :data:`MARK_TYPES`; no top-level member beyond the mark's (``proof`` is allowed and left to
    the verifier); ``issuer`` a DID; ``id``, when present, an absolute URI; ``validFrom`` and
    ``validUntil`` UTC dateTimes with ``Z`` and whole seconds, validUntil a month end in China
    Standard Time, validFrom not after it; ``credentialStatus``, when present, one terse entry;
    ``credentialSubject`` valid against :func:`subject_schema` and the VIN, plate and code rules.

    :raises MarkShapeError: the code names the first problem found (:class:`MarkErrorCode`).
    :raises ValidityRangeError: validFrom is after validUntil.
    :raises StatusIndexRangeError: terseStatusListIndex is outside 0..2^32-1.
    """
    untrusted: object = credential  # the annotation is a promise the input may not keep
    if type(untrusted) is not dict and not isinstance(untrusted, Mapping):
        _bad("a mark is a JSON object")
    _check_contexts(credential.get("@context"))
    _check_types(credential.get("type"))
    keys = credential.keys()
    if not _TOP_LEVEL_KEYS.issuperset(keys):
        unknown = sorted(str(k) for k in credential if k not in _TOP_LEVEL_KEYS)
        _bad(f"a mark has no member {', '.join(unknown)}", members=unknown)
    if not keys >= _REQUIRED_SET:
        for key in _REQUIRED_KEYS:
            if key not in credential:
                _bad(f"a mark must have {key}", member=key)
    _check_issuer(credential["issuer"])
    if "id" in credential:
        _check_mark_id(credential["id"])
    start = _parse_z(credential["validFrom"], "validFrom")
    end = _parse_z(credential["validUntil"], "validUntil")
    if not _is_month_end(end):
        _bad(
            f"validUntil {credential['validUntil']} is not the last second of a month in China"
            " Standard Time",
            MarkErrorCode.INVALID_VALID_UNTIL,
        )
    if start > end:
        raise ValidityRangeError(
            f"validFrom {credential['validFrom']} is after validUntil {credential['validUntil']}",
            code="VALIDITY_RANGE",
        )
    if "credentialStatus" in credential:
        _check_status(credential["credentialStatus"])
    if "credentialSubject" not in credential:
        _bad("a mark must have a credentialSubject", MarkErrorCode.INVALID_SUBJECT)
    return check_subject(credential["credentialSubject"])


def _check_contexts(contexts: object) -> None:
    if not isinstance(contexts, list) or tuple(contexts) != MARK_CONTEXTS:
        _bad(
            "a mark's @context is exactly " + ", ".join(MARK_CONTEXTS),
            contexts=contexts if isinstance(contexts, list) else str(contexts),
        )


def _check_types(types: object) -> None:
    if not isinstance(types, list) or len(types) != len(MARK_TYPES) or not _is_type_set(types):
        _bad("a mark's type is exactly " + ", ".join(MARK_TYPES))


def _is_type_set(types: list[Any]) -> bool:
    try:
        return set(types) == _TYPE_SET
    except TypeError:  # an unhashable member (an object, a list): not a type name
        return False


def _parse_z(value: object, name: str) -> datetime:
    if not isinstance(value, str) or not _DATETIME_Z.fullmatch(value):
        _bad(f"{name} is a UTC dateTime with Z and whole seconds, e.g. 2028-11-30T15:59:59Z")
    text = str(value)
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError:
        raise MarkShapeError(
            f"{name} {text} is not a real date and time", code=MarkErrorCode.INVALID_MARK
        ) from None


def _check_status(status: object) -> None:
    if type(status) is not dict and not isinstance(status, Mapping):
        _bad("a mark's credentialStatus is one TerseBitstringStatusListEntry object")
    entry = status
    if entry.get("type") != TERSE_STATUS_TYPE or set(entry) != _STATUS_KEYS:
        _bad(
            "a mark's credentialStatus has exactly type TerseBitstringStatusListEntry,"
            " terseStatusListBaseUrl and terseStatusListIndex"
        )
    _check_status_base_url(entry["terseStatusListBaseUrl"])
    _check_status_index(entry["terseStatusListIndex"])
