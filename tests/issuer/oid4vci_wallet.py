"""A minimal OpenID4VCI client for the tests: parses offers, signs jwt key proofs, calls the
endpoints through a test client. No tests here."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vic.did.key import did_key
from vic.did.keys import KeyType, PrivateKey

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact(header: dict[str, Any], payload: dict[str, Any], key: PrivateKey) -> str:
    """A compact JWS signed with ``key`` (raw r||s for ECDSA, as JWS wants)."""
    signing_input = (
        b64(json.dumps(header).encode("utf-8")) + "." + b64(json.dumps(payload).encode("utf-8"))
    )
    return signing_input + "." + b64(key.sign(signing_input.encode("ascii")))


@dataclass
class Wallet:
    """A holder with a did:key, talking to ``client`` (a TestClient)."""

    client: Any
    clock: Callable[[], datetime]
    key: PrivateKey = field(default_factory=lambda: PrivateKey.generate(KeyType.P256))
    audience: str = "https://demo.vic.example"

    @property
    def did(self) -> str:
        return did_key(self.key.public_key)

    @property
    def kid(self) -> str:
        return f"{self.did}#{self.did.removeprefix('did:key:')}"

    def offer(self, uri: str) -> dict[str, Any]:
        """The offer document of an offer URI (fetched when by reference)."""
        parts = urlsplit(uri)
        assert parts.scheme == "openid-credential-offer", uri
        query = parse_qs(parts.query)
        if "credential_offer" in query:
            document: dict[str, Any] = json.loads(query["credential_offer"][0])
            return document
        response = self.client.get(query["credential_offer_uri"][0])
        assert response.status_code == 200, response.text
        fetched: dict[str, Any] = response.json()
        return fetched

    def token(self, code: str, tx_code: str | None = None, **extra: str) -> Any:
        form = {"grant_type": PRE_AUTH, "pre-authorized_code": code, **extra}
        if tx_code is not None:
            form["tx_code"] = tx_code
        return self.client.post("/oid4vci/token", data=form)

    def nonce(self) -> str:
        response = self.client.post("/oid4vci/nonce")
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        value: str = response.json()["c_nonce"]
        return value

    def proof(
        self,
        nonce: str | None,
        *,
        aud: Any = None,
        iat: float | None = None,
        typ: str = "openid4vci-proof+jwt",
        alg: str = "ES256",
        key: PrivateKey | None = None,
        header: dict[str, Any] | None = None,
    ) -> str:
        stamp = iat if iat is not None else self.clock().timestamp()
        payload: dict[str, Any] = {"aud": self.audience if aud is None else aud, "iat": int(stamp)}
        if nonce is not None:
            payload["nonce"] = nonce
        head = header if header is not None else {"typ": typ, "alg": alg, "kid": self.kid}
        return compact(head, payload, key or self.key)

    def credential(
        self,
        access_token: str | None,
        configuration_id: str = "VehicleInspectionMark_ldp_vc",
        jwt_proof: str | None = None,
        **body: Any,
    ) -> Any:
        request: dict[str, Any] = {"credential_configuration_id": configuration_id, **body}
        if jwt_proof is not None:
            request["proofs"] = {"jwt": [jwt_proof]}
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        return self.client.post("/oid4vci/credential", json=request, headers=headers)

    def receive(self, uri: str, tx_code: str | None) -> Any:
        """The whole flow: offer, token, nonce, proof, credential; the credential response."""
        offer = self.offer(uri)
        grant = offer["grants"][PRE_AUTH]
        token = self.token(grant["pre-authorized_code"], tx_code)
        assert token.status_code == 200, token.text
        configuration_id = offer["credential_configuration_ids"][0]
        proof = self.proof(self.nonce())
        return self.credential(token.json()["access_token"], configuration_id, proof)
