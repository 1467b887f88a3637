"""Crash safety: a batch killed with SIGKILL midway leaves a consistent database, and running it
again resumes it and issues nothing twice; a kill between the two transactions of an issuance
leaves a pending mark that the retry (or resume_pending) finishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.issuer.helpers import OFFICE, Backend, Clock, assert_consistent, config, registration
from vic.issuer.db.models import Mark
from vic.issuer.engine import Issuer

ROOT = Path(__file__).resolve().parents[2]
VEHICLES = 12
EVENTS = 120


def loop_command(data_dir: Path, database: Backend, *extra: str) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "tests.issuer.workers",
        "loop",
        "--data",
        str(data_dir),
        "--vehicles",
        str(VEHICLES),
        "--count",
        str(EVENTS),
        *extra,
    ]
    if database.url is not None and database.schema is not None:
        command += ["--url", database.url, "--schema", database.schema]
    return command


def run_loop(data_dir: Path, database: Backend, *extra: str) -> tuple[int, list[list[str]]]:
    done = subprocess.run(
        loop_command(data_dir, database, *extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.returncode, [line.split() for line in done.stdout.splitlines()]


def prepare(data_dir: Path, database: Backend, clock: Clock) -> None:
    with Issuer.open(config(data_dir, database, clock)) as issuer:
        for n in range(VEHICLES):
            issuer.register_vehicle(OFFICE, registration(n))


def count(issuer: Issuer, *where: object) -> int:
    with issuer.database.read() as session:
        statement = select(func.count(Mark.id))
        for condition in where:
            statement = statement.where(condition)  # type: ignore[arg-type]
        return session.execute(statement).scalar_one()


@pytest.mark.timeout(600)
def test_a_killed_batch_resumes_without_issuing_twice(tmp_path: Path, database: Backend) -> None:
    clock = Clock()
    data_dir = tmp_path / "data"
    prepare(data_dir, database, clock)
    process = subprocess.Popen(
        loop_command(data_dir, database), cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for seen, line in enumerate(process.stdout, start=1):
        assert line.startswith("issued loop-")
        if seen == 40:
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    with Issuer.open(config(data_dir, database, clock)) as issuer:
        pending = assert_consistent(issuer, clock)
        assert pending <= 1
        before = count(issuer, Mark.state == "issued")
        assert VEHICLES + 40 <= before < VEHICLES + EVENTS
    code, lines = run_loop(data_dir, database)  # the same batch again, to the end
    assert code == 0
    assert len(lines) == EVENTS
    old = [line for line in lines if line[3] == "old"]
    assert len(old) >= 40  # what was issued before the kill came back, not issued again
    assert len({line[2] for line in lines}) == EVENTS
    with Issuer.open(config(data_dir, database, clock)) as issuer:
        assert assert_consistent(issuer, clock) == 0
        assert count(issuer) == VEHICLES + EVENTS  # one mark per event, exactly
        assert count(issuer, Mark.is_current) == VEHICLES


@pytest.mark.timeout(600)
def test_a_kill_between_the_two_transactions(tmp_path: Path, database: Backend) -> None:
    clock = Clock()
    data_dir = tmp_path / "data"
    prepare(data_dir, database, clock)
    code, lines = run_loop(data_dir, database, "--kill-at-sign", "11")
    assert code == -signal.SIGKILL
    assert len(lines) == 10  # ten events issued; the eleventh died while signing
    with Issuer.open(config(data_dir, database, clock)) as issuer:
        assert assert_consistent(issuer, clock) == 1  # its mark is pending: allocated, unsigned
        with issuer.database.read() as session:
            pending = session.execute(
                select(Mark.event_key).where(Mark.state == "pending")
            ).scalars()
            assert list(pending) == ["transfer:loop-10"]
        finished = issuer.resume_pending()
        assert [m.number for m in finished]
        assert finished[0].current
        assert assert_consistent(issuer, clock) == 0
        assert issuer.resume_pending() == []
    code, lines = run_loop(data_dir, database)
    assert code == 0
    assert [line[3] for line in lines[:11]] == ["old"] * 11
    assert {line[3] for line in lines[11:]} == {"new"}
    assert lines[10][2] == str(finished[0].number)
    with Issuer.open(config(data_dir, database, clock)) as issuer:
        assert assert_consistent(issuer, clock) == 0
        assert count(issuer) == VEHICLES + EVENTS


@pytest.mark.timeout(600)
def test_retrying_the_event_finishes_its_pending_mark(tmp_path: Path, database: Backend) -> None:
    clock = Clock()
    data_dir = tmp_path / "data"
    prepare(data_dir, database, clock)
    code, _ = run_loop(data_dir, database, "--kill-at-sign", "1")
    assert code == -signal.SIGKILL
    with Issuer.open(config(data_dir, database, clock)) as issuer:
        assert assert_consistent(issuer, clock) == 1
        mark = issuer.transfer_vehicle(
            OFFICE, registration(0).vin, new_owner="acct-loop-0", event_key="loop-0"
        )
        assert mark.issued_now
        assert mark.current
        assert assert_consistent(issuer, clock) == 0
        assert count(issuer) == VEHICLES + 1
