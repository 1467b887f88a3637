"""The issuer's domain vocabulary: who acts, the events, and the typed results of the engine.

Inputs (:class:`VehicleRegistration`, :class:`VehicleChange`, :class:`InspectionReport`) validate
themselves on construction: the plate, plate type, vehicle type and VIN with the rules of the mark
(:class:`~vic.contexts.errors.MarkShapeError` codes), the policy facts with the policy's rules
(:class:`~vic.contexts.errors.UsageError`). Results are frozen dataclasses; marks are returned with
their signed credential exactly as stored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from vic.contexts.errors import UsageError
from vic.issuer.policy import UseCategory, VehicleFacts, YearMonth
from vic.vc.mark import InspectionBasis, VehicleSubject
from vic.vc.status import StatusPurpose

__all__ = [
    "MARK_NUMBER_DIGITS",
    "Actor",
    "Delivery",
    "FilingInfo",
    "InspectionOutcome",
    "InspectionReport",
    "IssuanceReason",
    "IssuedCredential",
    "IssuedMark",
    "KeyInfo",
    "MarkStatus",
    "PaperOrderInfo",
    "PaperReason",
    "PublishedStatusList",
    "RevocationReason",
    "Role",
    "StationInfo",
    "StatusSpace",
    "VehicleChange",
    "VehicleInfo",
    "VehicleRegistration",
    "format_mark_number",
    "parse_mark_number",
]

MARK_NUMBER_DIGITS: Final = 10
"""Mark numbers are terse status indexes (0..2^32-1), shown as 10 zero-padded digits."""

_MARK_NUMBER: Final = re.compile(r"[0-9]{1,10}")
_TEXT_ID: Final = re.compile(r"[^\s\x00-\x1f\x7f]{1,128}")
_DIGITS: Final = re.compile(r"[0-9]+")


def format_mark_number(number: int) -> str:
    """A mark number as printed and used in URLs: ``0012345678``."""
    return f"{number:0{MARK_NUMBER_DIGITS}d}"


def parse_mark_number(text: str) -> int:
    """The mark number of its printed form (leading zeros optional).

    :raises UsageError: not 1-10 decimal digits, or above 2^32-1.
    """
    if not isinstance(text, str) or not _MARK_NUMBER.fullmatch(text):
        raise UsageError(f"a mark number is 1-10 decimal digits, not {text!r}")
    number = int(text)
    if number >= 2**32:
        raise UsageError(f"mark number {text} is above 2^32-1")
    return number


def _check_text_id(value: object, name: str) -> None:
    """Ids (owner accounts, actors, stations, report numbers) are visible text that no
    spreadsheet reads as a formula: no spaces, control, format (U+200B, U+202E...), private-use
    or unassigned characters; no leading ``=`` or ``@``; a leading ``+`` or ``-`` only before
    digits (``+8613800000000``).
    """
    if not isinstance(value, str) or not _TEXT_ID.fullmatch(value):
        raise UsageError(f"{name} must be 1-128 printable characters without spaces: {value!r}")
    hidden = next((c for c in value if unicodedata.category(c)[0] in "CZ"), None)
    if hidden is not None:
        raise UsageError(
            f"{name} must not hold invisible characters (U+{ord(hidden):04X}): {value!r}"
        )
    if value[0] in "=@" or (value[0] in "+-" and not _DIGITS.fullmatch(value[1:])):
        raise UsageError(f"{name} must not read as a spreadsheet formula: {value!r}")


class Role(StrEnum):
    """What an actor is, for the audit log and the engine's few role checks."""

    ADMIN = "admin"
    """The authority's staff: everything."""
    OFFICE = "office"
    """A registration office: registrations, transfers, changes, cancellations."""
    STATION = "station"
    """An inspection station: reports inspections (its own, when the actor names a station)."""
    OWNER = "owner"
    """A vehicle owner (``account`` is their account id): applications, downloads, orders."""
    SYSTEM = "system"
    """The issuer itself, the command line, the batch importer."""


