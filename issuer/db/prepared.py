"""Core statements compiled once and run on the transaction's own DBAPI cursor.

``session.execute(statement, params)`` costs 25-70 µs of Python per call even when SQLAlchemy's
compiled cache hits (the ORM session layer, the execution context, the result object), against
1-5 µs for the driver's own ``cursor.execute`` of the same SQL. The single events' statements run
several times per event (docs/performance.md, "Single events ... seventh round"), so
:class:`Prepared` runs them directly: the statement is compiled by SQLAlchemy once per dialect
(the same SQL text ``session.execute`` would send), its parameters go through the same bind
processors (e.g. :class:`~vic.issuer.db.models.UTCDateTime`, SQLite's dates and booleans) and its
rows through the same result processors, so the database sees and gives exactly what it did.

The statement runs in the session's transaction (``session.connection()``: ``BEGIN IMMEDIATE``
on SQLite, savepoints included), after the session's autoflush as ``session.execute`` would do
it; a driver error is raised as SQLAlchemy's (``DBAPIError.instance``: ``IntegrityError``,
``OperationalError``...), so :meth:`~vic.issuer.db.engine.Database.run` retries what it
retried. Not for statements with expanding ``IN`` parameters. SQLAlchemy's ``*_cursor_execute``
events do not see these statements.
"""

from __future__ import annotations

import collections
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Dialect, bindparam
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

__all__ = ["Prepared", "PreparedIn"]


