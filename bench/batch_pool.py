"""What a process-parallel batch costs: start-up, IPC per credential, and the gain over one process.

    .venv/bin/python bench/batch_pool.py             # -n 400 -r 5, about a minute on 2 cores
    .venv/bin/python bench/batch_pool.py --quick     # -n 200 -r 3

On bench/verify_path.py's QR texts (64 distinct marks, status from in-memory lists), interleaved
rounds, medians:

- the batch in this process (``verify_credentials``), on one thread and on two;
- a :class:`BatchVerifier` of 1 worker and of ``--workers`` workers (this process verifies a
  share of each batch too);
- the CPU time per credential of this process and of the workers during the pool's rounds (from
  /proc), beside this process's CPU per credential in the in-process batch: what the pool adds;
  and the rate that CPU allows on idle cores, the figure to compare on a busy machine, where the
  workers share one session's CPU: for a pool, the cores it can use (at most one per process)
  ÷ its CPU per credential (the chunks go to whichever process is free, so all stay busy); for
  two threads, also at most one credential per GIL-held time (its CPU less the P-256 check,
  which runs without the GIL, timed alone here);
- packing, pickling and unpickling one result (what crosses the boundary per credential) and the
  bytes per credential each way;
- the start-up of a pool (spawn and forkserver) and its first, cold, batch.

``--realtime`` (as root) runs the timed rounds at ``SCHED_FIFO`` priority, this process and the
workers alike, so that on a machine loaded by other sessions the rates are those of idle cores
for the few seconds of the rounds (Linux keeps 5 % of each second for everyone else). Nothing
touches the network.
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from verify_path import Setup, clock


def cpu_of(pids: list[int]) -> float:
    """CPU seconds the processes' live threads have run so far (/proc/PID/task/*/schedstat)."""
    total = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def _schedule(pids: list[int], policy: int, priority: int) -> None:
    """Every thread of the processes to ``policy`` (threads started later inherit it)."""
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").iterdir():
            os.sched_setscheduler(int(task.name), policy, os.sched_param(priority))


