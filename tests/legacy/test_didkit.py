"""DIDKit (PyPI ``didkit`` 0.3.3) as an independent implementation of the VC 1.1 legacy proofs.

DIDKit issues Ed25519Signature2020 and JsonWebSignature2020 proofs on VC 1.1 credentials; vic's
verify-only legacy suites must verify them, and reject tampered copies. Only contexts vic bundles
are used (credentials v1, ed25519-2020, jws-2020), with inline ``@context`` objects for extra terms.

What DIDKit 0.3.3 can and cannot do here (found by these tests):

- Ed25519Signature2020: Ed25519 keys only ("Unsupported algorithm" for P-256/P-384).
- JsonWebSignature2020: Ed25519 (EdDSA) and P-256 (ES256) keys; P-384 fails ("Unsupported
  algorithm"), and ``key_to_did("key", ...)`` cannot make a P-384 did:key at all.
- When the document's ``@context`` lacks the suite context, DIDKit puts the suite context inside
  the proof, and signs the proof options under [document contexts..., proof context].
- DIDKit 0.3.3 cannot verify anything vic signs: it predates DataIntegrityProof (its proof parser
  rejects the ``cryptosuite`` form) and the VC 2.0 context (its credential parser rejects a
  first context other than credentials v1).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
from collections.abc import Awaitable, Callable
from typing import Any

import didkit
import pytest

from vic.contexts.loader import CREDENTIALS_V1, CREDENTIALS_V2
from vic.did.key import did_key, did_key_method_id
from vic.did.keys import KeyType, PrivateKey
from vic.did.resolver import DidResolver
from vic.vc.contextpolicy import ContextPolicy
from vic.vc.proofs import ProofsResult, add_proof, verify_proofs

ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
JWS_2020 = "https://w3id.org/security/suites/jws-2020/v1"

# the vehicle terms, inline (DIDKit does not know vic's vocabulary context), same IRIs as
# https://w3id.org/vehicle-inspection/v1
VEHICLE_TERMS = {
    "@version": 1.1,
    "VehicleInspectionCredential": "https://w3id.org/vehicle-inspection#VehicleInspectionCredential",
    "Vehicle": "https://schema.org/Vehicle",
    "registrationNumber": "https://w3id.org/vehicle-inspection#registrationNumber",
    "plateTypeCode": "https://w3id.org/vehicle-inspection#plateTypeCode",
    "vehicleTypeCode": "https://w3id.org/vehicle-inspection#vehicleTypeCode",
    "vehicleIdentificationNumber": "https://schema.org/vehicleIdentificationNumber",
    "inspectionBasis": {
        "@id": "https://w3id.org/vehicle-inspection#inspectionBasis",
        "@type": "@vocab",
    },
    "OnSite": "https://w3id.org/vehicle-inspection#OnSite",
    "Exempt": "https://w3id.org/vehicle-inspection#Exempt",
}


def run(function: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    """Call one of DIDKit's async functions (they need a running event loop when called)."""

    async def call() -> Any:
        return await function(*args)

    return asyncio.run(call())


class Issuer:
    """A DIDKit issuer: a JWK, its DID (did:key or did:jwk) and verification method."""

    def __init__(self, key: PrivateKey, method: str = "key") -> None:
        self.key = key
        self.jwk = json.dumps(key.to_jwk())
        self.did: str = didkit.key_to_did(method, self.jwk)
        self.vm: str = run(didkit.key_to_verification_method, method, self.jwk)

    def issue(self, credential: dict[str, Any], proof_type: str, **options: Any) -> dict[str, Any]:
        proof_options = {
            "proofPurpose": "assertionMethod",
            "verificationMethod": self.vm,
            "type": proof_type,
            **options,
        }
        issued = run(
            didkit.issue_credential, json.dumps(credential), json.dumps(proof_options), self.jwk
        )
        result: dict[str, Any] = json.loads(issued)
        return result

    def didkit_verifies(self, credential: dict[str, Any], **options: Any) -> bool:
        out = json.loads(
            run(
                didkit.verify_credential,
                json.dumps(credential),
                json.dumps({"proofPurpose": "assertionMethod", **options}),
            )
        )
        return out["errors"] == [] and "proof" in out["checks"]


