"""The generic VC-API's credentials (and a mark found by its credential id)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vic.issuer.db.models import Credential, Mark

__all__ = [
    "add_pending",
    "exists",
    "for_update",
    "issued",
    "issued_text",
    "pending",
]


def add_pending(session: Session, **columns: object) -> Credential:
    """Store a pending credential (flushed: its id is known)."""
    row = Credential(state="pending", **columns)
    session.add(row)
    session.flush()
    return row


def exists(session: Session, credential_id: str) -> bool:
    """Whether a credential with this id was stored (any state)."""
    found = session.execute(
        select(Credential.id).where(Credential.credential_id == credential_id)
    ).first()
    return found is not None


def pending(session: Session) -> list[tuple[int, str]]:
    """Row id and unsigned text of every pending credential."""
    rows = session.execute(
        select(Credential.id, Credential.unsigned).where(Credential.state == "pending")
    ).all()
    return [(row_id, unsigned) for row_id, unsigned in rows]


def for_update(session: Session, row_id: int) -> Credential:
    """A credential row, locked."""
    return session.execute(
        select(Credential).where(Credential.id == row_id).with_for_update()
    ).scalar_one()


def issued(session: Session, credential_id: str, *, lock: bool = False) -> Credential | None:
    """The issued credential with this id."""
    statement = select(Credential).where(
        Credential.credential_id == credential_id, Credential.state == "issued"
    )
    if lock:
        statement = statement.with_for_update()
    return session.execute(statement).scalar_one_or_none()


def issued_text(session: Session, credential_id: str) -> str | None:
    """The stored JSON of an issued VC-API credential or mark with this credential id."""
    text = session.execute(
        select(Credential.credential).where(
            Credential.credential_id == credential_id, Credential.state == "issued"
        )
    ).scalar_one_or_none()
    if text is None:
        text = session.execute(
            select(Mark.credential).where(
                Mark.credential_id == credential_id, Mark.state == "issued"
            )
        ).scalar_one_or_none()
    return text
