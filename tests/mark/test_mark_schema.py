"""The subject's JSON Schema agrees with the code and the context; the mark expands in JSON-LD."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from typing import Any

import jsonschema  # type: ignore[import-untyped,unused-ignore]
import pytest
from hypothesis import given, settings
from pyld import jsonld

from tests.mark.strategies import vehicle_subjects
from vic.contexts.loader import VEHICLE_INSPECTION_V1, DocumentLoader, context_document
from vic.vc.mark import (
    InspectionBasis,
    VehicleSubject,
    build_mark,
    check_mark,
    subject_schema,
    valid_until_for_month,
)
from vic.vc.plate import PLATE_PATTERN, VEHICLE_TYPES, mark_plate_type_codes

VI = "https://w3id.org/vehicle-inspection#"


def test_schema_is_a_valid_draft_2020_12_schema_and_is_packaged() -> None:
    text = resources.files("vic.contexts").joinpath("schemas", "vehicle-subject.schema.json")
    schema = json.loads(text.read_text("utf-8"))
    assert schema == subject_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_matches_the_code_tables() -> None:
    schema = subject_schema()
    properties = schema["properties"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == list(properties)
    assert properties["type"] == {"const": "Vehicle", "description": "https://schema.org/Vehicle"}
    assert properties["registrationNumber"]["pattern"] == PLATE_PATTERN
    assert properties["plateTypeCode"]["enum"] == list(mark_plate_type_codes())
    assert properties["vehicleTypeCode"]["enum"] == list(VEHICLE_TYPES)
    assert properties["inspectionBasis"]["enum"] == [basis.value for basis in InspectionBasis]
    assert properties["vehicleIdentificationNumber"]["pattern"] == "^[0-9A-HJ-NPR-Z]{17}$"


def test_every_subject_property_is_a_term_of_the_context() -> None:
    terms = context_document(VEHICLE_INSPECTION_V1)["@context"]
    for name in subject_schema()["properties"]:
        if name != "type":
            assert name in terms
    assert terms["Vehicle"] == "https://schema.org/Vehicle"
    for basis in InspectionBasis:
        assert terms[basis.value] == VI + basis.value


@settings(deadline=None)  # the first example loads jsonschema: no timing in the tests
@given(vehicle_subjects())
def test_generated_subjects_are_valid_against_the_schema(subject: VehicleSubject) -> None:
    jsonschema.validate(subject.to_json(), subject_schema(), jsonschema.Draft202012Validator)


def _expanded_subject(mark: dict[str, Any]) -> dict[str, Any]:
    expanded = jsonld.expand(mark, {"documentLoader": DocumentLoader()})
    assert len(expanded) == 1
    subjects = expanded[0]["https://www.w3.org/2018/credentials#credentialSubject"]
    assert len(subjects) == 1
    subject: dict[str, Any] = subjects[0]
    return subject


def test_every_field_of_the_mark_survives_json_ld_expansion() -> None:
    mark = build_mark(
        issuer="did:web:gat.example.gov.cn",
        subject=VehicleSubject(
            "鄂L12345", "02", "K33", "LSVAU2A36N2183457", InspectionBasis.EXEMPT
        ),
        valid_from=valid_until_for_month(2026, 10),
        valid_until=valid_until_for_month(2028, 11),
        mark_id="urn:uuid:0b0e1a6c-6f0e-4a8e-9d2b-5c1f3c7e9a10",
    )
    mark["credentialStatus"] = {
        "type": "TerseBitstringStatusListEntry",
        "terseStatusListBaseUrl": "https://gat.example.gov.cn/status",
        "terseStatusListIndex": 7,
    }
    check_mark(mark)
    expanded = jsonld.expand(mark, {"documentLoader": DocumentLoader()})[0]
    assert expanded["@type"] == [
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        VI + "VehicleInspectionCredential",
    ]
    status = expanded["https://www.w3.org/2018/credentials#credentialStatus"][0]
    assert status["@type"] == ["https://w3id.org/vc-barcodes#TerseBitstringStatusListEntry"]
    assert status["https://w3id.org/vc-barcodes#terseStatusListIndex"] == [{"@value": 7}]
    assert _expanded_subject(mark) == {
        "@type": ["https://schema.org/Vehicle"],
        VI + "registrationNumber": [{"@value": "鄂L12345"}],
        VI + "plateTypeCode": [{"@value": "02"}],
        VI + "vehicleTypeCode": [{"@value": "K33"}],
        "https://schema.org/vehicleIdentificationNumber": [{"@value": "LSVAU2A36N2183457"}],
        VI + "inspectionBasis": [{"@id": VI + "Exempt"}],
    }


@pytest.mark.parametrize("basis", list(InspectionBasis))
def test_inspection_basis_expands_to_an_iri(basis: InspectionBasis) -> None:
    mark = build_mark(
        issuer="did:web:gat.example.gov.cn",
        subject=VehicleSubject("粤B12345D", "51", "K11", "1M8GDM9AXKP042788", basis),
        valid_from=valid_until_for_month(2026, 1),
        valid_until=valid_until_for_month(2026, 12),
    )
    subject = _expanded_subject(mark)
    assert subject[VI + "inspectionBasis"] == [{"@id": VI + basis.value}]


def test_importing_vc_mark_does_not_import_jsonschema() -> None:
    code = "import sys, vc.mark; sys.exit('jsonschema' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
