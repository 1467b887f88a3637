"""Issuing processes for the concurrency and crash tests (spawned, or run as a command).

``python -m tests.issuer.workers loop --data DIR [--url URL --schema S] --vehicles V --count N``
transfers vehicles in a loop, one mark per event (event keys ``loop-0`` .. ``loop-{N-1}``), and
prints ``issued <event> <number> <new|old>`` for each, flushed, so a parent can kill it midway.
``--kill-at-sign K`` makes the process SIGKILL itself inside the K-th signature: between the
transaction that allocated the pending mark and the one that stores it.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import vic.issuer.kernel
from tests.issuer.helpers import (
    OFFICE,
    STATION,
    STATION_CODE,
    Backend,
    Clock,
    config,
    make_vin,
)
from vic.issuer.domain import InspectionOutcome, InspectionReport
from vic.issuer.engine import Issuer


@dataclass(frozen=True)
class Job:
    """What one spawned worker does."""

    data_dir: str
    url: str | None
    schema: str | None
    worker: int
    marks: int
    vehicles: int
    batch: int
    """0: single transfers; else inspection reports in batches of this size."""


def open_issuer(data_dir: str, url: str | None, schema: str | None) -> Issuer:
    where = Backend("postgres" if url else "sqlite", url, schema)
    return Issuer.open(config(Path(data_dir), where, Clock()))


def run_job(job: Job) -> list[tuple[str, int]]:
    """Issue ``job.marks`` marks for random vehicles among the shared ones; return (event key,
    mark number) of each."""
    rng = random.Random(job.worker)
    issued: list[tuple[str, int]] = []
    with open_issuer(job.data_dir, job.url, job.schema) as engine:
        if job.batch == 0:
            for n in range(job.marks):
                key = f"w{job.worker}-{n}"
                vehicle = rng.randrange(job.vehicles)
                mark = engine.transfer_vehicle(
                    OFFICE, make_vin(vehicle), new_owner=f"acct-{job.worker}-{n}", event_key=key
                )
                issued.append((f"transfer:{key}", mark.number))
            return issued
        for start in range(0, job.marks, job.batch):
            reports = [
                InspectionReport(
                    STATION_CODE,
                    f"w{job.worker}-{n}",
                    make_vin(rng.randrange(job.vehicles)),
                    date(2026, 11, 24),
                    True,
                )
                for n in range(start, min(start + job.batch, job.marks))
            ]
            for report, outcome in zip(
                reports, engine.report_inspections(STATION, reports), strict=True
            ):
                if not isinstance(outcome, InspectionOutcome) or outcome.mark is None:
                    raise AssertionError(f"report {report.report_number} gave {outcome!r}")
                issued.append(
                    (f"inspection:{STATION_CODE}:{report.report_number}", outcome.mark.number)
                )
    return issued


def _kill_inside_signature(at: int) -> None:
    real = vic.issuer.kernel.add_proof
    calls = {"n": 0}

    def add_proof(*args: Any, **kwargs: Any) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == at:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)

    vic.issuer.kernel.add_proof = add_proof  # type: ignore[assignment]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tests.issuer.workers")
    parser.add_argument("mode", choices=["loop"])
    parser.add_argument("--data", required=True)
    parser.add_argument("--url")
    parser.add_argument("--schema")
    parser.add_argument("--vehicles", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--kill-at-sign", type=int)
    args = parser.parse_args(argv)
    if args.kill_at_sign:
        _kill_inside_signature(args.kill_at_sign)
    with open_issuer(args.data, args.url, args.schema) as engine:
        for n in range(args.count):
            mark = engine.transfer_vehicle(
                OFFICE,
                make_vin(n % args.vehicles),
                new_owner=f"acct-loop-{n}",
                event_key=f"loop-{n}",
            )
            state = "new" if mark.issued_now else "old"
            print(f"issued loop-{n} {mark.number} {state}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
