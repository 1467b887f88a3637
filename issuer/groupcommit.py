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
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Final, Generic, TypeVar

__all__ = ["DEFAULT_MAX_GROUP", "GroupCommit"]

I = TypeVar("I")  # noqa: E741 - the item type
R = TypeVar("R")

DEFAULT_MAX_GROUP: Final = 64
"""The most events one group commits (bounds a transaction and the wait of its last caller)."""


class _Slot(Generic[I, R]):
    """One caller's event, and what became of it."""

    __slots__ = ("error", "item", "lead", "result", "wake")

    def __init__(self, item: I) -> None:
        self.item = item
        self.wake = threading.Event()
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
            slot.wake.wait()
            if not slot.lead:
                return slot.outcome()
        self._lead()
        return slot.outcome()

    def _lead(self) -> None:
        with self._lock:
            count = min(self._max_group, len(self._queue))
            group = [self._queue.popleft() for _ in range(count)]
            self.groups += 1
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
                    following.lead = True
                    following.wake.set()
                else:
                    self._leading = False
        for slot, result in zip(group, results, strict=True):
            if isinstance(result, BaseException):
                slot.error = result
            else:
                slot.result = result
            slot.wake.set()
