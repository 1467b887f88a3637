"""Bitstring Status List v1.0 and the VC Barcodes terse status entry.

Pure functions and values only: fetching, caching and signing status list credentials are the jobs
of the issuer and verifier layers. The formats, the terse expansion and the decoding caps are
described in ``docs/status.md``.

- :class:`Bitstring`: the status bits, index 0 being the most significant bit of byte 0, encoded as
  GZIP then multibase base64url (``u`` prefix, no padding); decoding inflates under a cap.
- :func:`build_status_list_credential`: an unsigned ``BitstringStatusListCredential``.
- :func:`parse_status_entries` / :func:`expand_terse_entry`: a credential's status entries, the
  terse entry of VC Barcodes expanded into its revocation and suspension entries.
- :func:`parse_status_list_credential` / :func:`check_status`: read a (verified) status list
  credential and look an entry up in it.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final, cast
from urllib.parse import urlsplit

from zlib_ng import zlib_ng

from vic.contexts.errors import (
    DataModelError,
    InputTooLargeError,
    StatusIndexRangeError,
    StatusListError,
    UsageError,
    ValidityRangeError,
)
from vic.vc.dates import format_datetime, parse_datetime
from vic.vc.frozen import frozen
from vic.vc.jsonio import is_int

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MIN_LIST_LENGTH",
    "TERSE_LIST_LENGTH",
    "Bitstring",
    "StatusEntry",
    "StatusList",
    "StatusMessage",
    "StatusPurpose",
    "StatusResult",
    "build_status_list_credential",
    "check_status",
    "expand_terse_entry",
    "parse_status_entries",
    "parse_status_list_credential",
]

MIN_LIST_LENGTH: Final = 131_072
"""The minimum number of entries of a status list (16 KiB of bits), for herd privacy."""

TERSE_LIST_LENGTH: Final = 2**26
"""The list length VC Barcodes requires for the terse entry (64 lists per base URL)."""

DEFAULT_MAX_BYTES: Final = TERSE_LIST_LENGTH // 8
"""The default inflation cap: a 2^26-entry list of 1-bit statuses, 8 MiB."""

VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"

_MAX_STATUS_SIZE: Final = 16
"""statusSize above this would need a statusMessage array of more than 65,536 elements."""
_MAX_STATUS_ENTRIES: Final = 32
_MAX_URL_LENGTH: Final = 4096
_MAX_INDEX_DIGITS: Final = 19
_TERSE_INDEX_LIMIT: Final = 2**32
_INFLATE_CHUNK: Final = 256 * 1024
_GZIP_WBITS: Final = 16 + 15  # a gzip member, nothing else (no zlib or raw deflate)
# zlib_ng's stub declares ``error`` as an instance; at run time it is the exception class.
_ZLIB_ERROR: Final = cast("type[Exception]", zlib_ng.error)
# The gzip header of our encoder: no flags, mtime 0, XFL 0, OS 3 (as in the spec's example), so
# that encoding is deterministic and byte-identical to the spec's all-zero list.
_GZIP_HEADER: Final = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
_B64URL: Final = re.compile(r"[A-Za-z0-9_-]*")
_DIGITS: Final = re.compile(r"[0-9]+")

_ENTRY_TYPE: Final = "BitstringStatusListEntry"
_TERSE_ENTRY_TYPE: Final = "TerseBitstringStatusListEntry"
_LIST_CREDENTIAL_TYPE: Final = "BitstringStatusListCredential"
_LIST_TYPE: Final = "BitstringStatusList"


class StatusPurpose(StrEnum):
    """The status purposes Bitstring Status List defines."""

    REVOCATION = "revocation"
    SUSPENSION = "suspension"
    MESSAGE = "message"
    REFRESH = "refresh"


# --- the bitstring ------------------------------------------------------------------------------


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


# --- the status list credential -----------------------------------------------------------------


def build_status_list_credential(
    *,
    id: str,
    issuer: str,
    purpose: StatusPurpose,
    bitstring: Bitstring,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` (VC 2.0) publishing ``bitstring``.

    Its subject is ``{id}#list``; dates are written in UTC (``Z``). Securing it is the caller's job.

    :raises UsageError: ``id`` or ``issuer`` is not an absolute URL, a date is naive, ``ttl_ms``
        is negative, or ``purpose`` is not a :class:`StatusPurpose`.
    :raises ValidityRangeError: ``valid_from`` is after ``valid_until``.
    """
    if not _is_url(id):
        raise UsageError(f"the status list id must be an absolute URL: {id!r}")
    if not _is_url(issuer):
        raise UsageError(f"the issuer must be an absolute URL or DID: {issuer!r}")
    if not isinstance(purpose, StatusPurpose):
        raise UsageError(f"purpose must be a StatusPurpose, not {purpose!r}")
    if not isinstance(bitstring, Bitstring):
        raise UsageError("bitstring must be a Bitstring")
    if ttl_ms is not None and (not is_int(ttl_ms) or ttl_ms < 0):
        raise UsageError(f"ttl_ms must be a non-negative integer, not {ttl_ms!r}")
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        raise ValidityRangeError("valid_from is after valid_until")
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": id,
        "type": ["VerifiableCredential", _LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
    }
    if valid_from is not None:
        credential["validFrom"] = _format_datetime(valid_from)
    if valid_until is not None:
        credential["validUntil"] = _format_datetime(valid_until)
    subject: dict[str, Any] = {
        "id": f"{id}#list",
        "type": _LIST_TYPE,
        "statusPurpose": purpose.value,
        "encodedList": bitstring.encode(),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    credential["credentialSubject"] = subject
    return credential


@dataclass(frozen=True)
class StatusList:
    """The content of a ``BitstringStatusListCredential``, decoded (a value worth caching).

    ``bitstring`` must not be mutated once the list is shared.
    """

    id: str
    purposes: frozenset[str]
    bitstring: Bitstring
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    ttl_ms: int | None = None


def parse_status_list_credential(
    credential: Mapping[str, Any],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    minimum: int = MIN_LIST_LENGTH,
) -> StatusList:
    """Read a status list credential whose proof the caller has already verified.

    Checks its shape (types, subject, purposes, dates, ``ttl``) and decodes ``encodedList`` under
    the inflation cap. It does not look at the clock: :func:`check_status` does.

    :raises StatusListError: the credential is malformed (finer codes: ``STATUS_LIST_TYPE``,
        ``INVALID_ENCODED_LIST``, ``STATUS_LIST_TOO_SHORT``).
    :raises ValidityRangeError: its ``validFrom`` is after its ``validUntil``.
    :raises InputTooLargeError: ``encodedList`` inflates to more than ``max_bytes``.
    """
    if not isinstance(credential, Mapping):
        raise StatusListError("the status list credential is not a JSON object")
    list_id = credential.get("id")
    if not isinstance(list_id, str) or not _is_url(list_id):
        raise StatusListError("the status list credential has no absolute URL id")
    if _LIST_CREDENTIAL_TYPE not in _types(credential.get("type")):
        raise StatusListError(
            f"the status list credential is not of type {_LIST_CREDENTIAL_TYPE}",
            code="STATUS_LIST_TYPE",
        )
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, Mapping):
        raise StatusListError("the status list credential must have exactly one subject")
    if _LIST_TYPE not in _types(subject.get("type")):
        raise StatusListError(
            f"the status list credential's subject is not of type {_LIST_TYPE}",
            code="STATUS_LIST_TYPE",
        )
    purposes = _purposes(subject.get("statusPurpose"))
    valid_from = _optional_datetime(credential, "validFrom")
    valid_until = _optional_datetime(credential, "validUntil")
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        raise ValidityRangeError("the status list's validFrom is after its validUntil")
    ttl = subject.get("ttl")
    if ttl is not None and (not is_int(ttl) or ttl < 0):
        raise StatusListError("the status list's ttl is not a non-negative integer")
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise _bad_list("the status list has no encodedList string")
    bitstring = Bitstring.decode(encoded, max_bytes=max_bytes, minimum=minimum)
    return StatusList(list_id, purposes, bitstring, valid_from, valid_until, ttl)


