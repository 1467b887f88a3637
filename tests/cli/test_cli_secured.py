"""`vic sign --format vc+jwt|vc+cose` and `vic verify` on what it writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import mark, vic

BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("secured")
    key = folder / "key.json"
    made = vic("key", "generate", "--type", "ed25519", "--out", str(key))
    assert made.returncode == 0, made.stderr
    did = made.stdout.strip()
    (folder / "mark.json").write_text(json.dumps(mark(did), ensure_ascii=False))
    return folder, did


def verified(path: Path | str, did: str, stdin: str | None = None) -> dict[str, Any]:
    done = vic("verify", "--json", "--trust-issuer", did, str(path), stdin=stdin)
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["status"] == "VALID"
    return result


@pytest.mark.parametrize("secured_as", ["vc+jwt", "vc+cose"])
def test_sign_prints_and_verify_reads(key: tuple[Path, str], secured_as: str) -> None:
    folder, did = key
    done = vic(
        "sign", "--format", secured_as, "--key", str(folder / "key.json"), str(folder / "mark.json")
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout.strip()
    assert text.count(".") == (2 if secured_as == "vc+jwt" else 0)
    assert set(text) <= set(BASE64URL + "."), "base64url, unpadded"
    result = verified("-", did, stdin=text)
    proof = next(c for c in result["checks"] if c["check"] == "proof")
    assert proof["detail"]["securedBy"] == secured_as


@pytest.mark.parametrize("secured_as", ["vc+jwt", "vc+cose"])
def test_sign_writes_out(key: tuple[Path, str], tmp_path: Path, secured_as: str) -> None:
    folder, did = key
    out = tmp_path / "secured"
    done = vic(
        "sign", "--format", secured_as, "--key", str(folder / "key.json"), "--out", str(out),
        str(folder / "mark.json"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    data = out.read_bytes()
    assert data.startswith(b"\xd2\x84") if secured_as == "vc+cose" else data.startswith(b"eyJ")
    verified(out, did)


def test_tampered_jwt_is_invalid(key: tuple[Path, str], tmp_path: Path) -> None:
    folder, did = key
    done = vic(
        "sign", "--format", "vc+jwt", "--key", str(folder / "key.json"), str(folder / "mark.json")
    )
    header, payload, signature = done.stdout.strip().split(".")
    forged = (
        f"{header}.{payload}.{signature[:10]}{'A' if signature[10] != 'A' else 'B'}{signature[11:]}"
    )
    result = vic("verify", "--json", "--trust-issuer", did, "-", stdin=forged)
    assert result.returncode == 1
    assert json.loads(result.stdout)["status"] == "INVALID_PROOF"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--format", "jwt"], "INVALID_FORMAT"),
        (["--format", "vc+jwt", "--cryptosuite", "eddsa-rdfc-2022"], "USAGE_ERROR"),
        (["--format", "vc+cose", "--challenge", "abc"], "USAGE_ERROR"),
        ([], "USAGE_ERROR"),  # di without --cryptosuite
        (["--format", "vc+jwt", "--verification-method", "did:example:1"], "INVALID_KID"),
    ],
    ids=["unknown-format", "jwt-with-suite", "cose-with-challenge", "di-no-suite", "bare-did"],
)
def test_sign_format_errors(key: tuple[Path, str], args: list[str], code: str) -> None:
    folder, _ = key
    result = vic("sign", "--key", str(folder / "key.json"), *args, str(folder / "mark.json"))
    assert result.returncode == 2
    assert code in result.stderr
    assert result.stdout == ""
