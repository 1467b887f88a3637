"""did:web: DIDs and URLs, and the authority's document with key rotation."""

from __future__ import annotations

import pytest

from vic.contexts.errors import InvalidDidError, VerificationMethodError
from vic.did.document import DidDocument
from vic.did.keys import KeyType, PrivateKey
from vic.did.resolver import DidResolver
from vic.did.web import build_did_web_document, did_web, did_web_method_id, did_web_url


@pytest.mark.parametrize(
    ("host", "path", "did", "url"),
    [
        ("example.com", (), "did:web:example.com", "https://example.com/.well-known/did.json"),
        (
            "w3c-ccg.github.io",
            ("user", "alice"),
            "did:web:w3c-ccg.github.io:user:alice",
            "https://w3c-ccg.github.io/user/alice/did.json",
        ),
        (
            "example.com:3000",
            (),
            "did:web:example.com%3A3000",
            "https://example.com:3000/.well-known/did.json",
        ),
        (
            "Issuer.Example.COM:8443",
            ["authorities", "hubei"],
            "did:web:issuer.example.com%3A8443:authorities:hubei",
            "https://issuer.example.com:8443/authorities/hubei/did.json",
        ),
        (
            "localhost",
            ["a b~c"],
            "did:web:localhost:a%20b%7Ec",
            "https://localhost/a%20b%7Ec/did.json",
        ),
    ],
)
def test_did_web_and_url(host: str, path: tuple[str, ...], did: str, url: str) -> None:
    assert did_web(host, path) == did
    assert did_web_url(did) == url


def test_url_of_lowercase_percent_port() -> None:
    assert (
        did_web_url("did:web:example.com%3a8080") == "https://example.com:8080/.well-known/did.json"
    )


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("example.com/evil", ()),
        ("user@example.com", ()),
        ("example.com:0", ()),
        ("example.com:70000", ()),
        ("-bad.example.com", ()),
        ("", ()),
        ("例子.中国", ()),
        ("example.com", ("..",)),
        ("example.com", ("",)),
        ("example.com", ("a/b",)),
        ("example.com", "issuers"),
    ],
)
def test_bad_did_web_inputs(host: str, path: tuple[str, ...]) -> None:
    with pytest.raises(InvalidDidError):
        did_web(host, path)


@pytest.mark.parametrize(
    "did",
    [
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "did:web:example.com%2Fevil",
        "did:web:example.com%40x",
        "did:web:example.com::a",
        "did:web:example.com:%2E%2E",
        "did:web:example.com#key-1",
        "did:web:example.com%3A99999",
    ],
)
def test_bad_did_web_urls(did: str) -> None:
    with pytest.raises(InvalidDidError):
        did_web_url(did)


def test_method_ids() -> None:
    did = "did:web:example.com"
    assert did_web_method_id(did, "key-1") == "did:web:example.com#key-1"
    assert did_web_method_id(did, "#key-1") == "did:web:example.com#key-1"
    assert did_web_method_id(did, "did:web:example.com#key-1") == "did:web:example.com#key-1"
    for bad in ("did:web:other.com#key-1", "did:web:example.com", "", "#", "a b"):
        with pytest.raises(InvalidDidError):
            did_web_method_id(did, bad)


DID = "did:web:vic.example.cn"


def test_rotation_keeps_old_marks_verifiable() -> None:
    old, new = PrivateKey.generate(KeyType.P256), PrivateKey.generate(KeyType.P256)
    doc = build_did_web_document(DID, [("key-2024", old.public_key), ("#key-2025", new.public_key)])
    assert doc["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert [m["id"] for m in doc["verificationMethod"]] == [f"{DID}#key-2024", f"{DID}#key-2025"]
    assert all(
        m["type"] == "Multikey" and m["controller"] == DID for m in doc["verificationMethod"]
    )
    assert doc["assertionMethod"] == [f"{DID}#key-2024", f"{DID}#key-2025"]
    resolver = DidResolver({DID: doc})
    old_mark = old.sign(b"a mark signed before the rotation")
    new_mark = new.sign(b"a mark signed after the rotation")
    old_method = resolver.resolve_method(f"{DID}#key-2024", "assertionMethod")
    new_method = resolver.resolve_method(f"{DID}#key-2025", "assertionMethod")
    assert old_method.public_key.verify(old_mark, b"a mark signed before the rotation")
    assert new_method.public_key.verify(new_mark, b"a mark signed after the rotation")
    assert not new_method.public_key.verify(old_mark, b"a mark signed before the rotation")


def test_compromised_key_dropped_from_assertion() -> None:
    bad, good = PrivateKey.generate(KeyType.P256), PrivateKey.generate(KeyType.ED25519)
    doc = build_did_web_document(
        DID, [("key-1", bad.public_key), ("key-2", good.public_key)], assertion=["key-2"]
    )
    assert doc["assertionMethod"] == [f"{DID}#key-2"]
    resolver = DidResolver({DID: doc})
    with pytest.raises(VerificationMethodError) as info:
        resolver.resolve_method(f"{DID}#key-1", "assertionMethod")
    assert info.value.code == "VERIFICATION_METHOD_NOT_AUTHORIZED"
    assert resolver.resolve_method(f"{DID}#key-2", "assertionMethod").public_key == good.public_key


def test_document_with_a_path_did_parses() -> None:
    did = did_web("issuer.example.com", ["authorities", "hubei"])
    key = PrivateKey.generate(KeyType.P384).public_key
    document = DidDocument.from_json(build_did_web_document(did, [("k", key)]))
    assert document.methods_for("assertionMethod")[0].public_key == key


def test_bad_documents() -> None:
    key = PrivateKey.generate(KeyType.P256).public_key
    with pytest.raises(InvalidDidError):
        build_did_web_document(DID, [])
    with pytest.raises(InvalidDidError):
        build_did_web_document(DID, [("k", key), ("#k", key)])
    with pytest.raises(InvalidDidError):
        build_did_web_document(DID, [("k", key)], assertion=["other"])
    with pytest.raises(InvalidDidError):
        build_did_web_document(
            "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", [("k", key)]
        )
    with pytest.raises(InvalidDidError):
        build_did_web_document(DID, [("k", "zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169")])  # type: ignore[list-item]
