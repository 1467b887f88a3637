"""Batches of registrations in one transaction (the CSV import, the office's registrations).

:func:`plan_registrations` is the first transaction of
:meth:`vic.issuer.services.issuance.IssuanceService.register_vehicles`: each registration in a
savepoint of its own (a refused one writes nothing; the others go through), then the pending
marks of all in one :func:`~vic.issuer.marks.create_pending`. A single registration is a batch of
one, so the rules live here once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from vic.contexts.errors import ConflictError, RefusedError, UsageError, VicError
from vic.issuer.db.models import Owner, Vehicle
from vic.issuer.domain import Actor, IssuanceReason, IssuedMark, VehicleRegistration
from vic.issuer.marks import PendingRequest, Plan, create_pending, replay
from vic.issuer.policy import next_due
from vic.issuer.records import Context, audit, owner_for, vehicle_subject
from vic.issuer.repositories import vehicles as vehicles_repo
from vic.vc.mark import InspectionBasis, valid_until_for_month

__all__ = ["RegistrationOutcome", "check_plate_free", "plan_registrations"]


@dataclass(frozen=True)
class RegistrationOutcome:
    """What a registration of a batch gave: its mark, issued now or replayed (done before)."""

    mark: IssuedMark
    issued_now: bool


def plan_registrations(
    session: Session,
    ctx: Context,
    actor: Actor,
    items: Sequence[tuple[VehicleRegistration, str]],
) -> list[Plan | VicError]:
    """The first transaction of a batch of registrations: each registration in a savepoint of
    its own (a refused one writes nothing), the pending marks of all in one go."""
    today = ctx.today()
    now = ctx.now()
    results: list[Plan | VicError | None] = [None] * len(items)
    first_of: dict[str, int] = {}
    repeats: dict[int, int] = {}
    requests: list[tuple[int, PendingRequest]] = []
    for index, (registration, key) in enumerate(items):
        if key in first_of:  # the same event twice in the batch: the first one's outcome
            if items[first_of[key]][0] == registration:
                repeats[index] = first_of[key]
            else:
                results[index] = ConflictError(
                    f"the event key {key!r} was used for another event",
                    code="EVENT_KEY_REUSED",
                    event_key=key,
                )
            continue
        first_of[key] = index
        try:
            with session.begin_nested():
                planned = _plan_registration(session, ctx, actor, registration, key, today, now)
        except VicError as error:
            results[index] = error
            continue
        if isinstance(planned, PendingRequest):
            requests.append((index, planned))
        else:
            results[index] = planned
    pending = create_pending(session, ctx, actor, [request for _, request in requests])
    for (index, _), sign in zip(requests, pending, strict=True):
        results[index] = sign
    for index, first in repeats.items():
        results[index] = results[first]
    return [_planned(result) for result in results]


def _planned(result: Plan | VicError | None) -> Plan | VicError:
    assert result is not None, "every registration of a batch is planned"
    return result


def _plan_registration(
    session: Session,
    ctx: Context,
    actor: Actor,
    registration: VehicleRegistration,
    key: str,
    today: date,
    now: datetime,
) -> Plan | PendingRequest:
    """One registration of a batch: a replay of its event, or the vehicle and its pending
    mark's request (the rules of :meth:`IssuanceService.register_vehicle`)."""
    if registration.first_registration > today:
        raise UsageError("the first registration is after today")
    existing = vehicles_repo.find_vehicle(session, registration.vin)
    if existing is not None:
        replayed = replay(session, ctx, key, existing.id, IssuanceReason.REGISTRATION)
        if replayed is not None:
            differing = _differing_facts(session, existing, registration)
            if differing:
                raise ConflictError(
                    f"{registration.vin} was registered with other facts "
                    f"({', '.join(differing)}): a retry must repeat the registration",
                    code="EVENT_KEY_REUSED",
                    fields=differing,
                )
            return replayed
        raise ConflictError(f"{registration.vin} is already registered", code="VEHICLE_EXISTS")
    check_plate_free(session, registration.plate, registration.plate_type_code)
    if registration.valid_until is not None:
        valid_until = valid_until_for_month(*registration.valid_until)
    else:
        valid_until = next_due(registration.facts(), after=today).valid_until()
    if valid_until < now.replace(microsecond=0):
        raise RefusedError(
            f"the validity this event grants ended on {valid_until.isoformat()}",
            code="VALIDITY_ENDED",
        )
    owner = owner_for(session, registration.owner, now)
    vehicle = vehicles_repo.add_vehicle(
        session,
        vin=registration.vin,
        plate=registration.plate,
        plate_type_code=registration.plate_type_code,
        vehicle_type_code=registration.vehicle_type_code,
        use_category=registration.use_category.value,
        seats=registration.seats,
        first_registration=registration.first_registration,
        is_van=registration.is_van,
        casualty_accident=registration.casualty_accident,
        casualty_accident_date=registration.casualty_accident_date,
        owner_id=owner.id,
        created_at=now,
        updated_at=now,
    )
    audit(
        session,
        actor,
        "vehicle.register",
        f"vehicle:{vehicle.vin}",
        now,
        plate=vehicle.plate,
        owner=registration.owner,
        event=key,
    )
    return PendingRequest(
        vehicle_id=vehicle.id,
        subject=vehicle_subject(vehicle, InspectionBasis.ON_SITE),
        reason=IssuanceReason.REGISTRATION,
        valid_until=valid_until,
        event_key=key,
    )


def _differing_facts(
    session: Session, vehicle: Vehicle, registration: VehicleRegistration
) -> list[str]:
    """The facts of a retried registration that differ from the vehicle as registered (only
    while nothing has changed the vehicle since: a later transfer or change is no conflict)."""
    if vehicle.updated_at != vehicle.created_at:
        return []
    owner = session.get(Owner, vehicle.owner_id)
    registered = {
        "plate": vehicle.plate,
        "plate_type_code": vehicle.plate_type_code,
        "vehicle_type_code": vehicle.vehicle_type_code,
        "use_category": vehicle.use_category,
        "seats": vehicle.seats,
        "first_registration": vehicle.first_registration,
        "is_van": vehicle.is_van,
        "casualty_accident": vehicle.casualty_accident,
        "owner": owner.account_id if owner is not None else None,
    }
    asked = {
        "plate": registration.plate,
        "plate_type_code": registration.plate_type_code,
        "vehicle_type_code": registration.vehicle_type_code,
        "use_category": registration.use_category.value,
        "seats": registration.seats,
        "first_registration": registration.first_registration,
        "is_van": registration.is_van,
        "casualty_accident": registration.casualty_accident,
        "owner": registration.owner,
    }
    return [name for name, value in asked.items() if registered[name] != value]


def check_plate_free(
    session: Session, plate: str, plate_type: str, vehicle_id: int | None = None
) -> None:
    """:raises ConflictError: ``PLATE_IN_USE`` by another active vehicle."""
    other = vehicles_repo.plate_holder(session, plate, plate_type)
    if other is not None and other != vehicle_id:
        raise ConflictError(f"plate {plate} is in use", code="PLATE_IN_USE")
