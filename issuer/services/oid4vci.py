"""OpenID4VCI 1.0 on the issuer: offers with the pre-authorized code, token, nonce, credential.

The flow (docs/openid4vci.md):

1. An owner (for their own or filed vehicle) or an office asks for an **offer** of one credential
   configuration (the mark as ``ldp_vc`` or ``jwt_vc_json``): :meth:`Oid4vciService.create_offer`
   returns the ``openid-credential-offer://`` URI — by reference (``credential_offer_uri``, the
   default: a small QR) or by value — and, unless declined, a 6-digit one-time **tx_code** the
   owner types into the wallet (shown apart from the QR).
2. The wallet fetches the offer (by reference), the metadata, and exchanges the pre-authorized
   code (with the tx_code) at the **token** endpoint for a short-lived access token. The code is
   single-use; wrong tx_codes are counted and the offer dies at the cap
   (:attr:`Oid4vciSettings.tx_code_attempts`).
3. The wallet gets a ``c_nonce`` from the **nonce** endpoint (single-use, short-lived), signs a
   ``jwt`` key proof with it (:mod:`vic.issuer.oid4vci.proof`), and asks the **credential**
   endpoint:
   it receives the vehicle's current mark exactly as issued (``ldp_vc``), or the same credential
   secured as vc+jwt (``jwt_vc_json``). Nothing new is issued: the mark is about the vehicle,
   and a wallet's download is a download (audited as ``oid4vci.credential`` with the holder key).

Holder binding: the mark names no holder (its subject is the vehicle, and every byte of it is in
the QR). The key proof shows that the wallet which redeemed the offer holds the key it will
present with; the issuer records the key id in the audit log with the delivery, and the wallet
signs its presentations (challenge, domain) with that key.

Secrets are stored as SHA-256 digests only (:mod:`vic.issuer.oid4vci.digests`,
:mod:`vic.issuer.repositories.oid4vci`). What a wallet sends is read by
:mod:`vic.issuer.oid4vci.requests`, the offer written by :mod:`vic.issuer.oid4vci.offers`; this
module holds the flow over the issuer's records. Every refusal is an
:class:`~vic.issuer.oid4vci.errors.OAuthError` with the protocol's ``error`` code and vic's
``code``.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from vic.contexts.errors import RecordNotFoundError, RefusedError, UsageError
from vic.issuer.db.models import Mark, Oid4vciOffer, Vehicle
from vic.issuer.domain import Actor, Role
from vic.issuer.kernel import Kernel
from vic.issuer.oid4vci.digests import code_of, digest, notification_id, tx_digest
from vic.issuer.oid4vci.errors import OAuthError
from vic.issuer.oid4vci.metadata import (
    CONFIGURATIONS,
    LDP_VC,
    Endpoints,
    authorization_server_metadata,
    credential_issuer_metadata,
)
from vic.issuer.oid4vci.offers import CredentialOffer, offer_document, offer_uri
from vic.issuer.oid4vci.requests import (
    bearer_token,
    holder_proof,
    read_credential_request,
    read_notification,
    requested_configuration,
    token_request,
)
from vic.issuer.records import (
    audit,
    current_mark,
    require_role,
    visible_vehicle,
)
from vic.issuer.repositories import oid4vci as store
from vic.issuer.vcjwt import JWT_ALGORITHMS, JwtSigner

__all__ = ["Oid4vciService", "Oid4vciSettings"]

_WALLET: Final = Actor("wallet", Role.SYSTEM)
"""The audit log's actor for what a wallet does with an offer (it has no token of its own)."""


@dataclass(frozen=True)
class Oid4vciSettings:
    """Lifetimes and caps (defaults fit a person scanning a QR and typing a code)."""

    offer_lifetime: timedelta = timedelta(minutes=15)
    access_lifetime: timedelta = timedelta(minutes=5)
    nonce_lifetime: timedelta = timedelta(minutes=5)
    tx_code_attempts: int = 5
    """Wrong tx_codes accepted before the offer is dead (the guess cap)."""
    tx_code_length: int = 6


@dataclass(frozen=True)
class _Failure:
    """A refusal to raise after its record (a counted tx_code guess) is committed."""

    error: OAuthError


