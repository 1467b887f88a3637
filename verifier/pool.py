"""Batch verification over worker processes: :class:`BatchVerifier`.

A back office verifying thousands of marks can use every core::

    with BatchVerifier(trust=trust, workers=4) as pool:     # workers start here, once
        results = pool.verify(texts, status_source=source)   # as verify_credentials(...)
        more = pool.verify(other_texts, status_source=source)

How it answers the three reasons the batch once stayed in one process:

- **Start-up.** Workers are started once (``spawn`` by default, or ``forkserver``: a fresh
  interpreter, never a ``fork`` of a host that may be running threads) and reused for every
  call until :meth:`BatchVerifier.close`; each keeps its warm caches (contexts, resolved keys,
  verified status lists) across calls. Batches smaller than ``min_batch`` stay in the caller's
  process.
- **Pickling.** The configuration (trust list, resolver, loader, registry, clock skew, context
  policy) is pickled once, when the pool is made, and sent to each worker at start. Per call only
  the credentials go out, in chunks, and compact results come back (tuples of plain values that
  rebuild into the same :class:`VerificationResult`, checks and summary). Status lists go to a
  worker only when it asks for one, once per list and batch.
- **Status and the clock stay in the parent.** The caller's clock is read once per batch and
  that moment is sent with each chunk; the caller's status source is asked by the parent only,
  once per list URL and batch, as :func:`~vic.verifier.batch.verify_credentials` does. Neither
  needs to pickle.

The caller's process is one of the pool's hands: while the workers verify the chunks sent to
them, it verifies small chunks of the same batch itself, between looks at their answers (a pool
of N workers keeps N + 1 processes busy; the default N is the usable CPUs less one). Chunks
shrink as the batch runs out, so that no process is left with a long tail.

Results are in input order and equal (``to_dict()``, error types and codes) to those of the
in-process batch (tests/verifier/test_pool.py). A credential that cannot be sent to a worker, or
a result that cannot come back, is verified in the parent instead. A configuration that cannot
be sent raises ``UsageError`` with code ``BATCH_NOT_PORTABLE`` when the pool is made.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import pickle
import queue
import select
import threading
import types
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from vic.contexts.errors import ServiceBusyError, UsageError, VicError
from vic.contexts.loader import DocumentLoader
from vic.did.resolver import DidResolver, Resolver
from vic.vc.contextpolicy import DEFAULT_CONTEXT_POLICY, ContextPolicy
from vic.vc.dates import DEFAULT_CLOCK_SKEW, Clock, system_clock
from vic.verifier.batch import (
    Credential,
    OncePerBatch,
    PausedCollector,
    VerifiedOncePerBatch,
    collector_paused,
    one_by_one,
    verify_each,
)
from vic.verifier.result import Check, VerificationResult
from vic.verifier.status import FetchedStatusList, StatusListSource
from vic.verifier.summary import LocalizedCode, MarkSummary
from vic.verifier.trust import TrustList

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from vic.vc.cborld import Registry

__all__ = ["BatchVerifier"]

START_METHODS: Final = ("spawn", "forkserver")
"""``fork`` is refused: forking a host that runs threads (a web service, an HTTP client's pool)
can leave locks held in the child forever."""

MAX_CHUNK: Final = 32
"""Credentials per message to a worker (fewer when the batch is small, to keep all busy)."""

# --- pickling what crosses the boundary ----------------------------------------------------------


def _mapping_proxy(data: dict[str, Any]) -> Mapping[str, Any]:
    return types.MappingProxyType(data)


def _did_resolver(pinned: dict[str, Any], fetch: Any) -> DidResolver:
    return DidResolver(pinned, fetch=fetch)


class _Pickler(pickle.Pickler):
    """Pickle with the two of vic's objects the standard pickler refuses: read-only mappings
    (trust list entries, registry tables) and a :class:`DidResolver` (its answer cache holds a
    lock; a copy starts with an empty cache)."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is types.MappingProxyType:
            return (_mapping_proxy, (dict(obj),))
        if type(obj) is DidResolver:
            return (_did_resolver, (dict(obj.pinned), obj._fetch))
        return NotImplemented


def _dumps(value: Any) -> bytes:
    """Pickle ``value``: the C pickler first (most messages), vic's reductions when it refuses."""
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (TypeError, AttributeError, pickle.PicklingError):
        pass
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)  # calls back for each object
    return buffer.getvalue()


