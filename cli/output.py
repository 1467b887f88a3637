"""How commands print data: JSON for scripts (``--json``), a table for people on a terminal.

Without ``--json`` and with standard output not a terminal, tables are printed as plain
tab-separated lines under a header line, so that ``grep`` and ``cut`` keep working.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer

__all__ = ["JsonOption", "emit_json", "emit_table"]

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON (UTF-8 text kept as is)."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def emit_table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, empty: str = "(none)"
) -> None:
    """Print rows as a table: rich on a terminal, tab-separated with a header line otherwise."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    if not sys.stdout.isatty():
        typer.echo("\t".join(columns))
        for row in cells:
            typer.echo("\t".join(row))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in cells:
        table.add_row(*row)
    console = Console()
    if not cells:
        console.print(f"{title}: {empty}")
    else:
        console.print(table)
