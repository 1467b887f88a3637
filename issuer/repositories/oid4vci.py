"""Repository functions of OpenID4VCI: offers and nonces (the SQL lives here, nowhere else).

Every function runs in the caller's transaction (a :class:`~sqlalchemy.orm.Session`); the service
(:mod:`vic.issuer.services.oid4vci`) decides what they mean. Secrets are looked up by digest only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from vic.issuer.db.models import Oid4vciNonce, Oid4vciOffer

__all__ = [
    "NONCE_RETENTION",
    "add_nonce",
    "add_offer",
    "consume_nonce",
    "offer_by_access",
    "offer_by_code",
    "offer_by_reference",
]

NONCE_RETENTION: Final = timedelta(days=1)
"""Expired nonces are deleted this long after their expiry (when a new one is made)."""


def add_offer(session: Session, offer: Oid4vciOffer) -> Oid4vciOffer:
    """Store a new offer."""
    session.add(offer)
    session.flush()
    return offer


def offer_by_reference(session: Session, reference_digest: str) -> Oid4vciOffer | None:
    """The offer of a reference digest."""
    return session.execute(
        select(Oid4vciOffer).where(Oid4vciOffer.reference_digest == reference_digest)
    ).scalar_one_or_none()


def offer_by_code(session: Session, code_digest: str, *, lock: bool) -> Oid4vciOffer | None:
    """The offer of a pre-authorized code digest (locked for update when asked)."""
    statement = select(Oid4vciOffer).where(Oid4vciOffer.code_digest == code_digest)
    if lock:
        statement = statement.with_for_update()
    return session.execute(statement).scalar_one_or_none()


def offer_by_access(session: Session, access_digest: str) -> Oid4vciOffer | None:
    """The offer whose code was exchanged for the access token of this digest."""
    return session.execute(
        select(Oid4vciOffer).where(Oid4vciOffer.access_digest == access_digest)
    ).scalar_one_or_none()


def add_nonce(session: Session, digest: str, now: datetime, expires_at: datetime) -> None:
    """Store a new nonce; delete those expired for longer than :data:`NONCE_RETENTION`."""
    session.execute(delete(Oid4vciNonce).where(Oid4vciNonce.expires_at < now - NONCE_RETENTION))
    session.add(Oid4vciNonce(digest=digest, created_at=now, expires_at=expires_at, used_at=None))


def consume_nonce(session: Session, digest: str, now: datetime) -> str:
    """Use a nonce once: ``used`` (now), or why not: ``unknown``, ``reused``, ``expired``."""
    result = session.execute(
        update(Oid4vciNonce)
        .where(
            Oid4vciNonce.digest == digest,
            Oid4vciNonce.used_at.is_(None),
            Oid4vciNonce.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return "used"
    row = session.execute(
        select(Oid4vciNonce).where(Oid4vciNonce.digest == digest)
    ).scalar_one_or_none()
    if row is None:
        return "unknown"
    return "reused" if row.used_at is not None else "expired"
