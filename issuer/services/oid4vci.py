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

Secrets are stored as SHA-256 digests only (:mod:`vic.issuer.repositories.oid4vci`). Every refusal
is an
:class:`~vic.issuer.oid4vci.errors.OAuthError` with the protocol's ``error`` code and vic's
``code``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import quote, urlencode

from sqlalchemy.orm import Session

from vic.contexts.errors import RecordNotFoundError, RefusedError, UsageError, VicError
from vic.did.keys import KeyType
from vic.issuer.db.models import Mark, Oid4vciOffer, Vehicle
from vic.issuer.domain import Actor, Role
from vic.issuer.kernel import Kernel
from vic.issuer.oid4vci.errors import OAuthError
from vic.issuer.oid4vci.metadata import (
    CONFIGURATIONS,
    LDP_VC,
    PRE_AUTHORIZED_GRANT,
    Endpoints,
    authorization_server_metadata,
    credential_issuer_metadata,
)
from vic.issuer.oid4vci.proof import HolderProof, check_jwt_proof
from vic.issuer.records import (
    audit,
    current_mark,
    require_role,
    visible_vehicle,
)
from vic.issuer.repositories import oid4vci as store
from vic.vc.jsonio import parse_json_object

__all__ = [
    "JWT_ALGORITHMS",
    "NOTIFICATION_EVENTS",
    "OFFER_SCHEME",
    "CredentialOffer",
    "JwtSigner",
    "Oid4vciService",
    "Oid4vciSettings",
    "vc_jwt_signer",
]

OFFER_SCHEME: Final = "openid-credential-offer://"
MAX_CREDENTIAL_REQUEST: Final = 64 * 1024
_WALLET: Final = Actor("wallet", Role.SYSTEM)
"""The audit log's actor for what a wallet does with an offer (it has no token of its own)."""
_CODE_LABEL: Final = b"vic oid4vci pre-authorized code\x00"
_NOTIFICATION_LABEL: Final = b"vic oid4vci notification\x00"
NOTIFICATION_EVENTS: Final = frozenset(
    {"credential_accepted", "credential_failure", "credential_deleted"}
)

JwtSigner = Callable[[Mapping[str, Any]], str]
"""Secures a mark (its credential without the Data Integrity proof) as a vc+jwt compact JWS."""
JWT_ALGORITHMS: Final = {KeyType.P256: "ES256", KeyType.P384: "ES384", KeyType.ED25519: "EdDSA"}


def vc_jwt_signer(kernel: Kernel) -> JwtSigner:
    """vc+jwt with the issuer's current key (looked up at each call: rotation applies)."""

    def sign(credential: Mapping[str, Any]) -> str:
        from vic.vc.jose import sign_jwt_with

        signer = kernel.current_signer()
        return sign_jwt_with(credential, signer, signer.method_id)

    return sign


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
class CredentialOffer:
    """A new offer: give ``uri`` to the wallet (as a QR), ``tx_code`` to the person."""

    uri: str
    offer: dict[str, Any]
    configuration_id: str
    tx_code: str | None
    expires_at: datetime
    vin: str


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tx_digest(code: str, tx_code: str) -> str:
    return _digest(f"{code}\x00{tx_code}")


def _notification_id(access: str) -> str:
    """The notification id of a delivery: derived from its access token (nothing to store)."""
    mac = hashlib.sha256(_NOTIFICATION_LABEL + access.encode("ascii")).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def _code_of(reference: str) -> str:
    """The pre-authorized code of an offer reference (so that only digests are stored)."""
    mac = hashlib.sha256(_CODE_LABEL + reference.encode("ascii")).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class _Failure:
    """A refusal to raise after its record (a counted tx_code guess) is committed."""

    error: OAuthError


