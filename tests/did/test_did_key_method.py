"""did:key: spec test vectors, the W3C vectors' verification methods, documents, rejection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vic.contexts.errors import InvalidDidError, InvalidKeyError
from vic.did.key import did_key, did_key_document, did_key_method_id, did_key_public_key
from vic.did.keys import KeyType, PrivateKey, PublicKey
from vic.did.multibase import base58btc_encode

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "w3c"

# did:key specification test vectors (w3c-ccg/did-method-key test-vectors).
SPEC_ED25519 = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"  # seed of 32 zero bytes
SPEC_P256 = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"
SPEC_P256_JWK = {
    "kty": "EC",
    "crv": "P-256",
    "x": "fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI",
    "y": "hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU",
}


def test_spec_vector_ed25519() -> None:
    key = PrivateKey.from_bytes(KeyType.ED25519, bytes(32)).public_key
    assert did_key(key) == SPEC_ED25519
    assert did_key_public_key(SPEC_ED25519) == key
    assert key.to_jwk()["x"] == "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik"


def test_spec_vector_p256() -> None:
    key = PublicKey.from_jwk(SPEC_P256_JWK)
    assert did_key(key) == SPEC_P256
    assert did_key_public_key(SPEC_P256).to_jwk() == SPEC_P256_JWK


@pytest.mark.parametrize(
    ("key_file", "proof_config"),
    [
        (
            "vc-di-eddsa/TestVectors/keyPair.json",
            "vc-di-eddsa/TestVectors/eddsa-rdfc-2022/proofConfigDataInt.json",
        ),
        (
            "vc-di-ecdsa/TestVectors/p256KeyPair.json",
            "vc-di-ecdsa/TestVectors/ecdsa-rdfc-2019-p256/proofConfigECDSAP256.json",
        ),
        (
            "vc-di-ecdsa/TestVectors/p384KeyPair.json",
            "vc-di-ecdsa/TestVectors/ecdsa-rdfc-2019-p384/proofConfigECDSAP384.json",
        ),
    ],
)
def test_vector_keys_give_the_vectors_verification_methods(
    key_file: str, proof_config: str
) -> None:
    pair = json.loads((VECTORS / key_file).read_text())
    key = PublicKey.from_multibase(pair["publicKeyMultibase"])
    method = json.loads((VECTORS / proof_config).read_text())["verificationMethod"]
    assert did_key(key) == "did:key:" + pair["publicKeyMultibase"]
    assert did_key_method_id(key) == method
    document = did_key_document(did_key(key))
    assert document.method(method).public_key == key
    assert document.authorizes(method, "assertionMethod")


@pytest.mark.parametrize("key_type", list(KeyType))
def test_document_shape(key_type: KeyType) -> None:
    key = PrivateKey.generate(key_type).public_key
    did = did_key(key)
    document = did_key_document(did)
    method_id = did_key_method_id(key)
    assert method_id == f"{did}#{did.removeprefix('did:key:')}"
    assert document.id == did
    doc = document.to_json()
    assert doc["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert doc["verificationMethod"] == [
        {
            "id": method_id,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.to_multibase(),
        }
    ]
    for purpose in (
        "assertionMethod",
        "authentication",
        "capabilityInvocation",
        "capabilityDelegation",
    ):
        assert doc[purpose] == [method_id]
        assert document.authorizes(method_id, purpose)
        assert document.methods_for(purpose) == (document.method(method_id),)
    assert "keyAgreement" not in doc
    assert not document.authorizes(method_id, "keyAgreement")


@pytest.mark.parametrize(
    "did",
    [
        "did:key:",
        "did:key:6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",  # no multibase prefix
        "did:key:1:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",  # version form unsupported
        SPEC_ED25519 + "#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",  # a DID URL
        "did:web:example.com",
        "did:KEY:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    ],
)
def test_invalid_did_keys(did: str) -> None:
    with pytest.raises(InvalidDidError):
        did_key_document(did)


def test_weak_and_malformed_keys_in_did_key() -> None:
    identity = "did:key:z" + base58btc_encode(b"\xed\x01\x01" + bytes(31))
    with pytest.raises(InvalidKeyError) as info:
        did_key_document(identity)
    assert info.value.code == "WEAK_KEY"
    x25519 = "did:key:z" + base58btc_encode(b"\xec\x01" + bytes(range(32)))
    with pytest.raises(InvalidKeyError) as info:
        did_key_document(x25519)
    assert info.value.code == "UNSUPPORTED_KEY_TYPE"
    off_curve = "did:key:z" + base58btc_encode(b"\x80\x24\x02" + (1).to_bytes(32, "big"))
    with pytest.raises(InvalidKeyError):
        did_key_document(off_curve)
