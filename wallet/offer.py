"""OpenID4VCI 1.0 credential offers, as a wallet reads them (section 4.1).

An offer comes by value (``openid-credential-offer://?credential_offer=<JSON>``) or by reference
(``?credential_offer_uri=<https URL>``, fetched by :class:`~vic.wallet.oid4vci.Oid4vciClient`). The
vic wallet takes offers with the pre-authorized code grant; ``tx_code`` says what one-time code the
person must type, which is checked for form here before anything is sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from vic.contexts.errors import IssuanceProtocolError, VicError
from vic.vc.jsonio import parse_json_object
from vic.wallet.http import check_url

__all__ = [
    "MAX_OFFER_URI_LENGTH",
    "OFFER_SCHEME",
    "PRE_AUTHORIZED_GRANT",
    "CredentialOffer",
    "TxCodeSpec",
    "checked_tx_code",
    "offer_uri",
    "parse_offer",
    "parse_offer_uri",
]

OFFER_SCHEME: Final = "openid-credential-offer"
PRE_AUTHORIZED_GRANT: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
MAX_OFFER_URI_LENGTH: Final = 16 * 1024


def _bad_offer(message: str) -> IssuanceProtocolError:
    return IssuanceProtocolError(f"invalid credential offer: {message}", code="OFFER_INVALID")


@dataclass(frozen=True)
class TxCodeSpec:
    """What the offer says about the transaction code the user must type."""

    input_mode: str = "numeric"
    length: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class CredentialOffer:
    """A credential offer with a pre-authorized code."""

    credential_issuer: str
    configuration_ids: tuple[str, ...]
    pre_authorized_code: str
    tx_code: TxCodeSpec | None = None
    authorization_server: str | None = None


def parse_offer_uri(uri: str) -> tuple[CredentialOffer | None, str | None]:
    """Read an offer URI: ``openid-credential-offer://?credential_offer=...`` (or any URL with
    that query). Returns ``(offer, None)`` for an offer by value and ``(None, url)`` for one by
    reference, whose URL must then be fetched.

    :raises IssuanceProtocolError: ``OFFER_INVALID`` (not an offer URI, both or neither
        parameter, malformed JSON or offer), ``INSECURE_URL``.
    """
    if not isinstance(uri, str) or not uri.strip():
        raise _bad_offer("empty")
    uri = uri.strip()
    if len(uri) > MAX_OFFER_URI_LENGTH:
        raise _bad_offer(f"longer than {MAX_OFFER_URI_LENGTH} characters")
    try:
        parts = urlsplit(uri)
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise _bad_offer("the URI does not parse") from None
    if parts.scheme not in (OFFER_SCHEME, "https", "http", "haip"):
        raise _bad_offer(f"scheme {parts.scheme!r} is not {OFFER_SCHEME}://")
    by_value = query.get("credential_offer")
    by_reference = query.get("credential_offer_uri")
    if bool(by_value) == bool(by_reference):
        raise _bad_offer("it needs exactly one of credential_offer and credential_offer_uri")
    chosen = by_value or by_reference
    assert chosen is not None
    if len(chosen) != 1:
        raise _bad_offer("the offer parameter appears more than once")
    if by_reference:
        return None, check_url(chosen[0])
    try:
        document = parse_json_object(chosen[0])
    except VicError:
        raise _bad_offer("credential_offer is not a JSON object") from None
    return parse_offer(document), None


def parse_offer(document: Mapping[str, Any]) -> CredentialOffer:
    """Check a credential offer object (OpenID4VCI 1.0 section 4.1.1).

    :raises IssuanceProtocolError: ``OFFER_INVALID``; ``OFFER_UNSUPPORTED`` when it has no
        pre-authorized code grant (the authorization code flow needs a browser).
    """
    issuer = document.get("credential_issuer")
    if not isinstance(issuer, str):
        raise _bad_offer("credential_issuer is missing")
    check_url(issuer)
    if urlsplit(issuer).query:
        raise _bad_offer("credential_issuer has a query")
    ids = document.get("credential_configuration_ids")
    if (
        not isinstance(ids, list)
        or not ids
        or not all(isinstance(i, str) and i for i in ids)
        or len(set(ids)) != len(ids)
    ):
        raise _bad_offer("credential_configuration_ids is not a non-empty list of unique strings")
    grants = document.get("grants", {})
    if not isinstance(grants, Mapping):
        raise _bad_offer("grants is not an object")
    grant = grants.get(PRE_AUTHORIZED_GRANT)
    if grant is None:
        raise IssuanceProtocolError(
            "the offer has no pre-authorized code grant; the vic wallet supports only that flow",
            code="OFFER_UNSUPPORTED",
        )
    if not isinstance(grant, Mapping):
        raise _bad_offer("the pre-authorized code grant is not an object")
    code = grant.get("pre-authorized_code")
    if not isinstance(code, str) or not code:
        raise _bad_offer("pre-authorized_code is missing")
    tx_code = None
    if "tx_code" in grant:
        tx_code = _tx_code(grant["tx_code"])
    server = grant.get("authorization_server")
    if server is not None and not isinstance(server, str):
        raise _bad_offer("authorization_server is not a string")
    if server is not None:
        check_url(server)
    return CredentialOffer(issuer, tuple(ids), code, tx_code, server)


def _tx_code(value: Any) -> TxCodeSpec:
    if not isinstance(value, Mapping):
        raise _bad_offer("tx_code is not an object")
    mode = value.get("input_mode", "numeric")
    length = value.get("length")
    description = value.get("description")
    if mode not in ("numeric", "text"):
        raise _bad_offer("tx_code.input_mode is numeric or text")
    if length is not None and (
        not isinstance(length, int) or isinstance(length, bool) or not 0 < length <= 256
    ):
        raise _bad_offer("tx_code.length is not a positive integer")
    if description is not None and not isinstance(description, str):
        raise _bad_offer("tx_code.description is not a string")
    return TxCodeSpec(mode, length, description)


def checked_tx_code(spec: TxCodeSpec, value: str | None) -> str:
    if value is None:
        hint = f" ({spec.description})" if spec.description else ""
        raise IssuanceProtocolError(
            f"the offer needs the one-time code the issuer gave you{hint}: give --tx-code",
            code="TX_CODE_REQUIRED",
        )
    value = value.strip()
    if not value or (spec.input_mode == "numeric" and not value.isdigit()):
        raise IssuanceProtocolError("the one-time code must be digits", code="TX_CODE_INVALID")
    if spec.length is not None and len(value) != spec.length:
        raise IssuanceProtocolError(
            f"the one-time code has {spec.length} characters", code="TX_CODE_INVALID"
        )
    return value


def offer_uri(offer: Mapping[str, Any]) -> str:
    """An offer by value as an ``openid-credential-offer://`` URI (for tests and tools)."""
    from urllib.parse import quote

    text = json.dumps(offer, separators=(",", ":"))
    return f"{OFFER_SCHEME}://?credential_offer={quote(text, safe='')}"
