"""A small, strict and bounded CBOR (RFC 8949) codec for CBOR-LD.

Only what CBOR-LD needs: unsigned and negative integers, byte and text strings, arrays, maps with
integer or text keys, ``false``/``true``/``null`` and floats. The decoder is strict and bounded:

- definite lengths only (no indefinite-length items, no ``break``), minimal-length heads;
- no tags inside a document (the CBOR-LD tag is read by :mod:`vic.vc.cborld.header`), no
``undefined``
  and no other simple values;
- text must be valid UTF-8; map keys must be integers or text, and unique;
- floats must be finite and not integral (JavaScript reads an integral float as an integer, so
  such a float would mean one thing here and another to @digitalbazaar/cborld);
- every declared length or count is checked against the bytes left before anything is allocated,
  nesting is capped, the number of items is capped, and trailing bytes are an error.

The encoder writes what ``cborg`` (the CBOR library of @digitalbazaar/cborld) writes for the same
values: minimal heads, floats in the shortest of half/single/double that holds the value exactly
(by cborg's own half-float conversion), and map entries sorted as cborg sorts them (by major type;
integers by value, negative ones by magnitude; text and bytes by encoded length, then bytewise).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any, Final

from vic.contexts.errors import (
    InputTooLargeError,
    MalformedValueError,
    NestingTooDeepError,
    ParsingError,
)

__all__ = [
    "DEFAULT_LIMITS",
    "CborLimits",
    "Reader",
    "dumps",
    "encode_head",
    "loads",
]

UINT64_MAX: Final = 2**64 - 1


@dataclass(frozen=True)
class CborLimits:
    """Caps on what a decoder reads (a QR code holds at most ~3 kB)."""

    max_bytes: int = 64 * 1024
    """The longest input, in bytes."""
    max_depth: int = 32
    """The deepest nesting of arrays and maps."""
    max_items: int = 16 * 1024
    """The most data items in one input."""


DEFAULT_LIMITS: Final = CborLimits()


def _invalid(message: str, **detail: Any) -> ParsingError:
    return ParsingError(message, code="INVALID_CBOR", **detail)


class Reader:
    """Reads data items from ``data``, strictly and within ``limits``."""

    def __init__(self, data: bytes, limits: CborLimits = DEFAULT_LIMITS) -> None:
        if len(data) > limits.max_bytes:
            raise InputTooLargeError(
                f"CBOR input of {len(data)} bytes exceeds the cap of {limits.max_bytes}",
                code="CBOR_TOO_LARGE",
                limit=limits.max_bytes,
            )
        self.data = bytes(data)
        self.pos = 0
        self.limits = limits
        self.items = 0

    @property
    def remaining(self) -> int:
        """Bytes not read yet."""
        return len(self.data) - self.pos

    def at_end(self) -> bool:
        """True when every byte was read."""
        return self.pos == len(self.data)

    def expect_end(self) -> None:
        """Raise ``TRAILING_BYTES`` unless every byte was read."""
        if not self.at_end():
            raise ParsingError(
                f"{self.remaining} trailing bytes after the CBOR data item",
                code="TRAILING_BYTES",
                offset=self.pos,
            )

    def _take(self, n: int) -> bytes:
        if n > self.remaining:
            raise _invalid(
                f"truncated CBOR: {n} bytes needed at offset {self.pos}", offset=self.pos
            )
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def _count_item(self) -> None:
        self.items += 1
        if self.items > self.limits.max_items:
            raise InputTooLargeError(
                f"more than {self.limits.max_items} CBOR data items",
                code="CBOR_TOO_LARGE",
                limit=self.limits.max_items,
            )

    def head(self) -> tuple[int, int, int]:
        """The next head: ``(major type, additional info, argument)``; minimal encoding only.

        For major type 7 the argument of a float is its raw bit pattern.
        """
        start = self.pos
        (initial,) = self._take(1)
        major, info = initial >> 5, initial & 0x1F
        if info < 24:
            return major, info, info
        if info == 31:
            raise _invalid(f"indefinite-length item or break at offset {start}", offset=start)
        if info > 27:
            raise _invalid(f"reserved additional information {info} at offset {start}")
        size = 1 << (info - 24)
        value = int.from_bytes(self._take(size), "big")
        if major != 7 and value < (24 if size == 1 else 1 << (4 * size)):
            raise _invalid(f"non-minimal CBOR head at offset {start}", offset=start)
        return major, info, value

    def _length(self, declared: int, unit: int, what: str) -> int:
        # checked before anything is allocated: each byte / item needs at least ``unit`` bytes
        if declared * unit > self.remaining:
            if declared > self.limits.max_bytes:
                raise InputTooLargeError(
                    f"CBOR {what} declares {declared} entries, more than the input cap",
                    code="CBOR_TOO_LARGE",
                    declared=declared,
                )
            raise _invalid(
                f"truncated CBOR: {what} of {declared} at offset {self.pos} overruns the input",
                offset=self.pos,
            )
        return declared

    def item(self, depth: int = 0) -> Any:
        """The next data item, as Python values (maps are dicts, arrays lists)."""
        self._count_item()
        start = self.pos
        major, info, arg = self.head()
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major == 2:
            return self._take(self._length(arg, 1, "byte string"))
        if major == 3:
            raw = self._take(self._length(arg, 1, "text string"))
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                raise _invalid(f"text string at offset {start} is not UTF-8") from None
        if major in (4, 5):
            if depth >= self.limits.max_depth:
                raise NestingTooDeepError(
                    f"CBOR nests deeper than {self.limits.max_depth}",
                    code="CBOR_TOO_DEEP",
                    limit=self.limits.max_depth,
                )
            if major == 4:
                count = self._length(arg, 1, "array")
                return [self.item(depth + 1) for _ in range(count)]
            count = self._length(arg, 2, "map")
            out: dict[Any, Any] = {}
            for _ in range(count):
                key_at = self.pos
                key = self.item(depth + 1)
                if isinstance(key, bool) or not isinstance(key, int | str):
                    raise _invalid(f"map key at offset {key_at} is not an integer or text")
                if key in out:
                    raise _invalid(f"duplicate map key {key!r} at offset {key_at}")
                out[key] = self.item(depth + 1)
            return out
        if major == 6:
            raise _invalid(f"unexpected CBOR tag {arg} at offset {start}", tag=arg)
        return self._simple(info, arg, start)

    def _simple(self, info: int, arg: int, start: int) -> Any:
        if info == 20:
            return False
        if info == 21:
            return True
        if info == 22:
            return None
        if info == 25:
            value = _read_half(arg)
        elif info == 26:
            value = struct.unpack(">f", arg.to_bytes(4, "big"))[0]
        elif info == 27:
            value = struct.unpack(">d", arg.to_bytes(8, "big"))[0]
        else:
            raise _invalid(f"unsupported CBOR simple value at offset {start}")
        if not math.isfinite(value) or value == int(value):
            raise _invalid(f"float at offset {start} is not finite or is integral")
        return value


def loads(data: bytes, limits: CborLimits = DEFAULT_LIMITS) -> Any:
    """Decode exactly one data item from ``data``.

    :raises ParsingError: ``INVALID_CBOR``, ``TRAILING_BYTES``; ``CBOR_TOO_LARGE``
        (:class:`InputTooLargeError`) and ``CBOR_TOO_DEEP`` (:class:`NestingTooDeepError`) past
        the limits.
    """
    reader = Reader(data, limits)
    value = reader.item()
    reader.expect_end()
    return value


# --- encoding ------------------------------------------------------------------------------------


def encode_head(major: int, value: int) -> bytes:
    """A minimal CBOR head."""
    if value < 24:
        return bytes([major << 5 | value])
    if value < 0x100:
        return bytes([major << 5 | 24, value])
    if value < 0x10000:
        return bytes([major << 5 | 25]) + value.to_bytes(2, "big")
    if value < 0x100000000:
        return bytes([major << 5 | 26]) + value.to_bytes(4, "big")
    return bytes([major << 5 | 27]) + value.to_bytes(8, "big")


def _unencodable(message: str) -> MalformedValueError:
    return MalformedValueError(message, code="CBOR_UNENCODABLE")


def _read_half(bits: int) -> float:
    exp = (bits >> 10) & 0x1F
    mant = bits & 0x3FF
    if exp == 0:
        value = mant * 2.0**-24
    elif exp != 31:
        value = (mant + 1024) * 2.0 ** (exp - 25)
    else:
        value = math.inf if mant == 0 else math.nan
    return -value if bits & 0x8000 else value


def _cborg_half_bits(value: float) -> int:
    """cborg's float -> half conversion (via the float32 bits, truncating), for finite values."""
    bits32: int = struct.unpack(">I", struct.pack(">f", value))[0]
    exponent = (bits32 & 0x7F800000) >> 23
    mantissa = bits32 & 0x7FFFFF
    sign = (bits32 & 0x80000000) >> 16
    if exponent == 0xFF:
        return 0x7C00
    if exponent == 0:
        return sign | (mantissa >> 13)
    logical = exponent - 127
    if logical < -24:
        return 0
    if logical < -14:
        return sign | (1 << (24 + logical))
    return (sign | ((logical + 15) << 10) | (mantissa >> 13)) & 0xFFFF


