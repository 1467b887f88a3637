"""The time of ``import vic.verifier`` in fresh interpreters: what an embedding app pays at start.

    .venv/bin/python bench/import_time.py            # 21 runs of each figure
    .venv/bin/python bench/import_time.py -n 51 --module vic.vc

Each run is a new ``python -c`` process that times only the import (``time.perf_counter`` around
it, so interpreter start-up is not counted) and also reports CPU time and how many modules the
import loaded. Two figures:

- **bytecode cached**, what an installed package pays: ``pip install`` byte-compiles a wheel, and
  an editable install writes ``__pycache__`` on its first import. The bench writes the cache first
  (one import with ``PYTHONDONTWRITEBYTECODE`` unset, since some environments set it).
- **from source**: no bytecode cache at all (an empty ``PYTHONPYCACHEPREFIX`` and ``-B``), what a
  checkout run with ``PYTHONDONTWRITEBYTECODE=1`` pays on every start.

Prints medians, the spread and the target (100 ms, for the cached figure). The machine's load
moves the wall-clock figure; CPU time moves less. Nothing touches the network.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

TARGET_MS = 100.0

_PROBE = (
    "import sys, time, json; before = set(sys.modules); "
    "t = time.perf_counter(); c = time.process_time(); import {module}; "
    "w = time.perf_counter() - t; p = time.process_time() - c; "
    "print(json.dumps([w, p, len(set(sys.modules) - before)]))"
)


def _environment(*, cached: bool, prefix: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env.pop("PYTHONPYCACHEPREFIX", None)
    if not cached:
        assert prefix is not None
        env["PYTHONPYCACHEPREFIX"] = prefix  # empty: nothing cached is found
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # and nothing is written there
    return env


def one_run(module: str, *, cached: bool = True) -> tuple[float, float, int]:
    """Wall-clock seconds, CPU seconds and new modules of one import in a fresh interpreter."""
    with tempfile.TemporaryDirectory(prefix="vic-pycache-") as prefix:
        out = subprocess.run(
            [sys.executable, "-c", _PROBE.format(module=module)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            env=_environment(cached=cached, prefix=prefix),
        )
    wall, cpu, modules = json.loads(out.stdout)
    return float(wall), float(cpu), int(modules)


def import_time(module: str, runs: int, *, cached: bool = True) -> tuple[float, float]:
    """Median (wall, CPU) seconds of ``import module`` over ``runs`` fresh interpreters; with
    ``cached``, the bytecode cache is written first."""
    if cached:
        one_run(module)  # writes __pycache__ (and warms the file system cache)
    results = [one_run(module, cached=cached) for _ in range(runs)]
    return (
        statistics.median(r[0] for r in results),
        statistics.median(r[1] for r in results),
    )


def _report(label: str, runs: list[tuple[float, float, int]]) -> float:
    walls = sorted(r[0] * 1000 for r in runs)
    cpus = sorted(r[1] * 1000 for r in runs)
    median = statistics.median(walls)
    print(f"  {label}")
    print(f"    wall clock  median {median:7.1f} ms   min {walls[0]:7.1f}   max {walls[-1]:7.1f}")
    print(f"    CPU time    median {statistics.median(cpus):7.1f} ms")
    print(f"    modules loaded: {runs[0][2]}")
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=21, help="fresh interpreters (21)")
    parser.add_argument("--module", default="vic.verifier", help="what to import (vic.verifier)")
    args = parser.parse_args(argv)
    one_run(args.module)  # write the bytecode cache, warm the file system cache
    cached = [one_run(args.module) for _ in range(args.runs)]
    source = [one_run(args.module, cached=False) for _ in range(args.runs)]
    print(f"import {args.module}: {args.runs} fresh interpreters each")
    median = _report("bytecode cached (an installed package)", cached)
    _report("from source (no bytecode cache)", source)
    verdict = "within" if median <= TARGET_MS else "OVER"
    print(f"  target {TARGET_MS:.0f} ms (bytecode cached, wall clock): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
