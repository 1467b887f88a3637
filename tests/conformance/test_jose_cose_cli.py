"""`vic conformance jose-cose`: the W3C vc-jose-cose suite's command line, with its file shapes."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vic.cli.conformance import FEATURES, issue_one, verify_one
from vic.did.keys import KeyType, PrivateKey

REPO = Path(__file__).resolve().parents[2]
ISSUER = "https://example.issuer/vc-jose-cose"
CREDENTIAL = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "http://university.example/credentials/1872",
    "type": ["VerifiableCredential", "ExampleAlumniCredential"],
    "issuer": ISSUER,
    "validFrom": "2010-01-01T19:23:24Z",
    "credentialSubject": {"id": "did:example:123", "degree": {"type": "BachelorDegree"}},
}
FEATURE_FOR = {"jwt": "credential_jose", "cose": "credential_cose"}


def method(tmp_path: Path, key_type: KeyType, name: str = "vm.json") -> tuple[Path, PrivateKey]:
    """A verification method file shaped like the suite's (JsonWebKey, thumbprint-like kid)."""
    key = PrivateKey.generate(key_type)
    kid = f"kid-{key_type.value}"
    doc = {
        "id": f"{ISSUER}#key-1",
        "type": "JsonWebKey",
        "controller": ISSUER,
        "publicKeyJwk": {**key.public_key.to_jwk(), "kid": kid},
        "secretKeyJwk": {**key.to_jwk(), "kid": kid},
    }
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path, key


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


@pytest.mark.parametrize("key_type", list(KeyType), ids=[t.value for t in KeyType])
@pytest.mark.parametrize("securing", ["jwt", "cose"])
def test_issue_then_verify(tmp_path: Path, key_type: KeyType, securing: str) -> None:
    key_file, _ = method(tmp_path, key_type)
    issued = issue_one(write(tmp_path, "c.json", CREDENTIAL), key_file, FEATURE_FOR[securing])
    assert issued["result"] == "success", issued
    token = write(tmp_path, "t.txt", issued["data"])
    verified = verify_one(token, key_file, FEATURE_FOR[securing])
    assert verified["result"] == "success", verified
    assert json.loads(verified["data"]) == CREDENTIAL


@pytest.mark.parametrize("securing", ["jwt", "cose"])
def test_verify_with_another_key_fails(tmp_path: Path, securing: str) -> None:
    key_file, _ = method(tmp_path, KeyType.P256)
    issued = issue_one(write(tmp_path, "c.json", CREDENTIAL), key_file, FEATURE_FOR[securing])
    token = write(tmp_path, "t.txt", issued["data"])
    other, _ = method(tmp_path, KeyType.P256, "other.json")
    result = verify_one(token, other, FEATURE_FOR[securing])
    assert result["result"] == "failure"
    assert result["error"]["code"] == "INVALID_SIGNATURE"


def test_kid_naming_another_key_fails(tmp_path: Path) -> None:
    key_file, key = method(tmp_path, KeyType.ED25519)
    from vic.vc.jose import sign_jwt

    token = sign_jwt(CREDENTIAL, key, "https://elsewhere.example/#k", require_did_kid=False)
    result = verify_one(write(tmp_path, "t.txt", token), key_file, "credential_jose")
    assert result["error"]["code"] == "KID_MISMATCH"


def test_bad_typ_and_unsecured_inputs_fail(tmp_path: Path) -> None:
    key_file, key = method(tmp_path, KeyType.ED25519)
    header = {"alg": "EdDSA", "kid": "kid-Ed25519", "typ": "bad+typ", "cty": "bad+cty"}

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(CREDENTIAL).encode())}"
    token = f"{signing_input}.{b64(key.sign(signing_input.encode()))}"
    result = verify_one(write(tmp_path, "t.txt", token), key_file, "credential_jose")
    assert result["error"]["code"] == "INVALID_TYP"
    unsecured = write(tmp_path, "c.json", CREDENTIAL)
    assert verify_one(unsecured, key_file, "credential_jose")["result"] == "failure"
    assert verify_one(unsecured, key_file, "credential_cose")["result"] == "failure"


def test_cose_given_as_hex_fails(tmp_path: Path) -> None:
    key_file, _ = method(tmp_path, KeyType.P256)
    issued = issue_one(write(tmp_path, "c.json", CREDENTIAL), key_file, "credential_cose")
    raw = base64.urlsafe_b64decode(issued["data"] + "=" * (-len(issued["data"]) % 4))
    result = verify_one(write(tmp_path, "t.txt", raw.hex()), key_file, "credential_cose")
    assert result["error"]["code"] == "INVALID_COSE_ENCODING"


def test_issue_refuses_a_key_off_the_allow_list(tmp_path: Path) -> None:
    p521 = {
        "id": f"{ISSUER}#key-5",
        "publicKeyJwk": {"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"},
    }
    result = issue_one(
        write(tmp_path, "c.json", CREDENTIAL), write(tmp_path, "k.json", p521), "credential_jose"
    )
    assert result["result"] == "failure"


def test_issue_refuses_vc_claims(tmp_path: Path) -> None:
    key_file, _ = method(tmp_path, KeyType.P256)
    claims = write(tmp_path, "c.json", {**CREDENTIAL, "vc": {}})
    assert issue_one(claims, key_file, "credential_jose")["error"]["code"] == "FORBIDDEN_CLAIM"


@pytest.mark.parametrize("feature", [f for f, on in FEATURES.items() if not on])
def test_unimplemented_features_are_indeterminate(tmp_path: Path, feature: str) -> None:
    key_file, _ = method(tmp_path, KeyType.P256)
    given = write(tmp_path, "c.json", CREDENTIAL)
    assert issue_one(given, key_file, feature)["result"] == "indeterminate"
    assert verify_one(given, key_file, feature)["result"] == "indeterminate"


def vic(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vic.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_command_line_writes_the_result_file(tmp_path: Path) -> None:
    key_file, _ = method(tmp_path, KeyType.P256)
    given = write(tmp_path, "c.json", CREDENTIAL)
    out = tmp_path / "1-vic.json"
    done = vic(
        "conformance", "jose-cose", "issue", "--input", str(given), "--key", str(key_file),
        "--feature", "credential_jose", "--output", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["result"] == "success"
    bad = vic(
        "conformance", "jose-cose", "issue", "--input", str(given), "--key", str(key_file),
        "--feature", "credential_x", "--output", str(out),
    )  # fmt: skip
    assert bad.returncode == 2
    assert "INVALID_FEATURE" in bad.stderr


def test_docker_stand_in_maps_the_suite_call(tmp_path: Path) -> None:
    shim = REPO / "tools" / "conformance" / "docker"
    done = subprocess.run(
        [
            str(shim), "compose", "-f", "./implementations/compose.yml", "run", "--rm", "vic",
            "verify", "--input", "/tests/input/a.txt", "--key", "/tests/input/k.json",
            "--feature", "credential_jose", "--output", "/tests/output/6-vic.json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "VIC": "echo"},
        timeout=30,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "conformance", "jose-cose", "verify", "--input", f"{tmp_path}/tests/input/a.txt",
        "--key", f"{tmp_path}/tests/input/k.json", "--feature", "credential_jose",
        "--output", f"{tmp_path}/tests/output/6-vic.json",
    ]  # fmt: skip
