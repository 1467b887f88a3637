"""What the single-event routes do, once for both ways in: the FastAPI routes
(:mod:`vic.issuer.api.routes.vehicles`) and the lean path (:mod:`vic.issuer.api.hot`).

Each function takes the validated request body, calls the engine and gives the HTTP status
(201 for a new event, 200 for one processed before) and the response model. The lean path runs
transfers and changes from the event loop: :func:`transfer_event` and :func:`change_event` make
the engine's event (the same checks), which it runs in the same groups
(:meth:`~vic.issuer.services.issuance.IssuanceService.issue_async`).
"""

from __future__ import annotations

from vic.contexts.errors import UsageError
from vic.issuer.api.models import InspectionRequest, TransferRequest, VehicleChangeRequest
from vic.issuer.api.responses import InspectionOut, MarkOut
from vic.issuer.domain import Actor, InspectionReport, IssuedMark, VehicleChange
from vic.issuer.engine import Issuer
from vic.issuer.events import Event

__all__ = [
    "change",
    "change_event",
    "issued",
    "report_inspection",
    "transfer",
    "transfer_event",
]


def issued(mark: IssuedMark) -> tuple[int, MarkOut]:
    """The status and body of an event's mark: 201 if issued now, 200 if before."""
    return 201 if mark.issued_now else 200, MarkOut.of(mark)


def transfer_event(issuer: Issuer, actor: Actor, vin: str, body: TransferRequest) -> Event:
    """The engine's event of ``POST /vehicles/{vin}/transfers``."""
    return issuer.issuance.transfer_event(
        actor,
        vin,
        new_owner=body.new_owner,
        event_key=body.event_key,
        plate=body.plate,
        plate_type_code=body.plate_type_code,
    )


def transfer(issuer: Issuer, actor: Actor, vin: str, body: TransferRequest) -> tuple[int, MarkOut]:
    """``POST /vehicles/{vin}/transfers``."""
    return issued(issuer.issuance.run_event(transfer_event(issuer, actor, vin, body)))


def change_event(issuer: Issuer, actor: Actor, vin: str, body: VehicleChangeRequest) -> Event:
    """The engine's event of ``POST /vehicles/{vin}/changes``."""
    vehicle_change = VehicleChange(
        plate=body.plate,
        plate_type_code=body.plate_type_code,
        vehicle_type_code=body.vehicle_type_code,
        use_category=body.use_category,
        seats=body.seats,
        is_van=body.is_van,
    )
    return issuer.issuance.change_event(actor, vin, vehicle_change, event_key=body.event_key)


def change(
    issuer: Issuer, actor: Actor, vin: str, body: VehicleChangeRequest
) -> tuple[int, MarkOut]:
    """``POST /vehicles/{vin}/changes``."""
    return issued(issuer.issuance.run_event(change_event(issuer, actor, vin, body)))


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
