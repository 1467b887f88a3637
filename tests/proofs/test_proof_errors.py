"""Every bad input to ``add_proof`` / ``verify_proofs`` gives its stable error code, never a crash.

Signing raises vic's own errors; verifying never raises for a bad proof and reports the code on the
proof (``result.proofs[i].error.code``) or on the document (``result.error.code``).
"""

from __future__ import annotations

import copy
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.workcount import POISON_CALL_BUDGET, counted_calls
from vic.contexts.errors import (
    CanonicalizationLimitError,
    JsonLdError,
    JsonLdLimitError,
    KeyTypeMismatchError,
    ProofGenerationError,
    ProtectedTermError,
    UndefinedTermError,
    UnknownContextError,
    UnsupportedCryptosuiteError,
    UsageError,
    VicError,
)
from vic.contexts.loader import CREDENTIALS_V1, CREDENTIALS_V2, DATA_INTEGRITY_V2
from vic.did.key import did_key, did_key_method_id
from vic.did.keys import KeyType, PrivateKey
from vic.did.multibase import multibase_decode
from vic.did.resolver import DidResolver
from vic.did.web import build_did_web_document
from vic.vc.contextpolicy import ContextPolicy
from vic.vc.jsonld import CanonicalizationLimits, canonicalize
from vic.vc.proofs import ProofsResult, add_proof, verify_proofs

# --- fixtures -------------------------------------------------------------------------------------

NOW = datetime(2027, 3, 1, 8, 0, 0, tzinfo=UTC)
UNKNOWN_CONTEXT = "https://example.org/contexts/unknown/v1"

MARK_CONTEXTS = [
    CREDENTIALS_V2,
    "https://w3id.org/vc-barcodes/v1",
    "https://w3id.org/vehicle-inspection/v1",
]

ED25519 = PrivateKey.generate(KeyType.ED25519)
P256 = PrivateKey.generate(KeyType.P256)
P384 = PrivateKey.generate(KeyType.P384)

# (cryptosuite, key) for every suite vic signs with
SUITES = [
    ("eddsa-rdfc-2022", ED25519),
    ("eddsa-jcs-2022", ED25519),
    ("ecdsa-rdfc-2019", P256),
    ("ecdsa-rdfc-2019", P384),
    ("ecdsa-jcs-2019", P256),
]
SUITE_IDS = [
    "eddsa-rdfc-2022",
    "eddsa-jcs-2022",
    "ecdsa-rdfc-2019-p256",
    "ecdsa-rdfc-2019-p384",
    "ecdsa-jcs-2019",
]
RDFC_SUITES = [(s, k) for s, k in SUITES if "rdfc" in s]
RDFC_IDS = [i for i in SUITE_IDS if "rdfc" in i]

WEB_DID = "did:web:vehicles.example.gov.cn"


def fixed_clock(moment: datetime = NOW) -> Callable[[], datetime]:
    return lambda: moment


def mark(issuer: str) -> dict[str, Any]:
    """The lean VC 2.0 mark of docs/mark.md (no status), unsigned."""
    return {
        "@context": list(MARK_CONTEXTS),
        "type": ["VerifiableCredential", "VehicleInspectionCredential"],
        "id": "urn:uuid:2f9c6b1e-8a43-4c55-9d0e-3b8f1f2a7c10",
        "issuer": issuer,
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
    }


def v1_credential(issuer: str, **subject: Any) -> dict[str, Any]:
    """A VC 1.1 credential (the v1 context has no @vocab)."""
    return {
        "@context": [CREDENTIALS_V1],
        "type": ["VerifiableCredential"],
        "id": "urn:uuid:8d7a8f0e-3f0c-4f8e-9b0a-0c5f3b7e2a11",
        "issuer": issuer,
        "issuanceDate": "2026-11-25T00:00:00Z",
        "credentialSubject": {"id": "did:example:vehicle-1", **subject},
    }


def sign(
    document: dict[str, Any],
    key: PrivateKey = P256,
    cryptosuite: str = "ecdsa-rdfc-2019",
    **options: Any,
) -> dict[str, Any]:
    options.setdefault("verification_method", did_key_method_id(key.public_key))
    options.setdefault("clock", fixed_clock())
    return add_proof(document, key=key, cryptosuite=cryptosuite, **options)


INLINE_ALLOWED = ContextPolicy(allow_inline=True)
"""To reach the JSON-LD layer's own defences behind the default context policy."""


def verify(
    document: dict[str, Any], resolver: DidResolver | None = None, **options: Any
) -> ProofsResult:
    options.setdefault("clock", fixed_clock())
    return verify_proofs(document, resolver=resolver or DidResolver(), **options)


def only_code(result: ProofsResult) -> str:
    """The code of the single failed proof of a one-proof document."""
    assert not result.verified
    assert len(result.proofs) == 1
    error = result.proofs[0].error
    assert isinstance(error, VicError)
    assert error.code == result.errors[0].code
    return error.code


def signed_mark(cryptosuite: str = "ecdsa-rdfc-2019", key: PrivateKey = P256) -> dict[str, Any]:
    return sign(mark(did_key(key.public_key)), key, cryptosuite)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any attempt to open a connection is recorded and refused."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access attempted during a test that must stay offline")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


# --- sanity: the happy path every negative test departs from --------------------------------------


