"""The owner's story end to end on loopback, in one test, through the `vic` command only.

The issuer runs as `vic serve issuer` on 127.0.0.1 (a real HTTP server, base URL
http://127.0.0.1:PORT); the office registers a car, a station reports its passed inspection, the
owner asks for a wallet offer, the wallet receives it (OpenID4VCI with a tx_code), shows it
offline, exports it; the exported file verifies with `vic verify` in a clean environment (no
wallet, no trust list in the environment, an empty home); the car is transferred, the wallet's
refresh replaces the mark, and the old one reads REVOKED in the verifier.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import VIC
from tests.cli.test_cli_issuer import free_port

STATION = "4206001"


def _vin() -> str:
    from vic.vc.vin import vin_check_digit

    raw = "LSVAU2A30N0000770"
    return raw[:8] + vin_check_digit(raw) + raw[9:]


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VIC, *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd, check=False
    )


def call(method: str, url: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    """A served issuer: its base URL, tokens by role, its trust list file."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = tmp_path / "issuer"
    env = {**os.environ, "VIC_DATA": str(data), "VIC_BASE_URL": base}
    env.pop("VIC_WALLET", None)
    for args in (("issuer", "init"), ("issuer", "station", "add", STATION, "襄阳检测站")):
        done = run(*args, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    tokens = {}
    for role, subject in (
        ("office", None),
        ("station", STATION),
        ("owner", "acct-1"),
        ("owner", "acct-2"),
    ):
        extra = ["--subject", subject] if subject else []
        done = run(
            "issuer",
            "token",
            "create",
            "--role",
            role,
            "--label",
            role,
            *extra,
            env=env,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        tokens[subject if role == "owner" else role] = done.stdout.strip()
    trust = tmp_path / "trust.json"
    done = run("issuer", "trust-list", "--out", str(trust), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    server = subprocess.Popen(
        [*VIC, "serve", "issuer", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/.well-known/did.json", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield base, tokens, trust
    finally:
        server.terminate()
        server.wait(timeout=30)


def _lists(base: str, folder: Path, mark: dict[str, Any]) -> list[str]:
    """The mark's status lists as the issuer serves them now, saved as files (--status-list)."""
    from vic.vc.status import parse_status_entries

    files = []
    for entry in parse_status_entries(mark):
        assert entry.list_credential.startswith(base)
        with urllib.request.urlopen(entry.list_credential, timeout=30) as response:
            path = folder / f"{entry.purpose.value}.json"
            path.write_bytes(response.read())
        files += ["--status-list", str(path)]
    return files


def test_the_owner_story(tmp_path: Path, issuer: tuple[str, dict[str, str], Path]) -> None:
    base, tokens, trust = issuer
    vin = _vin()
    wallet_env = {**os.environ, "VIC_WALLET": str(tmp_path / "wallet")}
    home = tmp_path / "owner"
    home.mkdir()

    def wallet(*args: str) -> Any:
        done = run("wallet", *args, "--json", env=wallet_env, cwd=home)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)

    # 1. the office registers the car for acct-1; a station reports its passed inspection
    status, registered = call(
        "POST",
        f"{base}/vehicles",
        tokens["office"],
        {
            "vin": vin,
            "plate": "鄂F77001",
            "plateTypeCode": "02",
            "vehicleTypeCode": "K33",
            "useCategory": "small_non_operating_passenger",
            "seats": 5,
            "firstRegistration": "2024-11-20",
            "owner": "acct-1",
        },
    )
    assert status == 201, registered
    today = datetime.now(UTC).date().isoformat()
    status, outcome = call(
        "POST",
        f"{base}/inspections",
        tokens["station"],
        {"reportNumber": "R-770", "vin": vin, "inspectedOn": today, "passed": True},
    )
    assert status == 201, outcome
    inspected = outcome["mark"]["credential"]

    # 2. the owner asks for a wallet offer (by reference, with a one-time code)
    status, offer = call("POST", f"{base}/vehicles/{vin}/offers", tokens["acct-1"], {})
    assert status == 201, offer
    assert offer["offerUri"].startswith("openid-credential-offer://?credential_offer_uri=")

    # 3. the wallet receives it: a wrong code first (refused, nothing stored), then the right one
    wrong = "".join(str((int(d) + 1) % 10) for d in offer["txCode"])  # every digit off by one
    refused = run(
        "wallet",
        "receive",
        offer["offerUri"],
        "--tx-code",
        wrong,
        "--json",
        env=wallet_env,
        cwd=home,
    )
    assert refused.returncode == 2
    error = json.loads(refused.stdout)["error"]
    assert (error["code"], error["detail"]["error"]) == ("TOKEN_REJECTED", "invalid_grant")
    assert wallet("list") == []
    [received] = wallet("receive", offer["offerUri"], "--tx-code", offer["txCode"])
    assert received["new"] is True
    assert received["vin"] == vin
    shown = wallet("show", vin)
    assert shown["credential"] == inspected  # the mark as issued

    # 4. shown online (VALID), then offline: the last-known status with its age
    online = wallet("show", vin, "--online")
    assert online["status"] == "VALID", online.get("statusDetail")
    offline = wallet("show", vin)
    assert (offline["status"], offline["statusSource"]) == ("VALID", "last-known")
    assert offline["statusAgeSeconds"] >= 0

    # 5. exported, and verified by `vic verify` on a clean machine state
    exported = wallet(
        "export", vin, "--out", str(home / "mark.json"), "--png", str(home / "mark.png")
    )
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "mark.json").write_bytes(Path(exported["file"]).read_bytes())
    (clean / "mark.png").write_bytes((home / "mark.png").read_bytes())
    wallet("print", vin, "--out", str(home / "mark.pdf"))
    (clean / "mark.pdf").write_bytes((home / "mark.pdf").read_bytes())
    clean_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VIC_") and k not in ("HOME", "XDG_DATA_HOME")
    }
    clean_env["HOME"] = str(clean)
    lists = _lists(base, clean, inspected)
    for shared in ("mark.json", "mark.png", "mark.pdf"):  # the file, its QR, the printed sticker
        verdict = run(
            "verify", "--json", "--trust", str(trust), *lists, shared, env=clean_env, cwd=clean
        )
        assert verdict.returncode == 0, shared + verdict.stdout + verdict.stderr
        assert json.loads(verdict.stdout)["status"] == "VALID"

    # 6. the car is sold to acct-2: a new mark supersedes the one in the wallet
    status, transferred = call(
        "POST",
        f"{base}/vehicles/{vin}/transfers",
        tokens["office"],
        {"newOwner": "acct-2", "eventKey": "T-770"},
    )
    assert status == 201, transferred
    new_mark = transferred["credential"]

    # 7. refresh: the wallet sees its mark REVOKED; the seller's token no longer downloads the
    #    car's mark (403), the buyer's does
    seller = run(
        "wallet", "refresh", "--token", tokens["acct-1"], "--json", env=wallet_env, cwd=home
    )
    assert seller.returncode == 1, seller.stdout + seller.stderr
    [denied] = json.loads(seller.stdout)
    assert (denied["outcome"], denied["error"]["code"]) == ("failed", "REFRESH_REFUSED")
    assert denied["error"]["detail"]["status"] == 403
    outcomes = wallet("refresh", "--token", tokens["acct-2"])
    [outcome] = outcomes
    assert (outcome["outcome"], outcome["reason"]) == ("replaced", "revoked"), outcomes
    current = wallet("show", vin)
    assert current["credential"] == new_mark
    assert current["number"] == outcome["newNumber"]
    everything = wallet("list", "--all")
    assert {m["number"]: m["current"] for m in everything} == {
        received["number"]: False,
        outcome["newNumber"]: True,
    }

    # 8. the old mark reads REVOKED in the verifier, the new one VALID
    lists = _lists(base, clean, inspected)
    verdict = run(
        "verify", "--json", "--trust", str(trust), *lists, "mark.json", env=clean_env, cwd=clean
    )
    assert verdict.returncode == 1
    assert json.loads(verdict.stdout)["status"] == "REVOKED"
    (clean / "new.json").write_text(json.dumps(new_mark), encoding="utf-8")
    lists = _lists(base, clean, new_mark)
    verdict = run(
        "verify", "--json", "--trust", str(trust), *lists, "new.json", env=clean_env, cwd=clean
    )
    assert json.loads(verdict.stdout)["status"] == "VALID", verdict.stdout
