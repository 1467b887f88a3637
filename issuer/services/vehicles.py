"""Vehicles, owners and their filings, cancellations, and inspection stations."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from vic.contexts.errors import (
    ConflictError,
    PermissionDeniedError,
    RecordNotFoundError,
    UsageError,
)
from vic.issuer.domain import (
    Actor,
    FilingInfo,
    MarkStatus,
    RevocationReason,
    Role,
    StationInfo,
    VehicleInfo,
)
from vic.issuer.kernel import Kernel
from vic.issuer.marks import Revocation, revoke
from vic.issuer.records import (
    audit,
    current_mark,
    mark_status,
    owner_for,
    require_role,
    vehicle_by_vin,
    vehicle_facts,
    vehicle_info,
    visible_vehicle,
)
from vic.issuer.repositories import vehicles as repo

__all__ = ["VehiclesService"]


class VehiclesService:
    """Vehicles, owners, filings, stations (see the module doc)."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def vehicle(self, actor: Actor, vin: str) -> VehicleInfo:
        """A vehicle, for staff, its owner, or an owner who filed it.

        :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
        :raises PermissionDeniedError: ``NOT_OWNER``.
        """

        def work(session: Session) -> VehicleInfo:
            vehicle, acting = visible_vehicle(session, actor, vin, active=False)
            via_filing = acting is not None and acting.id != vehicle.owner_id
            return vehicle_info(session, vehicle, via_filing=via_filing)

        return self.kernel.run(work, readonly=True)

    def vehicles_of(self, account: str) -> list[VehicleInfo]:
        """The active vehicles an owner sees: those in their name, then those they filed."""

        def work(session: Session) -> list[VehicleInfo]:
            owner = repo.owner_by_account(session, account)
            if owner is None:
                return []
            return [vehicle_info(session, v) for v in repo.owned_vehicles(session, owner.id)] + [
                vehicle_info(session, v, via_filing=True)
                for v in repo.filed_vehicles(session, owner.id)
            ]

        return self.kernel.run(work, readonly=True)

    def record_casualty_accident(self, actor: Actor, vin: str, *, on: date) -> VehicleInfo:
        """Record an accident with casualties (it bars the exemption); issues nothing."""
        require_role(actor, Role.OFFICE, Role.SYSTEM)

        def work(session: Session) -> VehicleInfo:
            vehicle = vehicle_by_vin(session, vin, lock=True)
            now = self.kernel.now()
            vehicle.casualty_accident = True
            if vehicle.casualty_accident_date is None or on < vehicle.casualty_accident_date:
                vehicle.casualty_accident_date = on
            vehicle.updated_at = now
            vehicle_facts(vehicle)
            audit(session, actor, "vehicle.accident", f"vehicle:{vehicle.vin}", now, on=on)
            return vehicle_info(session, vehicle)

        return self.kernel.run(work)

    def add_filing(self, actor: Actor, vin: str, account: str) -> FilingInfo:
        """File a vehicle for an owner who is not its owner of record (they may then see it,
        download its mark and apply for its exemption). Filing again returns the filing.

        Only a registration office files (it checks the papers that justify the filing): an
        owner who could file any VIN for themselves could download any vehicle's mark.
        """
        require_role(actor, Role.OFFICE, Role.SYSTEM)
        Actor(account, Role.OWNER)

        def work(session: Session) -> FilingInfo:
            vehicle = vehicle_by_vin(session, vin)
            now = self.kernel.now()
            owner = owner_for(session, account, now)
            filing = repo.open_filing(session, vehicle.id, owner.id)
            if filing is None:
                filing = repo.add_filing(session, vehicle.id, owner.id, now)
                audit(session, actor, "filing.add", f"vehicle:{vehicle.vin}", now, owner=account)
            return FilingInfo(vehicle.vin, account, filing.created_at, filing.ended_at)

        return self.kernel.run(work)

    def end_filing(self, actor: Actor, vin: str, account: str) -> FilingInfo | None:
        """End an owner's filing of a vehicle (None if there was none)."""
        require_role(actor, Role.OFFICE, Role.OWNER, Role.SYSTEM)
        if actor.role is Role.OWNER and actor.account != account:
            raise PermissionDeniedError("owners end their own filings", code="NOT_OWNER")

        def work(session: Session) -> FilingInfo | None:
            vehicle = vehicle_by_vin(session, vin, active=False)
            filing = repo.open_filing_of_account(session, vehicle.id, account)
            if filing is None:
                return None
            now = self.kernel.now()
            filing.ended_at = now
            audit(session, actor, "filing.end", f"vehicle:{vehicle.vin}", now, owner=account)
            return FilingInfo(vehicle.vin, account, filing.created_at, now)

        return self.kernel.run(work)

    def cancel_registration(self, actor: Actor, vin: str) -> MarkStatus | None:
        """Cancel a vehicle's registration (注销): its current mark is revoked (cancelled).

        Repeating it changes nothing. Returns the revoked mark's status (None if it had none).
        """
        require_role(actor, Role.OFFICE, Role.SYSTEM)

        def work(session: Session) -> MarkStatus | None:
            vehicle = vehicle_by_vin(session, vin, lock=True, active=False)
            if vehicle.cancelled_at is not None:
                return None
            now = self.kernel.now()
            vehicle.cancelled_at = now
            vehicle.updated_at = now
            repo.end_open_filings(session, vehicle.id, now)
            audit(session, actor, "vehicle.cancel", f"vehicle:{vehicle.vin}", now)
            mark = current_mark(session, vehicle.id, lock=True)
            if mark is None:
                return None
            revoke(
                session,
                self.kernel.ctx,
                actor,
                [
                    Revocation(
                        mark.id, mark.number, mark.status_entry_id, RevocationReason.CANCELLED
                    )
                ],
            )
            session.refresh(mark)
            return mark_status(session, mark)

        return self.kernel.run(work)

    # --- stations --------------------------------------------------------------------------------

    def add_station(self, actor: Actor, code: str, name: str) -> StationInfo:
        """Add an inspection station.

        :raises ConflictError: ``STATION_EXISTS``.
        """
        require_role(actor, Role.ADMIN, Role.SYSTEM)
        Actor(code, Role.STATION)  # the same id rules
        if not name or len(name) > 200:
            raise UsageError("a station name has 1-200 characters")

        def work(session: Session) -> StationInfo:
            if repo.station_by_code(session, code) is not None:
                raise ConflictError(f"station {code} exists", code="STATION_EXISTS")
            now = self.kernel.now()
            repo.add_station(session, code, name, now)
            audit(session, actor, "station.add", f"station:{code}", now, name=name)
            return StationInfo(code, name, True)

        return self.kernel.run(work)

    def set_station_active(self, actor: Actor, code: str, active: bool) -> StationInfo:
        """Activate or deactivate a station (an inactive one's reports are refused).

        :raises RecordNotFoundError: ``STATION_NOT_FOUND``.
        """
        require_role(actor, Role.ADMIN, Role.SYSTEM)

        def work(session: Session) -> StationInfo:
            station = repo.station_by_code(session, code)
            if station is None:
                raise RecordNotFoundError(f"no station {code}", code="STATION_NOT_FOUND")
            if station.active != active:
                station.active = active
                audit(
                    session,
                    actor,
                    "station.update",
                    f"station:{code}",
                    self.kernel.now(),
                    active=active,
                )
            return StationInfo(station.code, station.name, station.active)

        return self.kernel.run(work)

    def stations(self) -> list[StationInfo]:
        """Every station, by code."""

        def work(session: Session) -> list[StationInfo]:
            return [StationInfo(s.code, s.name, s.active) for s in repo.all_stations(session)]

        return self.kernel.run(work, readonly=True)
