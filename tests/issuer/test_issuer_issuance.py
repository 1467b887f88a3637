"""Every issuance event of the issue, the refusals, one current mark per vehicle, cancellation,
suspension, downloads and paper orders, idempotency, permissions and the audit log."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.issuer.helpers import (
    ADMIN,
    DID,
    OFFICE,
    STATION,
    STATION_CODE,
    SYSTEM,
    Backend,
    Clock,
    assert_verifies,
    config,
    make_vin,
    owner_actor,
    published_bits,
    registration,
)
from vic.contexts.errors import (
    ConflictError,
    PermissionDeniedError,
    RecordNotFoundError,
    RefusedError,
    UsageError,
)
from vic.issuer.db.models import Inspection, Mark, PaperOrder
from vic.issuer.domain import (
    Actor,
    Delivery,
    InspectionReport,
    IssuanceReason,
    PaperReason,
    RevocationReason,
    Role,
    VehicleChange,
    format_mark_number,
    parse_mark_number,
)
from vic.issuer.engine import Issuer
from vic.issuer.policy import UseCategory
from vic.vc.mark import InspectionBasis, check_mark, valid_until_for_month
from vic.vc.status import TERSE_LIST_LENGTH, StatusPurpose
from vic.verifier.result import Status
from vic.verifier.trust import TrustedIssuer, TrustList
from vic.verifier.verify import StaticStatusLists, verify_credential

LEAN_KEYS = {
    "@context",
    "type",
    "issuer",
    "validFrom",
    "validUntil",
    "credentialSubject",
    "credentialStatus",
    "proof",
}


def count_marks(issuer: Issuer) -> int:
    with issuer.database.read() as session:
        return session.execute(select(func.count(Mark.id))).scalar_one()


def verify_as_relying_party(issuer: Issuer, mark: dict[str, Any], clock: Clock) -> Status:
    """What a verifier with the pinned DID document and the published lists concludes."""
    trust = TrustList((TrustedIssuer(DID, {"en": "Demo"}, did_document=issuer.did_document()),))
    lists = [
        issuer.status_list(p, 0).credential
        for p in StatusPurpose
        if p.value in ("revocation", "suspension")
    ]
    result = verify_credential(
        mark, trust=trust, clock=clock, status_source=StaticStatusLists(lists)
    )
    return result.status


# --- registration ----------------------------------------------------------------------------


def test_registration_issues_a_lean_signed_mark(issuer: Issuer, clock: Clock) -> None:
    issued = issuer.register_vehicle(OFFICE, registration(1))
    mark = issued.credential
    assert set(mark) == LEAN_KEYS  # no id, no station, report, owner or reason
    assert "created" not in mark["proof"]
    assert mark["issuer"] == DID
    assert mark["proof"]["verificationMethod"] == f"{DID}#key-1"
    assert mark["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    subject = check_mark(mark)
    assert subject.vin == make_vin(1)
    assert subject.inspection_basis is InspectionBasis.ON_SITE
    # registered 2026-11-20, small private car: first due two years on (policy.next_due)
    assert mark["validUntil"] == "2028-11-30T15:59:59Z"
    assert issued.valid_until == valid_until_for_month(2028, 11)
    assert mark["validFrom"] == "2026-11-25T08:00:00Z"
    assert issued.reason is IssuanceReason.REGISTRATION
    assert issued.issued_now
    assert issued.current
    assert_verifies(issuer, mark, clock)
    assert verify_as_relying_party(issuer, mark, clock) is Status.VALID
    info = issuer.vehicle(OFFICE, make_vin(1))
    assert info.owner == "acct-1"
    assert info.current_mark == issued.number


def test_the_mark_number_is_the_terse_status_index(issuer: Issuer) -> None:
    issued = issuer.register_vehicle(OFFICE, registration(2))
    status = issued.credential["credentialStatus"]
    assert status["type"] == "TerseBitstringStatusListEntry"
    assert status["terseStatusListBaseUrl"] == "https://demo.vic.example/status"
    assert status["terseStatusListIndex"] == issued.number
    assert issued.number < TERSE_LIST_LENGTH  # list 0
    assert len(issued.number_text) == 10
    assert issued.number_text.isdigit()
    assert issued.number_text == format_mark_number(issued.number)
    assert parse_mark_number(issued.number_text) == issued.number
    assert issuer.mark(issued.number).credential == issued.credential


def test_registering_twice_returns_the_same_mark(issuer: Issuer) -> None:
    first = issuer.register_vehicle(OFFICE, registration(3))
    again = issuer.register_vehicle(OFFICE, registration(3))
    assert again.number == first.number
    assert again.credential == first.credential
    assert not again.issued_now
    assert count_marks(issuer) == 1
    with pytest.raises(ConflictError) as caught:
        issuer.register_vehicle(OFFICE, registration(3), event_key="another-event")
    assert caught.value.code == "VEHICLE_EXISTS"


def test_a_plate_in_use_is_refused(issuer: Issuer) -> None:
    issuer.register_vehicle(OFFICE, registration(4))
    other = registration(5)
    clash = type(other)(**{**other.__dict__, "plate": registration(4).plate})
    with pytest.raises(ConflictError) as caught:
        issuer.register_vehicle(OFFICE, clash)
    assert caught.value.code == "PLATE_IN_USE"


def test_an_imported_vehicle_keeps_its_known_validity(issuer: Issuer) -> None:
    issued = issuer.register_vehicle(
        OFFICE, registration(6, first_registration=date(2020, 3, 2), valid_until=(2027, 3))
    )
    assert issued.credential["validUntil"] == "2027-03-31T15:59:59Z"
    with pytest.raises(RefusedError) as caught:
        issuer.register_vehicle(
            OFFICE, registration(7, first_registration=date(2020, 3, 2), valid_until=(2025, 3))
        )
    assert caught.value.code == "VALIDITY_ENDED"


# --- one current mark per vehicle ------------------------------------------------------------


def test_a_transfer_supersedes_the_previous_mark(issuer: Issuer, clock: Clock) -> None:
    first = issuer.register_vehicle(OFFICE, registration(10))
    clock.advance(days=3)
    second = issuer.transfer_vehicle(OFFICE, make_vin(10), new_owner="acct-new", event_key="T-1")
    assert second.number != first.number
    assert second.reason is IssuanceReason.TRANSFER
    assert second.valid_until == first.valid_until  # the validity does not change
    assert second.current
    assert published_bits(issuer, first.credential, clock) == {
        "revocation": True,
        "suspension": False,
    }
    assert published_bits(issuer, second.credential, clock) == {
        "revocation": False,
        "suspension": False,
    }
    status = issuer.mark_status(first.number)
    assert status.revoked
    assert not status.current
    assert status.revocation_reason is RevocationReason.SUPERSEDED
    assert status.superseded_by == second.number
    assert issuer.mark_status(second.number).current
    assert issuer.vehicle(OFFICE, make_vin(10)).owner == "acct-new"
    assert verify_as_relying_party(issuer, first.credential, clock) is Status.REVOKED
    assert verify_as_relying_party(issuer, second.credential, clock) is Status.VALID
    assert issuer.mark(first.number).revocation_reason is RevocationReason.SUPERSEDED


def test_a_transfer_with_a_new_plate_and_a_change(issuer: Issuer, clock: Clock) -> None:
    issuer.register_vehicle(OFFICE, registration(11))
    moved = issuer.transfer_vehicle(
        OFFICE, make_vin(11), new_owner="acct-b", event_key="T-2", plate="鄂L7X123"
    )
    assert moved.credential["credentialSubject"]["registrationNumber"] == "鄂L7X123"
    changed = issuer.change_vehicle(
        OFFICE, make_vin(11), VehicleChange(vehicle_type_code="K31"), event_key="C-1"
    )
    assert changed.reason is IssuanceReason.CHANGE
    assert changed.credential["credentialSubject"]["vehicleTypeCode"] == "K31"
    assert issuer.mark_status(moved.number).revocation_reason is RevocationReason.SUPERSEDED
    assert issuer.current_mark(make_vin(11)) == issuer.mark(changed.number)
    again = issuer.change_vehicle(
        OFFICE, make_vin(11), VehicleChange(vehicle_type_code="K31"), event_key="C-1"
    )
    assert again.number == changed.number
    assert not again.issued_now


def test_an_event_key_names_one_event(issuer: Issuer) -> None:
    issuer.register_vehicle(OFFICE, registration(12))
    issuer.register_vehicle(OFFICE, registration(13))
    issuer.transfer_vehicle(OFFICE, make_vin(12), new_owner="acct-x", event_key="T-9")
    with pytest.raises(ConflictError) as caught:
        issuer.transfer_vehicle(OFFICE, make_vin(13), new_owner="acct-x", event_key="T-9")
    assert caught.value.code == "EVENT_KEY_REUSED"


# --- inspections -----------------------------------------------------------------------------


def truck(number: int) -> Any:
    """A truck registered in 2024, valid until 2026-11 (yearly inspections)."""
    return registration(
        number,
        category=UseCategory.TRUCK,
        vehicle_type_code="H11",
        first_registration=date(2024, 11, 10),
        valid_until=(2026, 11),
    )


def test_a_passed_inspection_issues_a_mark(issuer: Issuer, clock: Clock) -> None:
    before = issuer.register_vehicle(OFFICE, truck(20))
    report = InspectionReport(STATION_CODE, "R-0001", make_vin(20), date(2026, 11, 24), True)
    outcome = issuer.report_inspection(STATION, report)
    assert outcome.passed
    assert outcome.recorded_now
    assert outcome.mark is not None
    mark = outcome.mark
    assert mark.reason is IssuanceReason.INSPECTION
    assert mark.current
    assert mark.credential["validUntil"] == "2027-11-30T15:59:59Z"  # a truck: yearly
    assert "R-0001" not in str(mark.credential)
    assert STATION_CODE not in str(mark.credential)
    assert_verifies(issuer, mark.credential, clock)
    assert issuer.mark_status(before.number).revocation_reason is RevocationReason.SUPERSEDED
    repeated = issuer.report_inspection(STATION, report)
    assert repeated.mark is not None
    assert repeated.mark.number == mark.number
    assert not repeated.recorded_now
    assert not repeated.mark.issued_now


def test_a_failed_inspection_issues_nothing(issuer: Issuer) -> None:
    before = issuer.register_vehicle(OFFICE, truck(21))
    report = InspectionReport(STATION_CODE, "R-0002", make_vin(21), date(2026, 11, 24), False)
    outcome = issuer.report_inspection(STATION, report)
    assert not outcome.passed
    assert outcome.mark is None
    assert outcome.recorded_now
    assert count_marks(issuer) == 1
    assert issuer.current_mark(make_vin(21)) == issuer.mark(before.number)
    with issuer.database.read() as session:
        assert session.execute(select(func.count(Inspection.id))).scalar_one() == 1
    assert not issuer.report_inspection(STATION, report).recorded_now


def test_a_report_from_an_unknown_station_is_refused(issuer: Issuer) -> None:
    issuer.register_vehicle(OFFICE, truck(22))
    report = InspectionReport("999999-99", "R-1", make_vin(22), date(2026, 11, 24), True)
    with pytest.raises(RefusedError) as caught:
        issuer.report_inspection(SYSTEM, report)
    assert caught.value.code == "UNKNOWN_STATION"
    issuer.set_station_active(ADMIN, STATION_CODE, False)
    with pytest.raises(RefusedError) as inactive:
        issuer.report_inspection(
            STATION, InspectionReport(STATION_CODE, "R-2", make_vin(22), date(2026, 11, 24), True)
        )
    assert inactive.value.code == "UNKNOWN_STATION"
    assert count_marks(issuer) == 1
    with issuer.database.read() as session:
        assert session.execute(select(func.count(Inspection.id))).scalar_one() == 0


def test_a_station_reports_only_for_itself(issuer: Issuer) -> None:
    issuer.register_vehicle(OFFICE, truck(23))
    issuer.add_station(ADMIN, "420100-02", "武汉市第二检测站")
    report = InspectionReport("420100-02", "R-3", make_vin(23), date(2026, 11, 24), True)
    with pytest.raises(PermissionDeniedError) as caught:
        issuer.report_inspection(STATION, report)
    assert caught.value.code == "STATION_MISMATCH"
    with pytest.raises(PermissionDeniedError) as role:
        issuer.register_vehicle(STATION, registration(24))
    assert role.value.code == "ROLE_NOT_ALLOWED"


def test_a_report_number_reused_with_other_facts_conflicts(issuer: Issuer) -> None:
    issuer.register_vehicle(OFFICE, truck(25))
    issuer.report_inspection(
        STATION, InspectionReport(STATION_CODE, "R-4", make_vin(25), date(2026, 11, 24), False)
    )
    with pytest.raises(ConflictError) as caught:
        issuer.report_inspection(
            STATION, InspectionReport(STATION_CODE, "R-4", make_vin(25), date(2026, 11, 24), True)
        )
    assert caught.value.code == "EVENT_KEY_REUSED"


# --- exemption applications ------------------------------------------------------------------


def car(number: int, **facts: Any) -> Any:
    """A private car registered two years ago, due this month (2026-11)."""
    return registration(
        number, first_registration=date(2024, 11, 10), valid_until=(2026, 11), **facts
    )


def test_an_exemption_application_issues_an_exempt_mark(issuer: Issuer, clock: Clock) -> None:
    before = issuer.register_vehicle(OFFICE, car(30))
    owner = owner_actor("acct-30")
    mark = issuer.apply_for_exemption(owner, make_vin(30))
    assert mark.reason is IssuanceReason.EXEMPTION
    assert mark.basis is InspectionBasis.EXEMPT
    assert mark.credential["credentialSubject"]["inspectionBasis"] == "Exempt"
    assert mark.credential["validUntil"] == "2028-11-30T15:59:59Z"
    assert_verifies(issuer, mark.credential, clock)
    assert issuer.mark_status(before.number).revocation_reason is RevocationReason.SUPERSEDED
    again = issuer.apply_for_exemption(owner, make_vin(30))
    assert again.number == mark.number
    assert not again.issued_now
    assert count_marks(issuer) == 2


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        ({"is_van": True}, "VAN"),
        ({"casualty_accident": True}, "CASUALTY_ACCIDENT"),
    ],
)
def test_exemption_refusals(issuer: Issuer, facts: dict[str, Any], code: str) -> None:
    issuer.register_vehicle(OFFICE, car(31, **facts))
    with pytest.raises(RefusedError) as caught:
        issuer.apply_for_exemption(owner_actor("acct-31"), make_vin(31))
    assert caught.value.code == code
    assert count_marks(issuer) == 1
    (record,) = [a for a in issuer.audit_log() if a.action == "exemption.apply"]
    assert record.detail["code"] == code
    assert record.detail["allowed"] is False


def test_an_exemption_past_the_exemption_age_is_refused(issuer: Issuer) -> None:
    issuer.register_vehicle(
        OFFICE, registration(32, first_registration=date(2014, 11, 10), valid_until=(2026, 11))
    )
    with pytest.raises(RefusedError) as caught:
        issuer.apply_for_exemption(owner_actor("acct-32"), make_vin(32))
    assert caught.value.code == "TOO_OLD"


def test_a_recorded_casualty_accident_bars_the_exemption(issuer: Issuer) -> None:
    issuer.register_vehicle(OFFICE, car(33))
    info = issuer.record_casualty_accident(OFFICE, make_vin(33), on=date(2026, 5, 1))
    assert info.casualty_accident
    with pytest.raises(RefusedError) as caught:
        issuer.apply_for_exemption(owner_actor("acct-33"), make_vin(33))
    assert caught.value.code == "CASUALTY_ACCIDENT"


def test_only_the_owner_or_a_filer_applies(issuer: Issuer) -> None:
    issuer.register_vehicle(OFFICE, car(34))
    stranger = owner_actor("acct-stranger")
    with pytest.raises(PermissionDeniedError) as caught:
        issuer.apply_for_exemption(stranger, make_vin(34))
    assert caught.value.code == "NOT_OWNER"
    with pytest.raises(PermissionDeniedError) as self_filed:
        issuer.add_filing(stranger, make_vin(34), "acct-stranger")
    assert self_filed.value.code == "ROLE_NOT_ALLOWED"
    issuer.add_filing(OFFICE, make_vin(34), "acct-stranger")
    assert [v.vin for v in issuer.vehicles_of("acct-stranger")] == [make_vin(34)]
    assert issuer.vehicles_of("acct-stranger")[0].via_filing
    mark = issuer.apply_for_exemption(stranger, make_vin(34))
    assert mark.basis is InspectionBasis.EXEMPT
    assert issuer.end_filing(stranger, make_vin(34), "acct-stranger") is not None
    with pytest.raises(PermissionDeniedError):
        issuer.download_mark(stranger, make_vin(34))


# --- downloads and paper ---------------------------------------------------------------------


def test_a_re_download_returns_the_same_mark(issuer: Issuer) -> None:
    issued = issuer.register_vehicle(OFFICE, registration(40))
    downloaded = issuer.download_mark(owner_actor("acct-40"), make_vin(40))
    assert downloaded.credential == issued.credential
    assert downloaded.number == issued.number
    assert not downloaded.issued_now
    assert count_marks(issuer) == 1
    (record,) = [a for a in issuer.audit_log() if a.action == "mark.download"]
    assert record.actor_id == "owner-token-acct-40"
    assert record.target == f"mark:{issued.number}"
    with pytest.raises(PermissionDeniedError):
        issuer.download_mark(owner_actor("acct-41"), make_vin(40))


def test_a_lost_paper_mark_is_an_order_not_a_new_mark(issuer: Issuer) -> None:
    issued = issuer.register_vehicle(OFFICE, registration(42))
    order = issuer.order_paper_mark(
        owner_actor("acct-42"), make_vin(42), reason=PaperReason.LOST, delivery=Delivery.MAIL
    )
    assert order.mark.credential == issued.credential
    assert not order.mark.issued_now
    damaged = issuer.order_paper_mark(
        OFFICE, make_vin(42), reason=PaperReason.DAMAGED, delivery=Delivery.PICKUP
    )
    assert damaged.order_id != order.order_id
    assert count_marks(issuer) == 1
    assert issuer.current_mark(make_vin(42)) == issuer.mark(issued.number)
    with issuer.database.read() as session:
        assert session.execute(select(func.count(PaperOrder.id))).scalar_one() == 2
    assert [o.delivery for o in issuer.paper_orders(make_vin(42))] == [
        Delivery.MAIL,
        Delivery.PICKUP,
    ]


def test_an_expired_mark_is_not_downloadable(issuer: Issuer, clock: Clock) -> None:
    issuer.register_vehicle(OFFICE, registration(43))
    clock.advance(days=800)
    with pytest.raises(RefusedError) as caught:
        issuer.download_mark(owner_actor("acct-43"), make_vin(43))
    assert caught.value.code == "MARK_EXPIRED"
    with pytest.raises(RefusedError) as transfer:
        issuer.transfer_vehicle(OFFICE, make_vin(43), new_owner="acct-y", event_key="T-late")
    assert transfer.value.code == "INSPECTION_OVERDUE"


# --- cancellation and suspension -------------------------------------------------------------


def test_cancelling_a_registration_revokes_its_mark(issuer: Issuer, clock: Clock) -> None:
    issued = issuer.register_vehicle(OFFICE, registration(50))
    status = issuer.cancel_registration(OFFICE, make_vin(50))
    assert status is not None
    assert status.revoked
    assert status.revocation_reason is RevocationReason.CANCELLED
    assert issuer.mark_status(issued.number).revocation_reason is RevocationReason.CANCELLED
    assert published_bits(issuer, issued.credential, clock)["revocation"] is True
    assert issuer.current_mark(make_vin(50)) is None
    assert issuer.cancel_registration(OFFICE, make_vin(50)) is None
    with pytest.raises(RefusedError) as download:
        issuer.download_mark(owner_actor("acct-50"), make_vin(50))
    assert download.value.code == "VEHICLE_CANCELLED"
    with pytest.raises(RefusedError) as transfer:
        issuer.transfer_vehicle(OFFICE, make_vin(50), new_owner="acct-z", event_key="T-c")
    assert transfer.value.code == "VEHICLE_CANCELLED"
    assert verify_as_relying_party(issuer, issued.credential, clock) is Status.REVOKED


def test_suspension_and_unsuspension(issuer: Issuer, clock: Clock) -> None:
    issued = issuer.register_vehicle(OFFICE, registration(51))
    before = issuer.status_list(StatusPurpose.SUSPENSION, 0)
    status = issuer.suspend_mark(OFFICE, issued.number)
    assert status.suspended
    assert not status.revoked
    assert status.current
    assert published_bits(issuer, issued.credential, clock) == {
        "revocation": False,
        "suspension": True,
    }
    assert issuer.status_list(StatusPurpose.SUSPENSION, 0).etag != before.etag
    assert verify_as_relying_party(issuer, issued.credential, clock) is Status.SUSPENDED
    assert not issuer.unsuspend_mark(OFFICE, issued.number).suspended
    assert published_bits(issuer, issued.credential, clock)["suspension"] is False
    assert verify_as_relying_party(issuer, issued.credential, clock) is Status.VALID
    actions = [a.action for a in issuer.audit_log(target=f"mark:{issued.number}")]
    assert actions[:2] == ["mark.unsuspend", "mark.suspend"]


def test_unknown_marks_and_vehicles(issuer: Issuer) -> None:
    with pytest.raises(RecordNotFoundError) as mark:
        issuer.mark_status(12345)
    assert mark.value.code == "MARK_NOT_FOUND"
    with pytest.raises(RecordNotFoundError) as vehicle:
        issuer.download_mark(OFFICE, make_vin(99))
    assert vehicle.value.code == "VEHICLE_NOT_FOUND"


# --- audit -----------------------------------------------------------------------------------


def test_every_write_is_audited(issuer: Issuer) -> None:
    issued = issuer.register_vehicle(OFFICE, registration(60))
    issuer.transfer_vehicle(OFFICE, make_vin(60), new_owner="acct-61", event_key="T-60")
    issuer.suspend_mark(ADMIN, issued.number)
    log = issuer.audit_log(limit=1000)
    by_action = {(a.action, a.actor_id) for a in log}
    assert ("station.add", "admin-token-1") in by_action
    assert ("vehicle.register", "office-token-1") in by_action
    assert ("vehicle.transfer", "office-token-1") in by_action
    assert ("mark.issue", "office-token-1") in by_action
    assert ("mark.revoke", "office-token-1") in by_action
    assert ("mark.suspend", "admin-token-1") in by_action
    assert ("key.add", "issuer") in by_action
    assert all(a.at.tzinfo is not None and a.actor_role for a in log)
    transfer = next(a for a in log if a.action == "vehicle.transfer")
    assert transfer.detail["owner"] == "acct-61"
    assert transfer.target == f"vehicle:{make_vin(60)}"


# --- the QR-size switches --------------------------------------------------------------------


def test_the_mark_id_and_proof_created_are_switches(
    tmp_path: Path, database: Backend, clock: Clock
) -> None:
    with Issuer.open(
        config(tmp_path, database, clock, mark_id_in_credential=True, proof_created=True)
    ) as issuer:
        issued = issuer.register_vehicle(OFFICE, registration(70))
        mark = issued.credential
        assert mark["id"].startswith("urn:uuid:")
        assert mark["proof"]["created"] == "2026-11-25T08:00:00Z"
        check_mark(mark)
        assert_verifies(issuer, mark, clock)
        assert issuer.get_credential(mark["id"]) == mark


def test_a_lean_mark_is_still_found_by_its_kept_id(issuer: Issuer) -> None:
    issued = issuer.register_vehicle(OFFICE, registration(71))
    assert "id" not in issued.credential
    with issuer.database.read() as session:
        kept = session.execute(
            select(Mark.credential_id).where(Mark.number == issued.number)
        ).scalar_one()
    assert kept.startswith("urn:uuid:")
    assert issuer.get_credential(kept) == issued.credential


def test_an_actor_needs_a_proper_id() -> None:
    with pytest.raises(UsageError) as caught:
        Actor("has space", Role.OWNER)
    assert caught.value.code == "USAGE_ERROR"
