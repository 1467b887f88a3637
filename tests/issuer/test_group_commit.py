"""Group commit: concurrent single events coalesced into one pair of transactions give each
caller what the events would have given one after the other, and an event's failure is its own.

Groups are made deterministic by holding the first group's leader until the others have queued
(a wait on a condition, not on time)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from sqlalchemy import select

from tests.issuer.helpers import (
    ADMIN,
    OFFICE,
    STATION,
    STATION_CODE,
    Clock,
    assert_consistent,
    make_vin,
    registration,
)
from vic.contexts.errors import ConflictError, RecordNotFoundError, RefusedError
from vic.issuer.db.models import AuditEntry
from vic.issuer.domain import Actor, InspectionOutcome, InspectionReport, IssuedMark, Role
from vic.issuer.engine import Issuer
from vic.issuer.groupcommit import GroupCommit
from vic.issuer.policy import ExemptionCode
from vic.vc.mark import CHINA_STANDARD_TIME


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the callers did not queue"
        time.sleep(0.001)


def _in_groups(
    commit: GroupCommit[Any, Any], first: Callable[[], Any], calls: Sequence[Callable[[], Any]]
) -> tuple[Any, list[Any]]:
    """Run ``first`` (it leads a group of its own), queue ``calls`` one by one behind it, in
    order, then let it go: ``calls`` run as the next group. Each call's result or exception."""
    gate = threading.Event()
    real = commit._run_group

    def held(items: list[Any]) -> Any:
        if not gate.is_set():
            gate.wait(30)
        return real(items)

    commit._run_group = held  # type: ignore[method-assign]
    outcomes: dict[int, Any] = {}

    def call(index: int, function: Callable[[], Any]) -> None:
        try:
            outcomes[index] = function()
        except Exception as error:
            outcomes[index] = error

    threads = [threading.Thread(target=call, args=(-1, first))]
    threads[0].start()
    _wait_until(lambda: commit._leading and commit.queued == 0)
    for index, function in enumerate(calls):
        thread = threading.Thread(target=call, args=(index, function))
        threads.append(thread)
        thread.start()
        _wait_until(lambda count=index + 1: commit.queued == count)  # type: ignore[misc]
    groups = commit.groups
    gate.set()
    for thread in threads:
        thread.join(60)
    commit._run_group = real  # type: ignore[method-assign]
    assert commit.groups == groups + 1  # the queued calls ran as one group
    return outcomes[-1], [outcomes[i] for i in range(len(calls))]


def test_each_caller_gets_its_own_result_and_error() -> None:
    groups: list[list[int]] = []

    def run_group(items: list[int]) -> list[int | BaseException]:
        groups.append(items)
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]

    commit: GroupCommit[int, int] = GroupCommit(run_group)
    assert commit.submit(4) == 40  # a lone caller runs at once, alone
    first, results = _in_groups(
        commit, lambda: commit.submit(0), [lambda i=i: commit.submit(i) for i in range(1, 6)]
    )
    assert first == 0
    assert [r if isinstance(r, int) else str(r) for r in results] == [
        "odd 1",
        20,
        "odd 3",
        40,
        "odd 5",
    ]
    assert groups == [[4], [0], [1, 2, 3, 4, 5]]


def test_a_group_that_fails_as_a_whole_fails_each_caller_and_the_next_group_runs() -> None:
    calls: list[list[int]] = []

    def run_group(items: list[int]) -> list[int | BaseException]:
        calls.append(items)
        if 3 in items:
            raise RuntimeError("the database went away")
        return list(items)

    commit: GroupCommit[int, int] = GroupCommit(run_group, max_group=2)
    first, results = _in_groups(commit, lambda: commit.submit(0), [lambda: commit.submit(1)])
    assert (first, results) == (0, [1])
    with pytest.raises(RuntimeError):
        commit.submit(3)
    assert commit.submit(5) == 5
    assert not commit._leading
    assert commit.queued == 0


