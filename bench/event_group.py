"""The engine's work for a group of single events, in process: what the HTTP service's lean path
has the issuer do per group of transfers (both transactions, signing, storing), without HTTP.

    .venv/bin/python bench/event_group.py                  # CPU and statements per event
    .venv/bin/python bench/event_group.py --instructions   # valgrind instructions per event
    .venv/bin/python bench/event_group.py --profile 30     # cProfile's top functions
    .venv/bin/python bench/event_group.py --postgres postgresql+psycopg://postgres@127.0.0.1/test

Each group is ``--group`` transfers (``IssuanceService.transfer_event``) of distinct vehicles,
run by ``IssuanceService._run_events`` as a :class:`~vic.issuer.groupcommit.GroupCommit` leader
runs them (16 connections to the service make groups of ~8-10). The figures:

- CPU per event: ``time.process_time`` over ``--groups`` groups, the median of ``--rounds``;
- statements per event: SQLAlchemy's ``before_cursor_execute`` over the same groups;
- ``--instructions``: valgrind's count (cachegrind) of this script with ``--groups`` groups
  minus the same with none, per event (set-up and start-up cancel out; the load cannot move it).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from issuance import OFFICE, prepare, settings, vin
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from vic.issuer.domain import IssuedMark
from vic.issuer.engine import Issuer


class Groups:
    """Groups of transfers of distinct vehicles, each with new owners and event keys."""

    def __init__(self, issuer: Issuer, size: int, vehicles: int) -> None:
        self.issuer = issuer
        self.size = size
        self.vehicles = vehicles
        self.tag = uuid.uuid4().hex[:8]
        self.count = 0

    def run(self, groups: int) -> None:
        service = self.issuer.issuance
        for _ in range(groups):
            events = []
            for _ in range(self.size):
                n = self.count
                self.count += 1
                events.append(
                    service.transfer_event(
                        OFFICE,
                        vin(n % self.vehicles),
                        new_owner=f"g-{self.tag}-{n}",
                        event_key=f"g-{self.tag}-{n}",
                    )
                )
            for result in service._run_events(events):
                if not isinstance(result, IssuedMark) or not result.issued_now:
                    raise SystemExit(f"unexpected result {result!r}")


def _open(args: argparse.Namespace, directory: Path) -> tuple[Issuer, str | None]:
    schema = f"vic_bench_{uuid.uuid4().hex[:10]}" if args.postgres else None
    config = settings(directory, args.postgres, schema)
    prepare(config, args.vehicles)
    return Issuer.open(config), schema


def _drop(url: str | None, schema: str | None) -> None:
    if url and schema:
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def _workload(args: argparse.Namespace) -> None:
    """Set up, warm up, then run ``--groups`` groups (under valgrind)."""
    directory = Path(tempfile.mkdtemp(prefix="vic-bench-"))
    issuer, schema = _open(args, directory)
    try:
        groups = Groups(issuer, args.group, args.vehicles)
        groups.run(4)
        groups.run(args.groups)
    finally:
        issuer.close()
        shutil.rmtree(directory, ignore_errors=True)
        _drop(args.postgres, schema)


def _instructions(args: argparse.Namespace) -> None:
    from verify_instructions import cachegrind_instructions

    common = [
        "--run",
        "--group",
        str(args.group),
        "--vehicles",
        str(args.vehicles),
        *(["--postgres", args.postgres] if args.postgres else []),
    ]
    none = cachegrind_instructions(__file__, [*common, "--groups", "0"])
    some = cachegrind_instructions(__file__, [*common, "--groups", str(args.groups)])
    events = args.groups * args.group
    print(
        f"instructions per event (groups of {args.group}, {args.groups} groups minus none): "
        f"{(some - none) / events / 1e6:.3f} M"
    )


def _measure(args: argparse.Namespace) -> None:
    directory = Path(tempfile.mkdtemp(prefix="vic-bench-"))
    issuer, schema = _open(args, directory)
    try:
        groups = Groups(issuer, args.group, args.vehicles)
        groups.run(8)
        statements = 0

        def count(*_args: object) -> None:
            nonlocal statements
            statements += 1

        engine = issuer.database.engine
        traced: list[str] = []
        if engine.dialect.name == "sqlite":  # every statement the driver runs, BEGIN and COMMIT too
            engine.dispose()
            event.listen(
                engine, "connect", lambda dbapi, _: dbapi.set_trace_callback(traced.append)
            )
        event.listen(engine, "before_cursor_execute", count)
        groups.run(args.groups)
        event.remove(engine, "before_cursor_execute", count)
        events = args.groups * args.group
        print(
            f"statements per event (groups of {args.group}): {statements / events:.2f} through "
            f"SQLAlchemy's execution"
            + (f", {len(traced) / events:.2f} run by SQLite (BEGIN, COMMIT too)" if traced else "")
        )
        if traced and args.statements:
            for text_ in traced[: len(traced) // args.groups]:
                print("  ", " ".join(text_.split())[:160])
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            groups.run(args.groups)
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("tottime").print_stats(args.profile)
            stats.sort_stats("cumulative").print_stats(args.profile)
            return
        times = []
        for _ in range(args.rounds):
            started = time.process_time()
            groups.run(args.groups)
            times.append((time.process_time() - started) / events)
        print(
            f"CPU per event: median {statistics.median(times) * 1000:.3f} ms "
            f"(rounds: {', '.join(f'{t * 1000:.3f}' for t in times)})"
        )
    finally:
        issuer.close()
        shutil.rmtree(directory, ignore_errors=True)
        _drop(args.postgres, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", type=int, default=8, help="transfers per group")
    parser.add_argument("--groups", type=int, default=40, help="groups per figure")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (median)")
    parser.add_argument("--vehicles", type=int, default=300)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (default SQLite)")
    parser.add_argument("--instructions", action="store_true", help="valgrind's count")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile's top N")
    parser.add_argument("--statements", action="store_true", help="print one group's SQL")
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        _workload(args)
    elif args.instructions:
        _instructions(args)
    else:
        _measure(args)


if __name__ == "__main__":
    main()