@dataclass(frozen=True)
class Actor:
    """Who performs an action: written to the audit log with every write.

    :param id: the token id (or user, or process) that acts.
    :param account: for owners, their account id.
    :param station: for station tokens, the station code they report for.
    :raises UsageError: an empty or malformed id.
    """

    id: str
    role: Role
    account: str | None = None
    station: str | None = None

    def __post_init__(self) -> None:
        _check_text_id(self.id, "actor id")
        object.__setattr__(self, "role", Role(self.role))
        if self.account is not None:
            _check_text_id(self.account, "account")
        if self.station is not None:
            _check_text_id(self.station, "station")


class IssuanceReason(StrEnum):
    """Why a mark was issued (kept by the issuer, never in the mark)."""

    REGISTRATION = "registration"
    TRANSFER = "transfer"
    CHANGE = "change"
    INSPECTION = "inspection"
    EXEMPTION = "exemption"
    REISSUE = "reissue"
    """Re-issued by the authority with the same validity (e.g. after a key compromise)."""


class RevocationReason(StrEnum):
    """Why a mark is revoked: what a verifier online can ask the issuer."""

    SUPERSEDED = "superseded"
    """A newer mark was issued for the vehicle."""
    CANCELLED = "cancelled"
    """The vehicle's registration was cancelled."""


class StatusSpace(StrEnum):
    """The issuer's two status index spaces."""

    MARK = "mark"
    """Marks: terse entries, lists of 2^26 at ``{status_base}/{purpose}/{n}``, at most 64."""
    VCAPI = "vcapi"
    """Generic VC-API credentials: lists of 131,072 at ``{status_base}/vcapi/{purpose}/{n}``."""


class Delivery(StrEnum):
    """How a paper mark reaches the owner."""

    MAIL = "mail"
    PICKUP = "pickup"


class PaperReason(StrEnum):
    """Why a paper copy is ordered."""

    LOST = "lost"
    DAMAGED = "damaged"


# --- inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleRegistration:
    """A vehicle as a registration office registers it (the owner is an account id).

    :param valid_until: for importing a vehicle registered earlier whose current validity is
        known: the month the first mark issued here is valid until. Normally None: the policy
        computes it from the first registration.
    :raises MarkShapeError: a bad plate, plate type, vehicle type or VIN.
    :raises UsageError: facts the policy refuses (seats, van on a truck...), a bad owner id.
    """

    vin: str
    plate: str
    plate_type_code: str
    vehicle_type_code: str
    use_category: UseCategory
    seats: int
    first_registration: date
    owner: str
    is_van: bool = False
    casualty_accident: bool = False
    casualty_accident_date: date | None = None
    valid_until: YearMonth | None = None

    def __post_init__(self) -> None:
        subject = self.subject(InspectionBasis.ON_SITE)
        object.__setattr__(self, "vin", subject.vin)
        object.__setattr__(self, "plate", subject.registration_number)
        object.__setattr__(self, "use_category", UseCategory(self.use_category))
        self.facts()
        _check_text_id(self.owner, "owner")
        if self.valid_until is not None and not (
            isinstance(self.valid_until, tuple)
            and len(self.valid_until) == 2
            and all(isinstance(v, int) for v in self.valid_until)
            and 1 <= self.valid_until[1] <= 12
        ):
            raise UsageError(f"valid_until must be a (year, month) tuple: {self.valid_until!r}")

    def subject(self, basis: InspectionBasis) -> VehicleSubject:
        """The mark subject of this vehicle."""
        return VehicleSubject(
            registration_number=self.plate,
            plate_type_code=self.plate_type_code,
            vehicle_type_code=self.vehicle_type_code,
            vin=self.vin,
            inspection_basis=basis,
        )

    def facts(self) -> VehicleFacts:
        """What the inspection policy needs."""
        return VehicleFacts.of(self)


@dataclass(frozen=True)
class VehicleChange:
    """A change of registration (变更登记): the fields given replace the vehicle's.

    A change always issues a new mark with the current validity (docs/policy.md).
    """

    plate: str | None = None
    plate_type_code: str | None = None
    vehicle_type_code: str | None = None
    use_category: UseCategory | None = None
    seats: int | None = None
    is_van: bool | None = None

    def __post_init__(self) -> None:
        if all(getattr(self, name) is None for name in self.__dataclass_fields__):
            raise UsageError("a change must change something")


