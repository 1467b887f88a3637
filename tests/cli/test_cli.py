"""The ``vic`` command line as docs/cli.md specifies it (a contract scripts rely on)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vic.did.keyfile import read_key_file
from vic.did.keys import KeyType

VIC = [sys.executable, "-m", "vic.cli"]
SUBJECT = {
    "type": "Vehicle",
    "registrationNumber": "鄂L12345",
    "plateTypeCode": "02",
    "vehicleTypeCode": "K33",
    "vehicleIdentificationNumber": "LSVAU2A36N2183457",
    "inspectionBasis": "OnSite",
}


def vic(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [*VIC, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def mark(issuer: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://w3id.org/vc-barcodes/v1",
            "https://w3id.org/vehicle-inspection/v1",
        ],
        "type": ["VerifiableCredential", "VehicleInspectionCredential"],
        "issuer": issuer,
        "validFrom": "2026-11-25T00:00:00Z",
        "validUntil": "2028-11-30T15:59:59Z",
        "credentialSubject": SUBJECT,
    }


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A key made by `vic key generate` and a mark signed by `vic sign`."""
    folder = tmp_path_factory.mktemp("cli")
    key = folder / "key.json"
    made = vic("key", "generate", "--type", "p256", "--out", str(key))
    assert made.returncode == 0, made.stderr
    did = made.stdout.strip()
    (folder / "mark.json").write_text(json.dumps(mark(did), ensure_ascii=False))
    done = vic(
        "sign", "--key", str(key), "--cryptosuite", "ecdsa-rdfc-2019", str(folder / "mark.json")
    )
    assert done.returncode == 0, done.stderr
    (folder / "signed.json").write_text(done.stdout)
    return folder, did


@pytest.mark.parametrize(
    ("name", "key_type", "prefix"),
    [
        ("p256", KeyType.P256, "did:key:zDn"),
        ("ed25519", KeyType.ED25519, "did:key:z6Mk"),
        ("p384", KeyType.P384, "did:key:z82"),
    ],
)
def test_key_generate(tmp_path: Path, name: str, key_type: KeyType, prefix: str) -> None:
    out = tmp_path / "k.json"
    result = vic("key", "generate", "--type", name, "--out", str(out))
    assert result.returncode == 0, result.stderr
    did = result.stdout.strip()
    assert did.startswith(prefix)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    material = read_key_file(out)
    assert material.private_key is not None
    assert material.public_key.key_type is key_type
    assert material.controller == did
    assert json.loads(out.read_text())["type"] == "Multikey"


def test_key_generate_refuses_unknown_type_and_existing_file(tmp_path: Path) -> None:
    bad = vic("key", "generate", "--type", "rsa", "--out", str(tmp_path / "k.json"))
    assert bad.returncode == 2
    assert "INVALID_KEY_TYPE" in bad.stderr
    out = tmp_path / "k.json"
    out.write_text("keep me")
    again = vic("key", "generate", "--out", str(out))
    assert again.returncode != 0
    assert out.read_text() == "keep me"  # nothing already stored is lost


