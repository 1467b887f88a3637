"""vc+jwt interop with an independent JOSE implementation: the npm package ``jose`` (panva).

``tests/interop/josejwt.mjs`` drives jose (exact version pinned in ``tests/interop/package.json``)
for ES256, ES384 and EdDSA, in both directions:

- vic signs, jose verifies (the key handed over as a JWK); a token with a changed payload and one
  checked with another key are rejected;
- jose signs (its own key, the header vic's profile asks for, the kid a did:key URL of jose's
  key), vic verifies through DID resolution; a tampered token is rejected.

Set up with ``npm ci --prefix tests/interop``; without node these tests skip, with node but
without the packages they fail.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.authority import NOW
from vic.contexts.errors import ProofVerificationError
from vic.did.key import did_key, did_key_method_id
from vic.did.keys import KeyType, PrivateKey, PublicKey
from vic.did.resolver import DidResolver
from vic.vc.jose import sign_jwt, verify_jwt

pytestmark = pytest.mark.node

INTEROP_DIR = Path(__file__).resolve().parent
SCRIPT = INTEROP_DIR / "josejwt.mjs"
NODE_TIMEOUT = 60
CASES = [
    pytest.param(KeyType.P256, "ES256", id="ES256"),
    pytest.param(KeyType.P384, "ES384", id="ES384"),
    pytest.param(KeyType.ED25519, "EdDSA", id="EdDSA"),
]


def jose(args: list[str], payload: dict[str, Any] | None = None) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the jose interop tests need node >= 20 on PATH")
    if not (INTEROP_DIR / "node_modules" / "jose").is_dir():
        pytest.fail("the jose package is not installed: run `npm ci --prefix tests/interop`")
    done = subprocess.run(
        [node, str(SCRIPT), *args],
        input=json.dumps(payload or {}).encode(),
        capture_output=True,
        cwd=INTEROP_DIR,
        timeout=NODE_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"josejwt.mjs {' '.join(args)}: {done.stderr.decode(errors='replace')}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://w3id.org/vehicle-inspection/v1",
        ],
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


def with_payload(token: str, payload: dict[str, Any]) -> str:
    header, _, signature = token.split(".")
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


@pytest.mark.parametrize(("key_type", "alg"), CASES)
def test_jose_verifies_vic(key_type: KeyType, alg: str) -> None:
    key = PrivateKey.generate(key_type)
    issued = credential(did_key(key.public_key))
    token = sign_jwt(issued, key, did_key_method_id(key.public_key))
    public_jwk = key.public_key.to_jwk()
    result = jose(["verify"], {"token": token, "publicJwk": public_jwk})
    assert result["verified"] is True, result.get("error")
    assert result["payload"] == issued
    assert result["header"] == {
        "alg": alg,
        "kid": did_key_method_id(key.public_key),
        "typ": "vc+jwt",
        "cty": "vc",
    }
    forged = {**issued, "validUntil": "2099-01-01T00:00:00Z"}
    tampered = jose(["verify"], {"token": with_payload(token, forged), "publicJwk": public_jwk})
    assert tampered["verified"] is False
    other = PrivateKey.generate(key_type).public_key.to_jwk()
    assert jose(["verify"], {"token": token, "publicJwk": other})["verified"] is False


@pytest.mark.parametrize(("key_type", "alg"), CASES)
def test_vic_verifies_jose(key_type: KeyType, alg: str) -> None:
    keys = jose(["keygen", "--alg", alg])
    public_key = PublicKey.from_jwk(keys["publicJwk"])
    assert public_key.key_type is key_type
    issued = credential(did_key(public_key))
    kid = did_key_method_id(public_key)
    signed = jose(
        ["sign"], {"payload": issued, "privateJwk": keys["privateJwk"], "alg": alg, "kid": kid}
    )
    result = verify_jwt(signed["token"], DidResolver(), clock=lambda: NOW)
    assert result.credential == issued
    assert result.controller == did_key(public_key)
    forged = {**issued, "validUntil": "2099-01-01T00:00:00Z"}
    with pytest.raises(ProofVerificationError) as caught:
        verify_jwt(with_payload(signed["token"], forged), DidResolver(), clock=lambda: NOW)
    assert caught.value.code == "INVALID_SIGNATURE"