class _Form:
    """A statement compiled for one dialect: SQL text, parameter order, processors."""

    __slots__ = (
        "bind_processors",
        "dbapi_error",
        "defaults",
        "named",
        "names",
        "positional",
        "result_processors",
        "results",
        "sql",
    )

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if compiled.literal_execute_params or getattr(compiled, "post_compile_params", None):
            raise ValueError("a prepared statement has no expanding parameters")
        self.sql: str = compiled.string
        self.positional: bool = compiled.positional
        self.names: list[str] = list(
            compiled.positiontup or () if compiled.positional else compiled.binds
        )
        self.bind_processors: list[tuple[int, Callable[[Any], Any]]] = []
        """(position, processor) of the parameters with a processor (as SQLAlchemy applies
        them: to every value, None included)."""
        self.defaults: dict[str, Any] = {}
        for index, name in enumerate(self.names):
            bind = compiled.binds[name]
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self.bind_processors.append((index, processor))
            if not bind.required:
                self.defaults[name] = bind.effective_value
        columns = list(getattr(statement, "exported_columns", ()))
        self.named: Callable[..., Any] = collections.namedtuple(  # type: ignore[misc]
            "Row", [column.key for column in columns], rename=True
        )
        self.results: bool = bool(columns)
        self.result_processors: list[tuple[int, Callable[[Any], Any]]] = []
        for index, column in enumerate(columns):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if processor is not None:
                self.result_processors.append((index, processor))
        dbapi = dialect.loaded_dbapi
        self.dbapi_error: type[Exception] = dbapi.Error

    def parameters(self, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        if self.defaults:
            params = {**self.defaults, **params}
        values = [params[name] for name in self.names]
        for index, processor in self.bind_processors:
            values[index] = processor(values[index])
        if self.positional:
            return values
        return dict(zip(self.names, values, strict=True))

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        processors = self.result_processors
        if not processors:
            return [tuple(row) for row in raw]
        rows = []
        for row in raw:
            values = list(row)
            for index, processor in processors:
                values[index] = processor(values[index])
            rows.append(tuple(values))
        return rows


class Prepared:
    """A Core statement run on the DBAPI cursor of the session's transaction (module doc).

    The compiled forms are kept per dialect object (weakly: a closed engine's go with it).
    """

    __slots__ = ("_forms", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._forms: weakref.WeakKeyDictionary[Dialect, _Form] = weakref.WeakKeyDictionary()

    def _form(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect)
        if form is None:
            form = self._forms[dialect] = _Form(self.statement, dialect)
        return form

    def all(self, session: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run the statement once; its rows (processed as SQLAlchemy's result would)."""
        return self._run(session, params)[1]

    def named(self, session: Session, params: Mapping[str, Any]) -> list[Any]:
        """:meth:`all`, each row a named tuple of the selected columns' keys (as a row of
        SQLAlchemy's result reads them: ``row.id``)."""
        form, rows = self._run(session, params)
        return [form.named(*row) for row in rows]

    def _run(
        self, session: Session, params: Mapping[str, Any]
    ) -> tuple[_Form, list[tuple[Any, ...]]]:
        form, cursor, dialect = self._cursor(session)
        sent = form.parameters(params)
        try:
            cursor.execute(form.sql, sent)
            return form, form.rows(cursor.fetchall()) if form.results else []
        except form.dbapi_error as error:
            raise _wrapped(form, sent, error, dialect) from error
        finally:
            cursor.close()

    def many(self, session: Session, params: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement (one without results) once per parameter set (``executemany``)."""
        if not params:
            return
        form, cursor, dialect = self._cursor(session)
        sent = [form.parameters(each) for each in params]
        try:
            cursor.executemany(form.sql, sent)
        except form.dbapi_error as error:
            raise _wrapped(form, sent, error, dialect) from error
        finally:
            cursor.close()

    def _cursor(self, session: Session) -> tuple[_Form, Any, Dialect]:
        if session.autoflush and (session.new or session.dirty or session.deleted):
            session.flush()  # what session.execute's autoflush would write first
        transaction = session.get_transaction()
        held: tuple[Any, Any, Dialect] | None = session.info.get(_HELD)
        if held is None or transaction is None or held[0] is not transaction:
            connection = session.connection()  # begins the transaction if it has not begun
            dbapi_connection = connection.connection.dbapi_connection
            assert dbapi_connection is not None
            held = (session.get_transaction(), dbapi_connection, connection.dialect)
            session.info[_HELD] = held
        _, dbapi_connection, dialect = held
        return self._form(dialect), dbapi_connection.cursor(), dialect


_HELD = "vic.prepared.connection"
"""Where a session keeps its transaction's DBAPI connection (``Session.info``): the same for
the whole transaction, savepoints included; asked again when the session's transaction is
another."""


def _wrapped(form: _Form, sent: Any, error: Exception, dialect: Dialect) -> Exception:
    """The driver's error as SQLAlchemy raises it from ``session.execute``."""
    wrapped: Exception = DBAPIError.instance(
        form.sql, sent, error, form.dbapi_error, dialect=dialect
    )
    return wrapped


class PreparedIn:
    """A statement with one list of values (``IN``), prepared for each length up to
    ``longest`` (one bound parameter per value); a longer list runs through
    ``session.execute`` with an expanding parameter, as before.

    :param build: the statement, given what its ``in_`` takes (a list of bound parameters,
        or one expanding parameter).
    :param name: the name of the list's parameter.
    """

    __slots__ = ("_build", "_by_length", "_expanding", "_name", "longest")

    def __init__(
        self, build: Callable[[Any], ClauseElement], name: str, *, longest: int = 64
    ) -> None:
        self._build = build
        self._name = name
        self.longest = longest
        self._by_length: dict[int, Prepared] = {}
        self._expanding: Any = build(bindparam(name, expanding=True))

    def named(
        self, session: Session, values: Sequence[Any], params: Mapping[str, Any] | None = None
    ) -> list[Any]:
        """The rows (named tuples, as :meth:`Prepared.named`) for the list ``values``."""
        count = len(values)
        if count > self.longest or count == 0:
            return list(session.execute(self._expanding, {**(params or {}), self._name: values}))
        prepared = self._by_length.get(count)
        if prepared is None:  # at most `longest` entries
            names = [f"{self._name}_{i}" for i in range(count)]
            prepared = Prepared(self._build([bindparam(name) for name in names]))
            self._by_length[count] = prepared
        bound = dict(zip((f"{self._name}_{i}" for i in range(count)), values, strict=True))
        return prepared.named(session, {**(params or {}), **bound})
