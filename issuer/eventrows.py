"""Core statements for the first transaction of the events that keep a mark's validity
(transfer, change, re-issue): the vehicle as a plain record, its latest mark and the replay
check in one query, the vehicle's changes written back as one ``UPDATE``.

:meth:`vic.issuer.services.issuance.IssuanceService._same_validity` runs its event on these
rows instead of ORM objects (no identity map, no unit of work: fewer statements and much less
Python per event). The general ORM path stays, and the differential tests
(tests/issuer/test_event_rows.py) compare the two: same rows in every table, same marks. A
replayed event (its key stored before) is left to the general :func:`vic.issuer.marks.replay`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import Table, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from vic.contexts.errors import RecordNotFoundError
from vic.issuer.db.models import Filing, Mark, Owner, Vehicle
from vic.issuer.db.prepared import Prepared

__all__ = [
    "LatestMark",
    "VehicleRecord",
    "end_open_filings",
    "latest_and_replay",
    "owner_id",
    "owner_id_for",
    "save_vehicle",
    "vehicle_for_event",
    "vehicle_record",
]


def _table(model: type[Vehicle] | type[Mark] | type[Owner] | type[Filing]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_VEHICLES: Final = _table(Vehicle)
_MARKS: Final = _table(Mark)
_OWNERS: Final = _table(Owner)
_FILINGS: Final = _table(Filing)

VEHICLE_FIELDS: Final = tuple(column.key for column in _VEHICLES.c)
"""The vehicle's columns, as a :class:`VehicleRecord` holds them."""

_VEHICLE_BY_VIN = select(*_VEHICLES.c).where(_VEHICLES.c.vin == bindparam("vin"))
_VEHICLE_BY_VIN_FOR_UPDATE = _VEHICLE_BY_VIN.with_for_update()
_READ_VEHICLE: Final = Prepared(_VEHICLE_BY_VIN)
_LOCK_VEHICLE: Final = Prepared(_VEHICLE_BY_VIN_FOR_UPDATE)

_LATEST_ID = (
    select(func.max(_MARKS.c.id))
    .where(_MARKS.c.vehicle_id == bindparam("vehicle_id"))
    .scalar_subquery()
)
_LATEST_AND_REPLAY = select(
    _MARKS.c.id,
    _MARKS.c.event_key,
    _MARKS.c.basis,
    _MARKS.c.valid_until,
).where(or_(_MARKS.c.event_key == bindparam("event_key"), _MARKS.c.id == _LATEST_ID))
_READ_LATEST_AND_REPLAY: Final = Prepared(_LATEST_AND_REPLAY)


_OTHER: Final = _MARKS.alias("m")
_OPEN_FILINGS = exists().where(
    _FILINGS.c.vehicle_id == _VEHICLES.c.id, _FILINGS.c.ended_at.is_(None)
)
_OWNER_ID = select(_OWNERS.c.id).where(_OWNERS.c.account_id == bindparam("owner")).scalar_subquery()
_VEHICLE_LATEST_AND_REPLAY = (
    select(
        *_VEHICLES.c,
        _OPEN_FILINGS,
        _OWNER_ID,
        _OTHER.c.id,
        _OTHER.c.event_key,
        _OTHER.c.basis,
        _OTHER.c.valid_until,
    )
    .select_from(
        _VEHICLES.outerjoin(
            _OTHER,
            or_(
                _OTHER.c.event_key == bindparam("event_key"),
                _OTHER.c.id
                == select(func.max(_MARKS.c.id))
                .where(_MARKS.c.vehicle_id == _VEHICLES.c.id)
                .scalar_subquery(),
            ),
        )
    )
    .where(_VEHICLES.c.vin == bindparam("vin"))
)
"""SQLite: :func:`vehicle_record` and :func:`latest_and_replay` in one query, with whether the
vehicle has open filings and the id of the owner ``owner`` names (NULL: none, or no owner asked)."""
_READ_FOR_EVENT: Final = Prepared(_VEHICLE_LATEST_AND_REPLAY)

