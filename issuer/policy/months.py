"""Months and days for the inspection policy: month indexes, application windows, argument checks.

A month is handled as an index (``year * 12 + month - 1``) so that month arithmetic is integer
arithmetic; :data:`YearMonth` is the ``(year, month)`` form the public API speaks.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Final

from vic.contexts.errors import UsageError
from vic.vc.jsonio import is_int

YearMonth = tuple[int, int]
"""A calendar month as ``(year, month)``, month 1-12."""

WINDOW_MONTHS: Final = 3
"""A due may be settled in its own month and the two calendar months before it."""


def month_index(day: date) -> int:
    """The month index of ``day``."""
    return day.year * 12 + day.month - 1


def year_month(index: int) -> YearMonth:
    """The ``(year, month)`` of a month index."""
    return index // 12, index % 12 + 1


def format_month(index: int) -> str:
    """A month index as ``YYYY-MM``."""
    year, month = year_month(index)
    return f"{year:04d}-{month:02d}"


def window_start(due: int) -> date:
    """The first day of the application window of the due month ``due``."""
    year, month = year_month(due - (WINDOW_MONTHS - 1))
    return date(year, month, 1)


def last_day(index: int) -> date:
    """The last day of a month index."""
    year, month = year_month(index)
    return date(year, month, calendar.monthrange(year, month)[1])


def add_years(day: date, years: int) -> date:
    """``day`` ``years`` later (29 February becomes 28 February)."""
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def age_text(months: int) -> str:
    """An age in months as text: ``year 6`` or ``5y3m``."""
    years, rest = divmod(months, 12)
    return f"year {years}" if rest == 0 else f"{years}y{rest}m"


def check_day(value: object, name: str) -> None:
    """Refuse anything but a :class:`datetime.date` (a datetime too) with a :class:`UsageError`."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise UsageError(f"{name} must be a datetime.date (not a datetime), got {value!r}")


def check_year_month(value: object, name: str) -> int:
    """The month index of a ``(year, month)`` tuple.

    :raises UsageError: ``value`` is not one.
    """
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(is_int(part) for part in value)
        or not 1 <= value[0] <= 9999
        or not 1 <= value[1] <= 12
    ):
        raise UsageError(f"{name} must be a (year, month) tuple of ints, got {value!r}")
    return int(value[0]) * 12 + int(value[1]) - 1
