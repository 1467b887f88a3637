"""Every error is an RFC 9457 problem document with a VC 2.0 error type and vic's code: domain
errors, validation errors, malformed bodies, unknown routes and methods, oversized bodies."""

from __future__ import annotations

from typing import Any

import pytest

from tests.issuer.test_api_support import (  # noqa: F401 - api_fixture is a fixture
    PROBLEM,
    Api,
    api_fixture,
    registration_body,
)
from vic.contexts.errors import (
    ConflictError,
    DataModelError,
    InputTooLargeError,
    InvalidJsonError,
    PermissionDeniedError,
    RecordNotFoundError,
    RefusedError,
    UsageError,
    ValidityRangeError,
    VicError,
)
from vic.httpkit.problems import status_for
from vic.issuer.tokens import AuthenticationError


def assert_problem(response: Any, status: int, code: str, title: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["title"] == title
    assert body["type"].endswith(f"#{title}")
    assert isinstance(body["detail"], str)
    return body


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidJsonError("x"), 400),
        (UsageError("x"), 400),
        (AuthenticationError("x", code="TOKEN_MISSING"), 401),
        (PermissionDeniedError("x", code="NOT_OWNER"), 403),
        (RecordNotFoundError("x", code="VEHICLE_NOT_FOUND"), 404),
        (ConflictError("x", code="VEHICLE_EXISTS"), 409),
        (InputTooLargeError("x"), 413),
        (DataModelError("x"), 422),
        (ValidityRangeError("x"), 422),
        (RefusedError("x", code="VAN"), 422),
        (VicError("x"), 422),
    ],
)
def test_each_error_family_has_its_status(error: VicError, status: int) -> None:
    assert status_for(error) == status


def test_validation_errors_are_problems(api: Api) -> None:
    response = api.post("/vehicles", "office", json={"vin": "short", "seats": 0})
    body = assert_problem(response, 422, "INVALID_REQUEST", "MALFORMED_VALUE_ERROR")
    fields = {tuple(issue["loc"]) for issue in body["errors"]}
    assert ("body", "vin") in fields
    assert ("body", "seats") in fields
    assert ("body", "owner") in fields
    assert all(set(issue) == {"loc", "msg", "type"} for issue in body["errors"])
    assert "short" not in response.text  # the input is not echoed
    query = api.get("/vehicles/LSVAU2A36N2183457/mark.png", "office", params={"scale": 0})
    assert_problem(query, 422, "INVALID_REQUEST", "MALFORMED_VALUE_ERROR")


def test_unreadable_bodies_are_parse_errors(api: Api) -> None:
    headers = {**api.auth("office"), "Content-Type": "application/json"}
    for content, code in (
        (b"[1, 2]", "INVALID_JSON"),
        (b'{"a": 1e999999}', "INVALID_JSON"),
        (b'{"a": "\\ud800"}', "INVALID_JSON"),
        (b'{"a": ' + b"9" * 5000 + b"}", "INVALID_JSON"),
        (b"\xff\xfe", "INVALID_JSON"),
    ):
        response = api.client.post("/vehicles", content=content, headers=headers)
        assert_problem(response, 400, code, "PARSING_ERROR")


def test_oversized_bodies_are_refused_unread(api: Api) -> None:
    big = b'{"credential": {"x": "' + b"a" * (1 << 20) + b'"}}'
    response = api.client.post(
        "/credentials/issue",
        content=big,
        headers={**api.auth("office"), "Content-Type": "application/json"},
    )
    assert_problem(response, 413, "INPUT_TOO_LARGE", "PARSING_ERROR")


def test_unknown_routes_and_methods_are_problems(api: Api) -> None:
    # Typed as what happened (issue 13: it was MALFORMED_VALUE_ERROR, which it is not).
    assert_problem(api.client.get("/nowhere"), 404, "ROUTE_NOT_FOUND", "NOT_FOUND")
    response = api.client.put("/vehicles")
    assert_problem(response, 405, "METHOD_NOT_ALLOWED", "PARSING_ERROR")
    assert "POST" in response.headers["allow"]


def test_problem_types_say_what_happened(api: Api) -> None:
    """401, 403, 404 and 409 carry vic's own problem types, not a VC data-model error."""
    base = "https://w3id.org/vehicle-inspection/errors#"
    unauthenticated = api.get("/tokens")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["type"] == f"{base}AUTHENTICATION_REQUIRED"
    forbidden = api.get("/tokens", "office")
    assert forbidden.status_code == 403
    assert forbidden.json()["type"] == f"{base}PERMISSION_DENIED"
    assert api.client.get("/nowhere").json()["type"] == f"{base}NOT_FOUND"
    api.register(31)
    taken_plate = registration_body(32, plate=registration_body(31)["plate"])
    again = api.post("/vehicles", "office", json=taken_plate)
    assert again.status_code == 409, again.text
    assert again.json()["type"] == f"{base}CONFLICT"