# --- status entries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusMessage:
    """One element of an entry's ``statusMessage`` array."""

    status: int
    message: str


@dataclass(frozen=True)
class StatusEntry:
    """A ``BitstringStatusListEntry``: where a credential's status of one purpose is kept."""

    id: str | None
    purpose: StatusPurpose
    list_credential: str
    index: int
    status_size: int = 1
    status_message: tuple[StatusMessage, ...] = ()


_REVOCATION: Final = StatusPurpose.REVOCATION
_SUSPENSION: Final = StatusPurpose.SUSPENSION


def parse_status_entries(credential: Mapping[str, Any]) -> tuple[StatusEntry, ...]:
    """The status entries of ``credential``'s ``credentialStatus`` (an object or an array).

    A ``TerseBitstringStatusListEntry`` becomes its revocation and suspension entries (see
    :func:`expand_terse_entry`). No ``credentialStatus`` gives an empty tuple.

    :raises StatusListError: an entry is malformed, or of a type other than these two (code
        ``UNSUPPORTED_STATUS_TYPE``), or of an unknown purpose (``UNSUPPORTED_STATUS_PURPOSE``),
        or there are too many entries (``TOO_MANY_STATUS_ENTRIES``).
    """
    if not isinstance(credential, Mapping):
        raise StatusListError("the credential is not a JSON object")
    status = credential.get("credentialStatus")
    if status is None:
        return ()
    items: Sequence[Any] = status if isinstance(status, list) else [status]
    if len(items) > _MAX_STATUS_ENTRIES:
        raise StatusListError(
            f"more than {_MAX_STATUS_ENTRIES} credentialStatus entries",
            code="TOO_MANY_STATUS_ENTRIES",
            count=len(items),
        )
    entries: list[StatusEntry] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise StatusListError("a credentialStatus entry is not a JSON object")
        kind = _entry_type(item)
        if kind == _TERSE_ENTRY_TYPE:
            entries.extend(_expand_terse(item, TERSE_LIST_LENGTH))
        else:
            entries.append(_parse_entry(item))
    return tuple(entries)


