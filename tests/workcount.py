"""A deterministic measure of work for "fails fast" tests: Python function calls, not seconds.

The clock depends on the machine and its load, so a wall-clock bound is either loose or flaky
(speed is measured in bench/, never asserted). The number of Python function calls a piece of
code makes on one input is the same on every run, so a test can bound it exactly.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

POISON_CALL_BUDGET = 1_000_000
"""Python calls a poison graph may cost before it is refused. Refusing a 24-clique (the most
costly in tests/proofs/test_proof_errors.py) makes ~480,000; a 12-clique with the permutation and
N-degree caps ten times higher makes ~3,500,000 (a count, not a time: load cannot change it)."""


class CallCount:
    """The Python function calls counted so far (``calls``)."""

    def __init__(self) -> None:
        self.calls = 0


@contextmanager
def counted_calls() -> Iterator[CallCount]:
    """Count the Python function calls made in this thread while the block runs (exceptions
    pass through; the count is complete when the block is left)."""
    count = CallCount()
    previous = sys.getprofile()

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            count.calls += 1

    sys.setprofile(profile)
    try:
        yield count
    finally:
        sys.setprofile(previous)
