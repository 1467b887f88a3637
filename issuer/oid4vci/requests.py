"""Reading what a wallet sends: the token form, the bearer token, credential and notification
requests.

Each function checks one request's shape and raises
:class:`~vic.issuer.oid4vci.errors.OAuthError` with the protocol's ``error`` code and vic's
``code``; what the issuer's records say of the request is the service's
(:mod:`vic.issuer.services.oid4vci`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from vic.contexts.errors import VicError
from vic.issuer.oid4vci.errors import OAuthError
from vic.issuer.oid4vci.metadata import PRE_AUTHORIZED_GRANT
from vic.issuer.oid4vci.proof import HolderProof, check_jwt_proof
from vic.vc.jsonio import parse_json_object

__all__ = [
    "MAX_CREDENTIAL_REQUEST",
    "NOTIFICATION_EVENTS",
    "Notification",
    "bearer_token",
    "holder_proof",
    "read_credential_request",
    "read_notification",
    "requested_configuration",
    "token_request",
]

MAX_CREDENTIAL_REQUEST: Final = 64 * 1024
NOTIFICATION_EVENTS: Final = frozenset(
    {"credential_accepted", "credential_failure", "credential_deleted"}
)


@dataclass(frozen=True)
class Notification:
    """A well-formed notification; ``notification_id`` is as sent (checked against the
    delivery)."""

    event: str
    description: str | None
    notification_id: object


def _single(params: Sequence[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in params:
        if name in out:
            raise OAuthError(
                "invalid_request", f"the parameter {name} is repeated", code="PARAMETER_REPEATED"
            )
        out[name] = value
    return out


def token_request(params: Sequence[tuple[str, str]]) -> tuple[str, str | None]:
    """The pre-authorized code and tx_code (None when not sent) of a token request's form.

    :raises OAuthError: ``unsupported_grant_type``, ``invalid_request`` (``PARAMETER_MISSING``,
        ``PARAMETER_REPEATED``).
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
    return code, form.get("tx_code")


def bearer_token(authorization: str | None) -> str:
    """The access token of an ``Authorization: Bearer`` header.

    :raises OAuthError: ``invalid_token`` (401: ``ACCESS_TOKEN_MISSING``,
        ``ACCESS_TOKEN_INVALID``).
    """
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


def read_credential_request(body: bytes) -> dict[str, Any]:
    """The credential request's JSON object.

    :raises OAuthError: ``invalid_credential_request`` (``CREDENTIAL_REQUEST_MALFORMED``).
    """
    try:
        return parse_json_object(body, max_bytes=MAX_CREDENTIAL_REQUEST)
    except (VicError, ValueError):
        raise OAuthError(
            "invalid_credential_request",
            "the credential request is not a JSON object",
            code="CREDENTIAL_REQUEST_MALFORMED",
        ) from None


def requested_configuration(request: Mapping[str, Any], configurations: Collection[str]) -> str:
    """The ``credential_configuration_id`` a credential request asks for, one of
    ``configurations``.

    :raises OAuthError: ``unknown_credential_identifier``, ``invalid_credential_request``
        (``CREDENTIAL_CONFIGURATION_MISSING``), ``unknown_credential_configuration``.
    """
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
    if configuration_id not in configurations:
        raise OAuthError(
            "unknown_credential_configuration",
            f"no credential configuration {configuration_id!r}",
            code="UNKNOWN_CREDENTIAL_CONFIGURATION",
        )
    return configuration_id


def holder_proof(request: Mapping[str, Any], *, issuer_id: str, now: datetime) -> HolderProof:
    """The holder key of a credential request's one ``jwt`` key proof (its nonce unchecked).

    :raises OAuthError: ``invalid_credential_request`` (``CREDENTIAL_REQUEST_MALFORMED``),
        ``invalid_proof`` (``PROOF_MISSING``, ``PROOF_TYPE``, ``PROOF_COUNT`` and those of
        :func:`~vic.issuer.oid4vci.proof.check_jwt_proof`).
    """
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
    return check_jwt_proof(values[0], issuer_id=issuer_id, now=now)


def read_notification(body: bytes) -> Notification:
    """A notification request: its event, description and notification id.

    :raises OAuthError: ``invalid_notification_request`` (``NOTIFICATION_MALFORMED``).
    """
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
    return Notification(event, described, request.get("notification_id"))
