"""Shared fixtures and helpers of the HTTP service tests (tests/issuer/test_api_*.py).

The app runs in-process (``fastapi.testclient.TestClient``) against a real issuer on SQLite, and
on PostgreSQL when VIC_TEST_POSTGRES_URL is set (the ``database`` fixture of conftest.py). The
issuer is the demo authority, did:web:demo.vic.example with CBOR-LD registry entry 15601, and
the client talks to https://demo.vic.example, so the URLs in the marks are the URLs served.

No tests here: the other modules import these fixtures.
"""

from __future__ import annotations

import base64
import gzip
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

from tests.issuer.helpers import (
    ADMIN,
    BASE_URL,
    STATION_CODE,
    Backend,
    Clock,
    config,
    make_vin,
    plate,
)
from vic.issuer.api import create_app
from vic.issuer.engine import Issuer
from vic.issuer.tokens import Scope, create_token
from vic.verifier.trust import TrustedIssuer, TrustList
from vic.verifier.verify import StaticStatusLists

with warnings.catch_warnings():  # starlette prefers httpx2; the project's dev client is httpx
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient as Client

REGISTRY_ENTRY_ID = 15601
AUTHORITY_NAME = {
    "zh-CN": "湖北省襄阳市公安局交通警察支队车辆管理所",
    "en": "Xiangyang Vehicle Office",
}
PROBLEM = "application/problem+json"

__all__ = [
    "AUTHORITY_NAME",
    "PROBLEM",
    "Api",
    "Client",
    "api_fixture",
    "bits_of",
    "open_api",
    "registration_body",
]


@dataclass
class Api:
    """An issuer, its app, a client, the test clock and a token of each scope."""

    issuer: Issuer
    app: FastAPI
    client: Client
    clock: Clock
    tokens: dict[str, str]

    def token(
        self,
        scope: Scope | str,
        subject: str | None = None,
        *,
        expires: timedelta | None = None,
        label: str = "test",
    ) -> str:
        text, _info = create_token(
            self.issuer, role=scope, subject=subject, expires=expires, label=label
        )
        return text

    def auth(self, who: str) -> dict[str, str]:
        """The Authorization header of a named token (admin, office, station, owner-N...)."""
        if who not in self.tokens:
            assert who.startswith("owner:"), who
            self.tokens[who] = self.token(Scope.OWNER, who.removeprefix("owner:"))
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, path: str, who: str | None = None, **kwargs: Any) -> Any:
        headers = {**(self.auth(who) if who else {}), **kwargs.pop("headers", {})}
        return self.client.get(path, headers=headers, **kwargs)

    def post(self, path: str, who: str | None = None, **kwargs: Any) -> Any:
        headers = {**(self.auth(who) if who else {}), **kwargs.pop("headers", {})}
        return self.client.post(path, headers=headers, **kwargs)

    def delete(self, path: str, who: str | None = None, **kwargs: Any) -> Any:
        headers = {**(self.auth(who) if who else {}), **kwargs.pop("headers", {})}
        return self.client.delete(path, headers=headers, **kwargs)

    def register(self, number: int, **overrides: Any) -> dict[str, Any]:
        """Register sample vehicle ``number`` (owner acct-{number}) as the office; its mark."""
        response = self.post("/vehicles", "office", json=registration_body(number, **overrides))
        assert response.status_code == 201, response.text
        mark: dict[str, Any] = response.json()
        return mark

    def trust(self) -> TrustList:
        """A trust list pinning the served did.json and registry entry."""
        from vic.vc.cborld import RegistryEntry

        did_document = self.client.get("/.well-known/did.json").json()
        entry = RegistryEntry.from_json(self.client.get("/cborld/registry-entry.json").json())
        return TrustList(
            (
                TrustedIssuer(
                    did_document["id"],
                    {"en": "demo"},
                    did_document,
                    registry_entries=(entry,),
                ),
            )
        )

    def served_lists(self, *urls: str) -> StaticStatusLists:
        """The status lists at ``urls``, as served (fetched through the app)."""
        lists = []
        for url in urls:
            response = self.client.get(url)
            assert response.status_code == 200, response.text
            lists.append(response.json())
        return StaticStatusLists(lists)

    def mark_lists(self) -> StaticStatusLists:
        return self.served_lists(
            f"{BASE_URL}/status/revocation/0", f"{BASE_URL}/status/suspension/0"
        )


def registration_body(number: int, **overrides: Any) -> dict[str, Any]:
    """The JSON registration of sample vehicle ``number`` (a new small private car)."""
    body: dict[str, Any] = {
        "vin": make_vin(number),
        "plate": plate(number),
        "plateTypeCode": "02",
        "vehicleTypeCode": "K33",
        "useCategory": "small_non_operating_passenger",
        "seats": 5,
        "firstRegistration": "2026-11-20",
        "owner": f"acct-{number}",
    }
    body.update(overrides)
    return body


def open_api(
    data_dir: Path, database: Backend, clock: Clock, **app_options: Any
) -> tuple[Issuer, FastAPI, dict[str, str]]:
    """An issuer with one station and its app; a token of each staff scope."""
    issuer = Issuer.open(config(data_dir, database, clock, registry_entry_id=REGISTRY_ENTRY_ID))
    issuer.add_station(ADMIN, STATION_CODE, "武汉市第一检测站")
    app = create_app(issuer, authority_name=AUTHORITY_NAME, **app_options)
    tokens = {
        "admin": create_token(issuer, role=Scope.ADMIN, label="admin")[0],
        "office": create_token(issuer, role=Scope.OFFICE, label="office")[0],
        "station": create_token(issuer, role=Scope.STATION, subject=STATION_CODE, label="st")[0],
    }
    return issuer, app, tokens


@pytest.fixture(name="api")
def api_fixture(tmp_path: Path, database: Backend, clock: Clock) -> Iterator[Api]:
    """The demo authority's app on each database."""
    issuer, app, tokens = open_api(tmp_path / "data", database, clock)
    try:
        with Client(app, base_url=BASE_URL) as client:
            yield Api(issuer, app, client, clock, tokens)
    finally:
        issuer.close()


def bits_of(status_list: dict[str, Any]) -> bytes:
    """The raw bitstring of a BitstringStatusListCredential, decoded as the Bitstring Status List
    spec's expansion algorithm says, with nothing of vic's: the multibase prefix ``u`` means
    base64url without padding; the bytes are GZIP; bit ``i`` is then
    ``(raw[i // 8] >> (7 - i % 8)) & 1`` (index 0 is the left-most bit of the first byte)."""
    encoded = status_list["credentialSubject"]["encodedList"]
    assert encoded[0] == "u", "multibase base64url"
    data = encoded[1:]
    compressed = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return gzip.decompress(compressed)


def bit(raw: bytes, index: int) -> int:
    """Bit ``index`` of a decoded bitstring (see :func:`bits_of`)."""
    return (raw[index // 8] >> (7 - index % 8)) & 1
