"""Repository functions of the owner page's one-time sign-in links (the SQL lives here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vic.issuer.db.models import OwnerLink

__all__ = ["add_link", "link_for_update"]


def add_link(
    session: Session,
    *,
    code_digest: str,
    account: str,
    now: datetime,
    created_by: str,
    expires_at: datetime,
) -> None:
    """Store a new link (its code's digest)."""
    session.add(
        OwnerLink(
            code_digest=code_digest,
            account_id=account,
            created_at=now,
            created_by=created_by,
            expires_at=expires_at,
            used_at=None,
        )
    )


def link_for_update(session: Session, code_digest: str) -> OwnerLink | None:
    """The link of a code digest, locked for update."""
    return session.execute(
        select(OwnerLink).where(OwnerLink.code_digest == code_digest).with_for_update()
    ).scalar_one_or_none()
