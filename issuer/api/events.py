"""What the single-event routes do, once for both ways in: the FastAPI routes
(:mod:`vic.issuer.api.routes.vehicles`) and the lean path (:mod:`vic.issuer.api.hot`).

Each function takes the validated request body, calls the engine and gives the HTTP status
(201 for a new event, 200 for one processed before) and the response model.
"""

from __future__ import annotations

from vic.contexts.errors import UsageError
from vic.issuer.api.models import InspectionRequest, TransferRequest, VehicleChangeRequest
from vic.issuer.api.responses import InspectionOut, MarkOut
from vic.issuer.domain import Actor, InspectionReport, IssuedMark, VehicleChange
from vic.issuer.engine import Issuer

__all__ = ["change", "issued", "report_inspection", "transfer"]


def issued(mark: IssuedMark) -> tuple[int, MarkOut]:
    """The status and body of an event's mark: 201 if issued now, 200 if before."""
    return 201 if mark.issued_now else 200, MarkOut.of(mark)


def transfer(issuer: Issuer, actor: Actor, vin: str, body: TransferRequest) -> tuple[int, MarkOut]:
    """``POST /vehicles/{vin}/transfers``."""
    mark = issuer.transfer_vehicle(
        actor,
        vin,
        new_owner=body.new_owner,
        event_key=body.event_key,
        plate=body.plate,
        plate_type_code=body.plate_type_code,
    )
    return issued(mark)


def change(
    issuer: Issuer, actor: Actor, vin: str, body: VehicleChangeRequest
) -> tuple[int, MarkOut]:
    """``POST /vehicles/{vin}/changes``."""
    vehicle_change = VehicleChange(
        plate=body.plate,
        plate_type_code=body.plate_type_code,
        vehicle_type_code=body.vehicle_type_code,
        use_category=body.use_category,
        seats=body.seats,
        is_van=body.is_van,
    )
    return issued(issuer.change_vehicle(actor, vin, vehicle_change, event_key=body.event_key))


def report_inspection(
    issuer: Issuer, actor: Actor, body: InspectionRequest
) -> tuple[int, InspectionOut]:
    """``POST /inspections``.

    :raises UsageError: ``STATION_REQUIRED``: neither the body nor the token names a station.
    """
    station = body.station or actor.station
    if station is None:
        raise UsageError("name the station: this token is bound to none", code="STATION_REQUIRED")
    report = InspectionReport(
        station=station,
        report_number=body.report_number,
        vin=body.vin,
        inspected_on=body.inspected_on,
        passed=body.passed,
    )
    outcome = issuer.report_inspection(actor, report)
    return 201 if outcome.recorded_now else 200, InspectionOut.of(outcome)
