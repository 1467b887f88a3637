"""The mark's values: its fixed contexts and types, the subject and terse status, the error codes
and the month-end dates.

:class:`VehicleSubject` and :class:`TerseStatus` validate on construction; :class:`MarkErrorCode`
holds the stable codes of :class:`~vic.contexts.errors.MarkShapeError`;
:func:`valid_until_for_month` gives a mark's ``validUntil``. The public names are re-exported by
:mod:`vic.vc.mark`, the documented import path (docs/mark.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any, Final, NoReturn

from vic.contexts.errors import MarkShapeError, StatusIndexRangeError, UsageError
from vic.vc.jsonio import is_int
from vic.vc.plate import (
    PlateType,
    VehicleType,
    check_plate_type,
    validate_plate,
    validate_vehicle_type,
)
from vic.vc.vin import validate_vin

__all__ = [
    "CHINA_STANDARD_TIME",
    "MARK_CONTEXTS",
    "MARK_TYPES",
    "TERSE_INDEX_LIMIT",
    "InspectionBasis",
    "MarkErrorCode",
    "TerseStatus",
    "VehicleSubject",
    "valid_until_for_month",
]

CHINA_STANDARD_TIME: Final = timezone(timedelta(hours=8), "CST")
"""UTC+8, the zone in which a mark's month of validity is reckoned."""

MARK_CONTEXTS: Final = (
    "https://www.w3.org/ns/credentials/v2",
    "https://w3id.org/vc-barcodes/v1",
    "https://w3id.org/vehicle-inspection/v1",
)
"""The mark's ``@context``, exactly and in this order."""

MARK_TYPES: Final = ("VerifiableCredential", "VehicleInspectionCredential")
"""The mark's ``type``."""

SUBJECT_TYPE: Final = "Vehicle"
TERSE_STATUS_TYPE: Final = "TerseBitstringStatusListEntry"
TERSE_INDEX_LIMIT: Final = 2**32
"""terseStatusListIndex is a 32-bit unsigned integer (VC Barcodes: 64 lists of 2^26 entries)."""

_URL: Final = re.compile(r"https?://[^\s/?#]+[^\s]*")


class MarkErrorCode(StrEnum):
    """The stable codes of :class:`MarkShapeError` that the mark, plate and VIN checks raise."""

    INVALID_MARK = "INVALID_MARK"
    """The credential-level shape: contexts, types, top-level fields, issuer, id, dates, status."""
    INVALID_VALID_UNTIL = "INVALID_VALID_UNTIL"
    """validUntil is not the last second of a month in China Standard Time."""
    INVALID_SUBJECT = "INVALID_SUBJECT"
    """credentialSubject is not one object of type Vehicle."""
    MISSING_SUBJECT_FIELD = "MISSING_SUBJECT_FIELD"
    UNEXPECTED_SUBJECT_FIELD = "UNEXPECTED_SUBJECT_FIELD"
    INVALID_PLATE = "INVALID_PLATE"
    INVALID_PLATE_TYPE = "INVALID_PLATE_TYPE"
    PLATE_TYPE_MISMATCH = "PLATE_TYPE_MISMATCH"
    INVALID_VEHICLE_TYPE = "INVALID_VEHICLE_TYPE"
    INVALID_VIN = "INVALID_VIN"
    INVALID_VIN_CHECK_DIGIT = "INVALID_VIN_CHECK_DIGIT"
    INVALID_INSPECTION_BASIS = "INVALID_INSPECTION_BASIS"


class InspectionBasis(StrEnum):
    """Why the mark was issued."""

    ON_SITE = "OnSite"
    """A passed on-site inspection at a station (or the registration of a new vehicle)."""
    EXEMPT = "Exempt"
    """The vehicle is exempt from on-site inspection this period; the owner applied online."""


@dataclass(frozen=True)
class VehicleSubject:
    """The mark's ``credentialSubject``: the vehicle, as a verifier matches it.

    Construction validates and normalizes every field (see :func:`vic.vc.plate.validate_plate` and
    :func:`vic.vc.vin.validate_vin`; the VIN check digit is required), so an instance is always a
    valid subject.

    :raises MarkShapeError: with the code of the first field that is wrong.
    """

    registration_number: str
    plate_type_code: str
    vehicle_type_code: str
    vin: str
    inspection_basis: InspectionBasis

    def __post_init__(self) -> None:
        plate = validate_plate(self.registration_number)
        check_plate_type(plate, self.plate_type_code)
        validate_vehicle_type(self.vehicle_type_code)
        vin = validate_vin(self.vin, check_digit=True)
        try:
            basis = InspectionBasis(self.inspection_basis)
        except ValueError:
            raise MarkShapeError(
                f"inspectionBasis is one of OnSite, Exempt; not {self.inspection_basis!r}",
                code=MarkErrorCode.INVALID_INSPECTION_BASIS,
            ) from None
        object.__setattr__(self, "registration_number", plate)
        object.__setattr__(self, "vin", vin)
        object.__setattr__(self, "inspection_basis", basis)

    @property
    def plate_type(self) -> PlateType:
        """The GA 24.7 plate type (names for display)."""
        return check_plate_type(self.registration_number, self.plate_type_code)

    @property
    def vehicle_type(self) -> VehicleType:
        """The GA 24.4 vehicle type (names for display)."""
        return validate_vehicle_type(self.vehicle_type_code)

    def to_json(self) -> dict[str, Any]:
        """The JSON-LD ``credentialSubject`` object, in the mark's key order."""
        return {
            "type": SUBJECT_TYPE,
            "registrationNumber": self.registration_number,
            "plateTypeCode": self.plate_type_code,
            "vehicleTypeCode": self.vehicle_type_code,
            "vehicleIdentificationNumber": self.vin,
            "inspectionBasis": self.inspection_basis.value,
        }


