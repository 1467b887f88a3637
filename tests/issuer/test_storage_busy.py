"""Issue 8, item 6: a SQLite write lock held by another process, or every pooled connection in
use, is 503 SERVICE_BUSY with Retry-After (it was 500 INTERNAL_ERROR); pool and busy timeouts
agree. The wait is shortened for the tests."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.issuer.helpers import BASE_URL, Backend, Clock
from tests.issuer.test_api_support import open_api, registration_body
from vic.contexts.errors import ServiceBusyError
from vic.issuer.db import engine as db_engine
from vic.issuer.db.engine import SQLITE_FILE_NAME

SHORT_MS = 300


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_engine, "SQLITE_BUSY_TIMEOUT_MS", SHORT_MS)
    monkeypatch.setattr(db_engine, "POOL_TIMEOUT_S", SHORT_MS / 1000)


@pytest.fixture
def served(tmp_path: Path, short_waits: None) -> Iterator[tuple[TestClient, dict[str, str], Path]]:
    issuer, app, tokens = open_api(tmp_path / "data", Backend("sqlite", None, None), Clock())
    try:
        with TestClient(app, base_url=BASE_URL) as client:
            yield client, tokens, tmp_path / "data" / SQLITE_FILE_NAME
    finally:
        issuer.close()


def test_pool_and_busy_timeouts_agree() -> None:
    assert db_engine.POOL_TIMEOUT_S * 1000 == db_engine.SQLITE_BUSY_TIMEOUT_MS


def test_a_write_lock_held_elsewhere_is_503_with_retry_after(
    served: tuple[TestClient, dict[str, str], Path],
) -> None:
    client, tokens, path = served
    other = sqlite3.connect(path, isolation_level=None, timeout=5)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        response = client.post(
            "/vehicles",
            json=registration_body(50),
            headers={"Authorization": f"Bearer {tokens['office']}"},
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"].isdigit()
    assert response.json()["code"] == "SERVICE_BUSY"
    # once the lock is gone the same request succeeds: nothing was half done
    again = client.post(
        "/vehicles",
        json=registration_body(50),
        headers={"Authorization": f"Bearer {tokens['office']}"},
    )
    assert again.status_code == 201, again.text


def test_every_connection_in_use_is_service_busy(tmp_path: Path, short_waits: None) -> None:
    issuer, _app, _tokens = open_api(tmp_path / "data", Backend("sqlite", None, None), Clock())
    engine = issuer.database.engine
    held = [engine.connect() for _ in range(8)]  # pool_size + max_overflow
    try:
        with pytest.raises(ServiceBusyError) as caught:
            issuer.keys()
        assert caught.value.code == "SERVICE_BUSY"
    finally:
        for connection in held:
            connection.close()
        issuer.close()
