"""Issue 8, item 1: JSON-LD work is bounded before it is done; a hostile input fails with
JSONLD_LIMIT (which cap: ``detail["limit"]``) instead of keeping the verifier busy for seconds.

The timings are in bench/hostile_jsonld.py; these tests assert codes only.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.authority import Authority, clock
from tests.canonicalization.helpers import SAMPLE_SUBJECT, mark, reference
from vic.contexts.errors import JsonLdError, JsonLdLimitError
from vic.contexts.loader import CREDENTIALS_V2
from vic.vc.contextpolicy import ContextPolicy
from vic.vc.jsonld import CanonicalizationLimits, canonicalize, expand
from vic.verifier.result import CheckName
from vic.verifier.verify import verify_credential

VOCAB = {"@vocab": "https://e.example/vocab#"}


def credential(subject: Any) -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V2, VOCAB],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": subject,
    }


def strings(n: int) -> list[str]:
    return [f"n{i}" for i in range(n)]


CASES = {
    "issue-8-10000-strings": (
        credential({"id": "urn:x", "names": strings(10_000)}),
        "max_array_length",
    ),
    "999-strings": (credential({"id": "urn:x", "names": strings(999)}), "max_node_map_steps"),
    "subjects-merging": (
        credential([{"id": "urn:x", "name": f"n{i}"} for i in range(999)]),
        "max_node_map_steps",
    ),
    "999-types": (credential({"id": "urn:x", "type": strings(999)}), "max_node_map_steps"),
    "nested-objects": (
        credential({"id": "urn:x", "knows": [{"name": f"n{i}"} for i in range(999)]}),
        "max_node_map_steps",
    ),
    "named-blank-nodes": (
        credential(
            {"id": "urn:x", "knows": [{"id": f"_:b{i}", "next": f"_:b{i + 1}"} for i in range(999)]}
        ),
        "max_node_map_steps",
    ),
    "inline-contexts": (
        credential(
            {
                "id": "urn:x",
                "knows": [
                    {"@context": {f"t{i}": f"https://e.example/{i}"}, f"t{i}": "v"}
                    for i in range(999)
                ],
            }
        ),
        "max_expansion_steps",
    ),
    "many-values": (
        credential({"id": "urn:x", **{f"p{k}": strings(900) for k in range(6)}}),
        "max_values",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_documents_hit_a_cap(name: str) -> None:
    document, limit = CASES[name]
    for _ in range(2):  # caches warm or cold: the same answer
        with pytest.raises(JsonLdLimitError) as caught:
            canonicalize(document)
        assert caught.value.code == "JSONLD_LIMIT"
        assert caught.value.detail["limit"] == limit


def test_expansion_alone_counts_values_and_steps() -> None:
    """expand() is the layer every path goes through (RDFC-1.0, JCS): the caps fire there."""
    with pytest.raises(JsonLdLimitError) as caught:
        expand(CASES["issue-8-10000-strings"][0])
    assert caught.value.detail["limit"] == "max_array_length"
    with pytest.raises(JsonLdLimitError) as caught:
        expand(CASES["inline-contexts"][0])
    assert caught.value.detail["limit"] == "max_expansion_steps"


def test_caps_are_configurable_and_lifting_them_gives_pyld_result() -> None:
    document = credential({"id": "urn:x", "names": strings(200)})
    with pytest.raises(JsonLdLimitError):
        canonicalize(document)
    lifted = CanonicalizationLimits(max_node_map_steps=10**6)
    assert canonicalize(document, limits=lifted) == reference(document)
    small = CanonicalizationLimits(max_array_length=5)
    with pytest.raises(JsonLdLimitError) as caught:
        canonicalize(credential({"id": "urn:x", "names": strings(6)}), limits=small)
    assert caught.value.detail == {"limit": "max_array_length", "length": 6}


def test_legitimate_documents_stay_well_under_the_caps() -> None:
    """A mark, and a subject with a few dozen values, canonicalize as plain pyld does."""
    sample = mark(dict(SAMPLE_SUBJECT))
    assert canonicalize(sample) == reference(sample)
    modest = credential({"id": "urn:x", "names": strings(40), "type": strings(10)})
    assert canonicalize(modest) == reference(modest)


def test_the_limit_error_is_a_json_ld_error() -> None:
    with pytest.raises(JsonLdError):
        canonicalize(CASES["999-strings"][0])


def test_verify_refuses_issue_8_credential_with_the_code() -> None:
    """The credential of the finding: a trusted issuer, a garbage proof, 10,000 strings."""
    authority = Authority()
    document = credential({"id": "urn:x", "names": strings(10_000)})
    document["issuer"] = authority.did
    document["validFrom"] = "2026-01-01T00:00:00Z"
    document["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-rdfc-2019",
        "created": "2026-11-25T08:00:00Z",
        "verificationMethod": authority.method,
        "proofPurpose": "assertionMethod",
        "proofValue": "z" + "1" * 87,
    }
    refused = verify_credential(
        json.dumps(document), trust=authority.trust(), clock=clock, check_status_lists=False
    )
    assert refused.errors[0].code == "INLINE_CONTEXT"  # the default context policy, first
    result = verify_credential(
        json.dumps(document),
        trust=authority.trust(),
        clock=clock,
        check_status_lists=False,
        context_policy=ContextPolicy(allow_inline=True),
    )
    assert not result.verified
    proof = next(c for c in result.checks if c.name is CheckName.PROOF)
    assert proof.passed is False
    assert proof.error is not None
    assert proof.error.code == "JSONLD_LIMIT"


@pytest.mark.parametrize("number", [10**309, -(10**400)], ids=["10^309", "-10^400"])
def test_pyld_overflow_on_a_parsed_document_is_a_json_ld_error(number: int) -> None:
    """Issue 8, item 5: a dict given to the library (or decoded from CBOR) with an integer no
    double holds made pyld raise OverflowError; it is the document's JSON-LD error now."""
    with pytest.raises(JsonLdError) as caught:
        canonicalize(credential({"id": "urn:x", "n": number}))
    assert caught.value.code == "JSONLD_ERROR"
    assert caught.value.detail == {"pyld_exception": "OverflowError"}
