"""Engines for the issuer's two databases, migrations on open, and retried transactions.

- **SQLite** (the embedded default, a file in the data directory): WAL journal, foreign keys on,
  a busy timeout, ``synchronous=NORMAL``. Write transactions start with ``BEGIN IMMEDIATE`` so
  that writers queue on the database lock up front instead of failing when a read transaction
  upgrades; read transactions are deferred and run beside writers (WAL).
- **PostgreSQL** by URL (``postgresql+psycopg://...``), optionally in its own schema (created if
  missing, then first in ``search_path``). READ COMMITTED, with row locks where it matters.

:func:`open_database` applies the Alembic migrations up to head before returning (under a lock:
an advisory lock on PostgreSQL, the write lock on SQLite), so a new data directory or an empty
schema is ready to use. Nothing ever calls ``create_all``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from vic.contexts.errors import ServiceBusyError, UsageError

__all__ = [
    "SQLITE_FILE_NAME",
    "Database",
    "current_revision",
    "head_revision",
    "open_database",
    "sqlite_url",
    "upgrade",
]

T = TypeVar("T")

SQLITE_FILE_NAME: Final = "issuer.sqlite3"
"""The embedded database's file name inside the data directory."""

SQLITE_BUSY_TIMEOUT_MS: Final = 60_000
"""How long a SQLite writer waits for the lock before giving up."""
POOL_TIMEOUT_S: Final = SQLITE_BUSY_TIMEOUT_MS / 1000
"""How long a request waits for a pooled connection: as long as for the lock, so that a busy
database gives every waiter the same answer (SERVICE_BUSY), whichever it waited for."""

_MIGRATION_LOCK_KEY: Final = 0x76_69_63_31  # "vic1": the advisory lock around migrations
_SCHEMA_NAME: Final = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_RETRYABLE_PG_CODES: Final = frozenset({"40001", "40P01"})  # serialization failure, deadlock
_MAX_ATTEMPTS: Final = 8


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of a SQLite database file."""
    return f"sqlite:///{Path(path).absolute()}"


@dataclass(frozen=True)
class Database:
    """An open database: its engine and session factories, with retried transactions."""

    engine: Engine
    dialect: str
    """``sqlite`` or ``postgresql``."""
    schema: str | None
    _sessions: sessionmaker[Session]
    _read_sessions: sessionmaker[Session]

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success.

        Prefer :meth:`run` which also retries lock timeouts and deadlocks.
        """
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read transaction (a consistent snapshot on both databases)."""
        with self._read_sessions() as session, session.begin():
            if self.dialect == "postgresql":
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session

    def run(self, work: Callable[[Session], T], *, readonly: bool = False) -> T:
        """Run ``work`` in a transaction and commit; retry it on a deadlock, a lock timeout, or
        a unique constraint another transaction won (the retry then sees its row).

        ``work`` must be safe to run again from the start (it sees a fresh transaction).
        Errors raised by ``work`` itself roll the transaction back and propagate.

        :raises ServiceBusyError: ``SERVICE_BUSY``: the lock or a pooled connection stayed taken
            for the whole wait (:data:`SQLITE_BUSY_TIMEOUT_MS`, :data:`POOL_TIMEOUT_S`), or lock
            conflicts outlasted the retries; nothing was done, the request may be retried.
        """
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            started = time.monotonic()
            try:
                if readonly:
                    with self.read() as session:
                        return work(session)
                with self.write() as session:
                    return work(session)
            except PoolTimeoutError:
                raise _busy("every database connection stayed in use") from None
            except DBAPIError as exc:
                if not self._retryable(exc):
                    raise
                waited = time.monotonic() - started
                if not isinstance(exc, IntegrityError) and (
                    attempt == _MAX_ATTEMPTS or waited * 1000 >= SQLITE_BUSY_TIMEOUT_MS * 0.9
                ):
                    raise _busy("the database stayed locked by another writer") from None
                if attempt == _MAX_ATTEMPTS:
                    raise
                time.sleep(0.01 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retryable(self, exc: DBAPIError) -> bool:
        if isinstance(exc, IntegrityError):
            return True
        if self.dialect == "sqlite":
            message = str(exc.orig).lower()
            return isinstance(exc, OperationalError) and ("locked" in message or "busy" in message)
        code = getattr(exc.orig, "sqlstate", None)
        return code in _RETRYABLE_PG_CODES

    def lock(self, session: Session) -> None:
        """Serialize with every other caller of ``lock`` until the transaction ends (an advisory
        lock on PostgreSQL; SQLite write transactions are serialized already)."""
        if self.dialect == "postgresql":
            session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY + 1}
            )

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def private_sqlite_files(path: Path) -> None:
    """Make the database file (created empty if missing) and its WAL and shared-memory files
    mode 0600, whatever existed: they hold owner-VIN links, the audit log and the status index
    keys. SQLite creates the WAL and shm files with the database file's mode."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if each.exists():
            os.chmod(each, 0o600)


