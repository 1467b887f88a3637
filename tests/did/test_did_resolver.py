"""The resolver: offline methods, pinned documents, purposes, controllers, the fetch hook."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from typing import Any

import pytest

from vic.contexts.errors import (
    DidResolutionError,
    InvalidDidError,
    InvalidKeyError,
    VerificationMethodError,
)
from vic.did.document import DidDocument
from vic.did.jwk import did_jwk, did_jwk_method_id
from vic.did.key import did_key, did_key_method_id
from vic.did.keys import KeyType, PrivateKey
from vic.did.multibase import base58btc_encode
from vic.did.resolver import MAX_DID_DOCUMENT_SIZE, DidResolver, Resolver
from vic.did.web import build_did_web_document

KEY = PrivateKey.generate(KeyType.P256)
WEB = "did:web:vic.example.cn"
WEB_DOC = build_did_web_document(WEB, [("key-1", KEY.public_key)])


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and refuse) any attempt to open a connection or resolve a host name."""
    attempts: list[str] = []

    def refuse(name: str) -> Any:
        def blocked(*args: Any, **kwargs: Any) -> Any:
            attempts.append(name)
            raise AssertionError(f"network access attempted: {name}")

        return blocked

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    return attempts


def test_is_a_resolver() -> None:
    assert isinstance(DidResolver(), Resolver)


@pytest.mark.parametrize("key_type", list(KeyType))
def test_did_key_and_did_jwk_resolve_offline(key_type: KeyType, no_network: list[str]) -> None:
    key = PrivateKey.generate(key_type).public_key
    resolver = DidResolver()
    assert resolver.resolve(did_key(key)).id == did_key(key)
    assert resolver.resolve_method(did_key_method_id(key), "assertionMethod").public_key == key
    assert resolver.resolve_method(did_jwk_method_id(key), "assertionMethod").public_key == key
    assert resolver.resolve_method(did_jwk_method_id(key), "authentication").public_key == key
    assert resolver.resolve(did_jwk(key)).id == did_jwk(key)
    assert no_network == []


def test_pinned_did_web(no_network: list[str]) -> None:
    resolver = DidResolver({WEB: WEB_DOC})
    method = resolver.resolve_method(f"{WEB}#key-1", "assertionMethod")
    assert method.public_key == KEY.public_key
    assert method.controller == WEB
    assert resolver.resolve(WEB).to_json() == WEB_DOC
    assert list(resolver.pinned) == [WEB]
    as_object = DidResolver({WEB: DidDocument.from_json(WEB_DOC)})
    assert as_object.resolve(WEB).method("#key-1") == method
    assert no_network == []


def test_pinned_documents_win_and_any_method_can_be_pinned() -> None:
    other = PrivateKey.generate(KeyType.ED25519).public_key
    did = "did:example:pinned"
    doc = build_did_web_document(WEB, [("k", other)])
    doc = json.loads(json.dumps(doc).replace(WEB, did))
    resolver = DidResolver({did: doc})
    assert resolver.resolve_method(f"{did}#k", "assertionMethod").public_key == other


def test_unauthorized_purpose() -> None:
    resolver = DidResolver({WEB: WEB_DOC})
    for did_url, purpose in (
        (f"{WEB}#key-1", "authentication"),
        (f"{WEB}#key-1", "capabilityInvocation"),
        (did_key_method_id(KEY.public_key), "keyAgreement"),
        (did_key_method_id(KEY.public_key), "unknownPurpose"),
    ):
        with pytest.raises(VerificationMethodError) as info:
            resolver.resolve_method(did_url, purpose)
        assert info.value.code == "VERIFICATION_METHOD_NOT_AUTHORIZED"


def test_unknown_fragment() -> None:
    resolver = DidResolver({WEB: WEB_DOC})
    for did_url in (f"{WEB}#key-9", did_key(KEY.public_key) + "#nope", WEB):
        with pytest.raises(VerificationMethodError) as info:
            resolver.resolve_method(did_url, "assertionMethod")
        assert info.value.code == "VERIFICATION_METHOD_NOT_FOUND"


