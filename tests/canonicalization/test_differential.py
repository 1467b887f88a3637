"""The fast path (cached context processing) against plain pyld, byte for byte.

``vc.jsonld.canonicalize`` must give exactly the N-Quads of
``pyld.jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads"})`` with
the same document loader (docs/performance.md), cold and warm, whatever was canonicalized before.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.canonicalization.helpers import (
    LOADER,
    MARK_CONTEXT,
    SAMPLE_SUBJECT,
    mark,
    proof_config,
    reference,
    reference_expand,
    vector_documents,
)
from tests.mark.strategies import vehicle_subjects
from vic.contexts.loader import (
    VEHICLE_INSPECTION_V1,
    DocumentLoader,
    bundled_urls,
    context_bytes,
    context_document,
)
from vic.vc.contextcache import SHARED_CACHE
from vic.vc.jsonld import canonicalize, expand

VECTOR_DOCUMENTS = vector_documents()


@pytest.fixture
def cold_cache() -> None:
    """Start from empty caches (bundled registrations stay: they are immutable)."""
    SHARED_CACHE.clear()


def test_there_are_vector_documents() -> None:
    assert len(VECTOR_DOCUMENTS) >= 40


@pytest.mark.parametrize(
    ("name", "document"), VECTOR_DOCUMENTS, ids=[name for name, _ in VECTOR_DOCUMENTS]
)
def test_vector_documents_equal_plain_pyld(name: str, document: dict[str, Any]) -> None:
    expected = reference(document)
    assert canonicalize(document, LOADER) == expected  # possibly cold
    assert canonicalize(document, LOADER) == expected  # warm
    assert expand(document, LOADER) == reference_expand(document)


def test_vector_documents_cold_each(cold_cache: None) -> None:
    for name, document in VECTOR_DOCUMENTS:
        SHARED_CACHE.clear()
        assert canonicalize(document, LOADER) == reference(document), name


def test_vector_documents_in_reverse_order_after_marks(cold_cache: None) -> None:
    """The cache's history must not matter: warm it with marks, then go backwards."""
    sample = mark(dict(SAMPLE_SUBJECT))
    canonicalize(sample)
    canonicalize(proof_config(sample))
    for name, document in reversed(VECTOR_DOCUMENTS):
        assert canonicalize(document, LOADER) == reference(document), name


def test_sample_mark_and_its_proof_config() -> None:
    sample = mark(dict(SAMPLE_SUBJECT))
    for document in (sample, proof_config(sample)):
        assert canonicalize(document) == reference(document)
        assert expand(document) == reference_expand(document)


def test_input_is_not_mutated() -> None:
    sample = mark(dict(SAMPLE_SUBJECT))
    before = copy.deepcopy(sample)
    canonicalize(sample)
    assert sample == before


# -- random marks --------------------------------------------------------------------------------

_DATES = st.builds(
    lambda y, mo, d, h, mi, s: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}Z",
    st.integers(2020, 2040),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
)
_ISSUERS = st.sampled_from(
    [
        "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:web:gat.example.gov.cn",
        "did:web:jtgl.example.cn:issuers:42",
    ]
)


@st.composite
def random_marks(draw: st.DrawFn) -> dict[str, Any]:
    subject = draw(vehicle_subjects()).to_json()
    fields: dict[str, Any] = {
        "issuer": draw(_ISSUERS),
        "validFrom": draw(_DATES),
        "validUntil": draw(_DATES),
        "id": "urn:uuid:" + str(draw(st.uuids())),
    }
    document = mark(subject, **fields)
    if draw(st.booleans()):
        document["credentialStatus"]["terseStatusListIndex"] = draw(st.integers(0, 2**32 - 1))
    else:
        del document["credentialStatus"]
    if draw(st.booleans()):
        del document["id"]
    return document


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_marks(), _DATES)
def test_random_marks_equal_plain_pyld(document: dict[str, Any], created: str) -> None:
    assert canonicalize(document) == reference(document)
    config = proof_config(document, created)
    assert canonicalize(config) == reference(config)


