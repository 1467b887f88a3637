"""Many credentials in one call: :func:`verify_credentials`.

A rental desk or an insurer's back office verifies marks in bulk. The batch does, once for the
whole call, what :func:`vic.verifier.verify.verify_credential` would otherwise do per credential:
build the CBOR-LD registry and the resolver of the trust list, read the clock (one "now" for the
whole batch), ask the status source for each status list (a list shared by many marks is
fetched once per batch) and verify and decode each list once per issuer
(:class:`VerifiedOncePerBatch`; a list that fails is verified again for each credential that
names it, as single calls would). Every result is the one :func:`verify_credential` gives for
that credential alone at that moment (tests/verifier/test_batch.py).

``threads=N`` verifies a large batch on N threads of this process (by default one): the P-256
signature check releases the GIL, so one thread's check may run while another runs the Python
of its credential; on a 2-vCPU virtual machine the hand-overs of the GIL (a waiting thread's
wake-up) and the objects moving between the cores' caches cost more than the overlap gains
(docs/performance.md, "The batch on two cores"), so it is not the default. ``workers=N`` fans
the batch out over N worker processes besides this one (:class:`vic.verifier.pool.
BatchVerifier`, started for the call and stopped after it); a caller with many batches keeps one
``BatchVerifier`` open instead.

Thread safety of what a batch touches from several threads: the status source is asked under
the batch's lock (never from two threads at once, once per URL), and each list is verified once
under it; the process-wide caches on the path (processed contexts, CBOR-LD decode plans, the
canonical-form templates, the mark type and pass decisions, did:key documents, the status list
memo) are either guarded by a lock or only ever replace or add whole entries built before they
are published (two threads may build the same entry; either is the same); the proofValue bytes
a QR decode carries to the proof check live in a context variable, which is per thread.

While a batch runs in this process, Python's cyclic garbage collector is paused
(:func:`collector_paused`): the batch's results and temporaries are not traversed again and
again by collections while it runs (~0.06 M instructions a QR mark; docs/performance.md,
"The batch's collector and transfer"). A mark that verifies leaves no cyclic garbage; a failing
one leaves its exception's frames, so the young generation is collected after every
:data:`FAILURES_PER_COLLECTION` failed results; the collector runs again as before after the batch.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from vic.contexts.errors import UsageError, VicError
from vic.contexts.loader import DocumentLoader
from vic.did.resolver import Resolver
from vic.vc.contextpolicy import DEFAULT_CONTEXT_POLICY, ContextPolicy
from vic.vc.dates import DEFAULT_CLOCK_SKEW, Clock, system_clock
from vic.verifier import status
from vic.verifier.result import VerificationResult
from vic.verifier.status import FetchedStatusList
from vic.verifier.trust import TrustList
from vic.verifier.verify import StatusListSource, verify_credential

if TYPE_CHECKING:
    from vic.vc.cborld import Registry
    from vic.vc.status import StatusList

__all__ = ["verify_credentials"]

_MISSING = object()

Credential = Mapping[str, Any] | bytes | str

MIN_THREADED: Final = 32
"""The smallest batch verified on several threads (a thread's start costs ~0.1 ms)."""

STEP: Final = 4
"""Credentials a thread takes at a time from the batch's shared counter."""

SLICE: Final = 64
"""Credentials verified between two looks at the failures while the collector is paused."""

FAILURES_PER_COLLECTION: Final = 256
"""Failed results after which a paused batch collects the young generation (their exceptions'
frames are cyclic garbage once dropped); a valid result leaves none."""


class PausedCollector:
    """The batch's pause of the cyclic garbage collector (see :func:`collector_paused`)."""

    def __init__(self) -> None:
        self._failed = 0

    def note(self, results: Iterable[VerificationResult]) -> None:
        """Count the failed results among ``results``; collect the young generation after
        every :data:`FAILURES_PER_COLLECTION` of them."""
        for result in results:
            for check in result.checks:
                if check.passed is False:
                    self._failed += 1
                    break
        if self._failed >= FAILURES_PER_COLLECTION:
            self._failed = 0
            gc.collect(0)


_pause_lock = threading.Lock()
_pauses = 0  # batches running with the collector paused (several threads may run batches)
_resume = False  # whether the collector was enabled when the first of them began


@contextlib.contextmanager
def collector_paused() -> Iterator[PausedCollector]:
    """Pause the cyclic garbage collector while a batch runs in this process.

    A collection traverses every young object that is alive at that moment, and each object it
    keeps moves to an older generation, which later collections traverse again: a batch keeps
    its results (and the pool's caller unpickles a worker's), so with the collector running
    they are traversed several times while the batch runs, and their survival triggers full
    collections of the whole heap. Paused, nothing is traversed during the batch; afterwards the
    collector runs as before and sees the results at most once per generation, as it would have
    (none of it if the caller has dropped them by then). It changes no result. The collector is
    process-wide: it is disabled when the first of several concurrent batches begins and enabled
    again when the last ends, only if it was enabled before (a caller's own ``gc.disable()``
    stays)."""
    global _pauses, _resume
    with _pause_lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield PausedCollector()
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


class OncePerBatch:
    """A status source that asks the caller's source once per URL (for one batch only).

    An answer (None included) is kept for the batch; an exception is not (the next credential
    that names the list asks again, as single calls would). A bare credential is wrapped once as
    the single call wraps it (a ``FetchedStatusList`` from a "file"), with its digest computed
    once for the batch rather than once per credential that names it."""

    def __init__(self, source: StatusListSource) -> None:
        self._source = source
        self._seen: dict[str, Any] = {}
        self._lock = threading.Lock()  # the caller's source is never asked from two threads

    def get(self, url: str) -> Mapping[str, Any] | FetchedStatusList | None:
        found = self._seen.get(url, _MISSING)
        if found is _MISSING:
            with self._lock:
                found = self._seen.get(url, _MISSING)
                if found is _MISSING:
                    found = self._source.get(url)
                    if isinstance(found, Mapping):
                        found = FetchedStatusList(found, "file", digest=_digest(found))
                    self._seen[url] = found
        result: Mapping[str, Any] | FetchedStatusList | None = found
        return result

    def held(self) -> dict[str, Mapping[str, Any] | FetchedStatusList | None]:
        """The answers kept for the batch so far, by URL (the pool hands them to its workers)."""
        with self._lock:
            return dict(self._seen)


class VerifiedOncePerBatch:
    """:func:`~vic.verifier.status.verified_status_list` once per list and issuer for one batch
    (its resolver, loader, clock and skew are the batch's, the same for every call).

    A list is the very :class:`FetchedStatusList` object the batch's source gave (kept here,
    so that its ``id`` stays its own); a decoded list is kept for the batch, an exception is
    not (the next credential that names the list verifies it again, as a single call would).
    The process-wide memo of ``verified_status_list`` already answers a known list without
    verifying it again; this skips its key (digest, resolved methods) and lock per entry."""

    def __init__(self) -> None:
        self._done: dict[tuple[int, str], tuple[FetchedStatusList, StatusList]] = {}
        self._lock = threading.Lock()  # each list verified once, by one thread

    def __call__(
        self,
        fetched: FetchedStatusList,
        *,
        issuer: str,
        resolver: Resolver,
        loader: DocumentLoader | None,
        clock: Clock,
        skew: timedelta,
    ) -> StatusList:
        key = (id(fetched), issuer)
        found = self._done.get(key)
        if found is not None:
            return found[1]
        with self._lock:
            found = self._done.get(key)
            if found is not None:
                return found[1]
            decoded = status.verified_status_list(
                fetched, issuer=issuer, resolver=resolver, loader=loader, clock=clock, skew=skew
            )
            self._done[key] = (fetched, decoded)
        return decoded


def _digest(credential: Mapping[str, Any]) -> str:
    """The list's digest, or "" (computed where needed, as a single call does) when the
    credential is not JSON."""
    try:
        return status.credential_digest(credential)
    except (TypeError, ValueError):
        return ""


def frozen_clock(now: datetime) -> Clock:
    """A clock that always says ``now`` (the batch's one reading of the caller's clock)."""

    def clock() -> datetime:
        return now

    return clock


def verify_credentials(
    credentials: Iterable[Credential],
    *,
    trust: TrustList,
    resolver: Resolver | None = None,
    loader: DocumentLoader | None = None,
    clock: Clock = system_clock,
    status_source: StatusListSource | None = None,
    check_status_lists: bool = True,
    registry: Registry | None = None,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    context_policy: ContextPolicy = DEFAULT_CONTEXT_POLICY,
    workers: int | None = None,
    threads: int | None = None,
) -> list[VerificationResult]:
    """Verify each credential (as :func:`verify_credential` would) and return the results in
    order. The arguments are those of :func:`verify_credential`, shared by the whole batch;
    ``clock`` is read once, and the whole batch is verified at that moment.

    ``threads`` (default one) verifies a batch of at least :data:`MIN_THREADED` credentials on
    that many threads of this process (this one included; not with ``workers``); measure before
    using it: it gains only where a waiting thread wakes in a few microseconds. The results are
    the same, in order; an exception that is not one of vic's errors (a bug, or the status
    source's own) propagates as in the one-thread loop: the first credential's in input order,
    the credentials after it unverified or their results dropped.

    ``workers`` (default: none, the caller's process only) verifies the batch in that many worker
    processes started for this call and stopped after it, this process verifying a share too
    (:class:`vic.verifier.pool.BatchVerifier`, whose documentation says what must cross the
    process boundary); a batch of fewer than 16 credentials, or ``workers`` of 0, stays in this
    process. The results are the same.

    :raises UsageError: ``BATCH_NOT_PORTABLE`` with ``workers``, when the trust list, resolver,
        loader, registry or context policy cannot be sent to a worker process.
    """
    if workers is not None and workers > 0:
        from vic.verifier.pool import BatchVerifier

        pool = BatchVerifier(
            trust=trust,
            workers=workers,
            resolver=resolver,
            loader=loader,
            registry=registry,
            clock_skew=clock_skew,
            context_policy=context_policy,
        )
        try:  # the workers start only for a batch large enough (BatchVerifier's min_batch)
            return pool.verify(
                credentials,
                clock=clock,
                status_source=status_source,
                check_status_lists=check_status_lists,
            )
        finally:
            pool.close()
    if threads is not None and threads < 1:
        raise UsageError("a batch needs at least one thread", code="BATCH_THREADS")
    source = OncePerBatch(status_source) if status_source is not None else None
    with collector_paused() as pause:
        return verify_each(
            credentials,
            trust=trust,
            resolver=resolver or trust.resolver(),
            loader=loader,
            now=clock(),
            status_source=source,
            check_status_lists=check_status_lists,
            registry=registry,
            clock_skew=clock_skew,
            context_policy=context_policy,
            threads=1 if threads is None else threads,
            pause=pause,
        )


def verify_each(
    credentials: Iterable[Credential],
    *,
    trust: TrustList,
    resolver: Resolver,
    loader: DocumentLoader | None,
    now: datetime,
    status_source: StatusListSource | None,
    check_status_lists: bool,
    registry: Registry | None,
    clock_skew: timedelta,
    context_policy: ContextPolicy,
    threads: int = 1,
    verify_list: VerifiedOncePerBatch | None = None,
    pause: PausedCollector | None = None,
) -> list[VerificationResult]:
    """The batch's loop, in this process: each credential verified at ``now``, on ``threads``
    threads for a batch of at least :data:`MIN_THREADED` (the worker processes of
    :mod:`vic.verifier.pool` run the same loop, each chunk with its batch's ``verify_list``);
    with the collector paused, ``pause`` is told of the results (:data:`SLICE` at a time)."""
    items = list(credentials)
    verify_one = one_by_one(
        items,
        trust=trust,
        resolver=resolver,
        loader=loader,
        now=now,
        status_source=status_source,
        check_status_lists=check_status_lists,
        registry=registry,
        clock_skew=clock_skew,
        context_policy=context_policy,
        verify_list=verify_list,
    )
    if threads >= 2 and len(items) >= MIN_THREADED:
        results = on_threads(verify_one, items, threads)
        if pause is not None:
            pause.note(results)
        return results
    if pause is None or len(items) <= SLICE:
        results = [verify_one(credential) for credential in items]
        if pause is not None:
            pause.note(results)
        return results
    results = []
    for start in range(0, len(items), SLICE):
        done = [verify_one(credential) for credential in items[start : start + SLICE]]
        pause.note(done)
        results += done
    return results


def one_by_one(
    items: list[Credential],
    *,
    trust: TrustList,
    resolver: Resolver,
    loader: DocumentLoader | None,
    now: datetime,
    status_source: StatusListSource | None,
    check_status_lists: bool,
    registry: Registry | None,
    clock_skew: timedelta,
    context_policy: ContextPolicy,
    verify_list: VerifiedOncePerBatch | None = None,
) -> Callable[[Credential], VerificationResult]:
    """The batch's verification of one of ``items`` (any of them, in any order, from any
    thread): :func:`verify_credential` at ``now`` with what the batch shares (the registry,
    built once if some item may be a VC1 text, and each status list verified once: by
    ``verify_list``, or a new one for these items)."""
    clock = frozen_clock(now)
    lists = verify_list if verify_list is not None else VerifiedOncePerBatch()
    if registry is None and any(_may_be_vc1(c) for c in items):
        # once for the batch (a single call builds it per VC1 text); a trust list whose entries
        # conflict fails each VC1 text's parse check, as in single calls
        with contextlib.suppress(VicError):
            registry = trust.registry()

    def verify_one(credential: Credential) -> VerificationResult:
        return verify_credential(
            credential,
            trust=trust,
            resolver=resolver,
            loader=loader,
            clock=clock,
            status_source=status_source,
            check_status_lists=check_status_lists,
            registry=registry,
            clock_skew=clock_skew,
            context_policy=context_policy,
            verify_list=lists,
        )

    return verify_one


def on_threads(
    verify_one: Callable[[Credential], VerificationResult], items: list[Credential], threads: int
) -> list[VerificationResult]:
    """``verify_one`` of each item on ``threads`` threads (this one and ``threads - 1`` started
    for the call), which take :data:`STEP` items at a time from a shared counter; the results in
    order. The first exception in input order propagates, as from the one-thread loop: a thread
    takes no more items after a failed one."""
    results: list[VerificationResult | None] = [None] * len(items)
    failures: dict[int, BaseException] = {}
    starts = itertools.count(0, STEP)  # next() on it is atomic (C, under the GIL)
    end = len(items)

    def run() -> None:
        while not failures:
            start = next(starts)
            if start >= end:
                return
            for index in range(start, min(start + STEP, end)):
                try:
                    results[index] = verify_one(items[index])
                except BaseException as exc:  # re-raised in the calling thread
                    failures[index] = exc
                    return

    helpers = [
        threading.Thread(target=run, name="vic-batch", daemon=True) for _ in range(threads - 1)
    ]
    for helper in helpers:
        helper.start()
    try:
        run()
    finally:
        for helper in helpers:
            helper.join()
    if failures:
        raise failures[min(failures)]
    return results  # type: ignore[return-value]


def _may_be_vc1(credential: Credential) -> bool:
    """Whether the credential may need the CBOR-LD registry (a text or bytes, not JSON)."""
    return not isinstance(credential, Mapping)
