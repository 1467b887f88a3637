"""The ``BitstringStatusListCredential``: built unsigned, and read once its proof is verified.

- :class:`StatusPurpose`: the purposes Bitstring Status List defines.
- :func:`build_status_list_credential`: an unsigned list credential publishing a
  :class:`~vic.vc.bitstring.Bitstring`.
- :func:`parse_status_list_credential`: its shape checked and ``encodedList`` decoded under the
  inflation cap, as a :class:`StatusList`.

Signing, fetching and caching are the issuer's and verifier's jobs. The public names are
re-exported by :mod:`vic.vc.status`; ``docs/status.md`` describes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, Final
from urllib.parse import urlsplit

from vic.contexts.errors import (
    DataModelError,
    StatusListError,
    UsageError,
    ValidityRangeError,
)
from vic.vc.bitstring import DEFAULT_MAX_BYTES, MIN_LIST_LENGTH, Bitstring, _bad_list
from vic.vc.dates import format_datetime, parse_datetime
from vic.vc.jsonio import is_int

__all__ = [
    "StatusList",
    "StatusPurpose",
    "build_status_list_credential",
    "parse_status_list_credential",
]


VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"

_MAX_URL_LENGTH: Final = 4096

_LIST_CREDENTIAL_TYPE: Final = "BitstringStatusListCredential"
_LIST_TYPE: Final = "BitstringStatusList"


class StatusPurpose(StrEnum):
    """The status purposes Bitstring Status List defines."""

    REVOCATION = "revocation"
    SUSPENSION = "suspension"
    MESSAGE = "message"
    REFRESH = "refresh"


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

    @cached_property
    def valid_until_text(self) -> str | None:
        """``valid_until`` as :func:`~vic.vc.dates.format_datetime` writes it (the verifier's
        ``listValidUntil``), written once per list object: the list is verified and decoded once
        per version and then shared by every credential checked against it."""
        return None if self.valid_until is None else format_datetime(self.valid_until)


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


# --- helpers ------------------------------------------------------------------------------------


_NOT_IN_URL: Final = re.compile(r"[\s\x00-\x1f\x7f]")
"""White space (``str.isspace``: the regex's Unicode ``\\s`` is the same class), a C0 control
character or DEL."""
_URL_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


_PLAIN_HTTP_URL: Final = re.compile(r"https?://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~%/-]*)?")
"""An http(s) URL of a host name and a plain path, which :func:`_is_url_general` always accepts
(no white space or control character, no brackets, a scheme and a host): the common URL, told
without ``urlsplit`` (tests/verifier/test_after_proof_fast.py compares)."""


def _is_url(value: str) -> bool:
    if type(value) is str and len(value) <= _MAX_URL_LENGTH and _PLAIN_HTTP_URL.fullmatch(value):
        return True
    return _is_url_general(value)


def _is_url_general(value: str) -> bool:
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