ED25519_ISSUER = Issuer(PrivateKey.generate(KeyType.ED25519))
P256_ISSUER = Issuer(PrivateKey.generate(KeyType.P256))
ED25519_JWK_ISSUER = Issuer(PrivateKey.generate(KeyType.ED25519), "jwk")
P256_JWK_ISSUER = Issuer(PrivateKey.generate(KeyType.P256), "jwk")


def credential(issuer: str, suite_context: str | None = None) -> dict[str, Any]:
    """A VC 1.1 vehicle credential; ``suite_context`` is added to the document's contexts."""
    contexts: list[Any] = [CREDENTIALS_V1]
    if suite_context is not None:
        contexts.append(suite_context)
    contexts.append(VEHICLE_TERMS)
    return {
        "@context": contexts,
        "type": ["VerifiableCredential", "VehicleInspectionCredential"],
        "id": "urn:uuid:2f9c6b1e-8a43-4c55-9d0e-3b8f1f2a7c10",
        "issuer": issuer,
        "issuanceDate": "2026-11-25T00:00:00Z",
        "expirationDate": "2028-11-30T15:59:59Z",
        "credentialSubject": {
            "id": "urn:vin:LSVAU2A36N2183457",
            "type": "Vehicle",
            "registrationNumber": "鄂L12345",
            "plateTypeCode": "02",
            "vehicleTypeCode": "K33",
            "vehicleIdentificationNumber": "LSVAU2A36N2183457",
            "inspectionBasis": "OnSite",
        },
    }


INLINE_ALLOWED = ContextPolicy(allow_inline=True)
"""These credentials carry inline contexts (DIDKit signs them so): vic's default context policy
refuses them (test_the_default_context_policy_refuses_inline_terms), so verifying them is the
documented opt-in."""


def verify(document: dict[str, Any], **options: Any) -> ProofsResult:
    options.setdefault("context_policy", INLINE_ALLOWED)
    return verify_proofs(document, resolver=DidResolver(), **options)


def the_code(result: ProofsResult) -> str:
    assert not result.verified
    assert len(result.proofs) == 1
    error = result.proofs[0].error
    assert error is not None
    return error.code


