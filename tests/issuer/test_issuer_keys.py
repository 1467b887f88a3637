"""The authority's did:web, key files at rest (0600, encrypted), rotation, external signers and
the CBOR-LD registry entry."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tests.issuer.helpers import (
    ADMIN,
    DID,
    OFFICE,
    STATION,
    STATION_CODE,
    Backend,
    Clock,
    assert_verifies,
    config,
    make_vin,
    registration,
    resolver,
)
from vic.contexts.errors import InvalidKeyError, PermissionDeniedError, UsageError
from vic.did.keys import KeyType, PrivateKey
from vic.issuer.config import IssuerConfig
from vic.issuer.domain import InspectionReport
from vic.issuer.engine import Issuer
from vic.issuer.keys import PASSPHRASE_ENV, Signer, decrypt_key_document, encrypt_key_document
from vic.vc.cborld.registry import RegistryEntry, bundled_entry
from vic.vc.proofs import verify_proofs
from vic.vc.status import StatusPurpose


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("base", "did"),
    [
        ("https://demo.vic.example", "did:web:demo.vic.example"),
        ("https://vic.example.cn:8443", "did:web:vic.example.cn%3A8443"),
        ("https://vic.example.cn/authorities/hubei", "did:web:vic.example.cn:authorities:hubei"),
    ],
)
def test_the_did_comes_from_the_public_base_url(tmp_path: Path, base: str, did: str) -> None:
    configured = IssuerConfig(data_dir=tmp_path, public_base_url=base)
    assert configured.did == did
    assert configured.status_base == f"{base}/status"


@pytest.mark.parametrize("base", ["ftp://x.example", "https://x.example/", "demo.vic.example"])
def test_a_bad_public_base_url_is_refused(tmp_path: Path, base: str) -> None:
    with pytest.raises(UsageError):
        IssuerConfig(data_dir=tmp_path, public_base_url=base)


def test_the_first_key_is_a_0600_file(issuer: Issuer) -> None:
    keys_dir = issuer.config.keys_dir
    key_file = keys_dir / "key-1.json"
    assert mode(key_file) == 0o600
    assert mode(keys_dir) == 0o700
    document = json.loads(key_file.read_text())
    assert document["type"] == "Multikey"
    assert document["id"] == f"{DID}#key-1"
    assert "secretKeyMultibase" in document  # no passphrase: plain Multikey
    did_document = issuer.did_document()
    assert did_document["id"] == DID
    assert [m["id"] for m in did_document["verificationMethod"]] == [f"{DID}#key-1"]
    assert did_document["assertionMethod"] == [f"{DID}#key-1"]
    assert (
        did_document["verificationMethod"][0]["publicKeyMultibase"]
        == (document["publicKeyMultibase"])
    )


def test_keys_are_encrypted_at_rest_with_a_passphrase(
    tmp_path: Path, database: Backend, clock: Clock
) -> None:
    settings = config(tmp_path, database, clock, key_passphrase="correct horse battery staple")
    with Issuer.open(settings) as issuer:
        mark = issuer.register_vehicle(OFFICE, registration(1)).credential
    key_file = tmp_path / "keys" / "key-1.json"
    assert mode(key_file) == 0o600
    envelope = json.loads(key_file.read_text())
    assert envelope["type"] == "VicEncryptedKey"
    assert envelope["cipher"] == "AES-256-GCM"
    assert envelope["kdf"]["name"] == "scrypt"
    assert "secretKeyMultibase" not in envelope
    assert "secret" not in key_file.read_text().lower()
    # reopened with the passphrase: signs again with the same key
    with Issuer.open(settings) as issuer:
        assert_verifies(issuer, mark, clock)
        issuer.register_vehicle(OFFICE, registration(2))
    for passphrase, code in [("wrong", "KEY_DECRYPTION_FAILED"), ("", "KEY_PASSPHRASE_REQUIRED")]:
        with pytest.raises(InvalidKeyError) as caught:
            Issuer.open(config(tmp_path, database, clock, key_passphrase=passphrase))
        assert caught.value.code == code


def test_the_passphrase_comes_from_the_environment(
    tmp_path: Path, database: Backend, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "from the environment")
    Issuer.open(config(tmp_path, database, clock)).close()
    envelope = json.loads((tmp_path / "keys" / "key-1.json").read_text())
    assert envelope["type"] == "VicEncryptedKey"
    monkeypatch.delenv(PASSPHRASE_ENV)
    with pytest.raises(InvalidKeyError) as caught:
        Issuer.open(config(tmp_path, database, clock))
    assert caught.value.code == "KEY_PASSPHRASE_REQUIRED"
    monkeypatch.setenv(PASSPHRASE_ENV, "not it")
    with pytest.raises(InvalidKeyError) as wrong:
        Issuer.open(config(tmp_path, database, clock))
    assert wrong.value.code == "KEY_DECRYPTION_FAILED"


def test_a_key_file_others_can_read_is_refused(
    tmp_path: Path, database: Backend, clock: Clock
) -> None:
    Issuer.open(config(tmp_path, database, clock)).close()
    key_file = tmp_path / "keys" / "key-1.json"
    os.chmod(key_file, 0o644)
    with pytest.raises(InvalidKeyError) as caught:
        Issuer.open(config(tmp_path, database, clock))
    assert caught.value.code == "KEY_FILE_PERMISSIONS"


def test_a_tampered_envelope_does_not_decrypt() -> None:
    key = PrivateKey.generate(KeyType.P256)
    envelope = encrypt_key_document(key, method_id=f"{DID}#key-1", passphrase="pw", scrypt_n=2**10)
    assert decrypt_key_document(envelope, passphrase="pw") == key
    swapped = dict(envelope, id=f"{DID}#key-2")  # the id is bound as associated data
    with pytest.raises(InvalidKeyError) as caught:
        decrypt_key_document(swapped, passphrase="pw")
    assert caught.value.code == "KEY_DECRYPTION_FAILED"


def test_rotation_keeps_old_marks_verifiable(issuer: Issuer, clock: Clock) -> None:
    old = issuer.register_vehicle(OFFICE, registration(10))
    info = issuer.rotate_key(ADMIN)
    assert info.method_id == f"{DID}#key-2"
    assert info.retired_at is None
    new = issuer.register_vehicle(OFFICE, registration(11))
    assert new.credential["proof"]["verificationMethod"] == f"{DID}#key-2"
    assert new.method_id == f"{DID}#key-2"
    document = issuer.did_document()
    assert [m["id"] for m in document["verificationMethod"]] == [f"{DID}#key-1", f"{DID}#key-2"]
    assert document["assertionMethod"] == [f"{DID}#key-1", f"{DID}#key-2"]
    # the old mark verifies against the new document
    assert verify_proofs(old.credential, resolver=resolver(issuer), clock=clock).verified
    assert_verifies(issuer, new.credential, clock)
    old_key, new_key = issuer.keys()
    assert old_key.retired_at is not None
    assert new_key.retired_at is None
    assert issuer.current_method_id() == f"{DID}#key-2"
    # the retired private key is destroyed: it signs nothing new (see test_key_retirement.py)
    keys_dir = issuer.config.keys_dir
    assert not (keys_dir / "key-1.json").exists()
    assert not (keys_dir / "retired" / "key-1.json").exists()
    assert mode(keys_dir / "key-2.json") == 0o600
    # status lists are signed with the new key too
    published = issuer.status_list(StatusPurpose.REVOCATION, 0)
    assert published.credential["proof"]["verificationMethod"] == f"{DID}#key-2"
    assert_verifies(issuer, published.credential, clock)


def test_rotation_survives_a_reopen(tmp_path: Path, database: Backend, clock: Clock) -> None:
    with Issuer.open(config(tmp_path, database, clock)) as issuer:
        issuer.rotate_key(ADMIN)
        issuer.rotate_key(ADMIN)
    with Issuer.open(config(tmp_path, database, clock)) as issuer:
        mark = issuer.register_vehicle(OFFICE, registration(12))
        assert mark.method_id == f"{DID}#key-3"
        assert len(issuer.did_document()["assertionMethod"]) == 3


def test_only_an_administrator_rotates(issuer: Issuer) -> None:
    with pytest.raises(PermissionDeniedError):
        issuer.rotate_key(OFFICE)


@dataclass
class CountingSigner:
    """An HSM stand-in: a Signer that is not a PrivateKey (only method_id, key_type, sign)."""

    method_id: str
    key: PrivateKey
    calls: int = 0

    @property
    def key_type(self) -> KeyType:
        return self.key.key_type

    def sign(self, data: bytes) -> bytes:
        self.calls += 1
        return self.key.sign(data)


def test_an_external_signer_signs(tmp_path: Path, database: Backend, clock: Clock) -> None:
    hsm_key = PrivateKey.generate(KeyType.P256)
    signer = CountingSigner(f"{DID}#hsm-2026", hsm_key)
    assert isinstance(signer, Signer)
    with pytest.raises(UsageError):
        Issuer.open(config(tmp_path, database, clock), signer=signer)
    with Issuer.open(
        config(tmp_path, database, clock), signer=signer, signer_public_key=hsm_key.public_key
    ) as issuer:
        issuer.add_station(ADMIN, STATION_CODE, "站")
        mark = issuer.register_vehicle(OFFICE, registration(20))
        assert mark.credential["proof"]["verificationMethod"] == f"{DID}#hsm-2026"
        assert signer.calls == 1
        assert_verifies(issuer, mark.credential, clock)
        (only,) = issuer.keys()
        assert only.external
        assert not (tmp_path / "keys" / "key-1.json").exists()
    # reopened with the same signer, no public key needed
    with Issuer.open(config(tmp_path, database, clock), signer=signer) as issuer:
        issuer.report_inspection(
            STATION,
            InspectionReport(STATION_CODE, "R-1", make_vin(20), date(2026, 11, 24), True),
        )
        assert signer.calls == 2


def test_the_registry_entry_grows_append_only(
    tmp_path: Path, database: Backend, clock: Clock
) -> None:
    with Issuer.open(config(tmp_path, database, clock, registry_entry_id=1_000_001)) as issuer:
        (first,) = issuer.registry_entry()
        entry = RegistryEntry.from_json(first)
        urls = entry.table("url")
        assert urls[DID]
        assert urls[f"{DID}#key-1"]
        assert urls["https://demo.vic.example/status"]
        issuer.rotate_key(ADMIN)
        versions = [RegistryEntry.from_json(e) for e in issuer.registry_entry()]
        assert [v.version for v in versions] == [1, 2]
        assert versions[1].extends(versions[0])
        assert f"{DID}#key-2" in versions[1].table("url")
        assert versions[1].table("context") == entry.table("context")
    with Issuer.open(config(tmp_path, database, clock, registry_entry_id=1_000_001)) as issuer:
        assert len(issuer.registry_entry()) == 2  # nothing new: no new version


def test_without_an_entry_id_there_is_no_entry(issuer: Issuer) -> None:
    with pytest.raises(UsageError):
        issuer.registry_entry()


def test_the_demo_authority_entry_is_the_bundled_one(
    tmp_path: Path, database: Backend, clock: Clock
) -> None:
    bundled = bundled_entry()
    settings = config(tmp_path, database, clock, registry_entry_id=bundled.entry_id)
    with Issuer.open(settings) as issuer:
        (published,) = issuer.registry_entry()
    assert published["typeTables"] == bundled.type_tables_json()
