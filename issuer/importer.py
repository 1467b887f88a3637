"""``vic issuer import``: register the vehicles of a CSV file, resumably.

Each row registers one vehicle (and issues its first mark) under the idempotency key
``registration:{VIN}``, so a rerun after a crash — even a SIGKILL in the middle of a row — replays
the rows already done (returning their marks, issuing nothing) and carries on with the rest.
Rows the rules refuse are reported with their line number, code and message; they never stop the
import.

Columns (a header row is required; extra columns are refused so that typos do not go unnoticed):
``vin, plate, plate_type_code, vehicle_type_code, use_category, seats, first_registration, owner``
and, optional, ``is_van`` (true/false), ``casualty_accident`` (true/false), ``valid_until``
(``YYYY-MM``: the current validity of a vehicle registered elsewhere before).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Final

from vic.contexts.errors import (
    InputTooLargeError,
    ParsingError,
    RecordNotFoundError,
    UsageError,
    VicError,
)
from vic.issuer.domain import Actor, VehicleRegistration
from vic.issuer.engine import Issuer
from vic.issuer.policy import UseCategory

__all__ = [
    "COLUMNS",
    "ImportReport",
    "RejectedRow",
    "import_vehicles",
    "read_rows",
    "registration_of",
    "write_rejected",
]

REQUIRED: Final = (
    "vin",
    "plate",
    "plate_type_code",
    "vehicle_type_code",
    "use_category",
    "seats",
    "first_registration",
    "owner",
)
OPTIONAL: Final = ("is_van", "casualty_accident", "valid_until")
COLUMNS: Final = REQUIRED + OPTIONAL
MAX_FILE_BYTES: Final = 512 * 1024 * 1024
_TRUE: Final = {"true", "1", "yes", "y"}
_FALSE: Final = {"false", "0", "no", "n", ""}


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not imported: its line in the file, a stable code and why."""

    line: int
    vin: str
    code: str
    message: str


@dataclass
class ImportReport:
    """What an import did."""

    issued: int = 0
    already_done: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Rows read."""
        return self.issued + self.already_done + len(self.rejected)


def read_rows(path: Path) -> tuple[int, Iterator[tuple[int, dict[str, str]]]]:
    """The number of data rows and an iterator of (line number, row).

    :raises ParsingError: ``INVALID_CSV`` (no header, unknown or missing columns, not UTF-8).
    :raises InputTooLargeError: the file is larger than :data:`MAX_FILE_BYTES`.
    """
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise InputTooLargeError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParsingError(f"{path} is not UTF-8", code="INVALID_CSV") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        raise ParsingError(
            f"CSV header: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}",
            code="INVALID_CSV",
        )
    total = max(0, sum(1 for line in text.splitlines()[1:] if line.strip()))

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for row in reader:
            if not any((v or "").strip() for v in row.values()):
                continue
            clean = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
            if None in row:
                clean["__extra__"] = "yes"
            yield reader.line_num, clean

    return total, rows()


def registration_of(row: dict[str, str]) -> VehicleRegistration:
    """The registration a row describes.

    :raises UsageError: code ``INVALID_ROW`` for a value of the wrong form (and the mark rules'
        own codes for plates, VINs and vehicle types).
    """
    if "__extra__" in row:
        raise UsageError("the row has more fields than the header", code="INVALID_ROW")
    try:
        seats = int(row["seats"])
        first = date.fromisoformat(row["first_registration"])
        category = UseCategory(row["use_category"])
    except ValueError as exc:
        raise UsageError(f"a value has the wrong form: {exc}", code="INVALID_ROW") from None
    valid_until = None
    if row.get("valid_until"):
        try:
            year, month = (int(p) for p in row["valid_until"].split("-"))
        except ValueError:
            raise UsageError("valid_until is YYYY-MM", code="INVALID_ROW") from None
        valid_until = (year, month)
    return VehicleRegistration(
        vin=row["vin"],
        plate=row["plate"],
        plate_type_code=row["plate_type_code"],
        vehicle_type_code=row["vehicle_type_code"],
        use_category=category,
        seats=seats,
        first_registration=first,
        owner=row["owner"],
        is_van=_flag(row.get("is_van", "")),
        casualty_accident=_flag(row.get("casualty_accident", "")),
        valid_until=valid_until,
    )


def _flag(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise UsageError(f"a flag is true or false, not {value!r}", code="INVALID_ROW")


def import_vehicles(
    issuer: Issuer,
    actor: Actor,
    rows: Iterator[tuple[int, dict[str, str]]],
    *,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Register each row's vehicle; report what was issued, replayed and rejected.

    Only vic's errors reject a row; anything else is a bug and stops the import (the rows done so
    far stay done, and a rerun resumes).
    """
    report = ImportReport()
    for line, row in rows:
        vin = row.get("vin", "")
        try:
            registration = registration_of(row)
            before = _current_mark_number(issuer, registration.vin)
            mark = issuer.register_vehicle(actor, registration)
            if before == mark.number:
                report.already_done += 1
            else:
                report.issued += 1
        except VicError as exc:
            report.rejected.append(RejectedRow(line, vin, exc.code, exc.message))
        if progress is not None:
            progress(report)
    return report


def _current_mark_number(issuer: Issuer, vin: str) -> int | None:
    try:
        mark = issuer.current_mark(vin)
    except RecordNotFoundError:
        return None
    return mark.number if mark is not None else None


def write_rejected(path: Path, rejected: list[RejectedRow]) -> None:
    """Write the rejected rows as CSV (line, vin, code, message)."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "vin", "code", "message"])
        for row in rejected:
            writer.writerow([row.line, row.vin, row.code, row.message])
