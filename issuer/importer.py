"""``vic issuer import``: register the vehicles of a CSV file, batched and resumably.

Each row registers one vehicle (and issues its first mark) under the idempotency key
``registration:{VIN}``, so a rerun after a crash — even a SIGKILL in the middle of a batch —
replays the rows already done (returning their marks, issuing nothing) and carries on with the
rest. Rows the rules refuse are reported with their line number, column, value, code and message;
they never stop the import.

The file is UTF-8 (with or without a byte-order mark) or GB18030 (what Chinese Excel saves, a
superset of GBK); the encoding found is reported. Headers are matched case-insensitively, with
spaces, hyphens and underscores alike, in English or Chinese (:data:`HEADER_ALIASES`). Columns:
``vin, plate, plate_type_code, vehicle_type_code, use_category, seats, first_registration, owner``
and, optional, ``is_van`` (true/false), ``casualty_accident`` (true/false), ``valid_until``
(``YYYY-MM``: the current validity of a vehicle registered elsewhere before). Unknown columns are
refused so that typos do not go unnoticed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Final

from vic.contexts.errors import (
    InputTooLargeError,
    ParsingError,
    UsageError,
    VicError,
)
from vic.issuer.domain import Actor, VehicleRegistration
from vic.issuer.engine import Issuer
from vic.issuer.policy import UseCategory

__all__ = [
    "COLUMNS",
    "HEADER_ALIASES",
    "CsvTable",
    "ImportReport",
    "RejectedRow",
    "import_vehicles",
    "inert_cell",
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
_TRUE: Final = {"true", "1", "yes", "y", "是"}
_FALSE: Final = {"false", "0", "no", "n", "", "否"}

HEADER_ALIASES: Final[Mapping[str, str]] = {
    # English spellings (after lower-casing and turning spaces and hyphens into underscores)
    "vehicle_identification_number": "vin",
    "plate_number": "plate",
    "registration_number": "plate",
    "plate_no": "plate",
    "plate_type": "plate_type_code",
    "vehicle_type": "vehicle_type_code",
    "use": "use_category",
    "number_of_seats": "seats",
    "first_registration_date": "first_registration",
    "registered_on": "first_registration",
    "owner_id": "owner",
    "van": "is_van",
    "casualty": "casualty_accident",
    "valid_through": "valid_until",
    # The Chinese headers of the registration forms (GA 24 field names) and common variants
    "车辆识别代号": "vin",
    "车架号": "vin",
    "号牌号码": "plate",
    "车牌号码": "plate",
    "车牌号": "plate",
    "号牌种类": "plate_type_code",
    "号牌种类代码": "plate_type_code",
    "车辆类型": "vehicle_type_code",
    "车辆类型代码": "vehicle_type_code",
    "使用性质": "use_category",
    "核定载客": "seats",
    "核定载客人数": "seats",
    "座位数": "seats",
    "初次登记日期": "first_registration",
    "所有人": "owner",
    "机动车所有人": "owner",
    "车主": "owner",
    "是否面包车": "is_van",
    "伤亡事故": "casualty_accident",
    "检验有效期至": "valid_until",
}
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_SEPARATORS: Final = re.compile(r"[\s\-]+")
_ASCII_DIGITS: Final = re.compile(r"[0-9]+")
_YEAR_MONTH: Final = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not imported: its line in the file, the column and value at fault (when
    one is), a stable code and why."""

    line: int
    vin: str
    code: str
    message: str
    column: str | None = None
    value: str | None = None

    def describe(self) -> str:
        """One line for people: ``line 7, column seats = 'five': [INVALID_ROW] ...``."""
        where = f"line {self.line}"
        if self.column is not None:
            where += f", column {self.column} = {self.value!r}"
        elif self.vin:
            where += f" ({self.vin})"
        return f"{where}: [{self.code}] {self.message}"


class RowError(UsageError):
    """A value of a row has the wrong form (code ``INVALID_ROW``), with its column and value."""

    def __init__(self, column: str, value: str, allowed: str) -> None:
        super().__init__(f"{column} = {value!r} is not allowed: {allowed}", code="INVALID_ROW")
        self.column = column
        self.value = value


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


@dataclass(frozen=True)
class CsvTable:
    """A CSV file opened for import: its encoding, row count and rows (line number, row)."""

    encoding: str
    total: int
    rows: Iterator[tuple[int, dict[str, str]]]


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    bom = data.startswith(b"\xef\xbb\xbf")
    encodings: tuple[str, ...] = ("utf-8-sig",) if bom else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding), "UTF-8 (BOM)" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
    raise ParsingError(f"{path} is neither UTF-8 nor GB18030 text", code="INVALID_CSV")


def canonical_header(name: str) -> str:
    """The column a header names: case, spaces and hyphens ignored; aliases resolved."""
    key = _SEPARATORS.sub("_", name.strip().lower())
    return HEADER_ALIASES.get(key, HEADER_ALIASES.get(name.strip(), key))


