"""An in-memory OpenID4VCI 1.0 issuer for the wallet's client tests (no sockets).

It checks what a conforming issuer checks (the token grant, the tx_code, the key proof's typ,
alg, aud, nonce and signature) so that a client bug fails a test. vic's own issuer is tested
against the wallet end to end in tests/wallet/test_owner_story.py.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from vic.did.jwk import did_jwk_public_key
from vic.did.key import did_key_public_key
from vic.wallet.http import HttpResponse, check_url
from vic.wallet.oid4vci import PRE_AUTHORIZED_GRANT

ISSUER = "https://issuer.example"
CONFIG = "VehicleInspectionMark_ldp_vc"


def _b64d(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _json(status: int, body: Any, **headers: str) -> HttpResponse:
    return HttpResponse(
        status, json.dumps(body).encode(), {"content-type": "application/json", **headers}
    )


@dataclass
class FakeIssuer:
    credentials: list[dict[str, Any]]
    """What the credential endpoint hands out, in turn (the last one repeats)."""
    tx_code: str | None = "493536"
    status_lists: dict[str, dict[str, Any]] = field(default_factory=dict)
    owner_token: str = "owner-secret"
    refresh_tokens: bool = False
    stale_nonce_once: bool = False
    requests: list[tuple[str, str]] = field(default_factory=list)
    codes: set[str] = field(default_factory=lambda: {"code-1"})
    nonces: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)
    proofs: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    issued: int = 0
    _counter: int = 0

    def offer(self, code: str = "code-1") -> dict[str, Any]:
        grant: dict[str, Any] = {"pre-authorized_code": code}
        if self.tx_code is not None:
            grant["tx_code"] = {"input_mode": "numeric", "length": len(self.tx_code)}
        return {
            "credential_issuer": ISSUER,
            "credential_configuration_ids": [CONFIG],
            "grants": {PRE_AUTHORIZED_GRANT: grant},
        }

    def offer_uri(self, code: str = "code-1") -> str:
        return "openid-credential-offer://?credential_offer=" + quote(json.dumps(self.offer(code)))

    def _next(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}-{self._counter}"

    # --- the HttpClient protocol ------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> HttpResponse:
        check_url(url)
        self.requests.append((method, url))
        headers = dict(headers or {})
        path = url.removeprefix(ISSUER)
        if method == "GET" and path == "/.well-known/openid-credential-issuer":
            return _json(200, self.metadata())
        if method == "GET" and path == "/.well-known/oauth-authorization-server":
            return _json(
                200,
                {
                    "issuer": ISSUER,
                    "token_endpoint": f"{ISSUER}/token",
                    "pre-authorized_grant_anonymous_access_supported": True,
                },
            )
        if method == "GET" and path == "/offers/1":
            return _json(200, self.offer())
        if method == "POST" and path == "/token":
            return self._token(form or {})
        if method == "POST" and path == "/nonce":
            nonce = self._next("nonce")
            self.nonces.add(nonce)
            return _json(200, {"c_nonce": nonce}, **{"cache-control": "no-store"})
        if method == "POST" and path == "/credential":
            return self._credential(headers, json)
        if method == "GET" and url in self.status_lists:
            return _json(200, self.status_lists[url])
        if method == "GET" and path.startswith("/vehicles/") and path.endswith("/mark"):
            if headers.get("Authorization") != f"Bearer {self.owner_token}":
                return _json(401, {"code": "TOKEN_INVALID"})
            return _json(200, self.credentials[min(self.issued, len(self.credentials) - 1)])
        return _json(404, {"error": "not_found"})

    def metadata(self) -> dict[str, Any]:
        return {
            "credential_issuer": ISSUER,
            "credential_endpoint": f"{ISSUER}/credential",
            "nonce_endpoint": f"{ISSUER}/nonce",
            "display": [
                {"name": "襄阳市公安局交通警察支队", "locale": "zh-CN"},
                {"name": "Xiangyang Traffic Police", "locale": "en"},
            ],
            "credential_configurations_supported": {
                CONFIG: {
                    "format": "ldp_vc",
                    "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
                    "proof_types_supported": {
                        "jwt": {"proof_signing_alg_values_supported": ["ES256", "EdDSA"]}
                    },
                }
            },
        }

    def _token(self, form: Mapping[str, str]) -> HttpResponse:
        grant = form.get("grant_type")
        if grant == "refresh_token":
            if form.get("refresh_token") not in self.tokens:
                return _json(400, {"error": "invalid_grant"})
        elif grant == PRE_AUTHORIZED_GRANT:
            code = form.get("pre-authorized_code")
            if code not in self.codes:
                return _json(400, {"error": "invalid_grant", "error_description": "unknown code"})
            if self.tx_code is not None and form.get("tx_code") != self.tx_code:
                return _json(400, {"error": "invalid_grant", "error_description": "wrong tx_code"})
            self.codes.discard(code)
        else:
            return _json(400, {"error": "unsupported_grant_type"})
        token = self._next("access")
        self.tokens.add(token)
        body: dict[str, Any] = {"access_token": token, "token_type": "Bearer", "expires_in": 300}
        if self.refresh_tokens:
            refresh = self._next("refresh")
            self.tokens.add(refresh)
            body["refresh_token"] = refresh
        return _json(200, body)

    def _credential(self, headers: Mapping[str, str], body: Any) -> HttpResponse:
        auth = headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return HttpResponse(401, b"", {"www-authenticate": 'Bearer error="invalid_token"'})
        if not isinstance(body, dict) or body.get("credential_configuration_id") != CONFIG:
            return _json(400, {"error": "invalid_credential_request"})
        jwts = body.get("proofs", {}).get("jwt")
        if not isinstance(jwts, list) or len(jwts) != 1:
            return _json(400, {"error": "invalid_proof"})
        header_part, claims_part, signature = jwts[0].split(".")
        header = json_loads(_b64d(header_part))
        claims = json_loads(_b64d(claims_part))
        if header.get("typ") != "openid4vci-proof+jwt" or header.get("alg") not in (
            "ES256",
            "EdDSA",
        ):
            return _json(400, {"error": "invalid_proof"})
        if claims.get("aud") != ISSUER or "iss" in claims or not isinstance(claims.get("iat"), int):
            return _json(400, {"error": "invalid_proof"})
        if self.stale_nonce_once:
            self.stale_nonce_once = False
            return _json(400, {"error": "invalid_nonce"})
        if claims.get("nonce") not in self.nonces:
            return _json(400, {"error": "invalid_nonce"})
        self.nonces.discard(claims["nonce"])
        did = header["kid"].split("#")[0]
        key = did_jwk_public_key(did) if did.startswith("did:jwk:") else did_key_public_key(did)
        if not key.verify(_b64d(signature), f"{header_part}.{claims_part}".encode()):
            return _json(400, {"error": "invalid_proof"})
        self.proofs.append((header, claims))
        credential = self.credentials[min(self.issued, len(self.credentials) - 1)]
        self.issued += 1
        return _json(200, {"credentials": [{"credential": credential}]})


def json_loads(data: bytes) -> dict[str, Any]:
    value = json.loads(data)
    assert isinstance(value, dict)
    return value
