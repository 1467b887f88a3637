"""Interop mode (``AnyIssuer``): a proof need not come from the issuer; everywhere else it must."""

from __future__ import annotations

from typing import Any

from tests.authority import Authority, clock
from vic.verifier import CheckName, Status, TrustList, verify_credential
from vic.verifier.service.settings import AnyIssuer

ISSUER = "https://vc.example/issuers/5678"


def signed_for_another_issuer() -> dict[str, Any]:
    authority = Authority()
    return authority.sign(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": ISSUER,
            "credentialSubject": {"id": "did:example:abcdefgh"},
        }
    )


def binding(result: Any) -> Any:
    return next(c for c in result.checks if c.name is CheckName.ISSUER_BINDING)


def test_any_issuer_skips_the_binding_but_not_the_proof() -> None:
    credential = signed_for_another_issuer()
    result = verify_credential(credential, trust=AnyIssuer(), clock=clock)
    assert result.status is Status.VALID, result.to_dict()
    assert binding(result).passed is None
    assert "interop" in binding(result).detail["skipped"]
    credential["credentialSubject"]["id"] = "did:example:other"
    forged = verify_credential(credential, trust=AnyIssuer(), clock=clock)
    assert forged.status is Status.INVALID_PROOF


def test_a_trust_list_binds_proofs_to_issuers() -> None:
    trust = TrustList().with_issuers([ISSUER])
    result = verify_credential(signed_for_another_issuer(), trust=trust, clock=clock)
    assert result.status is Status.INVALID_PROOF
    assert binding(result).error is not None
    assert binding(result).error.code == "ISSUER_MISMATCH"
