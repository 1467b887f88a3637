"""The time of ``import vic.verifier`` in fresh interpreters: what an embedding app pays at start.

    .venv/bin/python bench/import_time.py            # 21 runs
    .venv/bin/python bench/import_time.py -n 51 --module vic.vc

Each run is a new ``python -c`` process that times only the import (``time.perf_counter`` around
it, so interpreter start-up is not counted) and also reports CPU time and how many modules the
import loaded. Prints the median, the spread and the target (150 ms). The machine's load moves
the wall-clock figure; CPU time moves less. Nothing touches the network.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

TARGET_MS = 150.0

_PROBE = (
    "import sys, time, json; before = set(sys.modules); "
    "t = time.perf_counter(); c = time.process_time(); import {module}; "
    "w = time.perf_counter() - t; p = time.process_time() - c; "
    "print(json.dumps([w, p, len(set(sys.modules) - before)]))"
)


def one_run(module: str) -> tuple[float, float, int]:
    """Wall-clock seconds, CPU seconds and new modules of one import in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    wall, cpu, modules = json.loads(out.stdout)
    return float(wall), float(cpu), int(modules)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=21, help="fresh interpreters (21)")
    parser.add_argument("--module", default="vic.verifier", help="what to import (vic.verifier)")
    args = parser.parse_args(argv)
    one_run(args.module)  # warm the file system cache and the .pyc files first
    runs = [one_run(args.module) for _ in range(args.runs)]
    walls = sorted(r[0] * 1000 for r in runs)
    cpus = sorted(r[1] * 1000 for r in runs)
    median = statistics.median(walls)
    print(f"import {args.module}: {args.runs} fresh interpreters")
    print(f"  wall clock  median {median:7.1f} ms   min {walls[0]:7.1f}   max {walls[-1]:7.1f}")
    print(f"  CPU time    median {statistics.median(cpus):7.1f} ms")
    print(f"  modules loaded: {runs[0][2]}")
    verdict = "within" if median <= TARGET_MS else "OVER"
    print(f"  target {TARGET_MS:.0f} ms: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
