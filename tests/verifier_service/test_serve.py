"""``vic serve verifier``: refuses bad settings before listening, then serves on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.authority import NOW, VEHICLE, Authority
from tests.loopback import Route, reply
from tests.loopback import serve as loopback_server
from vic.vc.mark import TerseStatus, build_mark, valid_until_for_month

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


@contextmanager
def started(args: list[str], probe: str, env: dict[str, str] | None = None) -> Iterator[None]:
    """``vic ARGS`` in the background until the block ends, once ``probe`` answers."""
    server = subprocess.Popen(
        [*VIC, *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(probe, timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, "the server exited"
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def running(*args: str, trust: Path) -> Iterator[str]:
    """``vic serve verifier ARGS`` on a free loopback port, until the block ends."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"VIC_TRUST": str(trust), "VIC_DATA": ""}
    with started(["serve", "verifier", "--port", str(port), *args], f"{base}/", env):
        yield base


def trust_file(folder: Path, authority: Authority) -> Path:
    trust = folder / "trust.json"
    trust.write_text(json.dumps(authority.trust().to_json()))
    return trust


def test_it_serves_the_api_and_the_page(
    tmp_path: Path,
    authority: Authority,
    mark: dict[str, Any],
    revoked_mark: dict[str, Any],
    status_lists: list[dict[str, Any]],
) -> None:
    lists = []
    for i, status_list in enumerate(status_lists):
        path = tmp_path / f"list{i}.json"
        path.write_text(json.dumps(status_list))
        lists += ["--status-list", str(path)]
    with running(*lists, trust=trust_file(tmp_path, authority)) as base:
        assert httpx.get(f"{base}/").status_code == 200
        valid = httpx.post(f"{base}/credentials/verify", json={"verifiableCredential": mark})
        assert valid.status_code == 200, valid.text
        revoked = httpx.post(
            f"{base}/credentials/verify", json={"verifiableCredential": revoked_mark}
        )
        assert revoked.status_code == 422
        assert revoked.json()["result"]["status"] == "REVOKED"


def loopback_mark(authority: Authority, base: str) -> dict[str, Any]:
    """A mark whose status lists live on the loopback server at ``base``."""
    unsigned = build_mark(
        issuer=authority.did,
        subject=VEHICLE,
        valid_from=NOW,
        valid_until=valid_until_for_month(NOW.year + 2, NOW.month),
        status=TerseStatus(f"{base}/status", 5),
        mark_id="urn:uuid:2f9c6b1e-8a43-4c55-9d0e-3b8f1f2a7c11",
    )
    return authority.sign(unsigned)


def revocation(answer: httpx.Response) -> dict[str, Any]:
    body = answer.json()
    checks = body.get("result", body)["checks"]
    check: dict[str, Any] = next(c for c in checks if c["check"] == "revocation")
    return check


def test_status_lists_over_http_then_from_the_disk_cache(
    tmp_path: Path, authority: Authority
) -> None:
    routes: dict[str, Route] = {}
    with loopback_server(routes) as issuer:
        mark = loopback_mark(authority, issuer.base)
        for status_list in authority.status_lists(mark):
            body = json.dumps(status_list).encode()
            path = status_list["id"].removeprefix(issuer.base)
            routes[path] = lambda h, body=body: reply(
                h, 200, body, {"content-type": "application/vc+ld+json"}
            )
        trust = trust_file(tmp_path, authority)
        data = tmp_path / "data"
        request = {"verifiableCredential": mark}
        with running("--data", str(data), trust=trust) as base:
            refused = httpx.post(f"{base}/credentials/verify", json=request)
            assert refused.status_code == 422  # http on loopback is not for deployment
            assert refused.json()["result"]["status"] == "STATUS_UNAVAILABLE"
            assert issuer.seen == []
        with running("--data", str(data), "--allow-loopback-http", trust=trust) as base:
            fetched = httpx.post(f"{base}/credentials/verify", json=request)
            assert fetched.status_code == 200, fetched.text
            assert revocation(fetched)["detail"]["statusSource"] == "network"
        assert len(issuer.seen) == 2  # the revocation and the suspension list
        assert list((data / "status-lists").iterdir())
    with running("--data", str(data), "--offline", trust=trust) as base:
        cached = httpx.post(f"{base}/credentials/verify", json=request)
        assert cached.status_code == 200, cached.text
        assert revocation(cached)["detail"]["statusSource"] == "cache"


def test_loopback_http_stays_on_loopback() -> None:
    result = vic("serve", "verifier", "--any-issuer", "--allow-loopback-http", "--host", "::")
    assert result.returncode != 0
    assert "NOT_LOOPBACK" in result.stderr


def test_only_an_offline_service_verifies_in_its_event_loop(
    tmp_path: Path, authority: Authority
) -> None:
    from vic.verifier.service import ServeOptions

    trust = str(trust_file(tmp_path, authority))
    assert ServeOptions(trust_file=trust, offline=True).settings().verify_in_loop
    # online, a status list fetch must not stall the other requests: a worker thread verifies
    assert not ServeOptions(trust_file=trust).settings().verify_in_loop
    assert not ServeOptions(trust_file=trust, did_web=True).settings().verify_in_loop
