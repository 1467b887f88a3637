"""Set-based writes as Core statements: many rows in one ``executemany``, without the ORM's
bulk bookkeeping (the hot path of issuing: pending marks, status entries, audit rows, the
stored and revoked marks).

The statements are built once per (table, columns) shape and kept (a handful of shapes, fixed
by the code, not by data); those without RETURNING run on the driver's cursor
(:class:`~vic.issuer.db.prepared.Prepared`). They write what the ORM bulk
statements wrote (the column types, e.g. UTC datetimes, apply the same way).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, Table, bindparam, insert, update
from sqlalchemy.orm import DeclarativeBase, Session

from vic.issuer.db.prepared import Prepared

__all__ = ["insert_rows", "insert_rows_returning_ids", "update_rows_by_id"]


PREPARED_ROWS = 64
"""The most rows :func:`insert_rows` and :func:`insert_rows_returning_ids` insert through a
prepared statement (one per table, columns and row count, one ``INSERT`` of many ``VALUES``);
more go through SQLAlchemy as before."""


def _table(model: type[DeclarativeBase]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


@functools.cache
def _insert(model: type[DeclarativeBase], key: tuple[str, ...] | None) -> Insert:
    table = _table(model)
    statement = insert(table)
    if key is not None:
        statement = statement.returning(table.c.id, *(table.c[name] for name in key))
    return statement


@functools.lru_cache(maxsize=8 * PREPARED_ROWS)  # shapes the code makes: a few tables x counts
def _insert_values(
    model: type[DeclarativeBase], columns: tuple[str, ...], key: tuple[str, ...] | None, count: int
) -> Prepared:
    """One ``INSERT`` of ``count`` rows of ``columns`` (parameters ``<column>_<row>``,
    :func:`_numbered`), returning each row's id and ``key`` columns when ``key`` is given."""
    table = _table(model)
    statement = insert(table).values(
        [{name: bindparam(f"{name}_{i}") for name in columns} for i in range(count)]
    )
    if key is not None:
        statement = statement.returning(table.c.id, *(table.c[name] for name in key))
    return Prepared(statement)


def _numbered(rows: Sequence[dict[str, Any]], columns: tuple[str, ...]) -> dict[str, Any]:
    """The parameters of :func:`_insert_values` for ``rows``."""
    return {f"{name}_{i}": row[name] for i, row in enumerate(rows) for name in columns}


@functools.cache
def _update(model: type[DeclarativeBase], columns: tuple[str, ...]) -> Prepared:
    table = _table(model)
    return Prepared(
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(f"new_{name}") for name in columns})
    )


def insert_rows(
    session: Session, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` (dicts of column values, all with the same keys) into ``model``'s table
    in one statement (up to :data:`PREPARED_ROWS` rows, prepared; more through SQLAlchemy's
    ``executemany`` as before); the ids in the order of the rows."""
    if not rows:
        return
    if len(rows) > PREPARED_ROWS:
        session.execute(_insert(model, None), list(rows))
        return
    columns = tuple(rows[0])
    _insert_values(model, columns, None, len(rows)).all(session, _numbered(rows, columns))


def insert_rows_returning_ids(
    session: Session,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    *,
    key: tuple[str, ...],
) -> list[int]:
    """Insert ``rows`` and return their ids, in the order of ``rows``.

    ``key`` names columns unique in the table (a unique constraint): the ids come back with
    them and are matched by them. (Asking the database for the ids in the order of the rows
    instead makes SQLAlchemy send SQLite one INSERT per row.)
    """
    if not rows:
        return []
    returned: Sequence[Sequence[Any]]
    if len(rows) <= PREPARED_ROWS:
        columns = tuple(rows[0])
        returned = _insert_values(model, columns, key, len(rows)).all(
            session, _numbered(rows, columns)
        )
    else:
        returned = session.execute(_insert(model, key), list(rows)).all()
    ids = {tuple(row[1:]): row[0] for row in returned}
    return [ids[tuple(row[name] for name in key)] for row in rows]


def update_rows_by_id(
    session: Session, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]]
) -> None:
    """Update rows of ``model``'s table by ``id``: each dict holds ``id`` and the new values
    (all dicts the same keys)."""
    if not rows:
        return
    columns = tuple(name for name in rows[0] if name != "id")
    _update(model, columns).many(
        session,
        [{"row_id": row["id"], **{f"new_{name}": row[name] for name in columns}} for row in rows],
    )
