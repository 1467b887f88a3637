"""One XSD dateTime reader (vc.dates) for credentials and status lists: offsets up to ±14:00."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vic.contexts.errors import DataModelError, StatusListError
from vic.vc.dates import format_datetime, parse_datetime
from vic.vc.iri import is_absolute_iri
from vic.vc.status import (
    Bitstring,
    StatusPurpose,
    build_status_list_credential,
    parse_status_list_credential,
)


def test_offsets_beyond_fourteen_hours_are_not_xsd() -> None:
    assert parse_datetime("2026-01-01T00:00:00+14:00", field="validFrom") == datetime(
        2025, 12, 31, 10, tzinfo=UTC
    )
    for bad in ("2026-01-01T00:00:00+15:00", "2026-01-01T00:00:00-14:60"):
        with pytest.raises(DataModelError) as caught:
            parse_datetime(bad, field="validFrom")
        assert caught.value.code == "INVALID_DATETIME"


@pytest.mark.parametrize(
    "value", ["2026-01-01T00:00:00+15:00", "2026-02-30T00:00:00Z", "2026-01-01", "x"]
)
def test_a_status_list_date_is_read_by_the_same_reader(value: str) -> None:
    credential = build_status_list_credential(
        id="https://example.com/status/1",
        issuer="did:example:issuer",
        purpose=StatusPurpose.REVOCATION,
        bitstring=Bitstring(),
    )
    credential["validFrom"] = value
    with pytest.raises(StatusListError):
        parse_status_list_credential(credential)


@pytest.mark.parametrize(
    "value", ["2026-01-01T00:00:00Z\n", "2026-01-01T00:00:00+08:00\n", "2026-01-01T00:00:00Z\r"]
)
def test_a_trailing_newline_is_not_a_datetime(value: str) -> None:
    with pytest.raises(DataModelError) as caught:
        parse_datetime(value, field="validFrom")
    assert caught.value.code == "INVALID_DATETIME"


def test_an_iri_with_a_trailing_newline_is_not_absolute() -> None:
    assert is_absolute_iri("https://demo.vic.example/marks/1")
    assert not is_absolute_iri("https://demo.vic.example/marks/1\n")
    assert not is_absolute_iri("did:web:demo.vic.example\n")


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=5))]
        ),
    )
)
def test_format_datetime_writes_what_strftime_writes(moment: datetime) -> None:
    utc = moment.astimezone(UTC)
    expected = f"{utc.year:04d}" + utc.strftime("-%m-%dT%H:%M:%S")  # strftime's %Y is unpadded
    if utc.microsecond:
        expected += f".{utc.microsecond:06d}".rstrip("0")
    assert format_datetime(moment) == expected + "Z"
    assert parse_datetime(format_datetime(moment), field="x") == moment


def test_a_year_below_1000_is_written_with_four_digits() -> None:
    moment = datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert format_datetime(moment) == "0999-01-02T03:04:05Z"
    assert parse_datetime("0999-01-02T03:04:05Z", field="x") == moment


@given(
    st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31, 23, 59, 59, 999999),
        timezones=st.sampled_from([UTC, timezone(timedelta(0)), timezone(timedelta(hours=8))]),
    )
)
def test_the_utc_fast_form_is_the_general_one(moment: datetime) -> None:
    # format_datetime writes a UTC datetime with isoformat; the general form gives the same text
    from vic.vc.dates import _format_datetime_general

    assert format_datetime(moment) == _format_datetime_general(moment)
    assert format_datetime(moment.replace(microsecond=0)) == _format_datetime_general(
        moment.replace(microsecond=0)
    )


def test_the_utc_fast_form_at_the_edges() -> None:
    from vic.vc.dates import _format_datetime_general

    for moment in (
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, 10, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 11, 25, 8, 0, 0, 100000, tzinfo=UTC),
        datetime(2026, 11, 25, 8, 0, 0, 1, tzinfo=UTC, fold=1),
    ):
        assert format_datetime(moment) == _format_datetime_general(moment)
    assert format_datetime(datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)) == (
        "2026-01-02T03:04:05.6Z"
    )
