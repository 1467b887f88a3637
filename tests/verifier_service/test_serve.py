"""``vic serve verifier``: refuses bad settings before listening, then serves on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.authority import Authority

VIC = [sys.executable, "-m", "vic.cli"]


def vic(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VIC, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "VIC_TRUST": "", **(env or {})},
        check=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_a_trust_list_is_required() -> None:
    result = vic("serve", "verifier", "--port", str(free_port()))
    assert result.returncode != 0
    assert "NO_TRUST_LIST" in result.stderr


def test_an_unreadable_trust_list_is_refused(tmp_path: Path) -> None:
    result = vic("serve", "verifier", "--trust", str(tmp_path / "missing.json"))
    assert result.returncode != 0
    assert "INVALID_TRUST_LIST" in result.stderr


def test_any_issuer_stays_on_loopback() -> None:
    result = vic("serve", "verifier", "--any-issuer", "--host", "0.0.0.0")
    assert result.returncode != 0
    assert "ANY_ISSUER_NOT_LOOPBACK" in result.stderr


def test_it_serves_the_api_and_the_page(
    tmp_path: Path,
    authority: Authority,
    mark: dict[str, Any],
    revoked_mark: dict[str, Any],
    status_lists: list[dict[str, Any]],
) -> None:
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps(authority.trust().to_json()))
    lists = []
    for i, status_list in enumerate(status_lists):
        path = tmp_path / f"list{i}.json"
        path.write_text(json.dumps(status_list))
        lists += ["--status-list", str(path)]
    port = free_port()
    server = subprocess.Popen(
        [*VIC, "serve", "verifier", "--port", str(port), *lists],
        env={**os.environ, "VIC_TRUST": str(trust)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(f"{base}/", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, "the server exited"
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert page.status_code == 200
        valid = httpx.post(f"{base}/credentials/verify", json={"verifiableCredential": mark})
        assert valid.status_code == 200, valid.text
        revoked = httpx.post(
            f"{base}/credentials/verify", json={"verifiableCredential": revoked_mark}
        )
        assert revoked.status_code == 422
        assert revoked.json()["result"]["status"] == "REVOKED"
    finally:
        server.terminate()
        server.wait(timeout=30)
