"""A real mark from the issuer, through both services on loopback: `vic serve issuer` publishes
the status lists, `vic serve verifier` fetches them (http on loopback allowed for the test)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.cli.test_cli import vic
from tests.issuer.helpers import SYSTEM, registration
from tests.verifier_service.test_serve import free_port, running, started
from vic.cli.issuer import config_from
from vic.issuer.engine import Issuer
from vic.vc.barcode import encode_barcode
from vic.verifier.trust import TrustList


def test_a_real_mark_valid_then_revoked(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = tmp_path / "data"
    made = vic("issuer", "init", "--data", str(data), "--base-url", base)
    assert made.returncode == 0, made.stderr
    with Issuer.open(config_from(data, None)) as issuer:
        mark = issuer.register_vehicle(SYSTEM, registration(1), event_key="r-1")
    trust_file = tmp_path / "trust.json"
    listed = vic("issuer", "trust-list", "--data", str(data), "--out", str(trust_file))
    assert listed.returncode == 0, listed.stderr
    trust = TrustList.read(trust_file)
    text = encode_barcode(mark.credential, trust.registry())
    assert mark.credential["credentialStatus"]["terseStatusListBaseUrl"].startswith(base)

    serve_issuer = ["serve", "issuer", "--data", str(data), "--port", str(port)]
    with started(serve_issuer, f"{base}/.well-known/did.json"):
        with running("--allow-loopback-http", trust=trust_file) as verifier:
            answer = httpx.post(f"{verifier}/qr/verify", json={"text": text}, timeout=30)
            assert answer.status_code == 200, answer.text
            result = answer.json()
            assert result["status"] == "VALID"
            assert result["summary"]["vin"] == mark.vin
            sources = {
                c["detail"].get("statusSource")
                for c in result["checks"]
                if c["check"] in ("revocation", "suspension")
            }
            assert sources == {"network"}
        with Issuer.open(config_from(data, None)) as issuer:
            issuer.cancel_registration(SYSTEM, mark.vin)
        with running("--allow-loopback-http", trust=trust_file) as verifier:
            answer = httpx.post(f"{verifier}/qr/verify", json={"text": text}, timeout=30)
            assert answer.status_code == 422, answer.text
            assert answer.json()["result"]["status"] == "REVOKED"
            assert json.loads(answer.text)["code"] == "REVOKED"
