"""Issue 8, items 3 and 4: a rotation the cryptosuite cannot sign with is refused; a retired key
is destroyed and its method says when it retired, so a mark forged with a copy of it is refused;
a compromised key leaves the DID document and its current marks are re-issued."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from tests.issuer.helpers import ADMIN, DID, OFFICE, Clock, registration
from vic.contexts.errors import KeyTypeMismatchError, RecordNotFoundError
from vic.did.keys import KeyType
from vic.issuer.engine import Issuer
from vic.vc.proofs import add_proof
from vic.vc.status import StatusPurpose
from vic.verifier.result import CheckName, Status
from vic.verifier.trust import TrustedIssuer, TrustList
from vic.verifier.verify import StaticStatusLists, verify_credential


def verify(issuer: Issuer, clock: Clock, mark: dict[str, Any]) -> Any:
    """Verify as a verifier pinning the issuer's current DID document, with its live lists."""
    trust = TrustList((TrustedIssuer(DID, {"en": "demo"}, issuer.did_document()),))
    purposes = (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION)
    lists = [issuer.status_list(p, 0).credential for p in purposes]
    return verify_credential(mark, trust=trust, clock=clock, status_source=StaticStatusLists(lists))


def failed(result: Any, name: CheckName) -> str | None:
    check = next(c for c in result.checks if c.name is name)
    return check.error.code if check.passed is False and check.error else None


def test_rotating_to_a_key_the_cryptosuite_cannot_use_is_refused(issuer: Issuer) -> None:
    """The finding: POST /keys {"keyType": "Ed25519"} under ecdsa-rdfc-2019 stopped issuance."""
    before = issuer.keys()
    with pytest.raises(KeyTypeMismatchError) as caught:
        issuer.rotate_key(ADMIN, key_type=KeyType.ED25519)
    assert caught.value.code == "KEY_TYPE_MISMATCH"
    assert issuer.keys() == before
    assert issuer.register_vehicle(OFFICE, registration(30)).method_id == f"{DID}#key-1"
    assert issuer.rotate_key(ADMIN, key_type=KeyType.P384).key_type == "P-384"


def test_a_mark_forged_with_a_retired_key_is_refused(issuer: Issuer, clock: Clock) -> None:
    """Rotate, forge with (a copy of) the old key, verify: refused. Old marks stay valid."""
    keys_dir = issuer.config.keys_dir
    stolen = issuer.kernel.key_files.read("key-1", method_id=f"{DID}#key-1").private_key
    old = issuer.register_vehicle(OFFICE, registration(31)).credential
    clock.advance(days=1)
    issuer.rotate_key(ADMIN)
    # the retired private key is destroyed, not archived
    assert not (keys_dir / "key-1.json").exists()
    assert not (keys_dir / "retired").exists() or not any((keys_dir / "retired").iterdir())
    method = next(
        m for m in issuer.did_document()["verificationMethod"] if m["id"].endswith("#key-1")
    )
    assert method["retired"].endswith("Z")
    assert "retired" not in issuer.did_document()["verificationMethod"][1]

    assert verify(issuer, clock, old).status is Status.VALID
    clock.advance(days=1)
    forged = copy.deepcopy(old)
    del forged["proof"]
    forged["validFrom"] = "2026-12-01T00:00:00Z"  # after the retirement
    forged["validUntil"] = "2099-12-31T15:59:59Z"
    forged = add_proof(
        forged,
        key=stolen,
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=f"{DID}#key-1",
        include_created=False,
        clock=clock,
    )
    result = verify(issuer, clock, forged)
    assert not result.verified
    assert failed(result, CheckName.PROOF) is None  # the signature itself is good
    assert failed(result, CheckName.ISSUER_BINDING) == "KEY_RETIRED"


def test_a_proof_created_after_the_retirement_is_refused(issuer: Issuer, clock: Clock) -> None:
    stolen = issuer.kernel.key_files.read("key-1", method_id=f"{DID}#key-1").private_key
    old = issuer.register_vehicle(OFFICE, registration(32)).credential
    issuer.rotate_key(ADMIN)
    clock.advance(hours=1)
    forged = copy.deepcopy(old)
    del forged["proof"]
    forged = add_proof(
        forged,
        key=stolen,
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=f"{DID}#key-1",
        clock=clock,
    )  # validFrom before the retirement, but the proof says when it was made
    assert failed(verify(issuer, clock, forged), CheckName.ISSUER_BINDING) == "KEY_RETIRED"


def test_reopening_destroys_retired_keys_an_older_vic_archived(issuer: Issuer) -> None:
    archive = issuer.config.keys_dir / "retired"
    archive.mkdir(mode=0o700)
    (archive / "key-0.json").write_text('{"secret": "x"}')
    issuer.kernel.key_files.destroy_archived()
    assert not (archive / "key-0.json").exists()


def test_a_pending_mark_of_a_retired_key_is_signed_with_the_current_key(
    issuer: Issuer, clock: Clock
) -> None:
    mark = issuer.register_vehicle(OFFICE, registration(33))
    issuer.rotate_key(ADMIN)
    issuer.kernel.forget_retired_signers(-1)  # another process: no key in memory
    new = issuer.reissue_mark(ADMIN, mark.vin, event_key="after-rotation")
    assert new.method_id == f"{DID}#key-2"
    assert verify(issuer, clock, new.credential).status is Status.VALID


def test_compromise_removes_the_method_and_reissues_its_marks(issuer: Issuer, clock: Clock) -> None:
    first = issuer.register_vehicle(OFFICE, registration(34))
    second = issuer.register_vehicle(OFFICE, registration(35))
    issuer.status_list(StatusPurpose.REVOCATION, 0)  # published, signed by key-1
    clock.advance(minutes=5)
    reissued = issuer.compromise_key(ADMIN, "key-1")  # the current key: rotated first
    assert sorted(m.vin for m in reissued) == sorted([first.vin, second.vin])
    assert all(m.method_id == f"{DID}#key-2" for m in reissued)
    document = issuer.did_document()
    assert [m["id"] for m in document["verificationMethod"]] == [f"{DID}#key-2"]
    assert document["assertionMethod"] == [f"{DID}#key-2"]
    assert not (issuer.config.keys_dir / "key-1.json").exists()
    keys = issuer.keys()
    assert [k.compromised for k in keys] == [True, False]
    # what verifiers see: the old marks no longer verify, the new ones are VALID
    old = verify(issuer, clock, first.credential)
    assert old.status is not Status.VALID
    assert failed(old, CheckName.PROOF) == "VERIFICATION_METHOD_NOT_FOUND"
    for mark in reissued:
        assert verify(issuer, clock, mark.credential).status is Status.VALID
    # the status lists are signed again, by the current key
    listed = issuer.status_list(StatusPurpose.SUSPENSION, 0).credential
    assert listed["proof"]["verificationMethod"] == f"{DID}#key-2"
    # repeating it re-issues nothing
    assert issuer.compromise_key(ADMIN, "key-1") == []
    with pytest.raises(RecordNotFoundError):
        issuer.compromise_key(ADMIN, "key-9")


def test_the_retirement_moment_is_when_the_key_stopped(issuer: Issuer, clock: Clock) -> None:
    start = clock()
    clock.advance(hours=3)
    issuer.rotate_key(ADMIN)
    (old_key, _) = issuer.keys()
    assert old_key.retired_at is not None
    assert abs(old_key.retired_at - (start + timedelta(hours=3))) < timedelta(seconds=1)
