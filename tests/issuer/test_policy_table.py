"""issuer.policy: the dated table itself, regime choice by date, and programming errors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from vic.contexts.errors import UsageError
from vic.issuer.policy import (
    REGIMES,
    Regime,
    UseCategory,
    VehicleFacts,
    application_window,
    exemption_allowed,
    inspection_schedule,
    next_due,
    regime_on,
)

SMALL = UseCategory.SMALL_NON_OPERATING_PASSENGER
CAR = VehicleFacts(SMALL, 5, date(2024, 3, 15))


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2004, 5, 1), "art16-2004"),
        (date(2014, 8, 31), "art16-2004"),
        (date(2014, 9, 1), "exempt-2014"),
        (date(2020, 11, 19), "exempt-2014"),
        (date(2020, 11, 20), "reform-2020"),
        (date(2022, 9, 30), "reform-2020"),
        (date(2022, 10, 1), "reform-2022"),
        (date(2030, 1, 1), "reform-2022"),
    ],
)
def test_regime_on_picks_the_row_in_force(day: date, name: str) -> None:
    assert regime_on(day).name == name


def test_regimes_are_dated_in_order_with_unique_names() -> None:
    days = [regime.in_force_from for regime in REGIMES]
    assert days == sorted(days)
    assert len(set(days)) == len(days)
    assert len({regime.name for regime in REGIMES}) == len(REGIMES)


@pytest.mark.parametrize("regime", REGIMES, ids=lambda r: r.name)
def test_every_regime_has_well_formed_bands_for_every_vehicle(regime: Regime) -> None:
    for category in UseCategory:
        vans = (False, True) if category is SMALL else (False,)
        for is_van in vans:
            vehicle = VehicleFacts(category, 5, date(2020, 1, 1), is_van=is_van)
            bands = regime.bands_for(vehicle)
            assert bands[0].from_years == 0
            starts = [band.from_years for band in bands]
            assert starts == sorted(set(starts))
            assert {band.every_months for band in bands} <= {6, 12, 24}


def test_vans_and_art16_categories_keep_art16_periods_in_every_regime() -> None:
    van = VehicleFacts(SMALL, 7, date(2020, 1, 1), is_van=True)
    truck = VehicleFacts(UseCategory.TRUCK, 3, date(2020, 1, 1))
    first = REGIMES[0]
    for regime in REGIMES:
        assert regime.bands_for(van) == first.bands_for(van)
        assert regime.bands_for(truck) == first.bands_for(truck)


def test_only_2022_drops_the_15_year_half_yearly_step_for_small_cars() -> None:
    car = VehicleFacts(SMALL, 5, date(2020, 1, 1))
    half_yearly_from = {
        regime.name: [band.from_years for band in regime.bands_for(car) if band.every_months == 6]
        for regime in REGIMES
    }
    assert half_yearly_from == {
        "art16-2004": [15],
        "exempt-2014": [15],
        "reform-2020": [15],
        "reform-2022": [],
    }


def test_application_window_is_the_due_month_and_the_two_before() -> None:
    assert application_window((2026, 3)) == (date(2026, 1, 1), date(2026, 3, 31))
    assert application_window((2026, 1)) == (date(2025, 11, 1), date(2026, 1, 31))
    assert application_window((2028, 2)) == (date(2027, 12, 1), date(2028, 2, 29))


# --- programming errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        datetime(2020, 1, 1),
        datetime(2020, 1, 1, tzinfo=UTC),
        "2020-01-01",
        None,
        date(2004, 4, 30),
    ],
)
def test_regime_on_rejects_non_dates_and_days_before_the_table(bad: object) -> None:
    with pytest.raises(UsageError):
        regime_on(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"category": "small_non_operating_passenger"},
        {"seats": "5"},
        {"seats": 0},
        {"seats": True},
        {"seats": 10},
        {"first_registration": datetime(2024, 3, 15)},
        {"first_registration": "2024-03-15"},
        {"is_van": 1},
        {"casualty_accident": None},
        {"modification_penalty": "no"},
        {"casualty_accident_date": date(2024, 5, 1)},
        {"casualty_accident": True, "casualty_accident_date": datetime(2024, 5, 1)},
        {"manufactured": date(2024, 3, 16)},
        {"manufactured": datetime(2020, 1, 1)},
        {"category": UseCategory.TRUCK, "is_van": True},
        {"category": UseCategory.MOTORCYCLE, "is_van": True},
    ],
)
def test_vehicle_facts_reject_bad_types_and_impossible_facts(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "category": SMALL,
        "seats": 5,
        "first_registration": date(2024, 3, 15),
    }
    fields.update(kwargs)
    with pytest.raises(UsageError):
        VehicleFacts(**fields)  # type: ignore[arg-type]


def test_large_passenger_cars_may_have_many_seats() -> None:
    bus = VehicleFacts(UseCategory.LARGE_MEDIUM_NON_OPERATING_PASSENGER, 45, date(2024, 3, 15))
    assert next_due(bus, after=date(2024, 3, 15)).valid_until_month == (2025, 3)


@pytest.mark.parametrize(
    "call",
    [
        lambda: next_due(CAR, after=datetime(2026, 3, 1)),
        lambda: next_due(CAR, after=date(2024, 3, 14)),
        lambda: next_due("car", after=date(2026, 3, 1)),  # type: ignore[arg-type]
        lambda: next_due(CAR, after=date(2026, 3, 1), current_valid_until=(2026, 13)),
        lambda: next_due(CAR, after=date(2026, 3, 1), current_valid_until=[2026, 3]),  # type: ignore[arg-type]
        lambda: next_due(CAR, after=date(2026, 3, 1), current_valid_until=(2026, True)),
        lambda: next_due(CAR, after=date(2026, 3, 1), current_valid_until=(2024, 2)),
        lambda: exemption_allowed(CAR, on=datetime(2026, 3, 1, tzinfo=UTC)),
        lambda: exemption_allowed(CAR, on=date(2020, 1, 1)),
        lambda: inspection_schedule(CAR, until="2030-01-01"),  # type: ignore[arg-type]
        lambda: application_window((2026, 0)),
        lambda: application_window("2026-03"),  # type: ignore[arg-type]
    ],
)
def test_functions_raise_usage_error_on_programming_errors(call: object) -> None:
    with pytest.raises(UsageError):
        call()  # type: ignore[operator]
