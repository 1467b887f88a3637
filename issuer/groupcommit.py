"""Group commit: concurrent single events coalesced into one pair of transactions.

A single event (an HTTP request, a station's report) costs two write transactions and a dozen
statements; SQLite has one writer, so events that arrive together queue on its lock one by one.
:class:`GroupCommit` lets the callers of one kind of event meet: the first caller becomes the
*leader* and runs the group of everything queued when it starts (its own event first, at most
``max_group``) through ``run_group``, the others wait. Each caller gets its own event's result,
after the transactions that stored it committed; a caller whose event failed gets its own error,
and nobody else's. When the leader is done, the first caller still queued leads the next group,
so every caller leads at most one group and a lone caller runs at once, alone (no timer, no
waiting for company).

``run_group`` returns one result or exception per item, in order. It must isolate the items
(e.g. each event in a savepoint; :meth:`vic.issuer.services.issuance.IssuanceService` also reruns
each event alone when a group fails as a whole). An exception escaping ``run_group`` fails the
whole group with that exception.

Callers on an asyncio event loop (the HTTP service's lean path) :meth:`GroupCommit.submit_async`
instead: they join the same queue without a thread of their own each. Such a caller waits on a
future, woken from the leader's thread once per group and loop (one ``call_soon_threadsafe``);
when no group is running it leads one on a worker thread (``anyio.to_thread``), and a leader
whose queue's next caller is such a caller leads that group too, in its own thread (a caller on
a loop is never asked to start a group after it queued, so a cancelled waiter cannot stall the
queue). A hand-off per group instead of per request, and no thread waking per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Final, Generic, TypeVar

import anyio.to_thread

__all__ = ["DEFAULT_MAX_GROUP", "GroupCommit"]

I = TypeVar("I")  # noqa: E741 - the item type
R = TypeVar("R")

DEFAULT_MAX_GROUP: Final = 64
"""The most events one group commits (bounds a transaction and the wait of its last caller)."""


class _Slot(Generic[I, R]):
    """One caller's event, and what became of it."""

    __slots__ = ("error", "future", "item", "lead", "result", "wake")

    def __init__(self, item: I, future: asyncio.Future[None] | None = None) -> None:
        self.item = item
        self.future = future
        """An asyncio caller's wake-up (then ``wake`` is unused)."""
        self.wake = threading.Event() if future is None else None
        self.lead = False
        self.result: R | None = None
        self.error: BaseException | None = None

    def outcome(self) -> R:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]  # settled: the run_group result


class GroupCommit(Generic[I, R]):
    """Coalesce concurrent calls of :meth:`submit` into groups run by ``run_group`` (module doc).

    :param run_group: runs a group of items; one result (or exception) per item, in order.
    :param max_group: the largest group.
    """

    def __init__(
        self,
        run_group: Callable[[list[I]], Sequence[R | BaseException]],
        *,
        max_group: int = DEFAULT_MAX_GROUP,
    ) -> None:
        if max_group < 1:
            raise ValueError("max_group must be at least 1")
        self._run_group = run_group
        self._max_group = max_group
        self._lock = threading.Lock()
        self._queue: deque[_Slot[I, R]] = deque()
        self._leading = False
        self.groups = 0
        """How many groups ran (for tests and monitoring)."""

    @property
    def queued(self) -> int:
        """How many calls wait for the next group (for tests and monitoring)."""
        with self._lock:
            return len(self._queue)

    def submit(self, item: I) -> R:
        """Run ``item`` in the next group and return its result (or raise its error)."""
        slot: _Slot[I, R] = _Slot(item)
        with self._lock:
            self._queue.append(slot)
            lead = not self._leading
            self._leading = True
        if not lead:
            assert slot.wake is not None
            slot.wake.wait()
            if not slot.lead:
                return slot.outcome()
        self._lead()
        return slot.outcome()

    async def submit_async(self, item: I) -> R:
        """:meth:`submit` for a caller on an asyncio event loop (module doc): the same groups,
        without blocking the loop or taking a thread per call."""
        slot: _Slot[I, R] = _Slot(item, asyncio.get_running_loop().create_future())
        with self._lock:
            self._queue.append(slot)
            lead = not self._leading
            self._leading = True
        if lead:  # the thread runs to its end even if this caller is cancelled meanwhile
            await anyio.to_thread.run_sync(self._lead)
        else:
            assert slot.future is not None
            await slot.future
        return slot.outcome()

    def _lead(self) -> None:
        """Run the next group; then hand the lead to the first caller still queued, or lead
        its group too when that caller is on an event loop."""
        while True:
            with self._lock:
                count = min(self._max_group, len(self._queue))
                group = [self._queue.popleft() for _ in range(count)]
                self.groups += 1
            following: _Slot[I, R] | None = None
            try:
                results = list(self._run_group([slot.item for slot in group]))
                if len(results) != len(group):
                    raise RuntimeError("run_group must give one result per item")
            except BaseException as exc:  # the group failed as a whole: every caller hears why
                results = [exc] * len(group)
            finally:
                with self._lock:  # the next group's leader: the first caller still queued
                    if self._queue:
                        following = self._queue[0]
                        if following.wake is not None:
                            following.lead = True
                            following.wake.set()
                    else:
                        self._leading = False
            _settle(group, results)
            if following is None or following.wake is not None:
                return


def _settle(group: Sequence[_Slot[I, R]], results: Sequence[R | BaseException]) -> None:
    """Give each caller of a group its result and wake it (the callers on an event loop with
    one call per loop)."""
    loops: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for slot, result in zip(group, results, strict=True):
        if isinstance(result, BaseException):
            slot.error = result
        else:
            slot.result = result
        if slot.wake is not None:
            slot.wake.set()
        else:
            assert slot.future is not None
            loops.setdefault(slot.future.get_loop(), []).append(slot.future)
    for loop, futures in loops.items():
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
            loop.call_soon_threadsafe(_wake, futures)


def _wake(futures: Sequence[asyncio.Future[None]]) -> None:
    for future in futures:
        if not future.done():  # not cancelled meanwhile
            future.set_result(None)
