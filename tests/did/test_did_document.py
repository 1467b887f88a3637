"""DID documents: method types, relative ids, embedded methods, relationships, rejection."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from vic.contexts.errors import InvalidDidError, InvalidKeyError, VerificationMethodError
from vic.did.document import DidDocument
from vic.did.keys import KeyType, PrivateKey
from vic.did.multibase import base58btc_encode, multibase_decode

DID = "did:example:authority"
ED = PrivateKey.generate(KeyType.ED25519).public_key
P256 = PrivateKey.generate(KeyType.P256).public_key
P384 = PrivateKey.generate(KeyType.P384).public_key
ED2 = PrivateKey.generate(KeyType.ED25519).public_key
X25519 = "z" + base58btc_encode(b"\xec\x01" + bytes(range(32)))


def sample() -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": DID,
        "verificationMethod": [
            {
                "id": "#multikey",
                "type": "Multikey",
                "controller": DID,
                "publicKeyMultibase": P256.to_multibase(),
            },
            {
                "id": f"{DID}#jwk",
                "type": "JsonWebKey",
                "controller": DID,
                "publicKeyJwk": P384.to_jwk(),
            },
            {
                "id": "#jwk2020",
                "type": "JsonWebKey2020",
                "controller": DID,
                "publicKeyJwk": ED.to_jwk(),
            },
            {
                "id": "#ed2020",
                "type": "Ed25519VerificationKey2020",
                "controller": DID,
                "publicKeyMultibase": ED2.to_multibase(),
            },
            {
                "id": "#ed2018",
                "type": "Ed25519VerificationKey2018",
                "controller": DID,
                "publicKeyBase58": base58btc_encode(ED2.public_bytes),
            },
            {"id": "#other", "type": "EcdsaSecp256k1VerificationKey2019", "controller": DID},
            {
                "id": "#foreign",
                "type": "Multikey",
                "controller": "did:example:someone-else",
                "publicKeyMultibase": ED.to_multibase(),
            },
        ],
        "assertionMethod": ["#multikey", f"{DID}#jwk", "#ed2020", "#missing", "#foreign"],
        "authentication": [
            "#jwk2020",
            {
                "id": "#embedded",
                "type": "Multikey",
                "controller": DID,
                "publicKeyMultibase": ED2.to_multibase(),
            },
        ],
        "keyAgreement": [
            {"id": "#x25519", "type": "Multikey", "controller": DID, "publicKeyMultibase": X25519}
        ],
        "service": [
            {"id": "#status", "type": "StatusList", "serviceEndpoint": "https://example.com"}
        ],
    }


def test_parses_every_supported_type() -> None:
    document = DidDocument.from_json(sample())
    assert document.id == DID
    expected = {
        "#multikey": ("Multikey", P256),
        "#jwk": ("JsonWebKey", P384),
        "#jwk2020": ("JsonWebKey2020", ED),
        "#ed2020": ("Ed25519VerificationKey2020", ED2),
        "#ed2018": ("Ed25519VerificationKey2018", ED2),
        "#embedded": ("Multikey", ED2),
    }
    for fragment, (method_type, key) in expected.items():
        method = document.method(fragment)
        assert method.id == DID + fragment
        assert method.type == method_type
        assert method.public_key == key
        assert document.method(DID + fragment) == method
    assert [m.id for m in document.verification_methods][:2] == [f"{DID}#multikey", f"{DID}#jwk"]


def test_relationships() -> None:
    document = DidDocument.from_json(sample())
    assert document.authorizes("#multikey", "assertionMethod")
    assert document.authorizes(f"{DID}#jwk", "assertionMethod")
    assert not document.authorizes("#jwk2020", "assertionMethod")
    assert document.authorizes("#embedded", "authentication")
    assert not document.authorizes(
        "#embedded", "assertionMethod"
    )  # embedded: only its relationship
    assert not document.authorizes("#multikey", "capabilityInvocation")
    assert not document.authorizes("#multikey", "no-such-purpose")
    assert [m.id for m in document.methods_for("assertionMethod")] == [
        f"{DID}#multikey",
        f"{DID}#jwk",
        f"{DID}#ed2020",
        f"{DID}#foreign",
    ]
    assert document.methods_for("capabilityDelegation") == ()
    assert document.methods_for("keyAgreement") == ()  # X25519 is not supported
    assert document.methods_for("bogus") == ()


def test_unknown_and_unsupported_methods_are_not_found() -> None:
    document = DidDocument.from_json(sample())
    for fragment in ("#missing", "#nope", "#other", "#x25519", "did:example:other#multikey", ""):
        with pytest.raises(VerificationMethodError) as info:
            document.method(fragment)
        assert info.value.code == "VERIFICATION_METHOD_NOT_FOUND"
    with pytest.raises(VerificationMethodError, match="not support"):
        document.method("#x25519")


def test_to_json_is_a_faithful_copy() -> None:
    source = sample()
    document = DidDocument.from_json(source)
    out = document.to_json()
    assert out == source
    out["id"] = "did:example:changed"
    source["verificationMethod"].clear()
    assert document.to_json() == sample()
    assert DidDocument.from_json(document.to_json()).method("#jwk") == document.method("#jwk")


def _with(**changes: Any) -> dict[str, Any]:
    doc = sample()
    doc.update(changes)
    return doc


def _method(**changes: Any) -> dict[str, Any]:
    method = {
        "id": "#k",
        "type": "Multikey",
        "controller": DID,
        "publicKeyMultibase": P256.to_multibase(),
    }
    method.update(changes)
    return {k: v for k, v in method.items() if v is not None}


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"verificationMethod": []},
        _with(id="not-a-did"),
        _with(id=f"{DID}#frag"),
        _with(id=5),
        _with(verificationMethod={"id": "#k"}),
        _with(verificationMethod=["#k"]),
        _with(verificationMethod=[_method(), _method()]),  # duplicate id
        _with(verificationMethod=[_method()], authentication=[_method()]),  # duplicate id
        _with(verificationMethod=[_method(id=None)]),
        _with(verificationMethod=[_method(id="relative-without-hash")]),
        _with(verificationMethod=[_method(type=None)]),
        _with(verificationMethod=[_method(controller=None)]),
        _with(verificationMethod=[_method(controller="#self")]),
        _with(verificationMethod=[_method(secretKeyMultibase="z123")]),
        _with(verificationMethod=[_method(publicKeyJwk=P256.to_jwk())]),  # two key properties
        _with(
            verificationMethod=[
                _method(
                    type="JsonWebKey2020",
                    publicKeyMultibase=None,
                    publicKeyJwk=dict(P256.to_jwk(), d="AAAA"),
                )
            ]
        ),
        _with(assertionMethod="#multikey"),
        _with(assertionMethod=[5]),
        _with(assertionMethod=["not a reference"]),
        _with(extra={1, 2}),
        _with(
            extra=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
        ),
    ],
)
def test_malformed_documents(doc: Any) -> None:
    with pytest.raises(InvalidDidError):
        DidDocument.from_json(doc)


@pytest.mark.parametrize(
    "method",
    [
        _method(publicKeyMultibase="z" + base58btc_encode(b"\xed\x01\x01" + bytes(31))),  # identity
        _method(publicKeyMultibase=P256.to_multibase()[:-3]),
        _method(
            publicKeyMultibase="z" + base58btc_encode(multibase_decode(P256.to_multibase())[:-1])
        ),
        _method(publicKeyMultibase=None),
        _method(type="Ed25519VerificationKey2020"),  # a P-256 key under an Ed25519 type
        _method(type="JsonWebKey", publicKeyMultibase=None),
        _method(
            type="JsonWebKey", publicKeyMultibase=None, publicKeyJwk=dict(P256.to_jwk(), y="AAAA")
        ),
        _method(type="Ed25519VerificationKey2018", publicKeyMultibase=None, publicKeyBase58="0OIl"),
        _method(type="Ed25519VerificationKey2018", publicKeyMultibase=None),
    ],
)
def test_invalid_keys_in_documents(method: dict[str, Any]) -> None:
    with pytest.raises(InvalidKeyError):
        DidDocument.from_json(_with(verificationMethod=[method]))


def test_input_mapping_is_not_retained() -> None:
    source = sample()
    document = DidDocument.from_json(source)
    source["assertionMethod"].append("#jwk2020")
    assert not document.authorizes("#jwk2020", "assertionMethod")
    assert copy.deepcopy(document.to_json()) == sample()
