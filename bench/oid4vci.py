"""OpenID4VCI on the issuer: median time of each step of a wallet's pre-authorized code flow.

    .venv/bin/python bench/oid4vci.py [-n 30]

The issuer app runs in-process (FastAPI's test client, no sockets) on SQLite in a temporary
directory; each round registers nothing new: one vehicle, then ``-n`` rounds of offer (by
reference, with tx_code), offer fetch, token, nonce, credential (ldp_vc, then jwt_vc_json).
Prints the median milliseconds of each step and of the whole flow. Nothing touches the network.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from tests.issuer.helpers import ADMIN, registration
from tests.issuer.oid4vci_wallet import PRE_AUTH, Wallet
from vic.issuer.api import create_app
from vic.issuer.config import IssuerConfig
from vic.issuer.engine import Issuer
from vic.issuer.tokens import Scope, create_token

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

BASE = "https://demo.vic.example"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--number", type=int, default=30, help="rounds per format")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        issuer = Issuer.open(IssuerConfig(data_dir=Path(folder), public_base_url=BASE))
        office = create_token(issuer, role=Scope.OFFICE, label="bench")[0]
        mark = issuer.register_vehicle(ADMIN, registration(1), event_key="r-1")
        with TestClient(create_app(issuer), base_url=BASE) as client:
            wallet = Wallet(client, issuer.config.clock, audience=BASE)
            for fmt in ("ldp_vc", "jwt_vc_json"):
                steps: dict[str, list[float]] = {}

                def timed(
                    name: str, started: float, steps: dict[str, list[float]] = steps
                ) -> float:
                    now = time.perf_counter()
                    steps.setdefault(name, []).append((now - started) * 1000)
                    return now

                for _ in range(args.number):
                    first = t = time.perf_counter()
                    out = client.post(
                        f"/vehicles/{mark.vin}/offers",
                        json={"format": fmt},
                        headers={"Authorization": f"Bearer {office}"},
                    ).json()
                    t = timed("offer (with its QR PNG)", t)
                    offer = wallet.offer(out["offerUri"])
                    t = timed("offer by reference", t)
                    code = offer["grants"][PRE_AUTH]["pre-authorized_code"]
                    access = wallet.token(code, out["txCode"]).json()["access_token"]
                    t = timed("token", t)
                    nonce = wallet.nonce()
                    t = timed("nonce", t)
                    proof = wallet.proof(nonce)
                    t = timed("key proof (wallet side)", t)
                    response = wallet.credential(
                        access, offer["credential_configuration_ids"][0], proof
                    )
                    assert response.status_code == 200, response.text
                    timed("credential", t)
                    timed("whole flow", first)
                print(f"{fmt} (median of {args.number}, ms)")
                for name, values in steps.items():
                    print(f"  {name:28s} {statistics.median(values):8.1f}")
        issuer.close()


if __name__ == "__main__":
    main()
