"""XML Schema dateTime values as VC 2.0 uses them (dateTimeStamp: with a time zone)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

from vic.contexts.errors import DataModelError, UsageError

__all__ = [
    "DEFAULT_CLOCK_SKEW",
    "Clock",
    "check_skew",
    "format_datetime",
    "parse_datetime",
    "system_clock",
]

DEFAULT_CLOCK_SKEW: Final = timedelta(minutes=5)
"""How far apart the verifier's and an issuer's clocks may be: applied to ``validFrom`` and
``validUntil`` of credentials and status lists and to a proof's ``created`` and ``expires``."""

# XSD dateTime lexical form; the time zone is optional in XSD and required for dateTimeStamp.
_DATETIME = re.compile(
    r"-?(?P<year>[0-9]{4,})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?P<fraction>\.[0-9]+)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?"
)  # used with fullmatch: "$" would accept a trailing newline
_UTC_SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def parse_datetime(value: object, *, field: str, require_timezone: bool = True) -> datetime:
    """Parse an XSD dateTime(Stamp) into an aware datetime.

    A value without a time zone is an error unless ``require_timezone`` is False (VC 1.1's
    issuanceDate allows it), in which case it is read as UTC.

    :raises DataModelError: code INVALID_DATETIME when the value is not a valid dateTime.
    """
    if type(value) is str and len(value) == 20 and _UTC_SECONDS.fullmatch(value):
        # the common form (2026-11-25T08:00:00Z: whole seconds in UTC), read directly (Python
        # 3.11 reads the Z as datetime.UTC itself); the general path below gives the same
        # instant, and the same error for no real date (tests/datamodel/test_datetime_fast.py)
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    return _parse_datetime_general(value, field=field, require_timezone=require_timezone)


def _parse_datetime_general(
    value: object, *, field: str, require_timezone: bool = True
) -> datetime:
    match = _DATETIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise DataModelError(
            f"{field} must be an XML Schema dateTime, got {value!r}",
            code="INVALID_DATETIME",
            field=field,
        )
    tz = match["tz"]
    if tz is None and require_timezone:
        raise DataModelError(
            f"{field} must carry a time zone (dateTimeStamp), got {value!r}",
            code="INVALID_DATETIME",
            field=field,
        )
    text = f"{match['year']}-{match['month']}-{match['day']}T{match['hour']}:{match['minute']}"
    text += f":{match['second']}"
    fraction = match["fraction"]
    if fraction:
        text += fraction[:7].ljust(7, "0")  # microseconds; finer digits are truncated
    if tz not in (None, "Z") and (int(tz[1:3]) > 14 or int(tz[4:6]) > 59):
        raise DataModelError(
            f"{field} has a time zone offset beyond ±14:00: {value!r}",
            code="INVALID_DATETIME",
            field=field,
        )
    text += "+00:00" if tz in (None, "Z") else tz
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise DataModelError(
            f"{field} is not a real date and time: {value!r}", code="INVALID_DATETIME", field=field
        ) from None
    return parsed.astimezone(UTC)


def format_datetime(moment: datetime) -> str:
    """Format an aware datetime in UTC with ``Z`` (whole seconds when there is no fraction)."""
    if type(moment) is datetime and moment.tzinfo is UTC:
        # the common case (every date vic parses or reads from its clock is in UTC): the same
        # text as the general form below, from the two-digit strings made once (``%``
        # formatting and ``isoformat`` cost twice as much; tests/datamodel/test_datetime_offsets.py
        # compares them)
        year = moment.year
        if year >= 1000:  # four digits: str(year) is its XSD form
            two = _TWO_DIGITS
            text = (
                f"{year}-{two[moment.month]}-{two[moment.day]}"
                f"T{two[moment.hour]}:{two[moment.minute]}:{two[moment.second]}"
            )
            micro = moment.microsecond
            if micro:
                return text + f".{micro:06d}".rstrip("0") + "Z"
            return text + "Z"
    return _format_datetime_general(moment)


_TWO_DIGITS: Final = tuple(f"{number:02d}" for number in range(100))


def _format_datetime_general(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no defined instant; pass an aware one")
    utc = moment.astimezone(UTC)
    # an XSD dateTime has at least four year digits: year 999 is "0999" (strftime writes "999")
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


_NO_TIME: Final = timedelta(0)
_ONE_DAY: Final = timedelta(days=1)

Clock = Callable[[], datetime]
"""A clock: returns the current instant as an aware datetime. Injected wherever time matters."""


def system_clock() -> datetime:
    """The machine's clock, in UTC."""
    return datetime.now(UTC)


def check_skew(skew: timedelta) -> timedelta:
    """``skew`` itself, once checked to be a non-negative duration of at most a day.

    :raises UsageError: it is negative or larger than a day.
    """
    if skew is DEFAULT_CLOCK_SKEW:  # the default, 5 minutes: nothing to check
        return skew
    if not isinstance(skew, timedelta) or skew < _NO_TIME or skew > _ONE_DAY:
        raise UsageError(f"a clock skew must be between 0 and 1 day, got {skew!r}")
    return skew
