"""A mark's live status, as the wallet shows it: its dates plus its status lists, fetched now.

The wallet is not the verifier (a relying party runs :mod:`vic.verifier`); it tells its owner
whether the mark they hold still stands: ``VALID``, ``REVOKED`` (superseded or cancelled),
``SUSPENDED``, ``EXPIRED``, ``NOT_YET_VALID``, or ``UNKNOWN`` when a list cannot be had. A status
list's proof is checked when its issuer's DID resolves (did:key, did:jwk, did:web over https);
the result says whether it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vic.contexts.errors import StatusUnavailableError, StatusVerificationError, VicError
from vic.did.resolver import DidResolver
from vic.vc.datamodel import check_credential
from vic.vc.dates import DEFAULT_CLOCK_SKEW, format_datetime
from vic.vc.jsonio import parse_json_object
from vic.vc.proofs import verify_proofs
from vic.vc.status import DEFAULT_MAX_BYTES, StatusPurpose, check_status, parse_status_entries
from vic.wallet.credential import validity_at
from vic.wallet.http import HttpClient

__all__ = ["LiveStatus", "live_status"]

_RANK = ("REVOKED", "SUSPENDED", "EXPIRED", "NOT_YET_VALID", "UNKNOWN", "VALID")


@dataclass(frozen=True)
class LiveStatus:
    """The status learnt now: the first that applies of :data:`_RANK`, and how it was learnt."""

    status: str
    checked_at: str
    detail: dict[str, Any] = field(default_factory=dict)


def _resolver(http: HttpClient) -> DidResolver:
    def fetch(url: str) -> bytes:
        try:
            response = http.request("GET", url, headers={"Accept": "application/did+json"})
        except VicError as exc:
            raise OSError(str(exc)) from None
        if response.status != 200:
            raise OSError(f"HTTP {response.status}")
        return response.body

    return DidResolver(fetch=fetch)


def live_status(document: Mapping[str, Any], http: HttpClient, now: datetime) -> LiveStatus:
    """Fetch the mark's status lists and read its entries; combine with its dates.

    A list's validity period gets the verifier's clock skew allowance
    (:data:`vic.vc.dates.DEFAULT_CLOCK_SKEW`): a list published this second is not "not yet valid".
    Never raises for what the network or a list does wrong: that is status ``UNKNOWN`` with the
    reason (code and message) in ``detail["errors"]``.
    """
    dates = validity_at(str(document["validFrom"]), str(document["validUntil"]), now)
    found = {dates}
    lists: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    try:
        entries = parse_status_entries(document)
    except VicError as exc:
        entries = ()
        errors.append(exc.to_dict())
        found.add("UNKNOWN")
    issuer = check_credential(document).issuer
    resolver = _resolver(http)
    for entry in entries:
        try:
            response = http.request(
                "GET", entry.list_credential, headers={"Accept": "application/vc+ld+json"}
            )
            if response.status != 200:
                raise StatusUnavailableError(
                    f"the status list {entry.list_credential} answered HTTP {response.status}"
                )
            credential = parse_json_object(response.body, max_bytes=DEFAULT_MAX_BYTES)
            signed = _list_signature(credential, issuer, resolver, now)
            result = check_status(entry, credential, now=now, skew=DEFAULT_CLOCK_SKEW)
        except VicError as exc:
            errors.append({**exc.to_dict(), "list": entry.list_credential})
            found.add("UNKNOWN")
            continue
        lists.append(
            {
                "purpose": entry.purpose.value,
                "list": entry.list_credential,
                "index": entry.index,
                "set": result.set,
                "signature": signed,
            }
        )
        if result.set and entry.purpose is StatusPurpose.REVOCATION:
            found.add("REVOKED")
        elif result.set and entry.purpose is StatusPurpose.SUSPENSION:
            found.add("SUSPENDED")
    status = next(s for s in _RANK if s in found)
    detail: dict[str, Any] = {"dates": dates, "lists": lists}
    if errors:
        detail["errors"] = errors
    return LiveStatus(status, format_datetime(now), detail)


def _list_signature(
    credential: Mapping[str, Any], issuer: str, resolver: DidResolver, now: datetime
) -> str:
    """``verified`` or ``unchecked`` (the issuer's DID did not resolve).

    :raises VicError: the list is not the issuer's, or its proof fails.
    """
    info = check_credential(credential)
    if info.issuer != issuer:
        raise StatusVerificationError(
            f"the status list was issued by {info.issuer}, not {issuer}",
            code="STATUS_LIST_ISSUER_MISMATCH",
        )
    proofs = verify_proofs(credential, resolver=resolver, clock=lambda: now)
    if proofs.verified and any(p.controller == issuer for p in proofs.proofs):
        return "verified"
    codes = {e.code for e in proofs.errors}
    if codes and codes <= {"DID_NOT_FOUND", "UNSUPPORTED_DID_METHOD"}:
        return "unchecked"
    error = proofs.errors[0] if proofs.errors else None
    raise StatusVerificationError(
        f"the status list's proof does not verify: {error.message if error else 'no proof'}",
        code="STATUS_LIST_INVALID_PROOF",
    )