def test_controller_must_be_the_did() -> None:
    doc = json.loads(json.dumps(WEB_DOC))
    doc["verificationMethod"][0]["controller"] = "did:web:attacker.example"
    resolver = DidResolver({WEB: doc})
    with pytest.raises(VerificationMethodError) as info:
        resolver.resolve_method(f"{WEB}#key-1", "assertionMethod")
    assert info.value.code == "VERIFICATION_METHOD_NOT_AUTHORIZED"
    assert "controlled by" in info.value.message


def test_unsupported_method(no_network: list[str]) -> None:
    with pytest.raises(DidResolutionError) as info:
        DidResolver().resolve("did:foo:bar")
    assert info.value.code == "UNSUPPORTED_DID_METHOD"
    with pytest.raises(DidResolutionError) as info:
        DidResolver().resolve_method("did:foo:bar#k", "assertionMethod")
    assert info.value.code == "UNSUPPORTED_DID_METHOD"
    assert no_network == []


def test_unpinned_did_web_without_fetcher_is_not_found_offline(no_network: list[str]) -> None:
    with pytest.raises(DidResolutionError) as info:
        DidResolver().resolve("did:web:vic.example.cn")
    assert info.value.code == "DID_NOT_FOUND"
    with pytest.raises(DidResolutionError) as info:
        DidResolver({WEB: WEB_DOC}).resolve_method("did:web:other.example#key-1", "assertionMethod")
    assert info.value.code == "DID_NOT_FOUND"
    assert no_network == []


@pytest.mark.parametrize("value", ["not-a-did", f"{WEB}#key-1", "did:web:", "DID:web:x"])
def test_resolve_needs_a_did(value: str) -> None:
    with pytest.raises(InvalidDidError):
        DidResolver().resolve(value)


def test_bad_pins() -> None:
    with pytest.raises(InvalidDidError):
        DidResolver({"did:web:other.example": WEB_DOC})
    with pytest.raises(InvalidDidError):
        DidResolver({"not-a-did": WEB_DOC})
    weak = json.loads(json.dumps(WEB_DOC))
    weak["verificationMethod"][0]["publicKeyMultibase"] = "z" + base58btc_encode(
        b"\xed\x01" + bytes(32)
    )
    with pytest.raises(InvalidKeyError):
        DidResolver({WEB: weak})


def test_weak_did_key_is_rejected_on_resolution() -> None:
    with pytest.raises(InvalidKeyError):
        DidResolver().resolve("did:key:z" + base58btc_encode(b"\xed\x01\x01" + bytes(31)))


class Fetcher:
    def __init__(self, body: bytes | Exception) -> None:
        self.body = body
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        if isinstance(self.body, Exception):
            raise self.body
        return self.body


def test_fetch_hook_is_called_with_the_did_json_url(no_network: list[str]) -> None:
    fetch = Fetcher(json.dumps(WEB_DOC).encode())
    resolver = DidResolver(fetch=fetch)
    assert resolver.resolve_method(f"{WEB}#key-1", "assertionMethod").public_key == KEY.public_key
    assert fetch.urls == ["https://vic.example.cn/.well-known/did.json"]
    pinned = Fetcher(b"")
    assert DidResolver({WEB: WEB_DOC}, fetch=pinned).resolve(WEB).id == WEB
    assert pinned.urls == []  # pinned documents are never fetched
    key_fetch = Fetcher(b"")
    DidResolver(fetch=key_fetch).resolve(did_key(KEY.public_key))
    assert key_fetch.urls == []
    assert no_network == []


