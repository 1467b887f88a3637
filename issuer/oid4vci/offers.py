"""Credential offers of the pre-authorized code flow: the offer document and its URI.

The offer names one credential configuration and the grant with its ``pre-authorized_code`` and,
unless declined, a ``tx_code`` description; the tx_code itself is never in the offer. The URI
carries the offer by reference (``credential_offer_uri``, a small QR) or by value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote, urlencode

from vic.issuer.oid4vci.metadata import PRE_AUTHORIZED_GRANT

__all__ = ["OFFER_SCHEME", "CredentialOffer", "offer_document", "offer_uri"]

OFFER_SCHEME: Final = "openid-credential-offer://"


@dataclass(frozen=True)
class CredentialOffer:
    """A new offer: give ``uri`` to the wallet (as a QR), ``tx_code`` to the person."""

    uri: str
    offer: dict[str, Any]
    configuration_id: str
    tx_code: str | None
    expires_at: datetime
    vin: str


def offer_document(
    issuer_id: str, code: str, configuration_id: str, tx_code_length: int | None
) -> dict[str, Any]:
    """The offer of ``configuration_id`` with the pre-authorized ``code``; ``tx_code_length``
    None when the offer has no tx_code."""
    grant: dict[str, Any] = {"pre-authorized_code": code}
    if tx_code_length is not None:
        grant["tx_code"] = {
            "input_mode": "numeric",
            "length": tx_code_length,
            "description": "请输入随二维码提供的6位数字码 / "
            "Enter the 6-digit code given with the QR code",
        }
    return {
        "credential_issuer": issuer_id,
        "credential_configuration_ids": [configuration_id],
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def offer_uri(offer: dict[str, Any], offer_url: str | None) -> str:
    """The ``openid-credential-offer://`` URI: by reference when ``offer_url`` (the offer's
    ``credential_offer_uri``) is given, else by value."""
    if offer_url is not None:
        query = urlencode({"credential_offer_uri": offer_url})
    else:
        text = json.dumps(offer, separators=(",", ":"), ensure_ascii=False)
        query = "credential_offer=" + quote(text, safe="")
    return f"{OFFER_SCHEME}?{query}"