def _encode_float(value: float) -> bytes:
    if not math.isfinite(value):
        raise _unencodable("NaN and infinite numbers are not JSON and cannot be encoded")
    if value == int(value):
        raise _unencodable(
            f"the integral float {value!r} would decode as an integer elsewhere; use an int"
        )
    try:
        single = struct.pack(">f", value)
    except OverflowError:
        single = b""
    if single:
        half = _cborg_half_bits(value)
        if _read_half(half) == value:
            return b"\xf9" + half.to_bytes(2, "big")
        if struct.unpack(">f", single)[0] == value:
            return b"\xfa" + single
    return b"\xfb" + struct.pack(">d", value)


def _text_bytes(value: str) -> bytes:
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise _unencodable("text with a lone surrogate cannot be encoded as UTF-8") from None


def _key_sort(entry: tuple[bytes, int, int | bytes, bytes]) -> tuple[int, int, int | bytes]:
    _, major, rank, _ = entry
    if isinstance(rank, bytes):
        return (major, len(rank), int.from_bytes(rank, "big") if rank else 0)
    return (major, rank, 0)


def _encode(value: Any, out: bytearray, depth: int) -> None:
    if depth > 1000:
        raise _unencodable("the value nests too deeply to encode")
    if value is None:
        out.append(0xF6)
    elif value is True:
        out.append(0xF5)
    elif value is False:
        out.append(0xF4)
    elif isinstance(value, int):
        if 0 <= value <= UINT64_MAX:
            out += encode_head(0, value)
        elif -(2**64) <= value < 0:
            out += encode_head(1, -1 - value)
        else:
            raise _unencodable(f"integer {value} does not fit in 64 bits")
    elif isinstance(value, float):
        out += _encode_float(value)
    elif isinstance(value, str):
        raw = _text_bytes(value)
        out += encode_head(3, len(raw))
        out += raw
    elif isinstance(value, bytes | bytearray):
        out += encode_head(2, len(value))
        out += value
    elif isinstance(value, list | tuple):
        out += encode_head(4, len(value))
        for element in value:
            _encode(element, out, depth + 1)
    elif isinstance(value, dict):
        entries: list[tuple[bytes, int, int | bytes, bytes]] = []
        for key, element in value.items():
            if isinstance(key, bool) or not isinstance(key, int | str):
                raise _unencodable(f"map key {key!r} is not an integer or text")
            key_bytes = bytearray()
            _encode(key, key_bytes, depth + 1)
            rank: int | bytes
            if isinstance(key, str):
                major, rank = 3, _text_bytes(key)
            elif key >= 0:
                major, rank = 0, key
            else:
                major, rank = 1, -1 - key
            element_bytes = bytearray()
            _encode(element, element_bytes, depth + 1)
            entries.append((bytes(key_bytes), major, rank, bytes(element_bytes)))
        entries.sort(key=_key_sort)
        out += encode_head(5, len(entries))
        for encoded_key, _, _, encoded_value in entries:
            out += encoded_key
            out += encoded_value
    else:
        raise _unencodable(f"a {type(value).__name__} cannot be encoded as CBOR")


def dumps(value: Any) -> bytes:
    """Encode ``value`` as cborg does (see the module docstring).

    :raises MalformedValueError: ``CBOR_UNENCODABLE`` for a value with no faithful encoding (NaN,
        an integral float, an integer beyond 64 bits, a lone surrogate, another Python type).
    """
    out = bytearray()
    _encode(value, out, 0)
    return bytes(out)
