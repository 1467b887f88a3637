"""OpenID4VCI bad input: each refusal answers the protocol's error code (and vic's code), and
nothing is delivered. Codes: reused and expired pre-authorized codes, wrong / replayed /
missing / unexpected tx_codes and the guess cap; key proofs with a wrong nonce, audience,
typ, algorithm, iat, key or signature; access tokens missing, unknown or expired."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import unquote

import pytest

from tests.issuer.helpers import make_vin
from tests.issuer.oid4vci_wallet import PRE_AUTH, Wallet, b64, compact
from tests.issuer.test_api_support import Api, api_fixture  # noqa: F401 - a fixture
from vic.did.jwk import did_jwk
from vic.did.keys import KeyType, PrivateKey

LDP = "VehicleInspectionMark_ldp_vc"


def oauth_error(response: Any, error: str, code: str, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    assert body["error"] == error, body
    assert body["code"] == code, body
    assert body["error_description"]
    return body


def offer(api: Api, number: int, **options: Any) -> tuple[Wallet, str, str | None]:
    """A registered vehicle's offer (as the office): the wallet, the code and the tx_code."""
    api.register(number)
    response = api.post(f"/vehicles/{make_vin(number)}/offers", "office", json=options)
    assert response.status_code == 201, response.text
    out = response.json()
    wallet = Wallet(api.client, api.clock)
    code = wallet.offer(out["offerUri"])["grants"][PRE_AUTH]["pre-authorized_code"]
    return wallet, code, out["txCode"]


def access_token(api: Api, number: int) -> tuple[Wallet, str]:
    wallet, code, tx_code = offer(api, number)
    response = wallet.token(code, tx_code)
    assert response.status_code == 200, response.text
    return wallet, response.json()["access_token"]


# --- the token endpoint --------------------------------------------------------------------------


def test_a_pre_authorized_code_is_single_use(api: Api) -> None:
    wallet, code, tx_code = offer(api, 80)
    assert wallet.token(code, tx_code).status_code == 200
    # The same code with the same (right) tx_code: a replay.
    oauth_error(wallet.token(code, tx_code), "invalid_grant", "PRE_AUTHORIZED_CODE_USED")


def test_an_expired_pre_authorized_code(api: Api) -> None:
    wallet, code, tx_code = offer(api, 81)
    api.clock.advance(minutes=15, seconds=1)
    oauth_error(wallet.token(code, tx_code), "invalid_grant", "PRE_AUTHORIZED_CODE_EXPIRED")


def test_an_unknown_pre_authorized_code(api: Api) -> None:
    wallet = Wallet(api.client, api.clock)
    oauth_error(wallet.token("x" * 43, "123456"), "invalid_grant", "PRE_AUTHORIZED_CODE_UNKNOWN")


def test_a_wrong_tx_code_then_the_right_one(api: Api) -> None:
    wallet, code, tx_code = offer(api, 82)
    assert tx_code is not None
    wrong = f"{(int(tx_code) + 1) % 10**6:06d}"
    body = oauth_error(wallet.token(code, wrong), "invalid_grant", "TX_CODE_WRONG")
    assert "4 attempts left" in body["error_description"]
    assert wallet.token(code, tx_code).status_code == 200


def test_the_tx_code_guess_cap(api: Api) -> None:
    wallet, code, tx_code = offer(api, 83)
    assert tx_code is not None
    for attempt in range(5):
        wrong = f"{(int(tx_code) + 1 + attempt) % 10**6:06d}"
        oauth_error(wallet.token(code, wrong), "invalid_grant", "TX_CODE_WRONG")
    # Five wrong guesses: the offer is void, even for the right code.
    oauth_error(wallet.token(code, tx_code), "invalid_grant", "TX_CODE_LOCKED")
    log = [a for a in api.issuer.audit_log(limit=50) if a.action == "oid4vci.tx_code_wrong"]
    assert len(log) == 5


def test_a_missing_or_unexpected_tx_code(api: Api) -> None:
    wallet, code, _tx = offer(api, 84)
    oauth_error(wallet.token(code), "invalid_request", "TX_CODE_REQUIRED")
    wallet, code, _none = offer(api, 85, txCode=False)
    oauth_error(wallet.token(code, "123456"), "invalid_request", "TX_CODE_UNEXPECTED")


