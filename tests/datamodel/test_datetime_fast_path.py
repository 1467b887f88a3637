"""parse_datetime's short cut for whole seconds in UTC against the general parser."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vic.contexts.errors import DataModelError
from vic.vc.dates import _parse_datetime_general, format_datetime, parse_datetime

_DIGITS = st.text(alphabet="0123456789", min_size=2, max_size=2)
_SHAPED = st.builds(
    lambda y, mo, d, h, mi, s: f"{y}-{mo}-{d}T{h}:{mi}:{s}Z",
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    _DIGITS,
    _DIGITS,
    _DIGITS,
    _DIGITS,
    _DIGITS,
)


def _outcome(parse: object, value: object) -> object:
    try:
        result = parse(value, field="validFrom")  # type: ignore[operator]
    except DataModelError as exc:
        return ("error", exc.code, exc.message)
    assert result.tzinfo is UTC
    return result


@settings(max_examples=1000, deadline=None)
@given(_SHAPED)
def test_same_instant_or_same_error(value: str) -> None:
    assert _outcome(parse_datetime, value) == _outcome(_parse_datetime_general, value)


@settings(max_examples=1000, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)))
def test_real_instants(moment: datetime) -> None:
    value = moment.strftime("%Y-%m-%dT%H:%M:%SZ")  # hypothesis datetimes, whole seconds in UTC
    value = value if len(value) == 20 else f"{moment.year:04d}{value[value.index('-') :]}"
    fast, general = (
        parse_datetime(value, field="created"),
        _parse_datetime_general(value, field="created"),
    )
    assert fast == general == moment.replace(microsecond=0, tzinfo=UTC)
    assert fast.tzinfo is general.tzinfo is UTC
    assert format_datetime(fast) == value


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-25T08:00:00Z",
        "2026-02-29T08:00:00Z",
        "2024-02-29T08:00:00Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "2026-11-25T24:00:00Z",
        "2026-11-25T08:00:60Z",
        "2026-11-25t08:00:00Z",
        "2026-11-25T08:00:00z",
        "2026-11-25T08:00:00Z\n",
        "٢٠٢٦-11-25T08:00:00Z",
        "2026-11-25T08:00:00.5Z",
        "2026-11-25T08:00:00+08:00",
    ],
)
def test_edges(value: str) -> None:
    assert _outcome(parse_datetime, value) == _outcome(_parse_datetime_general, value)
