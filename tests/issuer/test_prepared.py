"""vic.issuer.db.prepared against SQLAlchemy's own execution: the same statements on the same
rows must give the same values of the same types, write the same rows and raise the same
errors, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Table, bindparam, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tests.issuer.helpers import OFFICE, make_vin, registration
from vic.issuer.db.models import AuditEntry, Filing, Mark, Owner, StatusEntry, Vehicle
from vic.issuer.db.prepared import Prepared, PreparedIn
from vic.issuer.engine import Issuer
from vic.issuer.repositories import bulk


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


VEHICLES, MARKS, OWNERS = _table(Vehicle), _table(Mark), _table(Owner)
FILINGS, ENTRIES, AUDIT = _table(Filing), _table(StatusEntry), _table(AuditEntry)

READS = [
    (select(*VEHICLES.c).where(VEHICLES.c.vin == bindparam("vin")), {"vin": make_vin(1)}),
    (select(*VEHICLES.c).where(VEHICLES.c.vin == bindparam("vin")), {"vin": "NOPE"}),
    (
        select(*VEHICLES.c).where(VEHICLES.c.vin == bindparam("vin")).with_for_update(),
        {"vin": make_vin(2)},
    ),
    (select(*MARKS.c).where(MARKS.c.vehicle_id == bindparam("v")), {"v": 1}),  # every type
    (select(*ENTRIES.c).order_by(ENTRIES.c.id), {}),  # booleans
    (
        select(
            VEHICLES.c.id,
            exists().where(FILINGS.c.vehicle_id == VEHICLES.c.id, FILINGS.c.ended_at.is_(None)),
            select(OWNERS.c.id).where(OWNERS.c.account_id == bindparam("owner")).scalar_subquery(),
            select(func.max(MARKS.c.valid_until))
            .where(MARKS.c.vehicle_id == VEHICLES.c.id)
            .scalar_subquery(),
        ).order_by(VEHICLES.c.id),
        {"owner": "acct-1"},
    ),
    (select(OWNERS.c.id).where(OWNERS.c.account_id == bindparam("owner")), {"owner": None}),
    (  # a date and a datetime as parameters
        select(VEHICLES.c.id).where(
            VEHICLES.c.first_registration <= bindparam("day"),
            VEHICLES.c.created_at <= bindparam("moment"),
            VEHICLES.c.is_van == bindparam("van"),
        ),
        {"day": date(2030, 1, 1), "moment": datetime(2030, 1, 1, 8, tzinfo=UTC), "van": False},
    ),
]


@pytest.mark.parametrize("index", range(len(READS)))
def test_reads_give_what_sqlalchemy_gives(issuer: Issuer, index: int) -> None:
    for n in range(3):
        issuer.register_vehicle(OFFICE, registration(n))
    issuer.add_filing(OFFICE, make_vin(1), "acct-filer")
    statement, params = READS[index]
    with issuer.database.write() as session:
        expected = [tuple(row) for row in session.execute(statement, params)]
        got = Prepared(statement).all(session, params)
    assert got == expected
    assert [[type(v) for v in row] for row in got] == [[type(v) for v in row] for row in expected]
    for row in got:
        for value in row:
            if isinstance(value, datetime):
                assert value.tzinfo is UTC


def _all_rows(session: Session, table: Table) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(select(table).order_by(table.c.id))]


def test_writes_store_what_sqlalchemy_stores(issuer: Issuer) -> None:
    moment = datetime(2026, 11, 25, 16, 30, 1, 250, tzinfo=UTC) + timedelta(hours=8)
    new_owner = insert(OWNERS).values(account_id=bindparam("a"), created_at=bindparam("t"))
    audit = insert(AUDIT).values(
        {name: bindparam(name) for name in ("at", "actor_id", "actor_role", "action", "target")}
        | {"detail": bindparam("detail")}
    )
    rows = [
        {"at": moment, "actor_id": "x", "actor_role": "office", "action": "a", "target": "t"}
        | {"detail": "{}"},
        {"at": moment, "actor_id": "y", "actor_role": "admin", "action": "b", "target": "u"}
        | {"detail": '{"k":"値"}'},
    ]
    with issuer.database.write() as session:
        sqlalchemy_id = session.execute(
            new_owner.returning(OWNERS.c.id), {"a": "acct-s", "t": moment}
        ).scalar_one()
        prepared_id = Prepared(new_owner.returning(OWNERS.c.id)).all(
            session, {"a": "acct-p", "t": moment}
        )
        assert prepared_id == [(sqlalchemy_id + 1,)]
        session.execute(audit, rows)
        Prepared(audit).many(session, rows)
        Prepared(audit).many(session, [])
        owners = _all_rows(session, OWNERS)
        audits = _all_rows(session, AUDIT)
    assert owners[-1][1:] == ("acct-p", moment)
    assert owners[-2][1:] == ("acct-s", moment)
    assert [row[1:] for row in audits[-2:]] == [row[1:] for row in audits[-4:-2]]


def test_an_update_changes_the_rows_sqlalchemy_would(issuer: Issuer) -> None:
    issuer.register_vehicle(OFFICE, registration(1))
    change = (
        update(VEHICLES)
        .where(VEHICLES.c.id == bindparam("row"))
        .values(seats=bindparam("seats"), is_van=bindparam("van"))
    )
    with issuer.database.write() as session:
        assert Prepared(change).all(session, {"row": 1, "seats": 7, "van": True}) == []
        row = session.execute(select(VEHICLES.c.seats, VEHICLES.c.is_van)).one()
    assert tuple(row) == (7, True)


def test_driver_errors_are_sqlalchemys(issuer: Issuer) -> None:
    """A unique constraint is an IntegrityError, as Database.run retries it."""
    issuer.register_vehicle(OFFICE, registration(1))
    statement = Prepared(
        insert(OWNERS).values(account_id=bindparam("a"), created_at=bindparam("t"))
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(IntegrityError), issuer.database.write() as session:
        statement.all(session, {"a": registration(1).owner, "t": now})
    with pytest.raises(IntegrityError), issuer.database.write() as session:
        statement.many(session, [{"a": "twice", "t": now}, {"a": "twice", "t": now}])


def test_the_sessions_pending_objects_are_flushed_first(issuer: Issuer) -> None:
    with issuer.database.write() as session:
        session.add(Owner(account_id="acct-pending", created_at=datetime(2026, 1, 1, tzinfo=UTC)))
        found = Prepared(
            select(OWNERS.c.account_id).where(OWNERS.c.account_id == bindparam("a"))
        ).all(session, {"a": "acct-pending"})
    assert found == [("acct-pending",)]


def test_a_missing_parameter_and_a_naive_datetime_are_refused(issuer: Issuer) -> None:
    statement = Prepared(select(OWNERS.c.id).where(OWNERS.c.account_id == bindparam("a")))
    with pytest.raises(KeyError), issuer.database.write() as session:
        statement.all(session, {})
    with pytest.raises(ValueError, match="aware"), issuer.database.write() as session:
        Prepared(select(OWNERS.c.id).where(OWNERS.c.created_at == bindparam("t"))).all(
            session, {"t": datetime(2026, 1, 1)}
        )


def test_expanding_parameters_are_refused(issuer: Issuer) -> None:
    statement = Prepared(
        select(OWNERS.c.id).where(OWNERS.c.id.in_(bindparam("ids", expanding=True)))
    )
    with pytest.raises(ValueError, match="expanding"), issuer.database.write() as session:
        statement.all(session, {"ids": [1]})


@pytest.mark.parametrize("count", [0, 1, 3, 5, 70])
def test_an_in_list_gives_what_an_expanding_parameter_gives(issuer: Issuer, count: int) -> None:
    """Prepared per length up to `longest`, through SQLAlchemy beyond (and for none)."""
    for n in range(4):
        issuer.register_vehicle(OFFICE, registration(n))
    ids = list(range(count))
    statement = PreparedIn(
        lambda marks: (
            select(MARKS.c.id, MARKS.c.valid_until, MARKS.c.is_current)
            .where(MARKS.c.id.in_(marks), MARKS.c.state == bindparam("state"))
            .order_by(MARKS.c.id)
        ),
        "marks",
        longest=64,
    )
    expanding = (
        select(MARKS.c.id, MARKS.c.valid_until, MARKS.c.is_current)
        .where(MARKS.c.id.in_(bindparam("marks", expanding=True)), MARKS.c.state == "issued")
        .order_by(MARKS.c.id)
    )
    with issuer.database.write() as session:
        expected = [tuple(row) for row in session.execute(expanding, {"marks": ids})]
        got = statement.named(session, ids, {"state": "issued"})
        again = statement.named(session, ids, {"state": "issued"})
    assert [tuple(row) for row in got] == expected == [tuple(row) for row in again]
    assert [row.id for row in got] == [row[0] for row in expected]
    assert len(expected) == max(0, min(count - 1, 4))  # mark ids start at 1


@pytest.mark.parametrize("count", [1, 3, 64, 65, 70])
def test_bulk_inserts_keep_the_order_of_the_rows(issuer: Issuer, count: int) -> None:
    """One prepared INSERT of many VALUES up to PREPARED_ROWS rows, SQLAlchemy beyond: the ids
    follow the rows either way, and the returned ids match the rows."""
    moment = datetime(2026, 11, 25, 8, tzinfo=UTC)
    audits = [
        {"at": moment, "actor_id": f"a{n}", "actor_role": "office", "action": "x", "target": "t"}
        | {"detail": f'{{"n":{n}}}'}
        for n in range(count)
    ]
    owners = [{"account_id": f"bulk-{n}", "created_at": moment} for n in range(count)]
    with issuer.database.write() as session:
        before = session.execute(select(func.count()).select_from(AUDIT)).scalar_one()
        bulk.insert_rows(session, AuditEntry, audits)
        ids = bulk.insert_rows_returning_ids(session, Owner, owners, key=("account_id",))
        stored = _all_rows(session, AUDIT)[before:]
        accounts = dict(session.execute(select(OWNERS.c.id, OWNERS.c.account_id)).all())
    assert [row[2] for row in stored] == [row["actor_id"] for row in audits]
    assert [row[0] for row in stored] == sorted(row[0] for row in stored)
    assert [accounts[i] for i in ids] == [row["account_id"] for row in owners]
