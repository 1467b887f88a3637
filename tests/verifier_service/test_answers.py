"""The lean path's answers (``send_answer``) are the ASGI messages of ``respond``'s response,
byte for byte, and fail where it fails."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.authority import Authority, clock
from vic.verifier.service.settings import VerifierSettings
from vic.verifier.service.verification import respond, result_body, send_answer
from vic.verifier.verify import StaticStatusLists, verify_credential

Messages = list[dict[str, Any]]


def by_respond(code: int, body: dict[str, Any]) -> Messages:
    sent: Messages = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    asyncio.run(respond(code, body)({"type": "http"}, receive, send))
    return sent


def by_send_answer(code: int, body: dict[str, Any]) -> Messages:
    sent: Messages = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(send_answer(code, body, send))
    return sent


def same(code: int, body: dict[str, Any]) -> None:
    assert by_send_answer(code, body) == by_respond(code, body)


def test_results_and_problems_of_real_verifications(
    authority: Authority, mark: dict[str, Any], status_lists: list[Any]
) -> None:
    settings = VerifierSettings(
        trust=authority.trust(), clock=clock, status_source=StaticStatusLists(status_lists)
    )
    tampered = {**mark, "validUntil": "2099-01-01T00:00:00Z"}
    for credential in (mark, tampered, {"@context": []}, "VC1-garbage", "{"):
        result = verify_credential(
            credential, trust=settings.trust, clock=clock, status_source=settings.status_source
        )
        for with_credential in (False, True):
            same(*result_body(result, settings, with_credential=with_credential))


@pytest.mark.parametrize("code", [200, 400, 404, 413, 415, 422, 500])
def test_every_status_and_media_type(code: int) -> None:
    same(code, {"plate": "鄂L12345", "nested": [{"a": None, "b": 1.5, "c": True}], "": ""})


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), json_values, max_size=6), st.sampled_from([200, 400, 422]))
def test_any_json_body(body: dict[str, Any], code: int) -> None:
    same(code, body)


@pytest.mark.parametrize(
    "body",
    [{"x": math.nan}, {"x": math.inf}, {"x": "\ud800"}, {"x": object()}, {1.5: 1}],
    ids=["nan", "infinity", "lone surrogate", "object", "float key"],
)
def test_what_cannot_be_rendered_fails_the_same_way(body: dict[Any, Any]) -> None:
    outcomes = []
    for render in (by_respond, by_send_answer):
        try:
            outcomes.append(("sent", render(200, body)))
        except Exception as exc:  # the same exception, before anything is sent
            outcomes.append((type(exc).__name__, str(exc)))
    assert outcomes[0] == outcomes[1]
