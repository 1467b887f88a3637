"""The one-walk mark pass (vc/markpass.py) against the general checks it stands for.

Differential: every input is verified twice, once as verify_credential does it and once with the
pass switched off (the general checks one by one); the results must be identical — every check's
name, outcome, error class, code, message and detail, the summary and the document. Inputs: the
published vectors, a signed mark and its QR text, random marks (tests/mark/strategies.py), and a
mutation of every member (removed, of another JSON type, a bad date, a bad IRI, an extra member, a
nesting bomb, unknown and inline contexts), under several loaders and context policies. Where the
pass accepts a document, its results are also compared with the general functions' directly.
"""

from __future__ import annotations

import copy
import json
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.authority import STATUS_BASE, Authority, clock
from tests.mark.strategies import vehicle_subjects
from vic.contexts.errors import VicError
from vic.contexts.loader import CREDENTIALS_V2, DocumentLoader
from vic.vc.contextpolicy import DEFAULT_CONTEXT_POLICY, ContextPolicy
from vic.vc.datamodel import check_credential
from vic.vc.jsonio import check_depth
from vic.vc.mark import (
    MARK_CONTEXTS,
    InspectionBasis,
    TerseStatus,
    VehicleSubject,
    build_mark,
    check_mark,
    has_mark_type_iri,
    valid_until_for_month,
)
from vic.vc.markpass import _DECISIONS, _DECISIONS_MAX, mark_pass
from vic.vc.plate import _KIND_PATTERNS, PROVINCES
from vic.verifier import StaticStatusLists, VerificationResult, verify_credential

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
AUTHORITY = Authority()
MARK = AUTHORITY.mark()
TRUST = AUTHORITY.trust()
STATUS = StaticStatusLists(AUTHORITY.status_lists(MARK))
MARK_CONTEXT = MARK_CONTEXTS[2]
MARK_UNTIL = datetime(2028, 11, 30, 15, 59, 59, tzinfo=UTC)


def _verify(
    credential: Any,
    *,
    general: bool,
    loader: DocumentLoader | None = None,
    policy: ContextPolicy = DEFAULT_CONTEXT_POLICY,
) -> VerificationResult:
    call: Callable[[], VerificationResult] = lambda: verify_credential(  # noqa: E731
        credential,
        trust=TRUST,
        clock=clock,
        status_source=STATUS,
        loader=loader,
        context_policy=policy,
    )
    if not general:
        return call()
    with mock.patch("vic.verifier.verify.mark_pass", return_value=None):
        return call()


def _view(result: VerificationResult) -> Any:
    return (
        result.to_dict(),
        [
            (c.name, c.passed, type(c.error), c.error and c.error.code, c.status)
            for c in result.checks
        ],
        result.summary,
        result.status,
    )


def _general_agrees(document: Any, loader: DocumentLoader | None, policy: ContextPolicy) -> bool:
    """Whether mark_pass's answer is the general functions' (None: it declined). Returns whether
    it accepted."""
    passed = mark_pass(copy.deepcopy(document), loader, policy)
    if passed is None:
        return False
    check_depth(document)
    info = check_credential(document)
    policy.check(document, loader)
    assert has_mark_type_iri(document, loader)
    subject = check_mark(document)
    assert passed.info == info
    assert passed.subject == subject
    assert passed.subject.__dict__ == subject.__dict__
    assert [type(v) for v in vars(passed.subject).values()] == [
        type(v) for v in vars(subject).values()
    ]
    assert [type(v) for v in vars(passed.info).values()] == [type(v) for v in vars(info).values()]
    return True


def _same(
    credential: Any,
    loader: DocumentLoader | None = None,
    policy: ContextPolicy = DEFAULT_CONTEXT_POLICY,
) -> bool:
    """Verify both ways and compare; returns whether the pass accepted the document."""
    fast = _verify(copy.deepcopy(credential), general=False, loader=loader, policy=policy)
    general = _verify(copy.deepcopy(credential), general=True, loader=loader, policy=policy)
    assert _view(fast) == _view(general)
    if isinstance(credential, dict):
        return _general_agrees(credential, loader, policy)
    return False


# -- the accepted mark --------------------------------------------------------------------------


