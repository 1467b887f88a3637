"""Issue 8, item 7: marks a crash left pending (allocated, unsigned) are finished when the
service starts and by `vic issuer resume`; before, nothing called resume_pending, so the vehicle
answered NO_CURRENT_MARK until a client retried."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.cli.test_cli import vic
from tests.issuer.helpers import OFFICE, Backend, Clock, config, registration
from vic.issuer.api.app import create_app_from_config
from vic.issuer.engine import Issuer


class Crash(Exception):
    """The process dies between the two transactions of an issuance."""


def leave_pending(issuer: Issuer, number: int) -> str:
    """Register a vehicle and 'crash' before its mark is signed; its VIN."""

    def die(*_args: object, **_kwargs: object) -> None:
        raise Crash

    issuer.issuance.finish_many = die  # type: ignore[method-assign]
    reg = registration(number)
    with pytest.raises(Crash):
        issuer.register_vehicle(OFFICE, reg)
    assert issuer.current_mark(reg.vin) is None
    return reg.vin


def test_the_service_resumes_pending_marks_on_start_up(
    tmp_path: Path, database: Backend, clock: Clock
) -> None:
    settings = config(tmp_path / "data", database, clock)
    with Issuer.open(settings) as issuer:
        vin = leave_pending(issuer, 40)
    app = create_app_from_config(settings)
    with TestClient(app):  # start-up runs
        pass
    with Issuer.open(settings) as issuer:
        mark = issuer.current_mark(vin)
        assert mark is not None
        assert mark.current


def test_vic_issuer_resume(tmp_path: Path) -> None:
    data = tmp_path / "data"
    init = vic("issuer", "init", "--base-url", "https://demo.vic.example", "--data", str(data))
    assert init.returncode == 0, init.stderr
    settings = config(data, Backend("sqlite", None, None), Clock())
    with Issuer.open(settings) as issuer:
        vin = leave_pending(issuer, 41)
    resumed = vic("issuer", "resume", "--json", "--data", str(data))
    assert resumed.returncode == 0, resumed.stderr
    assert [m["vin"] for m in json.loads(resumed.stdout)] == [vin]
    again = vic("issuer", "resume", "--json", "--data", str(data))
    assert json.loads(again.stdout) == []
