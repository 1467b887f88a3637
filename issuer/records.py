"""Helpers over the issuer's tables shared by the engine's modules: lookups, audit, conversions.

Every function works inside the caller's transaction (a :class:`~sqlalchemy.orm.Session`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from vic.contexts.errors import PermissionDeniedError, RecordNotFoundError, RefusedError
from vic.issuer.config import IssuerConfig
from vic.issuer.db.models import AuditEntry, Filing, Mark, Owner, SigningKey, StatusEntry, Vehicle
from vic.issuer.domain import (
    Actor,
    IssuanceReason,
    IssuedMark,
    MarkStatus,
    RevocationReason,
    Role,
    VehicleInfo,
)
from vic.issuer.eventrows import VehicleRecord
from vic.issuer.policy import UseCategory, VehicleFacts, YearMonth
from vic.issuer.repositories import bulk
from vic.vc.mark import CHINA_STANDARD_TIME, InspectionBasis, VehicleSubject

__all__ = [
    "STAFF",
    "Context",
    "audit",
    "audit_rows",
    "audits_together",
    "current_mark",
    "dumps",
    "insert_audit_rows",
    "latest_mark",
    "mark_result",
    "mark_status",
    "may_see",
    "owner_for",
    "owner_id_for",
    "require_role",
    "vehicle_by_vin",
    "vehicle_facts",
    "vehicle_info",
    "vehicle_subject",
    "visible_vehicle",
    "year_month",
]

STAFF = frozenset({Role.ADMIN, Role.OFFICE, Role.SYSTEM})

# The hot path's queries, built once (SQLAlchemy caches their compiled form; building them per
# call cost more Python than running them).
_VEHICLE_BY_VIN = select(Vehicle).where(Vehicle.vin == bindparam("vin"))
_VEHICLE_BY_VIN_FOR_UPDATE = _VEHICLE_BY_VIN.with_for_update()
_LATEST_MARK = (
    select(Mark).where(Mark.vehicle_id == bindparam("vehicle_id")).order_by(Mark.id.desc()).limit(1)
)
_OWNER_ID = select(Owner.id).where(Owner.account_id == bindparam("account"))


@dataclass(frozen=True)
class Context:
    """What the engine's modules need from the configuration."""

    config: IssuerConfig
    did: str
    status_base: str

    def now(self) -> datetime:
        """The clock's time, aware UTC."""
        return self.config.clock().astimezone(UTC)

    def today(self) -> date:
        """Today's date in China Standard Time (the day of events)."""
        return self.config.clock().astimezone(CHINA_STANDARD_TIME).date()


_STORED: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""``json.dumps(..., ensure_ascii=False, separators=(",", ":"))``, its encoder made once."""
_AUDIT_DETAIL: Final = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)
"""``json.dumps(..., ensure_ascii=False, sort_keys=True, default=str)``, made once."""


def dumps(document: Any) -> str:
    """The stored JSON text of a document (compact, UTF-8 kept)."""
    return _STORED.encode(document)


def year_month(moment: datetime) -> YearMonth:
    """The (year, month) of an instant in China Standard Time."""
    local = moment.astimezone(CHINA_STANDARD_TIME)
    return local.year, local.month


def require_role(actor: Actor, *roles: Role) -> None:
    """:raises PermissionDeniedError: ``ROLE_NOT_ALLOWED``."""
    if actor.role not in roles and actor.role is not Role.ADMIN:
        raise PermissionDeniedError(
            f"a {actor.role.value} may not do this",
            code="ROLE_NOT_ALLOWED",
            role=actor.role.value,
        )


def audit_rows(
    actor: Actor, now: datetime, rows: Sequence[tuple[str, str, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Audit rows (action, target, detail) ready for a bulk insert."""
    return [
        {
            "at": now,
            "actor_id": actor.id,
            "actor_role": actor.role.value,
            "action": action,
            "target": target[:256],
            "detail": _AUDIT_DETAIL.encode(detail),
        }
        for action, target, detail in rows
    ]


_AUDIT_ROWS = "vic.audit_rows"
"""Where :func:`audits_together` keeps the rows of its block (``Session.info``)."""


def audit(
    session: Session, actor: Actor, action: str, target: str, now: datetime, **detail: Any
) -> None:
    """Record who did what to which target, in the caller's transaction (inside
    :func:`audits_together`, at the end of its block)."""
    insert_audit_rows(session, audit_rows(actor, now, [(action, target, detail)]))


