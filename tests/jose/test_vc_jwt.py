"""vc+jwt: round trips, the header profile, and every bad input the profile refuses."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.authority import NOW
from tests.cose.support import WEB_DID, Issuer
from vic.contexts.errors import (
    DataModelError,
    InputTooLargeError,
    InvalidDidError,
    KeyTypeMismatchError,
    ParsingError,
    ProofGenerationError,
    ProofVerificationError,
    ValidityPeriodError,
    VerificationMethodError,
)
from vic.did.keys import KeyType, PrivateKey
from vic.did.resolver import DidResolver
from vic.vc.jose import (
    MAX_JWT_CHARS,
    decode_jws,
    looks_like_jwt,
    sign_jwt,
    verify_jwt,
    verify_jwt_with_key,
)

KEY_TYPES = list(KeyType)
ALG_FOR = {KeyType.P256: "ES256", KeyType.P384: "ES384", KeyType.ED25519: "EdDSA"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def craft(key: PrivateKey, header: dict[str, Any], payload: dict[str, Any] | bytes) -> str:
    """A JWS compact token with exactly ``header``, validly signed by ``key``."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(body)}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


def good_header(issuer: Issuer, **changes: Any) -> dict[str, Any]:
    header: dict[str, Any] = {
        "alg": ALG_FOR[issuer.key.key_type],
        "kid": issuer.kid,
        "typ": "vc+jwt",
        "cty": "vc",
    }
    header.update(changes)
    return {k: v for k, v in header.items() if v is not None}


def clock_at(moment: datetime) -> Any:
    return lambda: moment


@pytest.fixture(params=KEY_TYPES, ids=[t.value for t in KEY_TYPES])
def issuer(request: pytest.FixtureRequest) -> Issuer:
    return Issuer.did_key(request.param)


# --- round trips ---------------------------------------------------------------------------------


def test_round_trip(issuer: Issuer) -> None:
    mark = issuer.mark()
    token = sign_jwt(mark, issuer.key, issuer.kid)
    assert looks_like_jwt(token)
    header = dict(decode_jws(token).header)
    assert header == {
        "alg": ALG_FOR[issuer.key.key_type],
        "kid": issuer.kid,
        "typ": "vc+jwt",
        "cty": "vc",
    }
    result = verify_jwt(token, issuer.resolver(), clock=clock_at(NOW))
    assert result.credential == mark
    assert result.kid == issuer.kid
    assert result.controller == issuer.did


def test_round_trip_did_web() -> None:
    issuer = Issuer.did_web(KeyType.P256)
    token = sign_jwt(issuer.mark(), issuer.key, issuer.kid)
    assert verify_jwt(token, issuer.resolver(), clock=clock_at(NOW)).controller == WEB_DID


def test_crafted_token_with_registered_claims_verifies(issuer: Issuer) -> None:
    mark = issuer.mark()
    payload = {**mark, "iss": issuer.did, "jti": mark["id"], "iat": 1_700_000_000}
    token = craft(issuer.key, good_header(issuer), payload)
    assert verify_jwt(token, issuer.resolver(), clock=clock_at(NOW)).credential["iss"] == issuer.did


def test_with_key_skips_resolution_but_not_the_rules(issuer: Issuer) -> None:
    token = sign_jwt(issuer.mark(), issuer.key, issuer.kid)
    result = verify_jwt_with_key(token, issuer.key.public_key, clock=clock_at(NOW))
    assert result.controller is None
    other = PrivateKey.generate(issuer.key.key_type).public_key
    with pytest.raises(ProofVerificationError) as caught:
        verify_jwt_with_key(token, other, clock=clock_at(NOW))
    assert caught.value.code == "INVALID_SIGNATURE"


# --- the algorithm -------------------------------------------------------------------------------


def test_alg_none_is_refused(issuer: Issuer) -> None:
    unsigned = f"{b64(json.dumps(good_header(issuer, alg='none')).encode())}."
    unsigned += b64(json.dumps(issuer.mark()).encode())
    with pytest.raises(ParsingError) as caught:  # no signature at all
        verify_jwt(unsigned + ".", issuer.resolver())
    assert caught.value.code == "INVALID_JWS"
    with pytest.raises(ProofVerificationError) as caught_alg:  # "none" with some bytes after it
        verify_jwt(unsigned + ".AAAA", issuer.resolver())
    assert caught_alg.value.code == "UNSUPPORTED_ALGORITHM"


