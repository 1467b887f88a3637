"""Batches of inspection reports in one transaction (stations' uploads, the batch importer).

:func:`plan_inspections` is the first transaction of
:meth:`issuer.engine.Issuer.report_inspections`: a handful of set-based statements for the whole
batch (look up stations, vehicles, known reports and the vehicles' latest validity; insert the
inspections, the audit rows and the pending marks).
A report the rules refuse gets its error and writes nothing; the others go through. The outcome
of each report is the same as :meth:`~issuer.engine.Issuer.report_inspection` would give it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from vic.contexts.errors import ConflictError, RecordNotFoundError, RefusedError, VicError
from vic.issuer.db.models import AuditEntry, Inspection, Mark, Station, Vehicle
from vic.issuer.domain import Actor, InspectionReport, IssuanceReason
from vic.issuer.marks import Done, PendingRequest, ToSign, audit_rows, create_pending, replay
from vic.issuer.policy import UseCategory, VehicleFacts, next_due
from vic.issuer.records import Context, year_month
from vic.vc.mark import InspectionBasis, VehicleSubject

__all__ = ["InspectionPlan", "plan_inspections"]


@dataclass(frozen=True)
class InspectionPlan:
    """What the first transaction decided for one report."""

    vin: str
    recorded_now: bool
    sign: ToSign | None = None
    done: Done | None = None
    error: VicError | None = None


def plan_inspections(
    session: Session, ctx: Context, actor: Actor, reports: Sequence[InspectionReport]
) -> list[InspectionPlan]:
    """The first transaction of a batch of reports (see the module doc)."""
    now = ctx.now()
    today = ctx.today()
    stations = {
        row.code: row
        for row in session.execute(
            select(Station.code, Station.id, Station.active).where(
                Station.code.in_({r.station for r in reports})
            )
        )
    }
    vins = sorted({r.vin.strip().upper() for r in reports})
    vehicles = {
        row.vin: row
        for row in session.execute(
            select(
                Vehicle.id,
                Vehicle.vin,
                Vehicle.plate,
                Vehicle.plate_type_code,
                Vehicle.vehicle_type_code,
                Vehicle.use_category,
                Vehicle.seats,
                Vehicle.first_registration,
                Vehicle.is_van,
                Vehicle.casualty_accident,
                Vehicle.casualty_accident_date,
                Vehicle.cancelled_at,
            )
            .where(Vehicle.vin.in_(vins))
            .order_by(Vehicle.id)
            .with_for_update()
        )
    }
    known = {
        (row.station_id, row.report_number): row
        for row in session.execute(
            select(
                Inspection.station_id,
                Inspection.report_number,
                Inspection.vehicle_id,
                Inspection.passed,
                Inspection.inspected_on,
            ).where(Inspection.report_number.in_({r.report_number for r in reports}))
        )
    }
    vehicle_ids = [v.id for v in vehicles.values()]
    latest_ids = (
        select(func.max(Mark.id)).where(Mark.vehicle_id.in_(vehicle_ids)).group_by(Mark.vehicle_id)
    )
    validity: dict[int, datetime] = {
        row.vehicle_id: row.valid_until
        for row in session.execute(
            select(Mark.vehicle_id, Mark.valid_until).where(Mark.id.in_(latest_ids))
        )
    }

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
                replayed = replay(session, ctx, event_key, vehicle.id, IssuanceReason.INSPECTION)
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

    if new_rows:
        ids = list(
            session.execute(
                insert(Inspection).returning(Inspection.id, sort_by_parameter_order=True),
                new_rows,
            ).scalars()
        )
        inspection_ids = dict(zip(new_index, ids, strict=True))
        session.execute(
            insert(AuditEntry),
            audit_rows(
                actor,
                now,
                [
                    (
                        "inspection.report",
                        f"vehicle:{_planned(plans[i]).vin}",
                        {
                            "station": reports[i].station,
                            "report": reports[i].report_number,
                            "passed": reports[i].passed,
                        },
                    )
                    for i in new_index
                ],
            ),
        )
        pending = create_pending(
            session,
            ctx,
            actor,
            [_with_inspection(request, inspection_ids[i]) for i, request in requests],
        )
        for (index, _), sign in zip(requests, pending, strict=True):
            plans[index] = InspectionPlan(reports[index].vin.strip().upper(), True, sign=sign)
    for index, first_index in repeats:  # a repeated report shares the first one's plan
        first = plans[first_index]
        assert first is not None
        plans[index] = InspectionPlan(first.vin, False, first.sign, first.done)
    return [_planned(plan) for plan in plans]


def _planned(plan: InspectionPlan | None) -> InspectionPlan:
    assert plan is not None
    return plan


def _reused(report: InspectionReport) -> ConflictError:
    return ConflictError(
        f"report {report.report_number} of {report.station} was recorded with other facts",
        code="EVENT_KEY_REUSED",
    )


def _request(
    vehicle: Any, report: InspectionReport, current: datetime | None, event_key: str
) -> PendingRequest:
    facts = VehicleFacts(
        category=UseCategory(vehicle.use_category),
        seats=vehicle.seats,
        first_registration=vehicle.first_registration,
        is_van=vehicle.is_van,
        casualty_accident=vehicle.casualty_accident,
        casualty_accident_date=vehicle.casualty_accident_date,
    )
    due = next_due(
        facts,
        after=report.inspected_on,
        current_valid_until=year_month(current) if current is not None else None,
    )
    subject = VehicleSubject(
        registration_number=vehicle.plate,
        plate_type_code=vehicle.plate_type_code,
        vehicle_type_code=vehicle.vehicle_type_code,
        vin=vehicle.vin,
        inspection_basis=InspectionBasis.ON_SITE,
    )
    return PendingRequest(
        vehicle_id=vehicle.id,
        subject=subject,
        reason=IssuanceReason.INSPECTION,
        valid_until=due.valid_until(),
        event_key=event_key,
    )


def _with_inspection(request: PendingRequest, inspection_id: int) -> PendingRequest:
    return PendingRequest(
        vehicle_id=request.vehicle_id,
        subject=request.subject,
        reason=request.reason,
        valid_until=request.valid_until,
        event_key=request.event_key,
        inspection_id=inspection_id,
    )
