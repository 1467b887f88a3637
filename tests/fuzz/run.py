#!/usr/bin/env python
"""Run one fuzz target under atheris (coverage-guided, libFuzzer underneath).

    python tests/fuzz/run.py TARGET [libFuzzer options] [CORPUS_DIR ...]

e.g. a campaign that keeps what it finds in a scratch directory, seeded by the kept corpus::

    nice -n 19 python tests/fuzz/run.py verify -runs=1000000 -timeout=10 -rss_limit_mb=2048 \\
        /tmp/fuzz/verify tests/fuzz/corpus/verify

libFuzzer writes a crashing input to ``crash-<sha1>`` (``-artifact_prefix=`` moves it) and stops.
The targets are in tests/fuzz/targets.py; only vic's modules are instrumented.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports(include=["vic", "tests.fuzz"]):
    from tests.fuzz.targets import TARGETS, run_one


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(
            f"usage: run.py TARGET [libFuzzer options] [CORPUS ...]; targets: {', '.join(TARGETS)}"
        )
    target = TARGETS[sys.argv[1]]

    def one_input(data: bytes) -> None:
        run_one(target, data)

    atheris.Setup([sys.argv[0], *sys.argv[2:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
