"""The issuer's tables as typed SQLAlchemy 2 models (docs/storage.md has the schema and why).

These classes describe the schema for the ORM; the schema itself is created and changed only by
the Alembic migrations in ``issuer/migrations`` (never ``create_all``). A test checks that the
migrations produce exactly these tables, columns, indexes and constraints.

Times are stored as naive UTC (:class:`UTCDateTime` converts), so SQLite and PostgreSQL hold the
same values; dates (registration, inspection day) are calendar days in China Standard Time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "Credential",
    "ExemptionApplication",
    "Filing",
    "Inspection",
    "Mark",
    "Oid4vciNonce",
    "Oid4vciOffer",
    "Owner",
    "OwnerLink",
    "PaperOrder",
    "RegistryVersion",
    "SigningKey",
    "Station",
    "StatusEntry",
    "StatusList",
    "StatusPublication",
    "UTCDateTime",
    "Vehicle",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names are fixed, so migrations can name them on both databases."""


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC; read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("the issuer stores aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):  # pragma: no cover - drivers return datetimes
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """The declarative base of the issuer's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SigningKey(Base):
    """A key of the authority: ``#key-N`` in its DID document. Never deleted."""

    __tablename__ = "signing_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fragment: Mapped[str] = mapped_column(String(64), unique=True)
    key_type: Mapped[str] = mapped_column(String(16))
    public_key_multibase: Mapped[str] = mapped_column(String(128), unique=True)
    storage: Mapped[str] = mapped_column(String(16))
    """``file`` (a key file in the data directory) or ``external`` (an HSM or KMS signer)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RegistryVersion(Base):
    """One published version of the authority's CBOR-LD registry entry (append-only)."""

    __tablename__ = "registry_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(BigInteger)
    entry_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Owner(Base):
    """An owner: an opaque account id of the authority's account system, nothing personal."""

    __tablename__ = "owner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Station(Base):
    """An inspection station that may report inspections."""

    __tablename__ = "station"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Vehicle(Base):
    """A registered vehicle: what the mark shows and what the inspection policy needs."""

    __tablename__ = "vehicle"
    __table_args__ = (
        Index(
            "uq_vehicle_active_plate",
            "plate",
            "plate_type_code",
            unique=True,
            sqlite_where=text("cancelled_at IS NULL"),
            postgresql_where=text("cancelled_at IS NULL"),
        ),
        Index("ix_vehicle_owner_id", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vin: Mapped[str] = mapped_column(String(17), unique=True)
    plate: Mapped[str] = mapped_column(String(16))
    plate_type_code: Mapped[str] = mapped_column(String(2))
    vehicle_type_code: Mapped[str] = mapped_column(String(3))
    use_category: Mapped[str] = mapped_column(String(48))
    seats: Mapped[int] = mapped_column(Integer)
    first_registration: Mapped[date] = mapped_column(Date)
    is_van: Mapped[bool] = mapped_column(Boolean)
    casualty_accident: Mapped[bool] = mapped_column(Boolean)
    casualty_accident_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Filing(Base):
    """A filing (备案): lets an owner see and download the mark of a vehicle not in their name."""

    __tablename__ = "filing"
    __table_args__ = (
        Index(
            "uq_filing_active",
            "vehicle_id",
            "owner_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_filing_owner_id", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Inspection(Base):
    """An inspection reported by a station; (station, report number) is its idempotency key."""

    __tablename__ = "inspection"
    __table_args__ = (
        UniqueConstraint("station_id", "report_number"),
        Index("ix_inspection_vehicle_id", "vehicle_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    report_number: Mapped[str] = mapped_column(String(64))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    inspected_on: Mapped[date] = mapped_column(Date)
    passed: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExemptionApplication(Base):
    """An owner's application for a mark without on-site inspection, granted or refused."""

    __tablename__ = "exemption_application"
    __table_args__ = (Index("ix_exemption_application_vehicle_id", "vehicle_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"))
    applied_on: Mapped[date] = mapped_column(Date)
    due_month: Mapped[str | None] = mapped_column(String(7), nullable=True)
    allowed: Mapped[bool] = mapped_column(Boolean)
    code: Mapped[str] = mapped_column(String(48))
    regime: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatusList(Base):
    """One status list of an index space: its capacity, allocation counter and bit versions.

    ``allocated`` counts the indexes handed out; the n-th allocation gets the position
    ``permute(n)`` under the list's ``permutation_key`` (a keyed bijection), so positions are
    never handed out twice and look random. ``revocation_version`` and ``suspension_version``
    go up whenever a bit of that purpose changes (the published list's cache key).
    """

    __tablename__ = "status_list"
    __table_args__ = (UniqueConstraint("space", "list_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space: Mapped[str] = mapped_column(String(16))
    list_index: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(BigInteger)
    allocated: Mapped[int] = mapped_column(BigInteger)
    permutation_key: Mapped[str] = mapped_column(String(64))
    revocation_version: Mapped[int] = mapped_column(Integer)
    suspension_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatusEntry(Base):
    """One allocated status index, with its revocation and suspension bits."""

    __tablename__ = "status_entry"
    __table_args__ = (
        UniqueConstraint("space", "list_index", "position"),
        Index(
            "ix_status_entry_revoked",
            "space",
            "list_index",
            "position",
            sqlite_where=text("revoked = 1"),
            postgresql_where=text("revoked"),
        ),
        Index(
            "ix_status_entry_suspended",
            "space",
            "list_index",
            "position",
            sqlite_where=text("suspended = 1"),
            postgresql_where=text("suspended"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space: Mapped[str] = mapped_column(String(16))
    list_index: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(BigInteger)
    revoked: Mapped[bool] = mapped_column(Boolean)
    suspended: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Mark(Base):
    """An inspection mark: pending (allocated, not yet signed) or issued.

    ``number`` is the terse status index (unique, never reused). ``event_key`` makes issuance
    idempotent: one mark per event. At most one mark per vehicle is current (a partial unique
    index); a mark that is no longer current says why (``revocation_reason``).
    """

    __tablename__ = "mark"
    __table_args__ = (
        Index(
            "uq_mark_current_vehicle",
            "vehicle_id",
            unique=True,
            sqlite_where=text("is_current = 1"),
            postgresql_where=text("is_current"),
        ),
        Index(
            "ix_mark_pending",
            "id",
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        Index("ix_mark_vehicle_id", "vehicle_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, unique=True)
    credential_id: Mapped[str] = mapped_column(String(64), unique=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    status_entry_id: Mapped[int] = mapped_column(ForeignKey("status_entry.id"), unique=True)
    event_key: Mapped[str] = mapped_column(String(200), unique=True)
    reason: Mapped[str] = mapped_column(String(24))
    basis: Mapped[str] = mapped_column(String(16))
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), nullable=True)
    exemption_id: Mapped[int | None] = mapped_column(
        ForeignKey("exemption_application.id"), nullable=True
    )
    state: Mapped[str] = mapped_column(String(12))
    is_current: Mapped[bool] = mapped_column(Boolean)
    unsigned: Mapped[str] = mapped_column(Text)
    credential: Mapped[str | None] = mapped_column(Text, nullable=True)
    signing_key_id: Mapped[int | None] = mapped_column(ForeignKey("signing_key.id"), nullable=True)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revocation_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("mark.id"), nullable=True)
    actor_id: Mapped[str] = mapped_column(String(128))


class Credential(Base):
    """A credential issued through the generic VC-API (not a mark)."""

    __tablename__ = "credential"
    __table_args__ = (
        Index(
            "ix_credential_pending",
            "id",
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(2048), unique=True)
    status_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_entry.id"), unique=True, nullable=True
    )
    purposes: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12))
    unsigned: Mapped[str] = mapped_column(Text)
    credential: Mapped[str | None] = mapped_column(Text, nullable=True)
    signing_key_id: Mapped[int | None] = mapped_column(ForeignKey("signing_key.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    actor_id: Mapped[str] = mapped_column(String(128))


class PaperOrder(Base):
    """An order for a paper copy of the current mark (lost or damaged): no new mark."""

    __tablename__ = "paper_order"
    __table_args__ = (Index("ix_paper_order_vehicle_id", "vehicle_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("mark.id"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"))
    reason: Mapped[str] = mapped_column(String(16))
    delivery: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatusPublication(Base):
    """The last signed form of a status list, reused until a bit changes or it nears expiry."""

    __tablename__ = "status_publication"
    __table_args__ = (UniqueConstraint("space", "purpose", "list_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(16))
    list_index: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    signing_key_id: Mapped[int] = mapped_column(ForeignKey("signing_key.id"))
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    etag: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """Who did what, when: one row per write, in the write's own transaction."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_target", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[str] = mapped_column(String(128))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[str] = mapped_column(String(256))
    detail: Mapped[str] = mapped_column(Text)


class ApiToken(Base):
    """A bearer token of the HTTP service (:mod:`vic.issuer.tokens`): only its SHA-256 is stored.

    ``token_id`` is the public part of the token (it names the token in the audit log and in
    revocations); ``subject`` binds a station token to its station code and an owner token to
    the owner's account id. Never deleted: a revoked token keeps its row (and its audit trail).
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_id: Mapped[str] = mapped_column(String(32), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(String(128), nullable=True)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Oid4vciOffer(Base):
    """An OpenID4VCI credential offer with its pre-authorized code (:mod:`vic.issuer.oid4vci`).

    Only digests of its secrets are stored: the offer's reference (the last part of its
    ``credential_offer_uri``, from which the pre-authorized code derives), the pre-authorized
    code, the transaction code (``tx_code``, hashed with the code it belongs to) and the access
    token the code was exchanged for. The code is single-use (``redeemed_at``) and short-lived
    (``expires_at``); wrong transaction codes are counted, and the offer is dead at the cap.
    """

    __tablename__ = "oid4vci_offer"
    __table_args__ = (Index("ix_oid4vci_offer_vehicle_id", "vehicle_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference_digest: Mapped[str] = mapped_column(String(64), unique=True)
    """The digest of the offer's reference (the secret last part of its ``credential_offer_uri``,
    from which the pre-authorized code derives)."""
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    configuration_id: Mapped[str] = mapped_column(String(64))
    tx_code_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tx_code_failures: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    access_digest: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    access_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Oid4vciNonce(Base):
    """A ``c_nonce`` of the nonce endpoint: single-use (``used_at``), short-lived; its digest."""

    __tablename__ = "oid4vci_nonce"
    __table_args__ = (Index("ix_oid4vci_nonce_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OwnerLink(Base):
    """A one-time sign-in link for the owner page (:mod:`vic.issuer.services.owner_links`): an
    office hands it to an owner; redeemed once, it becomes a short-lived owner token. Only its
    digest is stored."""

    __tablename__ = "owner_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
