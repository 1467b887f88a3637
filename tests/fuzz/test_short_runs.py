"""A short coverage-guided run of every fuzz target (atheris), seeded by the kept corpus.

Each run is a few thousand executions with a fixed seed, in a subprocess (libFuzzer exits the
process); it fails when an input makes a target raise anything but vic's errors, time out or
crash. The long campaigns are in docs/fuzzing.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.targets import TARGETS

HERE = Path(__file__).parent
RUNS = {"verify": 300, "json_ld": 500, "cose_sign1": 500, "trust_list": 1000, "mark_canon": 500}
"""Executions per target (default 2,000): fewer for the slow ones (signatures, JSON-LD)."""


@pytest.mark.parametrize("target", list(TARGETS))
def test_short_fuzz_run(target: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(HERE / "run.py"),
            target,
            f"-runs={RUNS.get(target, 2000)}",
            "-seed=1",
            "-timeout=60",
            "-rss_limit_mb=3000",
            f"-artifact_prefix={tmp_path}/",
            str(tmp_path),
            str(HERE / "corpus" / target),
        ],
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    crashes = [p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-"))]
    assert result.returncode == 0, (crashes, result.stderr[-3000:])
    assert "Done" in result.stderr


def test_merge_runs_the_target(tmp_path: Path) -> None:
    """libFuzzer's -merge=1 starts run.py again without the target name (it is passed on in the
    environment): the merge keeps the corpus inputs it ran."""
    result = subprocess.run(
        [
            sys.executable,
            str(HERE / "run.py"),
            "codecs",
            "-merge=1",
            str(tmp_path),
            str(HERE / "corpus" / "codecs"),
        ],
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert any(tmp_path.iterdir())
