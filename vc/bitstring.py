"""The status bits of Bitstring Status List v1.0 and their ``encodedList`` form.

:class:`Bitstring`: index 0 is the most significant bit of byte 0; it is encoded as GZIP then
multibase base64url (``u`` prefix, no padding), and decoding inflates under a cap
(:data:`DEFAULT_MAX_BYTES` by default). The public names are re-exported by :mod:`vic.vc.status`;
``docs/status.md`` describes the format and the caps.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from typing import Any, Final, cast

from zlib_ng import zlib_ng

from vic.contexts.errors import (
    InputTooLargeError,
    StatusIndexRangeError,
    StatusListError,
    UsageError,
)
from vic.vc.jsonio import is_int

__all__ = ["DEFAULT_MAX_BYTES", "MIN_LIST_LENGTH", "TERSE_LIST_LENGTH", "Bitstring"]

MIN_LIST_LENGTH: Final = 131_072
"""The minimum number of entries of a status list (16 KiB of bits), for herd privacy."""

TERSE_LIST_LENGTH: Final = 2**26
"""The list length VC Barcodes requires for the terse entry (64 lists per base URL)."""

DEFAULT_MAX_BYTES: Final = TERSE_LIST_LENGTH // 8
"""The default inflation cap: a 2^26-entry list of 1-bit statuses, 8 MiB."""
_INFLATE_CHUNK: Final = 256 * 1024
_GZIP_WBITS: Final = 16 + 15  # a gzip member, nothing else (no zlib or raw deflate)
# zlib_ng's stub declares ``error`` as an instance; at run time it is the exception class.
_ZLIB_ERROR: Final = cast("type[Exception]", zlib_ng.error)
# The gzip header of our encoder: no flags, mtime 0, XFL 0, OS 3 (as in the spec's example), so
# that encoding is deterministic and byte-identical to the spec's all-zero list.
_GZIP_HEADER: Final = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
_B64URL: Final = re.compile(r"[A-Za-z0-9_-]*")

_DENSE_BYTES: Final = 4096
"""Non-zero bytes past which :meth:`Bitstring.encode` compresses at level 6 instead of 9."""
_VERY_DENSE_BYTES: Final = 131_072
"""Non-zero bytes past which :meth:`Bitstring.encode` compresses at level 5 instead of 6."""


class Bitstring:
    """A mutable array of status bits; index 0 is the most significant bit of byte 0."""

    __slots__ = ("_bytes",)

    def __init__(self, length: int = MIN_LIST_LENGTH, *, minimum: int = MIN_LIST_LENGTH) -> None:
        """An all-zero bitstring of ``length`` bits.

        :param length: a positive multiple of 8, at least ``minimum``.
        :param minimum: the smallest length accepted; lower it only for tests or an ecosystem that
            sets a lower bound.
        :raises UsageError: ``length`` is not a positive multiple of 8.
        :raises StatusListError: ``length`` is below ``minimum`` (code ``STATUS_LIST_TOO_SHORT``).
        """
        _check_length(length, minimum)
        self._bytes = bytearray(length // 8)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray, *, minimum: int = MIN_LIST_LENGTH) -> Bitstring:
        """A bitstring over a copy of ``data`` (its bits in order, most significant first).

        :raises UsageError: ``data`` is empty.
        :raises StatusListError: it has fewer than ``minimum`` bits (``STATUS_LIST_TOO_SHORT``).
        """
        _check_length(len(data) * 8, minimum)
        out = cls.__new__(cls)
        out._bytes = bytearray(data)
        return out

    def to_bytes(self) -> bytes:
        """The bits as bytes, the first bit being the most significant bit of the first byte."""
        return bytes(self._bytes)

    def __len__(self) -> int:
        return len(self._bytes) * 8

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Bitstring):
            return NotImplemented
        return self._bytes == other._bytes

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Bitstring(length={len(self)}, set={self.count()})"

    def count(self) -> int:
        """How many bits are set."""
        return int.from_bytes(self._bytes, "big").bit_count()

    def get(self, index: int) -> bool:
        """Whether bit ``index`` is set.

        :raises StatusIndexRangeError: ``index`` is outside the bitstring.
        """
        self._check_index(index, 1)
        return bool(self._bytes[index >> 3] & (0x80 >> (index & 7)))

    def set(self, index: int, value: bool = True) -> None:
        """Set (or with ``value=False`` clear) bit ``index``.

        :raises StatusIndexRangeError: ``index`` is outside the bitstring.
        """
        self._check_index(index, 1)
        mask = 0x80 >> (index & 7)
        if value:
            self._bytes[index >> 3] |= mask
        else:
            self._bytes[index >> 3] &= ~mask & 0xFF

    def get_entry(self, index: int, status_size: int = 1) -> int:
        """The status value of entry ``index``: ``status_size`` bits from bit
        ``index * status_size``, the first bit the most significant.

        :raises UsageError: ``status_size`` is not a positive integer.
        :raises StatusIndexRangeError: the entry does not lie wholly inside the bitstring.
        """
        data = self._bytes
        if (
            status_size == 1
            and type(status_size) is int
            and type(index) is int
            and 0 <= index < len(data) << 3
        ):  # one bit, the common case: the checks below pass
            return (data[index >> 3] >> (7 - (index & 7))) & 1
        _check_status_size_arg(status_size)
        start = self._check_entry(index, status_size)
        value = 0
        for position in range(start, start + status_size):
            bit = (self._bytes[position >> 3] >> (7 - (position & 7))) & 1
            value = (value << 1) | bit
        return value

    def set_entry(self, index: int, value: int, status_size: int = 1) -> None:
        """Write ``value`` into entry ``index`` (the counterpart of :meth:`get_entry`).

        :raises UsageError: ``status_size`` is not a positive integer, or ``value`` does not fit.
        :raises StatusIndexRangeError: the entry does not lie wholly inside the bitstring.
        """
        _check_status_size_arg(status_size)
        if not is_int(value) or not 0 <= value < (1 << status_size):
            raise UsageError(f"status value {value!r} does not fit in {status_size} bit(s)")
        start = self._check_entry(index, status_size)
        for offset in range(status_size):
            self.set(start + offset, bool((value >> (status_size - 1 - offset)) & 1))

    def encode(self) -> str:
        """The ``encodedList`` form: GZIP, then multibase base64url (``u``, no padding).

        Deterministic: the gzip header carries no name and a zero mtime, and the DEFLATE level is
        a function of the bits: 9 (the smallest, and the spec's example byte for byte) while at
        most :data:`_DENSE_BYTES` bytes are non-zero, 6 while at most :data:`_VERY_DENSE_BYTES`
        are, 5 beyond (a 2^26-entry list with a million bits set: level 9 takes 4 s, 6 0.35 s,
        5 0.1 s for a result 2.5 % larger than 6). Readers do not care which level was used.
        """
        data = bytes(self._bytes)
        non_zero = len(data) - data.count(0)
        level = 9 if non_zero <= _DENSE_BYTES else 6 if non_zero <= _VERY_DENSE_BYTES else 5
        compressor = zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15)
        deflated = compressor.compress(data) + compressor.flush()
        trailer = struct.pack("<II", zlib_ng.crc32(self._bytes), len(self._bytes) & 0xFFFFFFFF)
        raw = _GZIP_HEADER + deflated + trailer
        return "u" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(
        cls,
        encoded: str,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        minimum: int = MIN_LIST_LENGTH,
    ) -> Bitstring:
        """Decode an ``encodedList``, inflating at most ``max_bytes`` bytes.

        The value must be ``u`` + canonical unpadded base64url of exactly one gzip member; the
        inflated bitstring must have at least ``minimum`` bits.

        :raises InputTooLargeError: the list inflates (or could only inflate) to more than
            ``max_bytes``; inflation stops as soon as the cap is passed.
        :raises StatusListError: not multibase base64url, not a single valid gzip member, or
            trailing bytes (``INVALID_ENCODED_LIST``); too short (``STATUS_LIST_TOO_SHORT``).
        :raises UsageError: ``max_bytes`` is not a positive integer.
        """
        if not is_int(max_bytes) or max_bytes <= 0:
            raise UsageError("max_bytes must be a positive integer")
        if not isinstance(encoded, str):
            raise _bad_list("encodedList is not a string")
        # deflate expands incompressible data by a few bytes per block: anything much longer than
        # the cap cannot inflate to within it (the bound is loose on purpose).
        max_compressed = max_bytes + max_bytes // 64 + 1024
        if len(encoded) > 1 + (max_compressed * 4 + 2) // 3:
            raise InputTooLargeError(
                "encodedList is longer than any list within the inflation cap",
                length=len(encoded),
                max_bytes=max_bytes,
            )
        raw = _gunzip_bounded(_decode_base64url_multibase(encoded), max_bytes)
        if not raw:
            raise StatusListError("the status list is empty", code="STATUS_LIST_TOO_SHORT")
        _check_length(len(raw) * 8, minimum)
        out = cls.__new__(cls)
        out._bytes = raw  # adopted, not copied: a 2^26-bit list is 8 MiB
        return out

    def _check_index(self, index: int, width: int) -> None:
        if not is_int(index):
            raise UsageError(f"a bit index must be an int, not {type(index).__name__}")
        if index < 0 or index + width > len(self):
            raise StatusIndexRangeError(
                f"bit {index} is outside the {len(self)}-bit list", index=index, length=len(self)
            )

    def _check_entry(self, index: int, status_size: int) -> int:
        if not is_int(index):
            raise UsageError(f"an entry index must be an int, not {type(index).__name__}")
        if index < 0 or (index + 1) * status_size > len(self):
            raise StatusIndexRangeError(
                f"entry {index} of {status_size} bit(s) is outside the {len(self)}-bit list",
                index=index,
                status_size=status_size,
                length=len(self),
            )
        return index * status_size


def _check_length(length: int, minimum: int) -> None:
    if not is_int(length) or length <= 0 or length % 8:
        raise UsageError(f"a bitstring length must be a positive multiple of 8, not {length!r}")
    if not is_int(minimum) or minimum < 0:
        raise UsageError("minimum must be a non-negative integer")
    if length < minimum:
        raise StatusListError(
            f"the status list has {length} bits, fewer than the minimum {minimum}",
            code="STATUS_LIST_TOO_SHORT",
            length=length,
            minimum=minimum,
        )


def _check_status_size_arg(status_size: int) -> None:
    if not is_int(status_size) or status_size <= 0:
        raise UsageError(f"status_size must be a positive integer, not {status_size!r}")


def _bad_list(message: str, **detail: Any) -> StatusListError:
    return StatusListError(message, code="INVALID_ENCODED_LIST", **detail)


def _decode_base64url_multibase(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise _bad_list("encodedList is not multibase base64url (it must start with 'u')")
    body = encoded[1:]
    if not _B64URL.fullmatch(body) or len(body) % 4 == 1:
        raise _bad_list("encodedList is not unpadded base64url")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - excluded by the checks above
        raise _bad_list("encodedList is not unpadded base64url") from exc
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != body:
        raise _bad_list("encodedList is not canonical base64url (non-zero trailing bits)")
    return raw


def _gunzip_bounded(compressed: bytes, max_bytes: int) -> bytearray:
    """Inflate one gzip member, never holding more than ``max_bytes + 1`` output bytes."""
    inflater = zlib_ng.decompressobj(wbits=_GZIP_WBITS)
    out = bytearray()
    data = compressed
    try:
        while True:
            want = min(max_bytes + 1 - len(out), _INFLATE_CHUNK)
            chunk = inflater.decompress(data, want)
            out += chunk
            if len(out) > max_bytes:
                raise InputTooLargeError(
                    f"the status list inflates to more than {max_bytes} bytes",
                    max_bytes=max_bytes,
                )
            if inflater.eof:
                break
            data = inflater.unconsumed_tail
            if not data and not chunk:
                raise _bad_list("encodedList is a truncated gzip member")
    except _ZLIB_ERROR as exc:
        raise _bad_list(f"encodedList is not valid GZIP: {exc}") from exc
    if inflater.unused_data:
        raise _bad_list(
            "encodedList has bytes after its gzip member", trailing=len(inflater.unused_data)
        )
    return out
