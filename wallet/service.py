"""The wallet: receive, list, show, export, remove, refresh — over the store, the holder key, an
injected HTTP client and clock. The command line (``vic wallet``) calls this and nothing else.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from vic.contexts.errors import IssuanceProtocolError, UsageError, VicError, WalletError
from vic.did.keys import KeyType
from vic.vc.cborld import Registry, RegistryEntry, bundled_entry
from vic.vc.dates import Clock, format_datetime, parse_datetime, system_clock
from vic.vc.jsonio import parse_json_object
from vic.wallet.credential import FORMAT_JWT, ReadMark, read_mark, validity_at
from vic.wallet.holder import HolderKey, load_or_create_holder
from vic.wallet.http import HttpClient, HttpxClient, check_url
from vic.wallet.location import KEY_FILE, STORE_FILE, default_wallet_dir, ensure_private_dir
from vic.wallet.oid4vci import IssuedCredential, Oid4vciClient
from vic.wallet.status import LiveStatus, live_status
from vic.wallet.store import NewMark, StoredMark, WalletStore

__all__ = ["REFRESH_WINDOW", "MarkView", "RefreshOutcome", "Wallet"]

REFRESH_WINDOW: Final = timedelta(days=30)
"""A mark this close to its end (or past it) is refreshed."""
OFFER_PREFIXES: Final = ("openid-credential-offer://", "haip://")


@dataclass(frozen=True)
class MarkView:
    """A mark as the wallet shows it: the stored mark and its status with where it came from."""

    mark: StoredMark
    status: str
    status_source: str
    """``online`` (learnt now), ``last-known`` (stored, with its age) or ``dates`` (never
    checked: the dates alone)."""
    status_checked_at: str | None
    status_age_seconds: int | None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self, *, full: bool = False) -> dict[str, Any]:
        """The view for ``--json``: the summary, and the credential with ``full``."""
        mark = self.mark
        subject = mark.document.get("credentialSubject", {})
        out: dict[str, Any] = {
            "number": mark.number,
            "vin": mark.vin,
            "plate": mark.plate,
            "plateTypeCode": subject.get("plateTypeCode"),
            "vehicleTypeCode": subject.get("vehicleTypeCode"),
            "inspectionBasis": subject.get("inspectionBasis"),
            "issuer": mark.issuer,
            "id": mark.credential_id,
            "format": mark.format,
            "validFrom": mark.valid_from,
            "validUntil": mark.valid_until,
            "current": mark.current,
            "replacedBy": mark.replaced_by,
            "source": mark.source,
            "receivedAt": mark.received_at,
            "status": self.status,
            "statusSource": self.status_source,
            "statusCheckedAt": self.status_checked_at,
            "statusAgeSeconds": self.status_age_seconds,
        }
        if self.detail:
            out["statusDetail"] = self.detail
        if full:
            out["credential"] = mark.document
            if mark.format == FORMAT_JWT:
                out["jwt"] = mark.content
        return out


@dataclass(frozen=True)
class RefreshOutcome:
    """What refresh did for one mark: ``replaced`` (a newer mark is now current), ``up-to-date``
    (the issuer has nothing newer), ``not-needed`` (valid and not near its end), ``unchecked``
    (its status could not be learnt; nothing was fetched — ``--force`` fetches anyway), or
    ``failed`` (``error`` says why; the mark stays as it was)."""

    number: int
    vin: str
    outcome: str
    reason: str
    new_number: int | None = None
    via: str | None = None
    error: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The outcome for ``--json``."""
        out: dict[str, Any] = {
            "number": self.number,
            "vin": self.vin,
            "outcome": self.outcome,
            "reason": self.reason,
        }
        if self.new_number is not None:
            out["newNumber"] = self.new_number
        if self.via is not None:
            out["via"] = self.via
        if self.error is not None:
            out["error"] = self.error
        return out


def _check_vin(mark: ReadMark, expected: str | None) -> None:
    if expected is not None and mark.vin != expected:
        raise WalletError(
            f"the issuer sent a mark of {mark.vin}, not of {expected}; it was not stored",
            code="REFRESH_WRONG_VEHICLE",
        )


def _presentable(mark: StoredMark) -> dict[str, Any]:
    if mark.format == FORMAT_JWT:
        return {
            "@context": "https://www.w3.org/ns/credentials/v2",
            "type": "EnvelopedVerifiableCredential",
            "id": f"data:application/vc+jwt,{mark.content}",
        }
    return mark.document