def tampered(document: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["credentialSubject"]["registrationNumber"] = "鄂L12346"
    return changed


# --- the oracle itself ----------------------------------------------------------------------------


def test_didkit_version() -> None:
    assert didkit.get_version() == "0.3.3"


def test_didkit_and_vic_agree_on_did_key_and_did_jwk() -> None:
    for issuer in (ED25519_ISSUER, P256_ISSUER):
        assert issuer.did == did_key(issuer.key.public_key)
        assert issuer.vm == did_key_method_id(issuer.key.public_key)
    for issuer in (ED25519_JWK_ISSUER, P256_JWK_ISSUER):
        method = DidResolver().resolve_method(issuer.vm, "assertionMethod")
        assert method.public_key == issuer.key.public_key
        assert method.controller == issuer.did


# --- Ed25519Signature2020 -------------------------------------------------------------------------


@pytest.mark.parametrize("issuer", [ED25519_ISSUER, ED25519_JWK_ISSUER], ids=["did-key", "did-jwk"])
def test_ed25519signature2020_context_in_the_proof(issuer: Issuer) -> None:
    issued = issuer.issue(credential(issuer.did), "Ed25519Signature2020")
    proof = issued["proof"]
    assert proof["type"] == "Ed25519Signature2020"
    assert proof["@context"] == [ED25519_2020]  # DIDKit's choice when the document lacks it
    assert proof["proofValue"].startswith("z")
    assert issuer.didkit_verifies(issued)

    result = verify(issued)
    assert result.verified, result.errors
    assert result.proofs[0].proof_type == "Ed25519Signature2020"
    assert result.proofs[0].controller == issuer.did

    assert not issuer.didkit_verifies(tampered(issued))
    assert the_code(verify(tampered(issued))) == "INVALID_SIGNATURE"


@pytest.mark.parametrize("issuer", [ED25519_ISSUER, ED25519_JWK_ISSUER], ids=["did-key", "did-jwk"])
def test_ed25519signature2020_context_in_the_document(issuer: Issuer) -> None:
    issued = issuer.issue(credential(issuer.did, ED25519_2020), "Ed25519Signature2020")
    assert "@context" not in issued["proof"]
    assert issuer.didkit_verifies(issued)
    result = verify(issued)
    assert result.verified, result.errors
    assert the_code(verify(tampered(issued))) == "INVALID_SIGNATURE"


def test_ed25519signature2020_tampered_proof_options() -> None:
    issued = ED25519_ISSUER.issue(credential(ED25519_ISSUER.did), "Ed25519Signature2020")
    for name, value in [
        ("created", "2020-01-01T00:00:00Z"),
        ("proofPurpose", "authentication"),
    ]:
        changed = copy.deepcopy(issued)
        changed["proof"][name] = value
        purpose = changed["proof"]["proofPurpose"]
        assert the_code(verify(changed, expected_purpose=purpose)) == "INVALID_SIGNATURE"


def test_ed25519signature2020_bad_proof_values() -> None:
    issued = ED25519_ISSUER.issue(credential(ED25519_ISSUER.did), "Ed25519Signature2020")
    for value in (issued["proof"]["proofValue"][:20], issued["proof"]["proofValue"][1:], "z0OIl"):
        changed = copy.deepcopy(issued)
        changed["proof"]["proofValue"] = value
        assert the_code(verify(changed)) == "INVALID_PROOF_VALUE"


def test_ed25519signature2020_claiming_a_p256_method() -> None:
    issued = ED25519_ISSUER.issue(credential(ED25519_ISSUER.did), "Ed25519Signature2020")
    issued["proof"]["verificationMethod"] = P256_ISSUER.vm
    assert the_code(verify(issued)) == "KEY_TYPE_MISMATCH"


def test_ed25519signature2020_domain_and_challenge() -> None:
    issued = ED25519_ISSUER.issue(
        credential(ED25519_ISSUER.did),
        "Ed25519Signature2020",
        domain="verifier.example.com",
        challenge="c-7f3a",
    )
    assert issued["proof"]["domain"] == "verifier.example.com"
    assert issued["proof"]["challenge"] == "c-7f3a"
    assert ED25519_ISSUER.didkit_verifies(issued, domain="verifier.example.com", challenge="c-7f3a")
    assert verify(issued, domain="verifier.example.com", challenge="c-7f3a").verified
    assert the_code(verify(issued, domain="other.example.com")) == "INVALID_DOMAIN"
    assert the_code(verify(issued, challenge="c-0000")) == "INVALID_CHALLENGE"


def test_didkit_cannot_sign_ed25519signature2020_with_p256() -> None:
    with pytest.raises(didkit.DIDKitException, match="Unsupported algorithm"):
        P256_ISSUER.issue(credential(P256_ISSUER.did), "Ed25519Signature2020")


# --- JsonWebSignature2020 -------------------------------------------------------------------------

JWS_ISSUERS = [ED25519_ISSUER, P256_ISSUER, ED25519_JWK_ISSUER, P256_JWK_ISSUER]
JWS_IDS = ["ed25519-did-key", "p256-did-key", "ed25519-did-jwk", "p256-did-jwk"]
JWS_ALG = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256"}


def jws_header(proof: dict[str, Any]) -> dict[str, Any]:
    encoded = proof["jws"].split(".")[0]
    header: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    )
    return header


@pytest.mark.parametrize("issuer", JWS_ISSUERS, ids=JWS_IDS)
def test_jsonwebsignature2020_context_in_the_document(issuer: Issuer) -> None:
    issued = issuer.issue(credential(issuer.did, JWS_2020), "JsonWebSignature2020")
    proof = issued["proof"]
    assert proof["type"] == "JsonWebSignature2020"
    assert "@context" not in proof
    assert jws_header(proof) == {
        "alg": JWS_ALG[issuer.key.key_type],
        "crit": ["b64"],
        "b64": False,
    }
    assert issuer.didkit_verifies(issued)

    result = verify(issued)
    assert result.verified, result.errors
    assert result.proofs[0].proof_type == "JsonWebSignature2020"
    assert result.proofs[0].controller == issuer.did

    assert not issuer.didkit_verifies(tampered(issued))
    assert the_code(verify(tampered(issued))) == "INVALID_SIGNATURE"


