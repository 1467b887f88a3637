"""Every status of a verification through the service, as JSON and as QR text, with its HTTP
code: 200 only for VALID; 400 for input that is not a credential; 422 for the rest."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.authority import NOW, Authority
from tests.verifier_service.conftest import make_settings, qr_text
from vic.verifier.service import create_app

Case = Callable[[Authority, dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]


def valid(a: Authority, mark: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return mark, {"lists": a.status_lists(mark)}


def at(moment: datetime) -> Case:
    def case(a: Authority, mark: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        return mark, {"lists": a.status_lists(mark), "clock": lambda: moment}

    return case


def revoked(a: Authority, mark: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return mark, {"lists": a.status_lists(mark, revoked=True)}


def suspended(a: Authority, mark: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return mark, {"lists": a.status_lists(mark, suspended=True)}


def unknown_status(a: Authority, mark: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return mark, {"lists": None}


def untrusted(a: Authority, mark: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return mark, {"lists": a.status_lists(mark), "trust": Authority().trust()}


def forged(a: Authority, mark: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = copy.deepcopy(mark)
    changed["credentialSubject"]["vehicleTypeCode"] = "K31"
    return changed, {"lists": a.status_lists(mark)}


def malformed(a: Authority, mark: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = copy.deepcopy(mark)
    changed["credentialSubject"]["vehicleIdentificationNumber"] = "NOT A VIN"
    return changed, {"lists": a.status_lists(mark)}


CASES: dict[str, tuple[Case, int]] = {
    "VALID": (valid, 200),
    "EXPIRED": (at(datetime(2028, 12, 31, tzinfo=NOW.tzinfo)), 422),
    "NOT_YET_VALID": (at(NOW - timedelta(days=2)), 422),
    "REVOKED": (revoked, 422),
    "SUSPENDED": (suspended, 422),
    "STATUS_UNAVAILABLE": (unknown_status, 422),
    "UNTRUSTED_ISSUER": (untrusted, 422),
    "INVALID_PROOF": (forged, 422),
    "MALFORMED": (malformed, 422),
}


@pytest.mark.parametrize("status", list(CASES))
def test_every_status_as_json(authority: Authority, mark: dict[str, Any], status: str) -> None:
    case, code = CASES[status]
    credential, options = case(authority, mark)
    app = create_app(make_settings(authority, options.pop("lists"), **options))
    with TestClient(app) as client:
        response = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert response.status_code == code, response.text
    body = response.json()
    result = body if code == 200 else body["result"]
    assert result["status"] == status
    assert result["verified"] is (status == "VALID")
    if code != 200:
        assert body["detail"].startswith(f"{status}: ")


@pytest.mark.parametrize("status", [s for s in CASES if s != "MALFORMED"])
def test_every_status_as_qr_text(authority: Authority, mark: dict[str, Any], status: str) -> None:
    case, code = CASES[status]
    credential, options = case(authority, mark)
    text = qr_text(credential, authority.trust())
    app = create_app(make_settings(authority, options.pop("lists"), **options))
    with TestClient(app) as client:
        response = client.post("/qr/verify", json={"text": text})
    assert response.status_code == code, response.text
    result = response.json() if code == 200 else response.json()["result"]
    assert result["status"] == status


def test_text_that_is_not_a_credential_is_400_malformed(client: TestClient) -> None:
    response = client.post("/qr/verify", json={"text": "VC1-RTHIS IS NOT BASE45 AT ALL"})
    assert response.status_code == 400
    assert response.json()["result"]["status"] == "MALFORMED"
