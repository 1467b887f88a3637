"""Every status, from a signed mark (hand-built where the issuer would never produce it), offline
and online, through the library and the `vic verify` command."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.authority import NOW, Authority
from tests.cli.test_cli import vic
from tests.loopback import Loopback, reply, serve
from vic.did.fetch import FetchPolicy, GuardedFetcher
from vic.verifier import HttpStatusLists, StaticStatusLists, Status, TrustList, verify_credential

LATER = NOW + timedelta(hours=1)


@dataclass
class Case:
    status: Status
    document: Any
    lists: list[dict[str, Any]] = field(default_factory=list)
    at: datetime = LATER
    trusted: bool = True


@pytest.fixture(scope="module")
def server() -> Iterator[Loopback]:
    with serve({}) as loopback:
        yield loopback


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


@pytest.fixture(scope="module")
def cases(authority: Authority, server: Loopback) -> dict[str, Case]:
    def mark(name: str) -> dict[str, Any]:
        return authority.mark(status_base=server.url(f"/{name}/status"))

    def publish(lists: list[dict[str, Any]]) -> None:
        for credential in lists:
            body = json.dumps(credential).encode()
            path = credential["id"][len(server.base) :]
            server.routes[path] = lambda h, body=body: reply(h, 200, body, {"etag": '"1"'})

    out: dict[str, Case] = {}
    for name in ("valid", "expired", "not-yet-valid", "untrusted"):
        document = mark(name)
        out[name] = Case(Status.VALID, document, authority.status_lists(document))
    out["expired"].status, out["expired"].at = Status.EXPIRED, NOW + timedelta(days=3 * 366)
    out["not-yet-valid"].status = Status.NOT_YET_VALID
    out["not-yet-valid"].at = NOW - timedelta(days=1)
    out["untrusted"].status, out["untrusted"].trusted = Status.UNTRUSTED_ISSUER, False

    revoked, suspended = mark("revoked"), mark("suspended")
    out["revoked"] = Case(Status.REVOKED, revoked, authority.status_lists(revoked, revoked=True))
    out["suspended"] = Case(
        Status.SUSPENDED, suspended, authority.status_lists(suspended, suspended=True)
    )
    forged = copy.deepcopy(mark("forged"))
    forged["credentialSubject"]["registrationNumber"] = "鄂A00001"
    out["forged"] = Case(Status.INVALID_PROOF, forged, authority.status_lists(mark("forged")))
    out["malformed"] = Case(Status.MALFORMED, {"not": "a credential"})
    unavailable = mark("unavailable")  # its lists are published nowhere
    out["unavailable"] = Case(Status.STATUS_UNAVAILABLE, unavailable)
    for case in out.values():
        publish(case.lists)
    assert {c.status for c in out.values()} == set(Status)
    return out


NAMES = [
    "valid",
    "expired",
    "not-yet-valid",
    "revoked",
    "suspended",
    "untrusted",
    "forged",
    "malformed",
    "unavailable",
]


def trust_of(authority: Authority, case: Case) -> TrustList:
    return authority.trust() if case.trusted else TrustList()


@pytest.mark.parametrize("name", NAMES)
def test_library_offline(authority: Authority, cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    result = verify_credential(
        case.document,
        trust=trust_of(authority, case),
        clock=lambda: case.at,
        status_source=StaticStatusLists(case.lists),
    )
    assert result.status is case.status
    assert result.verified is (case.status is Status.VALID)


@pytest.mark.parametrize("name", NAMES)
def test_library_online(
    authority: Authority, cases: dict[str, Case], name: str, tmp_path: Path
) -> None:
    case = cases[name]
    source = HttpStatusLists(
        GuardedFetcher(FetchPolicy(allow_loopback_http=True)),
        cache_dir=tmp_path,
        clock=lambda: case.at,
    )
    result = verify_credential(
        case.document, trust=trust_of(authority, case), clock=lambda: case.at, status_source=source
    )
    assert result.status is case.status
    if case.status in (Status.VALID, Status.REVOKED, Status.SUSPENDED):
        sources = {c.detail.get("statusSource") for c in result.checks if c.detail}
        assert "network" in sources


def cli(authority: Authority, case: Case, folder: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "input.json").write_text(json.dumps(case.document, ensure_ascii=False), "utf-8")
    (folder / "trust.json").write_text(json.dumps(trust_of(authority, case).to_json()), "utf-8")
    args = ["verify", "--json", "--trust", str(folder / "trust.json")]
    args += ["--at", case.at.strftime("%Y-%m-%dT%H:%M:%SZ"), *extra, str(folder / "input.json")]
    done = vic(*args, env={"VIC_CACHE_DIR": str(folder / "cache")})
    return done.returncode, json.loads(done.stdout)


@pytest.mark.parametrize("name", NAMES)
def test_cli_offline(
    authority: Authority, cases: dict[str, Case], name: str, tmp_path: Path
) -> None:
    case = cases[name]
    files = []
    for index, credential in enumerate(case.lists):
        path = tmp_path / f"list-{index}.json"
        path.write_text(json.dumps(credential), encoding="utf-8")
        files += ["--status-list", str(path)]
    code, result = cli(authority, case, tmp_path, "--offline", *files)
    assert result["status"] == case.status.value
    assert code == case.status.exit_code


@pytest.mark.parametrize("name", NAMES)
def test_cli_online(
    authority: Authority, cases: dict[str, Case], name: str, tmp_path: Path
) -> None:
    case = cases[name]
    code, result = cli(authority, case, tmp_path, "--online", "--allow-loopback-http")
    assert result["status"] == case.status.value
    assert code == case.status.exit_code
