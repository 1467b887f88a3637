"""Bad input on every route of the verifier: each a clear problem document, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.authority import Authority
from tests.verifier_service.conftest import make_settings
from vic.verifier.service import create_app

PROBLEM = "application/problem+json"
ROUTES = ["/credentials/verify", "/presentations/verify", "/challenges", "/qr/verify"]


@pytest.fixture(scope="module")
def small(authority: Authority) -> TestClient:
    """A service with a 4 kB JSON cap."""
    return TestClient(create_app(make_settings(authority, [], max_json_bytes=4096)))


def problem(response: object, status: int, code: str) -> None:
    from httpx import Response

    assert isinstance(response, Response)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["detail"]
    assert "Traceback" not in response.text


@pytest.mark.parametrize("route", ROUTES)
def test_an_oversized_body(small: TestClient, route: str) -> None:
    body = b'{"text": "' + b"x" * 5000 + b'"}'
    problem(
        small.post(route, content=body, headers={"content-type": "application/json"}),
        413,
        "INPUT_TOO_LARGE",
    )


@pytest.mark.parametrize("route", ROUTES)
def test_an_oversized_body_announced_by_its_length(small: TestClient, route: str) -> None:
    headers = {"content-type": "application/json", "content-length": "99999999"}
    problem(small.post(route, content=b"{}", headers=headers), 413, "INPUT_TOO_LARGE")


@pytest.mark.parametrize("route", ROUTES)
def test_broken_json(small: TestClient, route: str) -> None:
    for broken, code in [
        (b'{"a": ', "INVALID_JSON"),
        (b'{"a": NaN}', "INVALID_JSON"),
        (b'{"a": 1, "a": 2}', "DUPLICATE_KEY"),
        (b"[" * 100 + b"]" * 100, "NESTING_TOO_DEEP"),
        (b'"just a string"', "INVALID_JSON"),
        (b"\xff\xfe{}", "INVALID_JSON"),
    ]:
        response = small.post(route, content=broken, headers={"content-type": "application/json"})
        assert response.status_code == 400, (route, broken)
        assert response.json()["code"] in (code, "INVALID_JSON"), (route, broken)


@pytest.mark.parametrize("route", ROUTES)
def test_a_media_type_nobody_reads(small: TestClient, route: str) -> None:
    for media in ["text/html", "application/xml", "multipart/form-data; boundary=x"]:
        response = small.post(route, content=b"<x/>", headers={"content-type": media})
        problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize("route", ["/credentials/verify", "/presentations/verify", "/challenges"])
def test_text_and_images_only_on_the_qr_route(small: TestClient, route: str) -> None:
    for media in ["text/plain", "image/png"]:
        response = small.post(route, content=b"VC1-R", headers={"content-type": media})
        problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize("route", ROUTES)
def test_two_content_types(small: TestClient, route: str) -> None:
    headers = [("content-type", "application/json"), ("content-type", "text/plain")]
    problem(small.post(route, content=b"{}", headers=headers), 400, "AMBIGUOUS_CONTENT_TYPE")


@pytest.mark.parametrize("route", ["/credentials/verify", "/presentations/verify"])
def test_wrong_shapes(small: TestClient, route: str) -> None:
    for body in [{}, {"verifiableCredential": []}, {"verifiablePresentation": 7}, {"x": 1}]:
        response = small.post(route, json=body)
        problem(response, 422, "INVALID_REQUEST")
        assert response.json()["errors"]


def test_get_is_not_allowed_on_the_api(small: TestClient) -> None:
    for route in ROUTES:
        problem(small.get(route), 405, "METHOD_NOT_ALLOWED")
