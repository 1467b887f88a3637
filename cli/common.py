"""What the command modules share: failing with a code, reading inputs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import typer

from vic.contexts.errors import UsageError, VicError

__all__ = ["fail", "read_input"]


def fail(error: VicError, exit_code: int = 2) -> NoReturn:
    """Print ``vic: error [CODE]: message`` on stderr and exit (2 by default)."""
    typer.echo(f"vic: error [{error.code}]: {error.message}", err=True)
    raise typer.Exit(exit_code)


def read_input(path: str) -> bytes:
    """The bytes of a file, or of stdin for ``-``."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        fail(UsageError(f"cannot read {path}: {exc.strerror}", code="INPUT_NOT_READABLE"))