@pytest.mark.parametrize("alg", ["HS256", "RS256", "ES512", "PS256", "EDDSA", "es256", ""])
def test_alg_outside_the_allow_list_is_refused(issuer: Issuer, alg: str) -> None:
    token = craft(issuer.key, good_header(issuer, alg=alg), issuer.mark())
    with pytest.raises(ProofVerificationError) as caught:
        verify_jwt(token, issuer.resolver())
    assert caught.value.code == "UNSUPPORTED_ALGORITHM"


def test_alg_of_another_key_type_is_refused() -> None:
    issuer = Issuer.did_key(KeyType.P256)
    token = craft(issuer.key, good_header(issuer, alg="ES384"), issuer.mark())
    with pytest.raises(KeyTypeMismatchError):
        verify_jwt(token, issuer.resolver())


def test_missing_alg_is_refused(issuer: Issuer) -> None:
    header = good_header(issuer)
    del header["alg"]
    with pytest.raises(ProofVerificationError) as caught:
        verify_jwt(craft(issuer.key, header, issuer.mark()), issuer.resolver())
    assert caught.value.code == "MISSING_ALGORITHM"


def test_alg_in_the_unprotected_header_is_refused(issuer: Issuer) -> None:
    header = good_header(issuer)
    alg = header.pop("alg")
    protected, payload, signature = craft(issuer.key, header, issuer.mark()).split(".")
    flattened = {"protected": protected, "header": {"alg": alg}, "payload": payload}
    flattened["signature"] = signature
    with pytest.raises(ProofVerificationError) as caught:
        verify_jwt(flattened, issuer.resolver())
    assert caught.value.code == "ALG_NOT_PROTECTED"
    # the same alg twice: protected and unprotected
    protected, payload, signature = craft(issuer.key, good_header(issuer), issuer.mark()).split(".")
    flattened.update(protected=protected, signature=signature)
    with pytest.raises(ProofVerificationError) as caught:
        verify_jwt(flattened, issuer.resolver())
    assert caught.value.code == "ALG_NOT_PROTECTED"


def test_other_unprotected_headers_are_refused(issuer: Issuer) -> None:
    protected, payload, signature = craft(issuer.key, good_header(issuer), issuer.mark()).split(".")
    flattened = {"protected": protected, "header": {"kid": "did:example:x#y"}, "payload": payload}
    flattened["signature"] = signature
    with pytest.raises(ParsingError) as caught:
        verify_jwt(flattened, issuer.resolver())
    assert caught.value.code == "UNPROTECTED_HEADER"
    del flattened["header"]  # without it, the flattened form is the compact one
    assert verify_jwt(flattened, issuer.resolver(), clock=clock_at(NOW)).kid == issuer.kid


def test_crit_is_refused(issuer: Issuer) -> None:
    token = craft(issuer.key, good_header(issuer, crit=["exp"], exp=1), issuer.mark())
    with pytest.raises(ProofVerificationError) as caught:
        verify_jwt(token, issuer.resolver())
    assert caught.value.code == "UNSUPPORTED_CRITICAL_HEADER"


# --- kid -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kid", ["key-1", "73voMXFNmNlOEpuYCSJlh8eN0dscykoO6gBukgRS1uU", "#key-1"])
def test_kid_not_a_did_url_is_refused(issuer: Issuer, kid: str) -> None:
    with pytest.raises(InvalidDidError):
        verify_jwt(craft(issuer.key, good_header(issuer, kid=kid), issuer.mark()), DidResolver())


def test_kid_a_bare_did_is_refused(issuer: Issuer) -> None:
    token = craft(issuer.key, good_header(issuer, kid=issuer.did), issuer.mark())
    with pytest.raises(VerificationMethodError):
        verify_jwt(token, issuer.resolver())
    with pytest.raises(ProofGenerationError) as caught:
        sign_jwt(issuer.mark(), issuer.key, issuer.did)
    assert caught.value.code == "INVALID_KID"


def test_missing_kid_is_refused(issuer: Issuer) -> None:
    token = craft(issuer.key, good_header(issuer, kid=None), issuer.mark())
    with pytest.raises(ProofVerificationError) as caught:
        verify_jwt(token, issuer.resolver())
    assert caught.value.code == "MISSING_KID"


