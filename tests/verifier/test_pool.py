"""BatchVerifier: results over worker processes are the in-process batch's, item by item."""

from __future__ import annotations

import copy
import json
import os
import pickle
import signal
import threading
from collections.abc import Iterator, Mapping
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.authority import NOW, Authority, clock
from vic.contexts.errors import ServiceBusyError, StatusUnavailableError, UsageError, VicError
from vic.contexts.loader import DocumentLoader
from vic.vc.barcode import encode_barcode
from vic.vc.cborld import authority_entry
from vic.verifier import (
    StaticStatusLists,
    Status,
    TrustedIssuer,
    TrustList,
    VerificationResult,
    verify_credential,
    verify_credentials,
)
from vic.verifier.pool import BatchVerifier, _dumps, _pack, _unpack
from vic.verifier.result import Check

OTHER_BASE = "https://other.example.cn/status"


class CountingSource:
    """A status source that counts what it is asked and holds a lock (it does not pickle)."""

    def __init__(self, lists: list[dict[str, Any]]) -> None:
        self.inner = StaticStatusLists(lists)
        self.asked: list[str] = []
        self.lock = threading.Lock()

    def get(self, url: str) -> Mapping[str, Any] | None:
        with self.lock:
            self.asked.append(url)
        return self.inner.get(url)


class FailingSource:
    def get(self, url: str) -> Mapping[str, Any] | None:
        raise StatusUnavailableError(f"{url} cannot be reached", code="STATUS_LIST_UNREACHABLE")


class Unpicklable(dict[str, Any]):
    """A credential given as a mapping that cannot cross a process boundary."""

    def __reduce__(self) -> Any:
        raise TypeError("not this one")


@pytest.fixture(scope="module")
def setup() -> tuple[TrustList, list[Any], list[dict[str, Any]]]:
    authority = Authority()
    entry = authority_entry(
        1000,
        did=authority.did,
        verification_methods=[authority.method],
        status_base_urls=["https://jtgl.example.cn/status"],
    )
    trust = TrustList((TrustedIssuer(authority.did, {"en": "Test"}, None, (entry,)),))
    registry = trust.registry()
    marks = [authority.mark(index=i) for i in (1, 2, 3, 4, 10, 11, 12, 13)]
    revoked = authority.mark(index=5)
    suspended = authority.mark(index=6, status_base=OTHER_BASE)
    lists = authority.status_lists(revoked, revoked=True)
    lists += authority.status_lists(suspended, suspended=True)
    tampered = copy.deepcopy(marks[1])
    tampered["credentialSubject"]["plateTypeCode"] = "01"
    unknown_list = authority.mark(index=3, status_base="https://nowhere.example.cn/status")
    credentials: list[Any] = [
        *marks[:3],
        *(encode_barcode(m, registry) for m in marks),
        json.dumps(marks[3]),
        encode_barcode(marks[4], registry).encode(),
        revoked,
        encode_barcode(revoked, registry),
        suspended,
        unknown_list,
        tampered,
        "VC1-Rnot base45!",
        "{",
        b"\xff\x00",
        {"@context": "nope"},
        Authority().mark(),  # untrusted issuer
        authority.mark(index=None),  # no status
    ]
    return trust, credentials * 3, lists


@pytest.fixture(scope="module")
def pool(setup: tuple[TrustList, list[Any], list[dict[str, Any]]]) -> Iterator[BatchVerifier]:
    trust, _, _ = setup
    with BatchVerifier(trust=trust, workers=2, chunk_size=5, min_batch=4) as verifier:
        yield verifier


def same(left: list[VerificationResult], right: list[VerificationResult]) -> None:
    assert len(left) == len(right)
    for one, other in zip(left, right, strict=True):
        assert one.to_dict() == other.to_dict()
        assert [type(e) for e in one.errors] == [type(e) for e in other.errors]
        assert [c.name for c in one.checks] == [c.name for c in other.checks]
        assert [c.failure_status for c in one.checks] == [c.failure_status for c in other.checks]
        assert one.summary == other.summary
        assert one.status is other.status


