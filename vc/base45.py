"""Strict base45 (RFC 9285), the encoding of QR-code payloads (VC Barcodes, EU DCC).

``encode`` turns bytes into text of the 45-character alphabet of QR alphanumeric mode; ``decode``
is strict: any character outside the alphabet, a dangling single character, or a group whose value
is out of range (a three-character group above 65535, a two-character group above 255) raises
:class:`vic.contexts.errors.ParsingError` with code ``INVALID_BASE45``. Nothing is normalised: lower
case letters are not the alphabet's upper case ones.
"""

from __future__ import annotations

from functools import lru_cache

from vic.contexts.errors import InputTooLargeError, ParsingError

__all__ = ["ALPHABET", "MAX_TEXT_LENGTH", "decode", "encode"]

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
"""The 45 characters, in value order (RFC 9285 section 4)."""

MAX_TEXT_LENGTH = 1 << 20
"""The longest text :func:`decode` reads (a QR code holds at most 4,296 alphanumeric characters)."""

_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_TRANSLATE = bytes(ALPHABET.index(chr(b)) if chr(b) in ALPHABET else 0xFF for b in range(256))
"""Each byte's value in the alphabet, 0xFF for a byte outside it (for ``bytes.translate``)."""


def encode(data: bytes) -> str:
    """Base45-encode ``data``: each two bytes become three characters, a last odd byte two."""
    out: list[str] = []
    n = len(data)
    for i in range(0, n - 1, 2):
        v = (data[i] << 8) | data[i + 1]
        v, c = divmod(v, 45)
        e, d = divmod(v, 45)
        out.append(ALPHABET[c] + ALPHABET[d] + ALPHABET[e])
    if n % 2:
        d, c = divmod(data[-1], 45)
        out.append(ALPHABET[c] + ALPHABET[d])
    return "".join(out)


def _bad(message: str, **detail: object) -> ParsingError:
    return ParsingError(message, code="INVALID_BASE45", **detail)


def decode(text: str) -> bytes:
    """Decode base45 ``text`` strictly (see the module docstring for what is rejected)."""
    if not isinstance(text, str):
        raise _bad("base45 input must be text")
    if len(text) > MAX_TEXT_LENGTH:
        raise InputTooLargeError(
            f"base45 text of {len(text)} characters exceeds the cap of {MAX_TEXT_LENGTH}",
            limit=MAX_TEXT_LENGTH,
        )
    if text.isascii():
        values = text.encode("ascii").translate(_TRANSLATE)
        if b"\xff" not in values and len(values) % 3 != 1:
            out = _decode_groups(values)
            if out is not None:
                return out
    return _decode_slowly(text)


def _decode_groups(values: bytes) -> bytes | None:
    """The bytes of alphabet ``values`` (0-44, length not 3k+1), None if a group is out of range.

    All groups at once, as big integers: read big-endian, group i (from the end) is the 24-bit
    lane ``65536 a + 256 b + c`` at bit 24 i; masking and shifting give the lanes of a, b and c,
    and ``a + 45 b + 2025 c`` (at most 91,124) never carries out of its lane. A group is in range
    when its lane's high byte is zero; its two low bytes are the output, high byte first, so the
    output is the lanes' bytes with every third (high) byte deleted.
    """
    n = len(values)
    groups = n // 3
    size = 3 * groups
    lanes = int.from_bytes(values[:size], "big")
    mask = _mask(groups)
    total = ((lanes >> 16) & mask) + 45 * ((lanes >> 8) & mask) + 2025 * (lanes & mask)
    out = bytearray(total.to_bytes(size, "big"))
    if out[0::3].count(0) != groups:
        return None
    del out[0::3]
    if n % 3 == 2:
        last = values[-2] + values[-1] * 45
        if last > 0xFF:
            return None
        out.append(last)
    return bytes(out)


@lru_cache(maxsize=64)
def _mask(groups: int) -> int:
    """The integer whose ``groups`` 24-bit lanes are 0xFF each (a constant of the text's length
    alone, kept for the 64 lengths used last)."""
    return int.from_bytes(b"\xff\x00\x00" * groups, "little")


def _decode_slowly(text: str) -> bytes:
    """:func:`decode` one group at a time: the same result, and the error for the first fault."""
    values: list[int] = []
    for pos, ch in enumerate(text):
        v = _VALUES.get(ch)
        if v is None:
            raise _bad(
                f"character {ch!r} at position {pos} is not in the base45 alphabet", position=pos
            )
        values.append(v)
    n = len(values)
    if n % 3 == 1:
        raise _bad("base45 text ends with a dangling single character", position=n - 1)
    out = bytearray()
    for i in range(0, n - 2, 3):
        v = values[i] + values[i + 1] * 45 + values[i + 2] * 2025
        if v > 0xFFFF:
            raise _bad(f"base45 group at position {i} has value {v} > 65535", position=i)
        out += bytes((v >> 8, v & 0xFF))
    if n % 3 == 2:
        v = values[-2] + values[-1] * 45
        if v > 0xFF:
            raise _bad(f"final base45 pair has value {v} > 255", position=n - 2)
        out.append(v)
    return bytes(out)