def test_max_group_bounds_a_group() -> None:
    sizes: list[int] = []

    def run_group(items: list[int]) -> list[int | BaseException]:
        sizes.append(len(items))
        return list(items)

    commit: GroupCommit[int, int] = GroupCommit(run_group, max_group=3)
    gate = threading.Event()
    real = commit._run_group

    def held(items: list[int]) -> Sequence[int | BaseException]:
        gate.wait(30)
        return real(items)

    commit._run_group = held  # type: ignore[method-assign]
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda i=i: results.append(commit.submit(i))) for i in range(8)
    ]
    threads[0].start()
    _wait_until(lambda: commit._leading)
    for thread in threads[1:]:
        thread.start()
    _wait_until(lambda: commit.queued == 7)
    gate.set()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == list(range(8))
    assert sizes == [1, 3, 3, 1]


# --- on the issuer: SQLite and PostgreSQL ----------------------------------------------------


def _transfer(issuer: Issuer, number: int, key: str, owner: str) -> Callable[[], IssuedMark]:
    return lambda: issuer.transfer_vehicle(OFFICE, make_vin(number), new_owner=owner, event_key=key)


def test_concurrent_transfers_in_one_group_give_what_one_by_one_gives(
    issuer: Issuer, clock: Clock
) -> None:
    for n in range(3):
        issuer.register_vehicle(OFFICE, registration(n))
    alone: list[Any] = []
    real_alone = issuer.issuance._alone
    issuer.issuance._alone = lambda event: alone.append(event) or real_alone(event)  # type: ignore[method-assign]
    first, results = _in_groups(
        issuer.issuance._events,
        _transfer(issuer, 2, "t0", "acct-x"),
        [
            _transfer(issuer, 0, "t1", "acct-a"),
            _transfer(issuer, 1, "t2", "acct-b"),
            _transfer(issuer, 0, "t3", "acct-c"),  # the same vehicle again: supersedes t1
            _transfer(issuer, 0, "t1", "acct-a"),  # t1 repeated: its mark, not a new one
            _transfer(issuer, 77, "t4", "acct-d"),  # no such vehicle: refused alone
            _transfer(issuer, 1, "t1", "acct-a"),  # t1's key for another vehicle
            lambda: issuer.apply_for_exemption(OFFICE, make_vin(1)),  # refused, recorded
        ],
    )
    assert isinstance(first, IssuedMark)
    assert first.issued_now
    t1, t2, t3, t1_again, unknown, reused, exemption = results
    assert isinstance(t1, IssuedMark)
    assert isinstance(t2, IssuedMark)
    assert isinstance(t3, IssuedMark)
    assert t1.issued_now
    assert t2.issued_now
    assert t3.issued_now
    assert isinstance(t1_again, IssuedMark)
    assert (t1_again.number, t1_again.issued_now) == (t1.number, False)
    assert isinstance(unknown, RecordNotFoundError)
    assert unknown.code == "VEHICLE_NOT_FOUND"
    assert isinstance(reused, ConflictError)
    assert reused.code == "EVENT_KEY_REUSED"
    assert isinstance(exemption, RefusedError)
    assert exemption.code in {code.value for code in ExemptionCode}
    assert len({first.number, t1.number, t2.number, t3.number}) == 4
    assert issuer.current_mark(make_vin(0)).number == t3.number  # type: ignore[union-attr]
    assert issuer.current_mark(make_vin(1)).number == t2.number  # type: ignore[union-attr]
    status = issuer.mark_status(t1.number)
    assert status.revoked
    assert status.superseded_by == t3.number
    assert issuer.vehicle(OFFICE, make_vin(0)).owner == "acct-c"
    assert issuer.vehicle(OFFICE, make_vin(1)).owner == "acct-b"
    actions = [r.action for r in issuer.audit_log(target=f"vehicle:{make_vin(1)}")]
    assert actions.count("exemption.apply") == 1  # the refusal is recorded, once
    assert alone == []  # the group went through as one: no event had to run again alone
    assert assert_consistent(issuer, clock) == 0


def test_an_event_that_breaks_its_group_fails_alone(issuer: Issuer, clock: Clock) -> None:
    for n in range(3):
        issuer.register_vehicle(OFFICE, registration(n))

    def broken(_session: Any) -> Any:
        raise RuntimeError("a bug in one event")

    first, results = _in_groups(
        issuer.issuance._events,
        _transfer(issuer, 2, "t0", "acct-x"),
        [
            _transfer(issuer, 0, "t1", "acct-a"),
            lambda: issuer.issuance._issue(OFFICE, make_vin(1), "t-broken", broken),
            _transfer(issuer, 1, "t2", "acct-b"),
        ],
    )
    assert isinstance(first, IssuedMark)
    assert isinstance(results[0], IssuedMark)
    assert results[0].issued_now
    assert isinstance(results[1], RuntimeError)
    assert isinstance(results[2], IssuedMark)
    assert results[2].issued_now
    assert assert_consistent(issuer, clock) == 0


