"""The verifier's checks of a mark before its proof, as one pass over the mark's fixed shape.

A verifier runs, on every credential, the nesting cap (:func:`vic.vc.jsonio.check_depth`), the
data model (:func:`vic.vc.datamodel.check_credential`), the context policy
(:meth:`vic.vc.contextpolicy.ContextPolicy.check`), the mark's type IRI
(:func:`vic.vc.mark.has_mark_type_iri`) and the mark's shape (:func:`vic.vc.mark.check_mark`).
For a mark these walk the same ~20 values five times. :func:`mark_pass` checks a document against
the mark's one shape (docs/mark.md) in a single walk with the same rules, and returns what those
checks return (the same :class:`CredentialInfo` and :class:`VehicleSubject`), or ``None`` at the
first thing it does not expect: a member it does not know, a value of another JSON type, a value
a rule refuses. ``None`` sends the caller to the general checks, which then report the error with
its usual code and message; so :func:`mark_pass` only ever accepts what they all accept
(tests/verifier/test_mark_pass.py compares both paths on vectors, random and mutated marks).

What is cached: the context policy's and the type IRI's answer for the mark's own ``@context``
under one (loader, policy) pair — both depend on nothing else — in a dict of at most
:data:`_DECISIONS_MAX` pairs, cleared when full. Only the default loader (``None``) and
:class:`DocumentLoader` itself, and :class:`ContextPolicy` itself, are accepted (a subclass may
answer differently from call to call). Nothing about a document's values is kept.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any, Final, NamedTuple

from vic.contexts.errors import VicError
from vic.contexts.loader import DocumentLoader
from vic.vc.contextpolicy import DEFAULT_CONTEXT_POLICY, ContextPolicy
from vic.vc.datamodel import CredentialInfo
from vic.vc.frozen import frozen
from vic.vc.mark import (
    _TOP_LEVEL_KEYS,
    _URI,
    _UUID_URN,
    has_mark_type_iri,
)
from vic.vc.marksubject import _subject_predicates, subject_schema
from vic.vc.marktypes import (
    _URL,
    MARK_CONTEXTS,
    MARK_TYPES,
    TERSE_INDEX_LIMIT,
    TERSE_STATUS_TYPE,
    InspectionBasis,
    VehicleSubject,
    days_in_month,
)
from vic.vc.plate import PLATE_TYPES, VEHICLE_TYPES, PlateType, find_plate_kind
from vic.vc.vin import _check_digit

__all__ = ["MarkPass", "mark_pass"]


class MarkPass(NamedTuple):
    """What the checks before the proof learned of a mark that passed them all."""

    info: CredentialInfo
    subject: VehicleSubject


_REQUIRED: Final = frozenset(
    {"@context", "type", "issuer", "validFrom", "validUntil", "credentialSubject"}
)
_CONTEXTS: Final = list(MARK_CONTEXTS)
_TYPE_ORDERS: Final = (list(MARK_TYPES), list(reversed(MARK_TYPES)))
_SUBJECT_KEYS: Final = frozenset(
    {
        "type",
        "registrationNumber",
        "plateTypeCode",
        "vehicleTypeCode",
        "vehicleIdentificationNumber",
        "inspectionBasis",
    }
)
_STATUS_KEYS: Final = frozenset({"type", "terseStatusListBaseUrl", "terseStatusListIndex"})
_SCALARS: Final = frozenset({str, int, float, bool, type(None)})
_BASES: Final = {basis.value: basis for basis in InspectionBasis}

_DECISIONS: dict[tuple[DocumentLoader | None, ContextPolicy], bool] = {}
_DECISIONS_MAX: Final = 256


def mark_pass(
    document: dict[str, Any],
    loader: DocumentLoader | None = None,
    policy: ContextPolicy = DEFAULT_CONTEXT_POLICY,
) -> MarkPass | None:
    """The data model's and the mark's results for ``document`` if it is a mark that passes
    every check before the proof (nesting, data model, context policy, mark type IRI, mark
    shape); ``None`` if it is anything else, valid or not (the general checks then decide)."""
    if type(document) is not dict or not _TOP_LEVEL_KEYS.issuperset(document):
        return None
    if not _REQUIRED.issubset(document.keys()):
        return None
    contexts, types = document["@context"], document["type"]
    if contexts != _CONTEXTS or types not in _TYPE_ORDERS or type(types) is not list:
        return None
    if not _STR_ONLY.issuperset(map(type, contexts)) or not _STR_ONLY.issuperset(map(type, types)):
        return None
    if not (
        _default_allowed()
        if loader is None and policy is DEFAULT_CONTEXT_POLICY
        else _contexts_allowed(loader, policy)
    ):
        return None
    issuer = document["issuer"]
    if (
        type(issuer) is not str
        or not issuer.startswith("did:")
        or not ((_plain(issuer) and len(issuer) > 4) or _URI.fullmatch(issuer))
    ):
        return None
    mark_id = document.get("id")
    if (mark_id is not None or "id" in document) and (
        type(mark_id) is not str or not _is_mark_id(mark_id)
    ):
        return None
    start = _utc_seconds(document["validFrom"])
    end = _utc_seconds(document["validUntil"])
    if start is None or end is None or not _is_utc_month_end(end) or start > end:
        return None
    status = document.get("credentialStatus", _ABSENT)
    if status is not _ABSENT and not _is_terse_status(status):
        return None
    proof = document.get("proof", _ABSENT)
    if proof is not _ABSENT and (
        type(proof) is not dict
        or "@context" in proof
        or not _SCALARS.issuperset(map(type, proof.values()))
    ):
        return None  # one proof of scalar values and no context (the proof check judges it)
    subject = _subject(document["credentialSubject"])
    if subject is None:
        return None
    info = frozen(
        CredentialInfo,
        version=2,
        issuer=issuer,
        types=tuple(types),
        valid_from=start,
        valid_until=end,
        id=mark_id,
    )
    return _new_tuple(MarkPass, (info, subject))  # MarkPass(info, subject) without its __new__


_new_tuple = tuple.__new__
_ABSENT: Final = object()
_STR_ONLY: Final = frozenset({str})


@cache
def _default_allowed() -> bool:
    """:func:`_contexts_allowed` for the default loader and policy, kept after the first call."""
    return _contexts_allowed(None, DEFAULT_CONTEXT_POLICY)


def _contexts_allowed(loader: DocumentLoader | None, policy: ContextPolicy) -> bool:
    """Whether the policy allows the mark's contexts and its type expands to the mark's IRI."""
    if type(policy) is not ContextPolicy or (
        loader is not None and type(loader) is not DocumentLoader
    ):
        return False
    key = (loader, policy)
    answer = _DECISIONS.get(key)
    if answer is None:
        try:
            policy.check({"@context": list(MARK_CONTEXTS)}, loader)
            answer = has_mark_type_iri(
                {"@context": list(MARK_CONTEXTS), "type": list(MARK_TYPES)}, loader
            )
        except VicError:
            answer = False
        if len(_DECISIONS) >= _DECISIONS_MAX:
            _DECISIONS.clear()
        _DECISIONS[key] = answer
    return answer


def _plain(text: str) -> bool:
    """Whether ``text`` is printable ASCII without a blank: then it holds no white space (no
    character of the regular expressions' ``\\s``), so ``[^\\s]+`` matches all of it."""
    return text.isascii() and text.isprintable() and " " not in text


# A UTC dateTime with Z and whole seconds with its digits made 9: one translate and a comparison
# are _DATETIME_Z.fullmatch of an ASCII text of 20 characters (that pattern holds only ASCII)
_DIGITS_TO_9: Final = bytes.maketrans(b"0123456789", b"9999999999")
_UTC_SECONDS_FORM: Final = b"9999-99-99T99:99:99Z"


def _is_mark_id(value: str) -> bool:
    """The data model's URL rule and the mark's absolute URI (a lower-case urn:uuid)."""
    if value.startswith("urn:uuid:"):  # the common id: the UUID pattern implies the URI one
        return _UUID_URN.fullmatch(value) is not None
    if not _URI.fullmatch(value):
        return False
    return not value.lower().startswith("urn:uuid:")


def _utc_seconds(value: object) -> datetime | None:
    """A UTC dateTime with Z and whole seconds, read as both the data model and the mark do
    (``fromisoformat`` of the text gives the instant they read from its first 19 characters,
    in the same ``UTC``)."""
    if (
        type(value) is not str
        or len(value) != 20
        or not value.isascii()
        or value.encode("ascii").translate(_DIGITS_TO_9) != _UTC_SECONDS_FORM
    ):
        return None  # not _DATETIME_Z
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _is_utc_month_end(moment: datetime) -> bool:
    """:func:`_is_month_end` of a moment :func:`_utc_seconds` read: the last second of a month in
    China Standard Time (UTC+8, no summer time) is 15:59:59 UTC on that month's last day."""
    if moment.hour != 15 or moment.minute != 59 or moment.second != 59:
        return False
    return moment.day == days_in_month(moment.year, moment.month)


def _is_terse_status(status: object) -> bool:
    if type(status) is not dict or status.keys() != _STATUS_KEYS:
        return False
    kind, base, index = (
        status["type"],
        status["terseStatusListBaseUrl"],
        status["terseStatusListIndex"],
    )
    if type(kind) is not str or kind != TERSE_STATUS_TYPE:
        return False
    if type(base) is not str or not _URL.fullmatch(base) or base.endswith("/"):
        return False
    return type(index) is int and 0 <= index < TERSE_INDEX_LIMIT


def _subject(subject: object) -> VehicleSubject | None:
    """The subject, if it meets the schema and the plate, plate type, vehicle type and VIN rules
    and is already in normal form (what ``VehicleSubject`` would give back unchanged)."""
    if type(subject) is not dict or subject.keys() != _SUBJECT_KEYS:
        return None
    plan = _subject_plan()
    if plan is None:
        return _subject_by_predicates(subject)
    vehicle, plate_form, plate_types, vehicle_codes, vin_form, bases = plan
    kind, plate, plate_code = (
        subject["type"],
        subject["registrationNumber"],
        subject["plateTypeCode"],
    )
    vehicle_code, vin, basis_text = (
        subject["vehicleTypeCode"],
        subject["vehicleIdentificationNumber"],
        subject["inspectionBasis"],
    )
    if (
        type(kind) is not str
        or kind != vehicle
        or type(plate_code) is not str
        or type(vehicle_code) is not str
        or type(basis_text) is not str
        or type(plate) is not str
        or type(vin) is not str
    ):
        return None
    plate_type = plate_types.get(plate_code)
    basis = bases.get(basis_text)
    if plate_type is None or basis is None or vehicle_code not in vehicle_codes:
        return None
    if len(vin) != 17 or not vin_form.search(vin) or not plate_form.search(plate):
        return None
    return _normal_subject(plate, plate_code, plate_type, vehicle_code, vin, basis)


def _normal_subject(
    plate: str,
    plate_code: str,
    plate_type: PlateType,
    vehicle_code: str,
    vin: str,
    basis: InspectionBasis,
) -> VehicleSubject | None:
    """The subject of these schema-checked values, if the plate is of a kind its plate type
    allows and the VIN (17 characters) has its check digit; else None."""
    kind = find_plate_kind(plate)
    if kind is None or kind not in plate_type.kinds:
        return None
    if len(vin) != 17 or vin[8] != _check_digit(vin):  # the schema's pattern: VIN characters
        return None
    return frozen(
        VehicleSubject,
        registration_number=plate,
        plate_type_code=plate_code,
        vehicle_type_code=vehicle_code,
        vin=vin,
        inspection_basis=basis,
    )


_SubjectPlan = tuple[
    str,
    "re.Pattern[str]",
    dict[str, PlateType],
    frozenset[str],
    "re.Pattern[str]",
    dict[str, InspectionBasis],
]


@cache
def _subject_plan() -> _SubjectPlan | None:
    """The subject schema's rules as :func:`_subject` checks them, if the schema has the form it
    assumes (a ``const`` type, a ``pattern`` for the plate and the VIN, an ``enum`` for the three
    codes, each ``type: string``), with the code lists met with vc.plate's tables and the
    inspection bases; else None (:func:`_subject_by_predicates`). Made once from constants."""
    if _subject_predicates() is None:  # a schema keyword the predicates do not know
        return None
    properties = subject_schema()["properties"]
    if properties.keys() != _SUBJECT_KEYS:
        return None
    rules = {}
    for name, rule in properties.items():
        rules[name] = {k: v for k, v in rule.items() if k != "description"}
        if name != "type" and rules[name].pop("type", None) != "string":
            return None
    vehicle, plate, plate_codes, vehicle_codes, vin, bases = (
        rules["type"],
        rules["registrationNumber"],
        rules["plateTypeCode"],
        rules["vehicleTypeCode"],
        rules["vehicleIdentificationNumber"],
        rules["inspectionBasis"],
    )
    if (
        vehicle.keys() != {"const"}
        or plate.keys() != {"pattern"}
        or vin.keys() != {"pattern"}
        or plate_codes.keys() != {"enum"}
        or vehicle_codes.keys() != {"enum"}
        or bases.keys() != {"enum"}
        or type(vehicle["const"]) is not str
    ):
        return None
    for rule in (plate_codes, vehicle_codes, bases):
        if not all(type(code) is str for code in rule["enum"]):
            return None
    return (
        vehicle["const"],
        re.compile(plate["pattern"]),
        {c: PLATE_TYPES[c] for c in plate_codes["enum"] if c in PLATE_TYPES},
        frozenset(c for c in vehicle_codes["enum"] if c in VEHICLE_TYPES),
        re.compile(vin["pattern"]),
        {b: _BASES[b] for b in bases["enum"] if b in _BASES},
    )


def _subject_by_predicates(subject: dict[str, Any]) -> VehicleSubject | None:
    """:func:`_subject` by the compiled schema's predicates (a schema of another form)."""
    predicates = _subject_predicates()
    if predicates is None:
        return None
    for key, value in subject.items():
        if not predicates[key](value):
            return None
    plate, plate_code = subject["registrationNumber"], subject["plateTypeCode"]
    vehicle_code, vin = subject["vehicleTypeCode"], subject["vehicleIdentificationNumber"]
    plate_type = PLATE_TYPES.get(plate_code)
    basis = _BASES.get(subject["inspectionBasis"])
    if plate_type is None or basis is None or vehicle_code not in VEHICLE_TYPES:
        return None
    return _normal_subject(plate, plate_code, plate_type, vehicle_code, vin, basis)
