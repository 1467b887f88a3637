"""The domain's writes and reads: registrations, transfers, changes, cancellations, accidents,
filings, inspections, exemption applications and paper orders.

Every write goes through the engine with the token's actor, which audits it in the write's own
transaction. An event repeated with the same idempotency key returns what it issued the first
time (200 instead of 201), never a second mark.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Response

from vic.contexts.errors import PermissionDeniedError, RecordNotFoundError, UsageError
from vic.httpkit.bodies import StrictJsonRoute
from vic.httpkit.problems import error_responses
from vic.issuer.api import events
from vic.issuer.api.deps import IssuerDep, OfficeActor, OwnerOrOfficeActor, StationActor, VinPath
from vic.issuer.api.models import (
    TEXT_ID_PATTERN,
    AccidentRequest,
    FilingRequest,
    InspectionRequest,
    PaperOrderRequest,
    TransferRequest,
    VehicleChangeRequest,
    VehicleRegistrationRequest,
)
from vic.issuer.api.responses import (
    CancellationOut,
    FilingOut,
    InspectionOut,
    MarkOut,
    MarkStatusOut,
    PaperOrderOut,
    VehicleOut,
)
from vic.issuer.domain import (
    IssuedMark,
    Role,
    VehicleRegistration,
)

__all__ = ["router"]

router = APIRouter(route_class=StrictJsonRoute)

_WRITE_ERRORS: Final = error_responses(400, 401, 403, 404, 409, 413, 422)
_READ_ERRORS: Final = error_responses(401, 403, 404, 422)
_REPEATED: Final[dict[int | str, dict[str, Any]]] = {
    200: {"description": "The same event was processed before: the mark it issued."},
}


_REPORTED_BEFORE: Final[dict[int | str, dict[str, Any]]] = {
    200: {"description": "The report was recorded before: its outcome."},
}


def _issued(response: Response, mark: IssuedMark) -> MarkOut:
    response.status_code = 201 if mark.issued_now else 200
    return MarkOut.of(mark)


def _month(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    year, month = text.split("-")
    return int(year), int(month)


@router.post(
    "/vehicles",
    tags=["Vehicles"],
    operation_id="registerVehicle",
    summary="Register a vehicle (注册登记); its first mark comes with the registration",
    status_code=201,
    response_model=MarkOut,
    responses={**_REPEATED, **_WRITE_ERRORS},
)
def register_vehicle(
    actor: OfficeActor,
    body: VehicleRegistrationRequest,
    issuer: IssuerDep,
    response: Response,
) -> MarkOut:
    registration = VehicleRegistration(
        vin=body.vin,
        plate=body.plate,
        plate_type_code=body.plate_type_code,
        vehicle_type_code=body.vehicle_type_code,
        use_category=body.use_category,
        seats=body.seats,
        first_registration=body.first_registration,
        owner=body.owner,
        is_van=body.is_van,
        casualty_accident=body.casualty_accident,
        casualty_accident_date=body.casualty_accident_date,
        valid_until=_month(body.valid_until),
    )
    return _issued(response, issuer.register_vehicle(actor, registration, event_key=body.event_key))


@router.get(
    "/vehicles",
    tags=["Vehicles"],
    operation_id="listVehicles",
    summary="An owner's active vehicles: in their name, then those they filed",
    response_model=list[VehicleOut],
    responses=error_responses(400, 401, 403, 422),
)
def list_vehicles(
    actor: OwnerOrOfficeActor,
    issuer: IssuerDep,
    owner: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            pattern=TEXT_ID_PATTERN,
            description="The owner's account id (an owner token: its own, the default).",
        ),
    ] = None,
) -> list[VehicleOut]:
    if actor.role is Role.OWNER:
        if owner is not None and owner != actor.account:
            raise PermissionDeniedError("owners list their own vehicles", code="NOT_OWNER")
        owner = actor.account
    if owner is None:
        raise UsageError("name the owner: ?owner=<account id>", code="OWNER_REQUIRED")
    return [VehicleOut.of(v) for v in issuer.vehicles_of(owner)]


@router.get(
    "/vehicles/{vin}",
    tags=["Vehicles"],
    operation_id="getVehicle",
    summary="A vehicle (its owner, an owner who filed it, or the office)",
    response_model=VehicleOut,
    responses=_READ_ERRORS,
)
def get_vehicle(actor: OwnerOrOfficeActor, vin: VinPath, issuer: IssuerDep) -> VehicleOut:
    return VehicleOut.of(issuer.vehicle(actor, vin))


@router.post(
    "/vehicles/{vin}/transfers",
    tags=["Vehicles"],
    operation_id="transferVehicle",
    summary="Transfer a vehicle (转移登记): a new mark with the current validity",
    status_code=201,
    response_model=MarkOut,
    responses={**_REPEATED, **_WRITE_ERRORS},
)
def transfer_vehicle(
    actor: OfficeActor,
    vin: VinPath,
    body: TransferRequest,
    issuer: IssuerDep,
    response: Response,
) -> MarkOut:
    response.status_code, out = events.transfer(issuer, actor, vin, body)
    return out


@router.post(
    "/vehicles/{vin}/changes",
    tags=["Vehicles"],
    operation_id="changeVehicle",
    summary="Change a registration (变更登记): a new mark with the current validity",
    status_code=201,
    response_model=MarkOut,
    responses={**_REPEATED, **_WRITE_ERRORS},
)
def change_vehicle(
    actor: OfficeActor,
    vin: VinPath,
    body: VehicleChangeRequest,
    issuer: IssuerDep,
    response: Response,
) -> MarkOut:
    response.status_code, out = events.change(issuer, actor, vin, body)
    return out


@router.post(
    "/vehicles/{vin}/cancellation",
    tags=["Vehicles"],
    operation_id="cancelRegistration",
    summary="Cancel a registration (注销): the current mark is revoked (cancelled)",
    response_model=CancellationOut,
    responses=error_responses(401, 403, 404, 422),
)
def cancel_registration(actor: OfficeActor, vin: VinPath, issuer: IssuerDep) -> CancellationOut:
    status = issuer.cancel_registration(actor, vin)
    return CancellationOut(
        vin=vin.upper(),
        revoked_mark=MarkStatusOut.of(status) if status is not None else None,
    )


@router.post(
    "/vehicles/{vin}/accidents",
    tags=["Vehicles"],
    operation_id="recordCasualtyAccident",
    summary="Record an accident with casualties (it bars the exemption); issues nothing",
    response_model=VehicleOut,
    responses=_WRITE_ERRORS,
)
def record_accident(
    actor: OfficeActor, vin: VinPath, body: AccidentRequest, issuer: IssuerDep
) -> VehicleOut:
    on: date = body.on
    return VehicleOut.of(issuer.record_casualty_accident(actor, vin, on=on))


@router.post(
    "/vehicles/{vin}/filings",
    tags=["Vehicles"],
    operation_id="addFiling",
    summary="File a vehicle for an owner who is not its owner of record (备案)",
    status_code=201,
    response_model=FilingOut,
    responses=_WRITE_ERRORS,
)
def add_filing(
    actor: OfficeActor, vin: VinPath, body: FilingRequest, issuer: IssuerDep
) -> FilingOut:
    return FilingOut.of(issuer.add_filing(actor, vin, body.account))


@router.delete(
    "/vehicles/{vin}/filings/{account}",
    tags=["Vehicles"],
    operation_id="endFiling",
    summary="End a filing (the office, or the owner who filed)",
    response_model=FilingOut,
    responses=_READ_ERRORS,
)
def end_filing(
    actor: OwnerOrOfficeActor,
    vin: VinPath,
    account: Annotated[str, Path(min_length=1, max_length=128, pattern=TEXT_ID_PATTERN)],
    issuer: IssuerDep,
) -> FilingOut:
    ended = issuer.end_filing(actor, vin, account)
    if ended is None:
        raise RecordNotFoundError(f"{account} has no filing of {vin}", code="FILING_NOT_FOUND")
    return FilingOut.of(ended)


@router.post(
    "/inspections",
    tags=["Inspections"],
    operation_id="reportInspection",
    summary="Report an on-site inspection: a passed one issues a mark",
    status_code=201,
    response_model=InspectionOut,
    responses={**_REPORTED_BEFORE, **_WRITE_ERRORS},
)
def report_inspection(
    actor: StationActor,
    body: InspectionRequest,
    issuer: IssuerDep,
    response: Response,
) -> InspectionOut:
    response.status_code, out = events.report_inspection(issuer, actor, body)
    return out


@router.post(
    "/vehicles/{vin}/exemption-applications",
    tags=["Exemptions"],
    operation_id="applyForExemption",
    summary="Apply for the mark without on-site inspection (免检); refusals say why",
    status_code=201,
    response_model=MarkOut,
    responses={
        200: {"description": "This period's exemption mark was issued before: that mark."},
        **error_responses(401, 403, 404, 422),
    },
)
def apply_for_exemption(
    actor: OwnerOrOfficeActor, vin: VinPath, issuer: IssuerDep, response: Response
) -> MarkOut:
    return _issued(response, issuer.apply_for_exemption(actor, vin))


@router.post(
    "/vehicles/{vin}/paper-orders",
    tags=["Paper marks"],
    operation_id="orderPaperMark",
    summary="Order the paper mark again (lost or damaged): no new mark is issued",
    status_code=201,
    response_model=PaperOrderOut,
    responses=_WRITE_ERRORS,
)
def order_paper_mark(
    actor: OwnerOrOfficeActor, vin: VinPath, body: PaperOrderRequest, issuer: IssuerDep
) -> PaperOrderOut:
    order = issuer.order_paper_mark(actor, vin, reason=body.reason, delivery=body.delivery)
    return PaperOrderOut.of(order)
