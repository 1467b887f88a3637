"""What the compiled path skips must be implied by what it accepts.

canonicalize() does not count the values of a document the compiled table accepted (the walk
bounded by :data:`vic.vc.jsonld.CanonicalizationLimits`): the table's documents are smaller than
COMPILED_MAX_VALUES values and COMPILED_MAX_ARRAY long arrays. The one-blank-node short cut of
simple_canonical_nquads must give pyld's labels.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from pyld import jsonld

from tests.canonicalization.helpers import SAMPLE_SUBJECT, mark, proof_config, reference
from tests.canonicalization.test_differential import _DATES, random_marks
from vic.contexts.errors import JsonLdLimitError
from vic.vc.jsonld import CanonicalizationLimits, _check_size, canonicalize
from vic.vc.markcanon import COMPILED_MAX_ARRAY, COMPILED_MAX_VALUES, compiled_quads
from vic.vc.rdfc import simple_canonical_nquads

_TIGHT = CanonicalizationLimits(max_values=COMPILED_MAX_VALUES, max_array_length=COMPILED_MAX_ARRAY)


def _largest_mark() -> dict[str, Any]:
    document = mark(dict(SAMPLE_SUBJECT))
    assert "id" in document
    assert "credentialStatus" in document
    return document


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_marks(), _DATES)
def test_compiled_documents_fit_the_bounds(document: dict[str, Any], created: str) -> None:
    for doc in (document, proof_config(document, created)):
        assert compiled_quads(doc) is not None
        _check_size(doc, _TIGHT)  # never raises for a compiled document


def test_the_largest_compiled_documents_fit_the_bounds() -> None:
    document = _largest_mark()
    for doc in (document, proof_config(document, "2026-11-25T08:00:00Z")):
        assert compiled_quads(doc) is not None
        _check_size(doc, _TIGHT)


def test_tight_limits_are_still_applied_to_compiled_documents() -> None:
    document = _largest_mark()
    tiny = CanonicalizationLimits(max_values=5)
    with pytest.raises(JsonLdLimitError):
        canonicalize(document, limits=tiny)
    with pytest.raises(JsonLdLimitError):
        canonicalize(document, limits=CanonicalizationLimits(max_array_length=2))


def test_a_long_type_list_is_declined_and_refused_by_the_size_check() -> None:
    document = _largest_mark()
    document["type"] = ["VerifiableCredential"] * 2_000
    assert compiled_quads(document) is None
    with pytest.raises(JsonLdLimitError):
        canonicalize(document)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_marks(), _DATES)
def test_one_blank_node_short_cut_equals_plain_pyld(document: dict[str, Any], created: str) -> None:
    config = proof_config(document, created)
    quads = compiled_quads(config)
    assert quads is not None
    assert len({q[0] for q in quads if q[0].startswith("_:")}) == 1
    assert simple_canonical_nquads(quads) == reference(config)
    assert simple_canonical_nquads(quads, "sha384") == reference(config)  # no hash is taken


def test_one_blank_node_as_object_and_graph_name() -> None:
    quads = [
        ("<https://a.example/s>", "<https://a.example/p>", "_:x", ""),
        ("_:x", "<https://a.example/p>", '"v"', "_:x"),
        ("<https://a.example/s>", "<https://a.example/q>", '"w"', ""),
    ]
    text = "".join(f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o, g in quads)
    options = {
        "algorithm": "URDNA2015",
        "inputFormat": "application/n-quads",
        "format": "application/n-quads",
    }
    assert simple_canonical_nquads(quads) == jsonld.normalize(text, options)
