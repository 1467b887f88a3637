"""`vic wallet ...` on the command line: every command, --json, and bad stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.authority import Authority
from tests.cli.test_cli import vic


def wallet_cmd(folder: Path, *args: str) -> Any:
    return vic("wallet", *args, env={"VIC_WALLET": str(folder)})


def test_the_commands(tmp_path: Path, authority: Authority, mark: dict[str, Any]) -> None:
    folder = tmp_path / "w"
    source = tmp_path / "in.json"
    source.write_text(json.dumps(mark), encoding="utf-8")
    init = wallet_cmd(folder, "init", "--json")
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout)["holder"].startswith("did:key:")

    received = wallet_cmd(folder, "receive", str(source), "--json")
    assert received.returncode == 0, received.stderr
    [entry] = json.loads(received.stdout)
    assert (entry["number"], entry["new"], entry["vin"]) == (1, True, "LSVAU2A36N2183457")

    listed = json.loads(wallet_cmd(folder, "list", "--json").stdout)
    assert [m["plate"] for m in listed] == ["鄂L12345"]
    assert listed[0]["statusSource"] == "dates"
    assert "鄂L12345" in wallet_cmd(folder, "list").stdout

    shown = json.loads(wallet_cmd(folder, "show", "LSVAU2A36N2183457", "--json").stdout)
    assert shown["credential"] == mark
    qr = wallet_cmd(folder, "show", "1", "--qr")
    assert (qr.returncode == 0 and "▀" in qr.stdout + qr.stderr) or "█" in qr.stdout

    out = tmp_path / "shared.json"
    png = tmp_path / "shared.png"
    exported = wallet_cmd(folder, "export", "1", "--out", str(out), "--png", str(png), "--json")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == mark
    for path in (out, png):  # verifies on a machine that has nothing but the file
        checked = vic(
            "verify",
            "--json",
            "--skip-status",
            "--trust-issuer",
            authority.did,
            "--at",
            "2026-12-01T00:00:00Z",
            str(path),
        )
        assert json.loads(checked.stdout)["verified"], checked.stdout

    pdf = tmp_path / "mark.pdf"
    printed = wallet_cmd(folder, "print", "1", "--out", str(pdf), "--json")
    assert printed.returncode == 0, printed.stderr
    assert pdf.read_bytes().startswith(b"%PDF-")

    vp_file = tmp_path / "vp.json"
    presented = wallet_cmd(
        folder, "present", "1", "--challenge", "abc", "--domain", "x.example", "--out", str(vp_file)
    )
    assert presented.returncode == 0, presented.stderr
    vp = json.loads(vp_file.read_text(encoding="utf-8"))
    assert vp["proof"]["challenge"] == "abc"
    assert vp["proof"]["domain"] == "x.example"

    removed = wallet_cmd(folder, "remove", "1", "--json")
    assert json.loads(removed.stdout) == {"removed": 1, "vin": "LSVAU2A36N2183457"}
    missing = wallet_cmd(folder, "show", "1", "--json")
    assert missing.returncode == 2
    assert json.loads(missing.stdout)["error"]["code"] == "MARK_NOT_IN_WALLET"
    assert "[MARK_NOT_IN_WALLET]" in missing.stderr


def test_a_truncated_store_on_the_command_line(tmp_path: Path, mark: dict[str, Any]) -> None:
    folder = tmp_path / "w"
    source = tmp_path / "in.json"
    source.write_text(json.dumps(mark), encoding="utf-8")
    assert wallet_cmd(folder, "receive", str(source)).returncode == 0
    store = folder / "wallet.sqlite"
    store.write_bytes(store.read_bytes()[:5000])
    damaged = store.read_bytes()
    for args in (("list", "--json"), ("receive", str(source), "--json")):
        result = wallet_cmd(folder, *args)
        assert result.returncode == 2
        assert json.loads(result.stdout)["error"]["code"] == "STORE_CORRUPT"
    assert store.read_bytes() == damaged


def test_a_malformed_offer_on_the_command_line(tmp_path: Path) -> None:
    result = wallet_cmd(
        tmp_path, "receive", "openid-credential-offer://?credential_offer=%7Bbad", "--json"
    )
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["code"] == "OFFER_INVALID"


def test_the_demo_marks_qr_is_received_without_options(tmp_path: Path) -> None:
    demo = vic("demo", "--out", str(tmp_path / "demo"))
    assert demo.returncode == 0, demo.stdout + demo.stderr
    folder = tmp_path / "w"
    png = wallet_cmd(folder, "receive", str(tmp_path / "demo" / "mark.png"), "--json")
    assert png.returncode == 0, png.stdout + png.stderr
    [entry] = json.loads(png.stdout)
    assert entry["format"] == "vc1-barcode"
    again = wallet_cmd(folder, "receive", str(tmp_path / "demo" / "mark.json"), "--json")
    assert json.loads(again.stdout)[0]["new"] is False  # the same mark, held once
    shown = json.loads(wallet_cmd(folder, "show", "1", "--json").stdout)
    assert len(shown["receivedAt"]) == len("2026-12-07T12:00:00Z")  # whole seconds
