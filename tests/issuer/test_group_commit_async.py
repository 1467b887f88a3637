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

from tests.issuer.helpers import (
    OFFICE,
    STATION_CODE,
    Clock,
    assert_consistent,
    make_vin,
    registration,
)
from vic.contexts.errors import (
    AuthenticationError,
    ConflictError,
    RecordNotFoundError,
    UsageError,
)
from vic.issuer.domain import Actor, IssuedMark, Role
from vic.issuer.engine import Issuer
from vic.issuer.events import BearerEvent, Event, NotAuthorized
from vic.issuer.groupcommit import GroupCommit
from vic.issuer.tokens import Scope, actor_reader, authenticate, create_token, revoke_token


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


def _bearers(issuer: Issuer) -> tuple[dict[str, str], Callable[..., BearerEvent]]:
    """Tokens of every kind, and a maker of bearer transfers (a station's scope refused)."""
    service = issuer.issuance
    tokens = {
        "office": create_token(issuer, role=Scope.OFFICE, label="office")[0],
        "admin": create_token(issuer, role=Scope.ADMIN, label="admin")[0],
        "station": create_token(issuer, role=Scope.STATION, subject=STATION_CODE, label="st")[0],
        "revoked": create_token(issuer, role=Scope.OFFICE, label="gone")[0],
    }
    revoke_token(issuer, tokens["revoked"][4:20])
    read = actor_reader(issuer)

    def bearer(token: str, number: int, key: str, owner: str = "acct-new") -> BearerEvent:
        def make(actor: Actor) -> Event | None:
            if actor.role is Role.STATION:
                return None
            return service.transfer_event(actor, make_vin(number), new_owner=owner, event_key=key)

        return BearerEvent(token, read, make)

    return tokens, bearer


def test_bearer_events_read_their_tokens_in_their_group(issuer: Issuer, clock: Clock) -> None:
    """A group of bearer events and plain events: the tokens read in the group's transaction;
    a refused token or scope runs nothing (NotAuthorized, with the token's error), a refused
    event is refused alone (its own error), the others are issued as plain events would be."""
    for number in (1, 2, 3):
        issuer.register_vehicle(OFFICE, registration(number))
    tokens, bearer = _bearers(issuer)
    office_actor = authenticate(issuer, tokens["office"])
    items: list[Event | BearerEvent] = [
        bearer(tokens["office"], 1, "b-1", "acct-b1"),
        bearer(tokens["admin"], 2, "b-2", "acct-b2"),
        bearer(tokens["revoked"], 3, "b-3"),
        bearer("vic_nope", 3, "b-4"),
        bearer(tokens["office"][:-1] + "x", 3, "b-5"),
        bearer(tokens["station"], 3, "b-6"),
        bearer(tokens["office"], 3, "b-7", owner="=SUM(A1)"),  # refused by transfer_event
        bearer(tokens["office"], 999, "b-8"),  # refused in the transaction
        issuer.issuance.transfer_event(OFFICE, make_vin(3), new_owner="acct-p", event_key="p-1"),
        bearer(tokens["office"], 1, "b-1", "acct-b1"),  # the same event again: its mark
    ]
    results = issuer.issuance._run_events(items)
    first, second, revoked, unknown, wrong, station, bad_owner, missing, plain, again = results
    assert isinstance(first, IssuedMark)
    assert first.issued_now
    assert isinstance(second, IssuedMark)
    assert second.issued_now
    assert isinstance(plain, IssuedMark)
    assert plain.issued_now
    assert isinstance(again, IssuedMark)
    assert (again.number, again.issued_now) == (first.number, False)
    assert isinstance(revoked, NotAuthorized)
    assert isinstance(unknown, NotAuthorized)
    assert isinstance(wrong, NotAuthorized)
    assert isinstance(station, NotAuthorized)
    refusals = [(type(r.error), getattr(r.error, "code", None)) for r in (revoked, unknown, wrong)]
    assert refusals == [
        (AuthenticationError, "TOKEN_REVOKED"),
        (AuthenticationError, "TOKEN_INVALID"),
        (AuthenticationError, "TOKEN_INVALID"),
    ]
    assert station.error is None
    assert isinstance(bad_owner, UsageError)
    assert isinstance(missing, RecordNotFoundError)
    assert missing.code == "VEHICLE_NOT_FOUND"
    assert issuer.vehicle(OFFICE, make_vin(1)).owner == "acct-b1"
    assert issuer.vehicle(OFFICE, make_vin(3)).owner == "acct-p"  # the plain event's only

    def transfers(number: int) -> list[str]:
        rows = issuer.audit_log(target=f"vehicle:{make_vin(number)}")
        return [r.actor_id for r in rows if r.action == "vehicle.transfer"]

    assert transfers(1) == [office_actor.id]  # once: the second is its replay
    assert transfers(3) == [OFFICE.id]  # the plain event's only
    assert assert_consistent(issuer, clock) == 0


def test_bearer_events_from_the_loop_hear_not_authorized(issuer: Issuer, clock: Clock) -> None:
    """From the event loop (``issue_async``): a refused bearer event raises NotAuthorized to
    its caller alone; a group of refused ones only writes nothing; a token revoked after one
    request refuses the next (nothing about a token is kept between groups)."""
    for number in (1, 2):
        issuer.register_vehicle(OFFICE, registration(number))
    tokens, bearer = _bearers(issuer)
    service = issuer.issuance
    before = len(issuer.audit_log())

    async def send(*items: BearerEvent) -> list[object]:
        return await asyncio.gather(
            *(service.issue_async(i) for i in items), return_exceptions=True
        )

    refused = asyncio.run(send(bearer(tokens["revoked"], 1, "r-1"), bearer("", 1, "r-2")))
    assert [type(r) for r in refused] == [NotAuthorized, NotAuthorized]
    codes = [r.error.code for r in refused if isinstance(r, NotAuthorized) and r.error]
    assert codes == ["TOKEN_REVOKED", "TOKEN_MISSING"]
    assert len(issuer.audit_log()) == before
    (issued,) = asyncio.run(send(bearer(tokens["office"], 1, "o-1")))
    assert isinstance(issued, IssuedMark)
    assert issued.issued_now
    revoke_token(issuer, tokens["office"][4:20])
    (after,) = asyncio.run(send(bearer(tokens["office"], 2, "o-2")))
    assert isinstance(after, NotAuthorized)
    assert after.error is not None
    assert after.error.code == "TOKEN_REVOKED"
    (admin,) = asyncio.run(send(bearer(tokens["admin"], 2, "o-3")))
    assert isinstance(admin, IssuedMark)
    assert admin.issued_now
    assert assert_consistent(issuer, clock) == 0
