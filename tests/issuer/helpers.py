"""Shared helpers of the issuer tests: a clock, vehicles, actors, opening issuers, checks."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from vic.did.resolver import DidResolver
from vic.issuer.config import IssuerConfig
from vic.issuer.domain import Actor, Role, VehicleRegistration
from vic.issuer.engine import Issuer
from vic.issuer.policy import UseCategory
from vic.vc.proofs import verify_proofs
from vic.vc.status import (
    TERSE_LIST_LENGTH,
    StatusList,
    expand_terse_entry,
    parse_status_list_credential,
)
from vic.vc.vin import vin_check_digit

POSTGRES_ENV = "VIC_TEST_POSTGRES_URL"
BASE_URL = "https://demo.vic.example"
DID = "did:web:demo.vic.example"
START = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)

OFFICE = Actor("office-token-1", Role.OFFICE)
ADMIN = Actor("admin-token-1", Role.ADMIN)
SYSTEM = Actor("importer", Role.SYSTEM)
STATION = Actor("station-token-1", Role.STATION, station="420100-01")
STATION_CODE = "420100-01"


class Clock:
    """A settable clock (aware UTC)."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_vin(number: int) -> str:
    """A valid VIN (check digit right) for a serial number."""
    raw = f"LSVAU2A30N{number:07d}"
    return raw[:8] + vin_check_digit(raw) + raw[9:]


def plate(number: int, prefix: str = "鄂A") -> str:
    """A valid small-car plate (type 02) for a serial number."""
    return f"{prefix}{number:05d}"


def registration(
    number: int,
    *,
    owner: str | None = None,
    first_registration: date = date(2026, 11, 20),
    category: UseCategory = UseCategory.SMALL_NON_OPERATING_PASSENGER,
    seats: int = 5,
    is_van: bool = False,
    casualty_accident: bool = False,
    vehicle_type_code: str = "K33",
    valid_until: tuple[int, int] | None = None,
) -> VehicleRegistration:
    """The registration of sample vehicle ``number``."""
    return VehicleRegistration(
        vin=make_vin(number),
        plate=plate(number),
        plate_type_code="02",
        vehicle_type_code=vehicle_type_code,
        use_category=category,
        seats=seats,
        first_registration=first_registration,
        owner=owner or f"acct-{number}",
        is_van=is_van,
        casualty_accident=casualty_accident,
        valid_until=valid_until,
    )


def owner_actor(account: str) -> Actor:
    """An owner acting for themselves."""
    return Actor(f"owner-token-{account}", Role.OWNER, account=account)


@dataclass(frozen=True)
class Backend:
    """Where a test's database lives."""

    name: str
    url: str | None
    schema: str | None


@contextmanager
def backend(name: str) -> Iterator[Backend]:
    """A fresh database: SQLite in the data directory, or a PostgreSQL schema of its own."""
    if name == "sqlite":
        yield Backend("sqlite", None, None)
        return
    url = os.environ[POSTGRES_ENV]
    schema = f"vic_test_{uuid.uuid4().hex[:16]}"
    try:
        yield Backend("postgres", url, schema)
    finally:
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def config(data_dir: Path, where: Backend, clock: Clock, **options: Any) -> IssuerConfig:
    """An issuer configuration for tests."""
    return IssuerConfig(
        data_dir=data_dir,
        public_base_url=BASE_URL,
        database_url=where.url,
        database_schema=where.schema,
        clock=clock,
        **options,
    )


def resolver(issuer: Issuer) -> DidResolver:
    """A resolver that pins the issuer's current DID document."""
    return DidResolver({issuer.did: issuer.did_document()})


def assert_verifies(issuer: Issuer, document: dict[str, Any], clock: Clock) -> None:
    """The document's proof verifies against the issuer's DID document."""
    result = verify_proofs(document, resolver=resolver(issuer), clock=clock)
    assert result.verified, result.errors


def published_bits(issuer: Issuer, mark: dict[str, Any], clock: Clock) -> dict[str, bool]:
    """The mark's revocation and suspension bits as published (lists verified first)."""
    bits: dict[str, bool] = {}
    for entry in expand_terse_entry(mark["credentialStatus"]):
        list_index = int(entry.list_credential.rsplit("/", 1)[1])
        published = issuer.status_list(entry.purpose, list_index)
        assert published.url == entry.list_credential
        assert_verifies(issuer, published.credential, clock)
        status_list = parse_list(published.credential)
        bits[entry.purpose.value] = status_list.bitstring.get(entry.index)
    return bits


def parse_list(credential: dict[str, Any], length: int = TERSE_LIST_LENGTH) -> StatusList:
    """A published status list, decoded (a mark list has 2^26 entries)."""
    return parse_status_list_credential(credential, minimum=length, max_bytes=length // 8)


def assert_consistent(issuer: Issuer, clock: Clock) -> int:
    """Check the invariants of the issued marks; return how many marks are still pending.

    Every status index is used once and is the mark's number; every vehicle with an issued mark
    has exactly one current mark, its newest; every other issued mark is revoked (superseded),
    in the database and in the published, verified revocation list.
    """
    from sqlalchemy import select

    from vic.issuer.db.models import Mark, StatusEntry

    with issuer.database.read() as session:
        rows = session.execute(
            select(
                Mark.id,
                Mark.vehicle_id,
                Mark.number,
                Mark.state,
                Mark.is_current,
                Mark.revocation_reason,
                Mark.superseded_by_id,
                StatusEntry.revoked,
                StatusEntry.list_index,
                StatusEntry.position,
            ).join(StatusEntry, StatusEntry.id == Mark.status_entry_id)
        ).all()
    numbers = [row.number for row in rows]
    assert len(numbers) == len(set(numbers))
    assert len({(r.list_index, r.position) for r in rows}) == len(rows)
    assert all(r.number == r.list_index * TERSE_LIST_LENGTH + r.position for r in rows)
    issued = [r for r in rows if r.state == "issued"]
    by_vehicle: dict[int, list[Any]] = {}
    for row in issued:
        by_vehicle.setdefault(row.vehicle_id, []).append(row)
    for marks in by_vehicle.values():
        current = [r for r in marks if r.is_current]
        assert len(current) == 1
        assert current[0].id == max(r.id for r in marks)
        assert not current[0].revoked
        for row in marks:
            if not row.is_current:
                assert row.revoked
                assert row.revocation_reason == "superseded"
                assert row.superseded_by_id is not None
    from vic.vc.status import StatusPurpose

    for list_index in sorted({r.list_index for r in issued}):
        published = issuer.status_list(StatusPurpose.REVOCATION, list_index)
        assert_verifies(issuer, published.credential, clock)
        bits = parse_list(published.credential).bitstring
        for row in issued:
            if row.list_index == list_index:
                assert bits.get(row.position) is (not row.is_current), row
    return sum(1 for r in rows if r.state == "pending")
