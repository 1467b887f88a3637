"""What was verified, for people: the mark's vehicle, validity month and issuer, typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from vic.vc.dates import _TWO_DIGITS, format_datetime
from vic.vc.frozen import frozen
from vic.vc.mark import CHINA_STANDARD_TIME, VehicleSubject
from vic.vc.plate import PLATE_TYPES, VEHICLE_TYPES

__all__ = ["LocalizedCode", "MarkSummary", "summarize_mark"]


@dataclass(frozen=True)
class LocalizedCode:
    """A code and its names in Chinese (zh-CN) and English."""

    code: str
    zh: str
    en: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready view."""
        return {"code": self.code, "zh-CN": self.zh, "en": self.en}


@dataclass(frozen=True)
class MarkSummary:
    """The facts a person compares with the car in front of them."""

    plate: str
    plate_type: LocalizedCode
    vehicle_type: LocalizedCode
    vin: str
    inspection_basis: str
    valid_until: datetime
    valid_until_month: str
    """``YYYY-MM``: the month the mark runs to, in China Standard Time (as printed on it)."""
    issuer: str
    issuer_name: Mapping[str, str] = field(default_factory=dict)
    """The trust list's display names of the issuer (``zh-CN``, ``en``); empty if untrusted."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (``summary`` in ``vic verify --json``)."""
        return {
            "plate": self.plate,
            "plateType": self.plate_type.to_dict(),
            "vehicleType": self.vehicle_type.to_dict(),
            "vin": self.vin,
            "inspectionBasis": self.inspection_basis,
            "validUntil": format_datetime(self.valid_until),
            "validUntilMonth": self.valid_until_month,
            "issuer": self.issuer,
            "issuerName": dict(self.issuer_name),
        }


_EIGHT_HOURS: Final = timedelta(hours=8)
"""CHINA_STANDARD_TIME's offset (tests/verifier/test_after_proof_fast.py)."""

# the display names of every plate and vehicle type code, made once (constants of vc.plate)
_PLATE_TYPES: Final = {
    code: LocalizedCode(code=row.code, zh=row.name_zh, en=row.name_en)
    for code, row in PLATE_TYPES.items()
}
_VEHICLE_TYPES: Final = {
    code: LocalizedCode(code=row.code, zh=row.name_zh, en=row.name_en)
    for code, row in VEHICLE_TYPES.items()
}


def summarize_mark(
    subject: VehicleSubject,
    *,
    issuer: str,
    valid_until: datetime,
    issuer_name: Mapping[str, str] | None = None,
) -> MarkSummary:
    """The summary of a mark whose subject passed the shape check."""
    # what subject.plate_type and subject.vehicle_type return for a subject (always a valid one:
    # VehicleSubject checks its codes on construction), without checking the plate again
    # (immutable objects shared by every summary of that code: equal to freshly made ones)
    if valid_until.tzinfo is UTC:  # China Standard Time is UTC+8 all year: the same fields
        local = valid_until + _EIGHT_HOURS
    else:
        local = valid_until.astimezone(CHINA_STANDARD_TIME)
    year = local.year
    if year >= 1000:
        month = f"{year}-{_TWO_DIGITS[local.month]}"
    else:
        month = f"{year:04d}-{local.month:02d}"
    return frozen(
        MarkSummary,
        plate=subject.registration_number,
        plate_type=_PLATE_TYPES[subject.plate_type_code],
        vehicle_type=_VEHICLE_TYPES[subject.vehicle_type_code],
        vin=subject.vin,
        inspection_basis=subject.inspection_basis._value_,  # .value: a slow descriptor
        valid_until=valid_until,
        valid_until_month=month,
        issuer=issuer,
        issuer_name=dict(issuer_name or {}),
    )
