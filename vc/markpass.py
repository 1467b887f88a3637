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

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from vic.contexts.errors import VicError
from vic.contexts.loader import DocumentLoader
from vic.vc.contextpolicy import DEFAULT_CONTEXT_POLICY, ContextPolicy
from vic.vc.datamodel import CredentialInfo
from vic.vc.frozen import frozen
from vic.vc.mark import (
    _DATETIME_Z,
    _URI,
    _UUID_URN,
    has_mark_type_iri,
)
from vic.vc.marksubject import _subject_predicates
from vic.vc.marktypes import (
    _URL,
    MARK_CONTEXTS,
    MARK_TYPES,
    TERSE_INDEX_LIMIT,
    TERSE_STATUS_TYPE,
    InspectionBasis,
    VehicleSubject,
    _is_month_end,
)
from vic.vc.plate import _KIND_RES, PLATE_TYPES, VEHICLE_TYPES
from vic.vc.vin import _check_digit

__all__ = ["MarkPass", "mark_pass"]


@dataclass(frozen=True)
class MarkPass:
    """What the checks before the proof learned of a mark that passed them all."""

    info: CredentialInfo
    subject: VehicleSubject


_TOP_LEVEL: Final = frozenset(
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
_PLATE_KINDS: Final = tuple(_KIND_RES.items())

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
    if type(document) is not dict or not _TOP_LEVEL.issuperset(document):
        return None
    if not _REQUIRED.issubset(document.keys()):
        return None
    if document["@context"] != _CONTEXTS or not all(type(c) is str for c in document["@context"]):
        return None
    types = document["type"]
    if (
        type(types) is not list
        or types not in _TYPE_ORDERS
        or not all(type(t) is str for t in types)
    ):
        return None
    if not _contexts_allowed(loader, policy):
        return None
    issuer = document["issuer"]
    if type(issuer) is not str or not issuer.startswith("did:") or not _URI.fullmatch(issuer):
        return None
    mark_id = document.get("id")
    if "id" in document and not _is_mark_id(mark_id):
        return None
    start = _utc_seconds(document["validFrom"])
    end = _utc_seconds(document["validUntil"])
    if start is None or end is None or not _is_month_end(end) or start > end:
        return None
    if "credentialStatus" in document and not _is_terse_status(document["credentialStatus"]):
        return None
    if "proof" in document and not _is_flat_proof(document["proof"]):
        return None
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
    return frozen(MarkPass, info=info, subject=subject)


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


def _is_mark_id(value: object) -> bool:
    """The data model's URL rule and the mark's absolute URI (a lower-case urn:uuid)."""
    if type(value) is not str or not _URI.fullmatch(value):
        return False
    return not value.lower().startswith("urn:uuid:") or bool(_UUID_URN.fullmatch(value))


def _utc_seconds(value: object) -> datetime | None:
    """A UTC dateTime with Z and whole seconds, read as both the data model and the mark do."""
    if type(value) is not str or not _DATETIME_Z.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value[:19]).replace(tzinfo=UTC)
    except ValueError:
        return None


def _is_terse_status(status: object) -> bool:
    if type(status) is not dict or status.keys() != _STATUS_KEYS:
        return False
    if type(status["type"]) is not str or status["type"] != TERSE_STATUS_TYPE:
        return False
    base = status["terseStatusListBaseUrl"]
    if type(base) is not str or not _URL.fullmatch(base) or base.endswith("/"):
        return False
    index = status["terseStatusListIndex"]
    return type(index) is int and 0 <= index < TERSE_INDEX_LIMIT


def _is_flat_proof(proof: object) -> bool:
    """One proof object of scalar values and no context (the proof check judges the rest)."""
    if type(proof) is not dict or "@context" in proof:
        return False
    return all(type(value) in _SCALARS for value in proof.values())


def _subject(subject: object) -> VehicleSubject | None:
    """The subject, if it meets the schema and the plate, plate type, vehicle type and VIN rules
    and is already in normal form (what ``VehicleSubject`` would give back unchanged)."""
    if type(subject) is not dict or subject.keys() != _SUBJECT_KEYS:
        return None
    predicates = _subject_predicates()
    if predicates is None:
        return None
    for key, value in subject.items():
        if not predicates[key](value):
            return None
    plate = subject["registrationNumber"]
    kind = next((kind for kind, pattern in _PLATE_KINDS if pattern.fullmatch(plate)), None)
    plate_type = PLATE_TYPES.get(subject["plateTypeCode"])
    if kind is None or plate_type is None or kind not in plate_type.kinds:
        return None
    if subject["vehicleTypeCode"] not in VEHICLE_TYPES:
        return None
    vin = subject["vehicleIdentificationNumber"]
    basis = _BASES.get(subject["inspectionBasis"])
    if len(vin) != 17 or vin[8] != _check_digit(vin) or basis is None:
        return None
    return frozen(
        VehicleSubject,
        registration_number=plate,
        plate_type_code=subject["plateTypeCode"],
        vehicle_type_code=subject["vehicleTypeCode"],
        vin=vin,
        inspection_basis=basis,
    )
