"""Multibase: base58btc and base64url, known values, strictness, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vic.contexts.errors import MalformedValueError
from vic.did.multibase import (
    MAX_BASE58_LENGTH,
    base58btc_decode,
    base58btc_encode,
    base64url_decode,
    base64url_encode,
    multibase_decode,
    multibase_encode,
)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"", ""),
        (b"\0", "1"),
        (b"\0\0\x01", "112"),
        (b"hello world", "StV1DL6CwTryKyV"),
        (b"\xff", "5Q"),
        (bytes.fromhex("ed01") + bytes(32), "z6MkeTG3bFFSLYVU7VqhgZxqr6YzpaGrQtFMh1uvqGy1vDnP"[1:]),
    ],
)
def test_base58btc_known_values(raw: bytes, text: str) -> None:
    assert base58btc_encode(raw) == text
    assert base58btc_decode(text) == raw


@pytest.mark.parametrize("bad", ["0", "O", "I", "l", "abc+", " z", "é", "1 1"])
def test_base58btc_rejects_characters_outside_the_alphabet(bad: str) -> None:
    with pytest.raises(MalformedValueError) as info:
        base58btc_decode(bad)
    assert info.value.code == "INVALID_MULTIBASE"


def test_base58btc_rejects_overlong_input() -> None:
    with pytest.raises(MalformedValueError) as info:
        base58btc_decode("2" * (MAX_BASE58_LENGTH + 1))
    assert info.value.code == "INVALID_MULTIBASE"


def test_multibase_known_values() -> None:
    assert multibase_encode(b"\xfb\xff") == "z" + base58btc_encode(b"\xfb\xff")
    assert multibase_encode(b"\xfb\xff", "u") == "u-_8"
    assert multibase_decode("u-_8") == b"\xfb\xff"
    assert multibase_decode("zStV1DL6CwTryKyV") == b"hello world"
    assert multibase_decode("z") == b""


@pytest.mark.parametrize(
    "bad",
    [
        "",  # no prefix
        "f00ff",  # base16, not supported
        "m+/8",  # base64 (padded alphabet), not supported
        "uAA==",  # padding
        "u+/8",  # standard alphabet
        "uAB",  # non-zero trailing bits (non-canonical)
        "uA",  # impossible length
        "z0OIl",  # not base58btc
    ],
)
def test_multibase_decode_rejects(bad: str) -> None:
    with pytest.raises(MalformedValueError) as info:
        multibase_decode(bad)
    assert info.value.code == "INVALID_MULTIBASE"


def test_multibase_encode_rejects_unknown_base() -> None:
    with pytest.raises(MalformedValueError) as info:
        multibase_encode(b"x", "f")
    assert info.value.code == "INVALID_MULTIBASE"


def test_base64url_decode_is_strict() -> None:
    assert base64url_decode("") == b""
    for bad in ["AA=", "A", "AB", "A A", "AA\n"]:
        with pytest.raises(MalformedValueError):
            base64url_decode(bad)


@given(st.binary(max_size=200), st.sampled_from(["z", "u"]))
def test_multibase_round_trip(raw: bytes, base: str) -> None:
    text = multibase_encode(raw, base)
    assert text[0] == base
    assert multibase_decode(text) == raw


@given(st.binary(max_size=200))
def test_base58_and_base64url_round_trip(raw: bytes) -> None:
    assert base58btc_decode(base58btc_encode(raw)) == raw
    assert base64url_decode(base64url_encode(raw)) == raw


@given(st.text(max_size=80))
def test_multibase_decode_raises_only_our_error(text: str) -> None:
    code = None
    try:
        multibase_decode(text)
    except MalformedValueError as exc:
        code = exc.code
    assert code in (None, "INVALID_MULTIBASE")
