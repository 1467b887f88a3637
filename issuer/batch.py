"""The inspection rules, for a batch of reports in one transaction (a single report is a batch
of one; stations' uploads and the batch importer send many).

:func:`plan_inspections` is the first transaction of
:meth:`vic.issuer.services.issuance.IssuanceService.report_inspections`: a handful of set-based
statements for the whole batch (look up stations, vehicles, known reports and the vehicles'
latest validity; insert the inspections, the audit rows and the pending marks). The rules, in
order: a known active station, an inspection day not in the future, a registered vehicle, a
report number not reused with other facts (a repeat returns its first outcome), a registration
not cancelled, a validity that has not already ended. A report the rules refuse gets its error
and writes nothing; the others go through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from vic.contexts.errors import (
    ConflictError,
    PermissionDeniedError,
    RecordNotFoundError,
    RefusedError,
    VicError,
)
from vic.issuer.db.models import Vehicle
from vic.issuer.domain import (
    Actor,
    InspectionOutcome,
    InspectionReport,
    IssuanceReason,
    IssuedMark,
)
from vic.issuer.marks import Done, PendingRequest, ToSign, create_pending, replay
from vic.issuer.policy import next_due
from vic.issuer.records import Context, audit_rows, vehicle_facts, vehicle_subject, year_month
from vic.issuer.repositories import audit as audit_repo
from vic.issuer.repositories import vehicles as vehicles_repo
from vic.vc.mark import InspectionBasis

__all__ = [
    "Decisions",
    "InspectionPlan",
    "Lookups",
    "decide",
    "finish_plans",
    "inspection_outcomes",
    "look_up",
    "plan_inspections",
    "record_inspections",
]


@dataclass(frozen=True)
class InspectionPlan:
    """What the first transaction decided for one report."""

    vin: str
    recorded_now: bool
    sign: ToSign | None = None
    done: Done | None = None
    error: VicError | None = None


@dataclass(frozen=True)
class Lookups:
    """What the rules read for a batch: stations (code, id, active) by code, vehicles by VIN,
    the recorded inspections of the batch's report numbers, the vehicles' latest validity."""

    stations: dict[str, Any]
    vehicles: dict[str, Any]
    """Rows of every column of the vehicle table (:func:`vehicles_repo.vehicle_rows`)."""
    known: dict[tuple[int, str], Any]
    validity: dict[int, datetime]


def look_up(session: Session, reports: Sequence[InspectionReport], *, lock: bool) -> Lookups:
    """Read what the rules need for ``reports`` (the vehicles locked for update with ``lock``)."""
    vins = {r.vin.strip().upper() for r in reports}
    stations = vehicles_repo.stations_by_code(session, {r.station for r in reports})
    vehicles = vehicles_repo.vehicle_rows(session, vins, lock=lock)
    known = vehicles_repo.inspections_by_report_numbers(session, {r.report_number for r in reports})
    validity = vehicles_repo.latest_validity(session, [v.id for v in vehicles.values()])
    return Lookups(stations, vehicles, known, validity)


@dataclass
class Decisions:
    """What the rules decided for a batch, before anything is written: each report's plan
    (None for a new one, until written), the new inspections (their report's index and row),
    the marks to allocate (report index, request), the repeats (index, first index); ``now``
    is the moment of the decision (the inspections' and their audit rows' time)."""

    now: datetime
    plans: list[InspectionPlan | None]
    new_index: list[int]
    new_rows: list[dict[str, object]]
    requests: list[tuple[int, PendingRequest]]
    repeats: list[tuple[int, int]]


Replayer = Callable[[str, int], ToSign | Done | None]
"""The plan of a recorded report's event (event key, vehicle id): its pending or issued mark."""


def decide(
    ctx: Context, reports: Sequence[InspectionReport], found: Lookups, replayer: Replayer
) -> Decisions:
    """Apply the rules (module doc) to ``reports`` with what ``found`` holds; writes nothing."""
    now = ctx.now()
    today = ctx.today()
    stations, vehicles, known = found.stations, found.vehicles, found.known
    validity = dict(found.validity)
    plans: list[InspectionPlan | None] = [None] * len(reports)
    first_of: dict[tuple[str, str], int] = {}
    repeats: list[tuple[int, int]] = []
    new_rows: list[dict[str, object]] = []
    new_index: list[int] = []
    requests: list[tuple[int, PendingRequest]] = []
    for index, report in enumerate(reports):
        key = (report.station, report.report_number)
        event_key = f"inspection:{report.station}:{report.report_number}"
        station = stations.get(report.station)
        vehicle = vehicles.get(report.vin.strip().upper())
        try:
            if station is None or not station.active:
                raise RefusedError(
                    f"{report.station} is not a known inspection station", code="UNKNOWN_STATION"
                )
            if report.inspected_on > today:
                raise RefusedError(
                    "the inspection day is in the future", code="INSPECTION_IN_FUTURE"
                )
            if vehicle is None:
                raise RecordNotFoundError(
                    f"no vehicle with VIN {report.vin}", code="VEHICLE_NOT_FOUND"
                )
            facts = (vehicle.id, report.passed, report.inspected_on)
            if key in first_of:  # the same report twice in the batch: the first one's outcome
                earlier = reports[first_of[key]]
                if (earlier.vin.strip().upper(), earlier.passed, earlier.inspected_on) != (
                    vehicle.vin,
                    report.passed,
                    report.inspected_on,
                ):
                    raise _reused(report)
                repeats.append((index, first_of[key]))
                continue
            recorded = known.get((station.id, report.report_number))
            if recorded is not None:
                if (recorded.vehicle_id, recorded.passed, recorded.inspected_on) != facts:
                    raise _reused(report)
                replayed = replayer(event_key, vehicle.id)
                plans[index] = InspectionPlan(
                    vehicle.vin,
                    False,
                    sign=replayed if isinstance(replayed, ToSign) else None,
                    done=replayed if isinstance(replayed, Done) else None,
                )
                first_of[key] = index
                continue
            if vehicle.cancelled_at is not None:
                raise RefusedError(
                    f"the registration of {vehicle.vin} is cancelled", code="VEHICLE_CANCELLED"
                )
            request = None
            if report.passed:
                request = _request(vehicle, report, validity.get(vehicle.id), event_key)
                if request.valid_until < now:
                    raise RefusedError(
                        f"the validity this inspection grants ended on {request.valid_until}",
                        code="VALIDITY_ENDED",
                    )
                validity[vehicle.id] = request.valid_until
        except VicError as error:
            plans[index] = InspectionPlan(report.vin, False, error=error)
            continue
        first_of[key] = index
        new_index.append(index)
        new_rows.append(
            {
                "station_id": station.id,
                "report_number": report.report_number,
                "vehicle_id": vehicle.id,
                "inspected_on": report.inspected_on,
                "passed": report.passed,
                "created_at": now,
            }
        )
        if request is not None:
            requests.append((index, request))
        plans[index] = InspectionPlan(vehicle.vin, True)
    return Decisions(now, plans, new_index, new_rows, requests, repeats)


def record_inspections(
    session: Session,
    actor: Actor,
    reports: Sequence[InspectionReport],
    decided: Decisions,
) -> dict[int, int]:
    """Insert the new inspections and their audit rows; their ids by report index."""
    if not decided.new_rows:
        return {}
    ids = vehicles_repo.insert_inspections(session, decided.new_rows)
    audit_repo.insert_rows(
        session,
        audit_rows(
            actor,
            decided.now,
            [
                (
                    "inspection.report",
                    f"vehicle:{_planned(decided.plans[i]).vin}",
                    {
                        "station": reports[i].station,
                        "report": reports[i].report_number,
                        "passed": reports[i].passed,
                    },
                )
                for i in decided.new_index
            ],
        ),
    )
    return dict(zip(decided.new_index, ids, strict=True))


def finish_plans(decided: Decisions, signs: Sequence[ToSign]) -> list[InspectionPlan]:
    """Every report's plan, once the marks of ``decided.requests`` are pending (``signs``)."""
    plans = list(decided.plans)
    for (index, _), sign in zip(decided.requests, signs, strict=True):
        plans[index] = InspectionPlan(_planned(plans[index]).vin, True, sign=sign)
    for index, first_index in decided.repeats:  # a repeated report shares the first one's plan
        first = _planned(plans[first_index])
        plans[index] = InspectionPlan(first.vin, False, first.sign, first.done)
    return [_planned(plan) for plan in plans]


def plan_inspections(
    session: Session, ctx: Context, actor: Actor, reports: Sequence[InspectionReport]
) -> list[InspectionPlan]:
    """The first transaction of a batch of reports (see the module doc)."""
    decided = decide(
        ctx,
        reports,
        look_up(session, reports, lock=True),
        lambda event_key, vehicle_id: replay(
            session, ctx, event_key, vehicle_id, IssuanceReason.INSPECTION
        ),
    )
    inspection_ids = record_inspections(session, actor, reports, decided)
    pending = create_pending(
        session,
        ctx,
        actor,
        [replace(request, inspection_id=inspection_ids[i]) for i, request in decided.requests],
    )
    return finish_plans(decided, pending)


def _planned(plan: InspectionPlan | None) -> InspectionPlan:
    assert plan is not None
    return plan


def _reused(report: InspectionReport) -> ConflictError:
    return ConflictError(
        f"report {report.report_number} of {report.station} was recorded with other facts",
        code="EVENT_KEY_REUSED",
    )


def _request(
    vehicle: Vehicle, report: InspectionReport, current: datetime | None, event_key: str
) -> PendingRequest:
    due = next_due(
        vehicle_facts(vehicle),
        after=report.inspected_on,
        current_valid_until=year_month(current) if current is not None else None,
    )
    return PendingRequest(
        vehicle_id=vehicle.id,
        subject=vehicle_subject(vehicle, InspectionBasis.ON_SITE),
        reason=IssuanceReason.INSPECTION,
        valid_until=due.valid_until(),
        event_key=event_key,
    )


def inspection_outcomes(
    actor: Actor,
    reports: Sequence[InspectionReport],
    accepted: Sequence[InspectionReport],
    plans: Sequence[InspectionPlan],
    issued: dict[int, IssuedMark],
) -> list[InspectionOutcome | VicError]:
    """Each report's outcome (or error), in order."""
    outcomes: list[InspectionOutcome | VicError] = []
    for report, plan in zip(accepted, plans, strict=True):
        if plan.error is not None:
            outcomes.append(plan.error)
            continue
        mark = None
        if plan.sign is not None:
            mark = issued[plan.sign.row_id]
        elif plan.done is not None:
            mark = plan.done.mark
        outcomes.append(
            InspectionOutcome(
                station=report.station,
                report_number=report.report_number,
                vin=plan.vin,
                passed=report.passed,
                mark=mark,
                recorded_now=plan.recorded_now,
            )
        )
    merged = iter(outcomes)
    return [
        PermissionDeniedError(
            f"this token reports for station {actor.station}, not {report.station}",
            code="STATION_MISMATCH",
        )
        if actor.station is not None and actor.station != report.station
        else next(merged)
        for report in reports
    ]
