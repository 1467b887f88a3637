"""An OpenID for Verifiable Credential Issuance 1.0 client: the pre-authorized code flow.

:func:`~vic.wallet.offer.parse_offer_uri` reads a credential offer (by value,
``credential_offer=``, or by reference, ``credential_offer_uri=``); :class:`Oid4vciClient` runs
the flow with any conforming issuer:

1. the offer (fetched when given by reference), then the credential issuer metadata
   (``/.well-known/openid-credential-issuer``, inserted before the issuer's path) and the
   authorization server metadata (RFC 8414 ``/.well-known/oauth-authorization-server``, else
   ``/.well-known/openid-configuration``);
2. the token request with the ``urn:ietf:params:oauth:grant-type:pre-authorized_code`` grant and
   the ``tx_code`` when the offer asks for one;
3. a fresh ``c_nonce`` from the nonce endpoint (when the issuer has one), and a ``jwt`` key proof
   (``typ`` ``openid4vci-proof+jwt``, ``aud`` the credential issuer, ``iat``, ``nonce``) signed by
   the holder key;
4. the credential request (``credential_configuration_id``, or the ``credential_identifier`` the
   token response authorized, and ``proofs.jwt``); on ``invalid_nonce`` once more with a new nonce;
5. the notification ``credential_accepted`` when the issuer has a notification endpoint.

Every failure is an :class:`~vic.contexts.errors.IssuanceProtocolError` with vic's code and, in
``detail["error"]``, the issuer's OAuth / OpenID4VCI error code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from vic.contexts.errors import IssuanceProtocolError, VicError
from vic.vc.dates import Clock, system_clock
from vic.vc.jsonio import parse_json_object
from vic.wallet.holder import HolderKey
from vic.wallet.http import HttpClient, HttpResponse, check_url
from vic.wallet.offer import (
    OFFER_SCHEME,
    PRE_AUTHORIZED_GRANT,
    CredentialOffer,
    TxCodeSpec,
    checked_tx_code,
    offer_uri,
    parse_offer,
    parse_offer_uri,
)

__all__ = [
    "OFFER_SCHEME",
    "PRE_AUTHORIZED_GRANT",
    "CredentialOffer",
    "IssuedCredential",
    "Oid4vciClient",
    "TxCodeSpec",
    "offer_uri",
    "parse_offer",
    "parse_offer_uri",
    "well_known_url",
]

REFRESH_GRANT: Final = "refresh_token"
_JSON: Final = "application/json"


@dataclass(frozen=True)
class IssuedCredential:
    """What the flow brought back: the credentials as sent, and what a refresh needs."""

    credentials: tuple[str | dict[str, Any], ...]
    configuration_id: str
    format: str
    credential_issuer: str
    refresh_token: str | None = None
    notification_id: str | None = None
    issuer_names: dict[str, str] = field(default_factory=dict)
    """The issuer's display names by language (``zh-CN``, ``en``) from its metadata."""
    notification_endpoint: str | None = None
    access_token: str = field(default="", repr=False)
    """The access token of the exchange (for the notification; never stored)."""


def well_known_url(identifier: str, suffix: str) -> str:
    """``https://host/.well-known/{suffix}{path}``: the well-known segment goes between the host
    and the path (RFC 8414 section 3.1, OpenID4VCI 1.0 section 12.2.2)."""
    parts = urlsplit(identifier)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, f"/.well-known/{suffix}{path}", "", ""))


def _json_body(response: HttpResponse, what: str) -> dict[str, Any]:
    try:
        return parse_json_object(response.body)
    except VicError:
        raise IssuanceProtocolError(
            f"the {what} is not a JSON object (HTTP {response.status})",
            code="ISSUER_RESPONSE_INVALID",
        ) from None