def insert_audit_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert :func:`audit_rows` in one statement (inside :func:`audits_together`, at the end
    of its block)."""
    held: list[dict[str, Any]] | None = session.info.get(_AUDIT_ROWS)
    if held is not None:
        held.extend(rows)
    else:
        bulk.insert_rows(session, AuditEntry, rows)


@contextmanager
def audits_together(session: Session) -> Iterator[list[dict[str, Any]]]:
    """The :func:`audit` rows of the block inserted in one statement when it ends without an
    error, in the order they were recorded (so with the ids one insert each would give: nothing
    else writes the audit table meanwhile in this transaction). Yields the list of the rows
    held: a caller that rolls back part of the block (a savepoint) drops the rows it recorded.
    Nothing inside the block may read the audit table. Not nested."""
    if _AUDIT_ROWS in session.info:
        raise RuntimeError("audits_together is not nested")
    rows: list[dict[str, Any]] = []
    session.info[_AUDIT_ROWS] = rows
    try:
        yield rows
    finally:
        del session.info[_AUDIT_ROWS]
    bulk.insert_rows(session, AuditEntry, rows)


def owner_for(session: Session, account: str, now: datetime) -> Owner:
    """The owner row of an account id, created on first use."""
    owner = session.execute(select(Owner).where(Owner.account_id == account)).scalar_one_or_none()
    if owner is None:
        owner = Owner(account_id=account, created_at=now)
        session.add(owner)
        session.flush()
    return owner


def owner_id_for(session: Session, account: str, now: datetime) -> int:
    """The owner row id of an account id, the row created on first use (as :func:`owner_for`,
    without loading the row)."""
    found = session.execute(_OWNER_ID, {"account": account}).scalar_one_or_none()
    if found is not None:
        return found
    (created,) = bulk.insert_rows_returning_ids(
        session, Owner, [{"account_id": account, "created_at": now}], key=("account_id",)
    )
    return created


def vehicle_by_vin(
    session: Session, vin: str, *, lock: bool = False, active: bool = True
) -> Vehicle:
    """The vehicle with ``vin`` (locked for update when asked).

    :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
    :raises RefusedError: ``VEHICLE_CANCELLED`` when ``active`` and the registration is cancelled.
    """
    statement = _VEHICLE_BY_VIN_FOR_UPDATE if lock else _VEHICLE_BY_VIN
    vehicle = session.execute(statement, {"vin": vin.strip().upper()}).scalar_one_or_none()
    if vehicle is None:
        raise RecordNotFoundError(f"no vehicle with VIN {vin}", code="VEHICLE_NOT_FOUND", vin=vin)
    if active and vehicle.cancelled_at is not None:
        raise RefusedError(
            f"the registration of {vehicle.vin} is cancelled", code="VEHICLE_CANCELLED"
        )
    return vehicle


def visible_vehicle(
    session: Session, actor: Actor, vin: str, *, lock: bool = False, active: bool = True
) -> tuple[Vehicle, Owner | None]:
    """The vehicle ``vin`` as ``actor`` may see it, and the acting owner (None for staff).

    An owner gets the same answer (``NOT_OWNER``) for a vehicle that is not theirs and for one
    that does not exist, and learns that a registration is cancelled only for their own
    vehicles: nothing tells them which VINs exist.

    :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND`` (staff).
    :raises PermissionDeniedError: ``NOT_OWNER``, ``ROLE_NOT_ALLOWED``.
    :raises RefusedError: ``VEHICLE_CANCELLED`` when ``active``, after the ownership check.
    """
    try:
        vehicle = vehicle_by_vin(session, vin, lock=lock, active=False)
    except RecordNotFoundError:
        if actor.role is Role.OWNER:
            raise _not_owner() from None
        raise
    acting = may_see(session, actor, vehicle)
    if active and vehicle.cancelled_at is not None:
        raise RefusedError(
            f"the registration of {vehicle.vin} is cancelled", code="VEHICLE_CANCELLED"
        )
    return vehicle, acting


def _not_owner() -> PermissionDeniedError:
    return PermissionDeniedError(
        "the vehicle is neither in this owner's name nor filed by them", code="NOT_OWNER"
    )


def may_see(session: Session, actor: Actor, vehicle: Vehicle) -> Owner | None:
    """Check that ``actor`` may see ``vehicle``; return the acting owner (None for staff).

    An owner sees the vehicles in their name and those they filed (备案).

    :raises PermissionDeniedError: ``NOT_OWNER`` or ``ROLE_NOT_ALLOWED``.
    """
    if actor.role in STAFF:
        return None
    if actor.role is not Role.OWNER or actor.account is None:
        raise PermissionDeniedError(
            f"a {actor.role.value} may not act for an owner", code="ROLE_NOT_ALLOWED"
        )
    owner = session.execute(
        select(Owner).where(Owner.account_id == actor.account)
    ).scalar_one_or_none()
    if owner is not None:
        if vehicle.owner_id == owner.id:
            return owner
        filed = session.execute(
            select(Filing.id).where(
                Filing.vehicle_id == vehicle.id,
                Filing.owner_id == owner.id,
                Filing.ended_at.is_(None),
            )
        ).first()
        if filed is not None:
            return owner
    raise _not_owner()


def vehicle_facts(vehicle: Vehicle | VehicleRecord) -> VehicleFacts:
    """What the inspection policy needs to know about ``vehicle``."""
    return VehicleFacts.of(vehicle)


def vehicle_subject(vehicle: Vehicle | VehicleRecord, basis: InspectionBasis) -> VehicleSubject:
    """The mark subject of ``vehicle``."""
    return VehicleSubject(
        registration_number=vehicle.plate,
        plate_type_code=vehicle.plate_type_code,
        vehicle_type_code=vehicle.vehicle_type_code,
        vin=vehicle.vin,
        inspection_basis=basis,
    )


def latest_mark(session: Session, vehicle_id: int) -> Mark | None:
    """The vehicle's most recently allocated mark (pending or issued)."""
    return session.execute(_LATEST_MARK, {"vehicle_id": vehicle_id}).scalar_one_or_none()