def expand_terse_entry(
    entry: Mapping[str, Any], *, list_length: int = TERSE_LIST_LENGTH
) -> tuple[StatusEntry, StatusEntry]:
    """Expand a VC Barcodes ``TerseBitstringStatusListEntry`` into (revocation, suspension).

    For each purpose: ``statusListIndex = terseStatusListIndex % list_length`` and
    ``statusListCredential = f"{terseStatusListBaseUrl}/{purpose}/{terseStatusListIndex //
    list_length}"``. The expanded entries have no ``id`` (the algorithm sets none).

    :param list_length: VC Barcodes requires 2^26; other values only reproduce older examples.
    :raises StatusListError: the entry is not a well-formed terse entry (its index must be a
        32-bit unsigned integer, its base an absolute URL).
    :raises UsageError: ``list_length`` is not a positive integer.
    """
    if not is_int(list_length) or list_length <= 0:
        raise UsageError("list_length must be a positive integer")
    if not isinstance(entry, Mapping) or _entry_type(entry) != _TERSE_ENTRY_TYPE:
        raise StatusListError(f"not a {_TERSE_ENTRY_TYPE}", code="UNSUPPORTED_STATUS_TYPE")
    return _expand_terse(entry, list_length)


def _expand_terse(entry: Mapping[str, Any], list_length: int) -> tuple[StatusEntry, StatusEntry]:
    """:func:`expand_terse_entry` of an entry already found to be terse."""
    base = entry.get("terseStatusListBaseUrl")
    if not isinstance(base, str) or not _is_url(base):
        raise StatusListError("terseStatusListBaseUrl is not an absolute URL")
    terse_index = entry.get("terseStatusListIndex")
    if not is_int(terse_index) or not 0 <= terse_index < _TERSE_INDEX_LIMIT:
        raise StatusListError("terseStatusListIndex is not a 32-bit unsigned integer")
    list_index, status_list_index = divmod(terse_index, list_length)
    return (
        frozen(
            StatusEntry,
            id=None,
            purpose=_REVOCATION,
            list_credential=f"{base}/revocation/{list_index}",
            index=status_list_index,
            status_size=1,
            status_message=(),
        ),
        frozen(
            StatusEntry,
            id=None,
            purpose=_SUSPENSION,
            list_credential=f"{base}/suspension/{list_index}",
            index=status_list_index,
            status_size=1,
            status_message=(),
        ),
    )


