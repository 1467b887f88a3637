"""What the wallet presents, the verifier service's POST /presentations/verify accepts."""

from __future__ import annotations

import json
from typing import Any

from tests.authority import Authority, clock
from tests.issuer.test_api_support import Client as TestClient
from vic.verifier.service import VerifierSettings, create_app
from vic.verifier.verify import StaticStatusLists
from vic.wallet.service import Wallet

DOMAIN = "https://rental.example"


def test_the_verifier_service_accepts_the_wallets_presentation(
    wallet: Wallet, authority: Authority, mark: dict[str, Any]
) -> None:
    stored, _ = wallet.receive_data(json.dumps(mark), source="file")
    settings = VerifierSettings(
        trust=authority.trust(),
        status_source=StaticStatusLists(authority.status_lists(mark)),
        clock=clock,
    )
    with TestClient(create_app(settings)) as client:
        challenge = client.post("/challenges").json()["challenge"]
        vp = wallet.present([stored.vin], challenge=challenge, domain=DOMAIN)
        body = {"verifiablePresentation": vp, "options": {"challenge": challenge, "domain": DOMAIN}}
        response = client.post("/presentations/verify", json=body)
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["verified"] is True
        assert result["holder"] == wallet.holder().did
        assert result["credentials"][0]["status"] == "VALID"
        # another verifier's domain, or a replay, is refused
        other = client.post("/challenges").json()["challenge"]
        elsewhere = wallet.present([stored.vin], challenge=other, domain="https://other.example")
        refused = client.post(
            "/presentations/verify",
            json={
                "verifiablePresentation": elsewhere,
                "options": {"challenge": other, "domain": DOMAIN},
            },
        )
        assert refused.status_code in (400, 422)
        assert client.post("/presentations/verify", json=body).status_code == 422