@dataclass(frozen=True)
class _Config:
    """What every worker gets once, at start."""

    trust: TrustList
    resolver: Resolver | None  # None: the trust list's own offline resolver
    loader: DocumentLoader | None
    registry: Registry | None
    clock_skew: timedelta
    context_policy: ContextPolicy


# --- compact results -----------------------------------------------------------------------------

_AS_IS: Final = "="  # a result sent as itself (not of the shapes packed below)
_new: Final = object.__new__
_set_attribute: Final = object.__setattr__


def _pack(result: VerificationResult) -> tuple[Any, ...]:
    """A result as the ``__dict__`` of each of its frozen objects (checks, summary), which the
    parent gives to new objects of the same classes (:func:`_unpack`) without calling any
    constructor: the C pickler and unpickler do all the work, and the parent runs no Python
    code per field. Errors, enum members and the document travel as they are (pickle keeps
    one copy of each enum member and key per message)."""
    summary = result.summary
    if type(result) is not VerificationResult or not (
        summary is None
        or (
            type(summary) is MarkSummary
            and type(summary.plate_type) is LocalizedCode
            and type(summary.vehicle_type) is LocalizedCode
        )
    ):
        return (_AS_IS, result, None)
    checks = [c.__dict__ for c in result.checks if type(c) is Check]
    if len(checks) != len(result.checks):
        return (_AS_IS, result, None)
    return (checks, result.credential, None if summary is None else summary.__dict__)


def _unpack(packed: tuple[Any, ...]) -> VerificationResult:
    """The result :func:`_pack` packed: new objects of the same classes, filled with the
    received ``__dict__`` values (what :func:`vic.vc.frozen.frozen` makes, without a call)."""
    fields, credential, summary_fields = packed
    if fields == _AS_IS:
        result: VerificationResult = credential
        return result
    checks = []
    for check_fields in fields:
        check = _new(Check)
        _set_attribute(check, "__dict__", check_fields)
        checks.append(check)
    summary = None
    if summary_fields is not None:
        summary = _new(MarkSummary)
        _set_attribute(summary, "__dict__", summary_fields)
    result = _new(VerificationResult)
    _set_attribute(
        result, "__dict__", {"checks": tuple(checks), "credential": credential, "summary": summary}
    )
    return result


# --- the worker ----------------------------------------------------------------------------------


_WORK: Final = b"W"  # parent to worker: a chunk, or stop
_ANSWER: Final = b"S"  # parent to worker: the answer to a status question


class _Inbox:
    """A worker's receiving end, read by a thread of its own so that the parent never blocks
    sending (it sends the next chunk while the worker still verifies one): work and status
    answers are queued apart."""

    def __init__(self, conn: Connection) -> None:
        self.work: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.answers: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: Connection) -> None:
        while True:
            try:
                data = conn.recv_bytes()
            except (EOFError, OSError):
                self.work.put(None)
                self.answers.put(None)
                return
            (self.answers if data[:1] == _ANSWER else self.work).put(data[1:])


class _AskParent:
    """A worker's status source: the parent asks the caller's source (once per list and batch)
    and answers; the worker keeps the answer for the rest of the batch, and the answers for
    other lists the parent's source already gave in this batch, which come with it (a worker
    needs the revocation and the suspension list at its first mark: one question, not two)."""

    def __init__(self, conn: Connection, inbox: _Inbox, known: dict[str, Any]) -> None:
        self._conn = conn
        self._inbox = inbox
        self._known = known

    def get(self, url: str) -> Mapping[str, Any] | FetchedStatusList | None:
        if url in self._known:
            found: Mapping[str, Any] | FetchedStatusList | None = self._known[url]
            return found
        self._conn.send_bytes(_dumps(("status", url)))
        answer = self._inbox.answers.get()
        if answer is None:
            raise SystemExit(0)  # the parent is gone
        failed, value, more = pickle.loads(answer)
        if failed:
            raise value
        self._known.update(more)
        self._known[url] = value
        return value  # type: ignore[no-any-return]