def test_malformed_token_requests(api: Api) -> None:
    wallet, code, tx_code = offer(api, 86)
    client = api.client
    oauth_error(
        client.post("/oid4vci/token", data={"grant_type": "authorization_code", "code": "x"}),
        "unsupported_grant_type",
        "UNSUPPORTED_GRANT_TYPE",
    )
    oauth_error(
        client.post("/oid4vci/token", data={"grant_type": PRE_AUTH}),
        "invalid_request",
        "PARAMETER_MISSING",
    )
    oauth_error(
        client.post("/oid4vci/token", data={"pre-authorized_code": code}),
        "invalid_request",
        "PARAMETER_MISSING",
    )
    repeated = f"grant_type={PRE_AUTH}&pre-authorized_code={code}&pre-authorized_code=x"
    oauth_error(
        client.post(
            "/oid4vci/token",
            content=repeated,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        "invalid_request",
        "PARAMETER_REPEATED",
    )
    oauth_error(
        client.post(
            "/oid4vci/token",
            json={"grant_type": PRE_AUTH, "pre-authorized_code": code, "tx_code": tx_code},
        ),
        "invalid_request",
        "TOKEN_REQUEST_MALFORMED",
    )
    # None of these used the code.
    assert wallet.token(code, tx_code).status_code == 200


# --- key proofs ----------------------------------------------------------------------------------


def test_a_proof_with_a_wrong_nonce(api: Api) -> None:
    wallet, access = access_token(api, 90)
    oauth_error(
        wallet.credential(access, LDP, wallet.proof("not-a-nonce-of-ours")),
        "invalid_nonce",
        "NONCE_UNKNOWN",
    )
    oauth_error(
        wallet.credential(access, LDP, wallet.proof(None)), "invalid_nonce", "PROOF_NONCE_MISSING"
    )


def test_a_nonce_is_single_use_and_short_lived(api: Api) -> None:
    wallet, access = access_token(api, 91)
    nonce = wallet.nonce()
    assert wallet.credential(access, LDP, wallet.proof(nonce)).status_code == 200
    oauth_error(wallet.credential(access, LDP, wallet.proof(nonce)), "invalid_nonce", "NONCE_USED")
    stale = wallet.nonce()
    api.clock.advance(minutes=4)
    fresh_token = access_token(api, 92)[1]
    api.clock.advance(minutes=1, seconds=1)
    oauth_error(
        wallet.credential(fresh_token, LDP, wallet.proof(stale)), "invalid_nonce", "NONCE_EXPIRED"
    )


def test_a_proof_for_another_audience(api: Api) -> None:
    wallet, access = access_token(api, 93)
    audiences = (
        "https://other.example",
        ["https://other.example"],
        42,
        ["https://demo.vic.example", 7],
    )
    for aud in audiences:
        oauth_error(
            wallet.credential(access, LDP, wallet.proof(wallet.nonce(), aud=aud)),
            "invalid_proof",
            "PROOF_AUDIENCE",
        )
    # No aud at all.
    no_aud = compact(
        {"typ": "openid4vci-proof+jwt", "alg": "ES256", "kid": wallet.kid},
        {"iat": int(api.clock().timestamp()), "nonce": wallet.nonce()},
        wallet.key,
    )
    oauth_error(wallet.credential(access, LDP, no_aud), "invalid_proof", "PROOF_AUDIENCE")


def test_a_proof_with_a_wrong_typ(api: Api) -> None:
    wallet, access = access_token(api, 94)
    for typ in ("JWT", "openid4vci-proof+jwt ", "vc+jwt"):
        oauth_error(
            wallet.credential(access, LDP, wallet.proof(wallet.nonce(), typ=typ)),
            "invalid_proof",
            "PROOF_TYP",
        )


def test_a_proof_with_an_algorithm_off_the_list(api: Api) -> None:
    wallet, access = access_token(api, 95)
    nonce = wallet.nonce()
    for alg in ("none", "HS256", "RS256", "ES256K"):
        oauth_error(
            wallet.credential(access, LDP, wallet.proof(nonce, alg=alg)),
            "invalid_proof",
            "PROOF_ALG",
        )
    # An allowed alg that does not fit the key (EdDSA with a P-256 key).
    oauth_error(
        wallet.credential(access, LDP, wallet.proof(nonce, alg="EdDSA")),
        "invalid_proof",
        "PROOF_ALG",
    )
    # alg none with an empty signature.
    header = b64(
        json.dumps({"typ": "openid4vci-proof+jwt", "alg": "none", "kid": wallet.kid}).encode()
    )
    payload = b64(json.dumps({"aud": "https://demo.vic.example", "nonce": nonce}).encode())
    oauth_error(
        wallet.credential(access, LDP, f"{header}.{payload}."), "invalid_proof", "PROOF_ALG"
    )
    # The nonce was not used by any of these.
    assert wallet.credential(access, LDP, wallet.proof(nonce)).status_code == 200


@pytest.mark.parametrize("seconds", [-301, 61])
def test_a_proof_outside_the_iat_window(api: Api, seconds: int) -> None:
    wallet, access = access_token(api, 96)
    iat = api.clock().timestamp() + seconds
    oauth_error(
        wallet.credential(access, LDP, wallet.proof(wallet.nonce(), iat=iat)),
        "invalid_proof",
        "PROOF_IAT",
    )


def test_proof_keys_and_signatures(api: Api) -> None:
    wallet, access = access_token(api, 97)
    nonce = wallet.nonce()
    other = PrivateKey.generate(KeyType.P256)
    cases = {
        "PROOF_SIGNATURE": wallet.proof(nonce, key=other),
        "PROOF_KEY": wallet.proof(
            nonce,
            header={"typ": "openid4vci-proof+jwt", "alg": "ES256", "kid": "did:web:x.example#k"},
        ),
    }
    with_private = {**wallet.key.public_key.to_jwk(), "d": "AAAA"}
    cases["PROOF_KEY_PRIVATE"] = wallet.proof(
        nonce, header={"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": with_private}
    )
    cases["PROOF_KEY_BOTH"] = wallet.proof(
        nonce,
        header={
            "typ": "openid4vci-proof+jwt",
            "alg": "ES256",
            "kid": wallet.kid,
            "jwk": wallet.key.public_key.to_jwk(),
        },
    )
    cases["PROOF_KEY_X5C"] = wallet.proof(
        nonce,
        header={"typ": "openid4vci-proof+jwt", "alg": "ES256", "kid": wallet.kid, "x5c": ["AA"]},
    )
    for name, proof in cases.items():
        code = "PROOF_SIGNATURE" if name == "PROOF_SIGNATURE" else "PROOF_KEY"
        oauth_error(wallet.credential(access, LDP, proof), "invalid_proof", code)
    for garbage in ("", "a.b", "a.b.c", "!!.??.**", "x" * 9000, 42):
        response = api.client.post(
            "/oid4vci/credential",
            json={"credential_configuration_id": LDP, "proofs": {"jwt": [garbage]}},
            headers={"Authorization": f"Bearer {access}"},
        )
        oauth_error(response, "invalid_proof", "PROOF_MALFORMED")
    # A did:jwk and a bare jwk with EdDSA are accepted.
    ed = PrivateKey.generate(KeyType.ED25519)
    jwk_did = did_jwk(ed.public_key)
    ok = compact(
        {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": f"{jwk_did}#0"},
        {"aud": "https://demo.vic.example", "iat": int(api.clock().timestamp()), "nonce": nonce},
        ed,
    )
    assert wallet.credential(access, LDP, ok).status_code == 200, "did:jwk"
    bare = wallet.proof(
        wallet.nonce(),
        header={
            "typ": "openid4vci-proof+jwt",
            "alg": "ES256",
            "jwk": wallet.key.public_key.to_jwk(),
        },
    )
    assert wallet.credential(access, LDP, bare).status_code == 200, "jwk"


def test_malformed_credential_requests(api: Api) -> None:
    wallet, access = access_token(api, 98)
    headers = {"Authorization": f"Bearer {access}"}
    post = api.client.post
    proof = wallet.proof(wallet.nonce())
    oauth_error(wallet.credential(access, LDP), "invalid_proof", "PROOF_MISSING")
    oauth_error(
        post("/oid4vci/credential", json={"proofs": {"jwt": [proof]}}, headers=headers),
        "invalid_credential_request",
        "CREDENTIAL_CONFIGURATION_MISSING",
    )
    oauth_error(
        wallet.credential(access, "SomethingElse", proof),
        "unknown_credential_configuration",
        "UNKNOWN_CREDENTIAL_CONFIGURATION",
    )
    oauth_error(
        post(
            "/oid4vci/credential",
            json={"credential_identifier": "x", "proofs": {"jwt": [proof]}},
            headers=headers,
        ),
        "unknown_credential_identifier",
        "UNKNOWN_CREDENTIAL_IDENTIFIER",
    )
    oauth_error(
        wallet.credential(access, LDP, None, proof={"proof_type": "jwt", "jwt": proof}),
        "invalid_credential_request",
        "CREDENTIAL_REQUEST_MALFORMED",
    )
    oauth_error(
        wallet.credential(access, LDP, None, proofs={"jwt": [proof, proof]}),
        "invalid_proof",
        "PROOF_COUNT",
    )
    oauth_error(
        wallet.credential(access, LDP, None, proofs={"di_vp": [{}]}),
        "invalid_proof",
        "PROOF_TYPE",
    )
    oauth_error(
        post(
            "/oid4vci/credential",
            content=b"[1,2]",
            headers={**headers, "Content-Type": "text/plain"},
        ),
        "invalid_credential_request",
        "CREDENTIAL_REQUEST_MALFORMED",
    )
    # Bodies the strict JSON reader refuses are OAuth errors here too, not problem documents.
    for bad in (b"\x00", b'{"a":1,"a":2}', b'{"a":NaN}', b"[" * 40 + b"]" * 40, rb'{"a":"\ud800"}'):
        oauth_error(
            post(
                "/oid4vci/credential",
                content=bad,
                headers={**headers, "Content-Type": "application/json"},
            ),
            "invalid_credential_request",
            "CREDENTIAL_REQUEST_MALFORMED",
        )
    # The proof's nonce is still unused.
    assert wallet.credential(access, LDP, proof).status_code == 200


def test_access_tokens(api: Api) -> None:
    wallet, access = access_token(api, 99)
    proof = wallet.proof(wallet.nonce())
    for token, code in ((None, "ACCESS_TOKEN_MISSING"), ("nope", "ACCESS_TOKEN_INVALID")):
        response = wallet.credential(token, LDP, proof)
        oauth_error(response, "invalid_token", code, status=401)
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    basic = api.client.post(
        "/oid4vci/credential",
        json={"credential_configuration_id": LDP, "proofs": {"jwt": [proof]}},
        headers={"Authorization": "Basic " + base64.b64encode(b"a:b").decode()},
    )
    oauth_error(basic, "invalid_token", "ACCESS_TOKEN_INVALID", status=401)
    api.clock.advance(minutes=5, seconds=1)
    oauth_error(
        wallet.credential(access, LDP, wallet.proof(wallet.nonce())),
        "invalid_token",
        "ACCESS_TOKEN_EXPIRED",
        status=401,
    )


def test_no_credential_for_an_expired_or_cancelled_mark(api: Api) -> None:
    wallet, access = access_token(api, 100)
    cancelled = api.post(f"/vehicles/{make_vin(100)}/cancellation", "office")
    assert cancelled.status_code == 200, cancelled.text
    oauth_error(
        wallet.credential(access, LDP, wallet.proof(wallet.nonce())),
        "credential_request_denied",
        "VEHICLE_CANCELLED",
    )
    response = api.post(f"/vehicles/{make_vin(100)}/offers", "office", json={})
    assert response.status_code == 422
    assert response.json()["code"] == "VEHICLE_CANCELLED"
    # A mark past its validity is offered to nobody.
    api.register(105)
    api.clock.advance(days=3 * 366)
    response = api.post(f"/vehicles/{make_vin(105)}/offers", "office", json={})
    assert response.status_code == 422
    assert response.json()["code"] == "MARK_EXPIRED"


# --- offers --------------------------------------------------------------------------------------


def test_offers_only_for_ones_own_vehicles(api: Api) -> None:
    api.register(101)
    api.register(102)
    response = api.post(f"/vehicles/{make_vin(101)}/offers", "owner:acct-102", json={})
    assert response.status_code == 403
    assert response.json()["code"] == "NOT_OWNER"
    response = api.post(f"/vehicles/{make_vin(101)}/offers", "station", json={})
    assert response.status_code == 403
    response = api.post(f"/vehicles/{make_vin(101)}/offers", json={})
    assert response.status_code == 401
    response = api.post(f"/vehicles/{make_vin(103)}/offers", "office", json={})
    assert response.status_code == 404
    assert response.json()["code"] == "VEHICLE_NOT_FOUND"
    response = api.post(f"/vehicles/{make_vin(101)}/offers", "office", json={"format": "mso_mdoc"})
    assert response.status_code == 422
    response = api.post(f"/vehicles/{make_vin(101)}/offers", "office", json={"extra": 1})
    assert response.status_code == 422


def test_an_offer_reference_dies_with_its_code(api: Api) -> None:
    api.register(104)
    out = api.post(f"/vehicles/{make_vin(104)}/offers", "office", json={}).json()
    url = unquote(out["offerUri"].split("credential_offer_uri=")[1])
    assert api.client.get(url).status_code == 200
    assert api.client.get(url.rsplit("/", 1)[0] + "/" + "A" * 43).json()["code"] == (
        "OFFER_NOT_FOUND"
    )
    api.clock.advance(minutes=16)
    response = api.client.get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "OFFER_NOT_FOUND"


# --- notifications -------------------------------------------------------------------------------


def test_notifications(api: Api) -> None:
    wallet, access = access_token(api, 120)
    headers = {"Authorization": f"Bearer {access}"}
    post = api.client.post
    # Before any credential was delivered, no notification id is known.
    early = post(
        "/oid4vci/notification",
        json={"notification_id": "x" * 43, "event": "credential_accepted"},
        headers=headers,
    )
    oauth_error(early, "invalid_notification_id", "NOTIFICATION_ID_UNKNOWN")
    delivered = wallet.credential(access, LDP, wallet.proof(wallet.nonce()))
    notification_id = delivered.json()["notification_id"]
    assert isinstance(notification_id, str)

    accepted = post(
        "/oid4vci/notification",
        json={"notification_id": notification_id, "event": "credential_accepted"},
        headers=headers,
    )
    assert accepted.status_code == 204, accepted.text
    assert accepted.content == b""
    log = [a for a in api.issuer.audit_log(limit=50) if a.action == "oid4vci.notification"]
    assert [a.detail["event"] for a in log] == ["credential_accepted"]

    for body, error, code in (
        (
            {"notification_id": "nope", "event": "credential_accepted"},
            "invalid_notification_id",
            "NOTIFICATION_ID_UNKNOWN",
        ),
        (
            {"notification_id": notification_id, "event": "credential_stolen"},
            "invalid_notification_request",
            "NOTIFICATION_MALFORMED",
        ),
        (
            {
                "notification_id": notification_id,
                "event": "credential_failure",
                "event_description": "失败",
            },
            "invalid_notification_request",
            "NOTIFICATION_MALFORMED",
        ),
        ({"event": "credential_accepted"}, "invalid_notification_id", "NOTIFICATION_ID_UNKNOWN"),
    ):
        oauth_error(post("/oid4vci/notification", json=body, headers=headers), error, code)
    oauth_error(
        post(
            "/oid4vci/notification",
            content=b'{"event":1,"event":2}',
            headers={**headers, "Content-Type": "application/json"},
        ),
        "invalid_notification_request",
        "NOTIFICATION_MALFORMED",
    )
    response = post(
        "/oid4vci/notification",
        json={"notification_id": notification_id, "event": "credential_deleted"},
    )
    oauth_error(response, "invalid_token", "ACCESS_TOKEN_MISSING", status=401)
    # Another delivery's token does not name this notification id.
    other_wallet, other_access = access_token(api, 121)
    other_wallet.credential(other_access, LDP, other_wallet.proof(other_wallet.nonce()))
    oauth_error(
        post(
            "/oid4vci/notification",
            json={"notification_id": notification_id, "event": "credential_deleted"},
            headers={"Authorization": f"Bearer {other_access}"},
        ),
        "invalid_notification_id",
        "NOTIFICATION_ID_UNKNOWN",
    )
