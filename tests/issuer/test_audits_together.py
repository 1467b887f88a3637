"""Audit rows held for one insert (``records.audits_together``, the first transaction of a group
of single events): the same rows, in the same order, as one insert each; none on an error; the
rows of a savepoint rolled back dropped by its caller."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.issuer.helpers import OFFICE, START
from vic.issuer.db.models import AuditEntry
from vic.issuer.engine import Issuer
from vic.issuer.records import audit, audits_together


def _rows(issuer: Issuer) -> list[tuple[int, str, str]]:
    return issuer.database.run(
        lambda s: [
            (row.id, row.action, row.target)
            for row in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        ],
        readonly=True,
    )


def test_held_rows_are_the_rows_one_by_one(issuer: Issuer) -> None:
    before = issuer.database.run(
        lambda s: s.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
        readonly=True,
    )

    def together(session: Session) -> None:
        with audits_together(session) as held:
            audit(session, OFFICE, "test.one", "t:1", START, n=1)
            audit(session, OFFICE, "test.two", "t:2", START)
            assert len(held) == 2
            assert session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == (
                before
            )  # nothing written yet

    issuer.database.run(together)
    issuer.database.run(lambda s: audit(s, OFFICE, "test.three", "t:3", START))
    rows = _rows(issuer)[-3:]
    assert [(action, target) for _, action, target in rows] == [
        ("test.one", "t:1"),
        ("test.two", "t:2"),
        ("test.three", "t:3"),
    ]
    assert [row_id for row_id, _, _ in rows] == sorted(row_id for row_id, _, _ in rows)
    assert issuer.audit_log(target="t:1")[0].detail == {"n": 1}


def test_an_error_writes_nothing_and_a_dropped_savepoint_drops_its_rows(issuer: Issuer) -> None:
    def failing(session: Session) -> None:
        with audits_together(session):
            audit(session, OFFICE, "test.lost", "t:lost", START)
            raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        issuer.database.run(failing)

    def partly(session: Session) -> None:
        with audits_together(session) as held:
            audit(session, OFFICE, "test.kept", "t:kept", START)
            mark = len(held)
            try:
                with session.begin_nested():
                    audit(session, OFFICE, "test.dropped", "t:dropped", START)
                    raise ValueError("this event only")
            except ValueError:
                del held[mark:]

    issuer.database.run(partly)
    targets = [target for _, _, target in _rows(issuer)]
    assert "t:kept" in targets
    assert "t:lost" not in targets
    assert "t:dropped" not in targets


def test_not_nested(issuer: Issuer) -> None:
    def nested(session: Session) -> None:
        with audits_together(session), audits_together(session):
            pass

    with pytest.raises(RuntimeError, match="not nested"):
        issuer.database.run(nested)
    issuer.database.run(lambda s: audit(s, OFFICE, "test.after", "t:after", START))
    assert "t:after" in [target for _, _, target in _rows(issuer)]