def _settle() -> None:
    """Collect, then move every object this worker holds now (vic's modules, its configuration,
    warm caches) to the collector's permanent generation: its collections, which the chunks'
    results and temporaries trigger, then traverse only what is young, not the whole heap
    (~0.03 M instructions a mark). The collector still runs; a frozen object is still freed
    when its last reference goes."""
    gc.collect()
    gc.freeze()


def _worker(conn: Connection, config_bytes: bytes) -> None:
    """A worker process: read the configuration, then verify chunks until told to stop."""
    try:
        config: _Config = pickle.loads(config_bytes)
        trust = config.trust
        resolver = config.resolver or trust.resolver()
        registry = config.registry
        if registry is None:
            try:
                registry = trust.registry()
            except VicError:
                registry = None  # each VC1 text fails its parse check, as in the parent
    except BaseException as exc:
        conn.send_bytes(_dumps(("failed", f"{type(exc).__name__}: {exc}")))
        return
    _settle()
    conn.send_bytes(_dumps(("ready", os.getpid())))
    inbox = _Inbox(conn)
    batch: object = None
    batches = 0
    known: dict[str, Any] = {}
    lists = VerifiedOncePerBatch()
    while True:
        data = inbox.work.get()
        if data is None:
            return
        message = pickle.loads(data)
        if message[0] == "stop":
            return
        _, batch_id, chunk_id, now, has_source, check_status, items = message
        if batch_id != batch:  # what a batch shares, kept for its chunks
            batch, known, lists = batch_id, {}, VerifiedOncePerBatch()
            batches += 1
            if batches == 2:  # the first batch filled the caches (contexts, plans, keys)
                _settle()
        try:
            results = verify_each(
                items,
                trust=trust,
                resolver=resolver,
                loader=config.loader,
                now=now,
                status_source=_AskParent(conn, inbox, known) if has_source else None,
                check_status_lists=check_status,
                registry=registry,
                clock_skew=config.clock_skew,
                context_policy=config.context_policy,
                verify_list=lists,
            )
        except BaseException as exc:
            try:
                reply = _dumps(("error", chunk_id, exc))
            except Exception:
                reply = _dumps(("error", chunk_id, RuntimeError(f"{type(exc).__name__}: {exc}")))
            conn.send_bytes(reply)
            continue
        try:
            reply = _dumps(("done", chunk_id, [_pack(r) for r in results]))
        except Exception:
            reply = _dumps(("redo", chunk_id))
        conn.send_bytes(reply)


# --- the pool ------------------------------------------------------------------------------------


IN_FLIGHT: Final = 2
"""Chunks sent to a worker ahead of its answers (it never waits for this process)."""

GUIDED: Final = 4
"""A chunk is at most what is left of the batch ÷ this ÷ the processes (the last ones small)."""

OWN_CHUNK: Final = 2
"""Credentials this process verifies between two looks at the workers' answers (~0.5 ms): a
worker that asks for a status list waits for the answer, at the start of each batch."""


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    chunks: deque[int] = field(default_factory=deque)  # sent, not answered (in order)
    told: set[str] = field(default_factory=set)  # status list URLs answered in this batch


