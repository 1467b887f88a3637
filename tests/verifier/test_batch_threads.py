"""verify_credentials on several threads: the same results, in order, as single calls."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from typing import Any

import pytest

from tests.authority import Authority, clock
from vic.contexts.errors import UsageError, VicError
from vic.vc.barcode import encode_barcode
from vic.vc.cborld import authority_entry
from vic.vc.qrcose import encode_cose_barcode
from vic.verifier import (
    StaticStatusLists,
    Status,
    TrustedIssuer,
    TrustList,
    verify_credential,
    verify_credentials,
)
from vic.verifier.batch import MIN_THREADED, STEP, on_threads

Batch = tuple[TrustList, list[Any], list[dict[str, Any]]]


class CountingSource:
    """A status source that counts its questions and notes any two at once."""

    def __init__(self, lists: list[dict[str, Any]]) -> None:
        self.inner = StaticStatusLists(lists)
        self.asked: list[str] = []
        self.busy = threading.Lock()
        self.overlapped = False

    def get(self, url: str) -> Mapping[str, Any] | None:
        if not self.busy.acquire(blocking=False):
            self.overlapped = True
            self.busy.acquire()
        try:
            self.asked.append(url)
            return self.inner.get(url)
        finally:
            self.busy.release()


class Bug(Exception):
    """Not one of vic's errors: it propagates out of a batch."""


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


@pytest.fixture(scope="module")
def batch(authority: Authority) -> Batch:
    """Many distinct marks as JSON, JSON text, VC1-R and VIC1 texts, with invalid ones between."""
    entry = authority_entry(
        1000,
        did=authority.did,
        verification_methods=[authority.method],
        status_base_urls=["https://jtgl.example.cn/status"],
    )
    trust = TrustList((TrustedIssuer(authority.did, {"en": "Test"}, None, (entry,)),))
    registry = trust.registry()
    marks = [authority.mark(index=i) for i in range(1, 25)]
    lists = authority.status_lists(marks[0])
    stranger = Authority()
    credentials: list[Any] = []
    for i, mark in enumerate(marks):
        tampered = copy.deepcopy(mark)
        tampered["credentialSubject"]["plateTypeCode"] = "01"
        text = encode_barcode(mark, registry)
        credentials += [
            mark,
            text,
            json.dumps(mark),
            tampered,
            text[:-3] + "AAA",  # a damaged QR text
            encode_cose_barcode(mark, authority.key, authority.method),
        ]
        if i % 6 == 0:
            credentials += ["VC1-Rnot base45!", "{", stranger.mark(index=i), b"\x00", {}]
    return trust, credentials, lists


def singles(trust: TrustList, credentials: list[Any], lists: list[dict[str, Any]]) -> list[Any]:
    return [
        verify_credential(c, trust=trust, clock=clock, status_source=StaticStatusLists(lists))
        for c in credentials
    ]


@pytest.mark.parametrize("threads", [2, 3, 8])
def test_threads_give_the_single_results_in_order(batch: Batch, threads: int) -> None:
    trust, credentials, lists = batch
    assert len(credentials) > 4 * MIN_THREADED
    expected = [r.to_dict() for r in singles(trust, credentials, lists)]
    for _ in range(2):  # warm caches and cold ones alike
        results = verify_credentials(
            credentials,
            trust=trust,
            clock=clock,
            status_source=StaticStatusLists(lists),
            threads=threads,
        )
        assert [r.to_dict() for r in results] == expected
    statuses = {r.status for r in results}
    assert {Status.VALID, Status.INVALID_PROOF, Status.MALFORMED} <= statuses
    assert Status.UNTRUSTED_ISSUER in statuses


def test_the_source_is_asked_once_per_url_never_from_two_threads(batch: Batch) -> None:
    trust, credentials, lists = batch
    source = CountingSource(lists)
    verify_credentials(credentials, trust=trust, clock=clock, status_source=source, threads=4)
    assert sorted(source.asked) == sorted(entry["id"] for entry in lists)
    assert not source.overlapped


def test_a_list_that_fails_fails_each_credential_as_alone(batch: Batch) -> None:
    trust, credentials, _ = batch
    forged = Authority().status_lists(credentials[0])
    expected = [r.to_dict() for r in singles(trust, credentials, forged)]
    results = verify_credentials(
        credentials, trust=trust, clock=clock, status_source=StaticStatusLists(forged), threads=2
    )
    assert [r.to_dict() for r in results] == expected
    assert results[0].status is Status.STATUS_UNAVAILABLE


