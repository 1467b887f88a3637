"""What a person compares with the car in front of them: the mark's plate, type and month."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta, timezone
from typing import Any, Final

from vic.contexts.errors import VicError
from vic.vc.dates import parse_datetime
from vic.vc.mark import check_mark
from vic.vc.plate import validate_plate_type, validate_vehicle_type
from vic.verifier.result import CheckName, VerificationResult

__all__ = ["mark_summary"]

CHINA_TIME: Final = timezone(timedelta(hours=8), "CST")


def mark_summary(result: VerificationResult) -> dict[str, Any] | None:
    """The mark's facts for display, or None when the result holds no well-formed mark.

    ``validUntilMonth`` is the month printed on the mark (China Standard Time, ``YYYY-MM``);
    ``issuer.name`` comes from the trust list (empty when the issuer is not on it).
    """
    credential = result.credential
    mark_check = result.check(CheckName.MARK)
    if credential is None or mark_check is None or not mark_check.passed:
        return None
    try:
        subject = check_mark(credential)
        plate_type = validate_plate_type(subject.plate_type_code)
        vehicle_type = validate_vehicle_type(subject.vehicle_type_code)
    except VicError:
        return None
    out: dict[str, Any] = {
        "plate": subject.registration_number,
        "plateType": _named(plate_type.code, plate_type.name_zh, plate_type.name_en),
        "vehicleType": _named(vehicle_type.code, vehicle_type.name_zh, vehicle_type.name_en),
        "vin": subject.vin,
        "inspectionBasis": subject.inspection_basis.value,
        "issuer": {"id": _issuer_id(credential), "name": _issuer_name(result)},
    }
    until = credential.get("validUntil")
    if isinstance(until, str):
        out["validUntil"] = until
        try:
            moment = parse_datetime(until, field="validUntil")
        except VicError:
            return out
        out["validUntilMonth"] = moment.astimezone(CHINA_TIME).strftime("%Y-%m")
    return out


def _named(code: str, zh: str, en: str) -> dict[str, str]:
    return {"code": code, "zh-CN": zh, "en": en}


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _issuer_name(result: VerificationResult) -> dict[str, str]:
    trust = result.check(CheckName.TRUST)
    if trust is None or not trust.passed:
        return {}
    name = trust.detail.get("issuerName", {})
    return {k: v for k, v in name.items() if isinstance(v, str)} if isinstance(name, dict) else {}
