"""issuer.policy.exemption_allowed: marks by application, refusals as results with stable codes."""

from __future__ import annotations

from datetime import date

import pytest

from vic.issuer.policy import (
    ExemptionCode,
    ExemptionDecision,
    UseCategory,
    VehicleFacts,
    exemption_allowed,
)

SMALL = UseCategory.SMALL_NON_OPERATING_PASSENGER
CODE = ExemptionCode


def decide(on: date, registered: date, seats: int = 5, **facts: object) -> ExemptionDecision:
    category = facts.pop("category", SMALL)
    car = VehicleFacts(category, seats, registered, **facts)  # type: ignore[arg-type]
    return exemption_allowed(car, on=on)


def test_a_two_year_old_small_car_may_apply() -> None:
    decision = decide(date(2024, 4, 15), date(2022, 5, 10))
    assert decision.allowed
    assert decision.code is CODE.ALLOWED
    assert decision.due == (2024, 5)
    assert decision.valid_until_month == (2026, 5)
    assert decision.regime == "reform-2022"
    assert "by application" in decision.message


CAR = "2022-05-10"  # registered; year 2 due 2024-05, window 2024-03-01..2024-05-31
IN_WINDOW = "2024-04-15"
TRUCK = {"category": UseCategory.TRUCK}
TAXI = {"category": UseCategory.OPERATING_PASSENGER}
BUS = {"category": UseCategory.LARGE_MEDIUM_NON_OPERATING_PASSENGER}
TRACTOR = {"category": UseCategory.TRACTOR}


@pytest.mark.parametrize(
    ("on", "registered", "seats", "facts", "code"),
    [
        # who is excluded
        (IN_WINDOW, CAR, 7, {"is_van": True}, CODE.VAN),
        (IN_WINDOW, CAR, 5, {"casualty_accident": True}, CODE.CASUALTY_ACCIDENT),
        (IN_WINDOW, CAR, 5, {"modification_penalty": True}, CODE.ILLEGAL_MODIFICATION),
        (IN_WINDOW, CAR, 5, {"manufactured": date(2018, 5, 9)}, CODE.LATE_REGISTRATION),
        (IN_WINDOW, CAR, 3, TRUCK, CODE.NOT_ELIGIBLE_CATEGORY),
        (IN_WINDOW, CAR, 5, TAXI, CODE.NOT_ELIGIBLE_CATEGORY),
        (IN_WINDOW, CAR, 20, BUS, CODE.NOT_ELIGIBLE_CATEGORY),
        (IN_WINDOW, CAR, 1, TRACTOR, CODE.NOT_ELIGIBLE_CATEGORY),
        # when: the age at the due and the window
        ("2032-05-01", CAR, 5, {}, CODE.TOO_OLD),  # year 10, 2022 reform
        ("2028-05-01", CAR, 5, {}, CODE.NOT_IN_APPLICATION_YEAR),  # year 6, 2022 reform
        ("2018-10-01", "2012-10-10", 5, {}, CODE.TOO_OLD),  # year 6, 2014 regime
        ("2021-06-01", "2013-06-06", 5, {}, CODE.TOO_OLD),  # year 8, 2020 regime
        ("2024-02-29", CAR, 5, {}, CODE.TOO_EARLY),  # the window opens 2024-03-01
        ("2022-05-20", CAR, 5, {}, CODE.TOO_EARLY),  # the registration month
        ("2014-06-01", "2012-06-10", 5, {}, CODE.NOT_IN_FORCE),  # before 2014-09-01
        # seats: 7-9 were outside the 2014 exemption
        ("2018-05-05", "2016-05-05", 7, {}, CODE.TOO_MANY_SEATS),
    ],
)
def test_refusals_are_results_with_stable_codes(
    on: str, registered: str, seats: int, facts: dict[str, object], code: ExemptionCode
) -> None:
    decision = decide(date.fromisoformat(on), date.fromisoformat(registered), seats, **facts)
    assert not decision.allowed
    assert decision.code is code
    assert decision.valid_until_month is None
    assert decision.message