def _ecdsa_us(setup: Any) -> float:
    """CPU µs of the mark's P-256 signature check alone (its ``verify`` releases the GIL)."""
    from vic.did.multibase import multibase_decode

    key = setup.trust.resolver().resolve_method(setup.method, "assertionMethod").public_key
    signature, data = multibase_decode(setup.mark["proof"]["proofValue"]), bytes(64)
    key.verify(signature, data)
    begin = time.process_time()
    for _ in range(500):
        key.verify(signature, data)
    return (time.process_time() - begin) / 500 * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--number", type=int, default=400, help="credentials per round")
    parser.add_argument("-r", "--repeats", type=int, default=5, help="timed rounds (median)")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--quick", action="store_true", help="-n 200 -r 3")
    parser.add_argument(
        "--realtime",
        action="store_true",
        help="the timed rounds at SCHED_FIFO priority 10, this process and the workers (root; "
        "the rates of a quiet machine on a loaded one, for the few seconds of the rounds)",
    )
    args = parser.parse_args()
    if args.quick:
        args.number, args.repeats = 200, 3
    from vic.verifier import BatchVerifier, Status, verify_credentials
    from vic.verifier.pool import _dumps, _pack, _unpack

    setup = Setup()
    texts = [setup.batch_qr[i % len(setup.batch_qr)] for i in range(args.number)]
    ecdsa_us = _ecdsa_us(setup)
    common: dict[str, Any] = {"clock": clock, "status_source": setup.status}
    config: dict[str, Any] = {
        "trust": setup.trust,
        "resolver": setup.resolver,
        "registry": setup.registry,
    }

    starts = {}
    for method in ("spawn", "forkserver"):
        begin = time.perf_counter()
        with BatchVerifier(workers=args.workers, start_method=method, **config) as pool:
            starts[method] = time.perf_counter() - begin
            begin = time.perf_counter()
            pool.verify(texts[:64], **common)
            starts[f"{method}, first batch of 64"] = time.perf_counter() - begin

    here = verify_credentials(texts, trust=setup.trust, threads=1, **common)
    if any(r.status is not Status.VALID for r in here):
        raise SystemExit("a mark does not verify")
    packed = [_pack(r) for r in here[:64]]
    out_bytes = len(_dumps(texts[:64])) / 64
    back = _dumps(("done", 0, packed))
    back_bytes = len(back) / 64

    def per_result(fn: Callable[[], object], count: int) -> float:
        begin = time.perf_counter()
        for _ in range(count):
            fn()
        return (time.perf_counter() - begin) / count / 64 * 1e6

    pack_us = per_result(lambda: _dumps(("done", 0, [_pack(r) for r in here[:64]])), 50)
    unpack_us = per_result(lambda: [_unpack(p) for p in pickle.loads(back)[2]], 50)
    plain_us = per_result(lambda: pickle.loads(pickle.dumps(here[:64], 5)), 50)

    one = BatchVerifier(workers=1, **config)
    many = BatchVerifier(workers=args.workers, **config)
    one.start()
    many.start()
    for pool in (one, many):
        pool.verify(texts, **common)  # warm every worker
        pool.verify(texts, **common)

    figures: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def timed(name: str, run: Callable[[], list[Any]], pids: list[int]) -> None:
        # this process by process_time (a thread that has ended leaves /proc/PID/task)
        cpu_before, parent_before = cpu_of(pids), time.process_time()
        begin = time.perf_counter()
        results = run()
        elapsed = time.perf_counter() - begin
        if any(r.status is not Status.VALID for r in results):
            raise SystemExit(f"{name}: a mark does not verify")
        figures.setdefault(name, []).append(args.number / elapsed)
        parent = (time.process_time() - parent_before) / args.number * 1e6
        per = parent + (cpu_of(pids) - cpu_before) / args.number * 1e6
        cpu.setdefault(f"{name}: all processes", []).append(per)
        cpu.setdefault(f"{name}: this process", []).append(parent)

    cases: list[tuple[str, Callable[[], list[Any]], list[int]]] = [
        (
            "in this process",
            lambda: verify_credentials(texts, trust=setup.trust, threads=1, **common),
            [],
        ),
        (
            "in this process, 2 threads",
            lambda: verify_credentials(texts, trust=setup.trust, threads=2, **common),
            [],
        ),
        ("pool, 1 worker", lambda: one.verify(texts, **common), one.worker_pids()),
        (
            f"pool, {args.workers} workers",
            lambda: many.verify(texts, **common),
            many.worker_pids(),
        ),
    ]
    pooled = [("pool, 1 worker", 1), (f"pool, {args.workers} workers", args.workers)]
    watched = [os.getpid(), *one.worker_pids(), *many.worker_pids()]
    if args.realtime:
        _schedule(watched, os.SCHED_FIFO, 10)
    try:
        for round_number in range(args.repeats):
            shift = round_number % len(cases)
            for name, run, pids in cases[shift:] + cases[:shift]:
                timed(name, run, pids)
    finally:
        if args.realtime:
            _schedule(watched, os.SCHED_OTHER, 0)
    one.close()
    many.close()

    print(
        f"batch over processes — {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
        f"median of {args.repeats} interleaved rounds × {args.number} QR texts"
        + (" at SCHED_FIFO" if args.realtime else "")
    )
    print()
    width = max(len(n) for n in figures) + 2
    for name, values in figures.items():
        print(f"  {name:<{width}}{statistics.median(values):8.0f} /s")
    base = statistics.median(figures["in this process"])
    for name, values in list(figures.items())[1:]:
        print(f"  {name} ÷ in this process{'':<4}{statistics.median(values) / base:8.2f}")
    print()
    print("  CPU per credential (µs, /proc schedstat)")
    width = max(len(n) for n in cpu) + 2
    for name, values in cpu.items():
        print(f"    {name:<{width}}{statistics.median(values):8.0f}")
    print()
    cores = len(os.sched_getaffinity(0))
    print(f"  the rate that CPU allows on {cores} idle cores (from the CPU per credential)")
    capacity = {"in this process": 1e6 / statistics.median(cpu["in this process: all processes"])}
    threaded = statistics.median(cpu["in this process, 2 threads: all processes"])
    # the GIL is held all but the signature check: one credential per (CPU - check) at most
    capacity["in this process, 2 threads"] = min(1e6 / (threaded - ecdsa_us), 2e6 / threaded)
    for name, workers in pooled:
        every = statistics.median(cpu[f"{name}: all processes"])
        # each process (the workers and this one) at most one core, all at most the cores
        capacity[name] = min(workers + 1, cores) * 1e6 / every
    for name, value in capacity.items():
        print(f"    {name:<{width}}{value:8.0f} /s")
    for name, value in list(capacity.items())[1:]:
        print(f"    {name} ÷ in this process{'':<4}{value / capacity['in this process']:8.2f}")
    print()
    print("  what crosses per credential (a chunk of 64)")
    print(f"    out: {out_bytes:.0f} bytes (the QR text); back: {back_bytes:.0f} bytes")
    print(f"    worker: pack + pickle a result        {pack_us:6.1f} µs")
    print(f"    parent: unpickle + rebuild a result   {unpack_us:6.1f} µs")
    print(f"    (plain pickle of the result objects, both ways: {plain_us:.1f} µs)")
    print(f"  the P-256 check alone (no GIL held): {ecdsa_us:.1f} µs")
    print()
    print("  start-up")
    for name, seconds in starts.items():
        print(f"    {name:<34}{seconds:6.2f} s")


if __name__ == "__main__":
    main()
