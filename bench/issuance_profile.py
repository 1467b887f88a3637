"""Where the issuer service's CPU goes per HTTP transfer: cProfile on every thread of
``vic serve issuer`` (each thread's own CPU clock, ``time.thread_time``) under the load of
``bench/issuance.py``'s HTTP figure (``--threads`` keep-alive connections).

Run on demand (never part of the test suite); it prints figures and asserts nothing::

    .venv/bin/python bench/issuance_profile.py --single 1500 --threads 16 --top 40
    .venv/bin/python bench/issuance_profile.py --postgres postgresql+psycopg://postgres@127.0.0.1/test

It prints the service's CPU per request (from /proc, as bench/issuance.py: the profiler's own
cost included, so larger than there), then the functions by their own time and by cumulative
time, summed over the threads, per request. ``--save FILE`` keeps the merged ``pstats`` data.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import multiprocessing
import os
import pstats
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.issuance import (  # noqa: E402
    _cpu_seconds,
    _free_port,
    _http_load,
    prepare,
    settings,
    vin,
)
from vic.issuer.config import IssuerConfig  # noqa: E402
from vic.issuer.engine import Issuer  # noqa: E402


class _Snapshot:
    """A profile's statistics so far, as :class:`pstats.Stats` takes them."""

    def __init__(self, stats: dict[Any, Any]) -> None:
        self.stats = stats

    def create_stats(self) -> None:
        pass


def _serve(config: IssuerConfig, port: int, out: str) -> None:
    """``vic serve issuer`` (one worker) with a profiler on every thread, each on its own CPU
    clock; the merged statistics go to ``out`` when SIGUSR1 arrives."""
    from vic.issuer.api import serve

    main = cProfile.Profile(time.thread_time)
    profiles: list[cProfile.Profile] = [main]

    def start(_frame: Any, _event: str, _arg: Any) -> None:
        profile = cProfile.Profile(time.thread_time)
        profiles.append(profile)
        profile.enable()  # replaces this hook for the rest of the thread

    def dump(_signum: int, _frame: Any) -> None:
        tables = []
        for profile in list(profiles):  # left running: the other threads are idle here
            profile.snapshot_stats()
            tables.append(profile.stats)  # type: ignore[attr-defined]
        # (pstats.Stats empties what it reads: a _Snapshot of its own each)
        pstats.Stats(_Snapshot(dict(tables[0]))).dump_stats(out + ".loop")  # the event loop
        pstats.Stats(*(_Snapshot(dict(table)) for table in tables)).dump_stats(out)
        Path(out + ".done").touch()

    signal.signal(signal.SIGUSR1, dump)
    threading.setprofile(start)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(os.open(out + ".log", os.O_WRONLY | os.O_CREAT | os.O_APPEND), 2)
    main.enable()
    serve(config, host="127.0.0.1", port=port)


def profile(config: IssuerConfig, args: argparse.Namespace, out: str) -> tuple[float, float]:
    from vic.issuer.tokens import create_token

    with Issuer.open(config) as issuer:
        token, _ = create_token(issuer, role="office", label="bench")
    port = _free_port()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(config, port, out))
    server.start()
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            if not server.is_alive() or time.monotonic() > deadline:
                raise SystemExit("the issuer service did not start")
            time.sleep(0.2)
        tag = uuid.uuid4().hex[:8]

        def request(n: int) -> bytes:
            body = f'{{"newOwner": "p-{tag}-{n}", "eventKey": "p-{tag}-{n}"}}'.encode()
            head = (
                f"POST /vehicles/{vin(n % args.vehicles)}/transfers HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            return head.encode("ascii") + body

        warm = [request(-1 - n) for n in range(args.threads * 4)]
        asyncio.run(_http_load(port, warm, args.threads))
        assert server.pid is not None
        os.kill(server.pid, signal.SIGUSR1)  # the warm-up's statistics, subtracted below
        _wait(out)
        os.replace(out, out + ".warm")
        os.replace(out + ".loop", out + ".loop.warm")
        cpu = _cpu_seconds(server.pid)
        rate = asyncio.run(_http_load(port, [request(n) for n in range(args.single)], args.threads))
        cpu = (_cpu_seconds(server.pid) - cpu) / args.single
        os.kill(server.pid, signal.SIGUSR1)
        _wait(out)
        return rate, cpu
    finally:
        server.terminate()
        server.join(30)


def _wait(out: str) -> None:
    done = Path(out + ".done")
    deadline = time.monotonic() + 60
    while not done.exists():
        if time.monotonic() > deadline:
            log = Path(out + ".log")
            raise SystemExit(
                "the service did not write its profile\n"
                + (log.read_text()[-12000:] if log.exists() else "")
            )
        time.sleep(0.1)
    done.unlink()


def report(out: str, count: int, top: int, what: str) -> None:
    """The run's statistics less the warm-up's, per request."""
    stats = pstats.Stats(out)
    warm = pstats.Stats(out + ".warm")
    print(f"\n==== {what} ====")
    table: dict[Any, Any] = {}
    for func, (cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        wcc, wnc, wtt, wct, _ = warm.stats.get(func, (0, 0, 0.0, 0.0, {}))  # type: ignore[attr-defined]
        table[func] = (cc - wcc, nc - wnc, tt - wtt, ct - wct)
    total = sum(row[2] for row in table.values())
    calls = sum(row[1] for row in table.values())
    print(
        f"profiled CPU per request: {total / count * 1000:.3f} ms; "
        f"function calls per request: {calls / count:.0f}"
    )
    for title, column in (("own time", 2), ("cumulative time", 3)):
        print(f"\n-- by {title}, µs per request (calls per request) --")
        rows = sorted(table.items(), key=lambda item: item[1][column], reverse=True)[:top]
        for (path, line, name), row in rows:
            where = f"{Path(path).name}:{line}" if line else path
            print(f"{row[column] / count * 1e6:9.1f} {row[1] / count:7.2f}  {name} ({where})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--single", type=int, default=1500, help="transfers profiled")
    parser.add_argument("--threads", type=int, default=16, help="concurrent connections")
    parser.add_argument("--vehicles", type=int, default=300)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--save", help="keep the merged pstats data here")
    parser.add_argument("--postgres", help="a PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="vic-profile-"))
    schema = f"vic_profile_{uuid.uuid4().hex[:10]}" if args.postgres else None
    out = str(directory / "profile.pstats")
    try:
        config = settings(directory, args.postgres, schema)
        prepare(config, args.vehicles)
        rate, cpu = profile(config, args, out)
        print(
            f"{args.single} transfers: {rate:.0f}/s profiled, {cpu * 1000:.2f} ms of the "
            "service's CPU per request (the profiler's cost included)"
        )
        report(out, args.single, args.top, "all threads")
        report(out + ".loop", args.single, args.top, "the event loop's thread")
        if args.save:
            shutil.copy(out, args.save)
            shutil.copy(out + ".loop", args.save + ".loop")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        if args.postgres and schema:
            from sqlalchemy import create_engine, text
            from sqlalchemy.pool import NullPool

            engine = create_engine(args.postgres, poolclass=NullPool)
            with engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()


if __name__ == "__main__":
    main()
