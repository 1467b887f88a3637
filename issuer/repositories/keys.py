"""Signing keys and the published versions of the authority's CBOR-LD registry entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vic.contexts.errors import RecordNotFoundError
from vic.issuer.db.models import Mark, RegistryVersion, SigningKey, StatusPublication, Vehicle
from vic.issuer.db.prepared import Prepared

__all__ = [
    "KeyFacts",
    "add_registry_version",
    "all_keys",
    "current_key",
    "current_key_id",
    "forget_publications",
    "fragments",
    "insert_key",
    "key_facts",
    "latest_registry_version",
    "registry_versions",
    "retire_current",
    "vins_of_current_marks",
]


@dataclass(frozen=True)
class KeyFacts:
    """What the signer cache needs of a key row."""

    fragment: str
    storage: str
    public_key_multibase: str


_CURRENT_KEY = (
    select(SigningKey)
    .where(SigningKey.retired_at.is_(None))
    .order_by(SigningKey.id.desc())
    .limit(1)
)


_KEYS = SigningKey.__table__
_CURRENT_KEY_ID = Prepared(
    select(_KEYS.c.id).where(_KEYS.c.retired_at.is_(None)).order_by(_KEYS.c.id.desc()).limit(1)
)


def current_key_id(session: Session) -> int:
    """The row id of :func:`current_key` (a Core query: no ORM object)."""
    found = _CURRENT_KEY_ID.all(session, {})
    key_id = found[0][0] if found else None
    if key_id is None:  # pragma: no cover - the keys service creates key-1 on first open
        raise RecordNotFoundError("the authority has no signing key", code="NO_SIGNING_KEY")
    return int(key_id)


def current_key(session: Session) -> SigningKey:
    """The newest key that is not retired: the one new signatures use."""
    key = session.execute(_CURRENT_KEY).scalar_one_or_none()
    if key is None:  # pragma: no cover - the keys service creates key-1 on first open
        raise RecordNotFoundError("the authority has no signing key", code="NO_SIGNING_KEY")
    return key


def all_keys(session: Session) -> list[SigningKey]:
    """Every key the authority ever had, oldest first."""
    return list(session.execute(select(SigningKey).order_by(SigningKey.id)).scalars())


def key_facts(session: Session, key_id: int) -> KeyFacts:
    """The fragment, storage and public key of a key row."""
    row = session.get_one(SigningKey, key_id)
    return KeyFacts(row.fragment, row.storage, row.public_key_multibase)


def fragments(session: Session) -> set[str]:
    """Every key fragment in use (``key-1``...)."""
    return set(session.execute(select(SigningKey.fragment)).scalars())


def forget_publications(session: Session, key_id: int) -> None:
    """Delete the stored status lists the key signed (they are signed afresh when next asked)."""
    session.execute(delete(StatusPublication).where(StatusPublication.signing_key_id == key_id))


def vins_of_current_marks(session: Session, key_id: int) -> list[str]:
    """The VINs whose current, issued mark the key signed."""
    rows = session.execute(
        select(Vehicle.vin)
        .join(Mark, Mark.vehicle_id == Vehicle.id)
        .where(Mark.signing_key_id == key_id, Mark.is_current.is_(True), Mark.state == "issued")
        .order_by(Vehicle.vin)
    )
    return list(rows.scalars())


def retire_current(session: Session, now: datetime) -> None:
    """Retire every key that is not retired yet."""
    for key in session.execute(select(SigningKey).where(SigningKey.retired_at.is_(None))).scalars():
        key.retired_at = now


def insert_key(
    session: Session,
    *,
    fragment: str,
    key_type: str,
    public_key_multibase: str,
    storage: str,
    now: datetime,
) -> SigningKey:
    """Store a new key row (flushed: its id is known)."""
    row = SigningKey(
        fragment=fragment,
        key_type=key_type,
        public_key_multibase=public_key_multibase,
        storage=storage,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def latest_registry_version(session: Session) -> RegistryVersion | None:
    """The newest published version of the registry entry."""
    return session.execute(
        select(RegistryVersion).order_by(RegistryVersion.version.desc()).limit(1)
    ).scalar_one_or_none()


def registry_versions(session: Session) -> list[str]:
    """The JSON text of every published version, oldest first."""
    rows = session.execute(select(RegistryVersion).order_by(RegistryVersion.version)).scalars()
    return [r.entry_json for r in rows]


def add_registry_version(
    session: Session, *, version: int, entry_id: int, entry_json: str, now: datetime
) -> None:
    """Store a new version of the registry entry."""
    session.add(
        RegistryVersion(version=version, entry_id=entry_id, entry_json=entry_json, created_at=now)
    )