def _single(params: Sequence[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in params:
        if name in out:
            raise OAuthError(
                "invalid_request", f"the parameter {name} is repeated", code="PARAMETER_REPEATED"
            )
        out[name] = value
    return out


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
        code = _code_of(reference)
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
                    reference_digest=_digest(reference),
                    code_digest=_digest(code),
                    vehicle_id=vehicle.id,
                    configuration_id=configuration_id,
                    tx_code_digest=_tx_digest(code, tx) if tx is not None else None,
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
        if by_reference:
            query = urlencode({"credential_offer_uri": self.endpoints.offer(reference)})
        else:
            text = json.dumps(offer, separators=(",", ":"), ensure_ascii=False)
            query = "credential_offer=" + quote(text, safe="")
        return CredentialOffer(
            uri=f"{OFFER_SCHEME}?{query}",
            offer=offer,
            configuration_id=configuration_id,
            tx_code=tx,
            expires_at=expires,
            vin=found_vin,
        )

    def _offer_document(self, code: str, configuration_id: str, tx_code: bool) -> dict[str, Any]:
        grant: dict[str, Any] = {"pre-authorized_code": code}
        if tx_code:
            grant["tx_code"] = {
                "input_mode": "numeric",
                "length": self.settings.tx_code_length,
                "description": "请输入随二维码提供的6位数字码 / "
                "Enter the 6-digit code given with the QR code",
            }
        return {
            "credential_issuer": self.endpoints.issuer_id,
            "credential_configuration_ids": [configuration_id],
            "grants": {PRE_AUTHORIZED_GRANT: grant},
        }

    def offer_by_reference(self, reference: str) -> dict[str, Any]:
        """The offer document a ``credential_offer_uri`` names (while it can be redeemed).

        :raises RecordNotFoundError: ``OFFER_NOT_FOUND`` (unknown, expired or redeemed).
        """

        def work(session: Session) -> dict[str, Any] | None:
            offer = store.offer_by_reference(session, _digest(reference))
            if offer is None or offer.redeemed_at is not None or offer.expires_at <= self._now():
                return None
            return self._offer_document(
                _code_of(reference), offer.configuration_id, offer.tx_code_digest is not None
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
        form = _single(params)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is missing", code="PARAMETER_MISSING")
        if grant_type != PRE_AUTHORIZED_GRANT:
            raise OAuthError(
                "unsupported_grant_type",
                f"the only grant is {PRE_AUTHORIZED_GRANT}",
                code="UNSUPPORTED_GRANT_TYPE",
            )
        code = form.get("pre-authorized_code")
        if not code:
            raise OAuthError(
                "invalid_request", "pre-authorized_code is missing", code="PARAMETER_MISSING"
            )
        tx_code = form.get("tx_code")
        access = secrets.token_urlsafe(32)

        def work(session: Session) -> _Failure | int:
            now = self._now()
            offer = store.offer_by_code(session, _digest(code), lock=True)
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
                if not hmac.compare_digest(offer.tx_code_digest, _tx_digest(code, tx_code)):
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
            offer.access_digest = _digest(access)
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
            store.add_nonce(session, _digest(value), now, now + self.settings.nonce_lifetime)

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
        access = self._access_token(authorization)
        request = self._read_request(body)
        configuration_id = request.get("credential_configuration_id")
        if "credential_identifier" in request:
            raise OAuthError(
                "unknown_credential_identifier",
                "this issuer hands out no credential identifiers",
                code="UNKNOWN_CREDENTIAL_IDENTIFIER",
            )
        if not isinstance(configuration_id, str):
            raise OAuthError(
                "invalid_credential_request",
                "credential_configuration_id is missing",
                code="CREDENTIAL_CONFIGURATION_MISSING",
            )
        if configuration_id not in self.configurations:
            raise OAuthError(
                "unknown_credential_configuration",
                f"no credential configuration {configuration_id!r}",
                code="UNKNOWN_CREDENTIAL_CONFIGURATION",
            )
        proof = self._check_proofs(request)

        def work(session: Session) -> tuple[dict[str, Any], str]:
            now = self._now()
            offer = store.offer_by_access(session, _digest(access))
            if offer is None:
                raise OAuthError(
                    "invalid_token",
                    "the access token is not known",
                    code="ACCESS_TOKEN_INVALID",
                    status=401,
                )
            if offer.access_expires_at is None or offer.access_expires_at <= now:
                raise OAuthError(
                    "invalid_token",
                    "the access token expired",
                    code="ACCESS_TOKEN_EXPIRED",
                    status=401,
                )
            if configuration_id != offer.configuration_id:
                raise OAuthError(
                    "credential_request_denied",
                    f"the access token is for {offer.configuration_id}",
                    code="CREDENTIAL_CONFIGURATION_NOT_OFFERED",
                )
            outcome = store.consume_nonce(session, _digest(proof.nonce), now)
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
            "notification_id": _notification_id(access),
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
        access = self._access_token(authorization)
        try:
            request = parse_json_object(body, max_bytes=MAX_CREDENTIAL_REQUEST)
        except (VicError, ValueError):
            request = {}
        event = request.get("event")
        described = request.get("event_description")
        if event not in NOTIFICATION_EVENTS or not (
            described is None
            or (isinstance(described, str) and len(described) <= 1000 and described.isascii())
        ):
            raise OAuthError(
                "invalid_notification_request",
                "a notification is {notification_id, event: credential_accepted | "
                "credential_failure | credential_deleted, event_description?: ASCII}",
                code="NOTIFICATION_MALFORMED",
            )
        given = request.get("notification_id")

        def work(session: Session) -> None:
            now = self._now()
            offer = store.offer_by_access(session, _digest(access))
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
            if (
                not isinstance(given, str)
                or offer.delivered_at is None
                or not hmac.compare_digest(given, _notification_id(access))
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
                event=event,
                description=described,
            )

        self.kernel.run(work)

    def _access_token(self, authorization: str | None) -> str:
        if not authorization:
            raise OAuthError(
                "invalid_token",
                "the credential endpoint needs the access token (Authorization: Bearer ...)",
                code="ACCESS_TOKEN_MISSING",
                status=401,
            )
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise OAuthError(
                "invalid_token",
                "send the access token as Authorization: Bearer <token>",
                code="ACCESS_TOKEN_INVALID",
                status=401,
            )
        return token.strip()

    @staticmethod
    def _read_request(body: bytes) -> dict[str, Any]:
        try:
            return parse_json_object(body, max_bytes=MAX_CREDENTIAL_REQUEST)
        except (VicError, ValueError):
            raise OAuthError(
                "invalid_credential_request",
                "the credential request is not a JSON object",
                code="CREDENTIAL_REQUEST_MALFORMED",
            ) from None

    def _check_proofs(self, request: Mapping[str, Any]) -> HolderProof:
        if "proof" in request:
            raise OAuthError(
                "invalid_credential_request",
                'OpenID4VCI 1.0 sends key proofs as proofs: {"jwt": [...]}, not proof',
                code="CREDENTIAL_REQUEST_MALFORMED",
            )
        proofs = request.get("proofs")
        if proofs is None:
            raise OAuthError("invalid_proof", "a jwt key proof is required", code="PROOF_MISSING")
        if not isinstance(proofs, dict) or len(proofs) != 1:
            raise OAuthError(
                "invalid_credential_request",
                "proofs is an object with one proof type",
                code="CREDENTIAL_REQUEST_MALFORMED",
            )
        ((proof_type, values),) = proofs.items()
        if proof_type != "jwt":
            raise OAuthError(
                "invalid_proof", f"unsupported proof type {proof_type!r}", code="PROOF_TYPE"
            )
        if not isinstance(values, list) or len(values) != 1:
            raise OAuthError(
                "invalid_proof",
                "send exactly one jwt proof (one credential per request)",
                code="PROOF_COUNT",
            )
        return check_jwt_proof(values[0], issuer_id=self.endpoints.issuer_id, now=self._now())

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