def test_concurrent_reports_of_two_stations_in_one_group(issuer: Issuer, clock: Clock) -> None:
    issuer.add_station(ADMIN, "420100-02", "二站")
    other = Actor("station-token-2", Role.STATION, station="420100-02")
    for n in range(3):
        issuer.register_vehicle(OFFICE, registration(n))
    day = clock.now.astimezone(CHINA_STANDARD_TIME).date()

    def report(actor: Actor, station: str, number: str, vin: int) -> Callable[[], Any]:
        return lambda: issuer.report_inspection(
            actor, InspectionReport(station, number, make_vin(vin), day, True)
        )

    first, results = _in_groups(
        issuer.issuance._reports,
        report(STATION, STATION_CODE, "r0", 2),
        [
            report(STATION, STATION_CODE, "r1", 0),
            report(other, "420100-02", "r1", 1),
            report(STATION, STATION_CODE, "r1", 0),  # repeated: its first outcome
            report(other, STATION_CODE, "r9", 1),  # not its station
            report(STATION, STATION_CODE, "r2", 99),  # no such vehicle
        ],
    )
    assert isinstance(first, InspectionOutcome)
    assert first.recorded_now
    a, b, again, mismatch, unknown = results
    assert isinstance(a, InspectionOutcome)
    assert a.recorded_now
    assert a.mark is not None
    assert isinstance(b, InspectionOutcome)
    assert b.recorded_now
    assert b.mark is not None
    assert isinstance(again, InspectionOutcome)
    assert not again.recorded_now
    assert again.mark is not None
    assert again.mark.number == a.mark.number
    assert mismatch.code == "STATION_MISMATCH"
    assert isinstance(unknown, RecordNotFoundError)
    with issuer.database.read() as session:
        actors = dict(
            session.execute(
                select(AuditEntry.target, AuditEntry.actor_id).where(
                    AuditEntry.action == "mark.issue",
                    AuditEntry.target.in_([f"mark:{a.mark.number}", f"mark:{b.mark.number}"]),
                )
            ).all()
        )
    assert actors == {
        f"mark:{a.mark.number}": STATION.id,
        f"mark:{b.mark.number}": other.id,
    }
    assert assert_consistent(issuer, clock) == 0


def test_when_only_the_store_fails_the_first_transaction_stands(
    issuer: Issuer, clock: Clock
) -> None:
    for n in range(3):
        issuer.register_vehicle(OFFICE, registration(n))
    real = issuer.issuance.finish_all
    sizes: list[int] = []

    def flaky(plans: Sequence[Any]) -> Any:
        sizes.append(len(plans))
        if len(plans) > 1:
            raise RuntimeError("the store failed")
        return real(plans)

    issuer.issuance.finish_all = flaky  # type: ignore[method-assign]
    first, results = _in_groups(
        issuer.issuance._events,
        _transfer(issuer, 2, "t0", "acct-x"),
        [
            _transfer(issuer, 0, "t1", "acct-a"),
            lambda: issuer.apply_for_exemption(OFFICE, make_vin(1)),  # refused, recorded
            _transfer(issuer, 1, "t2", "acct-b"),
        ],
    )
    assert isinstance(first, IssuedMark)
    t1, exemption, t2 = results
    assert isinstance(t1, IssuedMark)
    assert t1.issued_now
    assert isinstance(t2, IssuedMark)
    assert t2.issued_now
    assert isinstance(exemption, RefusedError)
    assert [s for s in sizes if s] == [1, 2, 1, 1]  # the group store failed; then one by one
    actions = [r.action for r in issuer.audit_log(target=f"vehicle:{make_vin(1)}")]
    assert actions.count("exemption.apply") == 1  # the refusal is not recorded twice
    assert assert_consistent(issuer, clock) == 0
