"""Replay the kept fuzz corpus: every input any campaign found interesting (and every input that
once crashed a decoder, kept as ``crash-*``) gets one of vic's errors or passes, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.targets import TARGETS, run_one

CORPUS = Path(__file__).parent / "corpus"
CASES = [
    (target, path)
    for target in TARGETS
    for path in sorted((CORPUS / target).iterdir())
    if path.is_file()
]


def test_every_target_has_seeds() -> None:
    for target in TARGETS:
        assert any(p.name.startswith("seed-") for p in (CORPUS / target).iterdir()), target


@pytest.mark.parametrize(("target", "path"), CASES, ids=[f"{t}/{p.name}" for t, p in CASES])
def test_corpus_input(target: str, path: Path) -> None:
    run_one(TARGETS[target], path.read_bytes())  # raises if anything but a VicError escapes
