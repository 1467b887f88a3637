"""Multibase: base58btc and base64url, known values, strictness, round trips."""

from __future__ import annotations

import random
from typing import Any

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


@given(
    st.one_of(
        st.binary(max_size=200),
        st.binary(max_size=40).map(lambda b: b"\0" * 3 + b),
        st.integers(0, 200).map(bytes),
        st.integers(min_value=0, max_value=2**600).map(
            lambda n: n.to_bytes((n.bit_length() + 7) // 8, "big")
        ),
    )
)
def test_base58btc_encode_is_the_digit_by_digit_encoding(raw: bytes) -> None:
    # lanes, or eight digits per division, give the same text as one digit at a time
    from vic.did.multibase import _base58btc_encode_slowly

    assert base58btc_encode(raw) == _base58btc_encode_slowly(raw)


@pytest.mark.parametrize("exponent", [8, 16, 24, 32, 64])
def test_base58btc_encode_at_chunk_boundaries(exponent: int) -> None:
    from vic.did.multibase import _base58btc_encode_slowly

    for number in (58**exponent - 1, 58**exponent, 58**exponent + 1, 58 ** (exponent - 1)):
        raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
        for data in (raw, b"\0" + raw):
            assert base58btc_encode(data) == _base58btc_encode_slowly(data)
            assert base58btc_decode(base58btc_encode(data)) == data


def test_base58btc_encode_of_every_length_and_edge() -> None:
    """Lanes (up to 70 bytes: 2, 3, 4, 5 or 6 of them) and eight digits per division above: every
    length 0..257 with leading zero bytes, all zeros, all ones, the lanes' largest and smallest
    values, and random bytes."""
    import random

    from vic.did.multibase import _ENCODE_LANE_BYTES, _base58btc_encode_slowly

    assert _ENCODE_LANE_BYTES == 70
    rng = random.Random(58)
    for length in range(258):
        cases = [bytes(length), b"\xff" * length, rng.randbytes(length)]
        if length:
            cases += [bytes(length - 1) + b"\x01", b"\0" * rng.randrange(length) + b"\x80"]
            cases += [b"\0" + rng.randbytes(length - 1), b"\x01" + bytes(length - 1)]
        for digits in (16 * lanes for lanes in range(1, 7)):
            for number in (58**digits - 1, 58**digits, 58 ** (digits - 1)):
                if number.bit_length() <= 8 * length:
                    cases.append(number.to_bytes(length, "big"))
        for data in cases:
            assert base58btc_encode(data) == _base58btc_encode_slowly(data)
            assert base58btc_decode(base58btc_encode(data)) == data


_NEAR_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl \u00e9"


@given(
    st.one_of(
        st.binary(max_size=200).map(base58btc_encode),
        st.text(alphabet=_NEAR_BASE58, max_size=40),
        st.text(max_size=20),
    )
)
def test_base58btc_decode_is_the_digit_by_digit_decoding(text: str) -> None:
    # lanes (or four digits per step past 256): the same bytes, or the same error for the same char
    from vic.did.multibase import _base58btc_decode_slowly

    def outcome(decode: Any) -> tuple[str, Any]:
        try:
            return ("ok", decode(text))
        except MalformedValueError as exc:
            return ("error", (exc.code, exc.message))

    assert outcome(base58btc_decode) == outcome(_base58btc_decode_slowly)


_LANE_LENGTHS = [1, 2, 3, 4, 5, 8, 9, 16, 17, 44, 64, 86, 87, 88, 131, 255, 256, 257]


@pytest.mark.parametrize("length", _LANE_LENGTHS)
def test_base58btc_decode_in_lanes_at_every_round_boundary(length: int) -> None:
    # up to 256 digits the text is decoded in doubling lanes, past that four digits at a time
    from vic.did.multibase import _base58btc_decode_slowly

    rng = random.Random(length)
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    texts = ["z" * length, "1" * length, "2" + "1" * (length - 1), "1" * (length - 1) + "z"]
    texts += ["".join(rng.choice(alphabet) for _ in range(length)) for _ in range(20)]
    for text in texts:
        assert base58btc_decode(text) == _base58btc_decode_slowly(text)
    for bad in ("0" + texts[-1][1:], texts[-1][:-1] + "l", texts[-1][:-1] + "\u00e9"):
        with pytest.raises(MalformedValueError) as raised:
            base58btc_decode(bad)
        with pytest.raises(MalformedValueError) as slowly:
            _base58btc_decode_slowly(bad)
        assert raised.value.message == slowly.value.message


def test_remembered_decodings_answer_only_for_the_very_text_object() -> None:
    from vic.did.multibase import forget_decoded, remember_decoded

    data = bytes(range(64))
    text = multibase_encode(data)
    twin = "".join([text[:5], text[5:]])  # equal, another object
    assert twin == text
    assert twin is not text
    stand_in = b"\x00" * 64  # never what a caller would pass: shows which answer is given
    token = remember_decoded(((text, stand_in),))
    try:
        assert multibase_decode(text) == stand_in
        assert multibase_decode(twin) == data
        inner = remember_decoded(())
        assert multibase_decode(text) == data
        forget_decoded(inner)
        assert multibase_decode(text) == stand_in
    finally:
        forget_decoded(token)
    assert multibase_decode(text) == data


def test_remembered_decodings_stay_in_their_thread() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from vic.did.multibase import forget_decoded, remember_decoded

    data = bytes(range(32))
    text = multibase_encode(data)
    token = remember_decoded(((text, b"x"),))
    try:
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(multibase_decode, text).result() == data
    finally:
        forget_decoded(token)


@pytest.mark.parametrize("code", range(128))
def test_base58btc_decode_of_each_ascii_character_among_digits(code: int) -> None:
    # the lane decoder tells a character outside the alphabet by its 0xFF digit: every ASCII
    # character, alone and between valid digits, gives the digit-by-digit decoder's answer
    from vic.did.multibase import _base58btc_decode_slowly

    for text in (chr(code), f"3aR{chr(code)}wqSt", f"{chr(code)}11z"):
        try:
            expected: Any = ("ok", _base58btc_decode_slowly(text))
        except MalformedValueError as exc:
            expected = ("error", exc.code, exc.message)
        try:
            got: Any = ("ok", base58btc_decode(text))
        except MalformedValueError as exc:
            got = ("error", exc.code, exc.message)
        assert got == expected
