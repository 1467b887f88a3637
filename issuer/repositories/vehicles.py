"""Vehicles, owners, filings, stations and inspection reports.

The lookups the mark modules share too (a vehicle by VIN with its refusals, an owner created on
first use) stay in :mod:`vic.issuer.records`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from vic.issuer.db.models import (
    ExemptionApplication,
    Filing,
    Inspection,
    Mark,
    Owner,
    Station,
    Vehicle,
)
from vic.issuer.repositories import bulk

__all__ = [
    "add_exemption_application",
    "add_filing",
    "add_station",
    "add_vehicle",
    "all_stations",
    "end_open_filings",
    "filed_vehicles",
    "find_vehicle",
    "insert_inspection",
    "insert_inspections",
    "inspection_by_report",
    "inspections_by_report_numbers",
    "latest_validity",
    "lock_vehicles",
    "open_filing",
    "open_filing_of_account",
    "owned_vehicles",
    "owner_by_account",
    "plate_holder",
    "station_by_code",
    "stations_by_code",
]


def find_vehicle(session: Session, vin: str) -> Vehicle | None:
    """The vehicle with exactly this VIN, if any (cancelled ones too)."""
    return session.execute(select(Vehicle).where(Vehicle.vin == vin)).scalar_one_or_none()


def add_vehicle(session: Session, **columns: Any) -> Vehicle:
    """Store a new vehicle (flushed: its id is known)."""
    vehicle = Vehicle(**columns)
    session.add(vehicle)
    session.flush()
    return vehicle


def add_exemption_application(session: Session, **columns: Any) -> ExemptionApplication:
    """Store an exemption application, granted or refused (flushed: its id is known)."""
    application = ExemptionApplication(**columns)
    session.add(application)
    session.flush()
    return application


def lock_vehicles(session: Session, vins: Collection[str]) -> dict[str, Vehicle]:
    """The vehicles with these VINs, locked for update in id order, by VIN."""
    rows = session.execute(
        select(Vehicle).where(Vehicle.vin.in_(sorted(vins))).order_by(Vehicle.id).with_for_update()
    ).scalars()
    return {v.vin: v for v in rows}


_VEHICLE_ROWS = (
    select(*Vehicle.__table__.columns)
    .where(Vehicle.vin.in_(bindparam("vins", expanding=True)))
    .order_by(Vehicle.id)
)
_LOCKED_VEHICLE_ROWS = _VEHICLE_ROWS.with_for_update()


def vehicle_rows(session: Session, vins: Collection[str], *, lock: bool) -> dict[str, Any]:
    """Every column of the vehicles with these VINs as read-only rows (attributes named as the
    model's), by VIN; locked for update in id order with ``lock``. Lighter than ORM objects
    (nothing enters the session) for code that only reads them."""
    statement = _LOCKED_VEHICLE_ROWS if lock else _VEHICLE_ROWS
    return {row.vin: row for row in session.execute(statement, {"vins": sorted(vins)})}


def plate_holder(session: Session, plate: str, plate_type: str) -> int | None:
    """The id of the active vehicle holding this plate, if any."""
    return session.execute(
        select(Vehicle.id).where(
            Vehicle.plate == plate,
            Vehicle.plate_type_code == plate_type,
            Vehicle.cancelled_at.is_(None),
        )
    ).scalar_one_or_none()


_LATEST_VALIDITY = select(Mark.vehicle_id, Mark.valid_until).where(
    Mark.id.in_(
        select(func.max(Mark.id))
        .where(Mark.vehicle_id.in_(bindparam("vehicle_ids", expanding=True)))
        .group_by(Mark.vehicle_id)
    )
)


def latest_validity(session: Session, vehicle_ids: Collection[int]) -> dict[int, datetime]:
    """The ``valid_until`` of each vehicle's most recently allocated mark."""
    return {
        row.vehicle_id: row.valid_until
        for row in session.execute(_LATEST_VALIDITY, {"vehicle_ids": sorted(vehicle_ids)})
    }


# --- owners and filings --------------------------------------------------------------------------


def owner_by_account(session: Session, account: str) -> Owner | None:
    """The owner with this account id, if known."""
    return session.execute(select(Owner).where(Owner.account_id == account)).scalar_one_or_none()


def owned_vehicles(session: Session, owner_id: int) -> list[Vehicle]:
    """The active vehicles in an owner's name, oldest first."""
    return list(
        session.execute(
            select(Vehicle)
            .where(Vehicle.owner_id == owner_id, Vehicle.cancelled_at.is_(None))
            .order_by(Vehicle.id)
        ).scalars()
    )


def filed_vehicles(session: Session, owner_id: int) -> list[Vehicle]:
    """The active vehicles an owner filed (open filings), oldest first."""
    return list(
        session.execute(
            select(Vehicle)
            .join(Filing, Filing.vehicle_id == Vehicle.id)
            .where(
                Filing.owner_id == owner_id,
                Filing.ended_at.is_(None),
                Vehicle.cancelled_at.is_(None),
            )
            .order_by(Vehicle.id)
        ).scalars()
    )


def open_filing(session: Session, vehicle_id: int, owner_id: int) -> Filing | None:
    """The owner's open filing of the vehicle."""
    return session.execute(
        select(Filing).where(
            Filing.vehicle_id == vehicle_id,
            Filing.owner_id == owner_id,
            Filing.ended_at.is_(None),
        )
    ).scalar_one_or_none()


def open_filing_of_account(session: Session, vehicle_id: int, account: str) -> Filing | None:
    """The open filing of the vehicle by the owner with this account id."""
    return session.execute(
        select(Filing)
        .join(Owner, Owner.id == Filing.owner_id)
        .where(
            Filing.vehicle_id == vehicle_id,
            Owner.account_id == account,
            Filing.ended_at.is_(None),
        )
    ).scalar_one_or_none()


def add_filing(session: Session, vehicle_id: int, owner_id: int, now: datetime) -> Filing:
    """Store an open filing (flushed)."""
    filing = Filing(vehicle_id=vehicle_id, owner_id=owner_id, created_at=now)
    session.add(filing)
    session.flush()
    return filing


_FILINGS = Filing.__table__
assert isinstance(_FILINGS, Table)
_END_OPEN_FILINGS = (
    update(_FILINGS)  # Core: the ORM's "fetch" synchronization cost a query's worth per call
    .where(_FILINGS.c.vehicle_id == bindparam("vehicle"), _FILINGS.c.ended_at.is_(None))
    .values(ended_at=bindparam("ended"))
)


def end_open_filings(session: Session, vehicle_id: int, now: datetime) -> None:
    """End every open filing of the vehicle (a transfer, a cancellation). A filing of it loaded
    in the session is expired, so nothing reads it stale."""
    session.execute(_END_OPEN_FILINGS, {"vehicle": vehicle_id, "ended": now})
    for held in list(session.identity_map.values()):
        if isinstance(held, Filing):  # (reading its vehicle_id could load it)
            session.expire(held)


# --- stations and inspections --------------------------------------------------------------------


def station_by_code(session: Session, code: str) -> Station | None:
    """The station with this code."""
    return session.execute(select(Station).where(Station.code == code)).scalar_one_or_none()


_STATIONS_BY_CODE = select(Station.code, Station.id, Station.active).where(
    Station.code.in_(bindparam("codes", expanding=True))
)


def stations_by_code(session: Session, codes: Collection[str]) -> dict[str, Any]:
    """Code, id and active flag of the stations with these codes, by code."""
    return {
        row.code: row for row in session.execute(_STATIONS_BY_CODE, {"codes": sorted(set(codes))})
    }


def all_stations(session: Session) -> list[Station]:
    """Every station, by code."""
    return list(session.execute(select(Station).order_by(Station.code)).scalars())


def add_station(session: Session, code: str, name: str, now: datetime) -> None:
    """Store a new active station."""
    session.add(Station(code=code, name=name, active=True, created_at=now))


def inspection_by_report(
    session: Session, station_id: int, report_number: str
) -> Inspection | None:
    """The inspection a station recorded under this report number."""
    return session.execute(
        select(Inspection).where(
            Inspection.station_id == station_id, Inspection.report_number == report_number
        )
    ).scalar_one_or_none()


_INSPECTIONS_BY_REPORT_NUMBER = select(
    Inspection.station_id,
    Inspection.report_number,
    Inspection.vehicle_id,
    Inspection.passed,
    Inspection.inspected_on,
).where(Inspection.report_number.in_(bindparam("numbers", expanding=True)))


def inspections_by_report_numbers(
    session: Session, report_numbers: Collection[str]
) -> dict[tuple[int, str], Any]:
    """Station id, report number, vehicle id, passed and day of the recorded inspections with
    these report numbers, by (station id, report number)."""
    return {
        (row.station_id, row.report_number): row
        for row in session.execute(
            _INSPECTIONS_BY_REPORT_NUMBER, {"numbers": sorted(set(report_numbers))}
        )
    }


def insert_inspections(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert inspection rows in one statement; their ids, in order."""
    return bulk.insert_rows_returning_ids(
        session, Inspection, rows, key=("station_id", "report_number")
    )


def insert_inspection(
    session: Session,
    *,
    station_id: int,
    report_number: str,
    vehicle_id: int,
    inspected_on: date,
    passed: bool,
    now: datetime,
) -> int:
    """Insert one inspection row; its id."""
    return insert_inspections(
        session,
        [
            {
                "station_id": station_id,
                "report_number": report_number,
                "vehicle_id": vehicle_id,
                "inspected_on": inspected_on,
                "passed": passed,
                "created_at": now,
            }
        ],
    )[0]