def test_a_signed_mark_takes_the_pass_and_verifies_the_same() -> None:
    assert _same(MARK)
    assert _verify(MARK, general=False).status.value == "VALID"


def test_its_qr_text_takes_the_pass_and_verifies_the_same() -> None:
    from vic.vc.barcode import decode_barcode, encode_barcode

    text = encode_barcode(MARK, TRUST.registry())
    assert mark_pass(decode_barcode(text, TRUST.registry(), None)) is not None
    _same(text)
    assert _verify(text, general=False).status.value == "VALID"


def test_the_mark_contexts_are_vc_2() -> None:
    assert MARK_CONTEXTS[0] == CREDENTIALS_V2


def test_plates_of_the_accepted_forms_are_already_normal() -> None:
    """The pass keeps a plate that matches a form as it is: NFKC, upper-casing and separator
    removal must leave every character those forms allow unchanged."""
    allowed = set(PROVINCES) | set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ挂学警领粤港澳使")
    for pattern in _KIND_PATTERNS.values():
        allowed |= {c for c in pattern if ord(c) > 127}
    for char in allowed:
        assert unicodedata.normalize("NFKC", char).upper() == char
        assert not char.isspace()
        assert char not in "·•・.-"


# -- published vectors ----------------------------------------------------------------------------


def _vector_documents() -> Iterator[tuple[str, Any]]:
    for path in sorted(VECTORS.rglob("*.json")):
        try:
            value = json.loads(path.read_text("utf-8"))
        except ValueError:
            continue
        if isinstance(value, dict):
            yield path.name, value
    for path in sorted(VECTORS.rglob("*.qr.txt")):
        yield path.name, path.read_text("utf-8").strip()


@pytest.mark.parametrize(("name", "document"), list(_vector_documents()))
def test_every_published_vector_verifies_the_same(name: str, document: Any) -> None:
    assert name
    _same(document)


# -- loaders and policies -------------------------------------------------------------------------


def _renaming_loader() -> DocumentLoader:
    """A loader whose mark context maps VehicleInspectionCredential to another vocabulary."""
    served = DocumentLoader().load(MARK_CONTEXT)
    changed = json.loads(json.dumps(served).replace("w3id.org/vehicle-inspection#", "x.test/v#"))
    return DocumentLoader({MARK_CONTEXT: changed})


LOADERS_AND_POLICIES = [
    (None, DEFAULT_CONTEXT_POLICY),
    (DocumentLoader(), DEFAULT_CONTEXT_POLICY),
    (None, ContextPolicy(allow_inline=True)),
    (None, ContextPolicy(extra_urls=frozenset({"https://example.test/ctx"}))),
    (DocumentLoader({"https://example.test/ctx": {"@context": {}}}), DEFAULT_CONTEXT_POLICY),
    (_renaming_loader(), DEFAULT_CONTEXT_POLICY),
]


@pytest.mark.parametrize(("loader", "policy"), LOADERS_AND_POLICIES)
def test_each_loader_and_policy_decides_as_the_general_checks(
    loader: DocumentLoader | None, policy: ContextPolicy
) -> None:
    for document in [MARK, *list(_mutations(MARK))[:40]]:
        _same(document, loader, policy)


def test_a_loader_that_renames_the_type_takes_no_pass() -> None:
    assert mark_pass(copy.deepcopy(MARK), _renaming_loader()) is None


def test_subclassed_loaders_and_policies_take_no_pass() -> None:
    class Loader(DocumentLoader):
        pass

    class Policy(ContextPolicy):
        pass

    assert mark_pass(copy.deepcopy(MARK), Loader()) is None
    assert mark_pass(copy.deepcopy(MARK), None, Policy()) is None
    _same(MARK, Loader(), Policy())


def test_the_decisions_are_bounded() -> None:
    for _ in range(_DECISIONS_MAX + 5):
        assert mark_pass(copy.deepcopy(MARK), DocumentLoader()) is not None
        assert len(_DECISIONS) <= _DECISIONS_MAX


# -- mutations ------------------------------------------------------------------------------------


def _bomb(depth: int = 40) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


JUNK: list[Any] = [None, True, 0, 7, 1.5, "", "x", [], {}, ["x"], {"a": 1}, _bomb()]

