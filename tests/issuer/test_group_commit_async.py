"""Group commit from an asyncio event loop (``GroupCommit.submit_async``): the same groups as
threads, each caller its own result or error, mixed with callers on threads, and a waiter
cancelled meanwhile stalls nobody. Groups are made deterministic by holding the first group's
leader until the others have queued (a wait on a condition, not on time)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence

import pytest

from tests.issuer.helpers import OFFICE, Clock, assert_consistent, make_vin, registration
from vic.contexts.errors import ConflictError, RecordNotFoundError
from vic.issuer.domain import IssuedMark
from vic.issuer.engine import Issuer
from vic.issuer.groupcommit import GroupCommit


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the callers did not queue"
        time.sleep(0.001)


async def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the callers did not queue"
        await asyncio.sleep(0.001)


def _held(commit: GroupCommit[int, int], gate: threading.Event) -> list[list[int]]:
    """Hold every group until ``gate`` is set; the groups run, in order."""
    real = commit._run_group
    groups: list[list[int]] = []

    def held(items: list[int]) -> Sequence[int | BaseException]:
        gate.wait(30)
        groups.append(list(items))
        return real(items)

    commit._run_group = held  # type: ignore[method-assign]
    return groups


def _odd_fails(items: list[int]) -> list[int | BaseException]:
    return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]


def test_async_callers_get_their_own_results_and_errors_in_one_group() -> None:
    commit: GroupCommit[int, int] = GroupCommit(_odd_fails)
    gate = threading.Event()
    groups = _held(commit, gate)

    async def main() -> list[int | str]:
        first = asyncio.ensure_future(commit.submit_async(0))
        await _until(lambda: commit._leading and commit.queued == 0)
        rest = [asyncio.ensure_future(commit.submit_async(i)) for i in range(1, 6)]
        await _until(lambda: commit.queued == 5)
        gate.set()
        outcomes = await asyncio.gather(first, *rest, return_exceptions=True)
        return [o if isinstance(o, int) else str(o) for o in outcomes]

    assert asyncio.run(main()) == [0, "odd 1", 20, "odd 3", 40, "odd 5"]
    assert groups == [[0], [1, 2, 3, 4, 5]]
    assert not commit._leading
    assert commit.queued == 0


def test_async_and_thread_callers_share_groups() -> None:
    commit: GroupCommit[int, int] = GroupCommit(_odd_fails, max_group=3)
    gate = threading.Event()
    groups = _held(commit, gate)
    from_threads: dict[int, int | str] = {}

    def in_thread(item: int) -> None:
        try:
            from_threads[item] = commit.submit(item)
        except ValueError as error:
            from_threads[item] = str(error)

    async def main() -> list[int | str]:
        leader = threading.Thread(target=in_thread, args=(0,))  # a thread leads the first group
        leader.start()
        await _until(lambda: commit._leading and commit.queued == 0)
        waiting = [asyncio.ensure_future(commit.submit_async(2))]
        await _until(lambda: commit.queued == 1)
        threads = [threading.Thread(target=in_thread, args=(i,)) for i in (3, 4)]
        for count, thread in enumerate(threads, start=2):
            thread.start()
            await _until(lambda count=count: commit.queued == count)  # type: ignore[misc]
        waiting += [asyncio.ensure_future(commit.submit_async(i)) for i in (5, 6)]
        await _until(lambda: commit.queued == 5)
        gate.set()
        outcomes = await asyncio.gather(*waiting, return_exceptions=True)
        for thread in [leader, *threads]:
            await asyncio.to_thread(thread.join, 60)
        return [o if isinstance(o, int) else str(o) for o in outcomes]

    assert asyncio.run(main()) == [20, "odd 5", 60]
    assert from_threads == {0: 0, 3: "odd 3", 4: 40}
    assert groups == [[0], [2, 3, 4], [5, 6]]
    assert not commit._leading
    assert commit.queued == 0


def test_a_cancelled_async_waiter_stalls_nobody() -> None:
    commit: GroupCommit[int, int] = GroupCommit(lambda items: [i * 10 for i in items], max_group=1)
    gate = threading.Event()
    groups = _held(commit, gate)

    async def main() -> tuple[int, int]:
        first = asyncio.ensure_future(commit.submit_async(1))
        await _until(lambda: commit._leading and commit.queued == 0)
        cancelled = asyncio.ensure_future(commit.submit_async(2))  # the next group's first
        last = asyncio.ensure_future(commit.submit_async(3))
        await _until(lambda: commit.queued == 2)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        gate.set()
        return await first, await last

    assert asyncio.run(main()) == (10, 30)
    assert groups == [[1], [2], [3]]  # the cancelled caller's item still ran (as a thread's)
    assert not commit._leading


def test_a_group_that_fails_as_a_whole_fails_each_async_caller() -> None:
    def run_group(items: list[int]) -> list[int | BaseException]:
        if 3 in items:
            raise RuntimeError("the database went away")
        return list(items)

    commit: GroupCommit[int, int] = GroupCommit(run_group)

    async def main() -> int:
        with pytest.raises(RuntimeError):
            await commit.submit_async(3)
        return await commit.submit_async(5)

    assert asyncio.run(main()) == 5
    assert not commit._leading


def test_events_from_the_loop_are_those_of_the_threads(issuer: Issuer, clock: Clock) -> None:
    """Transfers run with ``issue_async`` give what ``transfer_vehicle`` gives: their marks,
    replays, refusals with their codes; and the audit rows of the events."""
    service = issuer.issuance
    for number in (1, 2):
        issuer.register_vehicle(OFFICE, registration(number))

    async def main() -> list[object]:
        made = [
            service.transfer_event(OFFICE, make_vin(1), new_owner="acct-a", event_key="t-1"),
            service.transfer_event(OFFICE, make_vin(2), new_owner="acct-b", event_key="t-2"),
            service.transfer_event(OFFICE, make_vin(1), new_owner="acct-a", event_key="t-1"),
            service.transfer_event(OFFICE, make_vin(999), new_owner="acct-c", event_key="t-3"),
            service.transfer_event(OFFICE, make_vin(2), new_owner="acct-d", event_key="t-1"),
        ]
        return await asyncio.gather(*(service.issue_async(e) for e in made), return_exceptions=True)

    first, second, replayed, missing, reused = asyncio.run(main())
    assert isinstance(first, IssuedMark)
    assert first.issued_now
    assert isinstance(second, IssuedMark)
    assert second.issued_now
    assert isinstance(replayed, IssuedMark)
    assert (replayed.number, replayed.issued_now) == (first.number, False)
    assert isinstance(missing, RecordNotFoundError)
    assert missing.code == "VEHICLE_NOT_FOUND"
    assert isinstance(reused, ConflictError)
    assert reused.code == "EVENT_KEY_REUSED"
    again = issuer.transfer_vehicle(OFFICE, make_vin(2), new_owner="acct-b", event_key="t-2")
    assert (again.number, again.issued_now) == (second.number, False)
    assert issuer.current_mark(make_vin(1)).number == first.number  # type: ignore[union-attr]
    assert issuer.vehicle(OFFICE, make_vin(2)).owner == "acct-b"
    for number in (1, 2):
        actions = [r.action for r in issuer.audit_log(target=f"vehicle:{make_vin(number)}")]
        assert actions.count("vehicle.transfer") == 1
    assert assert_consistent(issuer, clock) == 0