_OWNER_BY_ACCOUNT: Final = Prepared(
    select(_OWNERS.c.id).where(_OWNERS.c.account_id == bindparam("account"))
)
_NEW_OWNER: Final = Prepared(
    insert(_OWNERS)
    .values(account_id=bindparam("account"), created_at=bindparam("now"))
    .returning(_OWNERS.c.id)
)
_END_OPEN_FILINGS: Final = Prepared(
    update(_FILINGS)
    .where(_FILINGS.c.vehicle_id == bindparam("vehicle"), _FILINGS.c.ended_at.is_(None))
    .values(ended_at=bindparam("ended"))
)


class VehicleRecord:
    """A vehicle row as a plain mutable object: the attributes of
    :class:`~vic.issuer.db.models.Vehicle`, without the ORM; and what the event's read learnt
    beside it on SQLite (:func:`vehicle_for_event`): whether the vehicle has open filings, and
    the id of the owner account it was asked about (None: unknown, not read)."""

    __slots__ = (*VEHICLE_FIELDS, "open_filings", "owner_read")

    id: int
    vin: str
    plate: str
    plate_type_code: str
    vehicle_type_code: str
    use_category: str
    seats: int
    first_registration: date
    is_van: bool
    casualty_accident: bool
    casualty_accident_date: date | None
    owner_id: int
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    open_filings: bool | None
    owner_read: tuple[str, int | None] | None

    def values(self) -> dict[str, Any]:
        """Every column's value."""
        return {name: getattr(self, name) for name in VEHICLE_FIELDS}


class LatestMark:
    """What the events keeping the validity need of the vehicle's latest mark."""

    __slots__ = ("basis", "id", "valid_until")

    def __init__(self, row_id: int, basis: str, valid_until: datetime) -> None:
        self.id = row_id
        self.basis = basis
        self.valid_until = valid_until


def vehicle_record(session: Session, vin: str, *, lock: bool) -> VehicleRecord:
    """The vehicle ``vin`` (locked for update when asked), as
    :func:`vic.issuer.records.vehicle_by_vin` finds it, cancelled or not.

    :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
    """
    rows = (_LOCK_VEHICLE if lock else _READ_VEHICLE).all(session, {"vin": vin.strip().upper()})
    if not rows:
        raise _no_vehicle(vin)
    return _record(rows[0])


def _record(columns: Sequence[Any]) -> VehicleRecord:
    """A :class:`VehicleRecord` of a row's vehicle columns (:data:`VEHICLE_FIELDS`, in order)."""
    record = VehicleRecord()
    for name, value in zip(VEHICLE_FIELDS, columns, strict=True):
        setattr(record, name, value)
    record.open_filings = None
    record.owner_read = None
    return record


def _no_vehicle(vin: str) -> RecordNotFoundError:
    return RecordNotFoundError(f"no vehicle with VIN {vin}", code="VEHICLE_NOT_FOUND", vin=vin)


def vehicle_for_event(
    session: Session, vin: str, event_key: str, *, owner: str | None = None
) -> tuple[VehicleRecord, LatestMark | None, bool]:
    """:func:`vehicle_record` (locked) and :func:`latest_and_replay`: in one query on SQLite,
    where the transaction holds the database's write lock from its start (``BEGIN
    IMMEDIATE``), so nothing can change between the reads; in two on PostgreSQL, where the
    marks must be read after the vehicle's row lock is granted (READ COMMITTED). On SQLite the
    same query also reads whether the vehicle has open filings and the id of the owner account
    ``owner`` (the record's ``open_filings`` and ``owner_read``, for :func:`end_open_filings`
    and :func:`owner_id`).

    :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
    """
    if session.get_bind().dialect.name != "sqlite":
        record = vehicle_record(session, vin, lock=True)
        return (record, *latest_and_replay(session, record.id, event_key))
    rows = _READ_FOR_EVENT.all(
        session, {"vin": vin.strip().upper(), "event_key": event_key, "owner": owner}
    )
    if not rows:
        raise _no_vehicle(vin)
    width = len(VEHICLE_FIELDS)
    first = rows[0]
    record = _record(first[:width])
    record.open_filings = bool(first[width])
    if owner is not None:
        record.owner_read = (owner, first[width + 1])
    marks = (row[width + 2 :] for row in rows if row[width + 2] is not None)  # (outer join)
    return (record, *_latest_or_replay(marks, event_key))