class Oid4vciService:
    """OpenID4VCI, a service over the issuer's :class:`~vic.issuer.kernel.Kernel` (module doc).

    :param kernel: the issuer's kernel (database, clock, signers, cryptosuite).
    :param issuer_id: the credential issuer identifier (the public base URL).
    :param authority_name: display names by locale (``zh-CN``, ``en``).
    :param jwt_signer: secures marks as vc+jwt (with the issuer's current key); without it only
        ``ldp_vc`` is offered.
    """

    def __init__(
        self,
        kernel: Kernel,
        *,
        issuer_id: str,
        authority_name: Mapping[str, str],
        settings: Oid4vciSettings | None = None,
        jwt_signer: JwtSigner | None = None,
    ) -> None:
        self.kernel = kernel
        self.endpoints = Endpoints(issuer_id)
        self._authority_name = dict(authority_name)
        self.settings = settings or Oid4vciSettings()
        self._jwt_signer = jwt_signer

    def _now(self) -> datetime:
        return self.kernel.now()

    @property
    def configurations(self) -> tuple[str, ...]:
        """The credential configuration ids offered."""
        if self._jwt_signer is None:
            return (LDP_VC,)
        return tuple(CONFIGURATIONS)

    # --- metadata ---------------------------------------------------------------------------------

    def issuer_metadata(self) -> dict[str, Any]:
        """The credential issuer metadata."""
        return credential_issuer_metadata(
            self.endpoints,
            configurations=self.configurations,
            cryptosuite=self.kernel.config.cryptosuite,
            jwt_alg=JWT_ALGORITHMS[self.kernel.current_signer().key_type],
            authority_name=self._authority_name,
        )

    def authorization_server_metadata(self) -> dict[str, Any]:
        """The OAuth authorization server metadata."""
        return authorization_server_metadata(self.endpoints)

    # --- offers -----------------------------------------------------------------------------------

    def create_offer(
        self,
        actor: Actor,
        vin: str,
        *,
        configuration_id: str = LDP_VC,
        tx_code: bool = True,
        by_reference: bool = True,
    ) -> CredentialOffer:
        """An offer of the vehicle's current mark for a wallet.

        :raises UsageError: ``UNKNOWN_CREDENTIAL_CONFIGURATION``.
        :raises PermissionDeniedError: ``NOT_OWNER``, ``ROLE_NOT_ALLOWED``.
        :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
        :raises RefusedError: ``VEHICLE_CANCELLED``, ``NO_CURRENT_MARK``, ``MARK_EXPIRED``.
        """
        if configuration_id not in self.configurations:
            raise UsageError(
                f"the issuer offers {', '.join(self.configurations)}, not {configuration_id!r}",
                code="UNKNOWN_CREDENTIAL_CONFIGURATION",
            )
        require_role(actor, Role.OWNER, Role.OFFICE, Role.SYSTEM)
        reference = secrets.token_urlsafe(32)
        code = code_of(reference)
        tx = (
            f"{secrets.randbelow(10**self.settings.tx_code_length):0{self.settings.tx_code_length}d}"
            if tx_code
            else None
        )

        def work(session: Session) -> tuple[str, datetime]:
            now = self._now()
            vehicle, _ = visible_vehicle(session, actor, vin)
            self._valid_mark(session, vehicle, now)
            expires = now + self.settings.offer_lifetime
            store.add_offer(
                session,
                Oid4vciOffer(
                    reference_digest=digest(reference),
                    code_digest=digest(code),
                    vehicle_id=vehicle.id,
                    configuration_id=configuration_id,
                    tx_code_digest=tx_digest(code, tx) if tx is not None else None,
                    tx_code_failures=0,
                    created_at=now,
                    created_by=actor.id,
                    expires_at=expires,
                    redeemed_at=None,
                    access_digest=None,
                    access_expires_at=None,
                    delivered_at=None,
                ),
            )
            audit(
                session,
                actor,
                "oid4vci.offer",
                f"vehicle:{vehicle.vin}",
                now,
                configuration=configuration_id,
                tx_code=tx is not None,
            )
            return vehicle.vin, expires

        found_vin, expires = self.kernel.run(work)
        offer = self._offer_document(code, configuration_id, tx is not None)
        return CredentialOffer(
            uri=offer_uri(offer, self.endpoints.offer(reference) if by_reference else None),
            offer=offer,
            configuration_id=configuration_id,
            tx_code=tx,
            expires_at=expires,
            vin=found_vin,
        )

    def _offer_document(self, code: str, configuration_id: str, tx_code: bool) -> dict[str, Any]:
        return offer_document(
            self.endpoints.issuer_id,
            code,
            configuration_id,
            self.settings.tx_code_length if tx_code else None,
        )

    def offer_by_reference(self, reference: str) -> dict[str, Any]:
        """The offer document a ``credential_offer_uri`` names (while it can be redeemed).

        :raises RecordNotFoundError: ``OFFER_NOT_FOUND`` (unknown, expired or redeemed).
        """

        def work(session: Session) -> dict[str, Any] | None:
            offer = store.offer_by_reference(session, digest(reference))
            if offer is None or offer.redeemed_at is not None or offer.expires_at <= self._now():
                return None
            return self._offer_document(
                code_of(reference), offer.configuration_id, offer.tx_code_digest is not None
            )

        document = self.kernel.run(work, readonly=True)
        if document is None:
            raise RecordNotFoundError(
                "no such offer, or it expired or was used", code="OFFER_NOT_FOUND"
            )
        return document

    # --- token ------------------------------------------------------------------------------------

    def token(self, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
        """The token endpoint: exchange a pre-authorized code (and tx_code) for an access token.

        Parameters the grant does not use (``resource``, ``authorization_details``,
        ``client_id``, ``scope``...) are ignored.

        :raises OAuthError: ``unsupported_grant_type``, ``invalid_request``
            (``PARAMETER_MISSING``, ``PARAMETER_REPEATED``, ``TX_CODE_REQUIRED``,
            ``TX_CODE_UNEXPECTED``), ``invalid_grant`` (``PRE_AUTHORIZED_CODE_UNKNOWN``,
            ``PRE_AUTHORIZED_CODE_USED``, ``PRE_AUTHORIZED_CODE_EXPIRED``, ``TX_CODE_WRONG``,
            ``TX_CODE_LOCKED``).
        """
        code, tx_code = token_request(params)
        access = secrets.token_urlsafe(32)

        def work(session: Session) -> _Failure | int:
            now = self._now()
            offer = store.offer_by_code(session, digest(code), lock=True)
            if offer is None:
                raise OAuthError(
                    "invalid_grant",
                    "the pre-authorized code is not known",
                    code="PRE_AUTHORIZED_CODE_UNKNOWN",
                )
            if offer.redeemed_at is not None:
                raise OAuthError(
                    "invalid_grant",
                    "the pre-authorized code was used already",
                    code="PRE_AUTHORIZED_CODE_USED",
                )
            if offer.expires_at <= now:
                raise OAuthError(
                    "invalid_grant",
                    "the pre-authorized code expired: ask for a new offer",
                    code="PRE_AUTHORIZED_CODE_EXPIRED",
                )
            if offer.tx_code_digest is None:
                if tx_code is not None:
                    raise OAuthError(
                        "invalid_request",
                        "this offer has no tx_code; do not send one",
                        code="TX_CODE_UNEXPECTED",
                    )
            else:
                if offer.tx_code_failures >= self.settings.tx_code_attempts:
                    raise OAuthError(
                        "invalid_grant",
                        "too many wrong tx_codes: the offer is void, ask for a new one",
                        code="TX_CODE_LOCKED",
                    )
                if not tx_code:
                    raise OAuthError(
                        "invalid_request", "this offer needs its tx_code", code="TX_CODE_REQUIRED"
                    )
                if not hmac.compare_digest(offer.tx_code_digest, tx_digest(code, tx_code)):
                    offer.tx_code_failures += 1
                    left = self.settings.tx_code_attempts - offer.tx_code_failures
                    audit(
                        session,
                        _WALLET,
                        "oid4vci.tx_code_wrong",
                        f"oid4vci-offer:{offer.id}",
                        now,
                        left=left,
                    )
                    return _Failure(
                        OAuthError(
                            "invalid_grant",
                            f"the tx_code is wrong ({left} attempts left)"
                            if left > 0
                            else "the tx_code is wrong: the offer is void, ask for a new one",
                            code="TX_CODE_WRONG",
                        )
                    )
            offer.redeemed_at = now
            offer.access_digest = digest(access)
            offer.access_expires_at = now + self.settings.access_lifetime
            audit(session, _WALLET, "oid4vci.token", f"oid4vci-offer:{offer.id}", now)
            return offer.id

        outcome = self.kernel.run(work)
        if isinstance(outcome, _Failure):
            raise outcome.error
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.settings.access_lifetime.total_seconds()),
        }

    # --- nonce ------------------------------------------------------------------------------------

    def nonce(self) -> str:
        """A new single-use ``c_nonce``."""
        value = secrets.token_urlsafe(32)

        def work(session: Session) -> None:
            now = self._now()
            store.add_nonce(session, digest(value), now, now + self.settings.nonce_lifetime)

        self.kernel.run(work)
        return value

    # --- credential -------------------------------------------------------------------------------

    def credential(self, authorization: str | None, body: bytes) -> dict[str, Any]:
        """The credential endpoint: the vehicle's current mark for a valid access token and key
        proof.

        :raises OAuthError: ``invalid_token`` (401: ``ACCESS_TOKEN_MISSING``,
            ``ACCESS_TOKEN_INVALID``, ``ACCESS_TOKEN_EXPIRED``), ``invalid_credential_request``,
            ``unknown_credential_configuration``, ``unknown_credential_identifier``,
            ``invalid_proof``, ``invalid_nonce`` (``NONCE_UNKNOWN``, ``NONCE_USED``,
            ``NONCE_EXPIRED``, ``PROOF_NONCE_MISSING``), ``credential_request_denied``
            (``NO_CURRENT_MARK``, ``MARK_EXPIRED``, ``VEHICLE_CANCELLED``).
        """
        access = bearer_token(authorization)
        request = read_credential_request(body)
        configuration_id = requested_configuration(request, self.configurations)
        proof = holder_proof(request, issuer_id=self.endpoints.issuer_id, now=self._now())

        def work(session: Session) -> tuple[dict[str, Any], str]:
            now = self._now()
            offer = self._offer_of_token(session, access, now)
            if configuration_id != offer.configuration_id:
                raise OAuthError(
                    "credential_request_denied",
                    f"the access token is for {offer.configuration_id}",
                    code="CREDENTIAL_CONFIGURATION_NOT_OFFERED",
                )
            outcome = store.consume_nonce(session, digest(proof.nonce), now)
            if outcome != "used":
                code, why = {
                    "unknown": ("NONCE_UNKNOWN", "is not one of the nonce endpoint's"),
                    "reused": ("NONCE_USED", "was used already"),
                    "expired": ("NONCE_EXPIRED", "expired"),
                }[outcome]
                raise OAuthError(
                    "invalid_nonce", f"the proof's nonce {why}: get a fresh c_nonce", code=code
                )
            vehicle = session.get_one(Vehicle, offer.vehicle_id)
            try:
                if vehicle.cancelled_at is not None:
                    raise RefusedError(
                        f"the registration of {vehicle.vin} is cancelled",
                        code="VEHICLE_CANCELLED",
                    )
                mark = self._valid_mark(session, vehicle, now)
            except RefusedError as exc:
                raise OAuthError("credential_request_denied", exc.message, code=exc.code) from None
            offer.delivered_at = now
            audit(
                session,
                _WALLET,
                "oid4vci.credential",
                f"mark:{mark.number}",
                now,
                vin=vehicle.vin,
                configuration=configuration_id,
                holder=proof.key_id,
            )
            assert mark.credential is not None
            return json.loads(mark.credential), configuration_id

        mark, configuration = self.kernel.run(work)
        credential: dict[str, Any] | str = mark
        if CONFIGURATIONS[configuration] == "jwt_vc_json":
            assert self._jwt_signer is not None
            credential = self._jwt_signer({k: v for k, v in mark.items() if k != "proof"})
        return {
            "credentials": [{"credential": credential}],
            "notification_id": notification_id(access),
        }

    # --- notification -----------------------------------------------------------------------------

    def notification(self, authorization: str | None, body: bytes) -> None:
        """The notification endpoint: the wallet says what became of the credential
        (``credential_accepted``, ``credential_failure``, ``credential_deleted``); audited as
        ``oid4vci.notification``.

        :raises OAuthError: ``invalid_token`` (401), ``invalid_notification_request``
            (``NOTIFICATION_MALFORMED``), ``invalid_notification_id``
            (``NOTIFICATION_ID_UNKNOWN``).
        """
        access = bearer_token(authorization)
        notification = read_notification(body)
        given = notification.notification_id

        def work(session: Session) -> None:
            now = self._now()
            offer = self._offer_of_token(session, access, now)
            if (
                not isinstance(given, str)
                or offer.delivered_at is None
                or not hmac.compare_digest(given, notification_id(access))
            ):
                raise OAuthError(
                    "invalid_notification_id",
                    "no credential was delivered with this notification_id",
                    code="NOTIFICATION_ID_UNKNOWN",
                )
            audit(
                session,
                _WALLET,
                "oid4vci.notification",
                f"oid4vci-offer:{offer.id}",
                now,
                event=notification.event,
                description=notification.description,
            )

        self.kernel.run(work)

    @staticmethod
    def _offer_of_token(session: Session, access: str, now: datetime) -> Oid4vciOffer:
        """The offer an access token was issued for, while the token lives."""
        offer = store.offer_by_access(session, digest(access))
        if offer is None or offer.access_expires_at is None:
            raise OAuthError(
                "invalid_token",
                "the access token is not known",
                code="ACCESS_TOKEN_INVALID",
                status=401,
            )
        if offer.access_expires_at <= now:
            raise OAuthError(
                "invalid_token",
                "the access token expired",
                code="ACCESS_TOKEN_EXPIRED",
                status=401,
            )
        return offer

    def _valid_mark(self, session: Session, vehicle: Vehicle, now: datetime) -> Mark:
        mark = current_mark(session, vehicle.id)
        if mark is None or mark.credential is None:
            raise RefusedError(f"{vehicle.vin} has no current mark", code="NO_CURRENT_MARK")
        if mark.valid_until < now:
            raise RefusedError(
                f"the mark of {vehicle.vin} expired: the vehicle needs an inspection",
                code="MARK_EXPIRED",
            )
        return mark
