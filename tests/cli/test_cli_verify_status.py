"""vic verify: QR text as the argument, the summary, --online/--offline, the status cache."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.authority import NOW, Authority
from tests.cli.test_cli import vic
from vic.did.fetch import FetchResponse
from vic.vc.barcode import encode_barcode
from vic.vc.cborld import Registry
from vic.verifier.status import HttpStatusLists
from vic.verifier.verify import verify_credential

AT = (NOW + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


@pytest.fixture(scope="module")
def files(authority: Authority, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("verify-status")
    mark = authority.mark()
    out = {"mark": folder / "mark.json", "trust": folder / "trust.json"}
    out["mark"].write_text(json.dumps(mark, ensure_ascii=False), encoding="utf-8")
    out["trust"].write_text(json.dumps(authority.trust().to_json()), encoding="utf-8")
    for credential in authority.status_lists(mark, revoked=True):
        purpose = credential["credentialSubject"]["statusPurpose"]
        out[purpose] = folder / f"{purpose}.json"
        out[purpose].write_text(json.dumps(credential), encoding="utf-8")
    return out


def run(files: dict[str, Path], *args: str, cache: Path) -> Any:
    return vic(
        "verify",
        "--trust",
        str(files["trust"]),
        "--at",
        AT,
        *args,
        env={"VIC_CACHE_DIR": str(cache)},
    )


def test_the_summary_is_printed_under_the_verdict(files: dict[str, Path], tmp_path: Path) -> None:
    lists = ["--status-list", str(files["revocation"]), "--status-list", str(files["suspension"])]
    done = run(files, *lists, str(files["mark"]), cache=tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0] == "REVOKED"
    assert lines[1].split()[:2] == ["plate", "鄂L12345"]
    assert "小型轿车" in lines[2]
    assert "small sedan" in lines[2]
    assert lines[3].split() == ["VIN", "LSVAU2A36N2183457"]
    assert lines[4].startswith("  valid until 2028-11")
    assert "Test authority" in lines[5]


def test_json_has_the_summary_the_credential_and_freshness(
    files: dict[str, Path], tmp_path: Path
) -> None:
    lists = ["--status-list", str(files["revocation"]), "--status-list", str(files["suspension"])]
    done = run(files, "--json", *lists, str(files["mark"]), cache=tmp_path)
    result = json.loads(done.stdout)
    assert result["status"] == "REVOKED"
    summary = result["summary"]
    assert summary["plate"] == "鄂L12345"
    assert summary["plateType"] == {
        "code": "02",
        "zh-CN": "小型汽车号牌",
        "en": summary["plateType"]["en"],
    }
    assert summary["vehicleType"]["code"] == "K33"
    assert summary["validUntilMonth"] == "2028-11"
    assert summary["issuerName"] == {"en": "Test authority"}
    assert (
        result["credential"]["credentialSubject"]["vehicleIdentificationNumber"] == summary["vin"]
    )
    revocation = next(c for c in result["checks"] if c["check"] == "revocation")
    assert revocation["detail"]["statusSource"] == "file"


def test_qr_text_as_the_argument(
    authority: Authority, files: dict[str, Path], tmp_path: Path
) -> None:
    mark = json.loads(files["mark"].read_text(encoding="utf-8"))
    text = encode_barcode(mark, Registry())
    lists = ["--status-list", str(files["revocation"]), "--status-list", str(files["suspension"])]
    done = run(files, "--json", *lists, text, cache=tmp_path)
    result = json.loads(done.stdout)
    assert result["status"] == "REVOKED", done.stderr
    assert result["checks"][0]["detail"]["format"] == "vc1-barcode"


def test_offline_without_lists_says_what_to_do(files: dict[str, Path], tmp_path: Path) -> None:
    done = run(files, str(files["mark"]), cache=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == "STATUS_UNAVAILABLE"
    assert "STATUS_LIST_NOT_CACHED" in done.stdout
    assert "--online" in done.stderr
    offline = run(files, "--offline", str(files["mark"]), cache=tmp_path)
    assert offline.stdout == done.stdout


def test_online_and_offline_exclude_each_other(files: dict[str, Path], tmp_path: Path) -> None:
    done = run(files, "--online", "--offline", str(files["mark"]), cache=tmp_path)
    assert done.returncode == 2
    assert "USAGE_ERROR" in done.stderr


class _Served:
    def __init__(self, lists: list[dict[str, Any]]) -> None:
        self._bodies = {c["id"]: json.dumps(c).encode() for c in lists}

    def fetch(
        self, url: str, *, max_bytes: int, headers: Mapping[str, str] | None = None
    ) -> FetchResponse:
        return FetchResponse(url, 200, self._bodies[url], {"etag": '"1"'})


def test_offline_uses_lists_fetched_before(
    authority: Authority, files: dict[str, Path], tmp_path: Path
) -> None:
    """Lists fetched online earlier (here by the library into the same cache) answer offline,
    with their age, until the maximum age."""
    mark = json.loads(files["mark"].read_text(encoding="utf-8"))
    fetched_at = NOW
    cache = tmp_path / "status"
    online = HttpStatusLists(
        _Served(authority.status_lists(mark)), cache_dir=cache, clock=lambda: fetched_at
    )
    first = verify_credential(
        mark, trust=authority.trust(), status_source=online, clock=lambda: NOW
    )
    assert first.status.value == "VALID"
    done = run(files, "--json", str(files["mark"]), cache=tmp_path)
    result = json.loads(done.stdout)
    assert result["status"] == "VALID", done.stdout
    revocation = next(c for c in result["checks"] if c["check"] == "revocation")
    assert revocation["detail"]["statusSource"] == "cache"
    assert revocation["detail"]["ageSeconds"] == 3600
    stale = run(files, "--json", "--max-status-age", "1800", str(files["mark"]), cache=tmp_path)
    assert json.loads(stale.stdout)["errors"][0]["code"] == "STATUS_LIST_STALE"
