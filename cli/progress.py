"""Progress of a long command: a rich bar on a terminal, a line every few seconds in logs."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any, Final

import typer

__all__ = ["ImportProgress"]

LOG_EVERY_SECONDS: Final = 10.0


class ImportProgress:
    """Reports an import's progress on stderr; a context manager.

    On a terminal it draws a bar; otherwise (logs, CI) it prints ``imported N/T rows (issued I,
    already done A, rejected R) at X rows/s`` every :data:`LOG_EVERY_SECONDS` seconds.
    """

    def __init__(self, total: int, *, terminal: bool) -> None:
        self.total = total
        self.terminal = terminal
        self._started = time.monotonic()
        self._last_line = self._started
        self._bar: Any = None
        self._task: Any = None
        self.elapsed = 0.0

    def __enter__(self) -> ImportProgress:
        self._started = self._last_line = time.monotonic()
        if self.terminal:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            self._bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                transient=True,
                console=Console(stderr=True),
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("importing", total=self.total)
        return self

    def update(self, report: Any) -> None:
        """Record that ``report.rows`` rows are done."""
        now = time.monotonic()
        self.elapsed = now - self._started
        if self._bar is not None:
            self._bar.update(self._task, completed=report.rows)
        elif now - self._last_line >= LOG_EVERY_SECONDS:
            self._last_line = now
            rate = report.rows / self.elapsed if self.elapsed > 0 else 0.0
            typer.echo(
                f"imported {report.rows}/{self.total} rows (issued {report.issued}, already done "
                f"{report.already_done}, rejected {len(report.rejected)}) at {rate:.0f} rows/s",
                err=True,
            )

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.elapsed = time.monotonic() - self._started
        if self._bar is not None:
            self._bar.__exit__(kind, error, trace)