class Wallet:
    """One wallet folder. Use as a context manager, or :meth:`close` when done."""

    def __init__(
        self,
        folder: Path | None = None,
        *,
        http: HttpClient | None = None,
        clock: Clock = system_clock,
        registry: Registry | None = None,
    ) -> None:
        """Open (or create) the wallet in ``folder`` (default: :func:`default_wallet_dir`).

        :raises WalletStoreError: the store file cannot be used (see :meth:`WalletStore.open`).
        """
        self.folder = folder or default_wallet_dir()
        try:
            ensure_private_dir(self.folder)
        except OSError as exc:
            raise WalletError(
                f"cannot create the wallet folder {self.folder}: {exc.strerror}",
                code="STORE_UNWRITABLE",
            ) from None
        self.store = WalletStore.open(self.folder / STORE_FILE)
        self._http = http
        self._owns_http = http is None
        self._clock = clock
        self._registry = self._stored_registry(registry or Registry([bundled_entry()]))

    # --- CBOR-LD registry entries (for the QR texts the wallet makes) ----------------------------

    def _stored_registry(self, registry: Registry) -> Registry:
        """``registry`` plus the entries the wallet has kept (one that no longer fits is left out:
        it only makes QR texts longer)."""
        for key in self.store.meta_keys("registry-entry:"):
            text = self.store.meta(key)
            with contextlib.suppress(VicError, ValueError):
                registry = registry.with_entries(RegistryEntry.from_json(json.loads(text or "")))
        return registry

    def add_registry_entries(self, entries: list[RegistryEntry]) -> None:
        """Keep issuers' CBOR-LD registry entries, so that the wallet's QR texts of their marks
        are as short as the issuer's own.

        :raises MalformedValueError: ``REGISTRY_ENTRY_CONFLICT`` (see :class:`Registry`).
        """
        self._registry = self._registry.with_entries(*entries)
        for entry in entries:
            kept = self._registry.get(entry.entry_id)
            self.store.set_meta(
                f"registry-entry:{kept.entry_id}", json.dumps(kept.to_json(), ensure_ascii=False)
            )

    def _learn_registry_entry(self, credential_issuer: str) -> None:
        """Best effort: keep the registry entry a vic issuer publishes at
        ``{issuer}/cborld/registry-entry.json`` (not part of OpenID4VCI; anything else is
        ignored, and the QR text is checked by decoding it back before it is used)."""
        url = f"{credential_issuer.rstrip('/')}/cborld/registry-entry.json"
        try:
            response = self.http.request("GET", url, headers={"Accept": "application/json"})
            if response.status == 200:
                entry = RegistryEntry.from_json(parse_json_object(response.body))
                self.add_registry_entries([entry])  # a conflicting entry raises: ignored
        except VicError:
            return

    def close(self) -> None:
        """Close the store (and an HTTP client the wallet made; an injected one is the caller's)."""
        self.store.close()
        if self._owns_http and isinstance(self._http, HttpxClient):
            self._http.close()

    def __enter__(self) -> Wallet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def http(self) -> HttpClient:
        """The HTTP client (made on first use)."""
        if self._http is None:
            self._http = HttpxClient()
        return self._http

    # --- the holder ------------------------------------------------------------------------------

    def holder(self, *, did_method: str = "key", key_type: KeyType = KeyType.P256) -> HolderKey:
        """The holder key (made on first use with ``did_method`` and ``key_type``).

        :raises WalletError: ``HOLDER_KEY_UNUSABLE`` (unreadable or malformed key file).
        """
        try:
            key, _ = load_or_create_holder(
                self.folder / KEY_FILE, did_method=did_method, key_type=key_type
            )
        except OSError as exc:
            raise WalletError(
                f"cannot use the holder key {self.folder / KEY_FILE}: {exc.strerror}",
                code="HOLDER_KEY_UNUSABLE",
            ) from None
        return key

    # --- receiving -------------------------------------------------------------------------------

    def receive_offer(
        self, uri: str, *, tx_code: str | None = None, configuration_id: str | None = None
    ) -> list[tuple[StoredMark, bool]]:
        """Receive the mark a credential offer grants (OpenID4VCI pre-authorized code flow) and
        store it. Returns each stored mark and whether it is new.

        :raises IssuanceProtocolError: every code of :class:`~vic.wallet.oid4vci.Oid4vciClient`.
        :raises VicError: the credential is not a well-formed mark (nothing is stored).
        """
        client = Oid4vciClient(self.http, clock=self._clock)
        offer = client.resolve_offer(uri)
        issued = client.receive(
            offer, self.holder(), tx_code=tx_code, configuration_id=configuration_id
        )
        try:
            stored = self._store_issued(issued, "offer")
        except VicError:
            with contextlib.suppress(VicError):
                client.notify(issued, "credential_failure")
            raise
        # Stored: tell the issuer. Its answer changes nothing here (the mark is kept).
        with contextlib.suppress(VicError):
            client.notify(issued, "credential_accepted")
        self._learn_registry_entry(issued.credential_issuer)
        return stored

    def _store_issued(
        self, issued: IssuedCredential, source: str, *, expected_vin: str | None = None
    ) -> list[tuple[StoredMark, bool]]:
        marks = []
        for credential in issued.credentials:
            data = credential if isinstance(credential, str) else json.dumps(credential)
            try:
                marks.append(read_mark(data, registry=self._registry, format_hint=issued.format))
            except VicError as exc:
                raise IssuanceProtocolError(
                    f"the issuer sent a credential that is not a usable mark: {exc.message}",
                    code="CREDENTIAL_INVALID",
                    cause=exc.code,
                ) from None
        for mark in marks:
            _check_vin(mark, expected_vin)
        if {"zh-CN", "en"} <= set(issued.issuer_names):
            for mark in marks:
                self.store.set_meta(
                    f"issuer-name:{mark.issuer}",
                    json.dumps(issued.issuer_names, ensure_ascii=False),
                )
        return [
            self._add(
                mark,
                source,
                credential_issuer=issued.credential_issuer,
                configuration_id=issued.configuration_id,
                refresh_token=issued.refresh_token,
            )
            for mark in marks
        ]

    def receive_data(self, data: bytes | str, *, source: str) -> tuple[StoredMark, bool]:
        """Store the mark in ``data`` (JSON, a JWT, QR text, a QR image or PDF).

        :raises VicError: see :func:`vic.wallet.credential.read_mark` (nothing is stored).
        """
        return self._add(read_mark(data, registry=self._registry), source)

    def _add(
        self,
        mark: ReadMark,
        source: str,
        *,
        credential_issuer: str | None = None,
        configuration_id: str | None = None,
        refresh_token: str | None = None,
    ) -> tuple[StoredMark, bool]:
        return self.store.add(
            NewMark(
                digest=mark.digest,
                format=mark.format,
                content=mark.content,
                document=mark.document,
                barcode=mark.barcode,
                credential_id=mark.credential_id,
                issuer=mark.issuer,
                vin=mark.vin,
                plate=mark.plate,
                valid_from=format_datetime(mark.valid_from),
                valid_until=format_datetime(mark.valid_until),
                source=source,
                received_at=format_datetime(self._clock().replace(microsecond=0)),
                credential_issuer=credential_issuer,
                configuration_id=configuration_id,
                refresh_token=refresh_token,
            )
        )

    # --- looking ---------------------------------------------------------------------------------

    def marks(self, *, include_replaced: bool = False) -> list[MarkView]:
        """Every mark with its status at a glance (last known, else by its dates)."""
        return [self._view(m) for m in self.store.marks(include_replaced=include_replaced)]

    def get(self, ref: str) -> StoredMark:
        """The mark ``ref`` names (number, VIN, plate or credential id).

        :raises WalletError: ``MARK_NOT_IN_WALLET``.
        """
        return self.store.get(ref)

    def show(self, ref: str, *, online: bool = False) -> MarkView:
        """One mark; ``online`` fetches its status lists now and remembers the answer."""
        mark = self.get(ref)
        if not online:
            return self._view(mark)
        live = self.check_status(mark)
        return self._view(self.store.get(str(mark.number)), live)

    def check_status(self, mark: StoredMark) -> LiveStatus:
        """Learn the mark's status now and store it as its last-known status."""
        live = live_status(mark.document, self.http, self._clock())
        if live.status != "UNKNOWN":
            self.store.set_status(mark.number, live.status, live.checked_at, live.detail)
        return live

    def _view(self, mark: StoredMark, live: LiveStatus | None = None) -> MarkView:
        now = self._clock()
        dates = validity_at(mark.valid_from, mark.valid_until, now)
        if live is not None:
            return MarkView(mark, live.status, "online", live.checked_at, 0, live.detail)
        if mark.status is None or mark.status_checked_at is None:
            return MarkView(mark, dates, "dates", None, None)
        checked = parse_datetime(mark.status_checked_at, field="checked")
        age = max(0, int((now - checked).total_seconds()))
        # A mark that was valid when last checked may have expired since: dates win then.
        status = mark.status if mark.status != "VALID" or dates == "VALID" else dates
        return MarkView(
            mark, status, "last-known", mark.status_checked_at, age, mark.status_detail or {}
        )

    # --- giving out ------------------------------------------------------------------------------

    def barcode(self, mark: StoredMark) -> str:
        """The mark's QR text: as received, else encoded (VC Barcodes, the wallet's registry).

        :raises UsageError: ``NO_QR_FOR_FORMAT`` (a JWT mark has no QR form).
        """
        if mark.barcode:
            return mark.barcode
        if mark.format == FORMAT_JWT:
            raise UsageError(
                "a jwt_vc_json mark has no QR form; receive the ldp_vc one for a QR",
                code="NO_QR_FOR_FORMAT",
            )
        from vic.vc.barcode import decode_barcode, encode_barcode

        text = encode_barcode(mark.document, self._registry)
        try:
            if decode_barcode(text, self._registry) == mark.document:
                return text
        except VicError:
            pass
        # A kept registry entry that does not round-trip the mark: the generic entries always do.
        return encode_barcode(mark.document, Registry())

    def export_file(self, mark: StoredMark) -> tuple[str, bytes]:
        """The mark as a file to share: ``(suffix, bytes)`` — ``.json`` (the signed credential,
        exactly as the issuer signed it) or ``.jwt``."""
        if mark.format == FORMAT_JWT:
            return ".jwt", mark.content.encode("ascii") + b"\n"
        if mark.content.lstrip().startswith("{"):
            return ".json", mark.content.encode("utf-8")
        text = json.dumps(mark.document, indent=2, ensure_ascii=False) + "\n"
        return ".json", text.encode("utf-8")

    def pdf(self, mark: StoredMark) -> bytes:
        """The printable mark: the 80×60 mm sticker of :mod:`vic.vc.printing` (the issuer's look)
        with the QR code. The authority is named as the issuer's OpenID4VCI metadata names it,
        else by its DID; the mark number is the credential id's last 12 characters.

        :raises UsageError: ``NO_QR_FOR_FORMAT`` and the codes of the renderer.
        """
        from vic.vc.printing import render_signed_mark_pdf

        names = self.issuer_names(mark.issuer)
        number = (mark.credential_id or mark.digest)[-12:].upper()
        return render_signed_mark_pdf(
            mark.document,
            barcode_text=self.barcode(mark),
            authority_name=names,
            mark_number=number,
            created=parse_datetime(mark.received_at, field="receivedAt"),
        )

    def issuer_names(self, issuer: str) -> dict[str, str]:
        """The issuer's display names (``zh-CN``, ``en``) as last learnt, else its DID's host."""
        stored = self.store.meta(f"issuer-name:{issuer}")
        if stored:
            names = json.loads(stored)
            if isinstance(names, dict) and {"zh-CN", "en"} <= set(names):
                return {"zh-CN": str(names["zh-CN"]), "en": str(names["en"])}
        short = issuer.split(":")[2] if issuer.startswith("did:web:") else issuer[:24]
        return {"zh-CN": short, "en": short}

    def present(
        self, refs: list[str], *, challenge: str, domain: str | None = None
    ) -> dict[str, Any]:
        """A verifiable presentation of the marks ``refs``, signed by the holder key
        (purpose ``authentication``, the verifier's ``challenge`` and ``domain``). A JWT mark is
        embedded as an ``EnvelopedVerifiableCredential``.

        :raises WalletError: ``MARK_NOT_IN_WALLET``.
        :raises UsageError: no marks, or an empty challenge.
        """
        from vic.vc.presentation import create_presentation

        if not refs:
            raise UsageError("name at least one mark to present", code="USAGE_ERROR")
        credentials = [_presentable(self.get(ref)) for ref in refs]
        holder = self.holder()
        return create_presentation(
            credentials,
            key=holder.key,
            verification_method=holder.method,
            challenge=challenge,
            domain=domain,
            holder=holder.did,
            clock=self._clock,
        )

    def remove(self, ref: str) -> StoredMark:
        """Delete a mark from the wallet; returns what was removed.

        :raises WalletError: ``MARK_NOT_IN_WALLET``.
        """
        mark = self.get(ref)
        self.store.remove(mark.number)
        return mark

    # --- refresh ---------------------------------------------------------------------------------

    def refresh(
        self,
        ref: str | None = None,
        *,
        force: bool = False,
        token: str | None = None,
        issuer_url: str | None = None,
        window: timedelta = REFRESH_WINDOW,
    ) -> list[RefreshOutcome]:
        """Re-download marks that were superseded, are suspended, or end within ``window``.

        For each current mark (or the one ``ref`` names) the live status is learnt; a mark that
        needs it (or every one with ``force``) is fetched again, in this order:

        1. with the refresh token the issuer gave at OpenID4VCI issuance (``refresh_token``
           grant, then the credential endpoint);
        2. with ``token`` (an owner or office bearer token) from the issuer's download route
           ``GET {issuer}/vehicles/{VIN}/mark`` — ``issuer`` is ``issuer_url`` or the credential
           issuer the mark came from.

        A mark that cannot be fetched again gets the outcome ``failed`` with the error
        (``REFRESH_UNAVAILABLE`` when there is no way to ask the issuer, ``REFRESH_REFUSED``,
        ``REFRESH_WRONG_VEHICLE`` — a mark of another vehicle is never stored — or the codes of
        the OpenID4VCI steps); the other marks are still refreshed.

        :raises WalletError: ``MARK_NOT_IN_WALLET`` for a ``ref`` the wallet does not hold.
        """
        marks = [self.get(ref)] if ref else self.store.marks()
        outcomes = []
        for mark in marks:
            reason = "forced" if force else self._refresh_reason(mark, window)
            if reason is None:
                outcomes.append(RefreshOutcome(mark.number, mark.vin, "not-needed", "valid"))
                continue
            if reason == "status-unknown":  # nothing learnt: ask again later, or --force
                outcomes.append(RefreshOutcome(mark.number, mark.vin, "unchecked", reason))
                continue
            try:
                (stored, new), via = self._fetch_again(mark, token, issuer_url)
            except VicError as exc:  # this mark stays as it is; the others are still tried
                outcomes.append(
                    RefreshOutcome(mark.number, mark.vin, "failed", reason, error=exc.to_dict())
                )
                continue
            if not new or stored.number == mark.number:
                outcomes.append(
                    RefreshOutcome(mark.number, mark.vin, "up-to-date", reason, via=via)
                )
                continue
            outcomes.append(
                RefreshOutcome(mark.number, mark.vin, "replaced", reason, stored.number, via)
            )
        return outcomes

    def _refresh_reason(self, mark: StoredMark, window: timedelta) -> str | None:
        now = self._clock()
        live = self.check_status(mark)
        if live.status in ("REVOKED", "SUSPENDED", "EXPIRED"):
            return live.status.lower()
        if live.status == "UNKNOWN":
            return "status-unknown"
        if parse_datetime(mark.valid_until, field="validUntil") - now <= window:
            return "near-end"
        return None

    def _fetch_again(
        self, mark: StoredMark, token: str | None, issuer_url: str | None
    ) -> tuple[tuple[StoredMark, bool], str]:
        if mark.refresh_token and mark.credential_issuer and mark.configuration_id:
            client = Oid4vciClient(self.http, clock=self._clock)
            issued = client.refresh_with_token(
                mark.credential_issuer, mark.refresh_token, mark.configuration_id, self.holder()
            )
            results = self._store_issued(issued, "refresh", expected_vin=mark.vin)
            return results[0], "oid4vci-refresh-token"
        base = issuer_url or mark.credential_issuer
        if token is None or base is None:
            raise WalletError(
                f"mark {mark.number} cannot be refreshed: the issuer gave no refresh token; give "
                "an owner token (--token) and the issuer's URL (--issuer), or receive a new offer",
                code="REFRESH_UNAVAILABLE",
            )
        url = check_url(f"{base.rstrip('/')}/vehicles/{mark.vin}/mark")
        response = self.http.request(
            "GET",
            url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/vc+ld+json"},
        )
        if response.status != 200:
            raise IssuanceProtocolError(
                f"the issuer refused the download (HTTP {response.status})",
                code="REFRESH_REFUSED",
                status=response.status,
            )
        fresh = read_mark(response.body, registry=self._registry)
        _check_vin(fresh, mark.vin)
        return self._add(fresh, "download", credential_issuer=mark.credential_issuer), "download"
