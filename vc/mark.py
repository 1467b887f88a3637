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
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from functools import cache
from typing import Any, Final, NoReturn

from vic.contexts.errors import (
    MarkShapeError,
    StatusIndexRangeError,
    UsageError,
    ValidityRangeError,
    VicError,
)
from vic.contexts.loader import DocumentLoader
from vic.vc.jsonio import is_int
from vic.vc.plate import (
    PlateType,
    VehicleType,
    check_plate_type,
    validate_plate,
    validate_vehicle_type,
)
from vic.vc.vin import validate_vin

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

CHINA_STANDARD_TIME: Final = timezone(timedelta(hours=8), "CST")
"""UTC+8, the zone in which a mark's month of validity is reckoned."""

MARK_CONTEXTS: Final = (
    "https://www.w3.org/ns/credentials/v2",
    "https://w3id.org/vc-barcodes/v1",
    "https://w3id.org/vehicle-inspection/v1",
)
"""The mark's ``@context``, exactly and in this order."""

MARK_TYPES: Final = ("VerifiableCredential", "VehicleInspectionCredential")
"""The mark's ``type``."""

_TYPE_SET: Final = frozenset(MARK_TYPES)
CREDENTIAL_TYPE: Final = "VehicleInspectionCredential"
SUBJECT_TYPE: Final = "Vehicle"
TERSE_STATUS_TYPE: Final = "TerseBitstringStatusListEntry"
TERSE_INDEX_LIMIT: Final = 2**32
"""terseStatusListIndex is a 32-bit unsigned integer (VC Barcodes: 64 lists of 2^26 entries)."""

