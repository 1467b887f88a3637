"""The embeddable verifier reads vc+jwt and vc+cose (raw bytes, base64url, padded base64)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest

from tests.authority import NOW, Authority, clock
from vic.did.keys import KeyType
from vic.vc.cose import cose_from_base64, sign_cose
from vic.vc.jose import sign_jwt
from vic.verifier import CheckName, StaticStatusLists, Status, verify_credential

KEY_TYPES = list(KeyType)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(params=KEY_TYPES, ids=[t.value for t in KEY_TYPES])
def authority(request: pytest.FixtureRequest) -> Authority:
    suite = "eddsa-rdfc-2022" if request.param is KeyType.ED25519 else "ecdsa-rdfc-2019"
    return Authority(key_type=request.param, cryptosuite=suite)


def unsigned_mark(authority: Authority) -> dict[str, Any]:
    return {k: v for k, v in authority.mark().items() if k != "proof"}


def verify(authority: Authority, data: Any, **kwargs: Any) -> Any:
    mark = unsigned_mark(authority)
    return verify_credential(
        data,
        trust=authority.trust(),
        clock=kwargs.pop("clock", clock),
        status_source=StaticStatusLists(authority.status_lists(mark)),
        **kwargs,
    )


def proof_check(result: Any) -> Any:
    return next(c for c in result.checks if c.name is CheckName.PROOF)


def test_vc_jwt_verifies(authority: Authority) -> None:
    token = sign_jwt(unsigned_mark(authority), authority.key, authority.method)
    for given in (token, token.encode(), f"  {token}\n"):
        result = verify(authority, given)
        assert result.status is Status.VALID, result.to_dict()
        assert proof_check(result).detail["securedBy"] == "vc+jwt"
        assert result.to_dict()["checks"][0]["detail"]["format"] == "vc+jwt"


def test_vc_cose_verifies_as_bytes_and_base64(authority: Authority) -> None:
    message = sign_cose(unsigned_mark(authority), authority.key, authority.method)
    padded = base64.b64encode(message).decode()
    for given in (message, b64(message), padded, b64(message).encode()):
        result = verify(authority, given)
        assert result.status is Status.VALID, result.to_dict()
        assert proof_check(result).detail["securedBy"] == "vc+cose"


def test_tampered_vc_jwt_is_invalid_proof(authority: Authority) -> None:
    protected, _payload, signature = sign_jwt(
        unsigned_mark(authority), authority.key, authority.method
    ).split(".")
    forged = unsigned_mark(authority)
    forged["credentialSubject"] = {**forged["credentialSubject"], "vehicleTypeCode": "K31"}
    result = verify(authority, f"{protected}.{b64(json.dumps(forged).encode())}.{signature}")
    assert result.status is Status.INVALID_PROOF
    assert proof_check(result).error.code == "INVALID_SIGNATURE"


def test_vc_jwt_by_a_stranger_is_invalid_proof(authority: Authority) -> None:
    stranger = Authority(key_type=authority.key_type, cryptosuite=authority.cryptosuite)
    token = sign_jwt(
        {**unsigned_mark(authority), "issuer": stranger.did}, stranger.key, stranger.method
    )
    result = verify(authority, token)  # verifies, but the stranger is not trusted
    assert result.status is Status.UNTRUSTED_ISSUER


def test_vc_jwt_exp_folds_into_validity(authority: Authority) -> None:
    from vic.vc.jose import CONTENT_TYPE, TYP

    header = {
        "alg": {KeyType.P256: "ES256", KeyType.P384: "ES384", KeyType.ED25519: "EdDSA"}[
            authority.key_type
        ]
    }
    header.update(kid=authority.method, typ=TYP, cty=CONTENT_TYPE)
    payload = {  # not a mark: a mark's shape is closed, it has no exp
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": authority.did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:1"},
        "exp": int((NOW + timedelta(days=1)).timestamp()),
    }
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    token = f"{signing_input}.{b64(authority.key.sign(signing_input.encode()))}"
    assert verify(authority, token).status is Status.VALID
    later = verify(authority, token, clock=lambda: NOW + timedelta(days=2))
    assert later.status is Status.EXPIRED


@pytest.mark.parametrize(
    "text",
    [
        "d2845856a40126036e6170706c69636174696f6e2f7663",  # hex, not base64 of a COSE_Sign1
        "0oRYVqQB",  # base64 of a truncated COSE_Sign1
        "e30.e30.AAAA",  # a JWS shape whose header has no alg
        "not a credential",
    ],
)
def test_other_text_is_malformed_or_invalid(text: str) -> None:
    authority = Authority()
    result = verify(authority, text)
    assert result.verified is False
    assert result.status in (Status.MALFORMED, Status.INVALID_PROOF)


def test_cose_from_base64_only_finds_cose() -> None:
    assert cose_from_base64("e30") is None
    assert cose_from_base64("{}") is None
    assert cose_from_base64(b64(b"\xd2\x84")) == b"\xd2\x84"
