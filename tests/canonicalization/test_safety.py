"""Every safety check of vc.jsonld still fires on the fast path, cold and warm (errors are never
cached), and the caches cannot be poisoned by a document."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.canonicalization.helpers import SAMPLE_SUBJECT, mark, reference
from tests.workcount import POISON_CALL_BUDGET, counted_calls
from vic.contexts.errors import (
    CanonicalizationLimitError,
    JsonLdError,
    JsonLdLimitError,
    ProtectedTermError,
    RelativeIriError,
    UndefinedTermError,
    UnknownContextError,
)
from vic.contexts.loader import (
    CREDENTIALS_V1,
    CREDENTIALS_V2,
    bundled_urls,
    context_bytes,
    context_document,
)
from vic.vc.contextcache import SHARED_CACHE
from vic.vc.jsonld import CanonicalizationLimits, canonicalize


@pytest.fixture(params=["cold", "warm"])
def cache_state(request: pytest.FixtureRequest) -> str:
    SHARED_CACHE.clear()
    if request.param == "warm":
        sample = mark(dict(SAMPLE_SUBJECT))
        canonicalize(sample)
        canonicalize(_vc11({"id": "did:example:subject"}))
    return str(request.param)


def _vc11(subject: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V1],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2026-11-25T00:00:00Z",
        "credentialSubject": subject,
    }


def _twice(document: dict[str, Any], error: type[Exception], code: str) -> None:
    for _ in range(2):
        with pytest.raises(error) as caught:
            canonicalize(document)
        assert getattr(caught.value, "code", None) == code


def test_undefined_term_in_vc11(cache_state: str) -> None:
    document = _vc11({"id": "did:example:subject", "undefinedThing": "x"})
    _twice(document, UndefinedTermError, "UNDEFINED_TERM")


def test_undefined_type_in_vc11(cache_state: str) -> None:
    document = _vc11({"id": "did:example:subject"})
    document["type"] = ["VerifiableCredential", "NoSuchCredential"]
    _twice(document, UndefinedTermError, "UNDEFINED_TERM")


def test_protected_term_redefined_inline(cache_state: str) -> None:
    document = mark(dict(SAMPLE_SUBJECT))
    document["@context"] = [*document["@context"], {"registrationNumber": "https://evil.example/r"}]
    _twice(document, ProtectedTermError, "PROTECTED_TERM_REDEFINITION")


def test_protected_vc_term_redefined_inline(cache_state: str) -> None:
    document = mark(dict(SAMPLE_SUBJECT))
    document["@context"] = [CREDENTIALS_V2, {"VerifiableCredential": "https://evil.example/VC"}]
    _twice(document, ProtectedTermError, "PROTECTED_TERM_REDEFINITION")


def test_protected_term_redefined_in_embedded_context(cache_state: str) -> None:
    subject = {"@context": {"vehicleTypeCode": "https://evil.example/t"}, **SAMPLE_SUBJECT}
    _twice(mark(subject), ProtectedTermError, "PROTECTED_TERM_REDEFINITION")


def test_relative_id(cache_state: str) -> None:
    _twice(mark(dict(SAMPLE_SUBJECT), id="relative/mark"), RelativeIriError, "RELATIVE_IRI")


def test_relative_subject_id(cache_state: str) -> None:
    subject = {"id": "vehicles/1", **SAMPLE_SUBJECT}
    _twice(mark(subject), RelativeIriError, "RELATIVE_IRI")


def test_unknown_context(cache_state: str) -> None:
    document = mark(dict(SAMPLE_SUBJECT))
    document["@context"] = [*document["@context"], "https://evil.example/context"]
    _twice(document, UnknownContextError, "UNKNOWN_CONTEXT")


def _poison(n: int) -> dict[str, Any]:
    """A complete graph of ``n`` blank nodes: every node looks the same to RDFC-1.0."""
    return {
        "@graph": [
            {
                "@id": f"_:n{i}",
                "http://example.org/p": [{"@id": f"_:n{j}"} for j in range(n) if j != i],
            }
            for i in range(n)
        ]
    }


def test_poison_graph_fails_fast(cache_state: str) -> None:
    with counted_calls() as work:
        _twice(_poison(12), CanonicalizationLimitError, "CANONICALIZATION_LIMIT")
    assert work.calls < 2 * POISON_CALL_BUDGET  # two attempts


def _vc_clique(n: int) -> dict[str, Any]:
    """A credential whose subjects form a clique of ``n`` blank nodes."""
    return {
        "@context": [
            CREDENTIALS_V2,
            {"linkedTo": {"@id": "https://example.org/linkedTo", "@type": "@id"}},
        ],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": [
            {"id": f"_:n{i}", "linkedTo": [f"_:n{j}" for j in range(n) if j != i]} for i in range(n)
        ],
    }


@pytest.mark.parametrize("n", [16, 64, 99])
def test_largest_poison_graphs_under_the_size_caps_fail_fast(n: int) -> None:
    """Cliques as big as max_quads allows: a work cap stops them within the poison-graph work
    budget (the larger ones before canonicalization even starts)."""
    with counted_calls() as work, pytest.raises(JsonLdLimitError):
        canonicalize(_vc_clique(n))
    assert work.calls < POISON_CALL_BUDGET


def test_permutation_cap_is_configurable() -> None:
    with pytest.raises(CanonicalizationLimitError) as caught:
        canonicalize(_poison(5), limits=CanonicalizationLimits(max_permutations=10))
    assert caught.value.code == "CANONICALIZATION_LIMIT"
    document = _poison(5)
    assert canonicalize(document) == reference(document)


def test_too_many_blank_nodes() -> None:
    limits = CanonicalizationLimits(max_blank_nodes=5)
    with pytest.raises(CanonicalizationLimitError):
        canonicalize(_poison(6), limits=limits)


@pytest.mark.parametrize("url", ["contexts/v1", "./v1", "//example.org/v1", ""])
def test_relative_context_urls_are_unknown_contexts(cache_state: str, url: str) -> None:
    document = mark(dict(SAMPLE_SUBJECT))
    document["@context"] = [*document["@context"], url]
    _twice(document, UnknownContextError, "UNKNOWN_CONTEXT")
    nested = mark({"@context": url, **SAMPLE_SUBJECT})
    _twice(nested, UnknownContextError, "UNKNOWN_CONTEXT")


def test_inline_context_that_is_not_json(cache_state: str) -> None:
    document = mark(dict(SAMPLE_SUBJECT))
    document["@context"] = [*document["@context"], {"extraX": {"@id": float("nan")}}]
    _twice(document, JsonLdError, "JSONLD_ERROR")


def test_import_is_refused_and_cannot_poison_bundled_contexts(cache_state: str) -> None:
    # pyld merges the importing context into the imported one in place: in plain pyld this adds
    # "evilTerm" to the shared, bundled credentials v2 context for the rest of the process
    document = {
        "@context": [{"@import": CREDENTIALS_V2, "evilTerm": "https://evil.example/t"}],
        "@id": "urn:example:x",
        "evilTerm": "x",
    }
    for _ in range(2):
        with pytest.raises(JsonLdError) as caught:
            canonicalize(document)
        assert caught.value.code == "JSONLD_ERROR"
    nested = mark({"@context": {"@import": CREDENTIALS_V2}, **SAMPLE_SUBJECT})
    with pytest.raises(JsonLdError):
        canonicalize(nested)
    assert "evilTerm" not in context_document(CREDENTIALS_V2)["@context"]
    sample = mark(dict(SAMPLE_SUBJECT))
    assert canonicalize(sample) == reference(sample)


def test_failures_leave_no_trace() -> None:
    """After every kind of failure, the caches still give plain pyld's answer."""
    sample = mark(dict(SAMPLE_SUBJECT))
    expected = reference(sample)
    bad = [
        _vc11({"id": "did:example:subject", "undefinedThing": "x"}),
        {**sample, "@context": [*sample["@context"], {"registrationNumber": "https://evil/r"}]},
        mark({"@context": {"vehicleTypeCode": "https://evil.example/t"}, **SAMPLE_SUBJECT}),
        mark(dict(SAMPLE_SUBJECT), id="relative/mark"),
    ]
    for document in bad:
        with pytest.raises(JsonLdError):
            canonicalize(copy.deepcopy(document))
        assert canonicalize(sample) == expected
    for url in bundled_urls():
        assert context_document(url) == json.loads(context_bytes(url)), url