def owner_id(session: Session, record: VehicleRecord, account: str, now: datetime) -> int:
    """:func:`owner_id_for`, without its lookup when the event's read found the account's id
    (or found none: then the owner is created at once)."""
    read = record.owner_read
    if read is not None and read[0] == account:
        if read[1] is not None:
            return int(read[1])
        return int(_NEW_OWNER.all(session, {"account": account, "now": now})[0][0])
    return owner_id_for(session, account, now)


def owner_id_for(session: Session, account: str, now: datetime) -> int:
    """The owner row id of an account id, the row created on first use."""
    found = _OWNER_BY_ACCOUNT.all(session, {"account": account})
    if found:
        return int(found[0][0])
    return int(_NEW_OWNER.all(session, {"account": account, "now": now})[0][0])


def end_open_filings(
    session: Session, vehicle_id: int, now: datetime, *, known: bool | None
) -> None:
    """End every open filing of the vehicle (as
    :func:`vic.issuer.repositories.vehicles.end_open_filings`); nothing when the event's read
    found none (``known`` False)."""
    if known is False:
        return
    _END_OPEN_FILINGS.all(session, {"vehicle": vehicle_id, "ended": now})
    for held in list(session.identity_map.values()):
        if isinstance(held, Filing):  # (reading its vehicle_id could load it)
            session.expire(held)


def latest_and_replay(
    session: Session, vehicle_id: int, event_key: str
) -> tuple[LatestMark | None, bool]:
    """The vehicle's most recently allocated mark (as :func:`vic.issuer.records.latest_mark`),
    and whether a mark already has ``event_key`` (then the latest is not looked at: the event
    is a replay, for :func:`vic.issuer.marks.replay`): one query."""
    rows = _READ_LATEST_AND_REPLAY.all(session, {"vehicle_id": vehicle_id, "event_key": event_key})
    return _latest_or_replay(rows, event_key)


def _latest_or_replay(
    marks: Iterable[Sequence[Any]], event_key: str
) -> tuple[LatestMark | None, bool]:
    """:func:`latest_and_replay`'s answer from its marks' (id, event key, basis, valid until)."""
    latest: LatestMark | None = None
    for mark_id, key, basis, valid_until in marks:
        if key == event_key:
            return None, True
        latest = LatestMark(mark_id, basis, valid_until)
    return latest, False


@functools.lru_cache(maxsize=64)  # keyed by column names only
def _update_vehicle(columns: tuple[str, ...]) -> Prepared:
    return Prepared(
        update(_VEHICLES)
        .where(_VEHICLES.c.id == bindparam("row_id"))
        .values({name: bindparam(f"new_{name}") for name in columns})
    )


def save_vehicle(session: Session, record: VehicleRecord, before: dict[str, Any]) -> None:
    """Write the columns of ``record`` that differ from ``before`` (its values as read); an
    ORM copy of the vehicle in the session is expired, so nothing reads it stale."""
    changed = tuple(
        name for name in VEHICLE_FIELDS if name != "id" and getattr(record, name) != before[name]
    )
    if not changed:
        return
    _update_vehicle(changed).all(
        session,
        {"row_id": record.id, **{f"new_{name}": getattr(record, name) for name in changed}},
    )
    held = session.identity_map.get(identity_key(Vehicle, record.id))
    if held is not None:
        session.expire(held)
