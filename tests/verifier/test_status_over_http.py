"""Status over HTTP against the issuer's own service on loopback (its ASGI app under uvicorn):
the verifier's cached list answers until its ttl, then it refetches and sees the revocation; with
the issuer stopped the cache answers until the maximum age, then STATUS_UNAVAILABLE. The clock is
injected (no sleeps); only the HTTP requests are real."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")
pytest.importorskip("fastapi")

import uvicorn

from vic.did.fetch import FetchPolicy, GuardedFetcher
from vic.issuer.api import create_app
from vic.issuer.config import IssuerConfig
from vic.issuer.domain import Actor, Role, VehicleRegistration
from vic.issuer.engine import Issuer
from vic.issuer.policy import UseCategory
from vic.verifier import HttpStatusLists, Status, verify_credential
from vic.verifier.result import CheckName
from vic.verifier.trust import TrustedIssuer, TrustList

OFFICE = Actor("office-1", Role.OFFICE)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Running:
    issuer: Issuer
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def running(tmp_path: Path, clock: Clock) -> Iterator[Running]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = IssuerConfig(
        data_dir=tmp_path / "issuer", public_base_url=f"http://127.0.0.1:{port}", clock=clock
    )
    issuer = Issuer.open(config)
    server = uvicorn.Server(
        uvicorn.Config(create_app(issuer), log_level="warning", lifespan="off", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        threading.Event().wait(0.01)
    assert server.started
    try:
        yield Running(issuer, server, thread)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        issuer.close()
        sock.close()


def register(issuer: Issuer, today: date) -> dict[str, object]:
    registration = VehicleRegistration(
        vin="LSVAU2A36N2183457",
        plate="鄂L12345",
        plate_type_code="02",
        vehicle_type_code="K33",
        use_category=UseCategory.SMALL_NON_OPERATING_PASSENGER,
        seats=5,
        first_registration=date(today.year - 1, today.month, 1),
        owner="owner-1",
        valid_until=(today.year + 1, today.month),
    )
    return issuer.register_vehicle(OFFICE, registration).credential


def test_status_over_http_ttl_revocation_and_maximum_age(
    running: Running, clock: Clock, tmp_path: Path
) -> None:
    issuer = running.issuer
    mark = register(issuer, clock.now.date())
    trust = TrustList(
        (TrustedIssuer(issuer.did, {"en": "Loopback authority"}, issuer.did_document()),)
    )
    fetcher = GuardedFetcher(FetchPolicy(allow_loopback_http=True, deadline=10))
    source = HttpStatusLists(
        fetcher, cache_dir=tmp_path / "cache", clock=clock, max_age=timedelta(hours=2)
    )

    def check() -> tuple[Status, str]:
        result = verify_credential(mark, trust=trust, status_source=source, clock=clock)
        revocation = result.check(CheckName.REVOCATION) or result.check(CheckName.STATUS)
        assert revocation is not None
        return result.status, str(revocation.detail.get("statusSource"))

    assert check() == (Status.VALID, "network")
    ttl = issuer.config.status_list_ttl

    issuer.transfer_vehicle(OFFICE, "LSVAU2A36N2183457", new_owner="owner-2", event_key="t-1")
    clock.now += ttl - timedelta(seconds=30)
    assert check() == (Status.VALID, "cache")  # the cached list, until its ttl

    clock.now += timedelta(seconds=31)
    assert check() == (Status.REVOKED, "network")  # refetched: the new list says revoked

    running.stop()
    clock.now += timedelta(hours=1)
    assert check() == (Status.REVOKED, "cache")  # the issuer is gone: the cache answers

    clock.now += timedelta(hours=1, seconds=1)
    result = verify_credential(mark, trust=trust, status_source=source, clock=clock)
    assert result.status is Status.STATUS_UNAVAILABLE  # older than the maximum age
    assert result.errors[0].code == "STATUS_LIST_STALE"
    assert result.errors[0].detail["reason"] in {"FETCH_UNREACHABLE", "FETCH_TIMEOUT"}
