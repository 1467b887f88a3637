"""Would the signature check beside the checks after the proof lower a single call's latency here?

    .venv/bin/python bench/sig_overlap.py            # 4,000 calls of each kind, about 10 s
    .venv/bin/python bench/sig_overlap.py -n 10000

A probe, not a feature: vic does not do this (docs/performance.md, "The signature check beside
the checks after the proof", measured and not adopted on the 2-vCPU machine). cryptography's
ECDSA ``verify`` releases the GIL, and the checks after the proof (``verify._conclude``: trust,
validity, status from both lists, summary) do not need its answer until the end. The probe
patches ``PublicKey.verify`` to leave the signature for later and ``verify._conclude`` to hand
itself to a waiting helper thread while the caller checks the signature (the caller keeps the
signature: a helper woken to *call verify* would first wait for the GIL). It then times single
calls of the bench's lean mark (bench/verify_path.py's set-up, JSON and QR text) alternately
with and without the hand-off and prints per-call percentiles of wall and CPU time (CPU:
``time.process_time_ns``, both threads); the low percentiles are the calls nothing preempted,
the quiet machine's figure. First, how long after the hand-off the helper starts (an idle
CPU's wake-up) and what an empty hand-off costs. Each kind's result is checked to be the same
with and without. On a machine shared with other jobs the helper rarely finds a free CPU: run it
when quiet (or, as root, for a few seconds under ``chrt -f 10``).
"""

from __future__ import annotations

import _thread
import argparse
import hashlib
import sys
import threading
import time
from pathlib import Path
from queue import SimpleQueue
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from verify_path import Setup, clock

_local = threading.local()
_jobs: SimpleQueue[tuple[Any, tuple[Any, ...], list[Any], Any]] = SimpleQueue()


def _serve() -> None:
    while True:
        function, args, box, done = _jobs.get()
        try:
            box.append((True, function(*args)))
        except BaseException as exc:
            box.append((False, exc))
        done.release()


def _beside(function: Any, args: tuple[Any, ...], main: Any) -> tuple[Any, Any]:
    """``function(*args)`` on the helper while this thread runs ``main()``; both answers."""
    done = _thread.allocate_lock()
    done.acquire()
    box: list[Any] = []
    _jobs.put((function, args, box, done))
    answer = main()
    done.acquire()
    ok, value = box[0]
    if not ok:
        raise value
    return answer, value


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--number", type=int, default=4000, help="calls of each kind")
    args = parser.parse_args()

    import vic.verifier.verify as verify_module
    from vic.did.keys import PublicKey
    from vic.verifier import Status, verify_credential

    threading.Thread(target=_serve, daemon=True).start()
    real_verify, real_conclude = PublicKey.verify, verify_module._conclude

    def leave_for_later(self: PublicKey, signature: bytes, data: bytes) -> bool:
        if getattr(_local, "beside", False) and getattr(_local, "pending", None) is None:
            _local.pending = (self, signature, data)
            return True  # checked in conclude_beside, beside the checks after the proof
        return real_verify(self, signature, data)

    def conclude_beside(*args: Any) -> Any:
        pending = getattr(_local, "pending", None)
        if pending is None:
            return real_conclude(*args)
        _local.pending = None
        verified, result = _beside(real_conclude, args, lambda: real_verify(*pending))
        if not verified:  # the probe's inputs all verify
            raise SystemExit("a signature the probe left for later did not verify")
        return result

    PublicKey.verify = leave_for_later  # type: ignore[method-assign]
    verify_module._conclude = conclude_beside

    # an empty hand-off: when the helper starts, and what it costs
    data = b"x" * 200_000  # SHA-256 of it releases the GIL for ~0.2 ms
    starts = []
    for _ in range(1000):
        start = time.perf_counter_ns()
        _, began = _beside(time.perf_counter_ns, (), lambda: hashlib.sha256(data).digest())
        starts.append((began - start) / 1e3)
    print(
        "the helper starts after the hand-off: "
        + ", ".join(f"p{int(p * 100)} {_percentile(starts, p):.1f} µs" for p in (0.1, 0.5, 0.9))
    )

    setup = Setup()
    common: dict[str, Any] = {
        "trust": setup.trust,
        "resolver": setup.resolver,
        "clock": clock,
        "status_source": setup.status,
        "registry": setup.registry,
    }
    wall_clock, cpu_clock = time.perf_counter_ns, time.process_time_ns
    for name, credential in (("QR text", setup.qr), ("JSON mark", setup.mark)):
        results = []
        for beside in (True, False):
            _local.beside = beside
            results.append(verify_credential(credential, **common))
        if results[0].status is not Status.VALID or results[0].to_dict() != results[1].to_dict():
            raise SystemExit(f"{name}: not the same result with the hand-off")
        walls: dict[bool, list[float]] = {True: [], False: []}
        cpus: dict[bool, list[float]] = {True: [], False: []}
        for index in range(args.number * 2 + 400):
            beside = index % 2 == 0
            _local.beside = beside
            cpu, wall = cpu_clock(), wall_clock()
            verify_credential(credential, **common)
            wall, cpu = wall_clock() - wall, cpu_clock() - cpu
            if index >= 400:  # warm
                walls[beside].append(wall / 1e3)
                cpus[beside].append(cpu / 1e3)
        print(f"{name}, per call (µs):")
        for beside in (False, True):
            label = "hand-off" if beside else "one thread"
            wall_text = "  ".join(
                f"p{int(p * 100)} {_percentile(walls[beside], p):6.1f}" for p in (0.05, 0.1, 0.5)
            )
            cpu_text = f"p50 {_percentile(cpus[beside], 0.5):6.1f}"
            print(f"  {label:<11} wall {wall_text}   CPU {cpu_text}")
        gains = "  ".join(
            f"p{int(p * 100)} {100 * (1 - _percentile(walls[True], p) / _percentile(walls[False], p)):+5.1f} %"  # noqa: E501
            for p in (0.05, 0.1, 0.5)
        )
        print(f"  latency saved by the hand-off: {gains}")


if __name__ == "__main__":
    main()