@dataclass(frozen=True)
class InspectionReport:
    """A station's report of an on-site inspection; (station, report number) identifies it."""

    station: str
    report_number: str
    vin: str
    inspected_on: date
    passed: bool

    def __post_init__(self) -> None:
        _check_text_id(self.station, "station")
        _check_text_id(self.report_number, "report number")
        if not isinstance(self.passed, bool):
            raise UsageError("passed must be a bool")
        if isinstance(self.inspected_on, datetime) or not isinstance(self.inspected_on, date):
            raise UsageError("inspected_on must be a date")


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedMark:
    """A mark as the engine hands it out.

    ``issued_now`` is False when the call returned an existing mark (a re-download, a repeated
    event); ``current`` is False when a newer mark superseded it (or the vehicle was cancelled)
    before the call returned.
    """

    number: int
    credential: dict[str, Any] = field(repr=False)
    vin: str
    reason: IssuanceReason
    basis: InspectionBasis
    valid_from: datetime
    valid_until: datetime
    method_id: str
    issued_at: datetime
    issued_now: bool
    current: bool
    revocation_reason: RevocationReason | None = None

    @property
    def number_text(self) -> str:
        """The printed mark number (10 digits)."""
        return format_mark_number(self.number)


@dataclass(frozen=True)
class InspectionOutcome:
    """What a reported inspection led to: a new mark when passed, nothing when failed."""

    station: str
    report_number: str
    vin: str
    passed: bool
    mark: IssuedMark | None
    recorded_now: bool


@dataclass(frozen=True)
class MarkStatus:
    """What the issuer knows about a mark's status, e.g. why it is revoked."""

    number: int
    vin: str
    state: str
    """``issued`` or ``pending`` (allocated, not yet signed)."""
    current: bool
    revoked: bool
    revocation_reason: RevocationReason | None
    revoked_at: datetime | None
    superseded_by: int | None
    suspended: bool
    reason: IssuanceReason
    valid_until: datetime


@dataclass(frozen=True)
class VehicleInfo:
    """A vehicle as the issuer records it (the owner is an account id)."""

    vin: str
    plate: str
    plate_type_code: str
    vehicle_type_code: str
    use_category: UseCategory
    seats: int
    first_registration: date
    is_van: bool
    casualty_accident: bool
    owner: str
    cancelled: bool
    current_mark: int | None
    via_filing: bool = False


@dataclass(frozen=True)
class StationInfo:
    """An inspection station."""

    code: str
    name: str
    active: bool


@dataclass(frozen=True)
class FilingInfo:
    """A filing: ``owner`` may see the vehicle ``vin``."""

    vin: str
    owner: str
    created_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class PaperOrderInfo:
    """A paper order, with the (unchanged) current mark it prints."""

    order_id: int
    reason: PaperReason
    delivery: Delivery
    mark: IssuedMark


@dataclass(frozen=True)
class KeyInfo:
    """A key of the authority's DID document."""

    method_id: str
    fragment: str
    key_type: str
    public_key_multibase: str
    created_at: datetime
    retired_at: datetime | None
    external: bool
    compromised: bool = False
    """Declared compromised: removed from the DID document, its current marks re-issued."""


@dataclass(frozen=True)
class IssuedCredential:
    """A credential issued through the generic VC-API."""

    credential_id: str
    credential: dict[str, Any] = field(repr=False)
    status_list_index: int | None
    status_position: int | None
    purposes: tuple[StatusPurpose, ...]


@dataclass(frozen=True)
class PublishedStatusList:
    """A signed BitstringStatusListCredential ready to serve.

    ``body`` is the exact bytes to send (``application/vc+ld+json`` or ``application/json``),
    ``etag`` a strong ETag (quoted hash of ``body``), ``max_age`` the Cache-Control max-age in
    seconds (the list's ``ttl``).
    """

    url: str
    credential: dict[str, Any] = field(repr=False)
    body: bytes = field(repr=False)
    etag: str
    max_age: int
    valid_until: datetime
    version: int

    @property
    def cache_control(self) -> str:
        """The Cache-Control header value."""
        return f"public, max-age={self.max_age}"