def current_mark(session: Session, vehicle_id: int, *, lock: bool = False) -> Mark | None:
    """The vehicle's current mark, if any."""
    statement = select(Mark).where(Mark.vehicle_id == vehicle_id, Mark.is_current)
    if lock:
        statement = statement.with_for_update()
    return session.execute(statement).scalar_one_or_none()


def mark_result(session: Session, mark: Mark, *, did: str, issued_now: bool) -> IssuedMark:
    """The engine's view of an issued mark."""
    if mark.credential is None or mark.issued_at is None or mark.signing_key_id is None:
        raise RefusedError("the mark is not issued yet", code="MARK_PENDING")
    vehicle = session.get_one(Vehicle, mark.vehicle_id)
    key = session.get_one(SigningKey, mark.signing_key_id)
    reason = mark.revocation_reason
    return IssuedMark(
        number=mark.number,
        credential=json.loads(mark.credential),
        vin=vehicle.vin,
        reason=IssuanceReason(mark.reason),
        basis=InspectionBasis(mark.basis),
        valid_from=mark.valid_from,
        valid_until=mark.valid_until,
        method_id=f"{did}#{key.fragment}",
        issued_at=mark.issued_at,
        issued_now=issued_now,
        current=mark.is_current,
        revocation_reason=RevocationReason(reason) if reason is not None else None,
    )


def mark_status(session: Session, mark: Mark) -> MarkStatus:
    """What the issuer knows of a mark's status."""
    vehicle = session.get_one(Vehicle, mark.vehicle_id)
    entry = session.get_one(StatusEntry, mark.status_entry_id)
    superseded_by = (
        session.get_one(Mark, mark.superseded_by_id).number
        if mark.superseded_by_id is not None
        else None
    )
    reason = mark.revocation_reason
    return MarkStatus(
        number=mark.number,
        vin=vehicle.vin,
        state=mark.state,
        current=mark.is_current,
        revoked=entry.revoked,
        revocation_reason=RevocationReason(reason) if reason is not None else None,
        revoked_at=mark.revoked_at,
        superseded_by=superseded_by,
        suspended=entry.suspended,
        reason=IssuanceReason(mark.reason),
        valid_until=mark.valid_until,
    )


def vehicle_info(session: Session, vehicle: Vehicle, *, via_filing: bool = False) -> VehicleInfo:
    """The engine's view of a vehicle."""
    owner = session.get_one(Owner, vehicle.owner_id)
    current = current_mark(session, vehicle.id)
    return VehicleInfo(
        vin=vehicle.vin,
        plate=vehicle.plate,
        plate_type_code=vehicle.plate_type_code,
        vehicle_type_code=vehicle.vehicle_type_code,
        use_category=UseCategory(vehicle.use_category),
        seats=vehicle.seats,
        first_registration=vehicle.first_registration,
        is_van=vehicle.is_van,
        casualty_accident=vehicle.casualty_accident,
        owner=owner.account_id,
        cancelled=vehicle.cancelled_at is not None,
        current_mark=current.number if current is not None else None,
        via_filing=via_filing,
    )
