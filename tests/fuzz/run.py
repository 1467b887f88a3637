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

import os
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports(include=["vic", "tests.fuzz"]):
    from tests.fuzz.targets import TARGETS, run_one


TARGET_VARIABLE = "VIC_FUZZ_TARGET"
"""Names the target for the processes libFuzzer starts itself (``-merge=1``, ``-fork=``): it
runs them with this script's options but without the target name."""


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] in TARGETS:
        name, options = args[0], args[1:]
    else:
        name, options = os.environ.get(TARGET_VARIABLE, ""), args
    if name not in TARGETS:
        sys.exit(
            f"usage: run.py TARGET [libFuzzer options] [CORPUS ...]; targets: {', '.join(TARGETS)}"
        )
    os.environ[TARGET_VARIABLE] = name
    # libFuzzer starts those processes by this script's path, whose "#!/usr/bin/env python" takes
    # the first python on PATH: put this interpreter (a venv's, with atheris) first
    interpreter_dir = os.path.dirname(sys.executable)
    os.environ["PATH"] = os.pathsep.join([interpreter_dir, os.environ.get("PATH", "")])
    target = TARGETS[name]

    def one_input(data: bytes) -> None:
        run_one(target, data)

    atheris.Setup([sys.argv[0], *options], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
