"""Property tests: for any valid vehicle, sign → verify holds for every suite, and changing any one
subject value breaks the signature. VC 1.1 credentials sign and verify too.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.mark.strategies import vehicle_subjects
from vic.contexts.loader import CREDENTIALS_V1, DATA_INTEGRITY_V2, VEHICLE_INSPECTION_V1
from vic.did.key import did_key, did_key_method_id
from vic.did.keys import KeyType, PrivateKey
from vic.did.resolver import DidResolver
from vic.did.web import build_did_web_document
from vic.vc.mark import InspectionBasis, VehicleSubject, build_mark, valid_until_for_month
from vic.vc.proofs import ProofsResult, add_proof, verify_proofs

NOW = datetime(2027, 3, 1, 8, 0, 0, tzinfo=UTC)
RESOLVER = DidResolver()

KEYS = {
    KeyType.ED25519: PrivateKey.generate(KeyType.ED25519),
    KeyType.P256: PrivateKey.generate(KeyType.P256),
    KeyType.P384: PrivateKey.generate(KeyType.P384),
}
SUITES = [
    ("eddsa-rdfc-2022", KeyType.ED25519),
    ("eddsa-jcs-2022", KeyType.ED25519),
    ("ecdsa-rdfc-2019", KeyType.P256),
    ("ecdsa-rdfc-2019", KeyType.P384),
    ("ecdsa-jcs-2019", KeyType.P256),
    ("ecdsa-jcs-2019", KeyType.P384),
]
SUITE_IDS = [f"{s}-{k.value}" for s, k in SUITES]

SUBJECT_FIELDS = [
    "registrationNumber",
    "plateTypeCode",
    "vehicleTypeCode",
    "vehicleIdentificationNumber",
    "inspectionBasis",
]

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def clock() -> datetime:
    return NOW


def sign(document: dict[str, Any], cryptosuite: str, key_type: KeyType) -> dict[str, Any]:
    key = KEYS[key_type]
    return add_proof(
        document,
        key=key,
        cryptosuite=cryptosuite,
        verification_method=did_key_method_id(key.public_key),
        clock=clock,
    )


def verify(document: dict[str, Any]) -> ProofsResult:
    return verify_proofs(document, resolver=RESOLVER, clock=clock)


def a_mark(subject: VehicleSubject, key_type: KeyType) -> dict[str, Any]:
    return build_mark(
        issuer=did_key(KEYS[key_type].public_key),
        subject=subject,
        valid_from=datetime(2026, 11, 25, tzinfo=UTC),
        valid_until=valid_until_for_month(2028, 11),
        mark_id="urn:uuid:2f9c6b1e-8a43-4c55-9d0e-3b8f1f2a7c10",
    )


def the_code(result: ProofsResult) -> str:
    assert not result.verified
    assert len(result.proofs) == 1
    error = result.proofs[0].error
    assert error is not None
    return error.code


# --- sign → verify, tamper → INVALID_SIGNATURE ----------------------------------------------------


@pytest.mark.parametrize(("cryptosuite", "key_type"), SUITES, ids=SUITE_IDS)
@SETTINGS
@given(subject=vehicle_subjects())
def test_sign_then_verify(cryptosuite: str, key_type: KeyType, subject: VehicleSubject) -> None:
    unsigned = a_mark(subject, key_type)
    before = copy.deepcopy(unsigned)
    signed = sign(unsigned, cryptosuite, key_type)
    assert unsigned == before  # add_proof never mutates its input
    assert {k: v for k, v in signed.items() if k != "proof"} == unsigned  # v2: nothing appended
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == cryptosuite
    assert proof["created"] == "2027-03-01T08:00:00Z"
    assert proof["proofValue"].startswith("z")
    result = verify(signed)
    assert result.verified, result.errors
    assert result.proofs[0].controller == did_key(KEYS[key_type].public_key)


@st.composite
def a_changed_value(draw: st.DrawFn, subject: dict[str, Any]) -> tuple[str, str]:
    """A subject field and a different value, valid-looking for that field."""
    field = draw(st.sampled_from(SUBJECT_FIELDS))
    other = draw(vehicle_subjects()).to_json()
    value = other[field]
    if value == subject[field]:
        # a second chance from a small, field-specific alternative
        alternatives = {
            "registrationNumber": subject[field][:-1] + ("1" if subject[field][-1] != "1" else "2"),
            "plateTypeCode": "01" if subject[field] != "01" else "02",
            "vehicleTypeCode": "K33" if subject[field] != "K33" else "K31",
            "vehicleIdentificationNumber": subject[field][:-1]
            + ("A" if subject[field][-1] != "A" else "B"),
            "inspectionBasis": "Exempt" if subject[field] == "OnSite" else "OnSite",
        }
        value = alternatives[field]
    return field, value


@pytest.mark.parametrize(("cryptosuite", "key_type"), SUITES, ids=SUITE_IDS)
@SETTINGS
@given(subject=vehicle_subjects(), data=st.data())
def test_changing_any_subject_value_breaks_the_signature(
    cryptosuite: str, key_type: KeyType, subject: VehicleSubject, data: st.DataObject
) -> None:
    signed = sign(a_mark(subject, key_type), cryptosuite, key_type)
    field, value = data.draw(a_changed_value(signed["credentialSubject"]), label="change")
    assert value != signed["credentialSubject"][field]
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"][field] = value
    assert the_code(verify(tampered)) == "INVALID_SIGNATURE"
    assert verify(signed).verified  # the original is untouched and still verifies


@pytest.mark.parametrize(("cryptosuite", "key_type"), SUITES, ids=SUITE_IDS)
@SETTINGS
@given(subject=vehicle_subjects(), position=st.integers(min_value=0))
def test_changing_one_proof_value_character_breaks_the_proof(
    cryptosuite: str, key_type: KeyType, subject: VehicleSubject, position: int
) -> None:
    signed = sign(a_mark(subject, key_type), cryptosuite, key_type)
    value = signed["proof"]["proofValue"]
    index = 1 + position % (len(value) - 1)  # keep the multibase prefix
    replacement = "2" if value[index] != "2" else "3"
    signed["proof"]["proofValue"] = value[:index] + replacement + value[index + 1 :]
    assert the_code(verify(signed)) in ("INVALID_SIGNATURE", "INVALID_PROOF_VALUE")


@SETTINGS
@given(subject=vehicle_subjects())
def test_a_proof_set_of_every_suite(subject: VehicleSubject) -> None:
    """One mark signed by every suite (a did:web authority with one method per key)."""
    did = "did:web:vehicles.example.gov.cn"
    document = build_did_web_document(
        did, [(f"key-{key_type.value}", key.public_key) for key_type, key in KEYS.items()]
    )
    resolver = DidResolver(pinned={did: document})
    unsigned = a_mark(subject, KeyType.P256)
    unsigned["issuer"] = did
    signed = unsigned
    for cryptosuite, key_type in SUITES:
        signed = add_proof(
            signed,
            key=KEYS[key_type],
            cryptosuite=cryptosuite,
            verification_method=f"{did}#key-{key_type.value}",
            clock=clock,
        )
    assert len(signed["proof"]) == len(SUITES)
    result = verify_proofs(signed, resolver=resolver, clock=clock)
    assert result.verified, result.errors
    assert [p.cryptosuite for p in result.proofs] == [s for s, _ in SUITES]
    assert {p.controller for p in result.proofs} == {did}


# --- VC 1.1 ---------------------------------------------------------------------------------------


def v1_mark(subject: VehicleSubject, key_type: KeyType) -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V1, VEHICLE_INSPECTION_V1],
        "type": ["VerifiableCredential", "VehicleInspectionCredential"],
        "id": "urn:uuid:2f9c6b1e-8a43-4c55-9d0e-3b8f1f2a7c10",
        "issuer": did_key(KEYS[key_type].public_key),
        "issuanceDate": "2026-11-25T00:00:00Z",
        "expirationDate": "2028-11-30T15:59:59Z",
        "credentialSubject": subject.to_json(),
    }


@pytest.mark.parametrize(("cryptosuite", "key_type"), SUITES, ids=SUITE_IDS)
@settings(max_examples=10, deadline=None)
@given(subject=vehicle_subjects())
def test_vc11_sign_then_verify(
    cryptosuite: str, key_type: KeyType, subject: VehicleSubject
) -> None:
    unsigned = v1_mark(subject, key_type)
    before = copy.deepcopy(unsigned)
    signed = sign(unsigned, cryptosuite, key_type)
    assert unsigned == before
    # the Data Integrity context is appended (the v1 context does not define DataIntegrityProof)
    assert signed["@context"] == [CREDENTIALS_V1, VEHICLE_INSPECTION_V1, DATA_INTEGRITY_V2]
    assert signed["issuanceDate"] == "2026-11-25T00:00:00Z"
    assert signed["expirationDate"] == "2028-11-30T15:59:59Z"
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    if "jcs" in cryptosuite:
        assert proof["@context"] == signed["@context"]  # the JCS suites carry the context
    else:
        assert "@context" not in proof
    result = verify(signed)
    assert result.verified, result.errors

    tampered = copy.deepcopy(signed)
    tampered["issuanceDate"] = "2026-11-26T00:00:00Z"
    assert the_code(verify(tampered)) == "INVALID_SIGNATURE"
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["vehicleTypeCode"] = (
        "K31" if subject.vehicle_type_code != "K31" else "K33"
    )
    assert the_code(verify(tampered)) == "INVALID_SIGNATURE"


@pytest.mark.parametrize(("cryptosuite", "key_type"), SUITES, ids=SUITE_IDS)
def test_vc11_without_the_data_integrity_context_does_not_verify(
    cryptosuite: str, key_type: KeyType
) -> None:
    """Dropping the appended context changes what was signed: the proof no longer holds."""
    subject = VehicleSubject(
        registration_number="鄂L12345",
        plate_type_code="02",
        vehicle_type_code="K33",
        vin="LSVAU2A36N2183457",
        inspection_basis=InspectionBasis.ON_SITE,
    )
    signed = sign(v1_mark(subject, key_type), cryptosuite, key_type)
    signed["@context"] = signed["@context"][:-1]
    result = verify(signed)
    assert not result.verified
    error = result.proofs[0].error
    assert error is not None
    # RDFC: DataIntegrityProof and its terms are undefined without the context; JCS: the proof's
    # @context is no longer a prefix of the document's
    assert error.code in ("UNDEFINED_TERM", "CONTEXT_MISMATCH")
    expected = "CONTEXT_MISMATCH" if "jcs" in cryptosuite else "UNDEFINED_TERM"
    assert error.code == expected


@pytest.mark.parametrize(("cryptosuite", "key_type"), SUITES, ids=SUITE_IDS)
def test_vc11_with_a_single_string_context(cryptosuite: str, key_type: KeyType) -> None:
    did = did_key(KEYS[key_type].public_key)
    unsigned = {
        "@context": CREDENTIALS_V1,
        "type": "VerifiableCredential",
        "issuer": {"id": did},
        "issuanceDate": "2026-11-25T00:00:00Z",
        "credentialSubject": {"id": "did:example:vehicle-1"},
    }
    signed = sign(unsigned, cryptosuite, key_type)
    assert signed["@context"] == [CREDENTIALS_V1, DATA_INTEGRITY_V2]
    assert verify(signed).verified