def _oauth_error(response: HttpResponse, what: str, code: str) -> IssuanceProtocolError:
    """The issuer's error response as vic's error, keeping its ``error`` code."""
    error: str | None = None
    description: str | None = None
    try:
        body = parse_json_object(response.body)
        error = body.get("error") if isinstance(body.get("error"), str) else None
        raw = body.get("error_description")
        description = raw if isinstance(raw, str) else None
    except VicError:
        pass
    if error is None and response.status == 401:
        challenge = response.header("www-authenticate") or ""
        error = "invalid_token" if "invalid_token" in challenge else None
    text = f"the {what} was refused (HTTP {response.status}"
    text += f", {error})" if error else ")"
    if description:
        text += f": {description[:300]}"
    return IssuanceProtocolError(text, code=code, error=error, status=response.status)


class Oid4vciClient:
    """The wallet's side of OpenID4VCI 1.0. ``http`` and ``clock`` are injected."""

    def __init__(self, http: HttpClient, *, clock: Clock = system_clock) -> None:
        self._http = http
        self._clock = clock

    # --- the steps -------------------------------------------------------------------------------

    def resolve_offer(self, uri: str) -> CredentialOffer:
        """The offer of ``uri``, fetched when it is given by reference.

        :raises IssuanceProtocolError: see :func:`parse_offer_uri`; ``ISSUER_UNREACHABLE``,
            ``OFFER_INVALID`` for a fetched offer that is not one.
        """
        offer, url = parse_offer_uri(uri)
        if offer is not None:
            return offer
        assert url is not None
        response = self._http.request("GET", url, headers={"Accept": _JSON})
        if response.status != 200:
            raise _oauth_error(response, "credential offer", "OFFER_INVALID")
        try:
            document = parse_json_object(response.body)
        except VicError:
            raise IssuanceProtocolError(
                f"invalid credential offer: {url} did not return a JSON object",
                code="OFFER_INVALID",
            ) from None
        return parse_offer(document)

    def issuer_metadata(self, credential_issuer: str) -> dict[str, Any]:
        """The credential issuer metadata; its ``credential_issuer`` must be the one asked for.

        :raises IssuanceProtocolError: ``ISSUER_METADATA_INVALID``, ``ISSUER_UNREACHABLE``.
        """
        url = well_known_url(credential_issuer, "openid-credential-issuer")
        response = self._http.request("GET", url, headers={"Accept": _JSON})
        if response.status != 200:
            raise _oauth_error(response, "issuer metadata request", "ISSUER_METADATA_INVALID")
        metadata = _json_body(response, "credential issuer metadata")
        if metadata.get("credential_issuer") != credential_issuer:
            raise IssuanceProtocolError(
                "the issuer metadata names another credential_issuer than the offer",
                code="ISSUER_METADATA_INVALID",
                expected=credential_issuer,
                actual=str(metadata.get("credential_issuer")),
            )
        for name in ("credential_endpoint", "nonce_endpoint", "notification_endpoint"):
            value = metadata.get(name)
            if value is not None and not isinstance(value, str):
                raise IssuanceProtocolError(f"{name} is not a URL", code="ISSUER_METADATA_INVALID")
        if not isinstance(metadata.get("credential_endpoint"), str):
            raise IssuanceProtocolError(
                "the issuer metadata has no credential_endpoint", code="ISSUER_METADATA_INVALID"
            )
        configurations = metadata.get("credential_configurations_supported")
        if not isinstance(configurations, Mapping):
            raise IssuanceProtocolError(
                "the issuer metadata has no credential_configurations_supported",
                code="ISSUER_METADATA_INVALID",
            )
        return metadata

    def token_endpoint(self, metadata: Mapping[str, Any], offer: CredentialOffer | None) -> str:
        """The token endpoint of the authorization server the offer (or the issuer) names.

        :raises IssuanceProtocolError: ``AUTHORIZATION_SERVER_INVALID``, ``ISSUER_UNREACHABLE``.
        """
        servers = metadata.get("authorization_servers")
        server = offer.authorization_server if offer else None
        if server is None:
            if isinstance(servers, list) and servers and isinstance(servers[0], str):
                server = servers[0]
            else:
                server = str(metadata["credential_issuer"])
        elif isinstance(servers, list) and server not in servers:
            raise IssuanceProtocolError(
                "the offer names an authorization server the issuer metadata does not list",
                code="AUTHORIZATION_SERVER_INVALID",
            )
        check_url(server)
        last: HttpResponse | None = None
        for suffix in ("oauth-authorization-server", "openid-configuration"):
            response = self._http.request(
                "GET", well_known_url(server, suffix), headers={"Accept": _JSON}
            )
            if response.status == 200:
                document = _json_body(response, "authorization server metadata")
                endpoint = document.get("token_endpoint")
                if document.get("issuer") not in (None, server) or not isinstance(endpoint, str):
                    raise IssuanceProtocolError(
                        "the authorization server metadata is for another issuer or has no "
                        "token_endpoint",
                        code="AUTHORIZATION_SERVER_INVALID",
                    )
                return check_url(endpoint)
            last = response
        assert last is not None
        raise _oauth_error(last, "authorization server metadata", "AUTHORIZATION_SERVER_INVALID")

    def request_token(self, token_endpoint: str, form: Mapping[str, str]) -> dict[str, Any]:
        """POST the token request; the access token response.

        :raises IssuanceProtocolError: ``TOKEN_REJECTED`` (``detail["error"]``: ``invalid_grant``
            for a wrong, used or expired code or tx_code...), ``ISSUER_RESPONSE_INVALID``.
        """
        response = self._http.request(
            "POST", token_endpoint, form=dict(form), headers={"Accept": _JSON}
        )
        if response.status != 200:
            raise _oauth_error(response, "token request", "TOKEN_REJECTED")
        token = _json_body(response, "token response")
        if not isinstance(token.get("access_token"), str) or not token["access_token"]:
            raise IssuanceProtocolError(
                "the token response has no access_token", code="ISSUER_RESPONSE_INVALID"
            )
        token_type = token.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise IssuanceProtocolError(
                f"token_type {token_type!r} is not supported (Bearer only)",
                code="ISSUER_RESPONSE_INVALID",
            )
        return token

    def nonce(self, metadata: Mapping[str, Any]) -> str | None:
        """A fresh ``c_nonce`` from the nonce endpoint, or None when the issuer has none.

        :raises IssuanceProtocolError: ``NONCE_UNAVAILABLE``.
        """
        endpoint = metadata.get("nonce_endpoint")
        if endpoint is None:
            return None
        response = self._http.request("POST", check_url(str(endpoint)), headers={"Accept": _JSON})
        if response.status != 200:
            raise _oauth_error(response, "nonce request", "NONCE_UNAVAILABLE")
        value = _json_body(response, "nonce response").get("c_nonce")
        if not isinstance(value, str) or not value:
            raise IssuanceProtocolError(
                "the nonce response has no c_nonce", code="NONCE_UNAVAILABLE"
            )
        return value

    # --- the whole flow --------------------------------------------------------------------------

    def receive(
        self,
        offer: CredentialOffer,
        holder: HolderKey,
        *,
        tx_code: str | None = None,
        configuration_id: str | None = None,
    ) -> IssuedCredential:
        """Run the pre-authorized code flow for one configuration of ``offer``.

        ``configuration_id`` picks one of the offered configurations (default: the first).

        :raises IssuanceProtocolError: ``TX_CODE_REQUIRED``, ``TX_CODE_INVALID`` (not of the
            form the offer asks for; nothing is sent), ``CONFIGURATION_UNKNOWN`` and every code of
            the steps.
        """
        chosen = configuration_id or offer.configuration_ids[0]
        if chosen not in offer.configuration_ids:
            raise IssuanceProtocolError(
                f"the offer does not include {chosen!r}", code="CONFIGURATION_UNKNOWN"
            )
        form = {
            "grant_type": PRE_AUTHORIZED_GRANT,
            "pre-authorized_code": offer.pre_authorized_code,
        }
        if offer.tx_code is not None:
            form["tx_code"] = checked_tx_code(offer.tx_code, tx_code)
        metadata = self.issuer_metadata(offer.credential_issuer)
        token_endpoint = self.token_endpoint(metadata, offer)
        token = self.request_token(token_endpoint, form)
        return self._credential(metadata, token, chosen, holder)

    def refresh_with_token(
        self,
        credential_issuer: str,
        refresh_token: str,
        configuration_id: str,
        holder: HolderKey,
    ) -> IssuedCredential:
        """Get a fresh credential with a refresh token the issuer gave at issuance (OAuth 2.0
        ``refresh_token`` grant, then the credential endpoint as in :meth:`receive`).

        :raises IssuanceProtocolError: ``TOKEN_REJECTED`` when the issuer no longer honours the
            refresh token, and every code of the credential step.
        """
        metadata = self.issuer_metadata(credential_issuer)
        token_endpoint = self.token_endpoint(metadata, None)
        token = self.request_token(
            token_endpoint, {"grant_type": REFRESH_GRANT, "refresh_token": refresh_token}
        )
        return self._credential(metadata, token, configuration_id, holder)

    def _credential(
        self,
        metadata: Mapping[str, Any],
        token: Mapping[str, Any],
        configuration_id: str,
        holder: HolderKey,
    ) -> IssuedCredential:
        configurations = metadata["credential_configurations_supported"]
        configuration = configurations.get(configuration_id)
        if not isinstance(configuration, Mapping):
            raise IssuanceProtocolError(
                f"the issuer metadata does not describe {configuration_id!r}",
                code="CONFIGURATION_UNKNOWN",
            )
        kind = configuration.get("format")
        if not isinstance(kind, str):
            raise IssuanceProtocolError(
                f"{configuration_id!r} names no format", code="ISSUER_METADATA_INVALID"
            )
        allowed = _proof_algs(configuration)
        request: dict[str, Any] = _credential_selector(token, configuration_id)
        credential_issuer = str(metadata["credential_issuer"])
        headers = {"Authorization": f"Bearer {token['access_token']}", "Accept": _JSON}
        endpoint = check_url(str(metadata["credential_endpoint"]))
        response: HttpResponse | None = None
        for _attempt in range(2):  # once more after invalid_nonce, with a fresh nonce
            if allowed is not None:
                proof = holder.proof_jwt(
                    audience=credential_issuer,
                    nonce=self.nonce(metadata),
                    issued_at=self._clock(),
                    allowed_algs=allowed or None,
                )
                request["proofs"] = {"jwt": [proof]}
            response = self._http.request("POST", endpoint, json=request, headers=headers)
            if response.status == 200 or _error_code(response) != "invalid_nonce":
                break
        assert response is not None
        if response.status == 202:
            raise IssuanceProtocolError(
                "the issuer deferred the issuance; the vic wallet does not poll for deferred "
                "credentials",
                code="CREDENTIAL_DEFERRED",
            )
        if response.status != 200:
            raise _oauth_error(response, "credential request", "CREDENTIAL_REJECTED")
        body = _json_body(response, "credential response")
        credentials = body.get("credentials")
        if (
            not isinstance(credentials, list)
            or not credentials
            or not all(isinstance(c, Mapping) and "credential" in c for c in credentials)
        ):
            raise IssuanceProtocolError(
                "the credential response has no credentials", code="ISSUER_RESPONSE_INVALID"
            )
        values: list[str | dict[str, Any]] = []
        for item in credentials:
            value = item["credential"]
            if not isinstance(value, str | dict):
                raise IssuanceProtocolError(
                    "a credential is neither a string nor an object", code="ISSUER_RESPONSE_INVALID"
                )
            values.append(value)
        notification = body.get("notification_id")
        refresh_token = token.get("refresh_token")
        return IssuedCredential(
            credentials=tuple(values),
            configuration_id=configuration_id,
            format=kind,
            credential_issuer=credential_issuer,
            refresh_token=refresh_token if isinstance(refresh_token, str) else None,
            notification_id=notification if isinstance(notification, str) else None,
            issuer_names=_display_names(metadata),
            notification_endpoint=_optional_url(metadata, "notification_endpoint"),
            access_token=str(token["access_token"]),
        )

    def notify(self, issued: IssuedCredential, event: str) -> None:
        """Tell the issuer what became of the credentials (``credential_accepted``,
        ``credential_deleted``, ``credential_failure``); a no-op unless the issuer has a
        notification endpoint and gave a ``notification_id``.

        :raises IssuanceProtocolError: ``NOTIFICATION_REJECTED``.
        """
        if issued.notification_endpoint is None or issued.notification_id is None:
            return
        response = self._http.request(
            "POST",
            check_url(issued.notification_endpoint),
            json={"notification_id": issued.notification_id, "event": event},
            headers={"Authorization": f"Bearer {issued.access_token}"},
        )
        if response.status not in (200, 204):
            raise _oauth_error(response, "notification", "NOTIFICATION_REJECTED")


