"""Status entries: BitstringStatusListEntry parsing and the VC Barcodes terse expansion."""

from __future__ import annotations

from typing import Any

import pytest

from vic.vc.errors import StatusListError, UsageError
from vic.vc.status import (
    TERSE_LIST_LENGTH,
    StatusEntry,
    StatusMessage,
    StatusPurpose,
    expand_terse_entry,
    parse_status_entries,
)

BASE = "https://inspection.example/statuses/status-lists"


def _terse(index: Any, base: Any = BASE) -> dict[str, Any]:
    return {
        "type": "TerseBitstringStatusListEntry",
        "terseStatusListBaseUrl": base,
        "terseStatusListIndex": index,
    }


def _entry(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "https://issuer.example/credentials/1#status",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://issuer.example/status/3",
    }
    entry.update(overrides)
    return {k: v for k, v in entry.items() if v is not None}


# --- terse expansion ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terse_index", "list_index", "status_list_index"),
    [
        (0, 0, 0),
        (2**26 - 1, 0, 2**26 - 1),
        (2**26, 1, 0),
        (2**26 + 5, 1, 5),
        (2**32 - 1, 63, 2**26 - 1),
    ],
)
def test_terse_expansion(terse_index: int, list_index: int, status_list_index: int) -> None:
    revocation, suspension = expand_terse_entry(_terse(terse_index))
    assert revocation == StatusEntry(
        id=None,
        purpose=StatusPurpose.REVOCATION,
        list_credential=f"{BASE}/revocation/{list_index}",
        index=status_list_index,
    )
    assert suspension == StatusEntry(
        id=None,
        purpose=StatusPurpose.SUSPENSION,
        list_credential=f"{BASE}/suspension/{list_index}",
        index=status_list_index,
    )
    assert revocation.status_size == suspension.status_size == 1


def test_terse_list_length_is_two_to_the_26() -> None:
    assert TERSE_LIST_LENGTH == 2**26


def test_vc_barcodes_spec_example_with_its_list_length() -> None:
    # VC Barcodes, the EAD example: its expected entries (list 29385, index 8321) were computed
    # with lists of 2^17 entries, although the normative text requires 2^26.
    base = "https://sandbox.platform.veres.dev/statuses/z19rJ4oGrbFCqf3cNTVDHSbNd/status-lists"
    revocation, suspension = expand_terse_entry(_terse(3851559041, base), list_length=2**17)
    assert revocation.list_credential == f"{base}/revocation/29385"
    assert suspension.list_credential == f"{base}/suspension/29385"
    assert revocation.index == suspension.index == 8321
    # and with the normative 2^26:
    revocation, _ = expand_terse_entry(_terse(3851559041, base))
    assert revocation.list_credential == f"{base}/revocation/57"
    assert revocation.index == 3851559041 - 57 * 2**26


def test_base_url_is_concatenated_as_is() -> None:
    revocation, _ = expand_terse_entry(_terse(7, BASE + "/"))
    assert revocation.list_credential == f"{BASE}//revocation/0"


@pytest.mark.parametrize("index", [-1, 2**32, True, 1.0, "5", None])
def test_terse_index_must_be_a_32_bit_unsigned_int(index: Any) -> None:
    with pytest.raises(StatusListError):
        expand_terse_entry(_terse(index))


@pytest.mark.parametrize(
    "base", [None, 5, "", "relative/path", "dmv.utopia.gov/statuses", "https://", "https://a b"]
)
def test_terse_base_must_be_an_absolute_url(base: Any) -> None:
    with pytest.raises(StatusListError):
        expand_terse_entry(_terse(0, base))


def test_expand_requires_the_terse_type() -> None:
    with pytest.raises(StatusListError) as info:
        expand_terse_entry({**_terse(0), "type": "BitstringStatusListEntry"})
    assert info.value.code == "UNSUPPORTED_STATUS_TYPE"


def test_list_length_must_be_positive() -> None:
    with pytest.raises(UsageError):
        expand_terse_entry(_terse(0), list_length=0)


# --- parse_status_entries -------------------------------------------------------------------------


def test_no_credential_status() -> None:
    assert parse_status_entries({"type": ["VerifiableCredential"]}) == ()


def test_a_single_entry_object() -> None:
    (entry,) = parse_status_entries({"credentialStatus": _entry()})
    assert entry == StatusEntry(
        id="https://issuer.example/credentials/1#status",
        purpose=StatusPurpose.REVOCATION,
        list_credential="https://issuer.example/status/3",
        index=94567,
    )


def test_an_array_of_entries_and_a_terse_entry() -> None:
    credential = {
        "credentialStatus": [
            _entry(statusPurpose="suspension", id=None),
            _terse(2**26 + 5),
        ]
    }
    first, revocation, suspension = parse_status_entries(credential)
    assert first.purpose is StatusPurpose.SUSPENSION
    assert first.id is None
    assert revocation.list_credential == f"{BASE}/revocation/1"
    assert suspension.list_credential == f"{BASE}/suspension/1"
    assert revocation.index == suspension.index == 5


def test_terse_entry_alone_gives_revocation_then_suspension() -> None:
    entries = parse_status_entries({"credentialStatus": _terse(0)})
    assert [e.purpose for e in entries] == [StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION]