@pytest.mark.parametrize("issuer", JWS_ISSUERS, ids=JWS_IDS)
def test_jsonwebsignature2020_context_in_the_proof(issuer: Issuer) -> None:
    """DIDKit's default output: the jws-2020 context inside the proof.

    The jws-2020 context does not define ``type``/``id`` at its top level (only inside its
    type-scoped contexts), so the proof options cannot be expanded under the proof's @context
    alone; DIDKit (ssi) processes the document's contexts first, then the proof's. vic uses the
    proof's @context alone and fails with UNDEFINED_TERM ('created').
    """
    issued = issuer.issue(credential(issuer.did), "JsonWebSignature2020")
    assert issued["proof"]["@context"] == [JWS_2020]
    assert issuer.didkit_verifies(issued)

    result = verify(issued)
    assert result.verified, result.errors
    assert the_code(verify(tampered(issued))) == "INVALID_SIGNATURE"


def test_jsonwebsignature2020_header_tampering() -> None:
    issuer = P256_ISSUER
    issued = issuer.issue(credential(issuer.did, JWS_2020), "JsonWebSignature2020")
    _, _, signature = issued["proof"]["jws"].split(".")

    def with_header(header: dict[str, Any]) -> dict[str, Any]:
        encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
        changed = copy.deepcopy(issued)
        changed["proof"]["jws"] = f"{encoded}..{signature}"
        return changed

    # another algorithm than the key's: refused before any signature check
    assert the_code(verify(with_header({"alg": "ES384", "b64": False, "crit": ["b64"]}))) == (
        "UNSUPPORTED_ALGORITHM"
    )
    assert the_code(verify(with_header({"alg": "none", "b64": False, "crit": ["b64"]}))) == (
        "UNSUPPORTED_ALGORITHM"
    )
    # an attached-payload (b64: true) JWS is not the JsonWebSignature2020 form
    assert the_code(verify(with_header({"alg": "ES256"}))) == "INVALID_PROOF_VALUE"
    # the header is signed: an equivalent header with other bytes does not verify
    assert the_code(verify(with_header({"b64": False, "crit": ["b64"], "alg": "ES256"}))) == (
        "INVALID_SIGNATURE"
    )


@pytest.mark.parametrize(
    "jws",
    ["", "a.b", "a.b.c", "eyJhbGciOiJFUzI1NiJ9..%%%", "not-base64..sig", "W10..c2ln"],
    ids=["empty", "two-parts", "attached", "bad-signature-b64", "bad-header-b64", "header-list"],
)
def test_jsonwebsignature2020_malformed_jws(jws: str) -> None:
    issued = P256_ISSUER.issue(credential(P256_ISSUER.did, JWS_2020), "JsonWebSignature2020")
    issued["proof"]["jws"] = jws
    assert the_code(verify(issued)) == "INVALID_PROOF_VALUE"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (b"[" * 100_000, "INVALID_PROOF_VALUE"),
        (b'"\\ud800"', "INVALID_PROOF_VALUE"),
        (b"\xff\xfe", "INVALID_PROOF_VALUE"),
        (b"null", "INVALID_PROOF_VALUE"),
        (b'{"alg": 1e999999, "b64": false, "crit": ["b64"]}', "UNSUPPORTED_ALGORITHM"),
    ],
    ids=["deeply-nested", "lone-surrogate", "not-utf8", "null", "huge-number-alg"],
)
def test_jsonwebsignature2020_hostile_header(header: bytes, code: str) -> None:
    """A JWS header that is not a usable JSON object is reported, never raised (a 100k-deep
    array used to escape as RecursionError: fixed in vc/suites/legacy.py)."""
    issued = P256_ISSUER.issue(credential(P256_ISSUER.did, JWS_2020), "JsonWebSignature2020")
    signature = issued["proof"]["jws"].split(".")[2]
    encoded = base64.urlsafe_b64encode(header).rstrip(b"=").decode()
    issued["proof"]["jws"] = f"{encoded}..{signature}"
    assert the_code(verify(issued)) == code


