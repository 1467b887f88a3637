"""Generic VC-API issuance: any VC 2.0 or 1.1 credential, BitstringStatusListEntry in lists of
131,072 in an index space of their own, status updates, lookups."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.issuer.helpers import (
    ADMIN,
    DID,
    OFFICE,
    STATION,
    Clock,
    assert_verifies,
    parse_list,
    registration,
)
from vic.contexts.errors import (
    ConflictError,
    DataModelError,
    PermissionDeniedError,
    RecordNotFoundError,
    RefusedError,
    UndefinedTermError,
)
from vic.issuer.db.models import Credential
from vic.issuer.domain import StatusSpace
from vic.issuer.engine import Issuer
from vic.vc.status import MIN_LIST_LENGTH, StatusPurpose, parse_status_entries


def alumni(**extra: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }
    credential.update(extra)
    return credential


def vcapi_bit(issuer: Issuer, purpose: StatusPurpose, list_index: int, position: int) -> bool:
    published = issuer.status_list(purpose, list_index, StatusSpace.VCAPI)
    return parse_list(published.credential, MIN_LIST_LENGTH).bitstring.get(position)


def test_a_vc2_credential_with_status(issuer: Issuer, clock: Clock) -> None:
    issued = issuer.issue_credential(ADMIN, alumni(), with_status=True)
    credential = issued.credential
    assert credential["id"].startswith("urn:uuid:")
    assert credential["id"] == issued.credential_id
    assert credential["proof"]["verificationMethod"] == f"{DID}#key-1"
    assert credential["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert "created" in credential["proof"]
    assert_verifies(issuer, credential, clock)
    revocation, suspension = parse_status_entries(credential)
    assert issued.purposes == (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION)
    assert revocation.purpose is StatusPurpose.REVOCATION
    assert revocation.list_credential == "https://demo.vic.example/status/vcapi/revocation/0"
    assert suspension.list_credential == "https://demo.vic.example/status/vcapi/suspension/0"
    assert revocation.index == suspension.index == issued.status_position
    assert 0 <= revocation.index < MIN_LIST_LENGTH
    assert credential["credentialStatus"][0]["type"] == "BitstringStatusListEntry"
    assert credential["credentialStatus"][0]["statusListIndex"] == str(revocation.index)
    assert issuer.get_credential(issued.credential_id) == credential

    published = issuer.status_list(StatusPurpose.REVOCATION, 0, StatusSpace.VCAPI)
    assert published.url == revocation.list_credential
    assert_verifies(issuer, published.credential, clock)
    assert not vcapi_bit(issuer, StatusPurpose.REVOCATION, 0, revocation.index)

    assert issuer.update_status(ADMIN, issued.credential_id, StatusPurpose.SUSPENSION, True)
    assert vcapi_bit(issuer, StatusPurpose.SUSPENSION, 0, revocation.index)
    assert issuer.update_status(ADMIN, issued.credential_id, StatusPurpose.SUSPENSION, False)
    assert not vcapi_bit(issuer, StatusPurpose.SUSPENSION, 0, revocation.index)
    assert issuer.update_status(ADMIN, issued.credential_id, StatusPurpose.REVOCATION, True)
    assert not issuer.update_status(ADMIN, issued.credential_id, StatusPurpose.REVOCATION, True)
    assert vcapi_bit(issuer, StatusPurpose.REVOCATION, 0, revocation.index)
    with pytest.raises(RefusedError) as final:
        issuer.update_status(ADMIN, issued.credential_id, StatusPurpose.REVOCATION, False)
    assert final.value.code == "REVOCATION_IS_FINAL"


def test_the_vcapi_space_is_separate_from_the_marks(issuer: Issuer) -> None:
    mark = issuer.register_vehicle(OFFICE, registration(1))
    credential = issuer.issue_credential(ADMIN, alumni(), with_status=True)
    # a mark list and a VC-API list have different lengths, URLs and counters
    mark_list = issuer.status_list(StatusPurpose.REVOCATION, 0)
    vcapi_list = issuer.status_list(StatusPurpose.REVOCATION, 0, StatusSpace.VCAPI)
    assert len(parse_list(mark_list.credential).bitstring) == 2**26
    assert len(parse_list(vcapi_list.credential, MIN_LIST_LENGTH).bitstring) == MIN_LIST_LENGTH
    assert mark_list.url != vcapi_list.url
    issuer.update_status(ADMIN, credential.credential_id, StatusPurpose.REVOCATION, True)
    assert issuer.status_list(StatusPurpose.REVOCATION, 0).etag == mark_list.etag
    assert not issuer.mark_status(mark.number).revoked


def test_one_purpose_only(issuer: Issuer) -> None:
    issued = issuer.issue_credential(
        ADMIN, alumni(), with_status=True, purposes=[StatusPurpose.REVOCATION]
    )
    assert issued.credential["credentialStatus"]["statusPurpose"] == "revocation"
    with pytest.raises(RefusedError) as caught:
        issuer.update_status(ADMIN, issued.credential_id, StatusPurpose.SUSPENSION, True)
    assert caught.value.code == "NO_STATUS"


def test_a_credential_without_status(issuer: Issuer, clock: Clock) -> None:
    issued = issuer.issue_credential(
        ADMIN, alumni(id="urn:uuid:9e3b1b0c-1b7a-4a5e-8f65-1c0d3e4f5a6b")
    )
    assert issued.credential_id == "urn:uuid:9e3b1b0c-1b7a-4a5e-8f65-1c0d3e4f5a6b"
    assert "credentialStatus" not in issued.credential
    assert issued.status_position is None
    assert_verifies(issuer, issued.credential, clock)
    with pytest.raises(RefusedError) as caught:
        issuer.update_status(ADMIN, issued.credential_id, StatusPurpose.REVOCATION, True)
    assert caught.value.code == "NO_STATUS"
    with pytest.raises(ConflictError) as again:
        issuer.issue_credential(ADMIN, alumni(id=issued.credential_id))
    assert again.value.code == "CREDENTIAL_EXISTS"


def test_a_vc1_credential(issuer: Issuer, clock: Clock) -> None:
    v1 = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": DID,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:1"},
    }
    issued = issuer.issue_credential(ADMIN, v1)
    assert issued.credential["@context"][-1] == "https://w3id.org/security/data-integrity/v2"
    assert_verifies(issuer, issued.credential, clock)
    with pytest.raises(RefusedError) as caught:
        issuer.issue_credential(ADMIN, v1, with_status=True)
    assert caught.value.code == "STATUS_NEEDS_VC2"


@pytest.mark.parametrize(
    ("change", "error", "code"),
    [
        ({"issuer": "did:web:other.example"}, RefusedError, "ISSUER_MISMATCH"),
        ({"type": ["AlumniCredential"]}, DataModelError, "INVALID_TYPE"),
        ({"proof": {"type": "DataIntegrityProof"}}, RefusedError, "CREDENTIAL_HAS_PROOF"),
        (
            {"credentialStatus": {"type": "BitstringStatusListEntry"}},
            RefusedError,
            "CREDENTIAL_HAS_STATUS",
        ),
    ],
)
def test_refused_credentials(
    issuer: Issuer, change: dict[str, Any], error: type[Exception], code: str
) -> None:
    with pytest.raises(error) as caught:
        issuer.issue_credential(ADMIN, alumni(**change), with_status=True)
    assert getattr(caught.value, "code", None) == code


def test_a_credential_that_does_not_sign_is_refused_before_anything_is_allocated(
    issuer: Issuer,
) -> None:
    broken = alumni(credentialSubject={"id": "did:example:1", "notInAnyContext": 1})
    broken["@context"] = ["https://www.w3.org/ns/credentials/v2"]  # no @vocab for the term
    with pytest.raises(UndefinedTermError) as caught:
        issuer.issue_credential(ADMIN, broken, with_status=True)
    assert caught.value.code == "UNDEFINED_TERM"
    actions = [a.action for a in issuer.audit_log()]
    assert not [a for a in actions if a.startswith("credential.")]
    with issuer.database.read() as session:
        assert session.execute(select(Credential.id)).all() == []


def test_lookups_and_permissions(issuer: Issuer) -> None:
    with pytest.raises(RecordNotFoundError) as caught:
        issuer.get_credential("urn:uuid:00000000-0000-4000-8000-000000000000")
    assert caught.value.code == "CREDENTIAL_NOT_FOUND"
    with pytest.raises(RecordNotFoundError):
        issuer.update_status(ADMIN, "urn:uuid:x", StatusPurpose.REVOCATION, True)
    with pytest.raises(PermissionDeniedError):
        issuer.issue_credential(STATION, alumni())


def test_a_reused_id_that_would_not_sign_is_refused_for_that_not_409(issuer: Issuer) -> None:
    kept = "urn:uuid:7e57c0de-0000-4000-8000-000000000001"
    issuer.issue_credential(ADMIN, alumni(id=kept))
    unsafe = alumni(id=kept, undefinedTerm=1)
    unsafe["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    with pytest.raises(UndefinedTermError):
        issuer.issue_credential(ADMIN, unsafe)
    with pytest.raises(ConflictError):
        issuer.issue_credential(ADMIN, alumni(id=kept))
