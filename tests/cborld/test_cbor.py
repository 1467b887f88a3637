"""The strict, bounded CBOR layer of CBOR-LD: cborg-compatible output, strict and bounded input."""

from __future__ import annotations

import math
import struct
import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vic.contexts.errors import (
    InputTooLargeError,
    MalformedValueError,
    NestingTooDeepError,
    ParsingError,
    VicError,
)
from vic.vc.cborld import cbor
from vic.vc.cborld.cbor import CborLimits


@pytest.mark.parametrize(
    ("value", "hex_"),
    [
        (0, "00"),
        (23, "17"),
        (24, "1818"),
        (255, "18ff"),
        (256, "190100"),
        (65535, "19ffff"),
        (65536, "1a00010000"),
        (2**32, "1b0000000100000000"),
        (-1, "20"),
        (-25, "3818"),
        (-(2**64), "3bffffffffffffffff"),
        ("", "60"),
        ("a", "6161"),
        ("鄂", "63e98482"),
        (b"", "40"),
        (b"\x01\x02", "420102"),
        ([], "80"),
        ([1, [2]], "82018102"),
        ({}, "a0"),
        (None, "f6"),
        (True, "f5"),
        (False, "f4"),
        (1.5, "f93e00"),  # half
        (0.1, "fb3fb999999999999a"),  # only double holds it
        (100000.5, "fa47c35040"),  # single
        (5.960464477539063e-08, "f90001"),  # the smallest half subnormal, a power of two
    ],
)
def test_encodes_as_cborg_does(value: Any, hex_: str) -> None:
    assert cbor.dumps(value).hex() == hex_
    assert cbor.loads(bytes.fromhex(hex_)) == value


def test_map_keys_sorted_as_cborg_sorts_them() -> None:
    # integers first (by value), then negative integers (by magnitude), then text by length, then
    # bytewise
    value = {"bb": 1, "c": 2, 100: 3, 2: 4, -1: 5, -10: 6, "a": 7, "ab": 8}
    encoded = cbor.dumps(value)
    keys = list(cbor.loads(encoded))
    assert keys == [2, 100, -1, -10, "a", "c", "ab", "bb"]


def test_half_float_subnormals_follow_cborg() -> None:
    # 2^-20 + 2^-22 is an exact half subnormal, but cborg's conversion keeps only the leading bit,
    # so cborg (and vic) write it as a single
    value = 2.0**-20 + 2.0**-22
    assert cbor.dumps(value)[0] == 0xFA
    assert cbor.loads(cbor.dumps(value)) == value


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1.0, -0.0, 2.0**70])
def test_refuses_floats_without_a_faithful_encoding(value: float) -> None:
    with pytest.raises(MalformedValueError) as info:
        cbor.dumps(value)
    assert info.value.code == "CBOR_UNENCODABLE"


@pytest.mark.parametrize("value", [2**64, -(2**64) - 1, {1.5: 1}, {True: 1}, object(), "\ud800"])
def test_refuses_values_cbor_cannot_hold(value: Any) -> None:
    with pytest.raises(MalformedValueError):
        cbor.dumps(value)


@pytest.mark.parametrize(
    ("hex_", "code"),
    [
        ("", "INVALID_CBOR"),  # nothing
        ("1900", "INVALID_CBOR"),  # truncated head
        ("1817", "INVALID_CBOR"),  # non-minimal (23 fits in the initial byte)
        ("190017", "INVALID_CBOR"),
        ("1c", "INVALID_CBOR"),  # reserved additional information
        ("5f4100ff", "INVALID_CBOR"),  # indefinite-length byte string
        ("9fff", "INVALID_CBOR"),  # indefinite-length array
        ("ff", "INVALID_CBOR"),  # a lone break
        ("62c328", "INVALID_CBOR"),  # invalid UTF-8
        ("63eda080", "INVALID_CBOR"),  # an encoded surrogate
        ("a2010201", "INVALID_CBOR"),  # truncated map
        ("a201020103", "INVALID_CBOR"),  # duplicate key
        ("a1410102", "INVALID_CBOR"),  # bytes as a key
        ("a1f502", "INVALID_CBOR"),  # true as a key
        ("c100", "INVALID_CBOR"),  # a tag inside a document
        ("f7", "INVALID_CBOR"),  # undefined
        ("f0", "INVALID_CBOR"),  # an unassigned simple value
        ("f820", "INVALID_CBOR"),  # a one-byte simple value
        ("f97e00", "INVALID_CBOR"),  # NaN
        ("f97c00", "INVALID_CBOR"),  # infinity
        ("f93c00", "INVALID_CBOR"),  # 1.0: JavaScript reads it as an integer
        ("0000", "TRAILING_BYTES"),
        ("8100ff", "TRAILING_BYTES"),
    ],
)
def test_rejects_malformed_cbor(hex_: str, code: str) -> None:
    with pytest.raises(ParsingError) as info:
        cbor.loads(bytes.fromhex(hex_))
    assert info.value.code == code


