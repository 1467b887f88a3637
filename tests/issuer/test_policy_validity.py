"""issuer.policy: validity periods (next_due), timing, the projected schedule, and properties."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vic.issuer.policy import (
    ExemptionCode,
    InspectionBasis,
    Timing,
    UseCategory,
    VehicleFacts,
    YearMonth,
    exemption_allowed,
    inspection_schedule,
    next_due,
)
from vic.vc.mark import valid_until_for_month

SMALL = UseCategory.SMALL_NON_OPERATING_PASSENGER
OPERATING = UseCategory.OPERATING_PASSENGER
LARGE = UseCategory.LARGE_MEDIUM_NON_OPERATING_PASSENGER
TRUCK = UseCategory.TRUCK
MOTO = UseCategory.MOTORCYCLE
TRACTOR = UseCategory.TRACTOR
OTHER = UseCategory.OTHER
R04, R14, R20, R22 = "art16-2004", "exempt-2014", "reform-2020", "reform-2022"
ON_SITE = InspectionBasis.ON_SITE
EXEMPT = InspectionBasis.EXEMPT


def vehicle(category: UseCategory, seats: int, registered: date, **facts: object) -> VehicleFacts:
    return VehicleFacts(category, seats, registered, **facts)  # type: ignore[arg-type]


# id, category, seats, van, first registration, event day, valid until, basis, regime
CASES: list[tuple[str, UseCategory, int, bool, str, str, str, InspectionBasis, str]] = [
    # small/mini non-operating car, 2022 reform: years 2, 4, 8 by application; 6, 10 on site
    ("car22-y2", SMALL, 5, False, "2024-03-15", "2026-03-10", "2028-03", EXEMPT, R22),
    ("car22-y4", SMALL, 5, False, "2020-05-20", "2024-05-05", "2026-05", EXEMPT, R22),
    ("car22-y6", SMALL, 5, False, "2017-11-02", "2023-11-30", "2025-11", ON_SITE, R22),
    ("car22-y8", SMALL, 5, False, "2016-02-29", "2024-01-15", "2026-02", EXEMPT, R22),
    ("car22-y10", SMALL, 5, False, "2013-07-01", "2023-07-31", "2024-07", ON_SITE, R22),
    ("car22-y15", SMALL, 5, False, "2008-09-09", "2023-09-01", "2024-09", ON_SITE, R22),
    ("car22-y20", SMALL, 5, False, "2004-12-31", "2024-12-31", "2025-12", ON_SITE, R22),
    ("car22-9seats-y8", SMALL, 9, False, "2016-02-29", "2024-02-01", "2026-02", EXEMPT, R22),
    # 2014 exemption: ≤6 seats, years 2 and 4 by application; art. 16 periods
    ("car14-y2", SMALL, 5, False, "2015-04-10", "2017-04-01", "2019-04", EXEMPT, R14),
    ("car14-y6", SMALL, 5, False, "2012-10-10", "2018-10-10", "2019-10", ON_SITE, R14),
    ("car14-y15", SMALL, 5, False, "2004-06-01", "2019-06-15", "2019-12", ON_SITE, R14),
    ("car14-7seats-y2", SMALL, 7, False, "2016-05-05", "2018-05-05", "2020-05", ON_SITE, R14),
    # before 2014-09-01: art. 16 only, no exemption
    ("car04-y2", SMALL, 5, False, "2011-06-01", "2013-06-01", "2015-06", ON_SITE, R04),
    # 2020 reform: 6-10 years every 2 years (on site in 6, 8, 10), 15+ half-yearly
    ("car20-y6", SMALL, 5, False, "2015-03-03", "2021-03-03", "2023-03", ON_SITE, R20),
    ("car20-y8", SMALL, 5, False, "2013-06-06", "2021-06-06", "2023-06", ON_SITE, R20),
    ("car20-y10", SMALL, 5, False, "2011-08-08", "2021-08-08", "2022-08", ON_SITE, R20),
    ("car20-y15", SMALL, 5, False, "2006-01-20", "2021-01-20", "2021-07", ON_SITE, R20),
    ("car20-7seats-y2", SMALL, 7, False, "2019-03-01", "2021-03-01", "2023-03", EXEMPT, R20),
    # vans: art. 16 periods, always on site
    ("van22-y2", SMALL, 7, True, "2022-11-11", "2024-11-11", "2026-11", ON_SITE, R22),
    ("van22-y6", SMALL, 7, True, "2017-02-02", "2023-02-02", "2024-02", ON_SITE, R22),
    ("van22-y15", SMALL, 7, True, "2008-03-03", "2023-03-03", "2023-09", ON_SITE, R22),
    # operating passenger: yearly within 5 years, then every 6 months
    ("op-y4", OPERATING, 5, False, "2020-06-01", "2024-06-01", "2025-06", ON_SITE, R22),
    ("op-y5", OPERATING, 5, False, "2019-06-01", "2024-06-01", "2024-12", ON_SITE, R22),
    ("op-y5h", OPERATING, 5, False, "2019-06-01", "2024-12-01", "2025-06", ON_SITE, R22),
    ("op-van", OPERATING, 7, True, "2019-06-01", "2024-06-01", "2024-12", ON_SITE, R22),
    # trucks and large/medium non-operating passenger: yearly within 10 years, then 6 months
    ("truck-y9", TRUCK, 3, False, "2015-09-09", "2024-09-09", "2025-09", ON_SITE, R22),
    ("truck-y10", TRUCK, 3, False, "2014-09-09", "2024-09-09", "2025-03", ON_SITE, R22),
    ("large-y10", LARGE, 30, False, "2014-09-09", "2024-09-01", "2025-03", ON_SITE, R22),
    # motorcycles: art. 16 (2 years within 4, then yearly); 6-year exemption; 2022 reform
    ("moto14-y2", MOTO, 2, False, "2016-04-04", "2018-04-04", "2020-04", ON_SITE, R14),
    ("moto14-y4", MOTO, 2, False, "2013-04-04", "2017-04-04", "2018-04", ON_SITE, R14),
    ("moto20-y5", MOTO, 2, False, "2016-05-05", "2021-05-05", "2022-05", EXEMPT, R20),
    ("moto22-y4", MOTO, 2, False, "2019-03-03", "2023-03-03", "2025-03", EXEMPT, R22),
    ("moto22-y6", MOTO, 2, False, "2017-07-07", "2023-07-07", "2025-07", ON_SITE, R22),
    ("moto22-y16", MOTO, 2, False, "2008-08-08", "2024-08-08", "2025-08", ON_SITE, R22),
    # tractors and other motor vehicles: yearly
    ("tractor", TRACTOR, 1, False, "2020-01-01", "2024-01-01", "2025-01", ON_SITE, R22),
    ("other", OTHER, 2, False, "2020-01-01", "2023-11-01", "2025-01", ON_SITE, R22),
]


@pytest.mark.parametrize(
    ("category", "seats", "is_van", "registered", "event", "until", "basis", "regime"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_valid_until_month_table(
    category: UseCategory,
    seats: int,
    is_van: bool,
    registered: str,
    event: str,
    until: str,
    basis: InspectionBasis,
    regime: str,
) -> None:
    car = vehicle(category, seats, date.fromisoformat(registered), is_van=is_van)
    due = next_due(car, after=date.fromisoformat(event))
    year, month = due.valid_until_month
    assert f"{year:04d}-{month:02d}" == until
    assert due.basis is basis
    assert due.regime == regime
    assert due.timing is Timing.IN_WINDOW
    assert due.rule.startswith(f"{regime}: due ")


def test_registration_grants_the_first_period_from_the_registration_month() -> None:
    car = vehicle(SMALL, 5, date(2024, 3, 15))
    due = next_due(car, after=date(2024, 3, 15))
    assert due.valid_until_month == (2026, 3)
    assert due.settles == (2024, 3)
    assert due.basis is ON_SITE
    assert due.valid_until() == datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC)
    assert due.valid_until() == valid_until_for_month(2026, 3)
    taxi = vehicle(OPERATING, 5, date(2024, 3, 15))
    assert next_due(taxi, after=date(2024, 3, 31)).valid_until_month == (2025, 3)


def test_an_early_inspection_in_the_window_counts_from_the_due_month() -> None:
    car = vehicle(SMALL, 5, date(2024, 3, 15))
    first_day = next_due(car, after=date(2026, 1, 1))
    last_day = next_due(car, after=date(2026, 3, 31))
    assert first_day.valid_until_month == last_day.valid_until_month == (2028, 3)
    assert first_day.settles == last_day.settles == (2026, 3)
    assert first_day.timing is last_day.timing is Timing.IN_WINDOW


def test_before_the_window_nothing_is_settled_and_the_validity_is_unchanged() -> None:
    car = vehicle(SMALL, 5, date(2024, 3, 15))
    due = next_due(car, after=date(2025, 12, 31))
    assert due.timing is Timing.TOO_EARLY
    assert due.settles is None
    assert due.valid_until_month == (2026, 3)
    assert due.basis is EXEMPT  # what the coming due will need
    with_history = next_due(car, after=date(2025, 12, 31), current_valid_until=(2026, 3))
    assert with_history.timing is Timing.TOO_EARLY
    assert with_history.valid_until_month == (2026, 3)


def test_overdue_counts_from_the_missed_due_month_when_the_validity_is_known() -> None:
    car = vehicle(SMALL, 5, date(2024, 3, 15))
    late = next_due(car, after=date(2026, 9, 10), current_valid_until=(2026, 3))
    assert late.timing is Timing.OVERDUE
    assert late.settles == (2026, 3)
    assert late.valid_until_month == (2028, 3)
    very_late = next_due(car, after=date(2028, 2, 1), current_valid_until=(2026, 3))
    assert very_late.timing is Timing.OVERDUE
    assert very_late.settles == (2028, 3)
    assert very_late.valid_until_month == (2030, 3)
    assert very_late.basis is EXEMPT  # year 4
    # without the history the same day is presumed on schedule: too early for 2028-03
    presumed = next_due(car, after=date(2026, 9, 10))
    assert presumed.timing is Timing.TOO_EARLY
    assert presumed.valid_until_month == (2028, 3)


@pytest.mark.parametrize(
    ("current", "event", "until"),
    [
        ((2015, 12), date(2015, 12, 1), (2016, 1)),  # 5y11m: 2 years, but not past the 6-year line
        ((2016, 1), date(2016, 1, 10), (2017, 1)),  # 6y: yearly
        ((2019, 1), date(2019, 1, 10), (2020, 1)),  # 9y, 2014 regime: yearly
        ((2021, 1), date(2021, 1, 10), (2022, 1)),  # 11y, 2020 regime: yearly
        ((2024, 1), date(2024, 1, 10), (2025, 1)),  # 14y, 2022 regime: yearly
        ((2024, 12), date(2024, 12, 10), (2025, 12)),  # 14y11m, 2022: no 15-year line any more
        ((2025, 1), date(2025, 1, 10), (2026, 1)),  # 15y, 2022 regime: still yearly
    ],
)
def test_small_car_periods_at_boundary_ages(
    current: YearMonth, event: date, until: YearMonth
) -> None:
    car = vehicle(SMALL, 5, date(2010, 1, 15))
    assert next_due(car, after=event, current_valid_until=current).valid_until_month == until


def test_a_period_is_cut_at_the_15_year_line_before_2022() -> None:
    car = vehicle(SMALL, 5, date(2005, 1, 15))
    cut = next_due(car, after=date(2019, 12, 10), current_valid_until=(2019, 12))  # 14y11m
    assert (cut.regime, cut.valid_until_month) == ("exempt-2014", (2020, 1))
    half = next_due(car, after=date(2020, 1, 10), current_valid_until=(2020, 1))  # 15y
    assert half.valid_until_month == (2020, 7)


def test_a_2020_period_is_cut_at_the_10_year_line() -> None:
    car = vehicle(SMALL, 5, date(2011, 6, 1))
    due = next_due(car, after=date(2021, 6, 1), current_valid_until=(2021, 6))  # year 10
    assert due.valid_until_month == (2022, 6)
    nine = next_due(car, after=date(2020, 12, 1), current_valid_until=(2020, 12))  # 9y6m
    assert nine.regime == "reform-2020"
    assert nine.valid_until_month == (2021, 6)


def test_the_day_of_the_event_chooses_the_regime() -> None:
    old_car = vehicle(SMALL, 5, date(2007, 10, 15))  # year 15 due 2022-10
    before = next_due(old_car, after=date(2022, 9, 30))
    after = next_due(old_car, after=date(2022, 10, 1))
    assert (before.regime, before.valid_until_month) == ("reform-2020", (2023, 4))
    assert (after.regime, after.valid_until_month) == ("reform-2022", (2023, 10))

    eight = vehicle(SMALL, 5, date(2014, 11, 25))  # year 8 due 2022-11, window from 2022-09-01
    assert next_due(eight, after=date(2022, 9, 30)).basis is ON_SITE
    assert next_due(eight, after=date(2022, 10, 1)).basis is EXEMPT
    assert next_due(eight, after=date(2022, 9, 30)).valid_until_month == (2024, 11)

    # a car whose year-6 due fell before 2020-11-20 went yearly (year 7), then every 2 years:
    # its year-8 due never comes, and the year-9 due is by application from 2022-10-01
    odd = vehicle(SMALL, 5, date(2014, 10, 20))
    assert [s.due_month for s in inspection_schedule(odd, until=date(2025, 12, 31))] == [
        (2016, 10), (2018, 10), (2020, 10), (2021, 10), (2023, 10), (2024, 10), (2025, 10)
    ]  # fmt: skip
    assert next_due(odd, after=date(2022, 10, 1)).timing is Timing.TOO_EARLY
    assert next_due(odd, after=date(2023, 10, 1)).basis is EXEMPT
    assert next_due(odd, after=date(2023, 10, 1)).valid_until_month == (2024, 10)  # cut at 10

    nine_year_old = vehicle(SMALL, 5, date(2011, 11, 30))  # year 9 due 2020-11
    assert next_due(nine_year_old, after=date(2020, 11, 19)).valid_until_month == (2021, 11)
    assert next_due(nine_year_old, after=date(2020, 11, 20)).valid_until_month == (2021, 11)
    eight_2020 = vehicle(SMALL, 5, date(2012, 11, 30))  # year 8 due 2020-11
    assert next_due(eight_2020, after=date(2020, 11, 19)).valid_until_month == (2021, 11)
    assert next_due(eight_2020, after=date(2020, 11, 20)).valid_until_month == (2022, 11)


def test_casualty_accident_keeps_the_periods_but_forces_on_site() -> None:
    car = vehicle(SMALL, 5, date(2024, 3, 15), casualty_accident=True)
    due = next_due(car, after=date(2026, 3, 10))
    assert due.valid_until_month == (2028, 3)
    assert due.basis is ON_SITE


# --- the projected schedule ----------------------------------------------------------------------


def test_schedule_of_a_new_car_under_the_2022_reform() -> None:
    car = vehicle(SMALL, 5, date(2023, 1, 10))
    schedule = inspection_schedule(car, until=date(2034, 12, 31))
    assert [(s.due_month, s.basis) for s in schedule] == [
        ((2025, 1), EXEMPT),
        ((2027, 1), EXEMPT),
        ((2029, 1), ON_SITE),
        ((2031, 1), EXEMPT),
        ((2033, 1), ON_SITE),
        ((2034, 1), ON_SITE),
    ]
    assert [s.age_months for s in schedule] == [24, 48, 72, 96, 120, 132]
    assert {s.regime for s in schedule} == {"reform-2022"}


def test_schedule_across_the_four_regimes() -> None:
    car = vehicle(SMALL, 5, date(2012, 6, 10))
    schedule = inspection_schedule(car, until=date(2024, 6, 30))
    assert [(s.due_month, s.basis.value, s.regime) for s in schedule] == [
        ((2014, 6), "OnSite", "art16-2004"),
        ((2016, 6), "Exempt", "exempt-2014"),
        ((2018, 6), "OnSite", "exempt-2014"),
        ((2019, 6), "OnSite", "exempt-2014"),
        ((2020, 6), "OnSite", "exempt-2014"),
        ((2021, 6), "OnSite", "reform-2020"),
        ((2022, 6), "OnSite", "reform-2020"),
        ((2023, 6), "OnSite", "reform-2022"),
        ((2024, 6), "OnSite", "reform-2022"),
    ]


def test_schedule_of_a_motorcycle_and_a_dated_accident() -> None:
    accident = {"casualty_accident": True, "casualty_accident_date": date(2029, 1, 1)}
    moto = vehicle(MOTO, 2, date(2023, 4, 1), **accident)
    schedule = inspection_schedule(moto, until=date(2035, 4, 30))
    assert [(s.due_month, s.basis) for s in schedule] == [
        ((2025, 4), EXEMPT),
        ((2027, 4), EXEMPT),
        ((2029, 4), ON_SITE),
        ((2031, 4), ON_SITE),  # year 8, but the accident is on record by then
        ((2033, 4), ON_SITE),
        ((2034, 4), ON_SITE),
        ((2035, 4), ON_SITE),
    ]


def test_schedule_until_before_the_first_due_is_empty() -> None:
    car = vehicle(SMALL, 5, date(2023, 1, 10))
    assert inspection_schedule(car, until=date(2024, 12, 31)) == []
    assert inspection_schedule(car, until=date(2020, 1, 1)) == []


def test_schedule_matches_next_due_on_each_due_date() -> None:
    car = vehicle(SMALL, 7, date(2016, 8, 31))
    schedule = inspection_schedule(car, until=date(2040, 1, 1))
    for this, following in itertools.pairwise(schedule):
        year, month = this.due_month
        last_day = date(year, month, 28) + timedelta(days=4)
        last_day = last_day.replace(day=1) - timedelta(days=1)
        due = next_due(car, after=last_day)
        assert due.settles == this.due_month
        assert due.valid_until_month == following.due_month
        assert due.basis is this.basis


# --- properties ----------------------------------------------------------------------------------

CATEGORY_SEATS = st.sampled_from(
    [
        (SMALL, 5, False),
        (SMALL, 7, False),
        (SMALL, 9, True),
        (OPERATING, 5, False),
        (LARGE, 20, False),
        (TRUCK, 3, False),
        (MOTO, 2, False),
        (TRACTOR, 1, False),
        (OTHER, 2, False),
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    kind=CATEGORY_SEATS,
    registered=st.dates(min_value=date(2004, 5, 1), max_value=date(2035, 12, 31)),
    days_later=st.integers(min_value=0, max_value=25 * 366),
    casualty=st.booleans(),
)
def test_properties_of_validity_and_exemption(
    kind: tuple[UseCategory, int, bool], registered: date, days_later: int, casualty: bool
) -> None:
    category, seats, is_van = kind
    car = vehicle(category, seats, registered, is_van=is_van, casualty_accident=casualty)
    event = registered + timedelta(days=days_later)
    due = next_due(car, after=event)
    event_month = event.year * 12 + event.month - 1
    until = due.valid_until_month[0] * 12 + due.valid_until_month[1] - 1
    registration_month = registered.year * 12 + registered.month - 1
    assert event_month < until <= event_month + 26  # valid on the day of the event
    assert (until - registration_month) % 6 == 0  # anniversaries (or half-years) of registration
    assert due.timing in (Timing.IN_WINDOW, Timing.TOO_EARLY)
    decision = exemption_allowed(car, on=event)
    assert isinstance(decision.code, ExemptionCode)
    assert decision.allowed is (decision.code is ExemptionCode.ALLOWED)
    if decision.allowed:
        assert due.basis is EXEMPT
        assert decision.valid_until_month == due.valid_until_month
        assert not casualty
        assert not is_van
    elif due.timing is Timing.IN_WINDOW:
        assert due.basis is ON_SITE
