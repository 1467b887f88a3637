"""Presentations: the holder's signed VP around marks, verified with challenge and domain."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest

from tests.authority import NOW, Authority, clock
from vic.contexts.errors import DataModelError, UsageError
from vic.did.key import did_key, did_key_method_id
from vic.did.keys import KeyType, PrivateKey
from vic.vc.presentation import (
    MAX_PRESENTED_CREDENTIALS,
    build_presentation,
    create_presentation,
    sign_presentation,
)
from vic.vc.proofs import add_proof
from vic.verifier import PresentationResult, Status, verify_presentation
from vic.verifier.result import CheckName
from vic.verifier.verify import StaticStatusLists

CHALLENGE = "7c1b1d0e-challenge"
DOMAIN = "https://verifier.example"


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


@pytest.fixture(scope="module")
def mark(authority: Authority) -> dict[str, Any]:
    return authority.mark()


@pytest.fixture(scope="module", params=[KeyType.P256, KeyType.ED25519], ids=["p256", "ed25519"])
def holder(request: pytest.FixtureRequest) -> PrivateKey:
    return PrivateKey.generate(request.param)


def present(key: PrivateKey, credentials: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    kw.setdefault("challenge", CHALLENGE)
    kw.setdefault("domain", DOMAIN)
    kw.setdefault("clock", clock)
    return create_presentation(
        credentials,
        key=key,
        verification_method=did_key_method_id(key.public_key),
        **kw,
    )


def check(
    authority: Authority, vp: Any, lists: list[dict[str, Any]] | None = None, **kw: Any
) -> PresentationResult:
    kw.setdefault("challenge", CHALLENGE)
    kw.setdefault("domain", DOMAIN)
    kw.setdefault("clock", clock)
    return verify_presentation(
        vp, trust=authority.trust(), status_source=StaticStatusLists(lists or []), **kw
    )


def test_a_presented_mark_verifies(
    authority: Authority, mark: dict[str, Any], holder: PrivateKey
) -> None:
    vp = present(holder, [mark])
    assert vp["holder"] == did_key(holder.public_key)
    assert vp["proof"]["proofPurpose"] == "authentication"
    assert vp["proof"]["challenge"] == CHALLENGE
    result = check(authority, vp, authority.status_lists(mark))
    assert result.status is Status.VALID
    assert result.verified
    assert [c.name for c in result.checks] == [
        CheckName.PARSE,
        CheckName.DATA_MODEL,
        CheckName.PROOF,
        CheckName.HOLDER_BINDING,
    ]
    assert len(result.credentials) == 1
    assert result.credentials[0].status is Status.VALID
    out = result.to_dict()
    assert out["status"] == "VALID"
    assert out["credentials"][0]["status"] == "VALID"
    assert out["holder"] == did_key(holder.public_key)


def test_json_text_is_accepted(authority: Authority, mark: dict[str, Any]) -> None:
    holder = PrivateKey.generate(KeyType.P256)
    vp = present(holder, [mark])
    text = json.dumps(vp, ensure_ascii=False)
    assert check(authority, text, authority.status_lists(mark)).status is Status.VALID
    assert check(authority, text.encode(), authority.status_lists(mark)).verified


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"challenge": "another"}, "INVALID_CHALLENGE"),
        ({"domain": "https://evil.example"}, "INVALID_DOMAIN"),
    ],
    ids=["challenge", "domain"],
)
def test_a_wrong_challenge_or_domain_fails(
    authority: Authority, mark: dict[str, Any], options: dict[str, Any], code: str
) -> None:
    vp = present(PrivateKey.generate(KeyType.P256), [mark])
    result = check(authority, vp, authority.status_lists(mark), **options)
    assert result.status is Status.INVALID_PROOF
    assert not result.verified
    assert result.errors[0].code == code
    assert result.credentials[0].status is Status.VALID  # what was presented is still reported


def test_a_presentation_without_domain_fails_a_verifier_that_wants_one(
    authority: Authority, mark: dict[str, Any]
) -> None:
    vp = present(PrivateKey.generate(KeyType.P256), [mark], domain=None)
    assert check(authority, vp, authority.status_lists(mark)).errors[0].code == "INVALID_DOMAIN"
    relaxed = check(authority, vp, authority.status_lists(mark), domain=None)
    assert relaxed.status is Status.VALID


def test_no_challenge_expected_accepts_any(authority: Authority, mark: dict[str, Any]) -> None:
    vp = present(PrivateKey.generate(KeyType.P256), [mark])
    assert check(authority, vp, authority.status_lists(mark), challenge=None).verified


def test_an_assertion_proof_is_not_a_holder_proof(
    authority: Authority, mark: dict[str, Any]
) -> None:
    """A presentation signed with the purpose of an issuer's proof does not authenticate."""
    holder = PrivateKey.generate(KeyType.P256)
    unsigned = build_presentation([mark], holder=did_key(holder.public_key))
    vp = add_proof(
        unsigned,
        key=holder,
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=did_key_method_id(holder.public_key),
        challenge=CHALLENGE,
        domain=DOMAIN,
        clock=clock,
    )
    result = check(authority, vp, authority.status_lists(mark))
    assert result.status is Status.INVALID_PROOF
    assert result.errors[0].code == "PROOF_PURPOSE_MISMATCH"


