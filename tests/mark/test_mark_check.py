"""check_mark and is_mark: each wrong shape with its code."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.mark.strategies import vehicle_subjects
from vic.contexts.errors import MarkShapeError, StatusIndexRangeError, ValidityRangeError
from vic.vc.mark import (
    InspectionBasis,
    MarkErrorCode,
    TerseStatus,
    VehicleSubject,
    build_mark,
    check_mark,
    is_mark,
    valid_until_for_month,
)

GOOD: dict[str, Any] = {
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
PROOF = {
    "type": "DataIntegrityProof",
    "cryptosuite": "ecdsa-rdfc-2019",
    "verificationMethod": "did:web:gat.example.gov.cn#key-1",
    "proofPurpose": "assertionMethod",
    "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a",
}


def _with(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    mark = copy.deepcopy(GOOD)
    change(mark)
    return mark


def _code(mark: Any) -> str:
    with pytest.raises(MarkShapeError) as info:
        check_mark(mark)
    return info.value.code


def test_good_mark() -> None:
    assert check_mark(GOOD) == VehicleSubject(
        registration_number="鄂L12345",
        plate_type_code="02",
        vehicle_type_code="K33",
        vin="LSVAU2A36N2183457",
        inspection_basis=InspectionBasis.ON_SITE,
    )


def test_signed_mark_and_mark_without_optional_members() -> None:
    assert check_mark(_with(lambda m: m.update(proof=PROOF))).vin == "LSVAU2A36N2183457"
    lean = _with(lambda m: (m.pop("id"), m.pop("credentialStatus")))
    assert check_mark(lean).inspection_basis is InspectionBasis.ON_SITE


def test_issuer_as_object_with_did_id() -> None:
    mark = _with(lambda m: m.update(issuer={"id": "did:web:gat.example.gov.cn"}))
    assert check_mark(mark).plate_type_code == "02"


@pytest.mark.parametrize(
    "field",
    [
        "type",
        "registrationNumber",
        "plateTypeCode",
        "vehicleTypeCode",
        "vehicleIdentificationNumber",
        "inspectionBasis",
    ],
)
def test_missing_subject_field(field: str) -> None:
    assert _code(_with(lambda m: m["credentialSubject"].pop(field))) == "MISSING_SUBJECT_FIELD"


@pytest.mark.parametrize("field", ["id", "owner", "stationId", "useCategory"])
def test_extra_subject_field(field: str) -> None:
    mark = _with(lambda m: m["credentialSubject"].update({field: "x"}))
    assert _code(mark) == "UNEXPECTED_SUBJECT_FIELD"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("inspectionBasis", "Inspected", "INVALID_INSPECTION_BASIS"),
        ("inspectionBasis", "onsite", "INVALID_INSPECTION_BASIS"),
        ("inspectionBasis", {"@id": "OnSite"}, "INVALID_INSPECTION_BASIS"),
        ("type", "Car", "INVALID_SUBJECT"),
        ("type", ["Vehicle"], "INVALID_SUBJECT"),
        ("registrationNumber", "鄂I12345", "INVALID_PLATE"),
        ("registrationNumber", "鄂L·12345", "INVALID_PLATE"),  # not in normal form
        ("registrationNumber", "鄂L12345\n", "INVALID_PLATE"),
        ("registrationNumber", 12345, "INVALID_PLATE"),
        ("plateTypeCode", "05", "INVALID_PLATE_TYPE"),
        ("plateTypeCode", 2, "INVALID_PLATE_TYPE"),
        ("plateTypeCode", "52", "PLATE_TYPE_MISMATCH"),
        ("vehicleTypeCode", "K99", "INVALID_VEHICLE_TYPE"),
        ("vehicleTypeCode", "k33", "INVALID_VEHICLE_TYPE"),
        ("vehicleIdentificationNumber", "LSVAU2A37N2183457", "INVALID_VIN_CHECK_DIGIT"),
        ("vehicleIdentificationNumber", "lsvau2a36n2183457", "INVALID_VIN"),
        ("vehicleIdentificationNumber", "LSVAU2A36N218345", "INVALID_VIN"),
        ("vehicleIdentificationNumber", "LSVAU2A36N2183457\n", "INVALID_VIN"),
    ],
)
def test_wrong_subject_values(field: str, value: object, code: str) -> None:
    assert _code(_with(lambda m: m["credentialSubject"].update({field: value}))) == code


@pytest.mark.parametrize("subject", [None, "鄂L12345", [GOOD["credentialSubject"]], [], 3])
def test_subject_not_one_object(subject: object) -> None:
    assert _code(_with(lambda m: m.update(credentialSubject=subject))) == "INVALID_SUBJECT"


def test_missing_subject() -> None:
    assert _code(_with(lambda m: m.pop("credentialSubject"))) == "INVALID_SUBJECT"


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.update({"@context": list(reversed(m["@context"]))}),
        lambda m: m.update({"@context": m["@context"][:2]}),
        lambda m: m.update({"@context": [*m["@context"], "https://w3id.org/utopia/v2"]}),
        lambda m: m.update({"@context": "https://www.w3.org/ns/credentials/v2"}),
        lambda m: m.pop("@context"),
        lambda m: m.update(type=["VerifiableCredential"]),
        lambda m: m.update(type="VehicleInspectionCredential"),
        lambda m: m.update(type=[*m["type"], "OpticalBarcodeCredential"]),
        lambda m: m.update(name="车辆检验合格标志"),
        lambda m: m.update(credentialSchema={"id": "https://x.example/s", "type": "JsonSchema"}),
        lambda m: m.pop("issuer"),
        lambda m: m.update(issuer="https://gat.example.gov.cn"),
        lambda m: m.update(issuer={"name": "x"}),
        lambda m: m.update(id="urn:uuid:0B0E1A6C-6F0E-4A8E-9D2B-5C1F3C7E9A10"),
        lambda m: m.update(id=7),
        lambda m: m.pop("validFrom"),
        lambda m: m.pop("validUntil"),
        lambda m: m.update(validUntil="2028-11-30T23:59:59+08:00"),
        lambda m: m.update(validUntil="2028-11-30T15:59:59.000Z"),
        lambda m: m.update(validUntil="2028-11-30 15:59:59Z"),
        lambda m: m.update(validFrom="2026-02-30T00:00:00Z"),
        lambda m: m.update(validFrom=20261125),
        lambda m: m.update(credentialStatus=[m["credentialStatus"]]),
        lambda m: m["credentialStatus"].update(type="BitstringStatusListEntry"),
        lambda m: m["credentialStatus"].update(statusPurpose="revocation"),
        lambda m: m["credentialStatus"].pop("terseStatusListIndex"),
        lambda m: m["credentialStatus"].update(terseStatusListIndex="123456"),
        lambda m: m["credentialStatus"].update(terseStatusListBaseUrl="https://s.example/st/"),
    ],
)
def test_wrong_credential_shape(change: Callable[[dict[str, Any]], object]) -> None:
    assert _code(_with(change)) == "INVALID_MARK"


@pytest.mark.parametrize("credential", [None, "VC1-...", ["a"], 3])
def test_not_an_object(credential: object) -> None:
    assert _code(credential) == "INVALID_MARK"


@pytest.mark.parametrize(
    "valid_until", ["2028-11-30T23:59:59Z", "2028-11-30T15:59:58Z", "2028-12-01T00:00:00Z"]
)
def test_valid_until_not_a_month_end(valid_until: str) -> None:
    assert _code(_with(lambda m: m.update(validUntil=valid_until))) == "INVALID_VALID_UNTIL"


def test_valid_from_after_valid_until() -> None:
    with pytest.raises(ValidityRangeError):
        check_mark(_with(lambda m: m.update(validFrom="2028-11-30T16:00:00Z")))


@pytest.mark.parametrize("index", [-1, 2**32])
def test_status_index_out_of_range(index: int) -> None:
    with pytest.raises(StatusIndexRangeError):
        check_mark(_with(lambda m: m["credentialStatus"].update(terseStatusListIndex=index)))


def test_is_mark() -> None:
    assert is_mark(GOOD)
    assert is_mark({"type": "VehicleInspectionCredential"})
    assert is_mark({"type": ["VerifiableCredential", "VehicleInspectionCredential", "X"]})
    assert not is_mark({"type": ["VerifiableCredential"]})
    assert not is_mark({"type": "VerifiableCredential"})
    assert not is_mark({})
    assert not is_mark([])  # type: ignore[arg-type]
    assert not is_mark({"type": {"VehicleInspectionCredential": 1}})


def test_every_code_raised_is_documented() -> None:
    root = Path(__file__).resolve().parents[2] / "vc"
    literal_codes = set()
    for name in ("mark.py", "marktypes.py", "marksubject.py", "plate.py", "vin.py"):
        literal_codes |= set(re.findall(r'code="([A-Z_]+)"', (root / name).read_text("utf-8")))
    literal_codes.discard("VALIDITY_RANGE")  # a ValidityRangeError, not a shape
    assert literal_codes <= {code.value for code in MarkErrorCode}
    assert literal_codes  # the scan found the literals of vin.py and plate.py


@given(
    vehicle_subjects(),
    st.integers(2000, 2100),
    st.integers(1, 12),
    st.none() | st.integers(0, 2**32 - 1),
)
def test_built_marks_check(
    subject: VehicleSubject, year: int, month: int, index: int | None
) -> None:
    until = valid_until_for_month(year, month)
    mark = build_mark(
        issuer="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        subject=subject,
        valid_from=until.replace(day=1),
        valid_until=until,
        status=None if index is None else TerseStatus("https://s.example/status", index),
    )
    assert check_mark(mark) == subject
    assert is_mark(mark)


@given(vehicle_subjects())
def test_subject_json_round_trip(subject: VehicleSubject) -> None:
    data = subject.to_json()
    again = VehicleSubject(
        registration_number=data["registrationNumber"],
        plate_type_code=data["plateTypeCode"],
        vehicle_type_code=data["vehicleTypeCode"],
        vin=data["vehicleIdentificationNumber"],
        inspection_basis=InspectionBasis(data["inspectionBasis"]),
    )
    assert again == subject
    assert again.to_json() == data
