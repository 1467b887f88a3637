"""Ways into the VC-API for the W3C suites, without weakening the defaults: a static per-instance
key (VC-API routes only) and --unauthenticated-issue (loopback only, said loudly)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.issuer.helpers import BASE_URL, DID, Backend, Clock
from tests.issuer.test_api_support import Client, open_api
from vic.contexts.errors import UsageError
from vic.issuer.api import is_loopback, serve

KEY = "k" * 16 + "0123456789abcdef0123"


def credential() -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": DID,
        "credentialSubject": {"id": "did:example:abcdefgh"},
    }


@pytest.fixture
def keyed(tmp_path: Path, database: Backend, clock: Clock) -> Iterator[Client]:
    issuer, app, _tokens = open_api(tmp_path / "data", database, clock, vc_api_key=KEY)
    try:
        with Client(app, base_url=BASE_URL) as client:
            yield client
    finally:
        issuer.close()


@pytest.fixture
def open_door(tmp_path: Path, database: Backend, clock: Clock) -> Iterator[Client]:
    issuer, app, _tokens = open_api(tmp_path / "data", database, clock, unauthenticated_issue=True)
    try:
        with Client(app, base_url=BASE_URL) as client:
            yield client
    finally:
        issuer.close()


def bearer(text: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {text}"}


def test_static_key_opens_the_vc_api(keyed: Client) -> None:
    response = keyed.post(
        "/credentials/issue", json={"credential": credential()}, headers=bearer(KEY)
    )
    assert response.status_code == 201, response.text
    issued = response.json()["verifiableCredential"]
    fetched = keyed.get(f"/credentials/{issued['id']}", headers=bearer(KEY))
    assert fetched.status_code == 200


def test_static_key_opens_nothing_else(keyed: Client) -> None:
    response = keyed.get("/stations", headers=bearer(KEY))
    assert response.status_code == 401
    assert response.json()["code"] == "TOKEN_INVALID"


@pytest.mark.parametrize("given", [None, KEY[:-1], KEY + "x", "vic_" + "0" * 80])
def test_a_wrong_or_missing_key_is_refused(keyed: Client, given: str | None) -> None:
    headers = bearer(given) if given is not None else {}
    response = keyed.post("/credentials/issue", json={"credential": credential()}, headers=headers)
    assert response.status_code == 401


def test_without_a_key_the_default_is_unchanged(
    tmp_path: Path, database: Backend, clock: Clock
) -> None:
    issuer, app, _tokens = open_api(tmp_path / "data", database, clock)
    try:
        with Client(app, base_url=BASE_URL) as client:
            response = client.post("/credentials/issue", json={"credential": credential()})
            assert response.status_code == 401
            assert response.json()["code"] == "TOKEN_MISSING"
    finally:
        issuer.close()


@pytest.mark.parametrize("weak", ["short", "x" * 31, "a b" + "c" * 40, "\x01" + "c" * 40])
def test_weak_keys_are_refused(tmp_path: Path, database: Backend, clock: Clock, weak: str) -> None:
    with pytest.raises(UsageError) as caught:
        open_api(tmp_path / "data", database, clock, vc_api_key=weak)
    assert caught.value.code == "WEAK_API_KEY"


def test_unauthenticated_issue_opens_only_the_vc_api(open_door: Client) -> None:
    response = open_door.post("/credentials/issue", json={"credential": credential()})
    assert response.status_code == 201, response.text
    assert open_door.get("/stations").status_code == 401


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("::", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serve_refuses_unauthenticated_issue_off_loopback(tmp_path: Path) -> None:
    from vic.issuer.config import IssuerConfig

    config = IssuerConfig(data_dir=tmp_path, public_base_url="https://vic.example")
    with pytest.raises(UsageError) as caught:
        serve(config, host="0.0.0.0", unauthenticated_issue=True)
    assert caught.value.code == "UNAUTHENTICATED_NOT_LOOPBACK"
    assert not (tmp_path / "keys").exists()  # refused before anything was opened