def test_type_may_be_an_array() -> None:
    (entry,) = parse_status_entries({"credentialStatus": _entry(type=["BitstringStatusListEntry"])})
    assert entry.index == 94567


@pytest.mark.parametrize(
    "kind",
    ["StatusList2021Entry", "RevocationList2020Status", "CredentialStatusList2017", None, 7, []],
)
def test_unknown_entry_types(kind: Any) -> None:
    entry = _entry(type=kind) if kind is not None else _entry(type=None)
    with pytest.raises(StatusListError) as info:
        parse_status_entries({"credentialStatus": entry})
    assert info.value.code == "UNSUPPORTED_STATUS_TYPE"


def test_both_types_at_once_are_malformed() -> None:
    entry = _entry(type=["BitstringStatusListEntry", "TerseBitstringStatusListEntry"])
    with pytest.raises(StatusListError) as info:
        parse_status_entries({"credentialStatus": entry})
    assert info.value.code == "INVALID_STATUS_LIST"


def test_unknown_purpose() -> None:
    with pytest.raises(StatusListError) as info:
        parse_status_entries({"credentialStatus": _entry(statusPurpose="expiry")})
    assert info.value.code == "UNSUPPORTED_STATUS_PURPOSE"


@pytest.mark.parametrize(
    "overrides",
    [
        {"statusListIndex": 94567},  # MUST be a string
        {"statusListIndex": "-1"},
        {"statusListIndex": "+1"},
        {"statusListIndex": " 1"},
        {"statusListIndex": "1.0"},
        {"statusListIndex": "0x10"},
        {"statusListIndex": "١٢"},  # non-ASCII digits
        {"statusListIndex": "9" * 20},
        {"statusListIndex": None},
        {"statusListCredential": None},
        {"statusListCredential": "status/3"},
        {"statusListCredential": ["https://issuer.example/status/3"]},
        {"statusPurpose": None},
        {"statusPurpose": ["revocation"]},
        {"id": 5},
        {"id": "not a url"},
        {"statusSize": 0},
        {"statusSize": "1"},
        {"statusSize": True},
        {"statusSize": 17},
        {"statusSize": 2},  # statusMessage required
    ],
)
def test_malformed_entries(overrides: dict[str, Any]) -> None:
    with pytest.raises(StatusListError) as info:
        parse_status_entries({"credentialStatus": _entry(**overrides)})
    assert info.value.code in ("INVALID_STATUS_LIST", "UNSUPPORTED_STATUS_PURPOSE")


@pytest.mark.parametrize("status", ["not a list", 5, [None], [[]]])
def test_malformed_credential_status(status: Any) -> None:
    with pytest.raises(StatusListError):
        parse_status_entries({"credentialStatus": status})


def test_credential_must_be_a_mapping() -> None:
    with pytest.raises(StatusListError):
        parse_status_entries([])  # type: ignore[arg-type]


def test_too_many_entries() -> None:
    with pytest.raises(StatusListError) as info:
        parse_status_entries({"credentialStatus": [_entry()] * 33})
    assert info.value.code == "TOO_MANY_STATUS_ENTRIES"


def _messages(n: int) -> list[dict[str, str]]:
    return [{"status": f"0x{i:x}", "message": f"m{i}"} for i in range(n)]


def test_status_size_and_messages() -> None:
    entry = _entry(statusPurpose="message", statusSize=2, statusMessage=_messages(4))
    (parsed,) = parse_status_entries({"credentialStatus": entry})
    assert parsed.status_size == 2
    assert parsed.status_message == tuple(StatusMessage(i, f"m{i}") for i in range(4))


def test_status_message_is_optional_for_one_bit() -> None:
    entry = _entry(
        statusMessage=[
            {"status": "0x0", "message": "valid"},
            {"status": "0x1", "message": "revoked"},
        ]
    )
    (parsed,) = parse_status_entries({"credentialStatus": entry})
    assert parsed.status_message[1] == StatusMessage(1, "revoked")


@pytest.mark.parametrize(
    "messages",
    [
        _messages(3),
        _messages(5),
        [*_messages(3), {"status": "0x0", "message": "dup"}],
        [*_messages(3), {"status": "0x4", "message": "too big"}],
        [*_messages(3), {"status": "3", "message": "no 0x"}],
        [*_messages(3), {"status": "0x3"}],
        [*_messages(3), "0x3"],
        "0x0",
    ],
)
def test_malformed_status_messages(messages: Any) -> None:
    entry = _entry(statusPurpose="message", statusSize=2, statusMessage=messages)
    with pytest.raises(StatusListError):
        parse_status_entries({"credentialStatus": entry})


def test_the_url_character_check_is_str_isspace_and_controls() -> None:
    """`_is_url` refuses white space and control characters with one regex search; its class is
    exactly ``str.isspace()`` or a C0 control or DEL, over every code point."""
    from vic.vc.statuslist import _NOT_IN_URL

    differ = [
        hex(code)
        for code in range(0x110000)
        if bool(_NOT_IN_URL.search(chr(code)))
        != (chr(code).isspace() or code < 0x20 or code == 0x7F)
    ]
    assert differ == []