def test_the_pool_gives_the_in_process_results(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], pool: BatchVerifier
) -> None:
    trust, credentials, lists = setup
    source = CountingSource(lists)
    results = pool.verify(credentials, clock=clock, status_source=source)
    here = verify_credentials(
        credentials, trust=trust, clock=clock, status_source=StaticStatusLists(lists)
    )
    same(results, here)
    singles = [
        verify_credential(c, trust=trust, clock=clock, status_source=StaticStatusLists(lists))
        for c in credentials
    ]
    same(results, singles)
    statuses = {r.status for r in results}
    assert statuses >= {
        Status.VALID,
        Status.REVOKED,
        Status.SUSPENDED,
        Status.STATUS_UNAVAILABLE,
        Status.INVALID_PROOF,
        Status.MALFORMED,
        Status.UNTRUSTED_ISSUER,
    }
    # each list asked once for the whole batch, by this process
    assert sorted(source.asked) == sorted(set(source.asked))
    assert len(source.asked) == 6


def test_workers_are_reused_and_a_new_batch_asks_again(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], pool: BatchVerifier
) -> None:
    _, credentials, lists = setup
    pids = pool.worker_pids()
    for _ in range(2):
        source = CountingSource(lists)
        results = pool.verify(credentials[:12], clock=clock, status_source=source)
        assert {r.status for r in results} == {Status.VALID}
        assert len(source.asked) == 2
    assert pool.worker_pids() == pids
    assert len(pids) == 2


def test_the_clock_is_read_once_in_this_process(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], pool: BatchVerifier
) -> None:
    trust, credentials, lists = setup
    readings: list[datetime] = []
    later = NOW + timedelta(days=3 * 365)

    def counting() -> datetime:  # a closure: it could not be pickled
        readings.append(later)
        return later

    results = pool.verify(credentials, clock=counting, status_source=StaticStatusLists(lists))
    assert len(readings) == 1
    assert Status.EXPIRED in {r.status for r in results}
    here = verify_credentials(
        credentials, trust=trust, clock=lambda: later, status_source=StaticStatusLists(lists)
    )
    same(results, here)


def test_without_a_source_or_status_checks(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], pool: BatchVerifier
) -> None:
    trust, credentials, _ = setup
    for options in ({}, {"check_status_lists": False}):
        results = pool.verify(credentials, clock=clock, **options)  # type: ignore[arg-type]
        same(results, verify_credentials(credentials, trust=trust, clock=clock, **options))


def test_a_failing_source_fails_each_credential_with_its_code(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], pool: BatchVerifier
) -> None:
    trust, credentials, _ = setup
    results = pool.verify(credentials, clock=clock, status_source=FailingSource())
    same(
        results,
        verify_credentials(credentials, trust=trust, clock=clock, status_source=FailingSource()),
    )
    codes = {e.code for r in results for e in r.errors}
    assert "STATUS_LIST_UNREACHABLE" in codes


def test_a_bug_in_the_source_propagates_and_the_pool_recovers(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], pool: BatchVerifier
) -> None:
    _, credentials, lists = setup

    class Broken:
        def get(self, url: str) -> Mapping[str, Any] | None:
            raise KeyError(url)

    with pytest.raises(KeyError):
        pool.verify(credentials, clock=clock, status_source=Broken())
    results = pool.verify(credentials[:12], clock=clock, status_source=StaticStatusLists(lists))
    assert {r.status for r in results} == {Status.VALID}


def test_what_cannot_cross_is_verified_here(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], pool: BatchVerifier
) -> None:
    trust, credentials, lists = setup
    odd = [Unpicklable(c) if isinstance(c, dict) else c for c in credentials]
    results = pool.verify(odd, clock=clock, status_source=StaticStatusLists(lists))
    same(
        results,
        verify_credentials(odd, trust=trust, clock=clock, status_source=StaticStatusLists(lists)),
    )


def test_small_batches_stay_in_this_process(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]],
) -> None:
    trust, credentials, lists = setup
    verifier = BatchVerifier(trust=trust, workers=2)  # min_batch 16: never starts a worker
    results = verifier.verify(credentials[:3], clock=clock, status_source=StaticStatusLists(lists))
    assert verifier.worker_pids() == []
    assert verifier.verify([]) == []
    same(
        results,
        verify_credentials(
            credentials[:3], trust=trust, clock=clock, status_source=StaticStatusLists(lists)
        ),
    )
    verifier.close()
    with pytest.raises(UsageError) as caught:
        verifier.verify(credentials[:3])
    assert caught.value.code == "BATCH_POOL_CLOSED"