@pytest.mark.parametrize(("cryptosuite", "key"), SUITES, ids=SUITE_IDS)
def test_a_good_mark_verifies(cryptosuite: str, key: PrivateKey) -> None:
    signed = signed_mark(cryptosuite, key)
    result = verify(signed)
    assert result.verified, result.errors
    assert result.proofs[0].controller == did_key(key.public_key)
    assert result.proofs[0].cryptosuite == cryptosuite


# --- JSON-LD safety -------------------------------------------------------------------------------


@pytest.mark.parametrize(("cryptosuite", "key"), RDFC_SUITES, ids=RDFC_IDS)
def test_unknown_context_when_signing_no_network(
    cryptosuite: str, key: PrivateKey, no_network: list[Any]
) -> None:
    document = mark(did_key(key.public_key))
    document["@context"].append(UNKNOWN_CONTEXT)
    with pytest.raises(UnknownContextError) as info:
        sign(document, key, cryptosuite)
    assert info.value.code == "UNKNOWN_CONTEXT"
    assert no_network == []


@pytest.mark.parametrize(("cryptosuite", "key"), RDFC_SUITES, ids=RDFC_IDS)
def test_unknown_context_when_verifying_no_network(
    cryptosuite: str, key: PrivateKey, no_network: list[Any]
) -> None:
    signed = signed_mark(cryptosuite, key)
    signed["@context"].append(UNKNOWN_CONTEXT)
    assert only_code(verify(signed)) == "UNKNOWN_CONTEXT"
    assert no_network == []


def test_unknown_context_as_the_only_context(no_network: list[Any]) -> None:
    document = mark(did_key(P256.public_key))
    document["@context"] = UNKNOWN_CONTEXT
    with pytest.raises(UnknownContextError):
        sign(document)
    assert no_network == []


def test_unknown_context_nested_in_an_inline_scoped_context(no_network: list[Any]) -> None:
    document = mark(did_key(P256.public_key))
    document["@context"].append(
        {"extra": {"@id": "https://example.org/extra", "@context": UNKNOWN_CONTEXT}}
    )
    document["credentialSubject"]["extra"] = {"id": "urn:example:1"}
    with pytest.raises(UnknownContextError):
        sign(document)
    assert no_network == []


def test_the_network_guard_really_refuses() -> None:
    """The fixture itself works: a real connect attempt is recorded and refused."""
    with pytest.MonkeyPatch.context() as mp:
        attempts: list[Any] = []

        def refuse(*args: Any, **kwargs: Any) -> Any:
            attempts.append(args)
            raise OSError("refused")

        mp.setattr(socket, "create_connection", refuse)
        with pytest.raises(OSError, match="refused"):
            socket.create_connection(("127.0.0.1", 9))
    assert len(attempts) == 1


@pytest.mark.parametrize(("cryptosuite", "key"), RDFC_SUITES, ids=RDFC_IDS)
def test_undefined_term_in_vc11_when_signing(cryptosuite: str, key: PrivateKey) -> None:
    document = v1_credential(did_key(key.public_key), nickname="Old Blue")
    with pytest.raises(UndefinedTermError) as info:
        sign(document, key, cryptosuite)
    assert info.value.code == "UNDEFINED_TERM"
    assert info.value.detail.get("term") == "nickname"


@pytest.mark.parametrize(("cryptosuite", "key"), RDFC_SUITES, ids=RDFC_IDS)
def test_undefined_term_in_vc11_when_verifying(cryptosuite: str, key: PrivateKey) -> None:
    signed = sign(v1_credential(did_key(key.public_key)), key, cryptosuite)
    assert verify(signed).verified
    signed["credentialSubject"]["nickname"] = "Old Blue"
    assert only_code(verify(signed)) == "UNDEFINED_TERM"


def test_undefined_type_in_vc11() -> None:
    document = v1_credential(did_key(P256.public_key))
    document["type"] = ["VerifiableCredential", "VehicleInspectionCredential"]
    with pytest.raises(UndefinedTermError):
        sign(document)


def test_undefined_term_in_the_proof_itself() -> None:
    signed = signed_mark()
    signed["proof"]["note"] = "added after signing"
    assert only_code(verify(signed)) == "UNDEFINED_TERM"


PROTECTED_REDEFINITIONS = [
    {"VerifiableCredential": "https://example.org/Fake"},
    {"name": "https://example.org/name"},
    {"type": "https://example.org/type"},
    {"registrationNumber": "https://example.org/plate"},  # our own @protected vocabulary
]


@pytest.mark.parametrize("inline", PROTECTED_REDEFINITIONS, ids=lambda c: next(iter(c)))
def test_protected_term_redefinition_when_signing(inline: dict[str, str]) -> None:
    document = mark(did_key(P256.public_key))
    document["@context"].append(inline)
    with pytest.raises(ProtectedTermError) as info:
        sign(document)
    assert info.value.code == "PROTECTED_TERM_REDEFINITION"


@pytest.mark.parametrize("inline", PROTECTED_REDEFINITIONS, ids=lambda c: next(iter(c)))
def test_protected_term_redefinition_when_verifying(inline: dict[str, str]) -> None:
    signed = signed_mark()
    signed["@context"].append(inline)
    assert only_code(verify(signed)) == "INLINE_CONTEXT"  # the default context policy
    assert only_code(verify(signed, context_policy=INLINE_ALLOWED)) == (
        "PROTECTED_TERM_REDEFINITION"
    )