@pytest.mark.parametrize(
    ("body", "error", "code"),
    [
        (b" " * (MAX_DID_DOCUMENT_SIZE + 1), DidResolutionError, "DID_NOT_FOUND"),
        (OSError("connection refused"), DidResolutionError, "DID_NOT_FOUND"),
        (b"not json", InvalidDidError, "INVALID_DID"),
        (b"\xff\xfe", InvalidDidError, "INVALID_DID"),
        (b"[]", InvalidDidError, "INVALID_DID"),
        (b"[" * 60_000, InvalidDidError, "INVALID_DID"),
        (
            json.dumps(WEB_DOC).replace(WEB, "did:web:attacker.example").encode(),
            InvalidDidError,
            "INVALID_DID",
        ),
        (
            b'{"id": "did:web:vic.example.cn", "id": "did:web:attacker.example"}',
            InvalidDidError,
            "INVALID_DID",
        ),
    ],
)
def test_fetch_failures(body: bytes | Exception, error: type[Exception], code: str) -> None:
    with pytest.raises(error) as info:
        DidResolver(fetch=Fetcher(body)).resolve(WEB)
    assert getattr(info.value, "code", None) == code


# --- offline answers kept per resolver (bounded, keyed, failures never kept) --------------------


def test_offline_answers_are_kept_and_keyed_by_the_exact_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from vic.did import resolver as resolver_module

    calls: list[str] = []
    real = resolver_module._did_key_document

    def counting(did: str) -> DidDocument:
        calls.append(did)
        return real(did)

    monkeypatch.setattr(resolver_module, "_did_key_document", counting)
    resolver = DidResolver({WEB: WEB_DOC})
    other = PrivateKey.generate(KeyType.ED25519).public_key
    first = resolver.resolve_method(did_key_method_id(KEY.public_key), "assertionMethod")
    for _ in range(3):
        again = resolver.resolve_method(did_key_method_id(KEY.public_key), "assertionMethod")
        assert again is first
    assert calls == [did_key(KEY.public_key)]
    # another key, another purpose, another DID: each its own answer, never a neighbour's
    assert resolver.resolve_method(did_key_method_id(other), "assertionMethod").public_key == other
    with pytest.raises(VerificationMethodError):
        resolver.resolve_method(did_key_method_id(KEY.public_key), "keyAgreement")
    assert resolver.resolve_method(f"{WEB}#key-1", "assertionMethod").controller == WEB
    assert resolver.resolve(did_key(other)).id == did_key(other)


def test_failures_are_not_kept() -> None:
    resolver = DidResolver()
    bad = did_key(KEY.public_key) + "#nope"
    for _ in range(2):
        with pytest.raises(VerificationMethodError):
            resolver.resolve_method(bad, "assertionMethod")
    assert len(resolver._answers) == 1  # the DID document only, not the failed method


def test_fetched_documents_are_not_kept(no_network: list[str]) -> None:
    fetch = Fetcher(json.dumps(WEB_DOC).encode())
    resolver = DidResolver(fetch=fetch)
    for _ in range(3):
        assert resolver.resolve_method(f"{WEB}#key-1", "assertionMethod").controller == WEB
    assert len(fetch.urls) == 3  # a did:web may change: asked every time (its fetcher caches)
    assert len(resolver._answers) == 0


def test_offline_answers_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from vic.did import resolver as resolver_module

    monkeypatch.setattr(resolver_module, "MAX_OFFLINE_ANSWERS", 4)
    resolver = DidResolver()
    keys = [PrivateKey.generate(KeyType.ED25519).public_key for _ in range(6)]
    for key in keys:
        assert resolver.resolve_method(did_key_method_id(key), "assertionMethod").public_key == key
        assert len(resolver._answers) <= 4
    for key in keys:  # evicted answers are computed again, and are the same
        assert resolver.resolve_method(did_key_method_id(key), "assertionMethod").public_key == key


def test_a_retired_moment_is_an_xsd_datetime_with_four_year_digits() -> None:
    key = PrivateKey.generate(KeyType.P256).public_key
    document = build_did_web_document(
        "did:web:jtgl.example.cn",
        [("key-1", key)],
        retired={"key-1": datetime(999, 3, 4, 5, 6, 7, 890, tzinfo=UTC)},
    )
    assert document["verificationMethod"][0]["retired"] == "0999-03-04T05:06:07Z"