def test_huge_declared_lengths_fail_fast() -> None:
    for head in ("5b", "7b", "9b", "bb"):  # byte string, text, array, map of 2^60
        data = bytes.fromhex(head) + (2**60).to_bytes(8, "big") + b"\0" * 16
        tracemalloc.start()
        try:
            with pytest.raises(InputTooLargeError) as info:
                cbor.loads(data)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert info.value.code == "CBOR_TOO_LARGE"
        assert peak < 64 * 1024  # refused before anything of the declared length is read
    # a length within the input cap that overruns the input is plain truncation
    with pytest.raises(ParsingError) as truncated:
        cbor.loads(bytes.fromhex("5903e8") + b"\0" * 10)
    assert truncated.value.code == "INVALID_CBOR"


def test_nesting_is_capped() -> None:
    deep = b"\x81" * 10_000 + b"\x00"
    with pytest.raises(NestingTooDeepError) as info:
        cbor.loads(deep)
    assert info.value.code == "CBOR_TOO_DEEP"
    maps = b"\xa1\x00" * 100 + b"\x00"
    with pytest.raises(NestingTooDeepError):
        cbor.loads(maps)
    assert cbor.loads(b"\x81" * 32 + b"\x00") is not None


def test_input_size_and_item_count_are_capped() -> None:
    with pytest.raises(InputTooLargeError) as big:
        cbor.loads(b"\x40" * (cbor.DEFAULT_LIMITS.max_bytes + 1))
    assert big.value.code == "CBOR_TOO_LARGE"
    limits = CborLimits(max_items=10)
    many = b"\x8a" + b"\x00" * 10  # 11 items
    with pytest.raises(InputTooLargeError):
        cbor.loads(many, limits)
    assert cbor.loads(b"\x89" + b"\x00" * 9, limits) == [0] * 9


def _floats() -> st.SearchStrategy[float]:
    return st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f != int(f))


_json_leaves = st.none() | st.booleans() | st.integers(-(2**64), 2**64 - 1) | _floats() | st.text()
_cbor_values = st.recursive(
    _json_leaves | st.binary(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.integers(-1000, 1000) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@given(_cbor_values)
def test_round_trip(value: Any) -> None:
    encoded = cbor.dumps(value)
    decoded = cbor.loads(encoded)
    assert _same(decoded, value)
    assert cbor.dumps(decoded) == encoded


@given(_floats())
def test_floats_take_the_shortest_exact_width(value: float) -> None:
    encoded = cbor.dumps(value)
    assert cbor.loads(encoded) == value
    if encoded[0] == 0xFB:  # a double only when a single cannot hold it
        single = struct.pack(">f", value) if abs(value) < 3.4e38 else None
        assert single is None or struct.unpack(">f", single)[0] != value


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_random_bytes_only_vic_errors(data: bytes) -> None:
    outcome: list[str] = []
    try:
        cbor.loads(data)
        outcome.append("decoded")
    except VicError as exc:
        outcome.append(exc.code)
    assert outcome[0] == "decoded" or outcome[0] in {
        "INVALID_CBOR",
        "TRAILING_BYTES",
        "CBOR_TOO_LARGE",
        "CBOR_TOO_DEEP",
    }
