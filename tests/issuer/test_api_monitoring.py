"""Monitoring endpoints: /healthz, /readyz, /metrics (Prometheus text, admin only)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.exc import OperationalError

from tests.issuer.helpers import BASE_URL
from tests.issuer.test_api_support import (  # noqa: F401 - api_fixture is a fixture
    PROBLEM,
    Api,
    api_fixture,
)


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of a Prometheus text document."""
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = "^" + re.escape(f"{name}{{{inner}}}" if inner else name) + r" (\S+)$"
    match = re.search(pattern, text, flags=re.MULTILINE)
    assert match is not None, f"no {name} {labels} in:\n{text}"
    return float(match.group(1))


def test_health_and_readiness(api: Api) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {"database": "ok", "signing_key": "ok", "status_lists": "ok"},
    }


def test_lists_are_re_signed_on_demand_so_readiness_holds_over_time(api: Api) -> None:
    api.register(1)
    api.clock.advance(days=30)  # far past the lists' validity: serving them re-signs them
    ready = api.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["status_lists"] == "ok"


def test_not_ready_when_the_database_fails(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("disk I/O error"))

    monkeypatch.setattr(type(api.issuer.database), "run", broken)  # a frozen dataclass
    ready = api.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "not ready",
        "checks": {"database": "unavailable: OperationalError"},
    }
    assert api.get("/healthz").status_code == 200  # alive, only not ready


def test_metrics_count_issuance_revocation_publishing_and_errors(api: Api) -> None:
    first = api.register(1)
    api.register(2)
    transfer = api.post(
        f"/vehicles/{first['vin']}/transfers",
        "office",
        json={"newOwner": "acct-99", "eventKey": "T-1"},
    )
    assert transfer.status_code == 201, transfer.text
    assert api.post("/vehicles", "office", json={"vin": "nonsense"}).status_code == 422
    api.client.get(f"{BASE_URL}/status/revocation/0")

    response = api.get("/metrics", "admin")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert sample(text, "vic_marks", reason="registration", state="issued") == 2
    assert sample(text, "vic_marks", reason="transfer", state="issued") == 1
    assert sample(text, "vic_marks_current") == 2
    assert sample(text, "vic_marks_revoked", reason="superseded") == 1
    assert sample(text, "vic_status_list_publications_total", purpose="revocation") >= 1
    assert sample(text, "vic_signing_keys", state="active") == 1
    assert (
        sample(text, "vic_http_requests_total", method="POST", route="/vehicles", status="201") == 2
    )
    assert sample(text, "vic_http_problems_total", code="INVALID_REQUEST") == 1


def test_metrics_need_an_admin_token(api: Api) -> None:
    anonymous = api.get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == PROBLEM
    assert api.get("/metrics", "office").status_code == 403
