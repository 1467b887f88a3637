"""What the ``vic issuer`` command modules share: the data directory and settings options, the
configuration in force, opening the issuer, printing marks (docs/operations.md)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vic.cli.output import emit_json

if TYPE_CHECKING:
    from vic.issuer.config import IssuerConfig
    from vic.issuer.domain import IssuedMark
    from vic.issuer.engine import Issuer

__all__ = [
    "BaseUrlOption",
    "DataOption",
    "DatabaseOption",
    "config_from",
    "data_dir",
    "emit_marks",
    "open_issuer",
]

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="Data directory (env VIC_DATA, default ./vic-data)."),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option("--base-url", help="Public https base URL (env VIC_BASE_URL; saved by init)."),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="SQLAlchemy database URL (env VIC_DATABASE_URL; default SQLite in the data dir).",
    ),
]


def data_dir(data: Path | None) -> Path:
    """The data directory: the option, else ``VIC_DATA``, else ``./vic-data``."""
    from vic.issuer.settings import DATA_ENV, DEFAULT_DATA_DIR

    return data or Path(os.environ.get(DATA_ENV) or DEFAULT_DATA_DIR)


def config_from(
    data: Path | None, base_url: str | None, database: str | None = None
) -> IssuerConfig:
    """The issuer configuration in force: options, then the environment, then ``issuer.toml``.

    :raises UsageError: ``NOT_INITIALISED`` (no base URL anywhere), ``INVALID_SETTINGS``.
    """
    from vic.issuer.config import IssuerConfig
    from vic.issuer.settings import config_kwargs, effective

    directory = data_dir(data)
    values = effective(directory, {"base_url": base_url, "database_url": database})
    return IssuerConfig(data_dir=directory, **config_kwargs(values))


def open_issuer(data: Path | None, base_url: str | None, database: str | None) -> Issuer:
    from vic.issuer.engine import Issuer

    return Issuer.open(config_from(data, base_url, database))


def emit_marks(marks: Sequence[IssuedMark], as_json: bool) -> None:
    """Print issued marks: a JSON list of {vin, number}, or one ``number vin`` line each."""
    if as_json:
        emit_json([{"vin": m.vin, "number": m.number} for m in marks])
    else:
        for mark in marks:
            typer.echo(f"{mark.number:010d} {mark.vin}")