def _busy(why: str) -> ServiceBusyError:
    return ServiceBusyError(f"the issuer is busy ({why}): retry shortly", code="SERVICE_BUSY")


def _sqlite_engine(url: str) -> Engine:
    # Pooled connections: closing the last connection of a WAL database checkpoints it and
    # removes the WAL file, which costs a millisecond or more per transaction. A process that
    # forks must dispose() the engine in the child (spawned processes open their own).
    engine = create_engine(
        url,
        pool_size=4,
        max_overflow=4,
        pool_timeout=POOL_TIMEOUT_S,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "isolation_level": None},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        readonly = connection.get_execution_options().get("vic_readonly", False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def _postgres_engine(url: str, schema: str | None) -> Engine:
    engine = create_engine(
        url, pool_pre_ping=True, pool_size=4, max_overflow=4, pool_timeout=POOL_TIMEOUT_S
    )
    if schema is not None:

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f'SET search_path TO "{schema}"')
            cursor.close()
            dbapi_connection.commit()

    return engine


def open_database(
    url: str, *, schema: str | None = None, migrate: bool = True, empty: bool = False
) -> Database:
    """Open the database at ``url`` and bring its schema up to date.

    :param url: ``sqlite:///path`` or ``postgresql+psycopg://user@host/db``.
    :param schema: PostgreSQL only: the schema to use (created if missing), e.g. one per
        authority or per test run. Lower-case letters, digits and ``_``.
    :param migrate: apply the migrations up to head (the default). Without it, a database that
        is not at head is refused.
    :param empty: open the database as it is, applying nothing and checking nothing (a restore
        fills an empty one up to the revision of its backup).
    :raises UsageError: an unsupported URL, a bad schema name, a schema on SQLite, or (with
        ``migrate=False``) a database that is not at the current migration.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
        raise UsageError(f"not a valid schema name: {schema!r}")
    if backend == "sqlite":
        if schema is not None:
            raise UsageError("a schema applies to PostgreSQL only")
        if parsed.database in (None, "", ":memory:"):
            raise UsageError("the issuer's SQLite database must be a file")
        private_sqlite_files(Path(parsed.database))
        engine = _sqlite_engine(url)
    elif backend == "postgresql":
        if schema is not None:
            bootstrap = create_engine(url, poolclass=NullPool)
            try:
                with bootstrap.begin() as connection:
                    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            finally:
                bootstrap.dispose()
        engine = _postgres_engine(url, schema)
    else:
        raise UsageError(f"unsupported database {backend!r}: use sqlite or postgresql")
    database = Database(
        engine=engine,
        dialect=backend,
        schema=schema,
        _sessions=sessionmaker(engine, expire_on_commit=False),
        _read_sessions=sessionmaker(
            engine.execution_options(vic_readonly=True), expire_on_commit=False
        ),
    )
    try:
        if empty:
            pass
        elif migrate:
            upgrade(database)
        elif current_revision(database) != head_revision():
            raise UsageError("the database is not at the current migration: open it with migrate")
    except BaseException:
        engine.dispose()
        raise
    return database


def _alembic_config() -> Config:
    config = Config()
    location = resources.files("vic.issuer").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    return config


def head_revision() -> str:
    """The newest migration shipped with this code."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package ships its migrations
        raise UsageError("no migrations found")
    return head


def current_revision(database: Database) -> str | None:
    """The migration the database is at (None for an empty database)."""
    with database.engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        connection.rollback()
        return revision


def upgrade(database: Database, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` in one transaction, under a lock."""
    config = _alembic_config()
    with database.engine.begin() as connection:  # BEGIN IMMEDIATE on SQLite: the write lock
        if database.dialect == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
