"""_is_month_end (arithmetic on the CST date) against valid_until_for_month, and the far future.

A validUntil whose China Standard Time falls past year 9999 once crashed check_mark (and so
verify_credential) with OverflowError; it is now INVALID_VALID_UNTIL like any other non month end.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.canonicalization.helpers import SAMPLE_SUBJECT, mark
from vic.contexts.errors import MarkShapeError
from vic.vc.mark import (
    CHINA_STANDARD_TIME,
    MarkErrorCode,
    _is_month_end,
    check_mark,
    valid_until_for_month,
)

_SUBJECT = {**SAMPLE_SUBJECT, "vehicleIdentificationNumber": "LSVAU2A36N2183457"}


def _reference(moment: datetime) -> bool:
    try:
        local = moment.astimezone(CHINA_STANDARD_TIME)
    except OverflowError:
        return False
    return moment == valid_until_for_month(local.year, local.month)


_MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999)
).map(lambda d: d.replace(tzinfo=UTC))


@settings(max_examples=500, deadline=None)
@given(_MOMENTS)
def test_any_moment(moment: datetime) -> None:
    assert _is_month_end(moment) == _reference(moment)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 9999), st.integers(1, 12), st.sampled_from([-1, 0, 1, 3600, 86400]))
def test_around_every_month_end(year: int, month: int, seconds: int) -> None:
    end = valid_until_for_month(year, month)
    if end > datetime(9999, 12, 30, tzinfo=UTC):
        return  # no later moment to try
    moment = end + timedelta(seconds=seconds)
    assert _is_month_end(moment) == (seconds == 0)
    assert _is_month_end(moment + timedelta(microseconds=1)) is False


def test_leap_years() -> None:
    for year, last in ((2024, 29), (2100, 28), (2000, 29), (2026, 28)):
        end = datetime(year, 2, last, 23, 59, 59, tzinfo=CHINA_STANDARD_TIME)
        assert _is_month_end(end.astimezone(UTC))


@pytest.mark.parametrize(
    "valid_until", ["9999-12-31T20:00:00Z", "9999-12-31T16:00:00Z", "9999-12-31T23:59:59Z"]
)
def test_valid_until_past_the_last_cst_month_is_refused_not_a_crash(valid_until: str) -> None:
    document = mark(_SUBJECT, validUntil=valid_until)
    with pytest.raises(MarkShapeError) as caught:
        check_mark(document)
    assert caught.value.code == MarkErrorCode.INVALID_VALID_UNTIL


def test_the_last_cst_month_end_is_a_month_end() -> None:
    document = mark(_SUBJECT, validUntil="9999-12-31T15:59:59Z")
    check_mark(document)