SPECIAL: dict[str, list[Any]] = {
    "@context": [
        [*MARK_CONTEXTS, "https://example.test/unknown"],
        [*MARK_CONTEXTS, {"@vocab": "https://example.test/"}],
        [*MARK_CONTEXTS, None],
        list(reversed(MARK_CONTEXTS)),
        list(MARK_CONTEXTS[:2]),
        ["https://www.w3.org/2018/credentials/v1", *MARK_CONTEXTS[1:]],
        MARK_CONTEXTS[0],
        tuple(MARK_CONTEXTS),
    ],
    "type": [
        ["VehicleInspectionCredential", "VerifiableCredential"],
        ["VerifiableCredential", "VehicleInspectionCredential", "Other"],
        ["VerifiableCredential"],
        "VehicleInspectionCredential",
        ["VerifiableCredential", "VerifiableCredential"],
    ],
    "issuer": [
        "did:",
        "did:key: z",
        "https://example.test/issuer",
        "did:key:z\n",
        {"id": MARK["issuer"]},
        {"id": MARK["issuer"], "name": "x"},
    ],
    "id": [
        "relative/path",
        "urn:uuid:2F9C6B1E-8A43-4C55-9D0E-3B8F1F2A7C10",
        "urn:uuid:not-a-uuid",
        "https://example.test/marks/1",
        "urn:x:",
        "_:b0",
    ],
    "validFrom": [
        "2026-13-01T00:00:00Z",
        "2026-11-25T08:00:00+08:00",
        "2026-11-25T08:00:00.5Z",
        "2026-11-25 08:00:00Z",
        "2026-11-25T08:00:00Z\n",
        "2029-01-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-11-25T08:00:00",
    ],
    "validUntil": [
        "2028-11-30T15:59:58Z",
        "2028-11-30T16:59:59Z",
        "2028-11-30T15:59:59.000Z",
        "2028-11-30T23:59:59+08:00",
        "2026-11-30T15:59:59Z",
        "2020-11-30T15:59:59Z",
        "9999-12-31T15:59:59Z",
        "2028-02-28T15:59:59Z",
    ],
}

SUBJECT_SPECIAL: dict[str, list[Any]] = {
    "type": ["vehicle", "Vehicle\n", ["Vehicle"]],
    "registrationNumber": [
        "鄂l12345",
        "鄂L12345\n",
        "鄂Ｌ12345",
        "鄂L·12345",
        " 鄂L12345",
        "鄂LD12345",
        "鄂L1234I",
        "粤Z1234港",
        "使123456",
    ],
    "plateTypeCode": ["01", "03", "52", "99", "02\n", 2],
    "vehicleTypeCode": ["Z99", "k33", "K33\n", "X99"],
    "vehicleIdentificationNumber": [
        "LSVAU2A36N2183458",
        "lsvau2a36n2183457",
        "LSVAU2A36N2183457\n",
        "LSVAU2A36N218345",
        "LSVAU2A3IN2183457",
    ],
    "inspectionBasis": ["Exempt", "onsite", "OnSite\n"],
}

STATUS_SPECIAL: dict[str, list[Any]] = {
    "type": ["BitstringStatusListEntry"],
    "terseStatusListBaseUrl": [
        STATUS_BASE + "/",
        "ftp://example.test/status",
        "https://",
        "https://example.test/a b",
    ],
    "terseStatusListIndex": [-1, 2**32, 2**32 - 1, True, "5", 5.0],
}


