"""`vic qr encode|decode` and `vic verify` on QR text, images and PDFs (docs/cli.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import vic


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = vic("demo", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def trusted(demo: Path, *args: str, stdin: str | None = None) -> Any:
    return vic(
        "verify", "--json", "--trust", str(demo / "trust.json"), "--skip-status", *args, stdin=stdin
    )


def test_demo_writes_the_qr(demo: Path) -> None:
    text = (demo / "mark.txt").read_text().strip()
    assert text.startswith("VC1-R")
    assert len(text) <= 311  # version 10 at level M (docs/qr.md)
    assert (demo / "mark.png").read_bytes().startswith(b"\x89PNG")
    mark = json.loads((demo / "mark.json").read_text())
    assert "id" not in mark
    assert "created" not in mark["proof"]


def test_encode_reproduces_the_demo_text(demo: Path, tmp_path: Path) -> None:
    result = vic(
        "qr",
        "encode",
        str(demo / "mark.json"),
        "--registry-entry",
        "15601",
        "--png",
        str(tmp_path / "q.png"),
        "--svg",
        str(tmp_path / "q.svg"),
        "--ecc",
        "Q",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (demo / "mark.txt").read_text().strip()
    assert (tmp_path / "q.png").stat().st_size > 0
    assert (tmp_path / "q.svg").read_text().lstrip().startswith("<")


def test_decode_text_image_and_stdin(demo: Path) -> None:
    mark = json.loads((demo / "mark.json").read_text())
    text = (demo / "mark.txt").read_text().strip()
    for args, stdin in (([text], None), ([str(demo / "mark.png")], None), (["-"], text)):
        result = vic("qr", "decode", *args, stdin=stdin)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == mark


@pytest.mark.parametrize("source", ["png", "text-stdin", "json"])
def test_verify_every_input_form(demo: Path, source: str) -> None:
    if source == "png":
        result = trusted(demo, str(demo / "mark.png"))
    elif source == "text-stdin":
        result = trusted(demo, "-", stdin=(demo / "mark.txt").read_text())
    else:
        result = trusted(demo, str(demo / "mark.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads(result.stdout)
    assert out["status"] == "VALID"
    parse = next(c for c in out["checks"] if c["check"] == "parse")
    assert parse["detail"]["format"] == ("json" if source == "json" else "vc1-barcode")


def test_verify_a_pdf(demo: Path, tmp_path: Path) -> None:
    from PIL import Image

    Image.open(demo / "mark.png").convert("RGB").save(tmp_path / "mark.pdf", resolution=150)
    result = trusted(demo, str(tmp_path / "mark.pdf"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["status"] == "VALID"


def test_verify_a_changed_character_is_rejected(demo: Path) -> None:
    text = (demo / "mark.txt").read_text().strip()
    position = len(text) // 2
    changed = text[:position] + ("A" if text[position] != "A" else "B") + text[position + 1 :]
    result = trusted(demo, "-", stdin=changed)
    assert result.returncode in (1, 2)
    assert json.loads(result.stdout)["status"] in ("INVALID_PROOF", "MALFORMED")


def test_verify_an_image_without_qr_is_malformed(demo: Path, tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (200, 200), "white").save(tmp_path / "blank.png")
    result = trusted(demo, str(tmp_path / "blank.png"))
    assert result.returncode == 2
    assert json.loads(result.stdout)["errors"][0]["code"] == "NO_QR_FOUND"


def test_cose_profile_round_trip(demo: Path) -> None:
    encoded = vic(
        "qr",
        "encode",
        str(demo / "mark.json"),
        "--profile",
        "cose",
        "--key",
        str(demo / "issuer-data" / "keys" / "key-1.json"),
    )
    assert encoded.returncode == 0, encoded.stderr
    text = encoded.stdout.strip()
    assert text.startswith("VIC1:")
    result = trusted(demo, "-", stdin=text)
    assert result.returncode == 0, result.stdout
    out = json.loads(result.stdout)
    assert out["status"] == "VALID"
    proof = next(c for c in out["checks"] if c["check"] == "proof")
    assert proof["detail"]["securedBy"] == "vc+cose"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--profile", "pdf417"], "INVALID_PROFILE"),
        (["--profile", "cose"], "NO_PRIVATE_KEY"),
        (["--ecc", "X", "--png", "/tmp/vic-never.png"], "INVALID_ECC"),
    ],
    ids=["profile", "cose-without-key", "ecc"],
)
def test_encode_errors(demo: Path, args: list[str], code: str) -> None:
    result = vic("qr", "encode", str(demo / "mark.json"), *args)
    assert result.returncode == 2
    assert code in result.stderr


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("VC1-Rnot base45!", "INVALID_BASE45"),
        ("VC1-Z0000", "INVALID_BARCODE_PREFIX"),
        ("VIC1:%%%%", "INVALID_BASE45"),
    ],
    ids=["base45", "multibase", "cose-base45"],
)
def test_decode_errors(text: str, code: str) -> None:
    result = vic("qr", "decode", text)
    assert result.returncode == 2
    assert code in result.stderr
