"""The lean path of the verify routes answers byte for byte as FastAPI's routes do.

Every request goes to an app with the lean path (:mod:`vic.verifier.service.hot`) and to one
without it; status, headers and body must be identical. A spy on the lean handlers records
whether each request was answered there, declined (FastAPI answered it) or raised a vic error
(answered by the problem handler), so that each case is known to exercise the path it names.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.authority import Authority
from tests.verifier_service.conftest import qr_png, qr_text
from vic.verifier.service import VerifierSettings, create_app, hot

Outcomes = list[str]


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch) -> Outcomes:
    """What the lean handlers did with each request: answered, declined or raised."""
    seen: Outcomes = []
    for path, handler in list(hot.HOT_PATHS.items()):

        async def spy(*args: Any, _handler: hot._Handler = handler) -> bool:
            try:
                done = await _handler(*args)
            except Exception:
                seen.append("raised")
                raise
            seen.append("answered" if done else "declined")
            return done

        monkeypatch.setitem(hot.HOT_PATHS, path, spy)
    return seen


@pytest.fixture(params=[False, True], ids=["thread", "in-loop"])
def clients(
    request: pytest.FixtureRequest, settings: VerifierSettings
) -> Iterator[tuple[TestClient, TestClient]]:
    chosen = replace(settings, verify_in_loop=request.param)
    with (
        TestClient(create_app(chosen), raise_server_exceptions=False) as lean,
        TestClient(create_app(chosen, hot_paths=False), raise_server_exceptions=False) as plain,
    ):
        yield lean, plain


def same_answer(
    clients: tuple[TestClient, TestClient], method: str, path: str, **kw: Any
) -> tuple[int, bytes]:
    lean, plain = clients
    a = lean.request(method, path, **kw)
    b = plain.request(method, path, **kw)
    assert a.status_code == b.status_code, (a.text, b.text)
    assert a.headers.multi_items() == b.headers.multi_items()
    assert a.content == b.content
    return a.status_code, a.content


def tampered(mark: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(mark)
    changed["credentialSubject"]["vehicleIdentificationNumber"] = "LSVAU2A36N2183458"
    return changed


def test_credentials_verify_cases(
    clients: tuple[TestClient, TestClient],
    outcomes: Outcomes,
    mark: dict[str, Any],
    revoked_mark: dict[str, Any],
) -> None:
    json_cases: list[tuple[Any, str, int]] = [
        ({"verifiableCredential": mark}, "answered", 200),
        ({"verifiableCredential": mark, "options": {}}, "answered", 200),
        ({"verifiableCredential": mark, "options": {"checks": ["proof"]}}, "answered", 200),
        (
            {"verifiableCredential": mark, "options": {"checks": ["credentialStatus"]}},
            "answered",
            200,
        ),
        ({"verifiableCredential": revoked_mark}, "answered", 422),
        ({"verifiableCredential": tampered(mark)}, "answered", 422),
        ({"verifiableCredential": {"@context": []}}, "answered", 422),
        ({"verifiableCredential": mark, "options": {"checks": ["nope"]}}, "declined", 422),
        ({"verifiableCredential": mark, "options": {"unknown": 1}}, "declined", 422),
        ({"verifiableCredential": mark, "extra": 1}, "declined", 422),
        ({"verifiableCredential": "text"}, "declined", 422),
        ({"verifiableCredential": [mark]}, "declined", 422),
        ({}, "declined", 422),
    ]
    expected: Outcomes = []
    for body, outcome, status in json_cases:
        code, _ = same_answer(clients, "POST", "/credentials/verify", json=body)
        assert code == status, body
        expected.append(outcome)
    raw_cases: list[tuple[bytes, dict[str, str], str | None, int]] = [
        (json.dumps({"verifiableCredential": mark}).encode(), {}, "answered", 200),
        (
            json.dumps({"verifiableCredential": mark}).encode(),
            {"content-type": "application/ld+json; charset=utf-8"},
            "answered",
            200,
        ),
        (b"", {"content-type": "application/json"}, "declined", 422),
        (b"{", {"content-type": "application/json"}, None, 400),  # the body middleware
        (b'{"a": 1, "a": 2}', {"content-type": "application/json"}, None, 400),
        (b"[]", {"content-type": "application/json"}, None, 400),
        (b"VC1-RSOMETHING", {"content-type": "text/plain"}, "declined", 415),
        (b"x", {"content-type": "image/svg+xml"}, None, 415),
    ]
    for content, headers, outcome, status in raw_cases:
        code, _ = same_answer(
            clients, "POST", "/credentials/verify", content=content, headers=headers
        )
        assert code == status, (content[:40], headers)
        if outcome is not None:
            expected.append(outcome)
    for method in ("GET", "PUT"):
        code, _ = same_answer(clients, method, "/credentials/verify")
        assert code == 405
    assert outcomes == expected


def test_qr_verify_cases(
    clients: tuple[TestClient, TestClient],
    outcomes: Outcomes,
    authority: Authority,
    mark: dict[str, Any],
    revoked_mark: dict[str, Any],
) -> None:
    trust = authority.trust()
    text, revoked = qr_text(mark, trust), qr_text(revoked_mark, trust)
    plain = {"content-type": "text/plain"}
    cases: list[tuple[dict[str, Any], str, int]] = [
        ({"content": text, "headers": plain}, "answered", 200),
        ({"content": f"  {text}\n", "headers": plain}, "answered", 200),
        (
            {"content": text, "headers": {"content-type": "text/plain; charset=utf-8"}},
            "answered",
            200,
        ),
        ({"content": revoked, "headers": plain}, "answered", 422),
        ({"content": text[:-5], "headers": plain}, "answered", 400),
        ({"content": json.dumps(mark), "headers": plain}, "answered", 200),
        ({"content": "https://example.com/pay", "headers": plain}, "raised", 422),
        ({"content": "   ", "headers": plain}, "raised", 400),
        ({"content": b"\xff\xfe", "headers": plain}, "raised", 400),
        ({"content": "V" * 8001, "headers": plain}, "raised", 400),
        ({"json": {"text": text}}, "answered", 200),
        ({"json": {"text": revoked}}, "answered", 422),
        ({"json": {"text": "hello"}}, "raised", 422),
        ({"json": {"text": ""}}, "declined", 422),
        ({"json": {"text": text, "more": 1}}, "declined", 422),
        ({"json": {"qr": text}}, "declined", 422),
        ({"content": qr_png(text), "headers": {"content-type": "image/png"}}, "declined", 200),
        ({"content": b"not a png", "headers": {"content-type": "image/png"}}, "declined", 400),
        ({"content": b"", "headers": {"content-type": "application/json"}}, "declined", 400),
        ({"content": b"", "headers": {}}, "declined", 400),
    ]
    for kw, _, status in cases:
        code, _body = same_answer(clients, "POST", "/qr/verify", **kw)
        assert code == status, kw
    assert outcomes == [outcome for _, outcome, _ in cases]


def test_other_routes_are_left_to_fastapi(
    clients: tuple[TestClient, TestClient], outcomes: Outcomes
) -> None:
    assert clients[0].post("/challenges").status_code == 200  # random: not compared
    same_answer(clients, "POST", "/presentations/verify", json={"verifiablePresentation": {}})
    same_answer(clients, "POST", "/credentials/verify/", json={}, follow_redirects=False)
    same_answer(clients, "GET", "/openapi.json")
    assert outcomes == []


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_altered_marks_answer_alike(
    settings: VerifierSettings, mark: dict[str, Any], data: st.DataObject
) -> None:
    """A mark with one value replaced anywhere (or a key dropped) gets the same answer."""
    paths = [p for p in _paths(mark) if p]
    path = data.draw(st.sampled_from(paths))
    changed = copy.deepcopy(mark)
    holder = changed
    for step in path[:-1]:
        holder = holder[step]
    if data.draw(st.booleans()) and isinstance(holder, dict):
        del holder[path[-1]]
    else:
        holder[path[-1]] = data.draw(_JSON)
    with (
        TestClient(create_app(settings), raise_server_exceptions=False) as lean,
        TestClient(create_app(settings, hot_paths=False), raise_server_exceptions=False) as plain,
    ):
        same_answer(
            (lean, plain), "POST", "/credentials/verify", json={"verifiableCredential": changed}
        )


def test_an_app_under_a_root_path_is_left_to_fastapi(
    settings: VerifierSettings, outcomes: Outcomes, mark: dict[str, Any]
) -> None:
    body = {"verifiableCredential": mark}
    with (
        TestClient(create_app(settings), root_path="/base") as lean,
        TestClient(create_app(settings, hot_paths=False), root_path="/base") as plain,
    ):
        code, _ = same_answer((lean, plain), "POST", "/credentials/verify", json=body)
    assert code == 200
    assert outcomes == []


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_altered_qr_texts_answer_alike(
    settings: VerifierSettings, authority: Authority, mark: dict[str, Any], data: st.DataObject
) -> None:
    """QR text with characters replaced, dropped or added anywhere gets the same answer."""
    text = qr_text(mark, authority.trust())
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 8)))
    insert = data.draw(
        st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", max_size=4)
    )
    changed = text[:start] + insert + text[end:]
    with (
        TestClient(create_app(settings), raise_server_exceptions=False) as lean,
        TestClient(create_app(settings, hot_paths=False), raise_server_exceptions=False) as plain,
    ):
        same_answer(
            (lean, plain),
            "POST",
            "/qr/verify",
            content=changed.encode(),
            headers={"content-type": "text/plain"},
        )