def test_type_scoped_terms_win_over_an_inline_redefinition() -> None:
    """``issuer`` is defined in VerifiableCredential's type-scoped context (VC 2.0), which
    applies after an inline top-level definition: the redefinition cannot change the meaning."""
    plain = mark(did_key(P256.public_key))
    sneaky = copy.deepcopy(plain)
    sneaky["@context"].append({"issuer": "https://example.org/not-the-issuer"})
    assert canonicalize(sneaky) == canonicalize(plain)
    assert "https://www.w3.org/2018/credentials#issuer" in canonicalize(sneaky)


def test_protected_term_redefinition_in_vc11() -> None:
    document = v1_credential(did_key(P256.public_key))
    document["@context"].append({"VerifiableCredential": "https://example.org/Fake"})
    with pytest.raises(ProtectedTermError):
        sign(document)


# --- signatures and proof values ------------------------------------------------------------------


TAMPERS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("plate", lambda d: d["credentialSubject"].update(registrationNumber="鄂L12346")),
    (
        "vin",
        lambda d: d["credentialSubject"].update(vehicleIdentificationNumber="LSVAU2A36N2183458"),
    ),
    ("basis", lambda d: d["credentialSubject"].update(inspectionBasis="Exempt")),
    ("validUntil", lambda d: d.update(validUntil="2029-11-30T15:59:59Z")),
    ("id", lambda d: d.update(id="urn:uuid:2f9c6b1e-8a43-4c55-9d0e-3b8f1f2a7c11")),
    ("proof-created", lambda d: d["proof"].update(created="2027-03-01T08:00:01Z")),
    ("proof-purpose-added-domain", lambda d: d["proof"].update(domain="example.org")),
]


