"""Where a verification runs: the event loop when the status lists are in memory, a worker
thread otherwise; the answer is the same either way."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from fastapi.testclient import TestClient

from vic.did.resolver import DidResolver
from vic.verifier.service import VerifierSettings, create_app
from vic.verifier.status import FetchedStatusList, StaticStatusLists


class Recording:
    """A status source noting the thread of each question."""

    def __init__(self, lists: list[dict[str, Any]]) -> None:
        self.inner = StaticStatusLists(lists)
        self.threads: list[int] = []

    def get(self, url: str) -> FetchedStatusList | None:
        self.threads.append(threading.get_ident())
        return self.inner.get(url)


def answer(settings: VerifierSettings, body: dict[str, Any]) -> tuple[int, bytes]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.post("/credentials/verify", json=body)
        return response.status_code, response.content


def test_lists_in_memory_verify_in_the_event_loop(
    settings: VerifierSettings,
    status_lists: list[dict[str, Any]],
    mark: dict[str, Any],
    revoked_mark: dict[str, Any],
) -> None:
    for credential, code in ((mark, 200), (revoked_mark, 422)):
        source, memory = Recording(status_lists), Recording(status_lists)
        chosen = replace(settings, status_source=source, status_in_memory=memory)
        expected = answer(settings, {"verifiableCredential": credential})
        assert answer(chosen, {"verifiableCredential": credential}) == expected
        assert expected[0] == code
        assert len(memory.threads) == 2  # revocation and suspension, from memory
        assert source.threads == []  # no second verification


def test_a_list_not_in_memory_is_verified_again_in_a_worker_thread(
    settings: VerifierSettings, status_lists: list[dict[str, Any]], mark: dict[str, Any]
) -> None:
    source, memory = Recording(status_lists), Recording([])
    chosen = replace(settings, status_source=source, status_in_memory=memory)
    body = {"verifiableCredential": mark}
    assert answer(chosen, body) == answer(settings, body)
    assert memory.threads
    assert source.threads
    assert set(memory.threads).isdisjoint(source.threads)


def test_no_memory_first_with_a_resolver_of_its_own_nor_without_status(
    settings: VerifierSettings, status_lists: list[dict[str, Any]], mark: dict[str, Any]
) -> None:
    source, memory = Recording(status_lists), Recording(status_lists)
    resolver = DidResolver({})  # might fetch: the verification goes to a thread
    chosen = replace(settings, status_source=source, status_in_memory=memory, resolver=resolver)
    assert answer(chosen, {"verifiableCredential": mark})[0] == 200
    assert memory.threads == []
    assert len(source.threads) == 2
    chosen = replace(settings, status_source=source, status_in_memory=memory)
    proof_only = {"verifiableCredential": mark, "options": {"checks": ["proof"]}}
    assert answer(chosen, proof_only) == answer(settings, proof_only)
    assert memory.threads == []
    assert len(source.threads) == 2