def test_sign_then_verify_valid(signed: tuple[Path, str]) -> None:
    folder, did = signed
    document = json.loads((folder / "signed.json").read_text())
    assert document["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert document["proof"]["verificationMethod"].startswith(did + "#")
    result = vic("verify", "--json", "--trust-issuer", did, str(folder / "signed.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads(result.stdout)
    assert out["verified"] is True
    assert out["status"] == "VALID"
    assert {c["check"] for c in out["checks"]} >= {"proof", "trust", "validity"}


def test_verify_untrusted_exit_1(signed: tuple[Path, str]) -> None:
    folder, _ = signed
    result = vic("verify", "--json", str(folder / "signed.json"))
    assert result.returncode == 1
    assert json.loads(result.stdout)["status"] == "UNTRUSTED_ISSUER"


def test_verify_tampered_exit_1(signed: tuple[Path, str], tmp_path: Path) -> None:
    folder, did = signed
    document = json.loads((folder / "signed.json").read_text())
    document["credentialSubject"]["registrationNumber"] = "鄂L54321"
    (tmp_path / "t.json").write_text(json.dumps(document, ensure_ascii=False))
    result = vic("verify", "--json", "--trust-issuer", did, str(tmp_path / "t.json"))
    assert result.returncode == 1
    out = json.loads(result.stdout)
    assert out["status"] == "INVALID_PROOF"
    assert out["errors"][0]["code"] == "INVALID_SIGNATURE"


def test_verify_stdin_and_at(signed: tuple[Path, str]) -> None:
    folder, did = signed
    text = (folder / "signed.json").read_text()
    later = vic(
        "verify", "--json", "--trust-issuer", did, "--at", "2029-01-01T00:00:00Z", "-", stdin=text
    )
    assert later.returncode == 1
    assert json.loads(later.stdout)["status"] == "EXPIRED"
    earlier = vic(
        "verify", "--trust-issuer", did, "--at", "2026-01-01T00:00:00+08:00", "-", stdin=text
    )
    assert earlier.returncode == 1
    assert earlier.stdout.startswith("NOT_YET_VALID")


def test_verify_malformed_exit_2(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{not json")
    result = vic("verify", "--json", str(tmp_path / "x.json"))
    assert result.returncode == 2
    assert json.loads(result.stdout)["status"] == "MALFORMED"
    missing = vic("verify", str(tmp_path / "missing.json"))
    assert missing.returncode == 2
    assert "INPUT_NOT_READABLE" in missing.stderr


def test_verify_with_trust_file_and_env(signed: tuple[Path, str], tmp_path: Path) -> None:
    folder, did = signed
    trust = {
        "type": "VicTrustList",
        "version": 1,
        "issuers": [{"id": did, "name": {"en": "CLI test authority"}}],
    }
    (tmp_path / "trust.json").write_text(json.dumps(trust))
    by_flag = vic("verify", "--trust", str(tmp_path / "trust.json"), str(folder / "signed.json"))
    assert by_flag.returncode == 0, by_flag.stdout
    by_env = vic(
        "verify", str(folder / "signed.json"), env={"VIC_TRUST": str(tmp_path / "trust.json")}
    )
    assert by_env.returncode == 0, by_env.stdout
    (tmp_path / "bad.json").write_text('{"type": "Nope"}')
    bad = vic("verify", "--trust", str(tmp_path / "bad.json"), str(folder / "signed.json"))
    assert bad.returncode == 2
    assert "INVALID_TRUST_LIST" in bad.stderr


def test_sign_reproduces_a_published_vector(tmp_path: Path) -> None:
    """--verification-method and --created make the eddsa-rdfc-2022 vector byte for byte."""
    vector = json.loads(
        (
            Path(__file__).parent.parent / "vectors/dataintegrity/eddsa-rdfc-2022-alumni.json"
        ).read_text()
    )
    (tmp_path / "key.json").write_text(json.dumps(vector["keyPair"]))
    (tmp_path / "unsigned.json").write_text(json.dumps(vector["unsigned"]))
    config = vector["proofConfig"]
    result = vic(
        "sign",
        "--key",
        str(tmp_path / "key.json"),
        "--cryptosuite",
        "eddsa-rdfc-2022",
        "--verification-method",
        config["verificationMethod"],
        "--created",
        config["created"],
        str(tmp_path / "unsigned.json"),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == vector["signed"]


def test_sign_twice_makes_a_proof_set_and_chain(signed: tuple[Path, str], tmp_path: Path) -> None:
    folder, _did = signed
    second = tmp_path / "second.json"
    assert vic("key", "generate", "--type", "ed25519", "--out", str(second)).returncode == 0
    first = json.loads((folder / "signed.json").read_text())
    first["proof"]["id"] = "urn:uuid:1e8a7c37-0b7e-4f1e-9c61-5d0c0a1b2c3d"
    (tmp_path / "one.json").write_text(json.dumps(first, ensure_ascii=False))
    result = vic(
        "sign",
        "--key",
        str(second),
        "--cryptosuite",
        "eddsa-rdfc-2022",
        "--previous-proof",
        first["proof"]["id"],
        str(tmp_path / "one.json"),
    )
    assert result.returncode == 0, result.stderr
    chained = json.loads(result.stdout)
    assert isinstance(chained["proof"], list)
    assert len(chained["proof"]) == 2
    assert chained["proof"][1]["previousProof"] == first["proof"]["id"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--cryptosuite", "bbs-2023"], "UNSUPPORTED_CRYPTOSUITE"),
        (["--cryptosuite", "eddsa-rdfc-2022"], "KEY_TYPE_MISMATCH"),
        (["--cryptosuite", "ecdsa-rdfc-2019", "--created", "yesterday"], "INVALID_DATETIME"),
        (
            ["--cryptosuite", "ecdsa-rdfc-2019", "--previous-proof", "urn:x"],
            "PREVIOUS_PROOF_NOT_FOUND",
        ),
    ],
    ids=["unknown-suite", "key-mismatch", "bad-created", "missing-previous"],
)
def test_sign_errors(signed: tuple[Path, str], args: list[str], code: str) -> None:
    folder, _ = signed
    result = vic("sign", "--key", str(folder / "key.json"), *args, str(folder / "mark.json"))
    assert result.returncode == 2
    assert code in result.stderr
    assert result.stdout == ""


def test_demo(tmp_path: Path) -> None:
    result = vic("demo", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verify QR     VALID" in result.stdout
    assert "scanned mark  REVOKED" in result.stdout
    assert "superseded by mark" in result.stdout
    for name in (
        "mark.json",
        "mark.txt",
        "mark.png",
        "mark.pdf",
        "trust.json",
        "transferred-mark.json",
        "status-revocation.json",
        "status-suspension.json",
    ):
        assert (tmp_path / name).is_file(), name
    assert (tmp_path / "mark.pdf").read_bytes().startswith(b"%PDF-")
    key = tmp_path / "issuer-data" / "keys" / "key-1.json"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # the files verify with the command line, offline, as the demo says
    lists = [
        "--status-list",
        str(tmp_path / "status-revocation.json"),
        "--status-list",
        str(tmp_path / "status-suspension.json"),
    ]
    trust = ["--trust", str(tmp_path / "trust.json")]
    old = vic("verify", "--json", "--offline", *trust, *lists, str(tmp_path / "mark.png"))
    assert old.returncode == 1, old.stdout
    assert json.loads(old.stdout)["status"] == "REVOKED"
    new = vic("verify", "--json", *trust, *lists, str(tmp_path / "transferred-mark.json"))
    assert new.returncode == 0, new.stdout
    assert json.loads(new.stdout)["status"] == "VALID"


def test_demo_runs_again_in_the_same_folder(tmp_path: Path) -> None:
    """The demo owns OUT/issuer-data and starts it afresh; other files in OUT are left alone."""
    (tmp_path / "keep.txt").write_text("mine")
    assert vic("demo", "--out", str(tmp_path)).returncode == 0
    again = vic("demo", "--out", str(tmp_path))
    assert again.returncode == 0, again.stdout + again.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_sign_with_a_missing_key_file(signed: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = signed
    result = vic(
        "sign",
        "--key",
        str(tmp_path / "absent.json"),
        "--cryptosuite",
        "ecdsa-rdfc-2019",
        str(folder / "mark.json"),
    )
    assert result.returncode == 2
    assert "INPUT_NOT_READABLE" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "issuer": "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
                "credentialSubject": {"id": "urn:x", "n": 10**308},
                "proof": {
                    "type": "DataIntegrityProof",
                    "cryptosuite": "ecdsa-rdfc-2019",
                    "verificationMethod": (
                        "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"
                        "#zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"
                    ),
                    "proofPurpose": "assertionMethod",
                    "proofValue": "z" + "1" * 87,
                },
            }
        ),
        '{"a": [' + ",".join(["[]"] * 300_000) + "]}",
    ],
    ids=["309-digit-integer", "a-megabyte-of-arrays"],
)
def test_verify_hostile_json_is_malformed_without_a_traceback(tmp_path: Path, text: str) -> None:
    """Issue 8: a 309-digit integer made pyld raise OverflowError and vic print a traceback."""
    path = tmp_path / "hostile.json"
    path.write_text(text)
    result = vic("verify", "--json", str(path))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["status"] == "MALFORMED"


def test_an_unexpected_exception_is_one_line_with_a_code(tmp_path: Path) -> None:
    """Whatever goes wrong, vic prints one line with a code (VIC_DEBUG=1 shows the traceback)."""
    script = (
        "import sys; import vic.cli.main as m\n"
        "def boom(*a, **k): raise RuntimeError('boom')\n"
        "m.app = boom\n"
        "m.main()\n"
    )
    quiet = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert quiet.returncode == 3
    assert quiet.stderr.startswith("vic: error [INTERNAL_ERROR]: RuntimeError: boom")
    assert "Traceback" not in quiet.stderr
    loud = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "VIC_DEBUG": "1"},
    )
    assert "Traceback" in loud.stderr
