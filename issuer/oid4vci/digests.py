"""What the issuer keeps of OpenID4VCI secrets: SHA-256 digests, and values derived from secrets.

The secrets handed out (offer references, access tokens, tx_codes, nonces) are stored as digests
only (:mod:`vic.issuer.repositories.oid4vci`). The pre-authorized code is derived from the offer
reference and the notification id from the access token, so neither is stored at all.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Final

__all__ = ["code_of", "digest", "notification_id", "tx_digest"]

_CODE_LABEL: Final = b"vic oid4vci pre-authorized code\x00"
_NOTIFICATION_LABEL: Final = b"vic oid4vci notification\x00"


def digest(text: str) -> str:
    """The stored form of a secret: its SHA-256, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def tx_digest(code: str, tx_code: str) -> str:
    """The stored form of an offer's tx_code (bound to its pre-authorized code)."""
    return digest(f"{code}\x00{tx_code}")


def notification_id(access: str) -> str:
    """The notification id of a delivery: derived from its access token (nothing to store)."""
    mac = hashlib.sha256(_NOTIFICATION_LABEL + access.encode("ascii")).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def code_of(reference: str) -> str:
    """The pre-authorized code of an offer reference (so that only digests are stored)."""
    mac = hashlib.sha256(_CODE_LABEL + reference.encode("ascii")).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")