# -- inline contexts supplied by the caller ------------------------------------------------------

_TERMS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8).map(
    lambda s: "extra" + s.capitalize()
)
_IRIS = st.builds(
    lambda host, path: f"https://{host}.example/{path}",
    st.sampled_from(["a", "b", "vocab", "jtgl"]),
    st.text(alphabet="abcxyz#/", min_size=1, max_size=10).filter(lambda p: not p.startswith("/")),
)


@st.composite
def inline_contexts(draw: st.DrawFn) -> dict[str, Any]:
    """A small inline context: plain terms, maybe a typed one and a scoped one."""
    terms = draw(st.lists(_TERMS, min_size=1, max_size=3, unique=True))
    context: dict[str, Any] = {term: draw(_IRIS) for term in terms}
    if draw(st.booleans()):
        context[terms[0]] = {"@id": draw(_IRIS), "@type": "@id"}
    if draw(st.booleans()):
        context["ExtraThing"] = {"@id": draw(_IRIS), "@context": {"extraInner": draw(_IRIS)}}
        context["extraNode"] = draw(_IRIS)
    return context


def _with_inline(document: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(document)
    out["@context"] = [*MARK_CONTEXT, context]
    subject = out["credentialSubject"]
    for term, definition in context.items():
        if term == "ExtraThing":
            subject["extraNode"] = {"type": "ExtraThing", "extraInner": "inner value"}
        elif term == "extraNode":
            continue
        elif isinstance(definition, dict):
            subject[term] = "https://jtgl.example.cn/things/1"
        else:
            subject[term] = f"value of {term}"
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_marks(), inline_contexts(), inline_contexts())
def test_successive_inline_contexts_are_not_confused(
    document: dict[str, Any], first: dict[str, Any], second: dict[str, Any]
) -> None:
    one, two = _with_inline(document, first), _with_inline(document, second)
    for candidate in (one, two, one, two):
        assert canonicalize(candidate) == reference(candidate)


def test_two_inline_contexts_defining_one_term_differently() -> None:
    a = {"extraColour": "https://a.example/colour"}
    b = {"extraColour": "https://b.example/colour"}
    results = []
    for context in (a, b, a, b):
        document = _with_inline(mark(dict(SAMPLE_SUBJECT)), context)
        ours = canonicalize(document)
        assert ours == reference(document)
        results.append(ours)
    assert "https://a.example/colour" in results[0]
    assert "https://b.example/colour" in results[1]
    assert results[0] == results[2]
    assert results[1] == results[3]
    assert results[0] != results[1]


def test_caller_mutating_its_inline_context_between_calls() -> None:
    context: dict[str, Any] = {
        "extraColour": "https://a.example/colour",
        "ExtraThing": {
            "@id": "https://a.example/Thing",
            "@context": {"extraInner": "https://a.example/i"},
        },
        "extraNode": "https://a.example/node",
    }
    document = _with_inline(mark(dict(SAMPLE_SUBJECT)), context)
    document["@context"][-1] = context  # the very same dict object
    first = canonicalize(document)
    assert first == reference(document)
    context["extraColour"] = "https://b.example/colour"
    context["ExtraThing"]["@context"]["extraInner"] = "https://b.example/i"
    second = canonicalize(document)
    assert second == reference(document)
    assert "https://b.example/colour" in second
    assert "https://b.example/i" in second
    assert "https://a.example/colour" not in second
    assert "https://a.example/i>" not in second


def test_embedded_and_property_scoped_contexts() -> None:
    document = mark(
        {
            "@context": {"extraNote": "https://a.example/note"},
            **SAMPLE_SUBJECT,
            "extraNote": "embedded context in a node",
        }
    )
    assert canonicalize(document) == reference(document)
    assert canonicalize(document) == reference(document)


# -- loaders -------------------------------------------------------------------------------------


