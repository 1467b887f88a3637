"""Issuance throughput of the issuer engine, end to end, and the time to publish a 2^26 list.

Run on demand (never part of the test suite); it prints figures and asserts nothing::

    .venv/bin/python bench/issuance.py
    .venv/bin/python bench/issuance.py --marks 4000 --batch 100 --processes 2
    .venv/bin/python bench/issuance.py --postgres postgresql+psycopg://postgres@127.0.0.1/test

"End to end" is what ``Issuer.report_inspections`` / ``Issuer.transfer_vehicle`` do for each
mark: the domain rules (station, vehicle, policy), the status index allocation, building the mark,
signing it (ecdsa-rdfc-2019, P-256), storing it and revoking the vehicle's previous mark, with the
audit rows, in the database's transactions. Process start-up and ``Issuer.open`` are not timed;
each process warms up (JSON-LD contexts, connections) before the clock starts. Figures:

- single events: ``transfer_vehicle`` one at a time; from ``--threads`` threads at once in one
  process (concurrent events share their transactions: group commit); and over HTTP, ``POST
  /vehicles/{vin}/transfers`` to the issuer's service (``vic serve issuer``'s uvicorn, spawned
  on loopback) from ``--threads`` keep-alive connections, with each of ``--server-workers``
  (e.g. ``1,2``: one process, then two; ``--http-rounds`` alternates them);
- batches: ``report_inspections`` with ``--batch`` reports per call, in 1 process and in
  ``--processes`` processes at once (all cores);
- signing alone: ``vc.proofs.add_proof`` of the same mark, for scale;
- publishing: building, signing and storing a 2^26-entry revocation list with ``--revoked``
  set bits (cold: the median of ``--publish-rounds``, each after a version bump), and serving it
  again from the cache (warm); ``--publish-only`` prints only these.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from vic.did.keys import KeyType, PrivateKey  # noqa: E402
from vic.issuer.config import IssuerConfig  # noqa: E402
from vic.issuer.db.models import StatusEntry  # noqa: E402
from vic.issuer.domain import (  # noqa: E402
    Actor,
    InspectionOutcome,
    InspectionReport,
    Role,
    VehicleRegistration,
)
from vic.issuer.engine import Issuer  # noqa: E402
from vic.issuer.policy import UseCategory  # noqa: E402
from vic.vc.proofs import add_proof  # noqa: E402
from vic.vc.status import StatusPurpose  # noqa: E402
from vic.vc.vin import vin_check_digit  # noqa: E402

NOW = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)
STATION = "420100-01"
SYSTEM = Actor("bench", Role.SYSTEM)
OFFICE = Actor("bench-office", Role.OFFICE)


def clock() -> datetime:
    return NOW


def vin(number: int) -> str:
    raw = f"LSVAU2A30N{number:07d}"
    return raw[:8] + vin_check_digit(raw) + raw[9:]


def settings(data_dir: Path, url: str | None, schema: str | None) -> IssuerConfig:
    return IssuerConfig(
        data_dir=data_dir,
        public_base_url="https://bench.vic.example",
        database_url=url,
        database_schema=schema,
        clock=clock,
        key_passphrase="",
    )


def prepare(config: IssuerConfig, vehicles: int) -> None:
    with Issuer.open(config) as issuer:
        issuer.add_station(SYSTEM, STATION, "bench station")
        for n in range(vehicles):
            issuer.register_vehicle(
                OFFICE,
                VehicleRegistration(
                    vin=vin(n),
                    plate=f"鄂A{n:05d}",
                    plate_type_code="02",
                    vehicle_type_code="K33",
                    use_category=UseCategory.SMALL_NON_OPERATING_PASSENGER,
                    seats=5,
                    first_registration=date(2026, 11, 20),
                    owner=f"acct-{n}",
                ),
            )


def reports(tag: str, count: int, vehicles: int, seed: int) -> list[InspectionReport]:
    rng = random.Random(seed)
    return [
        InspectionReport(
            STATION, f"{tag}-{n}", vin(rng.randrange(vehicles)), date(2026, 11, 24), True
        )
        for n in range(count)
    ]


def issue_batches(issuer: Issuer, tag: str, marks: int, batch: int, vehicles: int) -> int:
    issued = 0
    for start in range(0, marks, batch):
        chunk = reports(f"{tag}-{start}", min(batch, marks - start), vehicles, start)
        for outcome in issuer.report_inspections(SYSTEM, chunk):
            if not isinstance(outcome, InspectionOutcome) or outcome.mark is None:
                raise SystemExit(f"unexpected outcome {outcome!r}")
            issued += 1
    return issued


def worker(
    config: IssuerConfig,
    index: int,
    marks: int,
    batch: int,
    vehicles: int,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    with Issuer.open(config) as issuer:
        issue_batches(issuer, f"warm-{index}-{uuid.uuid4().hex[:6]}", batch, batch, vehicles)
        ready.put(index)
        go.wait()
        started = time.perf_counter()
        issued = issue_batches(issuer, f"w{index}-{uuid.uuid4().hex[:6]}", marks, batch, vehicles)
        results.put((index, issued, started, time.perf_counter()))


def in_processes(
    config: IssuerConfig, processes: int, marks: int, batch: int, vehicles: int
) -> float:
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    share = marks // processes
    workers = [
        context.Process(target=worker, args=(config, i, share, batch, vehicles, ready, go, results))
        for i in range(processes)
    ]
    for process in workers:
        process.start()
    for _ in workers:
        ready.get(timeout=300)
    go.set()
    finished = [results.get(timeout=600) for _ in workers]
    for process in workers:
        process.join()
    issued = sum(f[1] for f in finished)
    # perf_counter is system-wide on Linux (CLOCK_MONOTONIC), so the spans compare across
    # processes
    span = max(f[3] for f in finished) - min(f[2] for f in finished)
    return issued / span


def single_events(config: IssuerConfig, count: int, vehicles: int) -> float:
    with Issuer.open(config) as issuer:
        issuer.transfer_vehicle(OFFICE, vin(0), new_owner="warm", event_key=f"warm-{uuid.uuid4()}")
        tag = uuid.uuid4().hex[:8]
        started = time.perf_counter()
        for n in range(count):
            issuer.transfer_vehicle(
                OFFICE, vin(n % vehicles), new_owner=f"o-{tag}-{n}", event_key=f"{tag}-{n}"
            )
        return count / (time.perf_counter() - started)


def threaded_events(config: IssuerConfig, count: int, vehicles: int, threads: int) -> float:
    """``count`` transfers from ``threads`` threads at once in one process (group commit)."""
    with Issuer.open(config) as issuer:
        issuer.transfer_vehicle(OFFICE, vin(0), new_owner="warm", event_key=f"warm-{uuid.uuid4()}")
        tag = uuid.uuid4().hex[:8]
        numbers = iter(range(count))
        lock = threading.Lock()

        def client() -> None:
            while True:
                with lock:
                    n = next(numbers, None)
                if n is None:
                    return
                mark = issuer.transfer_vehicle(
                    OFFICE, vin(n % vehicles), new_owner=f"t-{tag}-{n}", event_key=f"{tag}-{n}"
                )
                if not mark.issued_now:
                    raise SystemExit(f"unexpected mark {mark!r}")

        pool = [threading.Thread(target=client) for _ in range(threads)]
        started = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        return count / (time.perf_counter() - started)


def _serve(config: IssuerConfig, port: int, workers: int) -> None:
    """The issuer's HTTP service as ``vic serve issuer --workers N`` runs it (uvicorn), its logs
    discarded."""
    from vic.issuer.api import serve

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    serve(config, host="127.0.0.1", port=port, workers=workers)


def _listeners(port: int) -> int:
    """Sockets listening on ``port`` (IPv4), from /proc/net/tcp (Linux)."""
    table = Path("/proc/net/tcp").read_text().splitlines()[1:]
    local = f":{port:04X}"
    return sum(1 for row in table if row.split()[1].endswith(local) and row.split()[3] == "0A")


def _free_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port: int = listener.getsockname()[1]
        return port


async def _http_load(port: int, requests: list[bytes], connections: int) -> float:
    """Send every request over ``connections`` keep-alive connections (each sends its next
    request when the previous answer has arrived); requests/s. Every answer must be 201."""
    queue = list(reversed(requests))
    failures: list[str] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue and not failures:
                writer.write(queue.pop())
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = next(
                    int(line.split(":", 1)[1])
                    for line in lines
                    if line.lower().startswith("content-length:")
                )
                body = await reader.readexactly(length)
                if not lines[0].startswith("HTTP/1.1 201"):
                    failures.append(f"{lines[0]}: {body[:300]!r}")
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"the issuer did not answer 201: {failures[0]}")
    return len(requests) / elapsed


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) process ``pid`` and its live descendants (the uvicorn
    workers) have used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(OSError):  # exited meanwhile
                total += _cpu_seconds(int(child))
    return total


def http_events(
    config: IssuerConfig, count: int, vehicles: int, connections: int, workers: int = 1
) -> tuple[float, float, float]:
    """``count`` transfers over HTTP (``POST /vehicles/{vin}/transfers``, an office token) from
    ``connections`` concurrent keep-alive connections to the issuer's service on loopback with
    ``workers`` processes: requests/s, the service's CPU seconds per request (all its
    processes; the steadier figure when the machine is shared) and the load generator's (this
    process)."""
    from vic.issuer.tokens import create_token

    with Issuer.open(config) as issuer:
        token, _ = create_token(issuer, role="office", label="bench")
    port = _free_port()
    server = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(config, port, workers)
    )
    server.start()
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                if workers == 1 or _listeners(port) >= workers:
                    break
            if not server.is_alive() or time.monotonic() > deadline:
                raise SystemExit("the issuer service did not start") from None
            time.sleep(0.2)
        tag = uuid.uuid4().hex[:8]

        def request(n: int) -> bytes:
            body = json.dumps({"newOwner": f"h-{tag}-{n}", "eventKey": f"h-{tag}-{n}"}).encode()
            head = (
                f"POST /vehicles/{vin(n % vehicles)}/transfers HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            return head.encode("ascii") + body

        asyncio.run(_http_load(port, [request(-1 - n) for n in range(connections)], connections))
        assert server.pid is not None
        cpu = _cpu_seconds(server.pid)
        client = time.process_time()
        rate = asyncio.run(_http_load(port, [request(n) for n in range(count)], connections))
        client = (time.process_time() - client) / count
        return rate, (_cpu_seconds(server.pid) - cpu) / count, client
    finally:
        server.terminate()
        server.join(30)


def one_process(config: IssuerConfig, marks: int, batch: int, vehicles: int) -> float:
    with Issuer.open(config) as issuer:
        issue_batches(issuer, f"warm-{uuid.uuid4().hex[:6]}", batch, batch, vehicles)
        started = time.perf_counter()
        issued = issue_batches(issuer, f"one-{uuid.uuid4().hex[:6]}", marks, batch, vehicles)
        return issued / (time.perf_counter() - started)


def signing_alone(count: int) -> float:
    key = PrivateKey.generate(KeyType.P256)
    with tempfile.TemporaryDirectory() as directory:
        config = settings(Path(directory), None, None)
        prepare(config, 1)
        with Issuer.open(config) as issuer:
            mark = issuer.current_mark(vin(0))
            assert mark is not None
            unsigned = {k: v for k, v in mark.credential.items() if k != "proof"}
    method = "did:web:bench.vic.example#key-1"
    add_proof(
        unsigned,
        key=key,
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=method,
        include_created=False,
    )
    started = time.perf_counter()
    for _ in range(count):
        add_proof(
            unsigned,
            key=key,
            cryptosuite="ecdsa-rdfc-2019",
            verification_method=method,
            include_created=False,
        )
    return count / (time.perf_counter() - started)


def publishing(config: IssuerConfig, revoked: int, rounds: int) -> tuple[float, float, int]:
    with Issuer.open(config) as issuer:
        rng = random.Random(7)
        positions = rng.sample(range(1, 2**26), revoked)
        rows = [
            {
                "space": "mark",
                "list_index": 0,
                "position": p,
                "revoked": True,
                "suspended": False,
                "created_at": NOW,
            }
            for p in positions
        ]
        with issuer.database.write() as session:
            for start in range(0, len(rows), 50_000):
                session.execute(insert(StatusEntry), rows[start : start + 50_000])
            session.execute(
                text("UPDATE status_list SET revocation_version = revocation_version + 1")
            )
        if issuer.database.dialect == "postgresql":
            # what autovacuum does after a bulk insert (the test server runs without it): the
            # statistics and the visibility map the planner and index-only scans rely on
            autocommit = issuer.database.engine.execution_options(isolation_level="AUTOCOMMIT")
            with autocommit.connect() as connection:
                connection.execute(text("VACUUM ANALYZE status_entry"))
        cold_times = []
        for _ in range(rounds):  # each round bumps the version: built, signed and stored again
            with issuer.database.write() as session:
                session.execute(
                    text("UPDATE status_list SET revocation_version = revocation_version + 1")
                )
            started = time.perf_counter()
            published = issuer.status_list(StatusPurpose.REVOCATION, 0)
            cold_times.append(time.perf_counter() - started)
        warm_times = []
        for _ in range(20):
            started = time.perf_counter()
            issuer.status_list(StatusPurpose.REVOCATION, 0)
            warm_times.append(time.perf_counter() - started)
        return statistics.median(cold_times), statistics.median(warm_times), len(published.body)


def issuance(config: IssuerConfig, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    prepare(config, args.vehicles)
    print(f"setup: {args.vehicles} vehicles registered in {time.perf_counter() - started:.1f} s")
    rate = single_events(config, args.single, args.vehicles)
    print(f"single events (transfer_vehicle), 1 process: {rate:7.0f} marks/s")
    rate = threaded_events(config, args.single, args.vehicles, args.threads)
    print(f"single events, {args.threads} threads in 1 process (group commit): {rate:7.0f} marks/s")
    over_http(config, args)
    rate = one_process(config, args.marks, args.batch, args.vehicles)
    print(f"batches of {args.batch} (report_inspections), 1 process: {rate:7.0f} marks/s")
    rate = in_processes(config, args.processes, args.marks, args.batch, args.vehicles)
    print(f"batches of {args.batch}, {args.processes} processes at once: {rate:7.0f} marks/s")


def over_http(config: IssuerConfig, args: argparse.Namespace) -> None:
    """The HTTP figure for each of ``--server-workers``, alternated over ``--http-rounds``."""
    for _ in range(args.http_rounds):
        for workers in args.server_workers:
            rate, cpu, client = http_events(
                config, args.single, args.vehicles, args.threads, workers
            )
            print(
                f"single events over HTTP (vic serve issuer --workers {workers}, "
                f"{args.threads} connections): {rate:7.0f} marks/s, {cpu * 1000:.2f} ms of the "
                f"service's CPU per request ({client * 1000:.2f} ms of the client's), load "
                f"average {os.getloadavg()[0]:.1f}"
            )


def batches(config: IssuerConfig, args: argparse.Namespace) -> None:
    """Only the batch figures (1 process, then ``--processes``), for each ``--batch`` size."""
    prepare(config, args.vehicles)
    for size in args.batch_sizes:
        rate = one_process(config, args.marks, size, args.vehicles)
        print(f"batches of {size} (report_inspections), 1 process: {rate:7.0f} marks/s")
        rate = in_processes(config, args.processes, args.marks, size, args.vehicles)
        print(f"batches of {size}, {args.processes} processes at once: {rate:7.0f} marks/s")


def run(label: str, url: str | None, args: argparse.Namespace) -> None:
    directory = Path(tempfile.mkdtemp(prefix="vic-bench-"))
    schema = f"vic_bench_{uuid.uuid4().hex[:10]}" if url else None
    try:
        config = settings(directory, url, schema)
        print(f"\n== {label} ==")
        if args.batches_only:
            batches(config, args)
            return
        if args.http_only:
            prepare(config, args.vehicles)
            over_http(config, args)
            return
        if not args.publish_only:
            issuance(config, args)
        cold, warm, size = publishing(
            settings(directory / "lists", url, schema and schema + "l"),
            args.revoked,
            args.publish_rounds,
        )
        print(
            f"publish a 2^26 revocation list with {args.revoked} bits set: build+sign+store "
            f"{cold * 1000:.0f} ms (median of {args.publish_rounds}), cached "
            f"{warm * 1000:.2f} ms, {size} bytes signed"
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        if url and schema:
            engine = create_engine(url, poolclass=NullPool)
            with engine.begin() as connection:
                for name in (schema, schema + "l"):
                    connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--marks", type=int, default=4000, help="marks per batch figure")
    parser.add_argument("--single", type=int, default=500, help="single events to time")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--threads", type=int, default=16, help="concurrent single events")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--vehicles", type=int, default=300)
    parser.add_argument("--revoked", type=int, default=100_000)
    parser.add_argument("--publish-rounds", type=int, default=5, help="cold publications timed")
    parser.add_argument(
        "--publish-only", action="store_true", help="only the status list publishing figures"
    )
    parser.add_argument(
        "--batches-only",
        metavar="SIZES",
        help="only the batch figures, for these comma-separated batch sizes (e.g. 100,1000)",
    )
    parser.add_argument(
        "--http-only", action="store_true", help="only the single events over HTTP figure"
    )
    parser.add_argument(
        "--server-workers",
        default="1",
        metavar="COUNTS",
        help="the HTTP figure with these comma-separated worker counts (e.g. 1,2)",
    )
    parser.add_argument(
        "--http-rounds", type=int, default=1, help="rounds of the HTTP figures, alternated"
    )
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--postgres", default=os.environ.get("VIC_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    args.batch_sizes = [int(n) for n in (args.batches_only or "").split(",") if n]
    args.server_workers = [int(n) for n in args.server_workers.split(",") if n]
    print(f"vic issuance benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    if not args.publish_only and not args.batches_only and not args.http_only:
        print(f"signing alone (add_proof, ecdsa-rdfc-2019 P-256): {signing_alone(500):7.0f} /s")
    run("SQLite (embedded, WAL)", None, args)
    if args.postgres and not args.sqlite_only:
        run("PostgreSQL", args.postgres, args)
    else:
        print("\n(PostgreSQL skipped: pass --postgres URL or set VIC_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
