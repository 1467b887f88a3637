"""Key documents and key files: Multikey and JWK forms, vector files, 0600 atomic writes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from vic.contexts.errors import InvalidJsonError, InvalidKeyError
from vic.did.keyfile import (
    MAX_KEY_FILE_SIZE,
    KeyMaterial,
    key_document,
    public_key_document,
    read_key_document,
    read_key_file,
    write_key_file,
)
from vic.did.keys import KeyType, PrivateKey

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "w3c"
KEY_FILES = [
    VECTORS / "vc-di-eddsa/TestVectors/keyPair.json",
    VECTORS / "vc-di-ecdsa/TestVectors/p256KeyPair.json",
    VECTORS / "vc-di-ecdsa/TestVectors/p384KeyPair.json",
]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("path", KEY_FILES, ids=lambda p: p.name)
def test_vector_key_files_load(path: Path) -> None:
    material = read_key_file(path)
    raw = json.loads(path.read_text("utf-8"))
    assert material.private_key is not None
    assert material.private_key.public_key == material.public_key
    assert material.public_key.to_multibase() == raw["publicKeyMultibase"]
    assert material.id is None
    assert material.controller is None


def test_multi_key_pairs_vector_loads() -> None:
    pairs = json.loads(
        (VECTORS / "vc-di-eddsa/TestVectors/proof-set-chain/multiKeyPairs.json").read_text()
    )
    assert len(pairs) == 4
    for pair in pairs.values():
        material = read_key_document(pair)
        assert material.private_key is not None
        assert material.public_key.to_multibase() == pair["publicKeyMultibase"]


@pytest.mark.parametrize("key_type", list(KeyType))
def test_key_file_round_trip_with_mode_0600(tmp_path: Path, key_type: KeyType) -> None:
    private = PrivateKey.generate(key_type)
    path = tmp_path / f"{key_type.value}.json"
    old_umask = os.umask(0)  # even with a permissive umask the file is private
    try:
        write_key_file(path, private, id="did:example:1#k1", controller="did:example:1")
    finally:
        os.umask(old_umask)
    assert mode(path) == 0o600
    material = read_key_file(path)
    assert material == KeyMaterial(private, private.public_key, "did:example:1#k1", "did:example:1")
    doc = json.loads(path.read_text("utf-8"))
    assert doc["type"] == "Multikey"
    assert doc["@context"] == "https://w3id.org/security/multikey/v1"
    assert doc["secretKeyMultibase"] == private.to_multibase()
    assert sorted(os.listdir(tmp_path)) == [path.name]  # no temporary file left


def test_write_refuses_to_clobber_unless_asked(tmp_path: Path) -> None:
    first, second = PrivateKey.generate(KeyType.P256), PrivateKey.generate(KeyType.P256)
    path = tmp_path / "key.json"
    write_key_file(path, first)
    with pytest.raises(FileExistsError):
        write_key_file(path, second)
    assert read_key_file(path).private_key == first
    write_key_file(str(path), second, overwrite=True)
    assert read_key_file(path).private_key == second
    assert mode(path) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["key.json"]


def test_write_into_missing_directory_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_key_file(tmp_path / "missing" / "key.json", PrivateKey.generate(KeyType.ED25519))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("key_type", list(KeyType))
def test_jwk_documents(key_type: KeyType) -> None:
    private = PrivateKey.generate(key_type)
    material = read_key_document(dict(private.to_jwk(), kid="did:example:1#k"))
    assert material.private_key == private
    assert material.id == "did:example:1#k"
    public_only = read_key_document(private.public_key.to_jwk())
    assert public_only.private_key is None
    assert public_only.public_key == private.public_key
    pair = read_key_document(
        {
            "id": "did:example:1#k",
            "type": "JsonWebKey2020",
            "controller": "did:example:1",
            "publicKeyJwk": private.public_key.to_jwk(),
            "privateKeyJwk": private.to_jwk(),
        }
    )
    assert pair == KeyMaterial(private, private.public_key, "did:example:1#k", "did:example:1")


def test_public_and_private_documents() -> None:
    private = PrivateKey.generate(KeyType.ED25519)
    public_doc = public_key_document(private, id="did:example:1#k", controller="did:example:1")
    assert "secretKeyMultibase" not in public_doc
    assert public_doc == public_key_document(
        private.public_key, id="did:example:1#k", controller="did:example:1"
    )
    material = read_key_document(public_doc)
    assert material.private_key is None
    assert material.public_key == private.public_key
    doc = key_document(private)
    assert set(doc) == {"@context", "type", "publicKeyMultibase", "secretKeyMultibase"}
    assert read_key_document(doc).private_key == private
    secret_only = {"secretKeyMultibase": private.to_multibase()}
    assert read_key_document(secret_only).public_key == private.public_key


def _mismatched() -> dict[str, Any]:
    a, b = PrivateKey.generate(KeyType.P256), PrivateKey.generate(KeyType.P256)
    return {
        "publicKeyMultibase": a.public_key.to_multibase(),
        "secretKeyMultibase": b.to_multibase(),
    }


@pytest.mark.parametrize(
    "doc",
    [
        _mismatched(),
        {"type": "Multikey"},
        {"id": "did:example:1#k"},
        [],
        {
            "type": "RsaVerificationKey2018",
            "publicKeyMultibase": "zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
        },
        {"publicKeyMultibase": 5},
        {"publicKeyMultibase": "zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169", "id": 3},
        {
            "publicKeyMultibase": "zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
            "publicKeyJwk": {"kty": "EC"},
        },
        {"publicKeyJwk": "not an object"},
        {
            "secretKeyMultibase": "z42twTcNeSYcnqg1FLuSFs2bsGH3ZqbRHFmvS9XMsYhjxvHN",
            "privateKeyMultibase": "z",
        },
    ],
)
def test_bad_key_documents(doc: Any) -> None:
    with pytest.raises(InvalidKeyError):
        read_key_document(doc)


def test_mismatched_jwk_pair_rejected() -> None:
    a, b = PrivateKey.generate(KeyType.ED25519), PrivateKey.generate(KeyType.ED25519)
    with pytest.raises(InvalidKeyError, match="does not match"):
        read_key_document({"publicKeyJwk": a.public_key.to_jwk(), "privateKeyJwk": b.to_jwk()})


@pytest.mark.parametrize("content", [b"not json", b"[1, 2]", b"\xff\xfe", b"{" * 100_000])
def test_bad_key_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InvalidJsonError):
        read_key_file(path)


def test_oversized_key_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (MAX_KEY_FILE_SIZE + 1) + b"{}")
    with pytest.raises(InvalidJsonError, match="larger"):
        read_key_file(path)


def test_missing_key_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_key_file(tmp_path / "nope.json")
