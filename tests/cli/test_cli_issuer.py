"""`vic issuer ...` and `vic serve issuer` (docs/cli.md)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.cli.test_cli import VIC, vic

DEMO_IDENTITY = ("--base-url", "https://demo.vic.example", "--registry-entry-id", "15601")


def issuer(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return vic("issuer", *args, "--data", str(data))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_init_keys_stations_tokens_and_trust_list(tmp_path: Path) -> None:
    data = tmp_path / "data"
    init = issuer(data, "init", *DEMO_IDENTITY)
    assert init.stdout.strip() == "did:web:demo.vic.example"
    assert issuer(data, "station", "add", "4206001", "襄阳检测站").returncode == 0
    again = issuer(data, "station", "add", "4206001", "襄阳检测站")
    assert again.returncode == 2
    assert "STATION_EXISTS" in again.stderr

    rotated = issuer(data, "key", "rotate")
    assert rotated.stdout.strip() == "did:web:demo.vic.example#key-2"
    document = json.loads(issuer(data, "did").stdout)
    methods = [m["id"] for m in document["verificationMethod"]]
    assert methods == ["did:web:demo.vic.example#key-1", "did:web:demo.vic.example#key-2"]

    created = issuer(
        data, "token", "create", "--role", "station", "--subject", "4206001", "--label", "lane 1"
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip().startswith("vic_")
    token_id = created.stderr.split()[1]
    listed = issuer(data, "token", "list").stdout
    assert token_id in listed
    assert created.stdout.strip() not in listed  # the secret is never shown again
    assert issuer(data, "token", "revoke", token_id).returncode == 0
    assert "revoked" in issuer(data, "token", "list").stdout
    bad = issuer(data, "token", "create", "--role", "emperor", "--label", "x")
    assert bad.returncode == 2
    assert "vic: error [" in bad.stderr

    trust = tmp_path / "trust.json"
    assert issuer(data, "trust-list", "--out", str(trust)).returncode == 0
    entry = json.loads(trust.read_text())["issuers"][0]
    assert entry["didDocument"] == document
    assert entry["cborldRegistryEntries"][0]["registryEntryId"] == 15601


def test_serve_issuer_answers_on_loopback(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert issuer(data, "init", *DEMO_IDENTITY).returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [*VIC, "serve", "issuer", "--data", str(data), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/.well-known/did.json"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    document = json.loads(response.read())
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert document["id"] == "did:web:demo.vic.example"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_key_compromise(tmp_path: Path) -> None:
    """vic issuer key compromise: the method leaves the DID document; unknown keys are refused."""
    data = tmp_path / "data"
    assert issuer(data, "init", *DEMO_IDENTITY).returncode == 0
    assert issuer(data, "key", "rotate").returncode == 0
    done = issuer(data, "key", "compromise", "key-1", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []  # no marks were issued yet
    document = json.loads(issuer(data, "did").stdout)
    assert [m["id"] for m in document["verificationMethod"]] == ["did:web:demo.vic.example#key-2"]
    keys = json.loads(issuer(data, "key", "list", "--json").stdout)
    assert [k["compromised"] for k in keys] == [True, False]
    unknown = issuer(data, "key", "compromise", "key-9")
    assert unknown.returncode == 2
    assert "KEY_NOT_FOUND" in unknown.stderr
