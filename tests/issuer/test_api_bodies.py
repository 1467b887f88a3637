"""Issue 8 item 2: every request body is read once, by the strict parser, whatever the headers
say. Two ``Content-Type`` headers used to let NaN, duplicate keys, lone surrogates and deep
nesting past the check (it read the last header, FastAPI the first): signed, stored or a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from tests.issuer.test_api_support import (  # noqa: F401 - api_fixture is a fixture
    PROBLEM,
    Api,
    api_fixture,
)
from tests.issuer.test_api_vcapi import vc2
from vic.httpkit.bodies import StrictJsonRoute
from vic.issuer.db.models import Mark

CREDENTIAL = vc2()
_TEMPLATE = (
    '{"credential": {"@context": ["https://www.w3.org/ns/credentials/v2", '
    '"https://www.w3.org/ns/credentials/examples/v2"], "type": ["VerifiableCredential", '
    '"AlumniCredential"], "issuer": "did:web:demo.vic.example", "validFrom": '
    '"2026-01-01T00:00:00Z", "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": %s}}}'
)

BAD_BODIES = {
    "nan": _TEMPLATE % "NaN",
    "infinity": _TEMPLATE % "Infinity",
    "duplicate": _TEMPLATE % '"a", "alumniOf": "b"',
    "surrogate": _TEMPLATE % '"\\ud800"',
    "deep": _TEMPLATE % ("[" * 900 + "]" * 900),
}

TWO_HEADERS = [
    [("Content-Type", "application/json"), ("Content-Type", "text/plain")],
    [("Content-Type", "text/plain"), ("Content-Type", "application/json")],
]


def stored_marks(api: Api) -> int:
    with api.issuer.database.read() as session:
        return int(session.execute(select(func.count()).select_from(Mark)).scalar_one())


def post(api: Api, body: str, headers: list[tuple[str, str]]) -> Any:
    return api.client.post(
        "/credentials/issue",
        content=body.encode("utf-8"),
        headers=[*api.auth("office").items(), *headers],
    )


@pytest.mark.parametrize("headers", TWO_HEADERS)
@pytest.mark.parametrize("name", sorted(BAD_BODIES))
def test_two_content_types_cannot_bypass_the_strict_parser(
    api: Api, name: str, headers: list[tuple[str, str]]
) -> None:
    before = stored_marks(api)
    response = post(api, BAD_BODIES[name], headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "AMBIGUOUS_CONTENT_TYPE"
    assert stored_marks(api) == before


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("nan", "INVALID_JSON"),
        ("infinity", "INVALID_JSON"),
        ("duplicate", "DUPLICATE_KEY"),
        ("surrogate", "INVALID_JSON"),
        ("deep", "NESTING_TOO_DEEP"),
    ],
)
@pytest.mark.parametrize("content_type", ["application/json", None])
def test_bad_bodies_are_400_whatever_the_one_content_type(
    api: Api, name: str, code: str, content_type: str | None
) -> None:
    before = stored_marks(api)
    headers = [("Content-Type", content_type)] if content_type else []
    response = post(api, BAD_BODIES[name], headers)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert stored_marks(api) == before


def test_a_non_json_body_is_415_and_a_good_one_issues(api: Api) -> None:
    good = _TEMPLATE % '"The School of Examples"'
    refused = post(api, good, [("Content-Type", "text/plain")])
    assert refused.status_code == 415, refused.text
    assert refused.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    issued = post(api, good, [("Content-Type", "application/json; charset=utf-8")])
    assert issued.status_code == 201, issued.text
    assert (
        issued.json()["verifiableCredential"]["credentialSubject"]
        == (CREDENTIAL["credentialSubject"])
    )


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            found.extend(_api_routes(included.routes))
    return found


def test_every_route_that_takes_a_body_reads_it_strictly(api: Api) -> None:
    routes = _api_routes(api.app.routes)
    with_body = [r for r in routes if r.methods - {"GET", "HEAD", "OPTIONS"}]
    assert with_body
    assert [r.path for r in with_body if not isinstance(r, StrictJsonRoute)] == []