def _display_names(metadata: Mapping[str, Any]) -> dict[str, str]:
    """``display[].name`` by language: ``zh-CN`` (from any ``zh`` locale) and ``en``."""
    names: dict[str, str] = {}
    display = metadata.get("display")
    for item in display if isinstance(display, list) else []:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            continue
        locale = str(item.get("locale", "")).lower()
        tag = "zh-CN" if locale.startswith("zh") else "en" if locale.startswith("en") else None
        if tag is not None and tag not in names:
            names[tag] = item["name"][:200]
    return names


def _optional_url(metadata: Mapping[str, Any], name: str) -> str | None:
    value = metadata.get(name)
    return value if isinstance(value, str) else None


def _error_code(response: HttpResponse) -> str | None:
    try:
        value = parse_json_object(response.body).get("error")
    except VicError:
        return None
    return value if isinstance(value, str) else None


def _proof_algs(configuration: Mapping[str, Any]) -> list[str] | None:
    """The algorithms the configuration accepts for ``jwt`` key proofs; an empty list when it
    names none (any); None when it needs no key proof at all.

    :raises IssuanceProtocolError: ``PROOF_TYPE_UNSUPPORTED`` (only other proof types).
    """
    proof_types = configuration.get("proof_types_supported")
    if proof_types is None:
        return None
    if not isinstance(proof_types, Mapping):
        raise IssuanceProtocolError(
            "proof_types_supported is not an object", code="ISSUER_METADATA_INVALID"
        )
    jwt = proof_types.get("jwt")
    if not isinstance(jwt, Mapping):
        raise IssuanceProtocolError(
            f"the issuer wants key proofs of type {', '.join(proof_types)}; the vic wallet makes "
            "jwt proofs",
            code="PROOF_TYPE_UNSUPPORTED",
        )
    algs = jwt.get("proof_signing_alg_values_supported")
    return [a for a in algs if isinstance(a, str)] if isinstance(algs, list) else []


def _credential_selector(token: Mapping[str, Any], configuration_id: str) -> dict[str, Any]:
    """``credential_identifier`` when the token response authorized identifiers for the
    configuration (OpenID4VCI 1.0 section 6.2), else ``credential_configuration_id``."""
    details = token.get("authorization_details")
    if isinstance(details, list):
        for detail in details:
            if (
                isinstance(detail, Mapping)
                and detail.get("type") == "openid_credential"
                and detail.get("credential_configuration_id") == configuration_id
                and isinstance(detail.get("credential_identifiers"), list)
                and detail["credential_identifiers"]
                and isinstance(detail["credential_identifiers"][0], str)
            ):
                return {"credential_identifier": detail["credential_identifiers"][0]}
    return {"credential_configuration_id": configuration_id}
