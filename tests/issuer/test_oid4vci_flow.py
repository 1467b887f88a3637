"""OpenID4VCI over HTTP, the happy paths: metadata, offers by reference and by value, with and
without tx_code, token, nonce, credential; the mark received verifies and is the mark issued."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from tests.issuer.helpers import BASE_URL, Clock, make_vin
from tests.issuer.oid4vci_wallet import PRE_AUTH, Wallet
from tests.issuer.test_api_flow import verify
from tests.issuer.test_api_support import (  # noqa: F401 - api_fixture is a fixture
    Api,
    Client,
    api_fixture,
    registration_body,
)
from vic.issuer.api import create_app
from vic.issuer.config import IssuerConfig
from vic.issuer.db.models import Oid4vciNonce, Oid4vciOffer
from vic.issuer.engine import Issuer
from vic.issuer.tokens import create_token
from vic.vc.qrimage import read_qr_image
from vic.verifier.result import Status

LDP = "VehicleInspectionMark_ldp_vc"


def test_credential_issuer_and_authorization_server_metadata(api: Api) -> None:
    response = api.client.get("/.well-known/openid-credential-issuer")
    assert response.status_code == 200
    metadata = response.json()
    assert metadata["credential_issuer"] == BASE_URL
    assert metadata["credential_endpoint"] == f"{BASE_URL}/oid4vci/credential"
    assert metadata["nonce_endpoint"] == f"{BASE_URL}/oid4vci/nonce"
    assert metadata["notification_endpoint"] == f"{BASE_URL}/oid4vci/notification"
    assert "authorization_servers" not in metadata  # the issuer is its own AS
    assert {d["locale"] for d in metadata["display"]} == {"zh-CN", "en"}
    configuration = metadata["credential_configurations_supported"][LDP]
    assert configuration["format"] == "ldp_vc"
    assert configuration["credential_definition"]["type"] == [
        "VerifiableCredential",
        "VehicleInspectionCredential",
    ]
    assert configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == [
        "ES256",
        "ES384",
        "EdDSA",
        "Ed25519",
    ]
    names = {d["locale"]: d["name"] for d in configuration["credential_metadata"]["display"]}
    assert names == {"zh-CN": "机动车检验合格标志", "en": "Vehicle inspection mark"}
    paths = [c["path"] for c in configuration["credential_metadata"]["claims"]]
    assert ["credentialSubject", "vehicleIdentificationNumber"] in paths

    server = api.client.get("/.well-known/oauth-authorization-server").json()
    assert server["issuer"] == BASE_URL
    assert server["token_endpoint"] == f"{BASE_URL}/oid4vci/token"
    assert server["pre-authorized_grant_anonymous_access_supported"] is True
    assert server["grant_types_supported"] == [PRE_AUTH]


def test_an_owner_offer_by_reference_with_tx_code(api: Api) -> None:
    issued = api.register(70)
    vin = make_vin(70)
    response = api.post(f"/vehicles/{vin}/offers", "owner:acct-70", json={})
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    out = response.json()
    uri = out["offerUri"]
    assert uri.startswith("openid-credential-offer://?credential_offer_uri=")
    assert out["credentialConfigurationId"] == LDP
    tx_code = out["txCode"]
    assert len(tx_code) == 6
    assert tx_code.isdigit()
    # The QR carries the offer URI.
    png = base64.b64decode(out["qrPng"].removeprefix("data:image/png;base64,"))
    assert read_qr_image(io.BytesIO(png).getvalue()) == uri

    wallet = Wallet(api.client, api.clock)
    offer = wallet.offer(uri)
    assert offer == out["credentialOffer"]
    assert offer["credential_issuer"] == BASE_URL
    assert offer["credential_configuration_ids"] == [LDP]
    grant = offer["grants"][PRE_AUTH]
    assert grant["tx_code"]["input_mode"] == "numeric"
    assert grant["tx_code"]["length"] == 6
    assert set(grant["tx_code"]) == {"input_mode", "length", "description"}  # not the code

    token = wallet.token(grant["pre-authorized_code"], tx_code)
    assert token.status_code == 200, token.text
    assert token.headers["cache-control"] == "no-store"
    body = token.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300

    credential = wallet.credential(body["access_token"], LDP, wallet.proof(wallet.nonce()))
    assert credential.status_code == 200, credential.text
    assert credential.headers["cache-control"] == "no-store"
    (entry,) = credential.json()["credentials"]
    assert entry["credential"] == issued["credential"]  # the mark as issued, nothing new
    assert verify(api, entry["credential"]) is Status.VALID

    log = api.issuer.audit_log(target=f"mark:{issued['number']}")
    (delivery,) = [a for a in log if a.action == "oid4vci.credential"]
    assert delivery.detail["holder"] == wallet.kid
    assert delivery.detail["configuration"] == LDP


def test_an_office_offer_by_value_without_tx_code(api: Api) -> None:
    issued = api.register(71)
    response = api.post(
        f"/vehicles/{make_vin(71)}/offers",
        "office",
        json={"txCode": False, "byReference": False},
    )
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["txCode"] is None
    query = parse_qs(urlsplit(out["offerUri"]).query)
    assert set(query) == {"credential_offer"}
    wallet = Wallet(api.client, api.clock)
    offer = wallet.offer(out["offerUri"])
    assert "tx_code" not in offer["grants"][PRE_AUTH]
    received = wallet.receive(out["offerUri"], None)
    assert received.status_code == 200, received.text
    assert received.json()["credentials"][0]["credential"] == issued["credential"]


def test_unused_parameters_are_ignored(api: Api) -> None:
    api.register(72)
    out = api.post(f"/vehicles/{make_vin(72)}/offers", "office", json={"txCode": False}).json()
    wallet = Wallet(api.client, api.clock)
    code = wallet.offer(out["offerUri"])["grants"][PRE_AUTH]["pre-authorized_code"]
    token = wallet.token(
        code,
        resource=f"{BASE_URL}/oid4vci/credential",
        authorization_details='[{"type":"openid_credential",'
        '"credential_configuration_id":"VehicleInspectionMark_ldp_vc"}]',
        client_id="some-wallet",
    )
    assert token.status_code == 200, token.text
    proof = wallet.proof(wallet.nonce())
    response = wallet.credential(token.json()["access_token"], LDP, proof)
    assert response.status_code == 200, response.text


def test_the_wallet_receives_the_current_mark_after_a_transfer(api: Api) -> None:
    api.register(73)
    vin = make_vin(73)
    out = api.post(f"/vehicles/{vin}/offers", "office", json={"txCode": False}).json()
    wallet = Wallet(api.client, api.clock)
    code = wallet.offer(out["offerUri"])["grants"][PRE_AUTH]["pre-authorized_code"]
    access = wallet.token(code).json()["access_token"]
    moved = api.post(
        f"/vehicles/{vin}/transfers", "office", json={"newOwner": "acct-x", "eventKey": "t-73"}
    )
    assert moved.status_code == 201, moved.text
    response = wallet.credential(access, LDP, wallet.proof(wallet.nonce()))
    assert response.json()["credentials"][0]["credential"] == moved.json()["credential"]


def test_only_digests_of_the_secrets_are_stored(api: Api) -> None:
    api.register(74)
    out = api.post(f"/vehicles/{make_vin(74)}/offers", "owner:acct-74", json={}).json()
    wallet = Wallet(api.client, api.clock)
    code = wallet.offer(out["offerUri"])["grants"][PRE_AUTH]["pre-authorized_code"]
    access = wallet.token(code, out["txCode"]).json()["access_token"]
    nonce = wallet.nonce()
    reference = out["offerUri"].rsplit("%2F", 1)[1]
    with api.issuer.database.read() as session:
        rows = [
            *session.execute(select(Oid4vciOffer)).scalars(),
            *session.execute(select(Oid4vciNonce)).scalars(),
        ]
        values = [v for row in rows for v in vars(row).values() if isinstance(v, str)]
    assert rows
    stored = " ".join(values)
    for secret in (code, access, nonce, reference):
        assert secret not in stored
    tx_code = out["txCode"]
    assert tx_code not in values
    assert hashlib.sha256(tx_code.encode()).hexdigest() not in values


JWT = "VehicleInspectionMark_jwt_vc_json"


def test_the_mark_as_jwt_vc_json(api: Api) -> None:
    issued = api.register(75)
    metadata = api.client.get("/.well-known/openid-credential-issuer").json()
    configuration = metadata["credential_configurations_supported"][JWT]
    assert configuration["format"] == "jwt_vc_json"
    assert configuration["credential_signing_alg_values_supported"] == ["ES256"]
    assert configuration["credential_definition"]["type"][-1] == "VehicleInspectionCredential"

    out = api.post(
        f"/vehicles/{make_vin(75)}/offers", "owner:acct-75", json={"format": "jwt_vc_json"}
    ).json()
    assert out["credentialConfigurationId"] == JWT
    wallet = Wallet(api.client, api.clock)
    response = wallet.receive(out["offerUri"], out["txCode"])
    assert response.status_code == 200, response.text
    token = response.json()["credentials"][0]["credential"]
    assert isinstance(token, str)
    header, payload, _signature = token.split(".")
    head = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    assert head["typ"] == "vc+jwt"
    assert head["alg"] == "ES256"
    assert head["kid"] == issued["verificationMethod"]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    # The same credential as the mark, secured as a JWT instead of a Data Integrity proof.
    assert claims == {k: v for k, v in issued["credential"].items() if k != "proof"}
    assert verify(api, token) is Status.VALID

    # Asking with the other configuration than the token's is refused.
    out = api.post(f"/vehicles/{make_vin(75)}/offers", "office", json={"txCode": False}).json()
    code = wallet.offer(out["offerUri"])["grants"][PRE_AUTH]["pre-authorized_code"]
    access = wallet.token(code).json()["access_token"]
    refused = wallet.credential(access, JWT, wallet.proof(wallet.nonce()))
    assert refused.status_code == 400
    assert refused.json()["error"] == "credential_request_denied"
    assert refused.json()["code"] == "CREDENTIAL_CONFIGURATION_NOT_OFFERED"


def test_an_issuer_identifier_with_a_path(tmp_path: Path, clock: Clock) -> None:
    """RFC 8615: the metadata at /.well-known/<name>/<path> (and the older <path>/.well-known/
    <name>); offers, token, nonce and credential under the path."""
    base = "https://vic.example.cn:8443/authorities/hubei"
    issuer = Issuer.open(
        IssuerConfig(data_dir=tmp_path / "data", public_base_url=base, clock=clock)
    )
    try:
        with Client(create_app(issuer), base_url="https://vic.example.cn:8443") as client:
            for path in (
                "/.well-known/openid-credential-issuer/authorities/hubei",
                "/authorities/hubei/.well-known/openid-credential-issuer",
            ):
                metadata = client.get(path)
                assert metadata.status_code == 200, path
                assert metadata.json()["credential_issuer"] == base
                assert metadata.json()["credential_endpoint"] == f"{base}/oid4vci/credential"
            server = client.get("/.well-known/oauth-authorization-server/authorities/hubei")
            assert server.json()["token_endpoint"] == f"{base}/oid4vci/token"
            assert client.get("/.well-known/openid-credential-issuer").status_code == 404

            token = create_token(issuer, role="office", label="x")[0]
            auth = {"Authorization": f"Bearer {token}"}
            issued = client.post(
                "/authorities/hubei/vehicles", json=registration_body(1), headers=auth
            )
            assert issued.status_code == 201, issued.text
            out = client.post(
                f"/authorities/hubei/vehicles/{make_vin(1)}/offers", json={}, headers=auth
            ).json()
            assert (
                f"{base}/oid4vci/offers/".replace(":", "%3A").replace("/", "%2F") in out["offerUri"]
            )
            wallet = Wallet(client, clock, audience=base)
            offer = wallet.offer(out["offerUri"])
            code = offer["grants"][PRE_AUTH]["pre-authorized_code"]
            token_response = client.post(
                f"{base}/oid4vci/token",
                data={
                    "grant_type": PRE_AUTH,
                    "pre-authorized_code": code,
                    "tx_code": out["txCode"],
                },
            )
            assert token_response.status_code == 200, token_response.text
            nonce = client.post(f"{base}/oid4vci/nonce").json()["c_nonce"]
            response = client.post(
                f"{base}/oid4vci/credential",
                json={"credential_configuration_id": LDP, "proofs": {"jwt": [wallet.proof(nonce)]}},
                headers={"Authorization": f"Bearer {token_response.json()['access_token']}"},
            )
            assert response.status_code == 200, response.text
            assert response.json()["credentials"][0]["credential"] == issued.json()["credential"]
    finally:
        issuer.close()
