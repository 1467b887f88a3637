"""VC data model checks (2.0 and 1.1): each broken rule has its code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from vic.contexts.errors import DataModelError, ValidityRangeError
from vic.vc.datamodel import check_credential

V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"


def v2(**changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "id": "urn:uuid:4f1b0c0e-7a6b-4e8f-9d3c-2b1a0f9e8d7c",
        "issuer": "did:example:issuer",
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00+08:00",
        "credentialSubject": {"id": "did:example:subject"},
    }
    credential.update(changes)
    return {k: v for k, v in credential.items() if v is not None}


def v1(**changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [V1],
        "type": "VerifiableCredential",
        "issuer": {"id": "https://issuer.example", "name": "Example"},
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
    }
    credential.update(changes)
    return {k: v for k, v in credential.items() if v is not None}


def test_v2_credential() -> None:
    info = check_credential(v2())
    assert info.version == 2
    assert info.issuer == "did:example:issuer"
    assert info.valid_from == datetime(2026, 1, 1, tzinfo=UTC)
    assert info.valid_until == datetime(2026, 12, 31, 16, tzinfo=UTC)


def test_v1_credential() -> None:
    info = check_credential(v1(expirationDate="2027-01-01T00:00:00Z"))
    assert info.version == 1
    assert info.issuer == "https://issuer.example"
    assert info.valid_until == datetime(2027, 1, 1, tzinfo=UTC)


def test_v1_issuance_date_without_zone_is_read_as_utc() -> None:
    info = check_credential(v1(issuanceDate="2026-01-01T00:00:00"))
    assert info.valid_from == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("credential", "code"),
    [
        (v2(**{"@context": V2}), "INVALID_CONTEXT"),
        (v2(**{"@context": []}), "INVALID_CONTEXT"),
        (v2(**{"@context": ["https://example.com/ctx", V2]}), "INVALID_CONTEXT"),
        (v2(type=["Credential"]), "INVALID_TYPE"),
        (v2(type=None), "INVALID_TYPE"),
        (v2(type=["VerifiableCredential", 5]), "INVALID_TYPE"),
        (v2(id="not a url"), "INVALID_ID"),
        (v2(issuer=None), "INVALID_ISSUER"),
        (v2(issuer="issuer"), "INVALID_ISSUER"),
        (v2(issuer={"name": "no id"}), "INVALID_ISSUER"),
        (v2(credentialSubject=None), "INVALID_SUBJECT"),
        (v2(credentialSubject={}), "INVALID_SUBJECT"),
        (v2(credentialSubject=[]), "INVALID_SUBJECT"),
        (v2(credentialSubject={"id": "relative"}), "INVALID_SUBJECT"),
        (v2(validFrom="2026-01-01"), "INVALID_DATETIME"),
        (v2(validFrom="2026-01-01T00:00:00"), "INVALID_DATETIME"),
        (v2(validUntil="2026-02-30T00:00:00Z"), "INVALID_DATETIME"),
        (v2(issuanceDate="2026-01-01T00:00:00Z"), "INVALID_DATETIME"),
        (v2(credentialStatus={"id": "https://s.example/1"}), "INVALID_STATUS"),
        (v2(credentialStatus={"type": "X", "id": "nope"}), "INVALID_STATUS"),
        (v2(credentialSchema={"type": "JsonSchema"}), "INVALID_SCHEMA"),
        (v1(issuanceDate=None), "MISSING_DATE"),
    ],
    ids=[
        "context-string",
        "context-empty",
        "context-wrong-first",
        "type-missing-vc",
        "type-absent",
        "type-not-string",
        "id-not-url",
        "issuer-absent",
        "issuer-relative",
        "issuer-object-without-id",
        "subject-absent",
        "subject-empty",
        "subject-empty-list",
        "subject-relative-id",
        "date-only",
        "no-time-zone",
        "impossible-date",
        "v1-date-in-v2",
        "status-without-type",
        "status-relative-id",
        "schema-without-id",
        "v1-without-issuance-date",
    ],
)
def test_broken_rules(credential: dict[str, Any], code: str) -> None:
    with pytest.raises(DataModelError) as info:
        check_credential(credential)
    assert info.value.code == code


def test_valid_from_after_valid_until() -> None:
    with pytest.raises(ValidityRangeError) as info:
        check_credential(v2(validFrom="2028-01-01T00:00:00Z"))
    assert info.value.code == "VALIDITY_RANGE"


def test_issuance_after_expiration_v1() -> None:
    with pytest.raises(ValidityRangeError) as info:
        check_credential(v1(expirationDate="2025-01-01T00:00:00Z"))
    assert info.value.code == "VALIDITY_RANGE"
