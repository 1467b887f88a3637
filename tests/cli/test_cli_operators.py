"""The authority's operators (issue 13): settings that stick, imports that speak, output for
scripts. Each test runs the `vic` command as a subprocess, as an operator would."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import vic
from tests.issuer.test_issuer_import import HEADER, row, write_csv

HUBEI = "https://jtgl.hubei.example.cn"
HUBEI_DID = "did:web:jtgl.hubei.example.cn"


def issuer(data: Path, *args: str) -> tuple[int, str, str]:
    result = vic("issuer", *args, "--data", str(data))
    return result.returncode, result.stdout, result.stderr


def test_settings_saved_by_init_are_used_by_every_later_command(tmp_path: Path) -> None:
    data = tmp_path / "hb"
    code, out, err = issuer(data, "init", "--base-url", HUBEI)
    assert code == 0, err
    assert out.strip() == HUBEI_DID
    assert "provisional" in err  # the registry entry id was derived, and the operator is told
    assert (data / "issuer.toml").stat().st_mode & 0o777 == 0o600

    # No --base-url any more: the saved one is used, never the demo identity.
    code, out, err = issuer(data, "did")
    assert code == 0, err
    assert json.loads(out)["id"] == HUBEI_DID
    source = write_csv(tmp_path / "v.csv", [row(1), row(2)])
    code, out, err = issuer(data, "import", str(source))
    assert code == 0, err
    assert "2 rows: 2 issued" in out

    # init again: the same authority, nothing changes; another base URL is refused.
    assert issuer(data, "init")[1].strip() == HUBEI_DID
    code, _, err = issuer(data, "init", "--base-url", "https://other.example.cn")
    assert code == 2
    assert "ALREADY_INITIALISED" in err


def test_an_uninitialised_directory_is_an_error_not_the_demo_authority(tmp_path: Path) -> None:
    code, out, err = issuer(tmp_path / "nothing", "did")
    assert code == 2
    assert "NOT_INITIALISED" in err
    assert "demo.vic.example" not in out + err
    code, _, err = issuer(tmp_path / "nothing", "init")
    assert code == 2
    assert "--base-url" in err


def test_config_shows_each_value_and_its_source(tmp_path: Path) -> None:
    data = tmp_path / "hb"
    assert issuer(data, "init", "--base-url", HUBEI, "--registry-entry-id", "42001")[0] == 0
    code, out, err = issuer(data, "config", "--json")
    assert code == 0, err
    settings = json.loads(out)["settings"]
    assert settings["base_url"] == {"value": HUBEI, "source": "file", "env": "VIC_BASE_URL"}
    assert settings["registry_entry_id"]["value"] == 42001
    assert settings["cryptosuite"] == {
        "value": "ecdsa-rdfc-2019",
        "source": "default",
        "env": "VIC_CRYPTOSUITE",
    }
    # The environment overrides the file, and says so.
    result = vic(
        "issuer", "config", "--json", "--data", str(data), env={"VIC_STATUS_LIST_TTL_SECONDS": "60"}
    )
    ttl = json.loads(result.stdout)["settings"]["status_list_ttl_seconds"]
    assert ttl == {"value": 60, "source": "environment", "env": "VIC_STATUS_LIST_TTL_SECONDS"}

    assert issuer(data, "config", "set", "proof_created", "true")[0] == 0
    assert json.loads(issuer(data, "config", "--json")[1])["settings"]["proof_created"] == {
        "value": True,
        "source": "file",
        "env": "VIC_PROOF_CREATED",
    }
    text = issuer(data, "config")[1]
    assert "proof_created\tTrue\tfile\tVIC_PROOF_CREATED" in text


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("proof_created", "maybe", "true or false"),
        ("status_list_ttl_seconds", "five", "whole number"),
        ("cryptosuite", "rot13", "one of ecdsa-rdfc-2019"),
        ("colour", "red", "unknown setting"),
        ("base_url", "https://other.example.cn", "cannot change"),
    ],
)
def test_config_set_refuses_bad_values(tmp_path: Path, key: str, value: str, expected: str) -> None:
    data = tmp_path / "hb"
    assert issuer(data, "init", "--base-url", HUBEI)[0] == 0
    before = (data / "issuer.toml").read_bytes()
    code, _, err = issuer(data, "config", "set", key, value)
    assert code == 2
    assert expected in err
    assert (data / "issuer.toml").read_bytes() == before


def test_a_broken_settings_file_is_reported_with_its_name(tmp_path: Path) -> None:
    data = tmp_path / "hb"
    assert issuer(data, "init", "--base-url", HUBEI)[0] == 0
    (data / "issuer.toml").write_text('base_url = "https://x.example"\nseats = 5\n')
    code, _, err = issuer(data, "did")
    assert code == 2
    assert "INVALID_SETTINGS" in err
    assert "issuer.toml" in err
    assert "seats" in err


def test_every_authority_gets_a_registry_entry_and_a_qr_as_small_as_the_demos(
    tmp_path: Path,
) -> None:
    data = tmp_path / "hb"
    assert issuer(data, "init", "--base-url", HUBEI)[0] == 0
    source = write_csv(tmp_path / "v.csv", [row(1)])
    assert issuer(data, "import", str(source))[0] == 0
    trust = tmp_path / "trust.json"
    code, out, err = issuer(data, "trust-list", "--out", str(trust), "--json")
    assert code == 0, err
    entry_ids = json.loads(out)["registryEntryIds"]
    assert len(entry_ids) == 1
    entries = json.loads(trust.read_text())["issuers"][0]["cborldRegistryEntries"]
    assert [e["registryEntryId"] for e in entries] == entry_ids

    # The mark of that authority encodes with its entry: a QR of the demo's size class.
    from vic.issuer.config import IssuerConfig
    from vic.issuer.engine import Issuer
    from vic.issuer.settings import config_kwargs, effective

    config = IssuerConfig(data_dir=data, **config_kwargs(effective(data)))
    with Issuer.open(config) as authority:
        mark = authority.current_mark(row(1)[0])
        assert mark is not None
        credential = mark.credential
    signed = tmp_path / "mark.json"
    signed.write_text(json.dumps(credential, ensure_ascii=False))
    qr = vic("qr", "encode", str(signed), "--registry", str(_entry_file(tmp_path, entries[0])))
    assert qr.returncode == 0, qr.stderr
    assert len(qr.stdout.strip()) <= 320  # the demo's mark: 301 characters, version 10 at M

    # Key rotation appends a version of the entry.
    assert issuer(data, "key", "rotate")[0] == 0
    assert issuer(data, "trust-list", "--out", str(trust))[0] == 0
    rotated = json.loads(trust.read_text())["issuers"][0]["cborldRegistryEntries"][0]
    assert rotated["registryEntryId"] == entry_ids[0]
    assert rotated["version"] > entries[0]["version"]


def _entry_file(tmp_path: Path, entry: dict[str, object]) -> Path:
    path = tmp_path / "entry.json"
    path.write_text(json.dumps(entry))
    return path


def test_registry_entry_zero_means_none_and_warns(tmp_path: Path) -> None:
    code, _, err = issuer(tmp_path / "hb", "init", "--base-url", HUBEI, "--registry-entry-id", "0")
    assert code == 0
    assert "no CBOR-LD registry entry" in err


def test_import_reads_gb18030_with_chinese_headers_and_reports_the_encoding(
    tmp_path: Path,
) -> None:
    data = tmp_path / "hb"
    assert issuer(data, "init", "--base-url", HUBEI)[0] == 0
    chinese = [
        "车辆识别代号",
        "号牌号码",
        "号牌种类",
        "车辆类型",
        "使用性质",
        "核定载客",
        "初次登记日期",
        "所有人",
    ]
    source = tmp_path / "gbk.csv"
    with source.open("w", newline="", encoding="gb18030") as out:
        writer = csv.writer(out)
        writer.writerow(chinese)
        writer.writerows([row(1), row(2)])
    code, out, err = issuer(data, "import", str(source), "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["encoding"] == "gb18030"
    assert (summary["rows"], summary["issued"], summary["rejected"]) == (2, 2, [])


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_import_reads_utf8_with_or_without_bom_and_case_insensitive_headers(
    tmp_path: Path, bom: bool
) -> None:
    data = tmp_path / "hb"
    assert issuer(data, "init", "--base-url", HUBEI)[0] == 0
    source = tmp_path / "v.csv"
    with source.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["VIN", "Plate Number", *[h.upper() for h in HEADER[2:]]])
        writer.writerow(row(1))
    code, out, err = issuer(data, "import", str(source), "--json")
    assert code == 0, err
    assert json.loads(out)["encoding"] == ("UTF-8 (BOM)" if bom else "utf-8")


@pytest.mark.parametrize(
    ("column", "value", "allowed"),
    [
        ("seats", "five", "a whole number in ASCII digits"),
        ("seats", "5_0", "a whole number in ASCII digits"),
        ("seats", "٥", "a whole number in ASCII digits"),
        ("first_registration", "15/03/2024", "a date YYYY-MM-DD"),
        ("use_category", "spaceship", "one of small_non_operating_passenger"),
    ],
)
def test_a_bad_row_names_its_line_column_value_and_what_is_allowed(
    tmp_path: Path, column: str, value: str, allowed: str
) -> None:
    data = tmp_path / "hb"
    assert issuer(data, "init", "--base-url", HUBEI)[0] == 0
    bad = row(2)
    bad[HEADER.index(column)] = value
    source = write_csv(tmp_path / "v.csv", [row(1), bad])
    code, out, err = issuer(data, "import", str(source))
    assert code == 1
    assert f"line 3, column {column} = {value!r}: [INVALID_ROW]" in err
    assert allowed in err
    code, out, _ = issuer(data, "import", str(source), "--json")
    rejected = json.loads(out)["rejected"]
    assert [(r["line"], r["column"], r["value"], r["code"]) for r in rejected] == [
        (3, column, value, "INVALID_ROW")
    ]


def test_import_without_a_terminal_prints_progress_lines_and_a_summary(tmp_path: Path) -> None:
    data = tmp_path / "hb"
    assert issuer(data, "init", "--base-url", HUBEI)[0] == 0
    source = write_csv(tmp_path / "v.csv", [row(i) for i in range(3)])
    code, out, err = issuer(data, "import", str(source))
    assert code == 0
    assert f"reading {source} (utf-8, 3 rows)" in err
    assert "3 rows: 3 issued, 0 already done, 0 rejected" in out


def _unwrapped(text: str) -> str:
    """Help text as one line: wrapping (also at hyphens) undone."""
    return " ".join(text.split()).replace("- ", "-")


def test_help_shows_the_environment_variable_and_default(tmp_path: Path) -> None:
    result = vic("issuer", "init", "--help", env={"COLUMNS": "200"})
    assert result.returncode == 0
    text = _unwrapped(result.stdout)
    assert "env VIC_DATA, default ./vic-data" in text


def test_every_data_command_speaks_json(tmp_path: Path) -> None:
    data = tmp_path / "hb"
    code, out, err = issuer(data, "init", "--base-url", HUBEI, "--json")
    assert code == 0, err
    assert json.loads(out)["did"] == HUBEI_DID
    code, out, err = issuer(data, "station", "add", "4206001", "襄阳检测站", "--json")
    assert code == 0, err
    assert json.loads(out) == {"code": "4206001", "name": "襄阳检测站", "active": True}
    code, out, err = issuer(
        data, "token", "create", "--role", "office", "--label", "desk 1", "--json"
    )
    assert code == 0, err
    created = json.loads(out)
    assert created["role"] == "office"
    assert created["token"].startswith("vic_")
    code, out, err = issuer(data, "token", "list", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert [t["id"] for t in listed] == [created["id"]]
    assert "token" not in listed[0]  # the secret is never shown again
    code, out, err = issuer(data, "token", "list")
    assert code == 0, err
    assert out.splitlines()[0] == "id\trole\tsubject\tlabel\texpires\tstate"
    code, out, err = issuer(data, "key", "rotate", "--json")
    assert code == 0, err
    assert json.loads(out)["methodId"] == f"{HUBEI_DID}#key-2"
    code, out, err = issuer(data, "key", "list", "--json")
    assert code == 0, err
    assert [k["methodId"] for k in json.loads(out)] == [f"{HUBEI_DID}#key-1", f"{HUBEI_DID}#key-2"]
    code, out, err = issuer(data, "token", "revoke", created["id"], "--json")
    assert code == 0, err
    assert json.loads(out) == {"id": created["id"], "revoked": True}


def test_qr_encode_refuses_what_is_not_a_signed_credential(tmp_path: Path) -> None:
    hello = tmp_path / "notvc.json"
    hello.write_text('{"hello": "world"}')
    result = vic("qr", "encode", str(hello))
    assert result.returncode == 2
    assert "VC1-R" not in result.stdout
    assert "[INVALID_CONTEXT]" in result.stderr


def test_no_help_text_is_eaten_as_rich_markup() -> None:
    """Every option's help of every command prints whole: `[env VIC_WALLET]` stays visible."""
    import typer.main

    from vic.cli.main import app, plain_help

    plain_help(app)
    root = typer.main.get_command(app)
    seen = 0

    def walk(command: Any, path: list[str]) -> None:  # typer vendors its own click
        nonlocal seen
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
            return
        bracketed = [p.help for p in command.params if "[" in (getattr(p, "help", None) or "")]
        if not bracketed:
            return
        result = vic(*path, "--help", env={"COLUMNS": "250"})
        text = _unwrapped(result.stdout)
        for help_text in bracketed:
            seen += 1
            assert _unwrapped(str(help_text)) in text, (path, help_text)

    walk(root, [])
    assert seen > 0


def test_qr_encode_refuses_an_unsigned_credential_and_cose_refuses_a_non_credential(
    tmp_path: Path,
) -> None:
    from tests.cli.test_cli import mark

    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(
        json.dumps(mark("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"))
    )
    result = vic("qr", "encode", str(unsigned))
    assert result.returncode == 2
    assert "[NOT_SIGNED]" in result.stderr
    key = tmp_path / "k.json"
    assert vic("key", "generate", "--out", str(key)).returncode == 0
    hello = tmp_path / "notvc.json"
    hello.write_text('{"hello": "world"}')
    cose = vic("qr", "encode", "--profile", "cose", "--key", str(key), str(hello))
    assert cose.returncode == 2
    assert "VIC1:" not in cose.stdout
    assert "[INVALID_CONTEXT]" in cose.stderr


def test_key_generate_speaks_json(tmp_path: Path) -> None:
    result = vic("key", "generate", "--out", str(tmp_path / "k.json"), "--json")
    assert result.returncode == 0, result.stderr
    described = json.loads(result.stdout)
    assert described["did"].startswith("did:key:zDn")
    assert described["keyType"] == "P-256"
    assert described["verificationMethod"].startswith(described["did"] + "#")
