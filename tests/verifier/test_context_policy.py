"""The context allow-list, for every cryptosuite: contexts added after signing, inline contexts
that swap meanings, and the mark recognised by its expanded type IRI."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.authority import NOW, Authority, clock
from vic.contexts.loader import DocumentLoader
from vic.vc.contextpolicy import ContextPolicy
from vic.vc.proofs import verify_proofs
from vic.verifier.result import CheckName, Status
from vic.verifier.verify import StaticStatusLists, verify_credential

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
EX = "https://www.w3.org/ns/credentials/examples#"
SUITES = ["ecdsa-rdfc-2019", "ecdsa-jcs-2019"]


@pytest.fixture(scope="module", params=SUITES)
def authority(request: pytest.FixtureRequest) -> Authority:
    return Authority(cryptosuite=request.param)


def generic(authority: Authority, **extra: Any) -> dict[str, Any]:
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES],
        "type": ["VerifiableCredential"],
        "issuer": authority.did,
        "validFrom": "2026-11-25T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "major": "Physics", "degree": "BSc"},
        **extra,
    }
    return authority.sign(unsigned)


def check(authority: Authority, document: dict[str, Any], **kw: Any) -> Any:
    return verify_credential(
        document, trust=authority.trust(), clock=clock, status_source=StaticStatusLists(), **kw
    )


def test_the_genuine_credential_verifies(authority: Authority) -> None:
    assert check(authority, generic(authority)).status is Status.VALID


@pytest.mark.parametrize(
    ("appended", "code"),
    [
        ("https://evil.example/contexts/v1", "UNKNOWN_CONTEXT"),
        ({"major": EX + "degree"}, "INLINE_CONTEXT"),
    ],
    ids=["remote", "inline"],
)
def test_a_context_appended_after_signing_is_refused(
    authority: Authority, appended: Any, code: str
) -> None:
    """Regression: JCS proofs allow contexts after their own and never looked at them."""
    tampered = generic(authority)
    tampered["@context"] = [*tampered["@context"], appended]
    result = check(authority, tampered)
    assert result.status is Status.MALFORMED
    assert result.errors[0].code == code
    data_model = result.check(CheckName.DATA_MODEL)
    assert data_model is not None
    assert data_model.passed is False


def test_an_inline_context_swapping_two_terms_is_refused(authority: Authority) -> None:
    """Regression: for RDFC the swap leaves the RDF, and the proof, unchanged while the JSON
    shows each value under the other's name."""
    tampered = generic(authority)
    subject = tampered["credentialSubject"]
    subject["major"], subject["degree"] = subject["degree"], subject["major"]
    tampered["@context"] = [*tampered["@context"], {"major": EX + "degree", "degree": EX + "major"}]
    result = check(authority, tampered)
    assert result.status is Status.MALFORMED
    assert result.errors[0].code == "INLINE_CONTEXT"
    if authority.cryptosuite.endswith("rdfc-2019"):
        # the documented opt-in shows why it is off by default: the swap verifies
        risky = check(authority, tampered, context_policy=ContextPolicy(allow_inline=True))
        assert risky.status is Status.VALID


def test_an_inline_context_nested_in_the_subject_is_refused(authority: Authority) -> None:
    tampered = generic(authority)
    tampered["credentialSubject"]["@context"] = {"major": EX + "degree"}
    assert check(authority, tampered).errors[0].code == "INLINE_CONTEXT"


def test_an_inline_context_in_the_proof_is_refused(authority: Authority) -> None:
    tampered = generic(authority)
    tampered["proof"]["@context"] = [{"@vocab": "https://evil.example#"}]
    result = check(authority, tampered)
    assert result.status in {Status.MALFORMED, Status.INVALID_PROOF}
    assert result.errors[0].code == "INLINE_CONTEXT"


def test_a_null_context_is_an_inline_context(authority: Authority) -> None:
    tampered = generic(authority)
    tampered["credentialSubject"]["@context"] = None
    assert check(authority, tampered).errors[0].code == "INLINE_CONTEXT"


def test_verify_proofs_applies_the_policy_too(authority: Authority) -> None:
    tampered = generic(authority)
    tampered["@context"] = [*tampered["@context"], {"major": EX + "degree"}]
    proofs = verify_proofs(tampered, resolver=authority.trust().resolver(), clock=clock)
    assert not proofs.verified
    assert proofs.errors[0].code == "INLINE_CONTEXT"


def test_a_configured_context_url_is_allowed() -> None:
    authority = Authority()
    own = "https://contexts.example.org/degree/v1"
    loader = DocumentLoader({own: {"@context": {"major": EX + "major"}}})
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2", own],
        "type": ["VerifiableCredential"],
        "issuer": authority.did,
        "validFrom": "2026-11-25T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "major": "Physics"},
    }
    from vic.vc.proofs import add_proof

    signed = add_proof(
        unsigned,
        key=authority.key,
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=authority.method,
        loader=loader,
        clock=clock,
    )
    assert check(authority, signed, loader=loader).status is Status.VALID
    refused = check(authority, signed)  # the default loader does not serve it
    assert refused.errors[0].code == "UNKNOWN_CONTEXT"


def test_a_mark_type_in_another_vocabulary_is_a_generic_credential() -> None:
    """Regression: the mark was recognised by the compact name; here VehicleInspectionCredential
    expands to the examples vocabulary, so this is a generic credential, verified as such."""
    authority = Authority()
    document = generic(authority, type=["VerifiableCredential", "VehicleInspectionCredential"])
    assert document["type"][1] == "VehicleInspectionCredential"
    result = check(authority, document)
    assert result.status is Status.VALID
    assert result.check(CheckName.MARK) is None
    assert result.summary is None


def test_a_real_mark_is_still_a_mark() -> None:
    authority = Authority()
    mark = authority.mark()
    result = verify_credential(
        mark,
        trust=authority.trust(),
        clock=lambda: NOW,
        status_source=StaticStatusLists(authority.status_lists(mark)),
    )
    assert result.status is Status.VALID
    assert result.check(CheckName.MARK) is not None
    assert result.summary is not None
    wrong = copy.deepcopy(mark)
    wrong["@context"] = [*wrong["@context"], "https://evil.example/v1"]
    assert check(authority, wrong).status is Status.MALFORMED