def test_a_failing_source_gives_each_credential_its_error(batch: Batch) -> None:
    trust, credentials, _ = batch

    class Failing:
        def get(self, url: str) -> Mapping[str, Any] | None:
            raise VicError("the list server is down", code="STATUS_FETCH_FAILED")

    expected = [
        verify_credential(c, trust=trust, clock=clock, status_source=Failing()).to_dict()
        for c in credentials
    ]
    results = verify_credentials(
        credentials, trust=trust, clock=clock, status_source=Failing(), threads=2
    )
    assert [r.to_dict() for r in results] == expected


def test_a_bug_propagates_as_from_one_thread(batch: Batch) -> None:
    trust, credentials, _ = batch

    class Raising:
        def get(self, url: str) -> Mapping[str, Any] | None:
            raise Bug(url)

    with pytest.raises(Bug) as one:
        verify_credentials(
            credentials, trust=trust, clock=clock, status_source=Raising(), threads=1
        )
    with pytest.raises(Bug) as two:
        verify_credentials(
            credentials, trust=trust, clock=clock, status_source=Raising(), threads=2
        )
    assert str(one.value) == str(two.value)


def test_the_first_failure_in_input_order_propagates() -> None:
    # each failing item raises its own exception: the lowest index wins, whichever thread got it
    items: list[Any] = list(range(10 * STEP))
    failing = {7, 13, 30}

    def verify_one(item: Any) -> Any:
        if item in failing:
            raise Bug(item)
        return item * 2

    for threads in (2, 3, 5):
        with pytest.raises(Bug) as info:
            on_threads(verify_one, items, threads)
        assert info.value.args == (7,)
    assert on_threads(lambda item: item * 2, items, 3) == [i * 2 for i in items]


def test_the_threads_run_at_once() -> None:
    # both threads must reach the barrier: the batch is not verified on one thread after another
    barrier = threading.Barrier(2, timeout=30)
    seen: set[int] = set()

    def verify_one(item: Any) -> Any:
        ident = threading.get_ident()
        if ident not in seen:
            seen.add(ident)
            barrier.wait()
        return item

    items: list[Any] = list(range(8 * STEP))
    assert on_threads(verify_one, items, 2) == items
    assert len(seen) == 2


def test_empty_one_and_small_batches(batch: Batch) -> None:
    trust, credentials, lists = batch
    assert verify_credentials([], trust=trust, threads=2) == []
    for count in (1, MIN_THREADED - 1, MIN_THREADED):
        part = credentials[:count]
        results = verify_credentials(
            part, trust=trust, clock=clock, status_source=StaticStatusLists(lists), threads=2
        )
        assert [r.to_dict() for r in results] == [r.to_dict() for r in singles(trust, part, lists)]


@pytest.mark.parametrize("threads", [0, -1])
def test_fewer_than_one_thread_is_refused(batch: Batch, threads: int) -> None:
    trust, credentials, _ = batch
    with pytest.raises(UsageError) as info:
        verify_credentials(credentials, trust=trust, threads=threads)
    assert info.value.code == "BATCH_THREADS"


def test_distinct_marks_on_many_threads_match_single_calls(authority: Authority) -> None:
    # the process-wide caches (decode plans, templates, did:key documents, the status memo) are
    # filled by several threads at once here: a fresh authority, so nothing is known before
    trust = TrustList(
        (
            TrustedIssuer(
                authority.did,
                {"en": "Test"},
                None,
                (
                    authority_entry(
                        1001,
                        did=authority.did,
                        verification_methods=[authority.method],
                        status_base_urls=["https://jtgl.example.cn/status"],
                    ),
                ),
            ),
        )
    )
    marks = [authority.mark(index=100 + i) for i in range(48)]
    texts: list[Any] = [encode_barcode(m, trust.registry()) for m in marks]
    texts += [t[:40] + ("B" if t[40] != "B" else "C") + t[41:] for t in texts[:16]]
    lists = authority.status_lists(marks[0])
    results = verify_credentials(
        texts, trust=trust, clock=clock, status_source=StaticStatusLists(lists), threads=4
    )
    assert [r.to_dict() for r in results] == [r.to_dict() for r in singles(trust, texts, lists)]
    assert [r.status for r in results[:48]] == [Status.VALID] * 48
