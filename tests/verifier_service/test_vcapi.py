"""POST /credentials/verify: 200 only when verified; 400/422 problems with the result."""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi.testclient import TestClient

from tests.authority import Authority
from tests.verifier_service.conftest import make_settings
from vic.verifier.service import AnyIssuer, create_app

PROBLEM = "application/problem+json"


def body(credential: Any, **options: Any) -> dict[str, Any]:
    return {"verifiableCredential": credential, "options": options}


def test_a_valid_mark_answers_200_with_the_result(client: TestClient, mark: dict[str, Any]) -> None:
    response = client.post("/credentials/verify", json=body(mark))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    result = response.json()
    assert result["verified"] is True
    assert result["status"] == "VALID"
    assert {c["check"] for c in result["checks"]} >= {"proof", "trust", "revocation"}
    assert result["summary"]["plate"] == "鄂L12345"
    assert result["summary"]["vehicleType"]["code"] == "K33"
    assert result["summary"]["validUntilMonth"] == "2028-11"
    assert result["summary"]["issuerName"] == {"en": "Test authority"}
    assert "credential" not in result  # only /qr/verify sends the credential back
    assert result["warnings"] == []


def test_options_may_be_left_out(client: TestClient, mark: dict[str, Any]) -> None:
    response = client.post("/credentials/verify", json={"verifiableCredential": mark})
    assert response.status_code == 200


def test_a_revoked_mark_answers_422_with_the_result(
    client: TestClient, revoked_mark: dict[str, Any]
) -> None:
    response = client.post("/credentials/verify", json=body(revoked_mark))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 422
    assert problem["code"] == "REVOKED"
    assert problem["verified"] is False
    assert problem["detail"].startswith("REVOKED: ")
    assert problem["result"]["status"] == "REVOKED"
    assert problem["result"]["summary"]["plate"] == "鄂L12345"


def test_checks_without_status_skip_the_status_lists(
    authority: Authority, revoked_mark: dict[str, Any]
) -> None:
    """The W3C suites ask for checks ["proof"]: status is then not consulted (and says so)."""
    app = create_app(make_settings(authority, None))
    with TestClient(app) as client:
        response = client.post("/credentials/verify", json=body(revoked_mark, checks=["proof"]))
        assert response.status_code == 200, response.text
        status = [c for c in response.json()["checks"] if c["check"] == "status"]
        assert status[0]["passed"] is None
        asked = client.post("/credentials/verify", json=body(revoked_mark, checks=["status"]))
        assert asked.status_code == 422
        assert asked.json()["result"]["status"] == "STATUS_UNAVAILABLE"


def test_a_tampered_mark_is_an_invalid_proof(client: TestClient, mark: dict[str, Any]) -> None:
    forged = copy.deepcopy(mark)
    forged["credentialSubject"]["registrationNumber"] = "鄂L54321"
    response = client.post("/credentials/verify", json=body(forged))
    assert response.status_code == 422
    assert response.json()["result"]["status"] == "INVALID_PROOF"
    assert response.json()["type"].endswith("CRYPTOGRAPHIC_SECURITY_ERROR")


def test_an_unknown_issuer_is_untrusted(mark: dict[str, Any]) -> None:
    stranger = Authority()
    app = create_app(make_settings(stranger, []))
    with TestClient(app) as client:
        response = client.post("/credentials/verify", json=body(mark))
    assert response.status_code == 422
    assert response.json()["code"] == "UNTRUSTED_ISSUER"


def test_any_issuer_mode_trusts_everyone_and_warns(
    mark: dict[str, Any], status_lists: list[dict[str, Any]]
) -> None:
    stranger = Authority()
    app = create_app(make_settings(stranger, status_lists, trust=AnyIssuer()))
    with TestClient(app) as client:
        response = client.post("/credentials/verify", json=body(mark))
    assert response.status_code == 200, response.text
    assert [w["code"] for w in response.json()["warnings"]] == ["ANY_ISSUER"]


def test_missing_members_answer_4xx(client: TestClient, mark: dict[str, Any]) -> None:
    """What the VC-API verifier suite sends: each required member removed."""
    for path in [("@context",), ("type",), ("issuer",), ("credentialSubject",), ("proof",)]:
        broken = copy.deepcopy(mark)
        del broken[path[0]]
        response = client.post("/credentials/verify", json=body(broken))
        assert response.status_code in (400, 422), path
        assert response.json()["verified"] is False
    for member in ["type", "created", "verificationMethod", "proofValue", "proofPurpose"]:
        broken = copy.deepcopy(mark)
        del broken["proof"][member]
        response = client.post("/credentials/verify", json=body(broken))
        assert response.status_code in (400, 422), member


def test_a_credential_that_is_not_an_object_is_refused(client: TestClient) -> None:
    response = client.post("/credentials/verify", json={"verifiableCredential": "VC1-R..."})
    assert response.status_code == 422
    assert response.json()["code"] == "INVALID_REQUEST"


def test_unknown_options_and_checks_are_refused(client: TestClient, mark: dict[str, Any]) -> None:
    response = client.post("/credentials/verify", json=body(mark, checks=["astrology"]))
    assert response.status_code == 422
    assert response.json()["code"] == "INVALID_REQUEST"
    response = client.post("/credentials/verify", json=body(mark, trustEveryone=True))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "options", "trustEveryone"]


def test_broken_json_is_a_400_problem(client: TestClient) -> None:
    response = client.post(
        "/credentials/verify",
        content=b'{"verifiableCredential": {',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "INVALID_JSON"


def test_duplicate_keys_are_a_400_problem(client: TestClient) -> None:
    response = client.post(
        "/credentials/verify",
        content=b'{"verifiableCredential": {}, "verifiableCredential": {}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "DUPLICATE_KEY"


def test_wrong_content_type_is_415(client: TestClient, mark: dict[str, Any]) -> None:
    for media in ["text/plain", "application/x-www-form-urlencoded", "image/png"]:
        response = client.post(
            "/credentials/verify",
            content=json.dumps(body(mark)).encode(),
            headers={"content-type": media},
        )
        assert response.status_code == 415, media
        assert response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_an_oversized_body_is_413(authority: Authority) -> None:
    app = create_app(make_settings(authority, [], max_json_bytes=10_000))
    with TestClient(app) as client:
        padding = "x" * 20_000
        response = client.post("/credentials/verify", json={"verifiableCredential": {"p": padding}})
    assert response.status_code == 413
    assert response.json()["code"] == "INPUT_TOO_LARGE"


def test_unknown_routes_and_methods_are_problems(client: TestClient) -> None:
    response = client.get("/credentials/verify")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    response = client.post("/credentials/issue", json={})
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