def test_didkit_cannot_sign_p384() -> None:
    key = PrivateKey.generate(KeyType.P384)
    jwk = json.dumps(key.to_jwk())
    with pytest.raises(didkit.DIDKitException):
        didkit.key_to_did("key", jwk)
    did = didkit.key_to_did("jwk", jwk)
    vm = run(didkit.key_to_verification_method, "jwk", jwk)
    options = {"proofPurpose": "assertionMethod", "verificationMethod": vm}
    with pytest.raises(didkit.DIDKitException, match="Unsupported algorithm"):
        run(
            didkit.issue_credential,
            json.dumps(credential(did, JWS_2020)),
            json.dumps({**options, "type": "JsonWebSignature2020"}),
            jwk,
        )


# --- mixed proof sets -----------------------------------------------------------------------------


def test_didkit_proof_plus_a_vic_data_integrity_proof() -> None:
    """vic adds an eddsa-rdfc-2022 proof to a DIDKit-signed VC 1.1 credential: the Data Integrity
    context is appended to the document, which changes no term, so DIDKit's proof still holds."""
    issued = ED25519_ISSUER.issue(
        credential(ED25519_ISSUER.did, ED25519_2020), "Ed25519Signature2020"
    )
    both = add_proof(
        issued,
        key=ED25519_ISSUER.key,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=ED25519_ISSUER.vm,
    )
    assert both["@context"][-1] == "https://w3id.org/security/data-integrity/v2"
    assert [p["type"] for p in both["proof"]] == ["Ed25519Signature2020", "DataIntegrityProof"]
    result = verify(both)
    assert result.verified, result.errors

    broken = tampered(both)
    result = verify(broken)
    assert [p.error.code if p.error else None for p in result.proofs] == [
        "INVALID_SIGNATURE",
        "INVALID_SIGNATURE",
    ]


# --- DIDKit as a verifier of what vic signs -------------------------------------------------------


@pytest.mark.parametrize(
    ("cryptosuite", "issuer"),
    [
        ("eddsa-rdfc-2022", ED25519_ISSUER),
        ("eddsa-jcs-2022", ED25519_ISSUER),
        ("ecdsa-rdfc-2019", P256_ISSUER),
        ("ecdsa-jcs-2019", P256_ISSUER),
    ],
    ids=["eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "ecdsa-jcs-2019"],
)
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_didkit_0_3_3_cannot_verify_data_integrity_proofs(
    cryptosuite: str, issuer: Issuer, version: str
) -> None:
    """DIDKit 0.3.3 predates DataIntegrityProof and VC 2.0: it refuses to parse what vic signs
    (so it is no oracle for vic's suites; Digital Bazaar's libraries are, in tests/interop).
    Should a newer DIDKit verify these, turn this into a positive check."""
    if version == "v1":
        document = credential(issuer.did)
    else:
        document = credential(issuer.did)
        document["@context"][0] = CREDENTIALS_V2
        document["validFrom"] = document.pop("issuanceDate")
        document["validUntil"] = document.pop("expirationDate")
    signed = add_proof(
        document, key=issuer.key, cryptosuite=cryptosuite, verification_method=issuer.vm
    )
    assert verify(signed).verified  # vic's own check
    with pytest.raises(ValueError, match=r"OneOrMany|Invalid context"):
        issuer.didkit_verifies(signed)


def test_the_default_context_policy_refuses_inline_terms() -> None:
    issued = ED25519_ISSUER.issue(credential(ED25519_ISSUER.did), "Ed25519Signature2020")
    assert verify(issued).verified
    result = verify_proofs(issued, resolver=DidResolver())
    assert not result.verified
    assert result.errors[0].code == "INLINE_CONTEXT"