def _entry_type(item: Mapping[str, Any]) -> str:
    value = item.get("type")
    if type(value) is str and (value in (_TERSE_ENTRY_TYPE, _ENTRY_TYPE)):
        return value  # (what the general form below answers for one known type)
    types = _types(value)
    known = [t for t in types if t in (_ENTRY_TYPE, _TERSE_ENTRY_TYPE)]
    if len(known) == 1:
        return known[0]
    if not known:
        raise StatusListError(
            f"unsupported credentialStatus type {sorted(types)!r}",
            code="UNSUPPORTED_STATUS_TYPE",
            type=sorted(types),
        )
    raise StatusListError("a credentialStatus entry claims both the terse and the full type")


def _parse_entry(item: Mapping[str, Any]) -> StatusEntry:
    entry_id = item.get("id")
    if entry_id is not None and (not isinstance(entry_id, str) or not _is_url(entry_id)):
        raise StatusListError("a status entry's id is not an absolute URL")
    purpose = _purpose(item.get("statusPurpose"))
    list_credential = item.get("statusListCredential")
    if not isinstance(list_credential, str) or not _is_url(list_credential):
        raise StatusListError("statusListCredential is not an absolute URL")
    raw_index = item.get("statusListIndex")
    if (
        not isinstance(raw_index, str)
        or len(raw_index) > _MAX_INDEX_DIGITS
        or not _DIGITS.fullmatch(raw_index)
    ):
        raise StatusListError("statusListIndex is not a non-negative integer in a base-10 string")
    status_size = item.get("statusSize", 1)
    if not is_int(status_size) or not 1 <= status_size <= _MAX_STATUS_SIZE:
        raise StatusListError(f"statusSize is not an integer from 1 to {_MAX_STATUS_SIZE}")
    messages = _status_messages(item.get("statusMessage"), status_size)
    return StatusEntry(
        id=entry_id,
        purpose=purpose,
        list_credential=list_credential,
        index=int(raw_index),
        status_size=status_size,
        status_message=messages,
    )


def _status_messages(raw: Any, status_size: int) -> tuple[StatusMessage, ...]:
    if raw is None:
        if status_size > 1:
            raise StatusListError("statusMessage is required when statusSize is more than 1")
        return ()
    if not isinstance(raw, list) or len(raw) != 1 << status_size:
        raise StatusListError(f"statusMessage must be an array of {1 << status_size} elements")
    out: list[StatusMessage] = []
    for element in raw:
        if not isinstance(element, Mapping):
            raise StatusListError("a statusMessage element is not a JSON object")
        status, message = element.get("status"), element.get("message")
        if not isinstance(status, str) or not re.fullmatch(r"0x[0-9a-fA-F]{1,8}", status):
            raise StatusListError("a statusMessage status is not a 0x-prefixed hex string")
        if not isinstance(message, str):
            raise StatusListError("a statusMessage message is not a string")
        value = int(status, 16)
        if value >= 1 << status_size or any(m.status == value for m in out):
            raise StatusListError("statusMessage values must be distinct and fit statusSize")
        out.append(StatusMessage(value, message))
    return tuple(out)


# --- checking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusResult:
    """The status of one entry: ``set`` is whether its value is non-zero."""

    entry: StatusEntry
    set: bool
    list_valid_until: datetime | None
    value: int = 0
    message: str | None = None
    list_ttl_ms: int | None = None