def read_rows(path: Path) -> CsvTable:
    """Open a CSV file for import.

    :raises ParsingError: ``INVALID_CSV`` (no header, unknown, repeated or missing columns, not
        UTF-8 or GB18030).
    :raises InputTooLargeError: the file is larger than :data:`MAX_FILE_BYTES`.
    :raises OSError: the file cannot be read.
    """
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputTooLargeError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
    text, encoding = _decode(path.read_bytes(), path)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None) or []
    columns = [canonical_header(h) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in COLUMNS]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if missing or unknown or repeated:
        raise ParsingError(
            f"CSV header: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}"
            + (f", repeated {repeated}" if repeated else "")
            + f"; columns are {', '.join(COLUMNS)} (or their Chinese names, docs/issuer.md)",
            code="INVALID_CSV",
        )
    total = max(0, sum(1 for line in text.splitlines()[1:] if line.strip()))

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            row = {c: v.strip() for c, v in zip(columns, values, strict=False)}
            if len(values) > len(columns):
                row["__extra__"] = "yes"
            yield reader.line_num, row

    return CsvTable(encoding, total, rows())


def _whole_number(column: str, value: str) -> int:
    if not _ASCII_DIGITS.fullmatch(value):
        raise RowError(column, value, "a whole number in ASCII digits")
    return int(value)


def registration_of(row: dict[str, str]) -> VehicleRegistration:
    """The registration a row describes.

    :raises RowError: code ``INVALID_ROW`` for a value of the wrong form, naming the column and
        the value (and the mark rules' own codes for plates, VINs and vehicle types).
    """
    if "__extra__" in row:
        raise UsageError("the row has more fields than the header", code="INVALID_ROW")
    seats = _whole_number("seats", row.get("seats", ""))
    first_text = row.get("first_registration", "")
    try:
        if not first_text.isascii():
            raise ValueError(first_text)
        first = date.fromisoformat(first_text)
    except ValueError:
        raise RowError("first_registration", first_text, "a date YYYY-MM-DD") from None
    category_text = row.get("use_category", "")
    try:
        category = UseCategory(category_text)
    except ValueError:
        allowed = "one of " + ", ".join(c.value for c in UseCategory)
        raise RowError("use_category", category_text, allowed) from None
    valid_until = None
    if row.get("valid_until"):
        match = _YEAR_MONTH.fullmatch(row["valid_until"])
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise RowError("valid_until", row["valid_until"], "a month YYYY-MM")
        valid_until = (int(match.group(1)), int(match.group(2)))
    return VehicleRegistration(
        vin=row.get("vin", ""),
        plate=row.get("plate", ""),
        plate_type_code=row.get("plate_type_code", ""),
        vehicle_type_code=row.get("vehicle_type_code", ""),
        use_category=category,
        seats=seats,
        first_registration=first,
        owner=row.get("owner", ""),
        is_van=_flag("is_van", row.get("is_van", "")),
        casualty_accident=_flag("casualty_accident", row.get("casualty_accident", "")),
        valid_until=valid_until,
    )


def _flag(column: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise RowError(column, value, "true or false (yes/no, 1/0, 是/否)")


def _rejected(line: int, row: Mapping[str, str], exc: VicError) -> RejectedRow:
    column = getattr(exc, "column", None)
    value = getattr(exc, "value", None)
    return RejectedRow(line, row.get("vin", ""), exc.code, exc.message, column, value)


def import_vehicles(
    issuer: Issuer,
    actor: Actor,
    rows: Iterator[tuple[int, dict[str, str]]],
    *,
    batch_size: int = 200,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Register each row's vehicle; report what was issued, replayed and rejected.

    Rows go to the issuer ``batch_size`` at a time (two transactions per batch: see
    :meth:`~vic.issuer.services.issuance.IssuanceService.register_vehicles`); ``progress`` is
    called after each batch. Only vic's errors reject a row; anything else is a bug and stops
    the import (the batches done so far stay done, and a rerun resumes).
    """
    report = ImportReport()
    batch: list[tuple[int, dict[str, str], VehicleRegistration]] = []

    def flush() -> None:
        if not batch:
            return
        outcomes = issuer.issuance.register_vehicles(actor, [r for _, _, r in batch])
        for (line, row, _), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, VicError):
                report.rejected.append(_rejected(line, row, outcome))
            elif outcome.issued_now:
                report.issued += 1
            else:
                report.already_done += 1
        batch.clear()
        if progress is not None:
            progress(report)

    for line, row in rows:
        try:
            batch.append((line, row, registration_of(row)))
        except VicError as exc:
            report.rejected.append(_rejected(line, row, exc))
        if len(batch) >= batch_size:
            flush()
    flush()
    report.rejected.sort(key=lambda rejected: rejected.line)
    return report


def write_rejected(path: Path, rejected: list[RejectedRow]) -> None:
    """Write the rejected rows as CSV (line, vin, column, value, code, message).

    A cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return) is written with a leading ``'``, so it shows as text.
    """
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "vin", "column", "value", "code", "message"])
        for row in rejected:
            writer.writerow(
                [
                    row.line,
                    inert_cell(row.vin),
                    inert_cell(row.column or ""),
                    inert_cell(row.value or ""),
                    row.code,
                    inert_cell(row.message),
                ]
            )


def inert_cell(value: str) -> str:
    """``value`` as a CSV cell no spreadsheet evaluates (OWASP's CSV injection advice)."""
    return "'" + value if value.startswith(_FORMULA_START) else value
