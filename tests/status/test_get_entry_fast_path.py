"""Bitstring.get_entry's one-bit short cut against the general loop and Bitstring.get."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vic.contexts.errors import StatusIndexRangeError, UsageError
from vic.vc.status import Bitstring


def _general(bits: Bitstring, index: object, size: object) -> object:
    """get_entry through its checks and loop (a size of 1 given as a bool-free int subclass)."""

    class Size(int):
        pass

    try:
        return Bitstring.get_entry(bits, index, Size(size) if type(size) is int else size)  # type: ignore[arg-type]
    except (StatusIndexRangeError, UsageError) as exc:
        return type(exc)


def _fast(bits: Bitstring, index: object, size: object) -> object:
    try:
        return bits.get_entry(index, size)  # type: ignore[arg-type]
    except (StatusIndexRangeError, UsageError) as exc:
        return type(exc)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=1, max_size=16), st.integers(-10, 140))
def test_one_bit_entries(data: bytes, index: int) -> None:
    bits = Bitstring.from_bytes(data, minimum=0)
    assert _fast(bits, index, 1) == _general(bits, index, 1)
    if 0 <= index < len(bits):
        assert _fast(bits, index, 1) == int(bits.get(index))


@pytest.mark.parametrize("index", [True, False, 1.0, "1", None, -1])
@pytest.mark.parametrize("size", [1, True, 0, -1, 1.0])
def test_odd_arguments(index: object, size: object) -> None:
    bits = Bitstring.from_bytes(b"\xff\x00", minimum=0)
    assert _fast(bits, index, size) == _general(bits, index, size)