class BatchVerifier:
    """A pool of worker processes that verify batches of credentials (a context manager).

    The arguments are those of :func:`~vic.verifier.batch.verify_credentials` that stay fixed
    for the pool's life; ``clock``, ``status_source`` and ``check_status_lists`` are given per
    call to :meth:`verify`. ``workers`` defaults to the CPUs this process may use less one
    (at least one): this process verifies a share of each batch too.
    ``start_method`` is ``"spawn"`` (default) or ``"forkserver"``; as with any pool started that
    way, the program's main module must be importable without side effects (the
    ``if __name__ == "__main__":`` guard). Workers start on entering the ``with`` block (or the
    first :meth:`verify`) and stop at :meth:`close`; a pool is used by one thread at a time
    (calls from several threads wait for each other).

    :raises UsageError: ``BATCH_NOT_PORTABLE``: the configuration does not pickle (a resolver
        or loader holding a connection, a lambda...); ``BATCH_START_METHOD``: ``fork`` or an
        unknown method; ``BATCH_WORKERS``: fewer than one worker.
    """

    def __init__(
        self,
        *,
        trust: TrustList,
        workers: int | None = None,
        resolver: Resolver | None = None,
        loader: DocumentLoader | None = None,
        registry: Registry | None = None,
        clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
        context_policy: ContextPolicy = DEFAULT_CONTEXT_POLICY,
        start_method: str = "spawn",
        chunk_size: int = MAX_CHUNK,
        min_batch: int = 16,
    ) -> None:
        if start_method not in START_METHODS:
            raise UsageError(
                f"start method {start_method!r}: use one of {', '.join(START_METHODS)} "
                "(fork is unsafe in a host that runs threads)",
                code="BATCH_START_METHOD",
            )
        count = workers if workers is not None else max(1, _usable_cpus() - 1)
        if count < 1 or chunk_size < 1:
            raise UsageError(
                "a pool needs at least one worker and chunks of one credential",
                code="BATCH_WORKERS",
            )
        self.workers = count
        self._trust = trust
        self._resolver = resolver or trust.resolver()
        self._loader = loader
        self._registry = registry
        self._clock_skew = clock_skew
        self._context_policy = context_policy
        self._start_method = start_method
        self._chunk_size = chunk_size
        self._min_batch = min_batch
        portable_resolver = None if resolver is None or resolver is trust.resolver() else resolver
        config = _Config(trust, portable_resolver, loader, registry, clock_skew, context_policy)
        try:
            self._config = _dumps(config)
        except Exception as exc:
            raise UsageError(
                f"the verifier's configuration cannot be sent to a worker process: {exc} "
                "(use the in-process verify_credentials, or a configuration that pickles)",
                code="BATCH_NOT_PORTABLE",
            ) from None
        self._pool: list[_Worker] | None = None
        self._lock = threading.Lock()
        self._batches = 0
        self._closed = False

    # -- life cycle

    def __enter__(self) -> BatchVerifier:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the workers (if not running) and wait until each is ready.

        :raises UsageError: ``BATCH_POOL_CLOSED`` after :meth:`close`.
        :raises ServiceBusyError: ``BATCH_WORKER_LOST`` when a worker could not start.
        """
        with self._lock:
            self._start()

    def close(self) -> None:
        """Stop the workers (idempotent); the pool cannot be used afterwards."""
        with self._lock:
            self._closed = True
            self._stop()

    def _start(self) -> None:
        if self._closed:
            raise UsageError("the batch verifier is closed", code="BATCH_POOL_CLOSED")
        if self._pool is not None:
            return
        import multiprocessing
        from multiprocessing.connection import wait

        context = multiprocessing.get_context(self._start_method)
        pool = []
        try:
            for _ in range(self.workers):
                parent_end, child_end = context.Pipe()
                process = context.Process(  # type: ignore[attr-defined]
                    target=_worker,
                    args=(child_end, self._config),
                    daemon=True,
                    name="vic-batch-verifier",
                )
                process.start()
                child_end.close()
                pool.append(_Worker(process, parent_end))
            waiting = {w.conn: w for w in pool}
            while waiting:
                ready_ends = wait([*waiting, *(w.process.sentinel for w in waiting.values())])
                # a worker's message before its end: "failed" says more than the sentinel
                for ready in sorted(ready_ends, key=lambda r: r not in waiting):
                    worker = waiting.pop(ready, None)  # type: ignore[call-overload]
                    if worker is None:  # a process ended before saying it was ready
                        raise _lost("a worker process stopped while starting")
                    message = pickle.loads(worker.conn.recv_bytes())
                    if message[0] != "ready":
                        raise _lost(f"a worker process could not start: {message[1]}")
        except BaseException:
            _stop_all(pool, graceful=False)
            raise
        self._pool = pool

    def _stop(self, *, graceful: bool = True) -> None:
        if self._pool is not None:
            _stop_all(self._pool, graceful=graceful)
            self._pool = None

    def worker_pids(self) -> list[int]:
        """The process ids of the running workers (none before the first start)."""
        with self._lock:
            return [w.process.pid or 0 for w in self._pool or ()]

    # -- verifying

    def verify(
        self,
        credentials: Iterable[Credential],
        *,
        clock: Clock = system_clock,
        status_source: StatusListSource | None = None,
        check_status_lists: bool = True,
    ) -> list[VerificationResult]:
        """Verify each credential and return the results in order: the results of
        :func:`~vic.verifier.batch.verify_credentials` with this pool's configuration.

        ``clock`` is read once, in this process; ``status_source`` is asked in this process only,
        once per list URL. A worker that dies fails the call with ``ServiceBusyError``
        ``BATCH_WORKER_LOST`` (the next call starts fresh workers); an exception that is not one
        of vic's errors (a bug, or the status source's) propagates as in a single call.
        """
        items = list(credentials)
        now = clock()
        source = OncePerBatch(status_source) if status_source is not None else None
        with self._lock, collector_paused() as pause:
            if self._closed:
                raise UsageError("the batch verifier is closed", code="BATCH_POOL_CLOSED")
            if len(items) < max(self._min_batch, 2):
                return self._here(items, now, source, check_status_lists, pause)
            self._start()
            try:
                return self._fan_out(items, now, source, check_status_lists, pause)
            except BaseException:
                # a worker may be mid-chunk or waiting for an answer: the next call starts afresh
                self._stop(graceful=False)
                raise

    def _here(
        self,
        items: list[Credential],
        now: datetime,
        source: StatusListSource | None,
        check_status_lists: bool,
        pause: PausedCollector,
    ) -> list[VerificationResult]:
        verify = self._one_by_one(items, now, source, check_status_lists)
        results = [verify(credential) for credential in items]
        pause.note(results)
        return results

    def _one_by_one(
        self,
        items: list[Credential],
        now: datetime,
        source: StatusListSource | None,
        check_status_lists: bool,
    ) -> Callable[[Credential], VerificationResult]:
        """What verifies one of ``items`` in this process, with the pool's fixed arguments."""
        return one_by_one(
            items,
            trust=self._trust,
            resolver=self._resolver,
            loader=self._loader,
            now=now,
            status_source=source,
            check_status_lists=check_status_lists,
            registry=self._registry,
            clock_skew=self._clock_skew,
            context_policy=self._context_policy,
        )

    def _fan_out(
        self,
        items: list[Credential],
        now: datetime,
        source: OncePerBatch | None,
        check_status_lists: bool,
        pause: PausedCollector,
    ) -> list[VerificationResult]:
        """The batch over the workers *and* this process: each worker is kept :data:`IN_FLIGHT`
        chunks ahead, and between their answers this process verifies small chunks itself
        (:data:`OWN_CHUNK`), so that no core waits while it unpickles. Chunks shrink as the
        batch runs out (what is left ÷ 4 per hand, at most ``chunk_size``): the last ones are
        small, and no worker is left with a long tail while the others are done."""
        assert self._pool is not None
        self._batches += 1
        batch_id = self._batches
        count = len(items)
        hands = len(self._pool) + 1
        results: list[VerificationResult | None] = [None] * count
        verify_here = self._one_by_one(items, now, source, check_status_lists)
        given = 0  # the credentials before this one have gone to a worker or been verified here
        sent: dict[int, int] = {}  # a chunk sent to a worker: its start -> its end

        def take(most: int) -> tuple[int, int]:
            nonlocal given
            size = max(1, min(most, -(-(count - given) // (GUIDED * hands))))
            start, given = given, min(count, given + size)
            return start, given

        def here(start: int, end: int) -> None:
            done = [verify_here(c) for c in items[start:end]]
            pause.note(done)
            results[start:end] = done

        def send_next(worker: _Worker) -> None:
            while given < count:
                start, end = take(self._chunk_size)
                message = (
                    "chunk",
                    batch_id,
                    start,
                    now,
                    source is not None,
                    check_status_lists,
                    items[start:end],
                )
                try:
                    data = _dumps(message)
                except Exception:  # a credential that does not pickle: verified here
                    here(start, end)
                    continue
                try:
                    worker.conn.send_bytes(_WORK + data)
                except OSError:
                    raise _lost("a worker process stopped before the batch") from None
                worker.chunks.append(start)
                sent[start] = end
                return

        for worker in self._pool:
            worker.told = set()
        for _ in range(IN_FLIGHT):
            for worker in self._pool:
                send_next(worker)
        # one poll object for the batch: a look at the workers costs one system call
        by_fd: dict[int, _Worker | None] = {}
        poller = select.poll()
        for worker in self._pool:
            by_fd[worker.conn.fileno()] = worker
            by_fd[worker.process.sentinel] = None  # readable when the process has ended
        for fd in by_fd:
            poller.register(fd, select.POLLIN)
        while sent or given < count:
            ready = poller.poll(0 if given < count else None) if sent else []
            if not ready:  # the workers are busy: a small chunk here
                here(*take(OWN_CHUNK))
                continue
            for fd, _ in sorted(ready, key=lambda event: by_fd[event[0]] is None):
                answering = by_fd[fd]
                if answering is None:
                    raise _lost("a worker process stopped during the batch")
                worker = answering
                try:
                    message = pickle.loads(worker.conn.recv_bytes())
                except (EOFError, OSError):
                    raise _lost("a worker process stopped during the batch") from None
                kind = message[0]
                if kind == "status":
                    try:
                        reply = _status_reply(source, message[1], worker.told)
                        worker.conn.send_bytes(_ANSWER + reply)
                    except OSError:
                        raise _lost("a worker process stopped during the batch") from None
                    continue
                start = worker.chunks.popleft()
                assert message[1] == start
                stop = sent.pop(start)
                if kind == "error":  # what a single call would have raised
                    raise message[2]
                send_next(worker)  # keep it busy while this process unpacks
                if kind == "done":
                    results[start:stop] = [_unpack(p) for p in message[2]]
                else:  # "redo": a result that could not come back
                    here(start, stop)
        assert all(r is not None for r in results)
        return results  # type: ignore[return-value]


def _status_reply(source: OncePerBatch | None, url: str, told: set[str]) -> bytes:
    """The answer to a worker's status question: (failed, value or exception, more), ``more``
    the source's other answers kept for this batch that this worker has not been ``told`` yet
    (nothing is asked of the source for them; a failure is never kept, so never among them)."""
    if source is None:  # not asked by a worker that was told there is no source
        return _dumps((False, None, {}))
    try:
        value = source.get(url)
    except VicError as exc:
        return _dumps((True, exc, {}))
    more = {u: v for u, v in source.held().items() if u != url and u not in told}
    told.add(url)
    if more:
        with contextlib.suppress(Exception):
            reply = _dumps((False, value, more))
            told.update(more)
            return reply
    try:
        return _dumps((False, value, {}))
    except Exception as exc:
        raise UsageError(
            f"the status list {url} from the status source cannot be sent to a worker: {exc}",
            code="BATCH_NOT_PORTABLE",
        ) from None


def _lost(message: str) -> ServiceBusyError:
    return ServiceBusyError(message, code="BATCH_WORKER_LOST")


def _stop_all(pool: list[_Worker], *, graceful: bool) -> None:
    """Ask idle workers to stop (``graceful``), or end them at once (a batch was abandoned)."""
    for worker in pool:
        if not graceful:
            worker.process.terminate()
            continue
        with contextlib.suppress(OSError):
            worker.conn.send_bytes(_WORK + _dumps(("stop",)))
    for worker in pool:
        worker.process.join(timeout=5)
        if worker.process.is_alive():
            worker.process.terminate()
            worker.process.join(timeout=2)
        worker.conn.close()


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
