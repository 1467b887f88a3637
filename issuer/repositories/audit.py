"""Reading the audit log (rows are written by :func:`vic.issuer.records.audit`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vic.issuer.db.models import AuditEntry
from vic.issuer.repositories import bulk

__all__ = ["AuditRecord", "insert_rows", "newest"]


@dataclass(frozen=True)
class AuditRecord:
    """One row of the audit log."""

    at: datetime
    actor_id: str
    actor_role: str
    action: str
    target: str
    detail: dict[str, Any]


def newest(session: Session, *, target: str | None, limit: int) -> list[AuditRecord]:
    """The newest ``limit`` rows (of one target), newest first."""
    statement = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if target is not None:
        statement = statement.where(AuditEntry.target == target)
    return [
        AuditRecord(a.at, a.actor_id, a.actor_role, a.action, a.target, json.loads(a.detail))
        for a in session.execute(statement).scalars()
    ]


def insert_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert audit rows built by :func:`vic.issuer.records.audit_rows` in one statement."""
    if rows:
        bulk.insert_rows(session, AuditEntry, rows)
