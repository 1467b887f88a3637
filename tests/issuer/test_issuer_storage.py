"""Storage: the migrations build the schema from an empty database on SQLite and PostgreSQL,
exactly as the models describe it; SQLite runs in WAL mode with foreign keys on."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests.issuer.helpers import Backend
from vic.contexts.errors import UsageError
from vic.issuer.db.engine import current_revision, head_revision, open_database, sqlite_url
from vic.issuer.db.models import Base

TABLES = {
    "alembic_version",
    "api_token",
    "audit",
    "credential",
    "exemption_application",
    "filing",
    "inspection",
    "mark",
    "oid4vci_nonce",
    "oid4vci_offer",
    "owner",
    "owner_link",
    "paper_order",
    "registry_version",
    "signing_key",
    "station",
    "status_entry",
    "status_list",
    "status_publication",
    "vehicle",
}


def url_of(database: Backend, tmp_path: Path) -> str:
    return database.url or sqlite_url(tmp_path / "issuer.sqlite3")


def test_migrations_build_the_schema_from_empty(tmp_path: Path, database: Backend) -> None:
    with pytest.raises(UsageError):  # empty, and not allowed to migrate
        open_database(url_of(database, tmp_path), schema=database.schema, migrate=False)
    db = open_database(url_of(database, tmp_path), schema=database.schema)
    try:
        assert current_revision(db) == head_revision() == "0004"
        with db.engine.connect() as connection:
            names = set(inspect(connection).get_table_names(schema=database.schema))
            assert names == TABLES
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "target_metadata": Base.metadata}
            )
            assert compare_metadata(context, Base.metadata) == []
        again = open_database(url_of(database, tmp_path), schema=database.schema)  # idempotent
        assert current_revision(again) == "0004"
        again.dispose()
        at_head = open_database(url_of(database, tmp_path), schema=database.schema, migrate=False)
        at_head.dispose()
    finally:
        db.dispose()


def test_constraints_hold_in_the_database(tmp_path: Path, database: Backend) -> None:
    db = open_database(url_of(database, tmp_path), schema=database.schema)
    try:
        insert = text(
            "INSERT INTO status_entry (space, list_index, position, revoked, suspended, created_at)"
            " VALUES ('mark', 0, 7, false, false, '2026-01-01 00:00:00')"
        )
        with db.write() as session:
            session.execute(insert)
        with pytest.raises(IntegrityError), db.write() as session:
            session.execute(insert)  # the same index twice
        with pytest.raises(IntegrityError), db.write() as session:
            session.execute(
                text(
                    "INSERT INTO vehicle (vin, plate, plate_type_code, vehicle_type_code,"
                    " use_category, seats, first_registration, is_van, casualty_accident,"
                    " owner_id, created_at, updated_at) VALUES ('X', 'P', '02', 'K33', 'other',"
                    " 5, '2026-01-01', false, false, 999, '2026-01-01 00:00:00',"
                    " '2026-01-01 00:00:00')"
                )
            )  # no owner 999: foreign keys are enforced
    finally:
        db.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    db = open_database(sqlite_url(tmp_path / "issuer.sqlite3"))
    try:
        with db.read() as session:
            assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert session.execute(text("PRAGMA busy_timeout")).scalar() == 60000
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("url", "schema"),
    [
        ("sqlite://", None),
        ("mysql://x@y/z", None),
        ("sqlite:////tmp/x.sqlite3", "vic"),
        ("postgresql+psycopg://x@127.0.0.1:1/z", "Bad-Name"),
    ],
)
def test_unsupported_databases_are_refused(url: str, schema: str | None) -> None:
    with pytest.raises(UsageError):
        open_database(url, schema=schema)
