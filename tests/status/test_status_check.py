"""Status list credentials: building them, and checking an entry against one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from vic.vc.errors import (
    InputTooLargeError,
    StatusIndexRangeError,
    StatusListError,
    UsageError,
    ValidityRangeError,
)
from vic.vc.status import (
    Bitstring,
    StatusEntry,
    StatusList,
    StatusPurpose,
    build_status_list_credential,
    check_status,
    parse_status_entries,
    parse_status_list_credential,
)

LIST_URL = "https://inspection.example/statuses/status-lists/revocation/0"
ISSUER = "did:web:inspection.example"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SPEC_ALL_ZERO = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def _entry(
    index: int = 7, purpose: StatusPurpose = StatusPurpose.REVOCATION, **kw: Any
) -> StatusEntry:
    return StatusEntry(id=None, purpose=purpose, list_credential=LIST_URL, index=index, **kw)


def _list(
    *set_bits: int,
    purpose: StatusPurpose = StatusPurpose.REVOCATION,
    length: int = 131_072,
    **kw: Any,
) -> dict[str, Any]:
    bits = Bitstring(length)
    for index in set_bits:
        bits.set(index)
    return build_status_list_credential(
        id=LIST_URL, issuer=ISSUER, purpose=purpose, bitstring=bits, **kw
    )


# --- building -------------------------------------------------------------------------------------


def test_built_credential_shape() -> None:
    bits = Bitstring()
    credential = build_status_list_credential(
        id="https://example.com/credentials/status/3",
        issuer="did:example:12345",
        purpose=StatusPurpose.REVOCATION,
        bitstring=bits,
        valid_from=datetime(2021, 4, 5, 14, 27, 40, tzinfo=UTC),
    )
    assert credential == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://example.com/credentials/status/3",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:example:12345",
        "validFrom": "2021-04-05T14:27:40Z",
        "credentialSubject": {
            "id": "https://example.com/credentials/status/3#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": SPEC_ALL_ZERO,
        },
    }


def test_built_credential_dates_and_ttl() -> None:
    plus_two = timezone(timedelta(hours=2))
    credential = _list(
        valid_from=datetime(2026, 3, 1, 14, 0, tzinfo=plus_two),
        valid_until=datetime(2026, 3, 2, 12, 0, 0, 250_000, tzinfo=UTC),
        ttl_ms=300_000,
    )
    assert credential["validFrom"] == "2026-03-01T12:00:00Z"
    assert credential["validUntil"] == "2026-03-02T12:00:00.25Z"
    assert credential["credentialSubject"]["ttl"] == 300_000
    parsed = parse_status_list_credential(credential)
    assert parsed.valid_from == NOW
    assert parsed.valid_until == datetime(2026, 3, 2, 12, 0, 0, 250_000, tzinfo=UTC)
    assert parsed.ttl_ms == 300_000


@pytest.mark.parametrize(
    "kwargs",
    [
        {"valid_from": datetime(2026, 1, 1)},  # naive
        {"ttl_ms": -1},
        {"ttl_ms": True},
        {"id": "relative"},
        {"issuer": ""},
        {"purpose": "revocation"},
        {"bitstring": bytes(16384)},
    ],
)
def test_build_rejects_bad_arguments(kwargs: dict[str, Any]) -> None:
    args: dict[str, Any] = {
        "id": LIST_URL,
        "issuer": ISSUER,
        "purpose": StatusPurpose.REVOCATION,
        "bitstring": Bitstring(),
    }
    args.update(kwargs)
    with pytest.raises(UsageError):
        build_status_list_credential(**args)


def test_build_rejects_an_inverted_validity_period() -> None:
    with pytest.raises(ValidityRangeError):
        _list(valid_from=NOW, valid_until=NOW - timedelta(seconds=1))


# --- checking -------------------------------------------------------------------------------------


def test_unset_and_set() -> None:
    credential = _list(8, 131_071, valid_until=NOW + timedelta(days=1), ttl_ms=60_000)
    unset = check_status(_entry(7), credential, now=NOW)
    assert not unset.set
    assert unset.value == 0
    assert unset.list_valid_until == NOW + timedelta(days=1)
    assert unset.list_ttl_ms == 60_000
    assert unset.entry == _entry(7)
    assert check_status(_entry(8), credential, now=NOW).set
    assert check_status(_entry(131_071), credential, now=NOW).set


def test_the_spec_example_list() -> None:
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://example.com/credentials/status/3",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:example:12345",
        "validFrom": "2021-04-05T14:27:40Z",
        "credentialSubject": {
            "id": "https://example.com/status/3#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": SPEC_ALL_ZERO,
        },
    }
    entry = StatusEntry(
        id="https://example.com/credentials/23894672394#list",
        purpose=StatusPurpose.REVOCATION,
        list_credential="https://example.com/credentials/status/3",
        index=94567,
    )
    result = check_status(entry, credential, now=NOW)
    assert not result.set
    assert result.list_valid_until is None


def test_terse_entry_end_to_end() -> None:
    base = "https://inspection.example/statuses/status-lists"
    credential = {
        "credentialStatus": {
            "type": "TerseBitstringStatusListEntry",
            "terseStatusListBaseUrl": base,
            "terseStatusListIndex": 2**26 + 5,
        }
    }
    revocation, suspension = parse_status_entries(credential)
    suspended = Bitstring(2**26)
    suspended.set(5)
    lists = {
        revocation.list_credential: build_status_list_credential(
            id=f"{base}/revocation/1",
            issuer=ISSUER,
            purpose=StatusPurpose.REVOCATION,
            bitstring=Bitstring(2**26),
        ),
        suspension.list_credential: build_status_list_credential(
            id=f"{base}/suspension/1",
            issuer=ISSUER,
            purpose=StatusPurpose.SUSPENSION,
            bitstring=suspended,
        ),
    }
    assert not check_status(revocation, lists[revocation.list_credential], now=NOW).set
    assert check_status(suspension, lists[suspension.list_credential], now=NOW).set


def test_purpose_mismatch() -> None:
    credential = _list(purpose=StatusPurpose.SUSPENSION)
    with pytest.raises(StatusListError) as info:
        check_status(_entry(), credential, now=NOW)
    assert info.value.code == "STATUS_PURPOSE_MISMATCH"


def test_a_list_of_several_purposes() -> None:
    credential = _list(7)
    credential["credentialSubject"]["statusPurpose"] = ["suspension", "revocation"]
    assert check_status(_entry(7), credential, now=NOW).set
    assert check_status(_entry(7, StatusPurpose.SUSPENSION), credential, now=NOW).set
    with pytest.raises(StatusListError) as info:
        check_status(_entry(7, StatusPurpose.MESSAGE), credential, now=NOW)
    assert info.value.code == "STATUS_PURPOSE_MISMATCH"


def test_id_mismatch() -> None:
    credential = _list()
    credential["id"] = LIST_URL.replace("/0", "/1")
    with pytest.raises(StatusListError) as info:
        check_status(_entry(), credential, now=NOW)
    assert info.value.code == "STATUS_LIST_ID_MISMATCH"


def test_index_out_of_range() -> None:
    credential = _list()
    with pytest.raises(StatusIndexRangeError) as info:
        check_status(_entry(131_072), credential, now=NOW)
    assert info.value.code == "STATUS_INDEX_OUT_OF_RANGE"
    assert info.value.to_dict()["type"] == "RANGE_ERROR"


def test_expired_list() -> None:
    credential = _list(valid_until=NOW - timedelta(seconds=1))
    with pytest.raises(StatusListError) as info:
        check_status(_entry(), credential, now=NOW)
    assert info.value.code == "STATUS_LIST_EXPIRED"


def test_validity_bounds_are_inclusive() -> None:
    credential = _list(valid_from=NOW, valid_until=NOW)
    assert not check_status(_entry(), credential, now=NOW).set


def test_list_not_yet_valid() -> None:
    credential = _list(valid_from=NOW + timedelta(minutes=5))
    with pytest.raises(StatusListError) as info:
        check_status(_entry(), credential, now=NOW)
    assert info.value.code == "STATUS_LIST_NOT_YET_VALID"


def test_inverted_validity_in_a_received_list() -> None:
    credential = _list()
    credential["validFrom"] = "2026-03-02T00:00:00Z"
    credential["validUntil"] = "2026-03-01T00:00:00Z"
    with pytest.raises(ValidityRangeError):
        check_status(_entry(), credential, now=NOW)


def test_now_must_be_aware() -> None:
    with pytest.raises(UsageError):
        check_status(_entry(), _list(), now=datetime(2026, 3, 1))


def test_multi_bit_status_with_messages() -> None:
    bits = Bitstring(2 * 131_072)
    bits.set_entry(10, 0b10, 2)
    credential = build_status_list_credential(
        id=LIST_URL, issuer=ISSUER, purpose=StatusPurpose.MESSAGE, bitstring=bits
    )
    (entry,) = parse_status_entries(
        {
            "credentialStatus": {
                "type": "BitstringStatusListEntry",
                "statusPurpose": "message",
                "statusListIndex": "10",
                "statusListCredential": LIST_URL,
                "statusSize": 2,
                "statusMessage": [
                    {"status": "0x0", "message": "valid"},
                    {"status": "0x1", "message": "superseded"},
                    {"status": "0x2", "message": "cancelled"},
                    {"status": "0x3", "message": "undefined"},
                ],
            }
        }
    )
    result = check_status(entry, credential, now=NOW)
    assert result.set
    assert result.value == 2
    assert result.message == "cancelled"
    assert check_status(
        StatusEntry(None, StatusPurpose.MESSAGE, LIST_URL, 11, 2), credential, now=NOW
    ) == check_status(
        StatusEntry(None, StatusPurpose.MESSAGE, LIST_URL, 11, 2), credential, now=NOW
    )


def test_multi_bit_status_needs_the_minimum_number_of_entries() -> None:
    credential = _list()  # 131,072 bits: only 65,536 entries of 2 bits
    with pytest.raises(StatusListError) as info:
        check_status(_entry(0, status_size=2), credential, now=NOW)
    assert info.value.code == "STATUS_LIST_TOO_SHORT"


def test_short_list() -> None:
    bits = Bitstring(1024, minimum=0)
    credential = build_status_list_credential(
        id=LIST_URL, issuer=ISSUER, purpose=StatusPurpose.REVOCATION, bitstring=bits
    )
    with pytest.raises(StatusListError) as info:
        check_status(_entry(), credential, now=NOW)
    assert info.value.code == "STATUS_LIST_TOO_SHORT"
    assert not check_status(_entry(), credential, now=NOW, minimum_entries=1024).set


def test_inflation_cap_applies() -> None:
    credential = _list(length=2**20)
    with pytest.raises(InputTooLargeError):
        check_status(_entry(), credential, now=NOW, max_bytes=2**16)


def test_a_parsed_list_can_be_reused() -> None:
    credential = _list(3)
    parsed = parse_status_list_credential(credential)
    assert isinstance(parsed, StatusList)
    assert parsed.purposes == frozenset({"revocation"})
    assert check_status(_entry(3), parsed, now=NOW).set
    assert not check_status(_entry(4), parsed, now=NOW).set


def _broken(mutate: str) -> dict[str, Any]:
    credential = _list()
    subject = credential["credentialSubject"]
    if mutate == "no type":
        credential["type"] = ["VerifiableCredential"]
    elif mutate == "subject type":
        subject["type"] = "StatusList2021"
    elif mutate == "no subject":
        del credential["credentialSubject"]
    elif mutate == "two subjects":
        credential["credentialSubject"] = [subject, subject]
    elif mutate == "no purpose":
        del subject["statusPurpose"]
    elif mutate == "empty purposes":
        subject["statusPurpose"] = []
    elif mutate == "bad purpose":
        subject["statusPurpose"] = 1
    elif mutate == "no list":
        del subject["encodedList"]
    elif mutate == "bad list":
        subject["encodedList"] = "zabc"
    elif mutate == "bad date":
        credential["validUntil"] = "2026-03-02"
    elif mutate == "naive date":
        credential["validUntil"] = "2026-03-02T00:00:00"
    elif mutate == "bad month":
        credential["validFrom"] = "2026-13-02T00:00:00Z"
    elif mutate == "bad ttl":
        subject["ttl"] = "60"
    elif mutate == "no id":
        del credential["id"]
    return credential


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        ("no type", "STATUS_LIST_TYPE"),
        ("subject type", "STATUS_LIST_TYPE"),
        ("no subject", "INVALID_STATUS_LIST"),
        ("two subjects", "INVALID_STATUS_LIST"),
        ("no purpose", "INVALID_STATUS_LIST"),
        ("empty purposes", "INVALID_STATUS_LIST"),
        ("bad purpose", "INVALID_STATUS_LIST"),
        ("no list", "INVALID_ENCODED_LIST"),
        ("bad list", "INVALID_ENCODED_LIST"),
        ("bad date", "INVALID_STATUS_LIST"),
        ("naive date", "INVALID_STATUS_LIST"),
        ("bad month", "INVALID_STATUS_LIST"),
        ("bad ttl", "INVALID_STATUS_LIST"),
        ("no id", "INVALID_STATUS_LIST"),
    ],
)
def test_malformed_list_credentials(mutate: str, code: str) -> None:
    with pytest.raises(StatusListError) as info:
        check_status(_entry(), _broken(mutate), now=NOW)
    assert info.value.code == code


def test_a_single_subject_in_an_array_is_accepted() -> None:
    credential = _list(7)
    credential["credentialSubject"] = [credential["credentialSubject"]]
    assert check_status(_entry(7), credential, now=NOW).set


def test_dates_with_offsets_and_fractions() -> None:
    credential = _list()
    credential["validUntil"] = "2026-03-01T13:00:00.123456789+01:00"
    assert check_status(_entry(), credential, now=NOW).list_valid_until == datetime(
        2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC
    )
    with pytest.raises(StatusListError) as info:
        check_status(_entry(), credential, now=NOW + timedelta(seconds=1))
    assert info.value.code == "STATUS_LIST_EXPIRED"
