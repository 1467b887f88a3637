"""The policy's answers: the validity an event grants, exemption by application, the schedule.

Every answer comes from the regime in force on the day of the event (:func:`regime_on`); a due
month is located from the vehicle's first registration (or its current validity), settled, and
the period that follows it read from the regime's bands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vic.contexts.errors import UsageError
from vic.issuer.policy.facts import VehicleFacts
from vic.issuer.policy.months import (
    YearMonth,
    add_years,
    age_text,
    check_day,
    check_year_month,
    format_month,
    last_day,
    month_index,
    window_start,
    year_month,
)
from vic.issuer.policy.outcomes import (
    Due,
    ExemptionCode,
    ExemptionDecision,
    ScheduledDue,
    Timing,
)
from vic.issuer.policy.table import REGIMES, Band, Regime, regime_on
from vic.vc.mark import InspectionBasis


def application_window(due_month: YearMonth) -> tuple[date, date]:
    """The first and last day on which a due may be settled: the due month and the two before.

    :raises UsageError: ``due_month`` is not a ``(year, month)`` tuple.
    """
    index = check_year_month(due_month, "due_month")
    return window_start(index), last_day(index)


def next_due(
    vehicle: VehicleFacts, *, after: date, current_valid_until: YearMonth | None = None
) -> Due:
    """The validity that a passed inspection (or an exemption mark) on ``after`` grants.

    The regime in force on ``after`` decides. ``current_valid_until`` is the vehicle's current
    validity month if the caller knows it; without it the vehicle is presumed to have kept its
    schedule, so a day outside every window is too early rather than overdue. An overdue event
    settles the latest due whose window has opened, and the next validity still counts from that
    due month.

    :raises UsageError: bad arguments, or ``after`` before the first registration.
    """
    _check_vehicle(vehicle)
    check_day(after, "after")
    regime = regime_on(after)
    position = _locate(vehicle, after, current_valid_until)
    if position.settles is None:
        code, _ = _exemption_code(regime, vehicle, position.upcoming, after)
        return Due(
            valid_until_month=year_month(position.upcoming),
            basis=_basis(code),
            timing=position.timing,
            settles=None,
            regime=regime.name,
            rule=f"{regime.name}: too early; the window of the due "
            f"{format_month(position.upcoming)} opens {window_start(position.upcoming)}; "
            f"the validity is unchanged",
        )
    following, band = _step(regime, vehicle, position.settles)
    code, exemption_text = _exemption_code(regime, vehicle, position.settles, after)
    age = age_text(position.settles - month_index(vehicle.first_registration))
    return Due(
        valid_until_month=year_month(following),
        basis=_basis(code),
        timing=position.timing,
        settles=year_month(position.settles),
        regime=regime.name,
        rule=f"{regime.name}: due {format_month(position.settles)} ({age}): {band.text}; "
        f"{exemption_text}",
    )


def exemption_allowed(
    vehicle: VehicleFacts, *, on: date, current_valid_until: YearMonth | None = None
) -> ExemptionDecision:
    """Whether the owner may get the mark by application, without on-site inspection, on ``on``.

    A refusal is a decision with a stable :class:`ExemptionCode`, never an exception. The checks,
    in order: a scheme in force, the category, van, seats, casualty accident, late registration,
    illegal modification, the age at the due (TOO_OLD, NOT_IN_APPLICATION_YEAR), then the window
    (TOO_EARLY). ``current_valid_until`` is as for :func:`next_due`.

    :raises UsageError: bad arguments, or ``on`` before the first registration.
    """
    _check_vehicle(vehicle)
    check_day(on, "on")
    regime = regime_on(on)
    position = _locate(vehicle, on, current_valid_until)
    target = position.upcoming if position.settles is None else position.settles
    code, message = _exemption_code(regime, vehicle, target, on)
    if code is ExemptionCode.ALLOWED and position.settles is None:
        code = ExemptionCode.TOO_EARLY
        message = (
            f"the application window of the due {format_month(target)} opens "
            f"{window_start(target)}; the current mark is valid until then"
        )
    valid_until: YearMonth | None = None
    if code is ExemptionCode.ALLOWED:
        valid_until = year_month(_step(regime, vehicle, target)[0])
    return ExemptionDecision(
        allowed=code is ExemptionCode.ALLOWED,
        code=code,
        message=message,
        regime=regime.name,
        due=year_month(target),
        valid_until_month=valid_until,
    )


def inspection_schedule(vehicle: VehicleFacts, *, until: date) -> list[ScheduledDue]:
    """The projected dues after the registration, up to the month of ``until`` included.

    Each due is assumed settled on its due date (the last day of its month): the regime in force
    then decides its basis and the period that follows, and the vehicle's facts as of then decide
    the exemption. Dues before 2004-05-01 are projected with the first row of the table.

    :raises UsageError: bad arguments.
    """
    _check_vehicle(vehicle)
    check_day(until, "until")
    registration = month_index(vehicle.first_registration)
    last = month_index(until)
    out: list[ScheduledDue] = []
    due, _ = _projected_step(vehicle, registration)
    while due <= last:
        regime = _projection_regime(due)
        code, text = _exemption_code(regime, vehicle, due, last_day(due))
        band = _band(regime, vehicle, due)
        out.append(
            ScheduledDue(
                due_month=year_month(due),
                age_months=due - registration,
                basis=_basis(code),
                regime=regime.name,
                rule=f"{band.text}; {text}",
            )
        )
        due, _ = _projected_step(vehicle, due)
    return out


@dataclass(frozen=True)
class _Position:
    settles: int | None
    upcoming: int
    timing: Timing


def _locate(vehicle: VehicleFacts, day: date, current: YearMonth | None) -> _Position:
    """Which due an event on ``day`` settles (month indexes), and how it is timed."""
    if day < vehicle.first_registration:
        raise UsageError(f"the event day {day} is before the first registration")
    registration = month_index(vehicle.first_registration)
    if current is None:
        due = registration
        following, _ = _projected_step(vehicle, due)
        while day >= window_start(following):
            due = following
            following, _ = _projected_step(vehicle, due)
        if day <= last_day(due):
            return _Position(due, following, Timing.IN_WINDOW)
        return _Position(None, following, Timing.TOO_EARLY)
    due = check_year_month(current, "current_valid_until")
    if due < registration:
        raise UsageError("current_valid_until is before the month of first registration")
    if day < window_start(due):
        return _Position(None, due, Timing.TOO_EARLY)
    if day <= last_day(due):
        return _Position(due, due, Timing.IN_WINDOW)
    following, _ = _projected_step(vehicle, due)
    while day >= window_start(following):
        due = following
        following, _ = _projected_step(vehicle, due)
    return _Position(due, following, Timing.OVERDUE)


def _band(regime: Regime, vehicle: VehicleFacts, due: int) -> Band:
    age = due - month_index(vehicle.first_registration)
    return [band for band in regime.bands_for(vehicle) if band.from_years * 12 <= age][-1]


def _step(regime: Regime, vehicle: VehicleFacts, due: int) -> tuple[int, Band]:
    """The due that follows ``due`` when it is settled under ``regime``."""
    registration = month_index(vehicle.first_registration)
    band = _band(regime, vehicle, due)
    following = due + band.every_months
    later = [b for b in regime.bands_for(vehicle) if b.from_years > band.from_years]
    if later:
        following = min(following, registration + later[0].from_years * 12)
    return following, band


def _projection_regime(due: int) -> Regime:
    return regime_on(max(last_day(due), REGIMES[0].in_force_from))


def _projected_step(vehicle: VehicleFacts, due: int) -> tuple[int, Band]:
    return _step(_projection_regime(due), vehicle, due)


def _exemption_code(
    regime: Regime, vehicle: VehicleFacts, due: int, day: date
) -> tuple[ExemptionCode, str]:
    """Whether the due may be settled by application on ``day``, timing aside."""
    if not regime.exemptions:
        return ExemptionCode.NOT_IN_FORCE, f"no exemption scheme in force on {day}; on site"
    rule = regime.exemption_for(vehicle.category)
    if rule is None:
        return ExemptionCode.NOT_ELIGIBLE_CATEGORY, f"no exemption for {vehicle.category}; on site"
    if vehicle.is_van:
        return ExemptionCode.VAN, "vans (面包车) are excluded from the exemption; on site"
    if rule.max_seats is not None and vehicle.seats > rule.max_seats:
        return (
            ExemptionCode.TOO_MANY_SEATS,
            f"{vehicle.seats} seats: the exemption of {regime.name} covers at most "
            f"{rule.max_seats}; on site",
        )
    if vehicle.casualty_on_record(day):
        return ExemptionCode.CASUALTY_ACCIDENT, "an accident with casualties on record; on site"
    if vehicle.manufactured is not None and vehicle.first_registration > add_years(
        vehicle.manufactured, rule.late_registration_years
    ):
        return (
            ExemptionCode.LATE_REGISTRATION,
            f"first registered more than {rule.late_registration_years} years after "
            "manufacture; on site",
        )
    if vehicle.modification_penalty:
        return ExemptionCode.ILLEGAL_MODIFICATION, "penalized for illegal modification; on site"
    age = due - month_index(vehicle.first_registration)
    if age == 0:
        return ExemptionCode.TOO_EARLY, "the registration itself issues the first mark"
    if age >= rule.before_years * 12:
        return (
            ExemptionCode.TOO_OLD,
            f"{age_text(age)} is past the {rule.before_years}-year exemption; on site",
        )
    if age % 12 == 0 and age // 12 in rule.on_site_years:
        return (
            ExemptionCode.NOT_IN_APPLICATION_YEAR,
            f"{age_text(age)} needs an on-site inspection ({rule.text})",
        )
    return ExemptionCode.ALLOWED, f"{rule.text}: mark by application"


def _basis(code: ExemptionCode) -> InspectionBasis:
    return InspectionBasis.EXEMPT if code is ExemptionCode.ALLOWED else InspectionBasis.ON_SITE


def _check_vehicle(value: object) -> None:
    if not isinstance(value, VehicleFacts):
        raise UsageError(f"vehicle must be a VehicleFacts, got {type(value).__name__}")