def test_verify_credentials_with_workers(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]],
) -> None:
    trust, credentials, lists = setup
    source = CountingSource(lists)
    results = verify_credentials(
        credentials, trust=trust, clock=clock, status_source=source, workers=2
    )
    same(
        results,
        verify_credentials(
            credentials, trust=trust, clock=clock, status_source=StaticStatusLists(lists)
        ),
    )
    assert len(source.asked) == 6


def test_a_lost_worker_fails_the_call_and_the_next_starts_afresh(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]],
) -> None:
    trust, credentials, lists = setup
    with BatchVerifier(trust=trust, workers=2, start_method="forkserver") as verifier:
        os.kill(verifier.worker_pids()[0], signal.SIGKILL)
        with pytest.raises(ServiceBusyError) as caught:
            verifier.verify(credentials, clock=clock, status_source=StaticStatusLists(lists))
        assert caught.value.code == "BATCH_WORKER_LOST"
        results = verifier.verify(credentials, clock=clock, status_source=StaticStatusLists(lists))
        assert len(verifier.worker_pids()) == 2
    same(
        results,
        verify_credentials(
            credentials, trust=trust, clock=clock, status_source=StaticStatusLists(lists)
        ),
    )


class LockedLoader(DocumentLoader):
    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()


def test_refusals_have_stable_codes(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]],
) -> None:
    trust, _, _ = setup
    cases: list[tuple[dict[str, Any], str]] = [
        ({"loader": LockedLoader()}, "BATCH_NOT_PORTABLE"),
        ({"start_method": "fork"}, "BATCH_START_METHOD"),
        ({"start_method": "threads"}, "BATCH_START_METHOD"),
        ({"workers": 0}, "BATCH_WORKERS"),
        ({"chunk_size": 0}, "BATCH_WORKERS"),
    ]
    for options, code in cases:
        with pytest.raises(UsageError) as caught:
            BatchVerifier(trust=trust, **options)
        assert caught.value.code == code, options
    with pytest.raises(UsageError) as caught:
        verify_credentials(["x"] * 20, trust=trust, loader=LockedLoader(), workers=2)
    assert caught.value.code == "BATCH_NOT_PORTABLE"


def test_packed_results_rebuild_equal(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]],
) -> None:
    trust, credentials, lists = setup
    later = datetime(2031, 1, 1, tzinfo=UTC)
    for moment in (clock, lambda: later):
        for result in verify_credentials(
            credentials, trust=trust, clock=moment, status_source=StaticStatusLists(lists)
        ):
            # as in the pool: packed, pickled, sent, unpickled, rebuilt
            rebuilt = _unpack(pickle.loads(_dumps(_pack(result))))
            assert type(rebuilt) is VerificationResult
            assert rebuilt.to_dict() == result.to_dict()
            assert rebuilt.summary == result.summary
            assert repr(rebuilt.summary) == repr(result.summary)
            assert rebuilt.credential == result.credential
            for made, original in zip(rebuilt.checks, result.checks, strict=True):
                assert type(made) is Check
                assert list(vars(made)) == list(vars(original))  # every field, in order
                with pytest.raises(FrozenInstanceError):
                    made.passed = None  # type: ignore[misc]
            for check, original in zip(rebuilt.checks, result.checks, strict=True):
                assert check.error is None or type(check.error) is type(original.error)
                assert check == original or original.error is not None  # errors: by identity
                assert check.status is original.status
            assert rebuilt.status is result.status
            assert rebuilt.verified is result.verified
            assert all(isinstance(e, VicError) for e in rebuilt.errors)


def test_large_credentials_and_results_cross_both_ways(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], pool: BatchVerifier
) -> None:
    # chunks and results far larger than a pipe's buffer, both ways at once (two chunks in flight)
    trust, credentials, lists = setup
    big = copy.deepcopy(credentials[0])
    big["credentialSubject"]["note"] = "x" * 300_000
    batch = [big, credentials[0]] * 12
    results = pool.verify(batch, clock=clock, status_source=StaticStatusLists(lists))
    same(
        results,
        verify_credentials(batch, trust=trust, clock=clock, status_source=StaticStatusLists(lists)),
    )
    assert results[0].credential == big
    assert results[0].status is not Status.VALID
    assert results[1].status is Status.VALID


