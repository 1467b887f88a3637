"""The strict body kit on a small app: one Content-Type, one strict parse, 4xx for every bad
body (never 500, never a route call), raw media types only where a service opts in."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from vic.httpkit import (
    PROBLEM_MEDIA_TYPE,
    StrictJsonBodies,
    StrictJsonRoute,
    install_problem_handlers,
)
from vic.httpkit import bodies as bodies_module

DEEP = b'{"a": ' + b"[" * 900 + b"]" * 900 + b"}"


class Item(BaseModel):
    name: str
    value: Any = None


def make_app(*, middleware: bool = True, raw: tuple[str, ...] = ()) -> tuple[FastAPI, list[Any]]:
    seen: list[Any] = []
    app = FastAPI()
    install_problem_handlers(app, service="the test service")
    if middleware:
        app.add_middleware(StrictJsonBodies, max_bytes=16384, raw_media_types=raw)
    router = APIRouter(route_class=StrictJsonRoute)

    @router.post("/items")
    def post_item(item: Item) -> dict[str, Any]:
        seen.append(item.model_dump())
        return {"ok": True}

    @router.post("/text")
    async def post_text(request: Request) -> dict[str, Any]:
        seen.append(await request.body())
        return {"ok": True}

    app.include_router(router)
    return app, seen


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    return body


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b'{"name": "a", "value": NaN}', "INVALID_JSON"),
        (b'{"name": "a", "value": Infinity}', "INVALID_JSON"),
        (b'{"name": "a", "value": -Infinity}', "INVALID_JSON"),
        (b'{"name": "a", "value": 1e999}', "INVALID_JSON"),
        (b'{"name": "a", "name": "b"}', "DUPLICATE_KEY"),
        (b'{"name": "\\ud800"}', "INVALID_JSON"),
        (b'{"name": "a", "\\udfff": 1}', "INVALID_JSON"),
        (DEEP, "NESTING_TOO_DEEP"),
        (b'{"name": "a", "value": ' + b"9" * 5000 + b"}", "INVALID_JSON"),
        (b"[1]", "INVALID_JSON"),
    ],
)
@pytest.mark.parametrize(
    "headers",
    [
        [("content-type", "application/json")],
        [],  # no Content-Type: still JSON, still strict
        [("content-type", "application/ld+json; charset=utf-8")],
    ],
)
def test_bad_json_is_a_400_problem_and_never_reaches_the_route(
    content: bytes, code: str, headers: list[tuple[str, str]]
) -> None:
    app, seen = make_app()
    with TestClient(app) as client:
        problem(client.post("/items", content=content, headers=headers), 400, code)
    assert seen == []


@pytest.mark.parametrize(
    "headers",
    [
        [("content-type", "application/json"), ("content-type", "text/plain")],
        [("content-type", "text/plain"), ("content-type", "application/json")],
        [("content-type", "application/json"), ("content-type", "application/json")],
    ],
)
def test_two_content_type_headers_are_refused(headers: list[tuple[str, str]]) -> None:
    """Regression: the check read the last header, FastAPI the first, so NaN got through."""
    app, seen = make_app(raw=("text/plain",))
    with TestClient(app) as client:
        for content in (b'{"name": "a", "value": NaN}', b'{"name": "a"}'):
            body = problem(
                client.post("/items", content=content, headers=headers),
                400,
                "AMBIGUOUS_CONTENT_TYPE",
            )
            assert "Content-Type" in body["detail"]
    assert seen == []


def test_a_non_json_media_type_is_415_unless_the_service_reads_it_raw() -> None:
    app, seen = make_app()
    with TestClient(app) as client:
        for media in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
            response = client.post(
                "/items", content=b'{"name": "a", "value": NaN}', headers={"content-type": media}
            )
            problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert seen == []
    app, seen = make_app(raw=("text/plain",))
    with TestClient(app) as client:
        ok = client.post("/text", content=b"VC1-R:ABC", headers={"content-type": "text/plain"})
        assert ok.status_code == 200, ok.text
        refused = client.post("/text", content=b"x", headers={"content-type": "image/png"})
        problem(refused, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert seen == [b"VC1-R:ABC"]


def test_the_body_is_parsed_once_by_the_strict_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    strict = bodies_module._parse

    def counting(body: bytes, max_bytes: int) -> dict[str, Any]:
        calls.append(body)
        return strict(body, max_bytes)

    async def no_lax_parse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the body was parsed a second time, not by the strict parser")

    monkeypatch.setattr(bodies_module, "_parse", counting)
    monkeypatch.setattr(Request, "json", no_lax_parse)  # FastAPI's own reading
    app, seen = make_app()
    with TestClient(app) as client:
        for headers in ({"content-type": "application/json"}, {}):
            response = client.post(
                "/items", content=b'{"name": "a", "value": [1.5]}', headers=headers
            )
            assert response.status_code == 200, response.text
    assert seen == [{"name": "a", "value": [1.5]}] * 2
    assert len(calls) == 2


def test_without_the_middleware_the_route_still_parses_strictly() -> None:
    app, seen = make_app(middleware=False)
    with TestClient(app) as client:
        ok = client.post("/items", json={"name": "a"})
        assert ok.status_code == 200, ok.text
        bad = client.post(
            "/items",
            content=b'{"name": "a", "name": "b"}',
            headers={"content-type": "application/json"},
        )
        assert bad.status_code == 400, bad.text
        assert bad.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert seen == [{"name": "a", "value": None}]


def test_bodies_over_the_cap_are_refused_unread() -> None:
    app, seen = make_app()
    big = json.dumps({"name": "a" * 20000}).encode()
    with TestClient(app) as client:
        problem(client.post("/items", content=big), 413, "INPUT_TOO_LARGE")
        chunks = iter([big[:12000], big[12000:]])
        problem(client.post("/items", content=chunks), 413, "INPUT_TOO_LARGE")
    assert seen == []


def test_bodyless_methods_pass_through() -> None:
    app, _seen = make_app()

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    with TestClient(app) as client:
        response = client.get("/ping", headers=[("content-type", "a/b"), ("content-type", "c/d")])
        assert response.json() == {"pong": "yes"}