def _mutations(mark: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return (m for m in _all_mutations(mark) if m is not None)


def _all_mutations(mark: dict[str, Any]) -> Iterator[dict[str, Any] | None]:
    def changed(
        path: tuple[str, ...], value: Any, *, remove: bool = False
    ) -> dict[str, Any] | None:
        document = copy.deepcopy(mark)
        target = document
        for key in path[:-1]:
            if key not in target:  # a mark without credentialStatus
                return None
            target = target[key]
        if remove:
            del target[path[-1]]
        else:
            target[path[-1]] = copy.deepcopy(value)
        return document

    paths: list[tuple[str, ...]] = [(key,) for key in mark]
    for parent in ("credentialSubject", "credentialStatus", "proof"):
        paths += [(parent, key) for key in mark.get(parent, {})]
    for path in paths:
        yield changed(path, None, remove=True)
        for junk in JUNK:
            yield changed(path, junk)
    for key, values in SPECIAL.items():
        for value in values:
            yield changed((key,), value)
    for key, values in SUBJECT_SPECIAL.items():
        for value in values:
            yield changed(("credentialSubject", key), value)
    for key, values in STATUS_SPECIAL.items():
        for value in values:
            yield changed(("credentialStatus", key), value)
    for parent in ((), ("credentialSubject",), ("credentialStatus",), ("proof",)):
        yield changed((*parent, "extra"), "x")
        yield changed((*parent, "@context"), MARK_CONTEXT)
        yield changed((*parent, "@context"), {"@vocab": "https://example.test/"})
        yield changed((*parent, "nested"), _bomb())
    proof = mark.get("proof", MARK["proof"])
    yield changed(("proof",), [proof])
    yield changed(("proof",), [proof, proof])
    yield changed(("relatedResource",), [{"id": MARK_CONTEXT, "digestSRI": "sha256-AAAA"}])
    yield changed(("issuanceDate",), "2026-11-25T08:00:00Z")


MUTATIONS = list(_mutations(MARK))


@pytest.mark.parametrize("index", range(len(MUTATIONS)))
def test_every_mutation_verifies_the_same(index: int) -> None:
    _same(MUTATIONS[index])


def _qr_text(document: Any) -> str | None:
    """The VC1-R text of ``document``, or None where the barcode encoder refuses it."""
    from vic.vc.barcode import encode_barcode

    try:
        return encode_barcode(copy.deepcopy(document), TRUST.registry(), registry_entry_id=1)
    except VicError:
        return None


QR_MUTATIONS = [t for t in map(_qr_text, MUTATIONS) if t is not None]


@pytest.mark.parametrize("index", range(len(QR_MUTATIONS)))
def test_every_mutation_as_a_qr_text_verifies_the_same(index: int) -> None:
    """The QR branch of the parser takes the pass too (and skips the nesting walk after it)."""
    _same(QR_MUTATIONS[index])


def test_the_qr_mutations_hold_refusals_and_passes() -> None:
    from vic.vc.barcode import decode_barcode

    decoded = []
    for text in QR_MUTATIONS:
        try:
            decoded.append(decode_barcode(text, TRUST.registry(), None))
        except VicError:  # a nesting bomb: the decoder's own limit refuses it
            continue
    assert len(decoded) >= len(MUTATIONS) // 2
    assert any(mark_pass(d) is None for d in decoded)
    assert any(mark_pass(d) is not None for d in decoded)


def test_the_mutations_that_keep_a_valid_mark_still_take_the_pass() -> None:
    """Not every mutation is a refusal: the pass must still accept what stays a good mark."""
    accepted = [m for m in MUTATIONS if mark_pass(copy.deepcopy(m)) is not None]
    assert any(m["type"][0] == "VehicleInspectionCredential" for m in accepted)
    assert any(m.get("id") == "https://example.test/marks/1" for m in accepted)
    assert any("id" not in m for m in accepted)
    assert any("credentialStatus" not in m for m in accepted)
    assert any(m["credentialSubject"]["inspectionBasis"] == "Exempt" for m in accepted)


def test_a_mapping_that_is_not_a_dict_is_verified_the_same() -> None:
    from types import MappingProxyType

    proxy = MappingProxyType(copy.deepcopy(MARK))
    assert _view(_verify(proxy, general=False)) == _view(_verify(proxy, general=True))
    document = copy.deepcopy(MARK)
    document["credentialSubject"] = MappingProxyType(document["credentialSubject"])
    assert mark_pass(document) is None


# -- random marks ---------------------------------------------------------------------------------


@st.composite
def marks(draw: st.DrawFn) -> dict[str, Any]:
    subject: VehicleSubject = draw(vehicle_subjects())
    year = draw(st.integers(2000, 2200))
    month = draw(st.integers(1, 12))
    end = valid_until_for_month(year, month)
    start = end - timedelta(seconds=draw(st.integers(0, 10**9)))
    start = max(start, datetime(1900, 1, 1, tzinfo=UTC))
    status = draw(
        st.none()
        | st.builds(
            TerseStatus,
            st.sampled_from([STATUS_BASE, "http://example.test/s", "https://a.test/x/y"]),
            st.integers(0, 2**32 - 1),
        )
    )
    mark_id = draw(
        st.none()
        | st.uuids().map(lambda u: f"urn:uuid:{u}")
        | st.sampled_from(["https://example.test/m/1", "urn:example:7"])
    )
    document = build_mark(
        issuer=AUTHORITY.did,
        subject=subject,
        valid_from=start,
        valid_until=end,
        status=status,
        mark_id=mark_id,
    )
    if draw(st.booleans()):
        document["proof"] = copy.deepcopy(MARK["proof"])  # a proof that does not verify
    return document


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(marks())
def test_random_marks_take_the_pass_and_verify_the_same(document: dict[str, Any]) -> None:
    assert _same(document)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(marks(), st.data())
def test_random_mutations_verify_the_same(document: dict[str, Any], data: st.DataObject) -> None:
    mutated = data.draw(st.sampled_from(list(_mutations(document))))
    _same(mutated)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(marks(), st.data())
def test_random_marks_and_mutations_as_qr_texts_verify_the_same(
    document: dict[str, Any], data: st.DataObject
) -> None:
    mutated = data.draw(st.sampled_from([document, *_mutations(document)]))
    text = _qr_text(mutated)
    if text is not None:
        _same(text)


def test_a_subject_built_by_the_pass_equals_the_constructed_one() -> None:
    document = copy.deepcopy(MARK)
    document["credentialSubject"]["inspectionBasis"] = "Exempt"
    passed = mark_pass(document)
    assert passed is not None
    assert passed.subject.inspection_basis is InspectionBasis.EXEMPT
    assert passed.subject == check_mark(document)
    assert hash(passed.subject) == hash(check_mark(document))


def test_an_error_of_the_general_checks_is_vic_s() -> None:
    """The general checks decide every declined document with one of vic's errors."""
    for document in MUTATIONS[:50]:
        result = _verify(document, general=False)
        assert all(c.error is None or isinstance(c.error, VicError) for c in result.checks)


@settings(max_examples=100, deadline=None)
@given(vehicle_subjects())
def test_the_summary_names_the_subject_s_own_plate_and_vehicle_types(
    subject: VehicleSubject,
) -> None:
    """summarize_mark reads the code tables directly: what the subject's properties give."""
    from vic.verifier.summary import summarize_mark

    summary = summarize_mark(subject, issuer="did:x:y", valid_until=MARK_UNTIL)
    assert (summary.plate_type.code, summary.plate_type.zh, summary.plate_type.en) == (
        subject.plate_type.code,
        subject.plate_type.name_zh,
        subject.plate_type.name_en,
    )
    assert (summary.vehicle_type.code, summary.vehicle_type.zh, summary.vehicle_type.en) == (
        subject.vehicle_type.code,
        subject.vehicle_type.name_zh,
        subject.vehicle_type.name_en,
    )
    assert summary.valid_until_month == "2028-11"
    # the shared table entries are the objects a summary once made for itself
    from vic.verifier.summary import LocalizedCode

    assert summary.plate_type == LocalizedCode(
        subject.plate_type.code, subject.plate_type.name_zh, subject.plate_type.name_en
    )
    assert summary.vehicle_type == LocalizedCode(
        subject.vehicle_type.code, subject.vehicle_type.name_zh, subject.vehicle_type.name_en
    )
    assert type(summary.inspection_basis) is str
    assert summary.inspection_basis == subject.inspection_basis.value


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", fullmatch=True))
def test_a_utc_date_reads_as_the_data_model_reads_it(text: str) -> None:
    from vic.vc.dates import parse_datetime
    from vic.vc.markpass import _utc_seconds

    try:
        expected = parse_datetime(text, field="validFrom")
    except VicError:
        assert _utc_seconds(text) is None
    else:
        assert _utc_seconds(text) == expected
        assert _utc_seconds(text).tzinfo is expected.tzinfo  # type: ignore[union-attr]
