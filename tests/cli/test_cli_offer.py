"""`vic issuer offer`: the offer URI on stdout, the tx_code on stderr; a wallet redeems it at the
service over the same data directory."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from tests.cli.test_cli import vic
from tests.cli.test_cli_issuer import DEMO_IDENTITY
from tests.issuer.helpers import SYSTEM, registration
from tests.issuer.oid4vci_wallet import Wallet
from vic.cli.issuer import config_from
from vic.issuer.api import create_app
from vic.issuer.engine import Issuer
from vic.vc.qrimage import read_qr_image

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_offer_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    initialised = vic("issuer", "init", "--data", str(data), *DEMO_IDENTITY)
    assert initialised.returncode == 0, initialised.stderr
    with Issuer.open(config_from(data, None)) as opened:
        mark = opened.register_vehicle(SYSTEM, registration(1), event_key="r-1")
    vin = mark.vin

    png = tmp_path / "offer.png"
    made = vic("issuer", "offer", "--vin", vin, "--data", str(data), "--png", str(png))
    assert made.returncode == 0, made.stderr
    uri = made.stdout.strip()
    assert uri.startswith("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fdemo")
    found = re.fullmatch(r"tx_code: (\d{6})\n", made.stderr)
    assert found, made.stderr
    assert read_qr_image(png.read_bytes()) == uri

    plain = vic(
        "issuer",
        "offer",
        "--vin",
        vin,
        "--data",
        str(data),
        "--no-tx-code",
        "--by-value",
        "--format",
        "jwt_vc_json",
    )
    assert plain.returncode == 0, plain.stderr
    assert plain.stderr == ""
    assert plain.stdout.startswith("openid-credential-offer://?credential_offer=")

    for args, code in (
        (["--vin", "LSVAU2A30N0000000"], "VEHICLE_NOT_FOUND"),
        (["--vin", vin, "--format", "mso_mdoc"], "USAGE_ERROR"),
    ):
        refused = vic("issuer", "offer", *args, "--data", str(data))
        assert refused.returncode == 2
        assert code in refused.stderr

    # A wallet redeems the command line's offer at the service.
    with Issuer.open(config_from(data, None)) as opened:
        app = create_app(opened)
        with TestClient(app, base_url="https://demo.vic.example") as client:
            wallet = Wallet(client, opened.config.clock)
            received = wallet.receive(uri, found.group(1))
            assert received.status_code == 200, received.text
            assert received.json()["credentials"][0]["credential"] == mark.credential
            jwt = wallet.receive(plain.stdout.strip(), None)
            assert jwt.status_code == 200, jwt.text
            assert jwt.json()["credentials"][0]["credential"].count(".") == 2