@dataclass(frozen=True)
class TerseStatus:
    """The mark's VC Barcodes ``TerseBitstringStatusListEntry``.

    A verifier expands it to the revocation and suspension entries of list ``index // 2**26``
    under ``base_url`` (``{base_url}/{purpose}/{index // 2**26}``, bit ``index % 2**26``).

    :raises MarkShapeError: ``INVALID_MARK`` if ``base_url`` is not an http(s) URL without a
        trailing slash.
    :raises StatusIndexRangeError: ``index`` is not an integer in 0..2^32-1.
    """

    base_url: str
    index: int

    def __post_init__(self) -> None:
        _check_status_base_url(self.base_url)
        _check_status_index(self.index)

    def to_json(self) -> dict[str, Any]:
        """The JSON-LD ``credentialStatus`` object."""
        return {
            "type": TERSE_STATUS_TYPE,
            "terseStatusListBaseUrl": self.base_url,
            "terseStatusListIndex": self.index,
        }


def _check_status_base_url(base_url: object) -> None:
    if not isinstance(base_url, str) or not _URL.fullmatch(base_url) or base_url.endswith("/"):
        raise MarkShapeError(
            "terseStatusListBaseUrl is an http(s) URL without a trailing slash",
            code=MarkErrorCode.INVALID_MARK,
            value=base_url,
        )


def _check_status_index(index: object) -> None:
    if isinstance(index, bool) or not isinstance(index, int):
        raise MarkShapeError(
            "terseStatusListIndex is an integer", code=MarkErrorCode.INVALID_MARK, value=index
        )
    if not 0 <= index < TERSE_INDEX_LIMIT:
        raise StatusIndexRangeError(
            f"terseStatusListIndex {index} is outside 0..2^32-1", index=index
        )


# --- dates ---------------------------------------------------------------------------------------


def valid_until_for_month(year: int, month: int) -> datetime:
    """The last instant (whole second) of ``year``-``month`` in China Standard Time, in UTC.

    ``valid_until_for_month(2028, 11)`` is 2028-11-30T15:59:59Z: 23:59:59 on 30 November in
    Beijing.

    :raises UsageError: the month is not 1-12 or the year not 1-9999.
    """
    if not _is_int_in(year, 1, 9999):
        raise UsageError(f"year must be 1-9999, got {year!r}")
    if not _is_int_in(month, 1, 12):
        raise UsageError(f"month must be 1-12, got {month!r}")
    import calendar  # issuing only: not loaded with the verifier

    last_day = calendar.monthrange(year, month)[1]
    local = datetime(year, month, last_day, 23, 59, 59, tzinfo=CHINA_STANDARD_TIME)
    return local.astimezone(UTC)


def _is_int_in(value: object, low: int, high: int) -> bool:
    return is_int(value) and low <= value <= high


_DAYS_IN_MONTH: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_month_end(moment: datetime) -> bool:
    """Whether ``moment`` is :func:`valid_until_for_month` of its month in China Standard Time."""
    try:
        local = moment.astimezone(CHINA_STANDARD_TIME)
    except OverflowError:  # after 9999-12-31T16:00:00Z, past the last month end
        return False
    if local.second != 59 or local.minute != 59 or local.hour != 23 or local.microsecond:
        return False
    return local.day == days_in_month(local.year, local.month)


def days_in_month(year: int, month: int) -> int:
    """The days of ``month`` in ``year`` (Gregorian): ``calendar.monthrange(year, month)[1]``
    without its weekday."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month]


def _whole_seconds_utc(moment: object, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise UsageError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise UsageError(f"{name} is a naive datetime: pass an aware one (UTC or +08:00)")
    return moment.astimezone(UTC).replace(microsecond=0)


def _format(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _bad(message: str, code: MarkErrorCode = MarkErrorCode.INVALID_MARK, **detail: Any) -> NoReturn:
    raise MarkShapeError(message, code=code, **detail)