def test_a_loader_overriding_a_bundled_url_is_honoured() -> None:
    vehicle = copy.deepcopy(context_document(VEHICLE_INSPECTION_V1))
    vehicle["@context"]["registrationNumber"] = "https://other.example/plate"
    other = DocumentLoader({VEHICLE_INSPECTION_V1: vehicle})
    sample = mark(dict(SAMPLE_SUBJECT))
    plain = canonicalize(sample)  # warm the cache with the bundled document
    overridden = canonicalize(sample, other)
    assert overridden == reference(sample, other)
    assert "https://other.example/plate" in overridden
    assert canonicalize(sample) == plain == reference(sample)
    assert canonicalize(sample, other) == overridden


def test_bundled_documents_are_not_mutated() -> None:
    for _, document in VECTOR_DOCUMENTS:
        canonicalize(document, LOADER)
    canonicalize(mark(dict(SAMPLE_SUBJECT)))
    for url in bundled_urls():
        assert context_document(url) == json.loads(context_bytes(url)), url


# -- graphs that need N-degree hashing (the issuer copies of vc.jsonld) ---------------------------

_P = "http://example.org/p"
_NAME = "http://example.org/name"


def _clique(n: int) -> dict[str, Any]:
    return {
        "@graph": [
            {"@id": f"_:n{i}", _P: [{"@id": f"_:n{j}"} for j in range(n) if j != i]}
            for i in range(n)
        ]
    }


def _cycles(*sizes: int) -> dict[str, Any]:
    graph = []
    for c, size in enumerate(sizes):
        graph += [
            {"@id": f"_:c{c}_{i}", _P: {"@id": f"_:c{c}_{(i + 1) % size}"}} for i in range(size)
        ]
    return {"@graph": graph}


def _siblings(k: int) -> dict[str, Any]:
    return {"@graph": [{"@id": "_:parent", _P: [{_NAME: "same"} for _ in range(k)]}]}


SYMMETRIC = {
    **{f"clique{n}": _clique(n) for n in (2, 3, 4, 5)},
    **{f"siblings{k}": _siblings(k) for k in (2, 3, 5, 8)},
    "cycles-3-3": _cycles(3, 3),
    "cycles-4-4": _cycles(4, 4),
    "cycles-5-6": _cycles(5, 6),
    "cycles-10-10": _cycles(10, 10),
    "cycles-2-2-2": _cycles(2, 2, 2),
}


@pytest.mark.parametrize("name", list(SYMMETRIC))
def test_symmetric_graphs_equal_plain_pyld(name: str) -> None:
    document = SYMMETRIC[name]
    assert canonicalize(document) == reference(document)


# -- contexts applied again below the top --------------------------------------------------------


def _nested_context_documents() -> dict[str, dict[str, Any]]:
    sample = mark(dict(SAMPLE_SUBJECT))
    embedded_url = mark({"@context": VEHICLE_INSPECTION_V1, **SAMPLE_SUBJECT})
    status = copy.deepcopy(sample)
    status["credentialStatus"]["@context"] = [MARK_CONTEXT[1]]
    twice = copy.deepcopy(sample)
    twice["@context"] = [*MARK_CONTEXT, VEHICLE_INSPECTION_V1]
    list_subject = mark([dict(SAMPLE_SUBJECT), dict(SAMPLE_SUBJECT, vehicleTypeCode="H11")])
    proof = copy.deepcopy(sample)
    proof["proof"] = {
        "@context": MARK_CONTEXT[0],
        **{k: v for k, v in proof_config(sample).items() if k != "@context"},
        "proofValue": "z" + "1" * 86,
    }
    return {
        "embedded-url": embedded_url,
        "status-context": status,
        "context-twice": twice,
        "two-subjects": list_subject,
        "embedded-proof": proof,
    }


NESTED = _nested_context_documents()


@pytest.mark.parametrize("name", list(NESTED))
def test_nested_contexts_equal_plain_pyld(name: str) -> None:
    document = NESTED[name]
    for _ in range(2):
        assert canonicalize(document) == reference(document)
