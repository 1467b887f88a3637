"""Bitstring: bit order, GZIP + multibase base64url encoding, and bounded decoding."""

from __future__ import annotations

import base64
import gzip
import io
import random
import struct
import tracemalloc
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zlib_ng import zlib_ng

from vic.vc.errors import InputTooLargeError, StatusIndexRangeError, StatusListError, UsageError
from vic.vc.status import DEFAULT_MAX_BYTES, MIN_LIST_LENGTH, Bitstring

# Bitstring Status List v1.0, the example BitstringStatusListCredential: an all-zero 16 KiB list.
SPEC_ALL_ZERO = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def _u(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _bit1() -> str:
    """An encoded list whose base64url body has 2 padding characters left off (70 chars)."""
    bits = Bitstring()
    bits.set(1)
    encoded = bits.encode()
    assert len(encoded[1:]) % 4 == 2
    return encoded


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


# --- spec vector and bit order --------------------------------------------------------------------


def test_spec_example_decodes_to_131072_zero_bits() -> None:
    bits = Bitstring.decode(SPEC_ALL_ZERO)
    assert len(bits) == MIN_LIST_LENGTH == 131_072
    assert bits.count() == 0
    assert bits.to_bytes() == bytes(16 * 1024)


def test_encoding_an_empty_list_reproduces_the_spec_example_byte_for_byte() -> None:
    assert Bitstring().encode() == SPEC_ALL_ZERO


def test_default_length_is_the_spec_minimum() -> None:
    assert len(Bitstring()) == 131_072


@pytest.mark.parametrize(
    ("index", "byte", "value"),
    [(0, 0, 0x80), (1, 0, 0x40), (7, 0, 0x01), (8, 1, 0x80), (131_071, 16_383, 0x01)],
)
def test_index_zero_is_the_leftmost_bit_of_the_first_byte(
    index: int, byte: int, value: int
) -> None:
    bits = Bitstring()
    bits.set(index)
    raw = bits.to_bytes()
    assert raw[byte] == value
    assert sum(raw) == value
    assert bits.get(index)
    assert bits.count() == 1


def test_bit_order_of_a_list_from_another_encoder() -> None:
    raw = bytearray(16 * 1024)
    raw[0] = 0b1010_0000
    raw[-1] = 0b0000_0001
    bits = Bitstring.decode(_u(_gzip(bytes(raw))))
    assert [bits.get(i) for i in range(4)] == [True, False, True, False]
    assert bits.get(131_071)
    assert bits.count() == 3


def test_set_false_clears() -> None:
    bits = Bitstring()
    bits.set(42)
    bits.set(43)
    bits.set(42, False)
    assert not bits.get(42)
    assert bits.get(43)


def test_encoding_is_deterministic_and_a_plain_gzip_member() -> None:
    bits = Bitstring()
    bits.set(5)
    first = bits.encode()
    assert first == bits.encode()
    assert first.startswith("u")
    assert "=" not in first
    raw = base64.urlsafe_b64decode(first[1:] + "=" * (-len(first[1:]) % 4))
    assert gzip.decompress(raw) == bits.to_bytes()


# --- round trips ----------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=MIN_LIST_LENGTH - 1), max_size=200))
def test_random_set_indices_round_trip(indices: set[int]) -> None:
    bits = Bitstring()
    for index in indices:
        bits.set(index)
    decoded = Bitstring.decode(bits.encode())
    assert decoded == bits
    assert decoded.count() == len(indices)
    assert all(decoded.get(i) for i in indices)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=8).flatmap(
        lambda size: st.tuples(
            st.just(size),
            st.dictionaries(
                st.integers(min_value=0, max_value=MIN_LIST_LENGTH // size - 1),
                st.integers(min_value=0, max_value=(1 << size) - 1),
                max_size=50,
            ),
        )
    )
)
def test_multi_bit_entries_round_trip(case: tuple[int, dict[int, int]]) -> None:
    size, values = case
    bits = Bitstring()
    for index, value in values.items():
        bits.set_entry(index, value, size)
    decoded = Bitstring.decode(bits.encode())
    for index, value in values.items():
        assert decoded.get_entry(index, size) == value


