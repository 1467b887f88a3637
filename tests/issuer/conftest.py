"""Fixtures of the issuer tests: every engine test runs on SQLite and on PostgreSQL.

PostgreSQL runs when VIC_TEST_POSTGRES_URL is set (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); each test gets a schema of its own, dropped
afterwards, so runs never collide. Without the variable the postgres parameter is skipped, and
says so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.issuer.helpers import (
    ADMIN,
    POSTGRES_ENV,
    STATION_CODE,
    Backend,
    Clock,
    backend,
    config,
)
from vic.issuer.domain import Actor
from vic.issuer.engine import Issuer


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """A fresh database of each kind."""
    if request.param == "postgres" and not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://...)")
    with backend(request.param) as where:
        yield where


@pytest.fixture
def clock() -> Clock:
    """The tests' clock, settable."""
    return Clock()


@pytest.fixture
def issuer(tmp_path: Path, database: Backend, clock: Clock) -> Iterator[Issuer]:
    """An issuer (did:web:demo.vic.example) with one station, on each database."""
    opened = Issuer.open(config(tmp_path / "data", database, clock))
    opened.add_station(ADMIN, STATION_CODE, "武汉市第一检测站")
    yield opened
    opened.close()


@pytest.fixture
def admin() -> Actor:
    """The authority's administrator."""
    return ADMIN
