"""``serve(config, workers=2)`` (``vic serve issuer --workers 2``): both workers answer, on
sockets of their own, and concurrent transfers through both leave every mark number and status
index used once (SQLite and PostgreSQL); a taken address and ``--workers 0`` are refused."""

from __future__ import annotations

import multiprocessing
import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.cli.test_cli import VIC
from tests.issuer.helpers import (
    OFFICE,
    STATION_CODE,
    SYSTEM,
    Backend,
    Clock,
    assert_consistent,
    config,
    make_vin,
    registration,
)
from vic.contexts.errors import UsageError
from vic.httpkit import listen
from vic.issuer.api import serve
from vic.issuer.config import IssuerConfig
from vic.issuer.engine import Issuer
from vic.issuer.tokens import create_token

VEHICLES = 8
TRANSFERS_EACH = 4


def _serve(issuer_config: IssuerConfig, port: int) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    serve(issuer_config, host="127.0.0.1", port=port, workers=2)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def listeners(port: int) -> int:
    """Sockets listening on ``port`` (IPv4), from /proc/net/tcp."""
    table = Path("/proc/net/tcp").read_text().splitlines()[1:]
    local = f":{port:04X}"
    return sum(1 for row in table if row.split()[1].endswith(local) and row.split()[3] == "0A")


@contextmanager
def two_workers(issuer_config: IssuerConfig) -> Iterator[str]:
    port = free_port()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(issuer_config, port))
    server.start()
    try:
        deadline = time.monotonic() + 120
        while listeners(port) < 2:
            assert server.is_alive(), "the service stopped"
            assert time.monotonic() < deadline, "two workers did not listen"
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.join(30)


def requests_by_pid(base: str, admin: str) -> dict[int, int]:
    """Each worker's count of answered transfers, from /metrics scraped on new connections."""
    seen: dict[int, int] = {}
    route = (
        r'vic_http_requests_total\{method="POST",route="/vehicles/\{vin\}/transfers",'
        r'status="201"\} (\d+)'
    )
    for _ in range(40):
        text = httpx.get(
            f"{base}/metrics",
            headers={"authorization": f"Bearer {admin}", "connection": "close"},
        ).text
        pid_match = re.search(r'vic_http_process_info\{pid="(\d+)"\} 1', text)
        assert pid_match is not None, text
        count = re.search(route, text)
        seen[int(pid_match.group(1))] = int(count.group(1)) if count else 0
        if len(seen) == 2:
            break
    return seen


@pytest.mark.skipif(not listen.supported(), reason="one socket per worker is Linux's")
def test_two_workers_share_concurrent_transfers(
    tmp_path: Path, database: Backend, clock: Clock
) -> None:
    issuer_config = config(tmp_path / "data", database, clock)
    with Issuer.open(issuer_config) as issuer:
        issuer.add_station(SYSTEM, STATION_CODE, "station")
        for n in range(VEHICLES):
            issuer.register_vehicle(OFFICE, registration(n))
        office, _ = create_token(issuer, role="office", label="test")
        admin, _ = create_token(issuer, role="admin", label="test")
    with two_workers(issuer_config) as base:

        def transfers(n: int) -> list[int]:
            codes = []
            for k in range(TRANSFERS_EACH):
                answer = httpx.post(
                    f"{base}/vehicles/{make_vin(n)}/transfers",
                    json={"newOwner": f"owner-{n}-{k}", "eventKey": f"t-{n}-{k}"},
                    headers={"authorization": f"Bearer {office}", "connection": "close"},
                    timeout=60,
                )
                codes.append(answer.status_code)
            return codes

        with ThreadPoolExecutor(VEHICLES) as pool:
            codes = [code for one in pool.map(transfers, range(VEHICLES)) for code in one]
        assert codes == [201] * (VEHICLES * TRANSFERS_EACH)
        served = requests_by_pid(base, admin)
    assert len(served) == 2, served
    assert sum(served.values()) == VEHICLES * TRANSFERS_EACH
    assert min(served.values()) > 0, served
    with Issuer.open(issuer_config) as issuer:
        assert assert_consistent(issuer, clock) == 0
        marks = [issuer.current_mark(make_vin(n)) for n in range(VEHICLES)]
    assert all(mark is not None for mark in marks)


def test_workers_below_one_are_refused(tmp_path: Path) -> None:
    issuer_config = IssuerConfig(data_dir=tmp_path, public_base_url="https://demo.vic.example")
    with pytest.raises(UsageError) as caught:
        serve(issuer_config, workers=0)
    assert caught.value.code == "INVALID_WORKERS"
    assert not (tmp_path / "keys").exists()


def vic(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VIC, *args], capture_output=True, text=True, timeout=120, check=False)


def test_the_cli_refuses_zero_workers(tmp_path: Path) -> None:
    result = vic("serve", "issuer", "--data", str(tmp_path), "--workers", "0")
    assert result.returncode != 0
    assert "--workers" in result.stderr, result.stderr


@pytest.mark.skipif(not listen.supported(), reason="one socket per worker is Linux's")
def test_an_address_in_use_is_refused_before_the_workers_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    init = vic("issuer", "init", "--data", str(data), "--base-url", "https://demo.vic.example")
    assert init.returncode == 0, init.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = vic("serve", "issuer", "--data", str(data), "--workers", "2", "--port", str(port))
    assert result.returncode != 0
    assert "CANNOT_LISTEN" in result.stderr, result.stderr


def test_the_supervisor_sets_up_once_and_the_workers_do_not_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """First-run keys (the authority's, the named issuers') and pending marks are the
    supervisor's: done before any worker starts; a worker's app resumes nothing."""
    from fastapi.testclient import TestClient

    from tests.issuer.test_resume_pending import leave_pending
    from vic.issuer.api.workers import OPTIONS_ENV, WorkerOptions, app_from_environment, set_up_once
    from vic.issuer.named import NamedIssuerSpec

    clock = Clock()
    settings = config(tmp_path / "data", Backend("sqlite", None, None), clock)
    options = WorkerOptions(settings, named_issuers=(NamedIssuerSpec.parse("ed=eddsa-rdfc-2022"),))
    with Issuer.open(settings) as issuer:
        first_vin = leave_pending(issuer, 50)
    announced: list[str] = []
    resumed = set_up_once(options, lambda named: announced.extend(n.did for n in named.values()))
    assert [mark.vin for mark in resumed] == [first_vin]
    assert len(announced) == 1
    assert set_up_once(options, lambda named: announced.extend(n.did for n in named.values())) == []
    assert announced[0] == announced[1]  # the named issuer's key was created once
    with Issuer.open(settings) as issuer:
        second_vin = leave_pending(issuer, 51)
    monkeypatch.setenv(OPTIONS_ENV, options.to_env())
    with TestClient(app_from_environment()):  # a worker's start-up
        pass
    with Issuer.open(settings) as issuer:
        assert issuer.current_mark(first_vin) is not None
        assert issuer.current_mark(second_vin) is None  # left to the supervisor's next start


def test_worker_options_from_a_damaged_environment_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from vic.issuer.api.workers import OPTIONS_ENV, WorkerOptions, app_from_environment

    for text in ("not base64!", "AAAA", "gASVBQAAAAAAAACMAXiULg=="):  # the last: pickle of "x"
        with pytest.raises(UsageError, match=OPTIONS_ENV):
            WorkerOptions.from_env(text)
    monkeypatch.delenv(OPTIONS_ENV, raising=False)
    with pytest.raises(UsageError, match=OPTIONS_ENV):
        app_from_environment()