def test_a_small_batch_with_workers_starts_no_process(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    trust, credentials, lists = setup

    def refuse(self: BatchVerifier) -> None:
        raise AssertionError("no worker should start for a small batch")

    monkeypatch.setattr(BatchVerifier, "_start", refuse)
    results = verify_credentials(
        credentials[:5], trust=trust, clock=clock, status_source=StaticStatusLists(lists), workers=2
    )
    same(
        results,
        verify_credentials(
            credentials[:5], trust=trust, clock=clock, status_source=StaticStatusLists(lists)
        ),
    )


def test_this_process_verifies_a_share_and_the_workers_the_rest(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vic.verifier import batch

    trust, credentials, lists = setup
    expected = verify_credentials(
        credentials * 4, trust=trust, clock=clock, status_source=StaticStatusLists(lists)
    )
    here: list[Any] = []
    verify = batch.verify_credential

    def counting(credential: Any, **options: Any) -> VerificationResult:
        here.append(credential)  # only this process's calls: the workers have their own module
        return verify(credential, **options)

    monkeypatch.setattr(batch, "verify_credential", counting)
    with BatchVerifier(trust=trust, workers=1) as verifier:
        assert len(verifier.worker_pids()) == 1
        source = CountingSource(lists)
        results = verifier.verify(credentials * 4, clock=clock, status_source=source)
    same(results, expected)
    # the worker needs milliseconds for its first chunk: this process takes chunks meanwhile,
    # and the worker's share is what is left
    assert 0 < len(here) < len(credentials) * 4
    assert sorted(source.asked) == sorted({*source.asked})  # each URL once for the batch


def test_the_default_pool_leaves_a_cpu_to_this_process(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vic.verifier import pool as pool_module

    trust, _, _ = setup
    for cpus, workers in ((1, 1), (2, 1), (8, 7)):
        monkeypatch.setattr(pool_module, "_usable_cpus", lambda cpus=cpus: cpus)
        assert BatchVerifier(trust=trust).workers == workers


def test_a_status_answer_brings_the_batch_s_other_answers_once(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]],
) -> None:
    from vic.verifier.batch import OncePerBatch
    from vic.verifier.pool import _status_reply

    _, _, lists = setup
    counting = CountingSource(lists)
    source = OncePerBatch(counting)
    urls = [credential["id"] for credential in lists]
    nowhere = "https://nowhere.example.cn/status/1"
    for url in (urls[0], urls[1], nowhere):  # the parent's own marks asked for these
        source.get(url)
    asked = list(counting.asked)
    told: set[str] = set()
    failed, value, more = pickle.loads(_status_reply(source, urls[0], told))
    assert not failed
    assert value == source.get(urls[0])
    assert more == {urls[1]: source.get(urls[1]), nowhere: None}  # None: no such list, as asked
    assert told == {urls[0], urls[1], nowhere}
    # a later question of the same worker brings only what it has not been told
    failed, value, more = pickle.loads(_status_reply(source, urls[2], told))
    assert (failed, more) == (False, {})
    assert value == source.get(urls[2])
    assert counting.asked == [*asked, urls[2]]  # nothing asked of the source for the extras
    # another worker, told nothing yet, gets them all
    _, _, more = pickle.loads(_status_reply(source, urls[0], set()))
    assert set(more) == {urls[1], urls[2], nowhere}
    # a failure is never kept, so never handed on
    failing = OncePerBatch(FailingSource())
    failed, error, more = pickle.loads(_status_reply(failing, urls[0], set()))
    assert failed
    assert error.code == "STATUS_LIST_UNREACHABLE"
    assert more == {}


def test_an_answer_that_cannot_cross_is_left_out_of_the_others(
    setup: tuple[TrustList, list[Any], list[dict[str, Any]]],
) -> None:
    from vic.verifier.batch import OncePerBatch
    from vic.verifier.pool import _status_reply

    _, _, lists = setup

    class Odd:
        def get(self, url: str) -> Any:
            return Unpicklable(lists[0]) if url == "odd" else None

    source = OncePerBatch(Odd())
    source.get("odd")
    told: set[str] = set()
    failed, value, more = pickle.loads(_status_reply(source, "plain", told))
    assert (failed, value, more) == (False, None, {})
    assert told == {"plain"}
    with pytest.raises(UsageError) as caught:
        _status_reply(source, "odd", told)
    assert caught.value.code == "BATCH_NOT_PORTABLE"
