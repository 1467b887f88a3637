"""The batch pauses Python's cyclic garbage collector while it runs, and only then.

The results are the single calls' either way (test_batch.py, test_pool.py); these tests hold
the collector's state before, during and after a batch, and the bound on a failing batch's
cyclic garbage.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from tests.authority import Authority, clock
from vic.verifier import (
    StaticStatusLists,
    Status,
    TrustedIssuer,
    TrustList,
    verify_credential,
    verify_credentials,
)
from vic.verifier import batch as batch_module
from vic.verifier.batch import PausedCollector, collector_paused
from vic.verifier.pool import BatchVerifier


class WatchingSource:
    """A status source that records whether the collector ran when it was asked."""

    def __init__(self, lists: list[dict[str, Any]]) -> None:
        self.inner = StaticStatusLists(lists)
        self.enabled: list[bool] = []

    def get(self, url: str) -> Mapping[str, Any] | None:
        self.enabled.append(gc.isenabled())
        return self.inner.get(url)


class BuggySource:
    def get(self, url: str) -> Mapping[str, Any] | None:
        raise RuntimeError("a bug in the caller's source")


@pytest.fixture(scope="module")
def setup() -> tuple[TrustList, list[Any], list[dict[str, Any]]]:
    authority = Authority()
    trust = TrustList((TrustedIssuer(authority.did, {"en": "Test"}, None),))
    marks = [authority.mark(index=i) for i in (1, 2, 3)]
    lists = authority.status_lists(marks[0])
    return trust, marks, lists


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was:
            gc.disable()


def test_paused_during_the_batch_and_running_after(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], collector_on: None
) -> None:
    trust, marks, lists = setup
    source = WatchingSource(lists)
    results = verify_credentials(marks * 3, trust=trust, clock=clock, status_source=source)
    assert source.enabled
    assert not any(source.enabled)
    assert gc.isenabled()
    assert {r.status for r in results} == {Status.VALID}


def test_a_collector_the_caller_disabled_stays_disabled(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]],
) -> None:
    trust, marks, lists = setup
    was = gc.isenabled()
    gc.disable()
    try:
        verify_credentials(marks, trust=trust, clock=clock, status_source=StaticStatusLists(lists))
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_a_batch_that_raises_restores_the_collector(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], collector_on: None
) -> None:
    trust, marks, _ = setup
    with pytest.raises(RuntimeError, match="a bug in the caller's source"):
        verify_credentials(marks, trust=trust, clock=clock, status_source=BuggySource())
    assert gc.isenabled()


def test_concurrent_batches_resume_it_when_the_last_ends(collector_on: None) -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with collector_paused():
            second_in.set()
            first_out.wait(5)
            seen["after the first ended"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"after the first ended": False}
    assert gc.isenabled()


def test_failing_results_make_it_collect_the_young_generation(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]],
    collector_on: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trust, marks, lists = setup
    monkeypatch.setattr(batch_module, "FAILURES_PER_COLLECTION", 4)
    monkeypatch.setattr(batch_module, "SLICE", 3)
    collected: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and not gc.isenabled():  # the batch's own (after it: automatic)
            collected.append(info["generation"])

    credentials: list[Any] = ["VC1-Rnot base45!", {"@context": "nope"}, "{", marks[0]] * 4
    gc.callbacks.append(watch)
    try:
        with collector_paused() as pause:
            assert isinstance(pause, PausedCollector)
            results = batch_module.verify_each(
                credentials,
                trust=trust,
                resolver=trust.resolver(),
                loader=None,
                now=clock(),
                status_source=StaticStatusLists(lists),
                check_status_lists=True,
                registry=None,
                clock_skew=batch_module.DEFAULT_CLOCK_SKEW,
                context_policy=batch_module.DEFAULT_CONTEXT_POLICY,
                pause=pause,
            )
    finally:
        gc.callbacks.remove(watch)
    # 12 failed results of 16, told 3 at a time (3 | 2+3 | 2 | 2+2 | 3 | 3): the young
    # generation collected twice, nothing else
    assert collected == [0, 0]
    single = [
        verify_credential(c, trust=trust, clock=clock, status_source=StaticStatusLists(lists))
        for c in credentials
    ]
    assert [r.to_dict() for r in results] == [r.to_dict() for r in single]


def test_valid_results_make_no_collection(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]],
    collector_on: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trust, marks, lists = setup
    monkeypatch.setattr(batch_module, "FAILURES_PER_COLLECTION", 1)
    collected: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and not gc.isenabled():  # the batch's own (after it: automatic)
            collected.append(info["generation"])

    gc.callbacks.append(watch)
    try:
        results = verify_credentials(
            marks * 30, trust=trust, clock=clock, status_source=StaticStatusLists(lists)
        )
    finally:
        gc.callbacks.remove(watch)
    assert {r.status for r in results} == {Status.VALID}
    assert collected == []


def test_the_pool_pauses_it_in_this_process_only_during_a_call(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], collector_on: None
) -> None:
    trust, marks, lists = setup
    with BatchVerifier(trust=trust, workers=1, min_batch=4) as pool:
        source = WatchingSource(lists)
        results = pool.verify(marks * 8, clock=clock, status_source=source)
        assert source.enabled
        assert not any(source.enabled)
        assert gc.isenabled()
        small = pool.verify(marks[:1], clock=clock, status_source=WatchingSource(lists))
        assert gc.isenabled()
    assert {r.status for r in results + small} == {Status.VALID}
