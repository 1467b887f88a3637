"""Eight processes issue 5,000 marks for 40 shared vehicles at once, on SQLite and PostgreSQL:
no status index twice, one current mark per vehicle, every superseded mark revoked in the
published list. Half the workers transfer vehicles one event at a time, half report inspections
in batches of 25."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.issuer.helpers import (
    ADMIN,
    OFFICE,
    STATION_CODE,
    Backend,
    Clock,
    assert_consistent,
    config,
    registration,
)
from tests.issuer.workers import Job, run_job
from vic.issuer.db.models import Mark
from vic.issuer.engine import Issuer

WORKERS = 8
MARKS = 5_000
VEHICLES = 40


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_eight_processes_issue_5000_marks(tmp_path: Path, database: Backend) -> None:
    clock = Clock()
    data_dir = tmp_path / "data"
    with Issuer.open(config(data_dir, database, clock)) as issuer:
        issuer.add_station(ADMIN, STATION_CODE, "站")
        for n in range(VEHICLES):
            issuer.register_vehicle(OFFICE, registration(n))
    jobs = [
        Job(
            data_dir=str(data_dir),
            url=database.url,
            schema=database.schema,
            worker=worker,
            marks=MARKS // WORKERS,
            vehicles=VEHICLES,
            batch=0 if worker % 2 == 0 else 25,
        )
        for worker in range(WORKERS)
    ]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        results = pool.map(run_job, jobs)
    elapsed = time.perf_counter() - started
    issued = [item for result in results for item in result]
    assert len(issued) == MARKS
    assert len({number for _, number in issued}) == MARKS  # every event its own mark
    assert len({key for key, _ in issued}) == MARKS
    with Issuer.open(config(data_dir, database, clock)) as issuer:
        with issuer.database.read() as session:
            total = session.execute(select(func.count(Mark.id))).scalar_one()
            current = session.execute(
                select(func.count(Mark.id)).where(Mark.is_current)
            ).scalar_one()
        assert total == MARKS + VEHICLES
        assert current == VEHICLES
        assert assert_consistent(issuer, clock) == 0
    print(f"\n{database.name}: {MARKS} marks by {WORKERS} processes in {elapsed:.1f} s")
