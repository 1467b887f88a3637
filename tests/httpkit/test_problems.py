"""Problem documents of the kit: the status of each error family, the 500 that hides internals."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from vic.contexts.errors import (
    AuthenticationError,
    ParsingError,
    UnsupportedMediaTypeError,
    VicError,
)
from vic.httpkit import PROBLEM_MEDIA_TYPE, install_problem_handlers, problem_response, status_for


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (UnsupportedMediaTypeError("x"), 415),
        (ParsingError("x", code="AMBIGUOUS_CONTENT_TYPE"), 400),
        (AuthenticationError("x", code="TOKEN_MISSING"), 401),
    ],
)
def test_status_follows_the_family(error: VicError, status: int) -> None:
    assert status_for(error) == status
    response = problem_response(error)
    assert response.status_code == status
    assert response.media_type == PROBLEM_MEDIA_TYPE


def test_an_unexpected_error_is_a_500_naming_the_service_not_the_cause() -> None:
    app = FastAPI()
    install_problem_handlers(app, service="the verifier")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "INTERNAL_ERROR"
    assert body["detail"] == "the verifier failed to answer this request"
    assert "secret" not in response.text
    missing = TestClient(app).get("/nowhere")
    assert missing.status_code == 404
    assert missing.json()["code"] == "ROUTE_NOT_FOUND"
