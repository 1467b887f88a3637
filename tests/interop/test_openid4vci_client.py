"""A third-party OpenID4VCI 1.0 wallet receives the mark from vic's issuer on loopback.

``tests/interop/oid4vci.mjs`` drives ``@openid4vc/openid4vci`` (the OpenWallet Foundation's client,
the one Credo uses; exact version pinned in ``tests/interop/package.json``): it resolves vic's
offer (by reference, and by value), reads the credential issuer and authorization server
metadata, redeems the pre-authorized code with the tx_code, gets a nonce, signs a ``jwt`` key
proof with its own key and asks the credential endpoint — for ``ldp_vc`` and ``jwt_vc_json``.
What it receives must be the mark vic issued, and verify with vic's verifier against the DID
document, registry entry and status lists the service publishes.

The issuer is the real HTTP service (uvicorn in a thread, http on 127.0.0.1: the library is told
to allow plain http, for loopback only). Set up with ``npm ci --prefix tests/interop``; without
node these tests skip, with node but without the packages they fail.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.issuer.helpers import SYSTEM, registration
from vic.issuer.api import create_app
from vic.issuer.config import IssuerConfig
from vic.issuer.engine import Issuer
from vic.issuer.tokens import Scope, create_token
from vic.verifier.result import Status
from vic.verifier.trust import TrustedIssuer, TrustList
from vic.verifier.verify import StaticStatusLists, verify_credential

pytestmark = pytest.mark.node

INTEROP_DIR = Path(__file__).resolve().parent
SCRIPT = INTEROP_DIR / "oid4vci.mjs"
NODE_TIMEOUT = 120


@dataclass
class Service:
    base: str
    issuer: Issuer
    office: str

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.base + path, timeout=30) as response:
            return json.loads(response.read())

    def offer(self, vin: str, **options: Any) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.base}/vehicles/{vin}/offers",
            data=json.dumps(options).encode(),
            headers={"Authorization": f"Bearer {self.office}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            out: dict[str, Any] = json.loads(response.read())
            return out

    def verify(self, credential: Any) -> Status:
        did_document = self.get("/.well-known/did.json")
        trust = TrustList((TrustedIssuer(did_document["id"], {"en": "loopback"}, did_document),))
        lists = StaticStatusLists(
            [self.get("/status/revocation/0"), self.get("/status/suspension/0")]
        )
        return verify_credential(credential, trust=trust, status_source=lists).status


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    import uvicorn

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = IssuerConfig(data_dir=tmp_path_factory.mktemp("issuer"), public_base_url=base)
    issuer = Issuer.open(config)
    office, _info = create_token(issuer, role=Scope.OFFICE, label="interop")
    server = uvicorn.Server(
        uvicorn.Config(create_app(issuer), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server thread died"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Service(base, issuer, office)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        issuer.close()


def wallet(offer: str, tx_code: str | None) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the OpenID4VCI interop tests need node >= 20")
    if not (INTEROP_DIR / "node_modules" / "@openid4vc" / "openid4vci").is_dir():
        pytest.fail("@openid4vc/openid4vci is not installed: run `npm ci --prefix tests/interop`")
    done = subprocess.run(
        [node, str(SCRIPT), "receive"],
        input=json.dumps({"offer": offer, "txCode": tx_code}).encode(),
        capture_output=True,
        cwd=INTEROP_DIR,
        timeout=NODE_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"oid4vci.mjs: {done.stderr.decode(errors='replace')}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize(
    ("number", "fmt", "options"),
    [
        pytest.param(1, "ldp_vc", {}, id="ldp_vc-by-reference-tx_code"),
        pytest.param(2, "ldp_vc", {"byReference": False, "txCode": False}, id="ldp_vc-by-value"),
        pytest.param(3, "jwt_vc_json", {}, id="jwt_vc_json-by-reference-tx_code"),
    ],
)
def test_the_openwallet_client_receives_a_mark_that_verifies(
    service: Service, number: int, fmt: str, options: dict[str, Any]
) -> None:
    mark = service.issuer.register_vehicle(SYSTEM, registration(number), event_key=f"r-{number}")
    out = service.offer(mark.vin, format=fmt, **options)
    received = wallet(out["offerUri"], out["txCode"])

    assert received["credentialIssuer"] == service.base
    assert received["format"] == fmt
    assert received["draftVersion"] == "V1"  # the library read vic's metadata as 1.0 final
    (credential,) = received["credentials"]
    if fmt == "ldp_vc":
        assert credential == mark.credential
    else:
        header, payload, _signature = credential.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert claims == {k: v for k, v in mark.credential.items() if k != "proof"}
        head = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
        assert head["typ"] == "vc+jwt"
    assert service.verify(credential) is Status.VALID

    # The holder key the library proved possession of is in the audit log with the delivery.
    (delivery,) = [
        a
        for a in service.issuer.audit_log(target=f"mark:{mark.number}")
        if a.action == "oid4vci.credential"
    ]
    assert delivery.detail["holder"].startswith("urn:ietf:params:oauth:jwk-thumbprint:sha-256:")
