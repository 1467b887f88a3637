"""Strict base45 (RFC 9285), the encoding of QR-code payloads (VC Barcodes, EU DCC).

``encode`` turns bytes into text of the 45-character alphabet of QR alphanumeric mode; ``decode``
is strict: any character outside the alphabet, a dangling single character, or a group whose value
is out of range (a three-character group above 65535, a two-character group above 255) raises
:class:`vic.contexts.errors.ParsingError` with code ``INVALID_BASE45``. Nothing is normalised: lower
case letters are not the alphabet's upper case ones.
"""

from __future__ import annotations

from vic.contexts.errors import InputTooLargeError, ParsingError

__all__ = ["ALPHABET", "MAX_TEXT_LENGTH", "decode", "encode"]

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
"""The 45 characters, in value order (RFC 9285 section 4)."""

MAX_TEXT_LENGTH = 1 << 20
"""The longest text :func:`decode` reads (a QR code holds at most 4,296 alphanumeric characters)."""

_VALUES = {c: i for i, c in enumerate(ALPHABET)}


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