@pytest.mark.parametrize(("cryptosuite", "key"), SUITES, ids=SUITE_IDS)
@pytest.mark.parametrize(("name", "tamper"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_tampered_field(
    cryptosuite: str, key: PrivateKey, name: str, tamper: Callable[[dict[str, Any]], None]
) -> None:
    signed = signed_mark(cryptosuite, key)
    tamper(signed)
    assert only_code(verify(signed)) == "INVALID_SIGNATURE"


def test_removed_field_is_a_tamper() -> None:
    signed = signed_mark()
    del signed["validUntil"]
    assert only_code(verify(signed)) == "INVALID_SIGNATURE"


def test_signature_of_another_key() -> None:
    other = PrivateKey.generate(KeyType.P256)
    signed = signed_mark()
    forged = sign(mark(did_key(P256.public_key)), other)
    signed["proof"]["proofValue"] = forged["proof"]["proofValue"]
    assert only_code(verify(signed)) == "INVALID_SIGNATURE"


@pytest.mark.parametrize(("cryptosuite", "key"), SUITES, ids=SUITE_IDS)
@pytest.mark.parametrize("keep", [1, 10, 40, -3], ids=lambda n: f"keep{n}")
def test_truncated_proof_value(cryptosuite: str, key: PrivateKey, keep: int) -> None:
    signed = signed_mark(cryptosuite, key)
    signed["proof"]["proofValue"] = signed["proof"]["proofValue"][:keep]
    assert only_code(verify(signed)) == "INVALID_PROOF_VALUE"


@pytest.mark.parametrize(("cryptosuite", "key"), SUITES, ids=SUITE_IDS)
def test_proof_value_one_character_short(cryptosuite: str, key: PrivateKey) -> None:
    """One base58 character less may still decode to a full-length signature (base58 packs
    5.86 bits a character): then it is a well-formed value that does not verify."""
    signed = signed_mark(cryptosuite, key)
    short = signed["proof"]["proofValue"][:-1]
    signed["proof"]["proofValue"] = short
    full_length = len(multibase_decode(short)) == (96 if key is P384 else 64)
    expected = "INVALID_SIGNATURE" if full_length else "INVALID_PROOF_VALUE"
    assert only_code(verify(signed)) == expected


def test_lengthened_proof_value() -> None:
    signed = signed_mark()
    signed["proof"]["proofValue"] += "zz"
    assert only_code(verify(signed)) == "INVALID_PROOF_VALUE"


NOT_MULTIBASE: list[tuple[str, Callable[[str], Any]]] = [
    ("no-z-prefix", lambda v: v[1:]),
    ("base64url-prefix", lambda v: "u" + v[1:]),
    ("base58-zero", lambda v: v[:5] + "0" + v[6:]),
    ("base58-capital-O", lambda v: v[:5] + "O" + v[6:]),
    ("base58-l", lambda v: v[:5] + "l" + v[6:]),
    ("whitespace", lambda v: v[:5] + " " + v[6:]),
    ("empty", lambda v: ""),
    ("z-only", lambda v: "z"),
    ("number", lambda v: 12345),
    ("list", lambda v: [v]),
    ("null", lambda v: None),
]


@pytest.mark.parametrize(("name", "change"), NOT_MULTIBASE, ids=[n for n, _ in NOT_MULTIBASE])
def test_non_multibase_proof_value(name: str, change: Callable[[str], Any]) -> None:
    signed = signed_mark()
    signed["proof"]["proofValue"] = change(signed["proof"]["proofValue"])
    assert only_code(verify(signed)) == "INVALID_PROOF_VALUE"


def test_missing_proof_value() -> None:
    signed = signed_mark("eddsa-rdfc-2022", ED25519)
    del signed["proof"]["proofValue"]
    assert only_code(verify(signed)) == "INVALID_PROOF_VALUE"


# --- cryptosuites and key types -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bbs-2023", "ecdsa-sd-2023", "eddsa-2022", "", "EDDSA-RDFC-2022"])
def test_unsupported_cryptosuite_when_verifying(name: str) -> None:
    signed = signed_mark()
    signed["proof"]["cryptosuite"] = name
    result = verify(signed)
    assert only_code(result) == "UNSUPPORTED_CRYPTOSUITE"
    assert result.proofs[0].cryptosuite == name


def test_missing_cryptosuite_when_verifying() -> None:
    signed = signed_mark()
    del signed["proof"]["cryptosuite"]
    assert only_code(verify(signed)) == "UNSUPPORTED_CRYPTOSUITE"


@pytest.mark.parametrize(
    "proof_type", ["FooSignature2099", "Ed25519Signature2018", "BbsBlsSignature2020", 42, None]
)
def test_unknown_proof_type_when_verifying(proof_type: Any) -> None:
    signed = signed_mark()
    signed["proof"]["type"] = proof_type
    assert only_code(verify(signed)) == "UNSUPPORTED_CRYPTOSUITE"


@pytest.mark.parametrize("name", ["bbs-2023", "FooSignature2099", "RsaSignature2018"])
def test_unsupported_cryptosuite_when_signing(name: str) -> None:
    with pytest.raises(UnsupportedCryptosuiteError) as info:
        sign(mark(did_key(P256.public_key)), P256, name)
    assert info.value.code == "UNSUPPORTED_CRYPTOSUITE"


@pytest.mark.parametrize("name", ["Ed25519Signature2020", "JsonWebSignature2020"])
def test_legacy_suites_are_verify_only(name: str) -> None:
    with pytest.raises(ProofGenerationError) as info:
        sign(v1_credential(did_key(ED25519.public_key)), ED25519, name)
    assert info.value.code == "VERIFY_ONLY_SUITE"


@pytest.mark.parametrize(
    ("cryptosuite", "key"),
    [
        ("eddsa-rdfc-2022", P256),
        ("eddsa-jcs-2022", P256),
        ("eddsa-rdfc-2022", P384),
        ("ecdsa-rdfc-2019", ED25519),
        ("ecdsa-jcs-2019", ED25519),
    ],
    ids=[
        "eddsa-rdfc-p256",
        "eddsa-jcs-p256",
        "eddsa-rdfc-p384",
        "ecdsa-rdfc-ed25519",
        "ecdsa-jcs-ed25519",
    ],
)
def test_key_type_mismatch_when_signing(cryptosuite: str, key: PrivateKey) -> None:
    with pytest.raises(KeyTypeMismatchError) as info:
        sign(mark(did_key(key.public_key)), key, cryptosuite)
    assert info.value.code == "KEY_TYPE_MISMATCH"


@pytest.mark.parametrize(
    ("signed_with", "key", "claimed"),
    [
        ("ecdsa-rdfc-2019", P256, "eddsa-rdfc-2022"),
        ("ecdsa-jcs-2019", P256, "eddsa-jcs-2022"),
        ("ecdsa-rdfc-2019", P384, "eddsa-rdfc-2022"),
        ("eddsa-rdfc-2022", ED25519, "ecdsa-rdfc-2019"),
    ],
    ids=["p256-as-eddsa-rdfc", "p256-as-eddsa-jcs", "p384-as-eddsa-rdfc", "ed25519-as-ecdsa"],
)
def test_key_type_mismatch_when_verifying(signed_with: str, key: PrivateKey, claimed: str) -> None:
    signed = signed_mark(signed_with, key)
    signed["proof"]["cryptosuite"] = claimed
    assert only_code(verify(signed)) == "KEY_TYPE_MISMATCH"


# --- verification methods -------------------------------------------------------------------------


def web_resolver(document: dict[str, Any]) -> DidResolver:
    return DidResolver(pinned={document["id"]: document})


def test_verification_method_not_in_the_did_document() -> None:
    other = PrivateKey.generate(KeyType.P256)
    document = build_did_web_document(WEB_DID, [("key-1", P256.public_key)])
    signed = sign(mark(WEB_DID), P256, verification_method=f"{WEB_DID}#key-2")
    assert only_code(verify(signed, web_resolver(document))) == "VERIFICATION_METHOD_NOT_FOUND"
    # and the same with the fragment existing but a key that did not sign: INVALID_SIGNATURE
    document = build_did_web_document(WEB_DID, [("key-2", other.public_key)])
    assert only_code(verify(signed, web_resolver(document))) == "INVALID_SIGNATURE"


def test_verification_method_of_a_did_key_with_a_wrong_fragment() -> None:
    did = did_key(P256.public_key)
    signed = sign(mark(did), P256, verification_method=f"{did}#key-1")
    assert only_code(verify(signed)) == "VERIFICATION_METHOD_NOT_FOUND"


def test_verification_method_only_in_authentication() -> None:
    document = build_did_web_document(
        WEB_DID, [("key-1", P256.public_key), ("key-2", ED25519.public_key)], assertion=["key-2"]
    )
    document["authentication"] = [f"{WEB_DID}#key-1"]
    signed = sign(mark(WEB_DID), P256, verification_method=f"{WEB_DID}#key-1")
    assert only_code(verify(signed, web_resolver(document))) == "VERIFICATION_METHOD_NOT_AUTHORIZED"
    # the same key is fine for an authentication proof
    auth = sign(
        mark(WEB_DID), P256, verification_method=f"{WEB_DID}#key-1", proof_purpose="authentication"
    )
    assert verify(auth, web_resolver(document), expected_purpose="authentication").verified


def test_verification_method_controlled_by_another_did() -> None:
    did = "did:web:other.example.com"
    document = build_did_web_document(WEB_DID, [("key-1", P256.public_key)])
    document["verificationMethod"][0]["controller"] = did
    signed = sign(mark(WEB_DID), P256, verification_method=f"{WEB_DID}#key-1")
    assert only_code(verify(signed, web_resolver(document))) == "VERIFICATION_METHOD_NOT_AUTHORIZED"


def test_unpinned_did_web_is_not_fetched(no_network: list[Any]) -> None:
    signed = sign(mark(WEB_DID), P256, verification_method=f"{WEB_DID}#key-1")
    assert only_code(verify(signed)) == "DID_NOT_FOUND"
    assert no_network == []


def test_key_rotation_old_and_new_keys_verify() -> None:
    old, new = PrivateKey.generate(KeyType.P256), PrivateKey.generate(KeyType.P256)
    document = build_did_web_document(
        WEB_DID, [("key-2025", old.public_key), ("key-2026", new.public_key)]
    )
    resolver = web_resolver(document)
    before = sign(mark(WEB_DID), old, verification_method=f"{WEB_DID}#key-2025")
    after = sign(mark(WEB_DID), new, verification_method=f"{WEB_DID}#key-2026")
    for signed in (before, after):
        result = verify(signed, resolver)
        assert result.verified, result.errors
        assert result.proofs[0].controller == WEB_DID
    # the old signature is tied to the old method: claiming the new one fails
    before["proof"]["verificationMethod"] = f"{WEB_DID}#key-2026"
    assert only_code(verify(before, resolver)) == "INVALID_SIGNATURE"


def test_key_rotation_compromised_key_dropped_from_assertion() -> None:
    old, new = PrivateKey.generate(KeyType.P256), PrivateKey.generate(KeyType.P256)
    document = build_did_web_document(
        WEB_DID,
        [("key-2025", old.public_key), ("key-2026", new.public_key)],
        assertion=["key-2026"],
    )
    signed = sign(mark(WEB_DID), old, verification_method=f"{WEB_DID}#key-2025")
    assert only_code(verify(signed, web_resolver(document))) == "VERIFICATION_METHOD_NOT_AUTHORIZED"


# --- purposes, dates, domains, challenges ---------------------------------------------------------


def test_proof_purpose_mismatch() -> None:
    signed = sign(mark(did_key(P256.public_key)), proof_purpose="authentication")
    assert only_code(verify(signed)) == "PROOF_PURPOSE_MISMATCH"
    assert verify(signed, expected_purpose="authentication").verified
    assertion = signed_mark()
    assert only_code(verify(assertion, expected_purpose="authentication")) == (
        "PROOF_PURPOSE_MISMATCH"
    )


def test_proof_purpose_changed_after_signing() -> None:
    signed = signed_mark()
    signed["proof"]["proofPurpose"] = "authentication"
    result = verify(signed, expected_purpose="authentication")
    assert only_code(result) == "INVALID_SIGNATURE"


@pytest.mark.parametrize("field", ["proofPurpose", "verificationMethod"])
@pytest.mark.parametrize("value", [None, "", 7], ids=["missing", "empty", "number"])
def test_proof_without_required_strings(field: str, value: Any) -> None:
    signed = signed_mark()
    if value is None:
        del signed["proof"][field]
    else:
        signed["proof"][field] = value
    assert only_code(verify(signed)) == "INVALID_PROOF"


def test_expired_proof() -> None:
    signed = sign(mark(did_key(P256.public_key)), expires="2027-06-01T00:00:00Z")
    assert signed["proof"]["expires"] == "2027-06-01T00:00:00Z"
    assert verify(signed, clock=fixed_clock(datetime(2027, 5, 31, 23, 59, 59, tzinfo=UTC))).verified
    late = fixed_clock(datetime(2027, 6, 1, 0, 0, 1, tzinfo=UTC))
    assert verify(signed, clock=late).verified  # within the default 5-minute clock skew
    assert only_code(verify(signed, clock=late, clock_skew=timedelta(0))) == "PROOF_EXPIRED"
    later = fixed_clock(datetime(2027, 6, 1, 0, 5, 1, tzinfo=UTC))
    assert only_code(verify(signed, clock=later)) == "PROOF_EXPIRED"


def test_proof_created_in_the_future_within_the_skew() -> None:
    signed = sign(mark(did_key(P256.public_key)))  # created at the fixed clock's time
    created = datetime.fromisoformat(signed["proof"]["created"].replace("Z", "+00:00"))
    early = fixed_clock(created - timedelta(minutes=4))
    assert verify(signed, clock=early, reject_future=True).verified
    too_early = fixed_clock(created - timedelta(minutes=6))
    assert verify(signed, clock=too_early).verified  # a credential: the verifier says NOT_YET_VALID
    assert only_code(verify(signed, clock=too_early, reject_future=True)) == "PROOF_IN_FUTURE"


@pytest.mark.parametrize("skew", [timedelta(seconds=-1), timedelta(days=2)])
def test_clock_skew_out_of_range(skew: timedelta) -> None:
    signed = sign(mark(did_key(P256.public_key)))
    with pytest.raises(UsageError):
        verify(signed, clock_skew=skew)


def test_expired_proof_with_datetime_expires() -> None:
    expires = datetime(2027, 1, 1, tzinfo=UTC)
    signed = sign(mark(did_key(ED25519.public_key)), ED25519, "eddsa-rdfc-2022", expires=expires)
    assert signed["proof"]["expires"] == "2027-01-01T00:00:00Z"
    assert only_code(verify(signed)) == "PROOF_EXPIRED"  # NOW is 2027-03-01


def test_domain_and_challenge() -> None:
    signed = sign(mark(did_key(P256.public_key)), domain="verifier.example.com", challenge="c-123")
    assert verify(signed).verified  # no expectation: nothing to check
    assert verify(signed, domain="verifier.example.com", challenge="c-123").verified
    assert only_code(verify(signed, domain="evil.example.com")) == "INVALID_DOMAIN"
    assert only_code(verify(signed, challenge="c-124")) == "INVALID_CHALLENGE"
    assert only_code(verify(signed, domain="verifier.example.com", challenge="x")) == (
        "INVALID_CHALLENGE"
    )


def test_domain_list() -> None:
    signed = sign(mark(did_key(P256.public_key)), domain=["a.example.com", "b.example.com"])
    assert signed["proof"]["domain"] == ["a.example.com", "b.example.com"]
    assert verify(signed, domain="b.example.com").verified
    assert only_code(verify(signed, domain="c.example.com")) == "INVALID_DOMAIN"


def test_domain_and_challenge_required_but_absent() -> None:
    signed = signed_mark()
    assert only_code(verify(signed, domain="verifier.example.com")) == "INVALID_DOMAIN"
    assert only_code(verify(signed, challenge="c-123")) == "INVALID_CHALLENGE"


def test_domain_changed_after_signing() -> None:
    signed = sign(mark(did_key(P256.public_key)), domain="verifier.example.com")
    signed["proof"]["domain"] = "evil.example.com"
    assert only_code(verify(signed, domain="evil.example.com")) == "INVALID_SIGNATURE"


# --- proof sets and chains ------------------------------------------------------------------------


def test_previous_proof_not_found_when_signing() -> None:
    signed = sign(mark(did_key(P256.public_key)), proof_id="urn:uuid:proof-1")
    with pytest.raises(ProofGenerationError) as info:
        sign(signed, ED25519, "eddsa-rdfc-2022", previous_proof="urn:uuid:proof-9")
    assert info.value.code == "PREVIOUS_PROOF_NOT_FOUND"
    with pytest.raises(ProofGenerationError):
        sign(mark(did_key(P256.public_key)), previous_proof="urn:uuid:proof-1")


def test_previous_proof_not_found_when_verifying() -> None:
    first = sign(mark(did_key(P256.public_key)), proof_id="urn:uuid:proof-1")
    chain = sign(first, ED25519, "eddsa-rdfc-2022", previous_proof="urn:uuid:proof-1")
    result = verify(chain)
    assert result.verified, result.errors
    assert [p.proof_id for p in result.proofs] == ["urn:uuid:proof-1", None]

    chain["proof"][1]["previousProof"] = "urn:uuid:proof-9"
    result = verify(chain)
    assert not result.verified
    assert result.proofs[0].verified
    assert result.proofs[1].error is not None
    assert result.proofs[1].error.code == "PREVIOUS_PROOF_NOT_FOUND"


def test_previous_proof_whose_target_was_removed() -> None:
    first = sign(mark(did_key(P256.public_key)), proof_id="urn:uuid:proof-1")
    chain = sign(first, ED25519, "eddsa-rdfc-2022", previous_proof="urn:uuid:proof-1")
    chain["proof"] = [chain["proof"][1]]
    assert only_code(verify(chain)) == "PREVIOUS_PROOF_NOT_FOUND"


def test_previous_proof_of_the_wrong_shape() -> None:
    first = sign(mark(did_key(P256.public_key)), proof_id="urn:uuid:proof-1")
    chain = sign(first, ED25519, "eddsa-rdfc-2022", previous_proof="urn:uuid:proof-1")
    chain["proof"][1]["previousProof"] = {"id": "urn:uuid:proof-1"}
    result = verify(chain)
    assert result.proofs[1].error is not None
    assert result.proofs[1].error.code == "INVALID_PROOF"


def test_chained_proof_breaks_when_the_previous_proof_changes() -> None:
    first = sign(mark(did_key(P256.public_key)), proof_id="urn:uuid:proof-1")
    chain = sign(first, ED25519, "eddsa-rdfc-2022", previous_proof="urn:uuid:proof-1")
    other = sign(
        mark(did_key(P256.public_key)), proof_id="urn:uuid:proof-1", created=NOW.replace(year=2026)
    )
    chain["proof"][0] = other["proof"]
    result = verify(chain)
    assert result.proofs[0].verified  # a valid proof on its own
    assert result.proofs[1].error is not None
    assert result.proofs[1].error.code == "INVALID_SIGNATURE"


def test_no_proof() -> None:
    result = verify(mark(did_key(P256.public_key)))
    assert not result.verified
    assert result.proofs == ()
    assert result.error is not None
    assert result.error.code == "PROOF_MISSING"
    assert [e.code for e in result.errors] == ["PROOF_MISSING"]


def test_empty_proof_list() -> None:
    document = mark(did_key(P256.public_key))
    document["proof"] = []
    result = verify(document)
    assert not result.verified
    assert result.error is not None
    assert result.error.code == "PROOF_MISSING"


@pytest.mark.parametrize(
    "proof",
    ["zSignature", 42, True, ["zSignature"], [None]],
    ids=["string", "number", "bool", "list-of-string", "list-of-null"],
)
def test_proof_not_an_object(proof: Any) -> None:
    document = mark(did_key(P256.public_key))
    document["proof"] = proof
    result = verify(document)
    assert not result.verified
    assert result.error is not None
    assert result.error.code == "INVALID_PROOF"


def test_proof_set_with_one_non_object_member() -> None:
    signed = signed_mark()
    signed["proof"] = [signed["proof"], "not a proof"]
    result = verify(signed)
    assert not result.verified
    assert result.error is not None
    assert result.error.code == "INVALID_PROOF"


def test_too_many_proofs() -> None:
    signed = signed_mark()
    signed["proof"] = [copy.deepcopy(signed["proof"]) for _ in range(17)]
    result = verify(signed)
    assert result.error is not None
    assert result.error.code == "TOO_MANY_PROOFS"


def test_proof_set_one_bad_one_good() -> None:
    did = did_key(P256.public_key)
    first = sign(mark(did), P256, "ecdsa-rdfc-2019")
    both = sign(first, ED25519, "eddsa-rdfc-2022")
    assert isinstance(both["proof"], list)
    assert len(both["proof"]) == 2
    assert verify(both).verified

    both["proof"][1]["created"] = "2020-01-01T00:00:00Z"
    result = verify(both)
    assert not result.verified
    assert result.proofs[0].verified
    assert result.proofs[0].error is None
    assert result.proofs[0].controller == did
    assert not result.proofs[1].verified
    assert result.proofs[1].error is not None
    assert result.proofs[1].error.code == "INVALID_SIGNATURE"
    assert [e.code for e in result.errors] == ["INVALID_SIGNATURE"]
    as_dict = [p.to_dict() for p in result.proofs]
    assert as_dict[0]["verified"] is True
    assert as_dict[1]["error"]["code"] == "INVALID_SIGNATURE"


def test_proof_set_one_unsupported_one_good() -> None:
    first = signed_mark()
    both = sign(first, ED25519, "eddsa-jcs-2022")
    both["proof"][0]["cryptosuite"] = "bbs-2023"
    result = verify(both)
    assert not result.verified
    assert result.proofs[1].verified
    assert result.proofs[0].error is not None
    assert result.proofs[0].error.code == "UNSUPPORTED_CRYPTOSUITE"


def test_signing_does_not_mutate_the_input() -> None:
    document = mark(did_key(P256.public_key))
    before = copy.deepcopy(document)
    signed = sign(document)
    assert document == before
    again = sign(signed, ED25519, "eddsa-rdfc-2022")
    assert "proofValue" in signed["proof"]  # still a single proof object
    assert isinstance(again["proof"], list)


# --- poison graphs --------------------------------------------------------------------------------


def clique(n: int) -> dict[str, Any]:
    """n blank nodes, each linked to every other: every node looks alike to first-degree
    hashing, so RDFC-1.0 needs N-degree hashing with (n-1)! permutations per node."""
    nodes = [
        {"id": f"_:n{i}", "linkedTo": [{"id": f"_:n{j}"} for j in range(n) if j != i]}
        for i in range(n)
    ]
    return {
        "@context": [
            CREDENTIALS_V2,
            {"linkedTo": {"@id": "https://example.org/linkedTo", "@type": "@id"}},
        ],
        "type": ["VerifiableCredential"],
        "issuer": did_key(P256.public_key),
        "credentialSubject": nodes,
    }


def test_a_small_clique_still_canonicalizes() -> None:
    """The cap does not refuse legitimate (small) symmetric graphs."""
    canonical = canonicalize(clique(3))
    assert canonical.count("<https://example.org/linkedTo>") == 6


@pytest.mark.parametrize("n", [8, 12])
def test_poison_graph_when_signing(n: int) -> None:
    with counted_calls() as work, pytest.raises(CanonicalizationLimitError) as info:
        sign(clique(n))
    assert info.value.code == "CANONICALIZATION_LIMIT"
    assert work.calls < POISON_CALL_BUDGET


@pytest.mark.parametrize("n", [8, 12])
def test_poison_graph_when_verifying(n: int) -> None:
    signed = signed_mark()
    signed["@context"].append(clique(n)["@context"][1])
    signed["credentialSubject"] = clique(n)["credentialSubject"]
    assert only_code(verify(signed)) == "INLINE_CONTEXT"  # the default context policy
    with counted_calls() as work:
        result = verify(signed, context_policy=INLINE_ALLOWED)
    assert only_code(result) == "CANONICALIZATION_LIMIT"
    assert work.calls < POISON_CALL_BUDGET


def test_poison_graph_in_the_proof_options() -> None:
    """The proof configuration is canonicalized too: a poison graph there is capped as well."""
    signed = signed_mark()
    signed["proof"]["nonce"] = clique(8)["credentialSubject"]
    signed["@context"].append(clique(8)["@context"][1])
    with counted_calls() as work:
        result = verify(signed, context_policy=INLINE_ALLOWED)
    assert only_code(result) == "CANONICALIZATION_LIMIT"
    assert work.calls < POISON_CALL_BUDGET


def test_too_many_blank_nodes() -> None:
    limits = CanonicalizationLimits(max_blank_nodes=10)
    with pytest.raises(CanonicalizationLimitError):
        canonicalize(clique(11), limits=limits)


def test_too_many_quads() -> None:
    # the value and step caps would refuse this clique before any quad exists: lift them
    lifted = CanonicalizationLimits(
        max_values=100_000, max_expansion_steps=10**6, max_node_map_steps=10**7
    )
    with pytest.raises(CanonicalizationLimitError) as info:
        canonicalize(clique(101), limits=lifted)  # 101 * 100 links
    assert info.value.code == "CANONICALIZATION_LIMIT"


@pytest.mark.parametrize("n", [24, 64, 99])
def test_poison_graph_fails_fast_up_to_the_largest_size_the_caps_allow(n: int) -> None:
    """A 99-clique has 9,702 quads, just under the quad cap: the permutation budget (not the
    N-degree call count, which let a 64-clique run ~6 s) or the value caps must stop it fast,
    within the same work budget as the small poison graphs."""
    with counted_calls() as work, pytest.raises(JsonLdLimitError):
        canonicalize(clique(n))
    assert work.calls < POISON_CALL_BUDGET


# --- v1 documents get the Data Integrity context, once --------------------------------------------


def test_vc11_with_data_integrity_context_already_present() -> None:
    document = v1_credential(did_key(P256.public_key))
    document["@context"].append(DATA_INTEGRITY_V2)
    signed = sign(document)
    assert signed["@context"] == [CREDENTIALS_V1, DATA_INTEGRITY_V2]
    assert verify(signed).verified


# --- crashes found by fuzzing: pyld's own exceptions must not escape vic's error tree -----------
#
# Each of these inputs once made pyld raise a plain ValueError / KeyError / TypeError, so that
# verify_proofs raised instead of reporting a failed proof (a 500 in a service). vc/jsonld.py and
# vc/contextcache.py now report them as the document's JSON-LD error.

MALFORMED_JSON_LD: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("relative-context-iri", lambda d: d["@context"].append("contexts/v1")),
    ("dot-relative-context", lambda d: d["@context"].append("./v1")),
    ("scheme-relative-context", lambda d: d["@context"].append("//example.org/v1")),
    ("empty-string-context", lambda d: d["@context"].append("")),
    ("nested-empty-context", lambda d: d["credentialSubject"].update({"@context": ""})),
    ("nan-in-inline-context", lambda d: d["@context"].append({"x": {"y": float("nan")}})),
    ("set-object-in-node", lambda d: d["credentialSubject"].update({"@set": {}})),
]


@pytest.mark.parametrize(
    ("name", "change"), MALFORMED_JSON_LD, ids=[m[0] for m in MALFORMED_JSON_LD]
)
def test_malformed_json_ld_is_reported_not_raised(
    name: str, change: Callable[[dict[str, Any]], None]
) -> None:
    signed = signed_mark()
    change(signed)
    result = verify(signed)
    assert not result.verified
    assert isinstance(result.proofs[0].error, JsonLdError), name


@pytest.mark.parametrize(
    ("name", "change"), MALFORMED_JSON_LD, ids=[m[0] for m in MALFORMED_JSON_LD]
)
def test_malformed_json_ld_when_signing_raises_a_vic_error(
    name: str, change: Callable[[dict[str, Any]], None]
) -> None:
    document = mark(did_key(P256.public_key))
    change(document)
    with pytest.raises(JsonLdError):
        sign(document)


@pytest.mark.parametrize("keyword", ["@vocab", "@language", "@direction"])
def test_resetting_an_unset_context_keyword_never_crashes(keyword: str) -> None:
    """``{"@vocab": null}`` is valid JSON-LD (it clears a default that was never set; pyld
    raises KeyError on it). vic must process it (it changes no triple, so the mark signs and a
    signature made without it still holds) or refuse it with a JsonLdError: never crash."""
    document = mark(did_key(P256.public_key))
    document["@context"].append({keyword: None})
    try:
        signed = sign(document)
    except JsonLdError:
        signed = None
    if signed is not None:
        assert verify(signed).verified

    later = signed_mark()
    later["@context"].append({keyword: None})
    result = verify(later)
    error = result.proofs[0].error
    assert result.verified or isinstance(error, JsonLdError)
    assert result.verified == (signed is not None)
