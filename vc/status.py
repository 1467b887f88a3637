"""Bitstring Status List v1.0 and the VC Barcodes terse status entry.

Pure functions and values only: fetching, caching and signing status list credentials are the jobs
of the issuer and verifier layers. The formats, the terse expansion and the decoding caps are
described in ``docs/status.md``. This module is the public import path; it re-exports the names of
its two siblings.

- :class:`Bitstring` (:mod:`vic.vc.bitstring`): the status bits, index 0 being the most significant
  bit of byte 0, encoded as GZIP then multibase base64url (``u`` prefix, no padding); decoding
  inflates under a cap.
- :func:`build_status_list_credential` / :func:`parse_status_list_credential`
  (:mod:`vic.vc.statuslist`): an unsigned ``BitstringStatusListCredential``; a (verified) one read.
- :func:`parse_status_entries` / :func:`expand_terse_entry`: a credential's status entries, the
  terse entry of VC Barcodes expanded into its revocation and suspension entries.
- :func:`check_status`: look an entry up in its status list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from vic.contexts.errors import StatusListError, UsageError
from vic.vc.bitstring import DEFAULT_MAX_BYTES, MIN_LIST_LENGTH, TERSE_LIST_LENGTH, Bitstring
from vic.vc.frozen import frozen
from vic.vc.jsonio import is_int
from vic.vc.statuslist import (
    StatusList,
    StatusPurpose,
    _is_url,
    _types,
    build_status_list_credential,
    parse_status_list_credential,
)

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
    "status_message",
    "status_value",
]

_MAX_STATUS_SIZE: Final = 16
"""statusSize above this would need a statusMessage array of more than 65,536 elements."""
_MAX_STATUS_ENTRIES: Final = 32
_MAX_INDEX_DIGITS: Final = 19
_TERSE_INDEX_LIMIT: Final = 2**32
_DIGITS: Final = re.compile(r"[0-9]+")

_ENTRY_TYPE: Final = "BitstringStatusListEntry"
_TERSE_ENTRY_TYPE: Final = "TerseBitstringStatusListEntry"

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
    if type(credential) is not dict and not isinstance(credential, Mapping):
        raise StatusListError("the credential is not a JSON object")
    status = credential.get("credentialStatus")
    if status is None:
        return ()
    if type(status) is dict and status.get("type") == _TERSE_ENTRY_TYPE:
        return _expand_terse(status, TERSE_LIST_LENGTH)  # what the loop below makes of it
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
        _bit_entry(_REVOCATION, f"{base}/revocation/{list_index}", status_list_index),
        _bit_entry(_SUSPENSION, f"{base}/suspension/{list_index}", status_list_index),
    )


def _bit_entry(purpose: StatusPurpose, list_credential: str, index: int) -> StatusEntry:
    """``StatusEntry(None, purpose, list_credential, index)`` (one bit, no messages), made with
    :func:`~vic.vc.frozen.frozen` (tests/verifier/test_frozen_objects)."""
    return frozen(
        StatusEntry,
        id=None,
        purpose=purpose,
        list_credential=list_credential,
        index=index,
        status_size=1,
        status_message=(),
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
    value = status_value(entry, status_list, now=now, skew=skew, minimum_entries=minimum_entries)
    return frozen(
        StatusResult,
        entry=entry,
        set=value != 0,
        list_valid_until=status_list.valid_until,
        value=value,
        message=status_message(entry, value),
        list_ttl_ms=status_list.ttl_ms,
    )


def status_value(
    entry: StatusEntry,
    status_list: StatusList,
    *,
    now: datetime,
    skew: timedelta,
    minimum_entries: int = MIN_LIST_LENGTH,
) -> int:
    """``check_status(entry, status_list, now=now, skew=skew).value``: the same checks and
    errors, without the result object (the verifier reads the list's dates itself)."""
    zone = now.tzinfo
    if zone is not UTC and (zone is None or now.utcoffset() is None):
        raise UsageError("now must be timezone-aware")
    if status_list.id != entry.list_credential:
        raise StatusListError(
            "the status list credential is not the one the entry names",
            code="STATUS_LIST_ID_MISMATCH",
            expected=entry.list_credential,
            actual=status_list.id,
        )
    purpose = entry.purpose._value_  # (.value is a slow descriptor)
    if purpose not in status_list.purposes:
        raise StatusListError(
            f"the status list is not a {purpose} list",
            code="STATUS_PURPOSE_MISMATCH",
            expected=purpose,
            actual=sorted(status_list.purposes),
        )
    valid_from = status_list.valid_from
    if valid_from is not None and now + skew < valid_from:
        raise StatusListError(
            "the status list is not valid yet",
            code="STATUS_LIST_NOT_YET_VALID",
            valid_from=valid_from.isoformat(),
        )
    valid_until = status_list.valid_until
    if valid_until is not None and now - skew > valid_until:
        raise StatusListError(
            "the status list has expired",
            code="STATUS_LIST_EXPIRED",
            valid_until=valid_until.isoformat(),
        )
    bits = len(status_list.bitstring)
    if bits // entry.status_size < minimum_entries:
        raise StatusListError(
            f"the status list has fewer than {minimum_entries} entries",
            code="STATUS_LIST_TOO_SHORT",
            length=bits,
            status_size=entry.status_size,
        )
    return status_list.bitstring.get_entry(entry.index, entry.status_size)


def status_message(entry: StatusEntry, value: int) -> str | None:
    """The entry's ``statusMessage`` for ``value``, if it has one."""
    if not entry.status_message:
        return None
    return next((m.message for m in entry.status_message if m.status == value), None)


def _purpose(value: Any) -> StatusPurpose:
    if not isinstance(value, str):
        raise StatusListError("statusPurpose is not a string")
    try:
        return StatusPurpose(value)
    except ValueError:
        raise StatusListError(
            f"unsupported statusPurpose {value!r}", code="UNSUPPORTED_STATUS_PURPOSE"
        ) from None
