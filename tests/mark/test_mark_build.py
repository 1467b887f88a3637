"""build_mark, valid_until_for_month, VehicleSubject and TerseStatus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from vic.contexts.errors import (
    MarkShapeError,
    StatusIndexRangeError,
    UsageError,
    ValidityRangeError,
)
from vic.vc.mark import (
    CHINA_STANDARD_TIME,
    InspectionBasis,
    TerseStatus,
    VehicleSubject,
    build_mark,
    new_mark_id,
    valid_until_for_month,
)

ISSUER = "did:web:gat.example.gov.cn"
SUBJECT = VehicleSubject(
    registration_number="鄂L12345",
    plate_type_code="02",
    vehicle_type_code="K33",
    vin="LSVAU2A36N2183457",
    inspection_basis=InspectionBasis.ON_SITE,
)
VALID_FROM = datetime(2026, 11, 25, tzinfo=UTC)
VALID_UNTIL = valid_until_for_month(2028, 11)
STATUS = TerseStatus(base_url="https://gat.example.gov.cn/status", index=123456)
MARK_ID = "urn:uuid:0b0e1a6c-6f0e-4a8e-9d2b-5c1f3c7e9a10"


def test_build_mark_exact_output() -> None:
    mark = build_mark(
        issuer=ISSUER,
        subject=SUBJECT,
        valid_from=VALID_FROM,
        valid_until=VALID_UNTIL,
        status=STATUS,
        mark_id=MARK_ID,
    )
    assert mark == {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://w3id.org/vc-barcodes/v1",
            "https://w3id.org/vehicle-inspection/v1",
        ],
        "type": ["VerifiableCredential", "VehicleInspectionCredential"],
        "id": "urn:uuid:0b0e1a6c-6f0e-4a8e-9d2b-5c1f3c7e9a10",
        "issuer": "did:web:gat.example.gov.cn",
        "validFrom": "2026-11-25T00:00:00Z",
        "validUntil": "2028-11-30T15:59:59Z",
        "credentialSubject": {
            "type": "Vehicle",
            "registrationNumber": "鄂L12345",
            "plateTypeCode": "02",
            "vehicleTypeCode": "K33",
            "vehicleIdentificationNumber": "LSVAU2A36N2183457",
            "inspectionBasis": "OnSite",
        },
        "credentialStatus": {
            "type": "TerseBitstringStatusListEntry",
            "terseStatusListBaseUrl": "https://gat.example.gov.cn/status",
            "terseStatusListIndex": 123456,
        },
    }
    assert list(mark) == [
        "@context",
        "type",
        "id",
        "issuer",
        "validFrom",
        "validUntil",
        "credentialSubject",
        "credentialStatus",
    ]


def test_build_mark_without_id_and_status() -> None:
    mark = build_mark(
        issuer=ISSUER, subject=SUBJECT, valid_from=VALID_FROM, valid_until=VALID_UNTIL
    )
    assert "id" not in mark
    assert "credentialStatus" not in mark
    assert mark["credentialSubject"]["inspectionBasis"] == "OnSite"


def test_dates_are_utc_z_whole_seconds() -> None:
    beijing_morning = datetime(2026, 11, 25, 8, 30, 15, 999_999, tzinfo=CHINA_STANDARD_TIME)
    local_month_end = datetime(2028, 11, 30, 23, 59, 59, tzinfo=CHINA_STANDARD_TIME)
    mark = build_mark(
        issuer=ISSUER, subject=SUBJECT, valid_from=beijing_morning, valid_until=local_month_end
    )
    assert mark["validFrom"] == "2026-11-25T00:30:15Z"
    assert mark["validUntil"] == "2028-11-30T15:59:59Z"


@pytest.mark.parametrize("which", ["valid_from", "valid_until"])
def test_naive_datetimes_are_refused(which: str) -> None:
    dates = {"valid_from": VALID_FROM, "valid_until": VALID_UNTIL}
    dates[which] = dates[which].replace(tzinfo=None)
    with pytest.raises(UsageError):
        build_mark(
            issuer=ISSUER,
            subject=SUBJECT,
            valid_from=dates["valid_from"],
            valid_until=dates["valid_until"],
        )


def test_valid_from_after_valid_until() -> None:
    with pytest.raises(ValidityRangeError) as info:
        build_mark(
            issuer=ISSUER,
            subject=SUBJECT,
            valid_from=VALID_UNTIL + timedelta(seconds=1),
            valid_until=VALID_UNTIL,
        )
    assert info.value.code == "VALIDITY_RANGE"


def test_valid_from_equal_to_valid_until_is_allowed() -> None:
    mark = build_mark(
        issuer=ISSUER, subject=SUBJECT, valid_from=VALID_UNTIL, valid_until=VALID_UNTIL
    )
    assert mark["validFrom"] == mark["validUntil"]


@pytest.mark.parametrize(
    "valid_until",
    [
        datetime(2028, 11, 30, 23, 59, 59, tzinfo=UTC),  # month end in UTC, not in CST
        datetime(2028, 11, 30, 15, 59, 58, tzinfo=UTC),
        datetime(2028, 12, 1, tzinfo=CHINA_STANDARD_TIME),
    ],
)
def test_valid_until_must_be_a_month_end_in_cst(valid_until: datetime) -> None:
    with pytest.raises(MarkShapeError) as info:
        build_mark(issuer=ISSUER, subject=SUBJECT, valid_from=VALID_FROM, valid_until=valid_until)
    assert info.value.code == "INVALID_VALID_UNTIL"


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2028, 11, datetime(2028, 11, 30, 15, 59, 59, tzinfo=UTC)),
        (2028, 12, datetime(2028, 12, 31, 15, 59, 59, tzinfo=UTC)),
        (2028, 2, datetime(2028, 2, 29, 15, 59, 59, tzinfo=UTC)),  # leap year
        (2027, 2, datetime(2027, 2, 28, 15, 59, 59, tzinfo=UTC)),
        (2100, 2, datetime(2100, 2, 28, 15, 59, 59, tzinfo=UTC)),  # not a leap year
        (2000, 2, datetime(2000, 2, 29, 15, 59, 59, tzinfo=UTC)),  # a leap year
        (2026, 4, datetime(2026, 4, 30, 15, 59, 59, tzinfo=UTC)),
    ],
)
def test_valid_until_for_month(year: int, month: int, expected: datetime) -> None:
    result = valid_until_for_month(year, month)
    assert result == expected
    assert result.utcoffset() == timedelta(0)
    local = result.astimezone(CHINA_STANDARD_TIME)
    assert (local.hour, local.minute, local.second, local.microsecond) == (23, 59, 59, 0)
    assert (local + timedelta(seconds=1)).day == 1


def test_december_rolls_into_january_one_second_later() -> None:
    end = valid_until_for_month(2028, 12)
    assert (end + timedelta(seconds=1)).astimezone(CHINA_STANDARD_TIME) == datetime(
        2029, 1, 1, tzinfo=CHINA_STANDARD_TIME
    )


@pytest.mark.parametrize(("year", "month"), [(2028, 0), (2028, 13), (0, 1), (2028, True)])
def test_valid_until_for_month_refuses_bad_arguments(year: int, month: int) -> None:
    with pytest.raises(UsageError):
        valid_until_for_month(year, month)


def test_subject_normalizes_its_fields() -> None:
    subject = VehicleSubject(
        registration_number="鄂l·12345",
        plate_type_code="02",
        vehicle_type_code="K33",
        vin=" lsvau2a36n2183457 ",
        inspection_basis="Exempt",  # type: ignore[arg-type]
    )
    assert subject.registration_number == "鄂L12345"
    assert subject.vin == "LSVAU2A36N2183457"
    assert subject.inspection_basis is InspectionBasis.EXEMPT
    assert subject.plate_type.name_zh == "小型汽车号牌"
    assert subject.vehicle_type.name_zh == "小型轿车"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("registration_number", "鄂I12345", "INVALID_PLATE"),
        ("plate_type_code", "05", "INVALID_PLATE_TYPE"),
        ("plate_type_code", "52", "PLATE_TYPE_MISMATCH"),
        ("vehicle_type_code", "K99", "INVALID_VEHICLE_TYPE"),
        ("vin", "LSVAU2A3QN2183457", "INVALID_VIN"),
        ("vin", "LSVAU2A37N2183457", "INVALID_VIN_CHECK_DIGIT"),
        ("inspection_basis", "Inspected", "INVALID_INSPECTION_BASIS"),
    ],
)
def test_subject_refuses_bad_fields(field: str, value: str, code: str) -> None:
    fields = {
        "registration_number": "鄂L12345",
        "plate_type_code": "02",
        "vehicle_type_code": "K33",
        "vin": "LSVAU2A36N2183457",
        "inspection_basis": "OnSite",
        field: value,
    }
    with pytest.raises(MarkShapeError) as info:
        VehicleSubject(**fields)  # type: ignore[arg-type]
    assert info.value.code == code


@pytest.mark.parametrize("index", [0, 2**26, 2**32 - 1])
def test_terse_status_index_range(index: int) -> None:
    assert (
        TerseStatus(base_url="https://s.example/status", index=index).to_json()[
            "terseStatusListIndex"
        ]
        == index
    )


@pytest.mark.parametrize("index", [-1, 2**32])
def test_terse_status_index_out_of_range(index: int) -> None:
    with pytest.raises(StatusIndexRangeError):
        TerseStatus(base_url="https://s.example/status", index=index)


@pytest.mark.parametrize(
    ("base_url", "index"),
    [
        ("https://s.example/status/", 1),
        ("s.example/status", 1),
        ("ftp://s.example/status", 1),
        ("https://s.example/status", True),
        ("https://s.example/status", "1"),
    ],
)
def test_terse_status_shape(base_url: str, index: int) -> None:
    with pytest.raises(MarkShapeError) as info:
        TerseStatus(base_url=base_url, index=index)
    assert info.value.code == "INVALID_MARK"


@pytest.mark.parametrize(
    ("issuer", "mark_id"),
    [
        ("https://gat.example.gov.cn", None),
        ("did:web:gat.example.gov.cn", "urn:uuid:0B0E1A6C-6F0E-4A8E-9D2B-5C1F3C7E9A10"),
        ("did:web:gat.example.gov.cn", "urn:uuid:not-a-uuid"),
        ("did:web:gat.example.gov.cn", "no scheme"),
    ],
)
def test_issuer_and_id_shape(issuer: str, mark_id: str | None) -> None:
    with pytest.raises(MarkShapeError) as info:
        build_mark(
            issuer=issuer,
            subject=SUBJECT,
            valid_from=VALID_FROM,
            valid_until=VALID_UNTIL,
            mark_id=mark_id,
        )
    assert info.value.code == "INVALID_MARK"


def test_new_mark_id_is_a_lower_case_uuid_urn() -> None:
    first, second = new_mark_id(), new_mark_id()
    assert first != second
    mark = build_mark(
        issuer=ISSUER,
        subject=SUBJECT,
        valid_from=VALID_FROM,
        valid_until=VALID_UNTIL,
        mark_id=first,
    )
    assert mark["id"] == first == first.lower()


def test_builder_refuses_a_subject_that_is_not_a_vehicle_subject() -> None:
    with pytest.raises(UsageError):
        build_mark(
            issuer=ISSUER,
            subject=SUBJECT.to_json(),  # type: ignore[arg-type]
            valid_from=VALID_FROM,
            valid_until=VALID_UNTIL,
        )


def test_other_offsets_are_converted() -> None:
    new_york = timezone(timedelta(hours=-5))
    mark = build_mark(
        issuer=ISSUER,
        subject=SUBJECT,
        valid_from=datetime(2026, 11, 24, 19, 0, tzinfo=new_york),
        valid_until=VALID_UNTIL,
    )
    assert mark["validFrom"] == "2026-11-25T00:00:00Z"
