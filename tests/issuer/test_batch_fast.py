"""The optimistic batch path (vic.issuer.batchfast) against the general one: the same batch on
two databases prepared alike (fixed clock, key, mark ids and permutation keys) gives the same
outcomes and the same rows, table by table; a snapshot gone stale, a key retired meanwhile or a
failed signature sends the batch to the general path, which decides it afresh."""

from __future__ import annotations

import itertools
import json
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import vic.issuer.batchfast
import vic.issuer.marks
import vic.issuer.status
from tests.issuer.helpers import (
    ADMIN,
    DID,
    OFFICE,
    STATION,
    STATION_CODE,
    SYSTEM,
    Backend,
    Clock,
    assert_consistent,
    assert_verifies,
    backend,
    config,
    make_vin,
    registration,
)
from vic.contexts.errors import VicError
from vic.did.keys import KeyType, PrivateKey
from vic.issuer.db.models import Base, Inspection, Mark, StatusEntry
from vic.issuer.domain import Actor, InspectionOutcome, InspectionReport
from vic.issuer.engine import Issuer

DAY = date(2026, 11, 24)
KEY = PrivateKey.from_bytes(KeyType.P256, (0x5EED).to_bytes(32, "big"))


class FixedSigner:
    """One fixed P-256 key as an external signer (ECDSA signatures still differ per call)."""

    method_id = f"{DID}#hsm-1"
    key_type = KeyType.P256

    def sign(self, data: bytes) -> bytes:
        return KEY.sign(data)


def report(number: str, vehicle: int, passed: bool = True, **other: Any) -> InspectionReport:
    return InspectionReport(
        other.get("station", STATION_CODE),
        number,
        make_vin(vehicle),
        other.get("day", DAY),
        passed,
    )


BATCH = [
    report("F-1", 0),
    report("F-2", 1, passed=False),
    report("F-3", 2),
    report("F-4", 2),  # a second mark for the same vehicle in the batch
    report("F-1", 0),  # the same report twice: one mark
    report("F-5", 3, station="nowhere"),
    report("F-6", 99),  # no such vehicle
    report("F-7", 3, day=date(2026, 12, 1)),  # in the future
    report("F-8", 4),  # cancelled
    report("F-9", 3, station="420100-02"),  # another station: refused for STATION
    report("F-10", 3),
    report("F-11", 6),
]


@contextmanager
def prepared(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch, name: str
) -> Iterator[Issuer]:
    """An issuer with vehicles 0..6 (4 cancelled; 3 and 6 inspected once) on a fresh database,
    every random choice fixed."""
    counter = itertools.count()
    monkeypatch.setattr(vic.issuer.marks, "new_mark_id", lambda: f"urn:uuid:{next(counter)}")
    monkeypatch.setattr(
        vic.issuer.status, "os", types.SimpleNamespace(urandom=lambda n: bytes(range(n)))
    )
    with backend(kind) as where:
        settings = config(tmp_path / name, where, Clock())
        with Issuer.open(
            settings, signer=FixedSigner(), signer_public_key=KEY.public_key
        ) as issuer:
            issuer.add_station(ADMIN, STATION_CODE, "站一")
            issuer.add_station(ADMIN, "420100-02", "站二")
            for n in range(7):
                issuer.register_vehicle(OFFICE, registration(n))
            issuer.report_inspections(SYSTEM, [report("P-1", 3), report("P-2", 6)])
            issuer.cancel_registration(OFFICE, make_vin(4))
            yield issuer


def general(issuer: Issuer, actor: Actor, reports: list[InspectionReport]) -> list[Any]:
    return issuer.issuance._report_groups([(actor, reports)])[0]