def test_someone_elses_holder(authority: Authority, mark: dict[str, Any]) -> None:
    holder = PrivateKey.generate(KeyType.P256)
    other = did_key(PrivateKey.generate(KeyType.P256).public_key)
    vp = present(holder, [mark], holder=other)
    result = check(authority, vp, authority.status_lists(mark))
    assert result.status is Status.INVALID_PROOF
    assert result.check(CheckName.PROOF) is not None
    assert result.errors[0].code == "HOLDER_MISMATCH"


def test_an_unsigned_presentation(authority: Authority, mark: dict[str, Any]) -> None:
    vp = build_presentation([mark])
    result = check(authority, vp, authority.status_lists(mark))
    assert result.status is Status.INVALID_PROOF
    assert result.errors[0].code == "PROOF_MISSING"
    allowed = check(authority, vp, authority.status_lists(mark), require_holder_proof=False)
    assert allowed.status is Status.VALID
    assert not allowed.verified  # no holder proof was verified


def test_a_credential_changed_after_the_holder_signed(
    authority: Authority, mark: dict[str, Any]
) -> None:
    vp = present(PrivateKey.generate(KeyType.P256), [mark])
    tampered = copy.deepcopy(vp)
    tampered["verifiableCredential"][0]["credentialSubject"]["registrationNumber"] = "鄂A00000"
    result = check(authority, tampered, authority.status_lists(mark))
    assert result.status is Status.INVALID_PROOF
    holder_proof = result.check(CheckName.PROOF)
    assert holder_proof is not None
    assert holder_proof.passed is False
    assert result.credentials[0].status is Status.INVALID_PROOF


def test_a_revoked_mark_in_a_good_presentation(authority: Authority, mark: dict[str, Any]) -> None:
    vp = present(PrivateKey.generate(KeyType.P256), [mark])
    result = check(authority, vp, authority.status_lists(mark, revoked=True))
    assert result.status is Status.REVOKED
    assert not result.verified
    proof = result.check(CheckName.PROOF)
    assert proof is not None
    assert proof.passed


def test_a_presentation_of_nothing_authenticates_the_holder(authority: Authority) -> None:
    vp = present(PrivateKey.generate(KeyType.P256), [])
    assert "verifiableCredential" not in vp
    result = check(authority, vp)
    assert result.status is Status.VALID
    assert result.verified
    assert result.credentials == ()


def test_a_holder_proof_from_the_future(authority: Authority, mark: dict[str, Any]) -> None:
    vp = present(PrivateKey.generate(KeyType.P256), [mark], clock=lambda: NOW + timedelta(hours=1))
    result = check(authority, vp, authority.status_lists(mark))
    assert result.errors[0].code == "PROOF_IN_FUTURE"
    soon = present(
        PrivateKey.generate(KeyType.P256), [mark], clock=lambda: NOW + timedelta(minutes=2)
    )
    assert check(authority, soon, authority.status_lists(mark)).verified


@pytest.mark.parametrize(
    ("vp", "check_name", "code"),
    [
        (b"not json", CheckName.PARSE, "INVALID_JSON"),
        (
            {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "X"},
            CheckName.DATA_MODEL,
            "INVALID_TYPE",
        ),
        ({"type": "VerifiablePresentation"}, CheckName.DATA_MODEL, "INVALID_CONTEXT"),
        (
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "VerifiablePresentation",
                "verifiableCredential": ["VC1-R..."],
            },
            CheckName.DATA_MODEL,
            "INVALID_PRESENTED_CREDENTIAL",
        ),
        (
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "VerifiablePresentation",
                "holder": "not a url",
            },
            CheckName.DATA_MODEL,
            "INVALID_HOLDER",
        ),
    ],
    ids=["text", "type", "context", "credential-string", "holder"],
)
def test_malformed_presentations(
    authority: Authority, vp: Any, check_name: CheckName, code: str
) -> None:
    result = check(authority, vp)
    assert result.status is Status.MALFORMED
    failed = result.check(check_name)
    assert failed is not None
    assert failed.error is not None
    assert failed.error.code == code


def test_too_many_credentials(authority: Authority, mark: dict[str, Any]) -> None:
    with pytest.raises(DataModelError) as built:
        build_presentation([mark] * (MAX_PRESENTED_CREDENTIALS + 1))
    assert built.value.code == "TOO_MANY_CREDENTIALS"
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "VerifiablePresentation",
        "verifiableCredential": [mark] * (MAX_PRESENTED_CREDENTIALS + 1),
    }
    assert check(authority, vp).errors[0].code == "TOO_MANY_CREDENTIALS"


def test_signing_needs_a_challenge(mark: dict[str, Any]) -> None:
    holder = PrivateKey.generate(KeyType.P256)
    with pytest.raises(UsageError):
        sign_presentation(
            build_presentation([mark]),
            key=holder,
            verification_method=did_key_method_id(holder.public_key),
            challenge="",
        )