def test_multi_bit_entry_is_big_endian() -> None:
    bits = Bitstring()
    bits.set_entry(1, 0b10, 2)  # bits 2 and 3
    assert bits.get(2)
    assert not bits.get(3)
    assert bits.to_bytes()[0] == 0b0010_0000
    assert bits.get_entry(1, 2) == 2


def test_full_terse_size_list_decodes_under_the_default_cap() -> None:
    bits = Bitstring(2**26)
    bits.set(0)
    bits.set(2**26 - 1)
    encoded = bits.encode()
    assert len(encoded) < 20_000  # ~8 kB of gzip for 8 MiB of bits
    decoded = Bitstring.decode(encoded)
    assert len(decoded) == 2**26
    assert decoded.get(0)
    assert decoded.get(2**26 - 1)
    assert decoded.count() == 2


# --- index checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [-1, MIN_LIST_LENGTH, MIN_LIST_LENGTH + 100, 2**64])
def test_index_outside_the_list(index: int) -> None:
    bits = Bitstring()
    with pytest.raises(StatusIndexRangeError):
        bits.get(index)
    with pytest.raises(StatusIndexRangeError):
        bits.set(index)


def test_multi_bit_entry_must_lie_wholly_inside() -> None:
    bits = Bitstring()
    assert bits.get_entry(MIN_LIST_LENGTH // 4 - 1, 4) == 0
    with pytest.raises(StatusIndexRangeError):
        bits.get_entry(MIN_LIST_LENGTH // 4, 4)


@pytest.mark.parametrize("index", [True, 1.0, "1"])
def test_index_must_be_an_int(index: object) -> None:
    with pytest.raises(UsageError):
        Bitstring().get(index)  # type: ignore[arg-type]


def test_entry_value_must_fit() -> None:
    bits = Bitstring()
    with pytest.raises(UsageError):
        bits.set_entry(0, 4, 2)
    with pytest.raises(UsageError):
        bits.set_entry(0, 1, 0)


# --- lengths --------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, -8, 131_073, 12])
def test_length_must_be_a_positive_multiple_of_8(length: int) -> None:
    with pytest.raises(UsageError):
        Bitstring(length, minimum=0)


def test_length_below_the_minimum() -> None:
    with pytest.raises(StatusListError) as info:
        Bitstring(MIN_LIST_LENGTH - 8)
    assert info.value.code == "STATUS_LIST_TOO_SHORT"
    assert len(Bitstring(64, minimum=64)) == 64


def test_decoded_list_below_the_minimum() -> None:
    short = Bitstring(1024, minimum=0).encode()
    with pytest.raises(StatusListError) as info:
        Bitstring.decode(short)
    assert info.value.code == "STATUS_LIST_TOO_SHORT"
    assert len(Bitstring.decode(short, minimum=1024)) == 1024


def test_empty_gzip_is_too_short() -> None:
    with pytest.raises(StatusListError) as info:
        Bitstring.decode(_u(_gzip(b"")), minimum=0)
    assert info.value.code == "STATUS_LIST_TOO_SHORT"


# --- multibase / base64url strictness -------------------------------------------------------------


def _codes(encoded: object, **kwargs: int) -> str:
    with pytest.raises(StatusListError) as info:
        Bitstring.decode(encoded, **kwargs)  # type: ignore[arg-type]
    return info.value.code


@pytest.mark.parametrize(
    "encoded",
    [
        SPEC_ALL_ZERO[1:],  # no prefix
        "U" + SPEC_ALL_ZERO[1:],  # upper-case U is base64url *padded*
        "m" + base64.b64encode(_gzip(bytes(16384))).decode().rstrip("="),  # multibase base64
        "z" + SPEC_ALL_ZERO[1:],
        "",
    ],
)
def test_non_u_multibase_is_rejected(encoded: str) -> None:
    assert _codes(encoded) == "INVALID_ENCODED_LIST"


@pytest.mark.parametrize(
    "encoded",
    [
        _bit1() + "==",  # padded
        _bit1() + "=",
        SPEC_ALL_ZERO + "=",
        SPEC_ALL_ZERO.replace("-", "+"),  # standard alphabet
        SPEC_ALL_ZERO[:20] + "/" + SPEC_ALL_ZERO[21:],
        SPEC_ALL_ZERO[:20] + " " + SPEC_ALL_ZERO[20:],
        SPEC_ALL_ZERO + "\n",
        SPEC_ALL_ZERO + "A",  # a length no base64 has (4n + 1)
        SPEC_ALL_ZERO[:20] + "é" + SPEC_ALL_ZERO[21:],
        "u",
    ],
)
def test_bad_base64url_is_rejected(encoded: str) -> None:
    assert _codes(encoded) == "INVALID_ENCODED_LIST"


def test_non_canonical_trailing_bits_are_rejected() -> None:
    # 70 characters carry 52 bytes and 4 unused bits, which the canonical encoding leaves 0.
    encoded = _bit1()
    last = _ALPHABET.index(encoded[-1])
    assert last & 0b1111 == 0
    assert Bitstring.decode(encoded).get(1)
    tweaked = encoded[:-1] + _ALPHABET[last | 1]
    assert _codes(tweaked) == "INVALID_ENCODED_LIST"


def test_non_string_is_rejected() -> None:
    assert _codes(b"uH4sI") == "INVALID_ENCODED_LIST"
    assert _codes(None) == "INVALID_ENCODED_LIST"


# --- gzip strictness ------------------------------------------------------------------------------


def test_trailing_garbage_after_the_gzip_member_is_rejected() -> None:
    raw = _gzip(bytes(16384))
    with pytest.raises(StatusListError) as info:
        Bitstring.decode(_u(raw + b"\x00"))
    assert info.value.code == "INVALID_ENCODED_LIST"
    assert info.value.detail["trailing"] == 1


def test_a_second_gzip_member_is_rejected() -> None:
    raw = _gzip(bytes(16384)) + _gzip(bytes(16384))
    assert len(gzip.decompress(raw)) == 32768  # the stdlib would accept it
    assert _codes(_u(raw)) == "INVALID_ENCODED_LIST"


def test_truncated_gzip_is_rejected() -> None:
    raw = _gzip(bytes(16384))
    assert _codes(_u(raw[:-4])) == "INVALID_ENCODED_LIST"
    assert _codes(_u(raw[:10])) == "INVALID_ENCODED_LIST"


def test_bad_crc_is_rejected() -> None:
    raw = bytearray(_gzip(bytes(16384)))
    raw[-8] ^= 0xFF
    assert _codes(_u(bytes(raw))) == "INVALID_ENCODED_LIST"


def test_zlib_and_raw_deflate_are_not_gzip() -> None:
    assert _codes(_u(zlib.compress(bytes(16384)))) == "INVALID_ENCODED_LIST"
    raw_deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = raw_deflate.compress(bytes(16384)) + raw_deflate.flush()
    assert _codes(_u(data)) == "INVALID_ENCODED_LIST"
    assert _codes(_u(b"not gzip at all")) == "INVALID_ENCODED_LIST"


def test_gzip_headers_of_other_encoders_are_accepted() -> None:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="list.bin", mode="wb", fileobj=buffer, mtime=1_700_000_000) as f:
        f.write(b"\x80" + bytes(16383))
    bits = Bitstring.decode(_u(buffer.getvalue()))
    assert bits.get(0)
    assert bits.count() == 1


# --- the inflation cap ----------------------------------------------------------------------------


def _bomb(size: int) -> bytes:
    """A gzip member of ``size`` zero bytes (about size / 1000 bytes long)."""
    deflater = zlib_ng.compressobj(6, zlib_ng.DEFLATED, -15)  # zlib-ng: fast on zeros
    chunk = bytes(1 << 20)
    parts = [b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"]
    crc = 0
    for _ in range(size // len(chunk)):
        parts.append(deflater.compress(chunk))
        crc = zlib_ng.crc32(chunk, crc)
    parts.append(deflater.flush())
    parts.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
    return b"".join(parts)


@pytest.fixture(scope="module")
def bomb() -> str:
    return _u(_bomb(1 << 30))  # 1 GiB of zeros in about 1 MB


def test_bomb_over_the_cap_fails_fast_without_inflating_it(bomb: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(InputTooLargeError) as info:
            Bitstring.decode(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == "INPUT_TOO_LARGE"
    assert info.value.detail["max_bytes"] == DEFAULT_MAX_BYTES
    # the decoded base64 (~1 MB) plus at most the cap of output and one chunk
    assert peak < DEFAULT_MAX_BYTES + 8 * (1 << 20)


def test_small_cap_stops_early(bomb: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(InputTooLargeError):
            Bitstring.decode(bomb, max_bytes=16 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20  # refused with nothing near the 1 GiB inflated


def test_cap_is_inclusive() -> None:
    encoded = Bitstring(8 * 1024, minimum=0).encode()
    assert len(Bitstring.decode(encoded, max_bytes=1024, minimum=0)) == 8 * 1024
    with pytest.raises(InputTooLargeError):
        Bitstring.decode(encoded, max_bytes=1023, minimum=0)


def test_a_list_just_over_the_default_cap_is_refused() -> None:
    encoded = Bitstring(2**26 + 8).encode()
    with pytest.raises(InputTooLargeError):
        Bitstring.decode(encoded)
    assert len(Bitstring.decode(encoded, max_bytes=DEFAULT_MAX_BYTES + 1)) == 2**26 + 8


def test_overlong_encoded_input_is_refused_before_decoding() -> None:
    with pytest.raises(InputTooLargeError):
        Bitstring.decode("u" + "A" * 4096, max_bytes=1024)


@pytest.mark.parametrize("max_bytes", [0, -1, True])
def test_cap_must_be_positive(max_bytes: int) -> None:
    with pytest.raises(UsageError):
        Bitstring.decode(SPEC_ALL_ZERO, max_bytes=max_bytes)


# --- the DEFLATE level: 9 for sparse lists, 6 for dense ones, 5 for very dense ones (speed) ----


def _deflated(encoded: str) -> bytes:
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    return raw[10:-8]  # the gzip header (10 bytes) and trailer (8) around the DEFLATE stream


def _level(data: bytes, level: int) -> bytes:
    from zlib_ng import zlib_ng

    compressor = zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _with_non_zero_bytes(count: int, length: int = MIN_LIST_LENGTH) -> Bitstring:
    """``count`` non-zero bytes at random places, one random bit set in each."""
    rng = random.Random(count)
    bits = Bitstring(length)
    for byte in rng.sample(range(length // 8), count):
        bits.set(8 * byte + rng.randrange(8))
    return bits


def test_the_level_is_9_then_6_then_5_as_lists_get_denser() -> None:
    from vic.vc.bitstring import _DENSE_BYTES, _VERY_DENSE_BYTES

    cases = [
        (_with_non_zero_bytes(_DENSE_BYTES), 9),
        (_with_non_zero_bytes(_DENSE_BYTES + 1), 6),
        (_with_non_zero_bytes(_VERY_DENSE_BYTES, 16 * _VERY_DENSE_BYTES), 6),
        (_with_non_zero_bytes(_VERY_DENSE_BYTES + 1, 16 * _VERY_DENSE_BYTES), 5),
    ]
    for bits, level in cases:
        encoded = bits.encode()
        assert _deflated(encoded) == _level(bits.to_bytes(), level)
        others = {9, 6, 5} - {level}
        assert all(_level(bits.to_bytes(), other) != _deflated(encoded) for other in others)
        assert bits.encode() == encoded
        assert Bitstring.decode(encoded, max_bytes=len(bits) // 8).to_bytes() == bits.to_bytes()