def test_kid_must_be_a_string(issuer: Issuer) -> None:
    token = craft(issuer.key, good_header(issuer, kid=["a"]), issuer.mark())
    with pytest.raises(ParsingError):
        verify_jwt(token, issuer.resolver())


# --- typ and cty ---------------------------------------------------------------------------------


@pytest.mark.parametrize("typ", ["JWT", "vp+jwt", "dc+sd-jwt", "vc+sd-jwt", "vc+cose", None, 1])
def test_typ_confusion_is_refused(issuer: Issuer, typ: Any) -> None:
    token = craft(issuer.key, good_header(issuer, typ=typ), issuer.mark())
    with pytest.raises(ParsingError) as caught:
        verify_jwt(token, issuer.resolver())
    assert caught.value.code == "INVALID_TYP"


def test_application_typ_and_cty_are_accepted(issuer: Issuer) -> None:
    header = good_header(issuer, typ="application/vc+jwt", cty="application/vc")
    token = craft(issuer.key, header, issuer.mark())
    assert verify_jwt(token, issuer.resolver(), clock=clock_at(NOW)).kid == issuer.kid


@pytest.mark.parametrize("cty", ["vp", "bad+cty", "application/json", 7])
def test_bad_content_type_is_refused(issuer: Issuer, cty: Any) -> None:
    token = craft(issuer.key, good_header(issuer, cty=cty), issuer.mark())
    with pytest.raises(ParsingError) as caught:
        verify_jwt(token, issuer.resolver())
    assert caught.value.code == "INVALID_CONTENT_TYPE"


# --- time ----------------------------------------------------------------------------------------


def test_expired_token_is_refused(issuer: Issuer) -> None:
    payload = {**issuer.mark(), "exp": int((NOW - timedelta(seconds=1)).timestamp())}
    token = craft(issuer.key, good_header(issuer), payload)
    with pytest.raises(ValidityPeriodError) as caught:
        verify_jwt(token, issuer.resolver(), clock=clock_at(NOW))
    assert caught.value.code == "EXPIRED"
    result = verify_jwt(token, issuer.resolver(), clock=None)  # the verifier's way: report it
    assert result.expires == NOW - timedelta(seconds=1)


def test_not_yet_valid_token_is_refused(issuer: Issuer) -> None:
    payload = {**issuer.mark(), "nbf": int((NOW + timedelta(hours=1)).timestamp())}
    token = craft(issuer.key, good_header(issuer), payload)
    with pytest.raises(ValidityPeriodError) as caught:
        verify_jwt(token, issuer.resolver(), clock=clock_at(NOW))
    assert caught.value.code == "NOT_YET_VALID"


@pytest.mark.parametrize("value", ["2030-01-01", True, None, 1e300])
def test_bad_numeric_date_is_refused(issuer: Issuer, value: Any) -> None:
    token = craft(issuer.key, good_header(issuer), {**issuer.mark(), "exp": value})
    with pytest.raises(DataModelError) as caught:
        verify_jwt(token, issuer.resolver(), clock=clock_at(NOW))
    assert caught.value.code == "INVALID_CLAIM"


# --- keys ----------------------------------------------------------------------------------------


def test_signature_by_a_key_not_in_the_did_document() -> None:
    issuer = Issuer.did_web(KeyType.P256)
    stranger = PrivateKey.generate(KeyType.P256)
    token = craft(stranger, good_header(issuer), issuer.mark())
    with pytest.raises(ProofVerificationError) as caught:
        verify_jwt(token, issuer.resolver())
    assert caught.value.code == "INVALID_SIGNATURE"
    unknown = craft(stranger, good_header(issuer, kid=f"{WEB_DID}#key-2"), issuer.mark())
    with pytest.raises(VerificationMethodError):
        verify_jwt(unknown, issuer.resolver())


def test_key_of_another_did_cannot_vouch_for_the_issuer() -> None:
    issuer = Issuer.did_web(KeyType.P256)
    attacker = Issuer.did_key(KeyType.P256)
    token = craft(attacker.key, good_header(attacker), issuer.mark())
    with pytest.raises(ProofVerificationError) as caught:
        verify_jwt(token, attacker.resolver())
    assert caught.value.code == "ISSUER_MISMATCH"