def fast_only(issuer: Issuer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if the batch falls back to the general path."""

    def refuse(*_args: Any) -> Any:
        raise AssertionError("the fast path fell back to the general one")

    monkeypatch.setattr(issuer.issuance, "_report_groups", refuse)


def outcome_view(outcome: Any) -> Any:
    if isinstance(outcome, VicError):
        return (type(outcome).__name__, outcome.code, str(outcome))
    assert isinstance(outcome, InspectionOutcome)
    view = dict(vars(outcome))
    if outcome.mark is not None:
        mark = dict(vars(outcome.mark))
        mark["credential"] = without_signature(mark["credential"])
        view["mark"] = mark
    return view


def without_signature(credential: dict[str, Any]) -> dict[str, Any]:
    copy = json.loads(json.dumps(credential))
    assert copy["proof"].pop("proofValue")
    return copy


def tables(issuer: Issuer) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (a mark's signature value left out), by primary key."""
    dump: dict[str, list[dict[str, Any]]] = {}
    with issuer.database.read() as session:
        for table in Base.metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
            dump[table.name] = [dict(row._mapping) for row in rows]
    for row in dump["mark"]:
        if row["credential"] is not None:
            row["credential"] = without_signature(json.loads(row["credential"]))
    return dump


@pytest.mark.parametrize("actor", [SYSTEM, STATION], ids=["system", "station"])
def test_the_fast_path_writes_what_the_general_path_writes(
    tmp_path: Path, database: Backend, monkeypatch: pytest.MonkeyPatch, actor: Actor
) -> None:
    with prepared(tmp_path, database.name, monkeypatch, "general") as issuer:
        expected = [outcome_view(o) for o in general(issuer, actor, BATCH)]
        expected_rows = tables(issuer)
    with prepared(tmp_path, database.name, monkeypatch, "fast") as issuer:
        fast_only(issuer, monkeypatch)
        outcomes = issuer.report_inspections(actor, BATCH)
        assert [outcome_view(o) for o in outcomes] == expected
        assert tables(issuer) == expected_rows
        for outcome in outcomes:
            if isinstance(outcome, InspectionOutcome) and outcome.mark is not None:
                assert_verifies(issuer, outcome.mark.credential, Clock())
    assert sum(isinstance(o, InspectionOutcome) and o.mark is not None for o in outcomes) >= 5


def meanwhile(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """Run ``action`` once, after the fast path's snapshot and before its write."""
    real = vic.issuer.batchfast.pending_marks
    done: list[bool] = []

    def pending_marks(*args: Any) -> Any:
        if not done:
            done.append(True)
            action()
        return real(*args)

    monkeypatch.setattr(vic.issuer.batchfast, "pending_marks", pending_marks)


def counts(issuer: Issuer) -> tuple[int, int]:
    with issuer.database.read() as session:
        return (
            session.execute(select(func.count(Mark.id))).scalar_one(),
            session.execute(select(func.count(StatusEntry.id))).scalar_one(),
        )


def test_a_report_recorded_meanwhile_is_replayed(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    for n in range(3):
        issuer.register_vehicle(OFFICE, registration(n))
    marks_before, entries_before = counts(issuer)
    # the same report, recorded by another upload before this batch's write
    meanwhile(monkeypatch, lambda: general(issuer, SYSTEM, [report("M-1", 0)]) and None)
    first, second = issuer.report_inspections(SYSTEM, [report("M-1", 0), report("M-2", 1)])
    assert isinstance(first, InspectionOutcome)
    assert first.mark is not None
    assert not first.recorded_now
    assert not first.mark.issued_now
    assert isinstance(second, InspectionOutcome)
    assert second.mark is not None
    assert second.recorded_now
    assert second.mark.current
    marks, entries = counts(issuer)
    assert marks == marks_before + 2  # one mark per report, exactly
    assert entries == entries_before + 2 + 2  # the two indexes the fast path took, unused
    assert assert_consistent(issuer, clock) == 0


def test_a_vehicle_changed_meanwhile_is_decided_again(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer.register_vehicle(OFFICE, registration(0))
    marks_before, _ = counts(issuer)
    meanwhile(monkeypatch, lambda: issuer.cancel_registration(OFFICE, make_vin(0)) and None)
    (outcome,) = issuer.report_inspections(SYSTEM, [report("C-1", 0)])
    assert isinstance(outcome, VicError)
    assert outcome.code == "VEHICLE_CANCELLED"
    assert counts(issuer)[0] == marks_before
    with issuer.database.read() as session:
        assert session.execute(select(func.count(Inspection.id))).scalar_one() == 0


def test_a_mark_issued_meanwhile_is_superseded_in_order(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    issuer.register_vehicle(OFFICE, registration(0))
    meanwhile(
        monkeypatch,
        lambda: (
            issuer.transfer_vehicle(OFFICE, make_vin(0), new_owner="acct-x", event_key="t") and None
        ),
    )
    (outcome,) = issuer.report_inspections(SYSTEM, [report("T-1", 0)])
    assert isinstance(outcome, InspectionOutcome)
    assert outcome.mark is not None
    assert outcome.mark.current
    current = issuer.current_mark(make_vin(0))
    assert current is not None
    assert current.number == outcome.mark.number
    assert assert_consistent(issuer, clock) == 0


def test_a_key_retired_meanwhile_signs_nothing(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    issuer.register_vehicle(OFFICE, registration(0))
    infos = issuer.keys()
    (old,) = [info.method_id for info in infos if info.retired_at is None]
    meanwhile(monkeypatch, lambda: issuer.rotate_key(ADMIN) and None)
    (outcome,) = issuer.report_inspections(SYSTEM, [report("K-1", 0)])
    assert isinstance(outcome, InspectionOutcome)
    assert outcome.mark is not None
    assert outcome.mark.method_id != old
    assert outcome.mark.credential["proof"]["verificationMethod"] == outcome.mark.method_id
    assert_verifies(issuer, outcome.mark.credential, clock)
    assert assert_consistent(issuer, clock) == 0


def test_a_failed_signature_goes_to_the_general_path(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    issuer.register_vehicle(OFFICE, registration(0))
    kernel = issuer.issuance.kernel
    real = kernel.sign
    calls: list[int] = []

    def sign(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("the HSM did not answer")
        return real(*args, **kwargs)

    monkeypatch.setattr(kernel, "sign", sign)
    (outcome,) = issuer.report_inspections(SYSTEM, [report("S-1", 0)])
    assert isinstance(outcome, InspectionOutcome)
    assert outcome.mark is not None
    assert outcome.recorded_now
    assert outcome.mark.current
    assert len(calls) == 2
    assert assert_consistent(issuer, clock) == 0