def check_status(
    entry: StatusEntry,
    status_list_credential: Mapping[str, Any] | StatusList,
    *,
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BYTES,
    minimum_entries: int = MIN_LIST_LENGTH,
    skew: timedelta = timedelta(0),
) -> StatusResult:
    """Look ``entry`` up in its status list (the Bitstring Status List validate algorithm).

    Precondition: the caller has fetched the list credential and verified its proof (and trusts
    its issuer); this function does neither. ``status_list_credential`` may also be a
    :class:`StatusList` already parsed (from a cache), which skips the decoding.

    Checks that the list's ``id`` is ``entry.list_credential``, its types, that one of its
    purposes is the entry's, that ``now`` lies in its validity period, that it has at least
    ``minimum_entries`` entries of ``entry.status_size`` bits, and reads the entry. ``skew`` is
    the clock skew allowed at both ends of the validity period (the verifier passes
    :data:`vic.vc.dates.DEFAULT_CLOCK_SKEW`; a list published in the same second it is read is
    valid).

    :raises StatusListError: malformed list (see :func:`parse_status_list_credential`), or codes
        ``STATUS_LIST_ID_MISMATCH``, ``STATUS_PURPOSE_MISMATCH``, ``STATUS_LIST_NOT_YET_VALID``,
        ``STATUS_LIST_EXPIRED``, ``STATUS_LIST_TOO_SHORT``.
    :raises StatusIndexRangeError: the entry lies outside the list.
    :raises InputTooLargeError: ``encodedList`` inflates to more than ``max_bytes``.
    :raises UsageError: ``now`` is naive.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise UsageError("now must be timezone-aware")
    if isinstance(status_list_credential, StatusList):
        status_list = status_list_credential
    else:
        status_list = parse_status_list_credential(
            status_list_credential, max_bytes=max_bytes, minimum=minimum_entries
        )
    if status_list.id != entry.list_credential:
        raise StatusListError(
            "the status list credential is not the one the entry names",
            code="STATUS_LIST_ID_MISMATCH",
            expected=entry.list_credential,
            actual=status_list.id,
        )
    if entry.purpose.value not in status_list.purposes:
        raise StatusListError(
            f"the status list is not a {entry.purpose.value} list",
            code="STATUS_PURPOSE_MISMATCH",
            expected=entry.purpose.value,
            actual=sorted(status_list.purposes),
        )
    if status_list.valid_from is not None and now + skew < status_list.valid_from:
        raise StatusListError(
            "the status list is not valid yet",
            code="STATUS_LIST_NOT_YET_VALID",
            valid_from=status_list.valid_from.isoformat(),
        )
    if status_list.valid_until is not None and now - skew > status_list.valid_until:
        raise StatusListError(
            "the status list has expired",
            code="STATUS_LIST_EXPIRED",
            valid_until=status_list.valid_until.isoformat(),
        )
    bits = len(status_list.bitstring)
    if bits // entry.status_size < minimum_entries:
        raise StatusListError(
            f"the status list has fewer than {minimum_entries} entries",
            code="STATUS_LIST_TOO_SHORT",
            length=bits,
            status_size=entry.status_size,
        )
    value = status_list.bitstring.get_entry(entry.index, entry.status_size)
    message = (
        next((m.message for m in entry.status_message if m.status == value), None)
        if entry.status_message
        else None
    )
    return frozen(
        StatusResult,
        entry=entry,
        set=value != 0,
        list_valid_until=status_list.valid_until,
        value=value,
        message=message,
        list_ttl_ms=status_list.ttl_ms,
    )


# --- helpers ------------------------------------------------------------------------------------


_NOT_IN_URL: Final = re.compile(r"[\s\x00-\x1f\x7f]")
"""White space (``str.isspace``: the regex's Unicode ``\\s`` is the same class), a C0 control
character or DEL."""
_URL_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def _is_url(value: str) -> bool:
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_URL_LENGTH:
        return False
    if _NOT_IN_URL.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if not _URL_SCHEME.fullmatch(parts.scheme):
        return False
    if parts.scheme.lower() in ("http", "https"):
        return bool(parts.netloc)
    return bool(parts.path or parts.netloc)


def _types(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset((value,))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return frozenset(value)
    return frozenset()


def _purpose(value: Any) -> StatusPurpose:
    if not isinstance(value, str):
        raise StatusListError("statusPurpose is not a string")
    try:
        return StatusPurpose(value)
    except ValueError:
        raise StatusListError(
            f"unsupported statusPurpose {value!r}", code="UNSUPPORTED_STATUS_PURPOSE"
        ) from None


def _purposes(value: Any) -> frozenset[str]:
    values: Iterable[Any] = value if isinstance(value, list) else [value]
    out = frozenset(v for v in values if isinstance(v, str))
    if not out or len(out) != len(list(values)):
        raise StatusListError("the status list's statusPurpose is not one or more strings")
    return out


def _optional_datetime(credential: Mapping[str, Any], key: str) -> datetime | None:
    value = credential.get(key)
    if value is None:
        return None
    try:
        return parse_datetime(value, field=key)
    except DataModelError:
        raise StatusListError(
            f"the status list's {key} is not an XML Schema dateTimeStamp"
        ) from None


def _format_datetime(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise UsageError("dates must be timezone-aware")
    return format_datetime(value)