def test_tampered_payload_is_refused(issuer: Issuer) -> None:
    protected, _payload, signature = sign_jwt(issuer.mark(), issuer.key, issuer.kid).split(".")
    forged = {**issuer.mark(), "validUntil": "2099-01-01T00:00:00Z"}
    token = f"{protected}.{b64(json.dumps(forged).encode())}.{signature}"
    with pytest.raises(ProofVerificationError) as caught:
        verify_jwt(token, issuer.resolver())
    assert caught.value.code == "INVALID_SIGNATURE"


# --- the payload ---------------------------------------------------------------------------------


@pytest.mark.parametrize("claim", ["vc", "vp", "proof"])
def test_vc_vp_and_proof_claims_are_refused(issuer: Issuer, claim: str) -> None:
    payload = {**issuer.mark(), claim: {"type": "x"}}
    with pytest.raises(DataModelError) as caught:
        verify_jwt(craft(issuer.key, good_header(issuer), payload), issuer.resolver())
    assert caught.value.code == "FORBIDDEN_CLAIM"
    with pytest.raises(DataModelError):
        sign_jwt(payload, issuer.key, issuer.kid)


@pytest.mark.parametrize("claim", ["iss", "jti"])
def test_registered_claims_must_agree(issuer: Issuer, claim: str) -> None:
    payload = {**issuer.mark(), claim: "https://elsewhere.example/"}
    with pytest.raises(DataModelError) as caught:
        verify_jwt(craft(issuer.key, good_header(issuer), payload), issuer.resolver())
    assert caught.value.code == "CLAIM_MISMATCH"


def test_vc_11_is_refused(issuer: Issuer) -> None:
    legacy = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": issuer.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:1"},
    }
    with pytest.raises(DataModelError) as caught:
        sign_jwt(legacy, issuer.key, issuer.kid)
    assert caught.value.code == "INVALID_CONTEXT"
    with pytest.raises(DataModelError):
        verify_jwt(craft(issuer.key, good_header(issuer), legacy), issuer.resolver())


def test_sign_refuses_a_kid_of_another_did(issuer: Issuer) -> None:
    other = Issuer.did_key(issuer.key.key_type)
    with pytest.raises(ProofGenerationError) as caught:
        sign_jwt(issuer.mark(), issuer.key, other.kid)
    assert caught.value.code == "ISSUER_MISMATCH"


def test_payload_not_a_json_object_is_refused(issuer: Issuer) -> None:
    for payload in (b"[1]", b"{", b'{"a":1,"a":2}', "\u00e9".encode("latin-1")):
        with pytest.raises(ParsingError):
            verify_jwt(craft(issuer.key, good_header(issuer), payload), issuer.resolver())


# --- structure -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["", "a", "a.b", "a.b.c.d", "a..c", ".b.c", "a.b.", "a b.c.d", "e30.e30.AA=", "e30.e30.A"],
)
def test_malformed_compact_is_refused(token: str) -> None:
    with pytest.raises(ParsingError):
        decode_jws(token)


def test_non_canonical_base64url_is_refused(issuer: Issuer) -> None:
    protected, payload, _signature = sign_jwt(issuer.mark(), issuer.key, issuer.kid).split(".")
    decode_jws(f"{protected}.{payload}.AAA")  # two zero bytes: canonical
    with pytest.raises(ParsingError) as caught:  # the same two bytes, a stray trailing bit set
        decode_jws(f"{protected}.{payload}.AAB")
    assert caught.value.code == "INVALID_JWS"


def test_header_not_a_json_object_is_refused() -> None:
    for header in (b"[]", b"null", b'{"alg":"ES256","alg":"EdDSA"}', b"{"):
        with pytest.raises(ParsingError):
            decode_jws(f"{b64(header)}.e30.AAAA")


def test_unencoded_payload_is_refused() -> None:
    header = b64(json.dumps({"alg": "ES256", "b64": False, "crit": ["b64"]}).encode())
    with pytest.raises(ParsingError):
        decode_jws(f"{header}.e30.AAAA")


def test_oversized_token_is_refused() -> None:
    with pytest.raises(InputTooLargeError):
        decode_jws("e30." + "A" * MAX_JWT_CHARS + ".AAAA")


def test_general_json_serialization_is_refused() -> None:
    with pytest.raises(ParsingError):
        decode_jws({"payload": "e30", "signatures": []})
    with pytest.raises(ParsingError):
        decode_jws({"protected": "e30", "payload": 1, "signature": "AAAA"})
