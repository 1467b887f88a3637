"""The tag forms of CBOR-LD: the tag and registry entry id around a payload.

CBOR-LD 1.0 is tag 0xCB1D around ``[registryEntryId, payload]``; the pre-1.0 forms are
``legacy-range`` (tags 0x0600-0x06FF, the registry entry id as a varint whose first byte is in the
tag) and ``legacy-singleton`` (tags 0x0500/0x0501, cborld's legacy global tables, no registry
entry). :func:`read_header` says which form bytes are in; the converter
(:mod:`vic.vc.cborld.converter`) writes and reads the payload inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from vic.contexts.errors import ParsingError
from vic.vc.cborld import cbor
from vic.vc.cborld.cbor import DEFAULT_LIMITS, CborLimits
from vic.vc.cborld.tables import (
    CBORLD_TAG,
    LEGACY_RANGE_END,
    LEGACY_RANGE_START,
    LEGACY_SINGLETON_COMPRESSED,
    LEGACY_SINGLETON_UNCOMPRESSED,
)

__all__ = ["CborldFormat", "CborldHeader", "read_header", "read_tagged", "tag_prefix"]

_MAX_VARINT_BYTES: Final = 8


class CborldFormat(StrEnum):
    """The tag forms of CBOR-LD."""

    CBORLD_1_0 = "cbor-ld-1.0"
    LEGACY_RANGE = "legacy-range"
    LEGACY_SINGLETON = "legacy-singleton"


@dataclass(frozen=True)
class CborldHeader:
    """What the tag of a CBOR-LD payload says: its form and registry entry (``None`` for the
    legacy singleton form, which has no registry entry), and whether the payload is compressed."""

    format: CborldFormat
    registry_entry_id: int | None
    compressed: bool


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def tag_prefix(fmt: CborldFormat, entry_id: int | None, compressed: bool) -> bytes:
    """The tag (and, but for the legacy singleton form, the registry entry id) written before a
    payload."""
    if fmt is CborldFormat.LEGACY_SINGLETON:
        tag = LEGACY_SINGLETON_COMPRESSED if compressed else LEGACY_SINGLETON_UNCOMPRESSED
        return cbor.encode_head(6, tag)
    assert entry_id is not None
    if fmt is CborldFormat.LEGACY_RANGE:
        if entry_id < 128:
            return cbor.encode_head(6, LEGACY_RANGE_START + entry_id)
        varint = _varint(entry_id)
        return (
            cbor.encode_head(6, LEGACY_RANGE_START + varint[0]) + b"\x82" + cbor.dumps(varint[1:])
        )
    return cbor.encode_head(6, CBORLD_TAG) + b"\x82" + cbor.dumps(entry_id)


def _header_error(message: str, code: str = "INVALID_CBORLD_HEADER") -> ParsingError:
    return ParsingError(message, code=code)


def read_tagged(data: bytes, limits: CborLimits) -> tuple[CborldHeader, Any]:
    """The header and the CBOR payload of CBOR-LD ``data`` (nothing after it).

    :raises ParsingError: ``INVALID_CBOR``, ``NOT_CBORLD``, ``UNKNOWN_CBORLD_TAG``,
        ``INVALID_CBORLD_HEADER`` and the CBOR reader's codes.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise _header_error("CBOR-LD input must be bytes", code="INVALID_CBOR")
    reader = cbor.Reader(bytes(data), limits)
    major, _, tag = reader.head()
    if major != 6:
        raise _header_error("the input does not start with a CBOR tag", code="NOT_CBORLD")
    if tag == CBORLD_TAG:
        major, _, length = reader.head()
        if (major, length) != (4, 2):
            raise _header_error("the CBOR-LD 1.0 tag must enclose a two-element array")
        major, _, entry_id = reader.head()
        if major != 0:
            raise _header_error("the registry entry id must be an unsigned integer")
        header = CborldHeader(CborldFormat.CBORLD_1_0, entry_id, entry_id != 0)
        payload = reader.item(1)
    elif LEGACY_RANGE_START <= tag <= LEGACY_RANGE_END:
        first = tag - LEGACY_RANGE_START
        if first < 128:
            header = CborldHeader(CborldFormat.LEGACY_RANGE, first, first != 0)
            payload = reader.item()
        else:
            major, _, length = reader.head()
            if (major, length) != (4, 2):
                raise _header_error("a legacy varint tag must enclose a two-element array")
            rest = reader.item(1)
            if not isinstance(rest, bytes):
                raise _header_error("the rest of the registry entry id varint must be bytes")
            entry_id = _read_varint(bytes([first]) + rest)
            header = CborldHeader(CborldFormat.LEGACY_RANGE, entry_id, entry_id != 0)
            payload = reader.item(1)
    elif tag in (LEGACY_SINGLETON_UNCOMPRESSED, LEGACY_SINGLETON_COMPRESSED):
        header = CborldHeader(
            CborldFormat.LEGACY_SINGLETON, None, tag == LEGACY_SINGLETON_COMPRESSED
        )
        payload = reader.item()
    else:
        raise _header_error(f"CBOR tag {tag} is not a CBOR-LD tag", code="UNKNOWN_CBORLD_TAG")
    reader.expect_end()
    return header, payload


def _read_varint(raw: bytes) -> int:
    if len(raw) > _MAX_VARINT_BYTES:
        raise _header_error("the registry entry id varint is too long")
    value = 0
    for index, byte in enumerate(raw):
        value |= (byte & 0x7F) << (7 * index)
        last = index == len(raw) - 1
        if bool(byte & 0x80) == last:
            raise _header_error("the registry entry id varint is malformed")
    return value


def read_header(data: bytes, limits: CborLimits = DEFAULT_LIMITS) -> CborldHeader:
    """The tag form and registry entry id of CBOR-LD ``data`` (the payload is parsed, not
    converted).

    :raises ParsingError: as :func:`decode`.
    """
    return read_tagged(data, limits)[0]