SCHEMA_RESOURCE: Final = ("schemas", "vehicle-subject.schema.json")

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
_URL: Final = re.compile(r"https?://[^\s/?#]+[^\s]*")
_UUID_URN: Final = re.compile(
    r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


class MarkErrorCode(StrEnum):
    """The stable codes of :class:`MarkShapeError` that the mark, plate and VIN checks raise."""

    INVALID_MARK = "INVALID_MARK"
    """The credential-level shape: contexts, types, top-level fields, issuer, id, dates, status."""
    INVALID_VALID_UNTIL = "INVALID_VALID_UNTIL"
    """validUntil is not the last second of a month in China Standard Time."""
    INVALID_SUBJECT = "INVALID_SUBJECT"
    """credentialSubject is not one object of type Vehicle."""
    MISSING_SUBJECT_FIELD = "MISSING_SUBJECT_FIELD"
    UNEXPECTED_SUBJECT_FIELD = "UNEXPECTED_SUBJECT_FIELD"
    INVALID_PLATE = "INVALID_PLATE"
    INVALID_PLATE_TYPE = "INVALID_PLATE_TYPE"
    PLATE_TYPE_MISMATCH = "PLATE_TYPE_MISMATCH"
    INVALID_VEHICLE_TYPE = "INVALID_VEHICLE_TYPE"
    INVALID_VIN = "INVALID_VIN"
    INVALID_VIN_CHECK_DIGIT = "INVALID_VIN_CHECK_DIGIT"
    INVALID_INSPECTION_BASIS = "INVALID_INSPECTION_BASIS"


class InspectionBasis(StrEnum):
    """Why the mark was issued."""

    ON_SITE = "OnSite"
    """A passed on-site inspection at a station (or the registration of a new vehicle)."""
    EXEMPT = "Exempt"
    """The vehicle is exempt from on-site inspection this period; the owner applied online."""


@dataclass(frozen=True)
class VehicleSubject:
    """The mark's ``credentialSubject``: the vehicle, as a verifier matches it.

    Construction validates and normalizes every field (see :func:`vic.vc.plate.validate_plate` and
    :func:`vic.vc.vin.validate_vin`; the VIN check digit is required), so an instance is always a
    valid subject.

    :raises MarkShapeError: with the code of the first field that is wrong.
    """

    registration_number: str
    plate_type_code: str
    vehicle_type_code: str
    vin: str
    inspection_basis: InspectionBasis

    def __post_init__(self) -> None:
        plate = validate_plate(self.registration_number)
        check_plate_type(plate, self.plate_type_code)
        validate_vehicle_type(self.vehicle_type_code)
        vin = validate_vin(self.vin, check_digit=True)
        try:
            basis = InspectionBasis(self.inspection_basis)
        except ValueError:
            raise MarkShapeError(
                f"inspectionBasis is one of OnSite, Exempt; not {self.inspection_basis!r}",
                code=MarkErrorCode.INVALID_INSPECTION_BASIS,
            ) from None
        object.__setattr__(self, "registration_number", plate)
        object.__setattr__(self, "vin", vin)
        object.__setattr__(self, "inspection_basis", basis)

    @property
    def plate_type(self) -> PlateType:
        """The GA 24.7 plate type (names for display)."""
        return check_plate_type(self.registration_number, self.plate_type_code)

    @property
    def vehicle_type(self) -> VehicleType:
        """The GA 24.4 vehicle type (names for display)."""
        return validate_vehicle_type(self.vehicle_type_code)

    def to_json(self) -> dict[str, Any]:
        """The JSON-LD ``credentialSubject`` object, in the mark's key order."""
        return {
            "type": SUBJECT_TYPE,
            "registrationNumber": self.registration_number,
            "plateTypeCode": self.plate_type_code,
            "vehicleTypeCode": self.vehicle_type_code,
            "vehicleIdentificationNumber": self.vin,
            "inspectionBasis": self.inspection_basis.value,
        }


@dataclass(frozen=True)
class TerseStatus:
    """The mark's VC Barcodes ``TerseBitstringStatusListEntry``.

    A verifier expands it to the revocation and suspension entries of list ``index // 2**26``
    under ``base_url`` (``{base_url}/{purpose}/{index // 2**26}``, bit ``index % 2**26``).

    :raises MarkShapeError: ``INVALID_MARK`` if ``base_url`` is not an http(s) URL without a
        trailing slash.
    :raises StatusIndexRangeError: ``index`` is not an integer in 0..2^32-1.
    """

    base_url: str
    index: int

    def __post_init__(self) -> None:
        _check_status_base_url(self.base_url)
        _check_status_index(self.index)

    def to_json(self) -> dict[str, Any]:
        """The JSON-LD ``credentialStatus`` object."""
        return {
            "type": TERSE_STATUS_TYPE,
            "terseStatusListBaseUrl": self.base_url,
            "terseStatusListIndex": self.index,
        }


def _check_status_base_url(base_url: object) -> None:
    if not isinstance(base_url, str) or not _URL.fullmatch(base_url) or base_url.endswith("/"):
        raise MarkShapeError(
            "terseStatusListBaseUrl is an http(s) URL without a trailing slash",
            code=MarkErrorCode.INVALID_MARK,
            value=base_url,
        )


def _check_status_index(index: object) -> None:
    if isinstance(index, bool) or not isinstance(index, int):
        raise MarkShapeError(
            "terseStatusListIndex is an integer", code=MarkErrorCode.INVALID_MARK, value=index
        )
    if not 0 <= index < TERSE_INDEX_LIMIT:
        raise StatusIndexRangeError(
            f"terseStatusListIndex {index} is outside 0..2^32-1", index=index
        )


# --- dates ---------------------------------------------------------------------------------------


def valid_until_for_month(year: int, month: int) -> datetime:
    """The last instant (whole second) of ``year``-``month`` in China Standard Time, in UTC.

    ``valid_until_for_month(2028, 11)`` is 2028-11-30T15:59:59Z: 23:59:59 on 30 November in
    Beijing.

    :raises UsageError: the month is not 1-12 or the year not 1-9999.
    """
    if not _is_int_in(year, 1, 9999):
        raise UsageError(f"year must be 1-9999, got {year!r}")
    if not _is_int_in(month, 1, 12):
        raise UsageError(f"month must be 1-12, got {month!r}")
    import calendar  # issuing only: not loaded with the verifier

    last_day = calendar.monthrange(year, month)[1]
    local = datetime(year, month, last_day, 23, 59, 59, tzinfo=CHINA_STANDARD_TIME)
    return local.astimezone(UTC)


def _is_int_in(value: object, low: int, high: int) -> bool:
    return is_int(value) and low <= value <= high


_DAYS_IN_MONTH: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_month_end(moment: datetime) -> bool:
    """Whether ``moment`` is :func:`valid_until_for_month` of its month in China Standard Time."""
    try:
        local = moment.astimezone(CHINA_STANDARD_TIME)
    except OverflowError:  # after 9999-12-31T16:00:00Z, past the last month end
        return False
    if local.second != 59 or local.minute != 59 or local.hour != 23 or local.microsecond:
        return False
    year, month = local.year, local.month
    last_day = _DAYS_IN_MONTH[month]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        last_day = 29
    return local.day == last_day


def _whole_seconds_utc(moment: object, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise UsageError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise UsageError(f"{name} is a naive datetime: pass an aware one (UTC or +08:00)")
    return moment.astimezone(UTC).replace(microsecond=0)


def _format(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


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


@cache
def subject_schema() -> dict[str, Any]:
    """The bundled JSON Schema (draft 2020-12) of the mark's credentialSubject (shared: do not
    mutate it)."""
    from importlib import resources  # on first use: it imports tempfile, shutil and more

    text = resources.files("vic.contexts").joinpath(*SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _subject_validator() -> Any:
    # Imported here so that `import vc.mark` stays light; jsonschema ships no type information.
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped,unused-ignore]

    schema = subject_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@cache
def _subject_predicates() -> dict[str, Callable[[Any], bool]] | None:
    """The schema's property rules as plain predicates, or None if it uses other keywords.

    Each predicate is at least as strict as its rule (a ``const`` or ``enum`` value must also be
    a string), so a subject they all accept is one the validator accepts: the validator then runs
    only to explain a failure, with the same error as before.
    """
    schema = subject_schema()
    if set(schema) - {
        "$schema",
        "$id",
        "title",
        "description",
        "type",
        "required",
        "additionalProperties",
        "properties",
    }:
        return None
    predicates: dict[str, Callable[[Any], bool]] = {}
    for name, rule in schema["properties"].items():
        checks: list[Callable[[Any], bool]] = []
        for keyword, value in rule.items():
            if keyword == "description":
                continue
            check = _rule_predicate(keyword, value)
            if check is None:
                return None
            checks.append(check)
        predicates[name] = _all_of(tuple(checks))
    return predicates


def _rule_predicate(keyword: str, value: Any) -> Callable[[Any], bool] | None:
    def is_string(v: Any) -> bool:
        return type(v) is str

    if keyword == "type" and value == "string":
        return is_string
    if keyword == "const" and type(value) is str:
        return lambda v: type(v) is str and v == value
    if keyword == "enum" and all(type(e) is str for e in value):
        allowed = frozenset(value)
        return lambda v: type(v) is str and v in allowed
    if keyword == "pattern" and type(value) is str:
        regex = re.compile(value)  # jsonschema's pattern is re.search with the same pattern
        return lambda v: type(v) is str and regex.search(v) is not None
    return None


def _all_of(checks: tuple[Callable[[Any], bool], ...]) -> Callable[[Any], bool]:
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    return lambda v: all(check(v) for check in checks)


def _subject_surely_valid(data: Mapping[str, Any]) -> bool:
    """True only if the subject (with no missing or unknown member) meets the schema."""
    predicates = _subject_predicates()
    if predicates is None:
        return False
    for key, value in data.items():
        check = predicates.get(key)
        if check is None or not check(value):
            return False
    return True


_FIELD_CODES: Final[dict[str, MarkErrorCode]] = {
    "type": MarkErrorCode.INVALID_SUBJECT,
    "registrationNumber": MarkErrorCode.INVALID_PLATE,
    "plateTypeCode": MarkErrorCode.INVALID_PLATE_TYPE,
    "vehicleTypeCode": MarkErrorCode.INVALID_VEHICLE_TYPE,
    "vehicleIdentificationNumber": MarkErrorCode.INVALID_VIN,
    "inspectionBasis": MarkErrorCode.INVALID_INSPECTION_BASIS,
}


def _bad(message: str, code: MarkErrorCode = MarkErrorCode.INVALID_MARK, **detail: Any) -> NoReturn:
    raise MarkShapeError(message, code=code, **detail)


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
    return _check_subject(credential["credentialSubject"])


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


def _check_subject(subject: object) -> VehicleSubject:
    if type(subject) is not dict and not isinstance(subject, Mapping):
        _bad("a mark's credentialSubject is one object", MarkErrorCode.INVALID_SUBJECT)
    data: dict[str, Any] = {str(key): value for key, value in subject.items()}
    schema = subject_schema()
    missing = [key for key in schema["required"] if key not in data]
    if missing:
        _bad(
            f"credentialSubject lacks {', '.join(missing)}",
            MarkErrorCode.MISSING_SUBJECT_FIELD,
            fields=missing,
        )
    unexpected = sorted(str(key) for key in data if key not in schema["properties"])
    if unexpected:
        _bad(
            f"credentialSubject has no member {', '.join(unexpected)}",
            MarkErrorCode.UNEXPECTED_SUBJECT_FIELD,
            fields=unexpected,
        )
    errors = [] if _subject_surely_valid(data) else list(_subject_validator().iter_errors(data))
    if errors:
        order = list(_FIELD_CODES)
        error = min(
            errors,
            key=lambda e: order.index(e.path[0]) if e.path and e.path[0] in order else -1,
        )
        field = str(error.path[0]) if error.path else ""
        code = _FIELD_CODES.get(field, MarkErrorCode.INVALID_SUBJECT)
        _bad(f"credentialSubject {field or ''}: {error.message}".strip(), code, field=field)
    # What the schema cannot say: the check digit, plate and plate type agreeing, and that the
    # values are already normal (Python's `$` in the schema's patterns tolerates a final newline).
    result = VehicleSubject(
        registration_number=data["registrationNumber"],
        plate_type_code=data["plateTypeCode"],
        vehicle_type_code=data["vehicleTypeCode"],
        vin=data["vehicleIdentificationNumber"],
        inspection_basis=InspectionBasis(data["inspectionBasis"]),
    )
    if result.registration_number != data["registrationNumber"]:
        _bad("registrationNumber is not in normal form", MarkErrorCode.INVALID_PLATE)
    if result.vin != data["vehicleIdentificationNumber"]:
        _bad("vehicleIdentificationNumber is not in normal form", MarkErrorCode.INVALID_VIN)
    return result
