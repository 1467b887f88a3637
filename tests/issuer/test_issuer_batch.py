"""A batch of inspection reports gives each report what a single report would, in two
transactions: outcomes, refusals that write nothing, repeats, one current mark per vehicle."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.issuer.helpers import (
    OFFICE,
    STATION,
    STATION_CODE,
    SYSTEM,
    Clock,
    assert_verifies,
    make_vin,
    published_bits,
    registration,
)
from vic.contexts.errors import (
    ConflictError,
    PermissionDeniedError,
    RecordNotFoundError,
    RefusedError,
)
from vic.issuer.db.models import Inspection, Mark
from vic.issuer.domain import InspectionOutcome, InspectionReport, RevocationReason
from vic.issuer.engine import Issuer

DAY = date(2026, 11, 24)


def report(
    number: str, vehicle: int, passed: bool = True, station: str = STATION_CODE
) -> InspectionReport:
    return InspectionReport(station, number, make_vin(vehicle), DAY, passed)


def test_a_batch_of_reports(issuer: Issuer, clock: Clock) -> None:
    registered = {n: issuer.register_vehicle(OFFICE, registration(n)) for n in range(4)}
    batch = [
        report("B-1", 0),
        report("B-2", 1, passed=False),
        report("B-3", 2),
        report("B-4", 2),  # a second mark for the same vehicle in the same batch
        report("B-1", 0),  # the same report twice: one mark
        InspectionReport("nowhere", "B-5", make_vin(3), DAY, True),
        report("B-6", 99),
        InspectionReport(STATION_CODE, "B-7", make_vin(3), date(2026, 12, 1), True),
    ]
    results = issuer.report_inspections(SYSTEM, batch)
    assert len(results) == len(batch)
    first, failed, third, fourth, repeat, unknown, missing, future = results
    assert isinstance(first, InspectionOutcome)
    assert first.mark
    assert first.mark.current
    assert isinstance(repeat, InspectionOutcome)
    assert repeat.mark
    assert repeat.mark.number == first.mark.number
    assert not repeat.recorded_now
    assert isinstance(failed, InspectionOutcome)
    assert failed.mark is None
    assert failed.recorded_now
    assert isinstance(third, InspectionOutcome)
    assert isinstance(fourth, InspectionOutcome)
    assert third.mark
    assert fourth.mark
    assert not third.mark.current
    assert fourth.mark.current
    assert third.mark.revocation_reason is RevocationReason.SUPERSEDED
    assert isinstance(unknown, RefusedError)
    assert unknown.code == "UNKNOWN_STATION"
    assert isinstance(missing, RecordNotFoundError)
    assert missing.code == "VEHICLE_NOT_FOUND"
    assert isinstance(future, RefusedError)
    assert future.code == "INSPECTION_IN_FUTURE"
    for outcome in (first, third, fourth):
        assert outcome.mark is not None
        assert_verifies(issuer, outcome.mark.credential, clock)
    assert published_bits(issuer, registered[0].credential, clock)["revocation"] is True
    assert published_bits(issuer, third.mark.credential, clock)["revocation"] is True
    assert published_bits(issuer, fourth.mark.credential, clock)["revocation"] is False
    assert issuer.mark_status(registered[1].number).current  # a failed inspection: unchanged
    assert issuer.mark_status(registered[3].number).current  # refused reports wrote nothing
    with issuer.database.read() as session:
        assert session.execute(select(func.count(Inspection.id))).scalar_one() == 4
        assert session.execute(select(func.count(Mark.id))).scalar_one() == 4 + 3


def test_a_batch_is_idempotent(issuer: Issuer) -> None:
    for n in range(3):
        issuer.register_vehicle(OFFICE, registration(n))
    batch = [report(f"I-{n}", n) for n in range(3)]
    first = issuer.report_inspections(STATION, batch)
    again = issuer.report_inspections(STATION, batch)
    for one, two in zip(first, again, strict=True):
        assert isinstance(one, InspectionOutcome)
        assert isinstance(two, InspectionOutcome)
        assert one.mark
        assert two.mark
        assert one.mark.number == two.mark.number
        assert one.mark.issued_now
        assert not two.mark.issued_now
    single = issuer.report_inspection(STATION, batch[0])
    assert single.mark
    assert isinstance(first[0], InspectionOutcome)
    assert first[0].mark
    assert single.mark.number == first[0].mark.number


def test_a_batch_checks_each_report(issuer: Issuer) -> None:
    issuer.register_vehicle(OFFICE, registration(1))
    issuer.report_inspection(STATION, report("C-1", 1, passed=False))
    results = issuer.report_inspections(
        STATION, [report("C-1", 1, passed=True), report("C-2", 1, station="other-station")]
    )
    reused, other = results
    assert isinstance(reused, ConflictError)
    assert reused.code == "EVENT_KEY_REUSED"
    assert isinstance(other, PermissionDeniedError)
    assert other.code == "STATION_MISMATCH"
    assert issuer.report_inspections(STATION, []) == []


def test_registrations_in_one_batch_refuse_only_the_bad_ones(issuer: Issuer, clock: Clock) -> None:
    """A batch of registrations: a refused one writes nothing, the others are issued; a repeat
    within the batch shares the first one's mark; a rerun replays everything."""
    from dataclasses import replace

    from vic.contexts.errors import VicError

    taken = registration(3)
    clash = replace(registration(4), plate=taken.plate)
    batch = [registration(1), registration(2), taken, clash, registration(2), registration(5)]
    outcomes = issuer.issuance.register_vehicles(OFFICE, batch)
    errors = [o for o in outcomes if isinstance(o, VicError)]
    assert [(type(e), e.code) for e in errors] == [(ConflictError, "PLATE_IN_USE")]
    done = [o for o in outcomes if not isinstance(o, VicError)]
    assert [o.issued_now for o in done] == [True, True, True, False, True]
    assert done[1].mark.number == done[3].mark.number  # the repeat shares the first's mark
    for outcome in done:
        assert_verifies(issuer, outcome.mark.credential, clock)
    with pytest.raises(RecordNotFoundError):
        issuer.vehicle(OFFICE, clash.vin)  # nothing of the refused one was written

    again = issuer.issuance.register_vehicles(OFFICE, batch)
    assert [o.issued_now for o in again if not isinstance(o, VicError)] == [False] * 5
    assert [o.mark.number for o in again if not isinstance(o, VicError)] == [
        o.mark.number for o in done
    ]
