"""did:jwk: the spec's P-256 example, round trips, key use, rejection."""

from __future__ import annotations

import json

import pytest

from vic.contexts.errors import InvalidDidError, InvalidKeyError
from vic.did.jwk import did_jwk, did_jwk_document, did_jwk_method_id, did_jwk_public_key
from vic.did.keys import KeyType, PrivateKey, PublicKey
from vic.did.multibase import base64url_encode

# The P-256 example of the did:jwk specification.
SPEC_DID = (
    "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6"
    "OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9"
)
SPEC_JWK = {
    "crv": "P-256",
    "kty": "EC",
    "x": "acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0",
    "y": "_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE",
}


def encode(jwk: object) -> str:
    return "did:jwk:" + base64url_encode(json.dumps(jwk).encode())


def test_spec_example() -> None:
    key = PublicKey.from_jwk(SPEC_JWK)
    assert did_jwk(key) == SPEC_DID
    document = did_jwk_document(SPEC_DID)
    doc = document.to_json()
    assert doc["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/suites/jws-2020/v1",
    ]
    assert doc["verificationMethod"] == [
        {
            "id": SPEC_DID + "#0",
            "type": "JsonWebKey2020",
            "controller": SPEC_DID,
            "publicKeyJwk": SPEC_JWK,
        }
    ]
    for purpose in (
        "assertionMethod",
        "authentication",
        "capabilityInvocation",
        "capabilityDelegation",
        "keyAgreement",
    ):
        assert doc[purpose] == [SPEC_DID + "#0"]
    assert document.method("#0").public_key == key


@pytest.mark.parametrize("key_type", list(KeyType))
def test_round_trip(key_type: KeyType) -> None:
    key = PrivateKey.generate(key_type).public_key
    did = did_jwk(key)
    assert did_jwk_public_key(did) == key
    method = did_jwk_document(did).method(did_jwk_method_id(key))
    assert method.public_key == key
    assert method.type == "JsonWebKey2020"
    assert method.controller == did


def test_key_use_limits_relationships() -> None:
    jwk = PrivateKey.generate(KeyType.P256).public_key.to_jwk()
    signing = did_jwk_document(encode(dict(jwk, use="sig")))
    assert signing.authorizes("#0", "assertionMethod")
    assert not signing.authorizes("#0", "keyAgreement")
    encrypting = did_jwk_document(encode(dict(jwk, use="enc")))
    assert encrypting.authorizes("#0", "keyAgreement")
    assert not encrypting.authorizes("#0", "assertionMethod")


def test_rejections() -> None:
    private = PrivateKey.generate(KeyType.ED25519)
    with pytest.raises(InvalidDidError, match="private"):
        did_jwk_document(encode(private.to_jwk()))
    for bad in (
        "did:jwk:!!",
        "did:jwk:" + base64url_encode(b"[1]"),
        "did:jwk:" + base64url_encode(b"\xff"),
        encode("x"),
    ):
        with pytest.raises(InvalidDidError):
            did_jwk_document(bad)
    with pytest.raises(InvalidDidError):
        did_jwk_document(did_jwk(private.public_key) + "#0")
    with pytest.raises(InvalidDidError):
        did_jwk_public_key("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp")
    weak = {"kty": "OKP", "crv": "Ed25519", "x": base64url_encode(bytes([1]) + bytes(31))}
    with pytest.raises(InvalidKeyError) as info:
        did_jwk_document(encode(weak))
    assert info.value.code == "WEAK_KEY"
    with pytest.raises(InvalidKeyError) as info:
        did_jwk_document(encode({"kty": "OKP", "crv": "X25519", "x": "A" * 43}))
    assert info.value.code == "UNSUPPORTED_KEY_TYPE"