def test_refusals_come_in_a_fixed_order() -> None:
    everything = {"is_van": True, "casualty_accident": True, "modification_penalty": True}
    assert decide(date(2024, 4, 15), date(2022, 5, 10), 7, **everything).code is CODE.VAN
    assert decide(date(2032, 5, 1), date(2022, 5, 10), 5, casualty_accident=True).code is (
        CODE.CASUALTY_ACCIDENT
    )
    assert decide(date(2024, 1, 31), date(2012, 1, 31), 5).code is CODE.TOO_OLD  # not TOO_EARLY


def test_seven_to_nine_seats_join_the_exemption_on_2020_11_20() -> None:
    registered = date(2018, 11, 10)  # year 2 due 2020-11
    assert decide(date(2020, 11, 19), registered, 7).code is CODE.TOO_MANY_SEATS
    assert decide(date(2020, 11, 20), registered, 7).code is CODE.ALLOWED
    assert decide(date(2020, 11, 19), registered, 6).code is CODE.ALLOWED
    assert decide(date(2020, 11, 20), registered, 9).code is CODE.ALLOWED


def test_seven_seats_get_the_ten_year_term_from_2022_10_01() -> None:
    registered = date(2014, 11, 25)  # year 8 due 2022-11, window from 2022-09-01
    assert decide(date(2022, 9, 30), registered, 7).code is CODE.TOO_OLD
    after = decide(date(2022, 10, 1), registered, 7)
    assert after.code is CODE.ALLOWED
    assert after.valid_until_month == (2024, 11)


def test_a_dated_casualty_accident_counts_from_its_day() -> None:
    registered = date(2022, 5, 10)
    facts = {"casualty_accident": True, "casualty_accident_date": date(2024, 6, 1)}
    assert decide(date(2024, 4, 15), registered, 5, **facts).code is CODE.ALLOWED
    assert decide(date(2026, 4, 15), registered, 5, **facts).code is CODE.CASUALTY_ACCIDENT


def test_late_registration_is_more_than_four_years_for_cars_five_for_motorcycles() -> None:
    registered = date(2023, 1, 2)
    on = date(2025, 1, 2)
    assert decide(on, registered, 5, manufactured=date(2019, 1, 2)).code is CODE.ALLOWED
    assert decide(on, registered, 5, manufactured=date(2019, 1, 1)).code is CODE.LATE_REGISTRATION
    moto = {"category": UseCategory.MOTORCYCLE}
    assert decide(on, registered, 2, manufactured=date(2018, 6, 1), **moto).code is CODE.ALLOWED
    assert decide(on, registered, 2, manufactured=date(2017, 6, 1), **moto).code is (
        CODE.LATE_REGISTRATION
    )


@pytest.mark.parametrize(
    ("on", "registered", "code", "until"),
    [
        (date(2017, 4, 4), date(2013, 4, 4), CODE.NOT_ELIGIBLE_CATEGORY, None),  # 2014: cars only
        (date(2021, 5, 5), date(2016, 5, 5), CODE.ALLOWED, (2022, 5)),  # year 5, 2020
        (date(2022, 7, 7), date(2016, 7, 7), CODE.TOO_OLD, None),  # year 6, 2020
        (date(2025, 1, 5), date(2017, 1, 15), CODE.ALLOWED, (2027, 1)),  # year 8, 2022
        (date(2023, 7, 7), date(2017, 7, 7), CODE.NOT_IN_APPLICATION_YEAR, None),  # year 6, 2022
    ],
)
def test_motorcycles(
    on: date, registered: date, code: ExemptionCode, until: tuple[int, int] | None
) -> None:
    decision = decide(on, registered, 2, category=UseCategory.MOTORCYCLE)
    assert decision.code is code
    assert decision.valid_until_month == until


def test_the_current_validity_decides_too_early_against_overdue() -> None:
    car = VehicleFacts(SMALL, 5, date(2022, 5, 10))
    early = exemption_allowed(car, on=date(2024, 2, 29), current_valid_until=(2024, 5))
    assert early.code is CODE.TOO_EARLY
    overdue = exemption_allowed(car, on=date(2024, 9, 1), current_valid_until=(2024, 5))
    assert overdue.code is CODE.ALLOWED
    assert overdue.due == (2024, 5)
    assert overdue.valid_until_month == (2026, 5)
    presumed = exemption_allowed(car, on=date(2024, 9, 1))
    assert presumed.code is CODE.TOO_EARLY
    assert presumed.due == (2026, 5)
