"""China's periodic inspection policy as a dated table: periods, exemption, validity.

docs/policy.md is the guide.

The policy is data: :data:`REGIMES` lists the rules in force from a given day, and every question
is answered by the regime in force on the day of the event (:func:`regime_on`). The functions are
pure: dates are :class:`datetime.date` values the caller supplies (the clock is the caller's), and
nothing is read or written.

- :func:`next_due` — the end of the validity that an inspection passed (or an exemption mark
  issued) on a day grants, as a month; :meth:`Due.valid_until` turns it into the mark's
  ``validUntil`` instant.
- :func:`exemption_allowed` — whether the owner may get the mark by application, without on-site
  inspection, on a day; a refusal is a result with a stable :class:`ExemptionCode`, never an
  exception.
- :func:`inspection_schedule` — the projected due months and whether each is on site or by
  application.
- :func:`application_window` — the three calendar months in which a due may be settled.

How validity is counted (docs/policy.md has the sources and the choices):

- Due months are anniversaries of the month of first registration; a validity ends on the last day
  of a due month (China Standard Time).
- A due may be settled in its month or the two months before (机动车登记规定 2021, art. 54:
  "检验有效期满前三个月内"); the next validity counts from the due month, not from the day of the
  inspection, so inspecting early in the window costs nothing.
- The period that starts at a due depends on the vehicle's age at that due month: a threshold
  counts as reached on its anniversary ("达到和超过6年"), and a period never runs past the next
  threshold.

Programming errors (wrong types, naive datetimes where a date is meant, impossible facts) raise
:class:`~vic.contexts.errors.UsageError`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final, Protocol

from vic.contexts.errors import UsageError
from vic.vc.jsonio import is_int
from vic.vc.mark import InspectionBasis, valid_until_for_month

__all__ = [
    "REGIMES",
    "WINDOW_MONTHS",
    "Band",
    "Due",
    "ExemptionCode",
    "ExemptionDecision",
    "ExemptionRule",
    "InspectionBasis",
    "PeriodRule",
    "Regime",
    "ScheduledDue",
    "Timing",
    "UseCategory",
    "VehicleFacts",
    "YearMonth",
    "application_window",
    "exemption_allowed",
    "inspection_schedule",
    "next_due",
    "regime_on",
]

YearMonth = tuple[int, int]
"""A calendar month as ``(year, month)``, month 1-12."""

WINDOW_MONTHS: Final = 3
"""A due may be settled in its own month and the two calendar months before it."""


class UseCategory(StrEnum):
    """The use categories of 道路交通安全法实施条例 art. 16 that decide the inspection period.

    A van (面包车) is not a category of its own: it is a small/mini passenger car with
    :attr:`VehicleFacts.is_van` set, because art. 16 treats it as one and only the exemption and
    the reforms single it out.
    """

    SMALL_NON_OPERATING_PASSENGER = "small_non_operating_passenger"
    """小型、微型非营运载客汽车: at most 9 seats (private cars, the exemption's subject)."""
    OPERATING_PASSENGER = "operating_passenger"
    """营运载客汽车: taxis, coaches, buses, ride-hailing cars."""
    LARGE_MEDIUM_NON_OPERATING_PASSENGER = "large_medium_non_operating_passenger"
    """大型、中型非营运载客汽车."""
    TRUCK = "truck"
    """载货汽车."""
    MOTORCYCLE = "motorcycle"
    """摩托车."""
    TRACTOR = "tractor"
    """拖拉机 (on-road tractors)."""
    OTHER = "other"
    """其他机动车: every other motor vehicle."""


class ExemptionCode(StrEnum):
    """Why :func:`exemption_allowed` allowed or refused an application. Stable codes."""

    ALLOWED = "ALLOWED"
    NOT_IN_FORCE = "NOT_IN_FORCE"
    """No exemption scheme was in force on the day (before 2014-09-01)."""
    NOT_ELIGIBLE_CATEGORY = "NOT_ELIGIBLE_CATEGORY"
    """The use category has no exemption in the regime (trucks, operating vehicles...)."""
    VAN = "VAN"
    """Vans (面包车) are excluded in every regime."""
    TOO_MANY_SEATS = "TOO_MANY_SEATS"
    """More seats than the regime allows (7 or more before 2020-11-20)."""
    CASUALTY_ACCIDENT = "CASUALTY_ACCIDENT"
    """An accident with casualties (造成人员伤亡的交通事故) is on record."""
    LATE_REGISTRATION = "LATE_REGISTRATION"
    """First registered more than 4 years (motorcycles: 5) after leaving the factory."""
    ILLEGAL_MODIFICATION = "ILLEGAL_MODIFICATION"
    """Penalized for an illegal modification (非法改装被依法处罚)."""
    TOO_OLD = "TOO_OLD"
    """The due falls at or past the end of the exemption term (year 6, or year 10 from 2022)."""
    NOT_IN_APPLICATION_YEAR = "NOT_IN_APPLICATION_YEAR"
    """The due falls in a year inside the term that needs an on-site inspection (year 6, 2022)."""
    TOO_EARLY = "TOO_EARLY"
    """The application window of the next due has not opened (the mark is still valid)."""


class Timing(StrEnum):
    """How an event's day relates to the due it settles."""

    IN_WINDOW = "IN_WINDOW"
    """In the due month or the two months before it."""
    OVERDUE = "OVERDUE"
    """After the validity ended (only known when the current validity is given)."""
    TOO_EARLY = "TOO_EARLY"
    """Before the window of the next due: no due is settled and the validity is unchanged."""


# --- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """From ``from_years`` of age (reached on the anniversary), a due every ``every_months``."""

    from_years: int
    every_months: int
    text: str


@dataclass(frozen=True)
class PeriodRule:
    """The bands of one use category; ``van`` None applies to vans and non-vans alike."""

    category: UseCategory
    bands: tuple[Band, ...]
    van: bool | None = None


@dataclass(frozen=True)
class ExemptionRule:
    """Which vehicles may get the mark by application, and for which dues.

    A due at age ``a`` (months since the month of first registration) may be settled by
    application when ``0 < a < before_years * 12`` and ``a`` is not one of ``on_site_years``;
    every other due needs an on-site inspection. Vans are always excluded; ``max_seats`` None
    sets no limit on seats.
    """

    categories: frozenset[UseCategory]
    max_seats: int | None
    before_years: int
    on_site_years: frozenset[int]
    late_registration_years: int
    text: str


@dataclass(frozen=True)
class Regime:
    """One row of the table: the rules in force from ``in_force_from`` until the next row."""

    name: str
    in_force_from: date
    title: str
    periods: tuple[PeriodRule, ...]
    exemptions: tuple[ExemptionRule, ...]

    def bands_for(self, vehicle: VehicleFacts) -> tuple[Band, ...]:
        """The period bands that apply to ``vehicle`` in this regime."""
        for rule in self.periods:
            if rule.category is vehicle.category and rule.van in (None, vehicle.is_van):
                return rule.bands
        raise UsageError(f"regime {self.name} has no periods for {vehicle.category}")

    def exemption_for(self, category: UseCategory) -> ExemptionRule | None:
        """The exemption rule covering ``category``, or None."""
        for rule in self.exemptions:
            if category in rule.categories:
                return rule
        return None


_A16 = "实施条例 art. 16"
ART16_SMALL: Final = (
    Band(0, 24, f"{_A16}(3): small/mini non-operating passenger car, 6年以内每2年检验1次"),
    Band(6, 12, f"{_A16}(3): 超过6年的，每年检验1次"),
    Band(15, 6, f"{_A16}(3): 超过15年的，每6个月检验1次"),
)
ART16_OPERATING: Final = (
    Band(0, 12, f"{_A16}(1): operating passenger vehicle, 5年以内每年检验1次"),
    Band(5, 6, f"{_A16}(1): 超过5年的，每6个月检验1次"),
)
ART16_TRUCK_LARGE: Final = (
    Band(0, 12, f"{_A16}(2): truck or large/medium non-operating passenger, 10年以内每年检验1次"),
    Band(10, 6, f"{_A16}(2): 超过10年的，每6个月检验1次"),
)
ART16_MOTORCYCLE: Final = (
    Band(0, 24, f"{_A16}(4): motorcycle, 4年以内每2年检验1次"),
    Band(4, 12, f"{_A16}(4): 超过4年的，每年检验1次"),
)
ART16_OTHER: Final = (Band(0, 12, f"{_A16}(5): 拖拉机和其他机动车每年检验1次"),)
REFORM2020_SMALL: Final = (
    Band(0, 24, "2020 reform: non-van small/mini car, every 2 years within 10 years"),
    Band(10, 12, f"2020 reform / {_A16}(3): over 10 years, every year"),
    Band(15, 6, f"{_A16}(3): 超过15年的，每6个月检验1次"),
)
REFORM2022_SMALL: Final = (
    Band(0, 24, "2022 reform: non-van small/mini car (≤9 seats), every 2 years within 10 years"),
    Band(10, 12, "2022 reform: over 10 years every year (the 15-year half-yearly step is gone)"),
)
REFORM2022_MOTORCYCLE: Final = (
    Band(0, 24, "2022 reform: motorcycle, every 2 years within 10 years"),
    Band(10, 12, "2022 reform: motorcycle over 10 years, every year"),
)


def _periods(
    *,
    small_non_van: tuple[Band, ...] = ART16_SMALL,
    motorcycle: tuple[Band, ...] = ART16_MOTORCYCLE,
) -> tuple[PeriodRule, ...]:
    return (
        PeriodRule(UseCategory.SMALL_NON_OPERATING_PASSENGER, small_non_van, van=False),
        PeriodRule(UseCategory.SMALL_NON_OPERATING_PASSENGER, ART16_SMALL, van=True),
        PeriodRule(UseCategory.OPERATING_PASSENGER, ART16_OPERATING),
        PeriodRule(UseCategory.LARGE_MEDIUM_NON_OPERATING_PASSENGER, ART16_TRUCK_LARGE),
        PeriodRule(UseCategory.TRUCK, ART16_TRUCK_LARGE),
        PeriodRule(UseCategory.MOTORCYCLE, motorcycle),
        PeriodRule(UseCategory.TRACTOR, ART16_OTHER),
        PeriodRule(UseCategory.OTHER, ART16_OTHER),
    )


_SMALL: Final = frozenset({UseCategory.SMALL_NON_OPERATING_PASSENGER})
_MOTORCYCLE: Final = frozenset({UseCategory.MOTORCYCLE})

REGIMES: Final[tuple[Regime, ...]] = (
    Regime(
        name="art16-2004",
        in_force_from=date(2004, 5, 1),
        title="道路交通安全法实施条例 (国务院令第405号) art. 16; no exemption",
        periods=_periods(),
        exemptions=(),
    ),
    Regime(
        name="exempt-2014",
        in_force_from=date(2014, 9, 1),
        title="公安部、质检总局: 6年以内的非营运轿车和其他小型、微型载客汽车"
        "（面包车、7座及7座以上车辆除外）免检",
        periods=_periods(),
        exemptions=(
            ExemptionRule(
                _SMALL,
                max_seats=6,
                before_years=6,
                on_site_years=frozenset(),
                late_registration_years=4,
                text="2014 exemption: years 2 and 4 by application, on site from year 6",
            ),
        ),
    ),
    Regime(
        name="reform-2020",
        in_force_from=date(2020, 11, 20),
        title="2020 reform: 7-9 seats into the 6-year exemption; 6-10 years every 2 years",
        periods=_periods(small_non_van=REFORM2020_SMALL),
        exemptions=(
            ExemptionRule(
                _SMALL,
                max_seats=9,
                before_years=6,
                on_site_years=frozenset(),
                late_registration_years=4,
                text="2020 exemption: years 2 and 4 by application, on site in years 6, 8, 10",
            ),
            ExemptionRule(
                _MOTORCYCLE,
                max_seats=None,
                before_years=6,
                on_site_years=frozenset(),
                late_registration_years=5,
                text="motorcycle exemption (date unconfirmed): years 2, 4, 5 by application",
            ),
        ),
    ),
    Regime(
        name="reform-2022",
        in_force_from=date(2022, 10, 1),
        title="公安部、市场监管总局、生态环境部、交通运输部 关于深化机动车检验制度改革"
        "优化车检服务工作的意见",
        periods=_periods(small_non_van=REFORM2022_SMALL, motorcycle=REFORM2022_MOTORCYCLE),
        exemptions=(
            ExemptionRule(
                _SMALL,
                max_seats=9,
                before_years=10,
                on_site_years=frozenset({6}),
                late_registration_years=4,
                text="2022 reform: years 2, 4, 8 by application, on site in years 6 and 10",
            ),
            ExemptionRule(
                _MOTORCYCLE,
                max_seats=None,
                before_years=10,
                on_site_years=frozenset({6}),
                late_registration_years=5,
                text="2022 reform: motorcycle years 2, 4, 8 by application, on site in 6 and 10",
            ),
        ),
    ),
)


# --- facts and results ---------------------------------------------------------------------------


class RegisteredFacts(Protocol):
    """What a registration or a stored vehicle says of itself that the policy reads."""

    @property
    def use_category(self) -> str: ...
    @property
    def seats(self) -> int: ...
    @property
    def first_registration(self) -> date: ...
    @property
    def is_van(self) -> bool: ...
    @property
    def casualty_accident(self) -> bool: ...
    @property
    def casualty_accident_date(self) -> date | None: ...


@dataclass(frozen=True)
class VehicleFacts:
    """What the policy needs to know about a vehicle. Construction validates every field.

    ``casualty_accident`` records an accident with casualties (造成人员伤亡的交通事故);
    ``casualty_accident_date``, when known, keeps the accident from counting before it happened.
    ``manufactured`` (出厂日期) and ``modification_penalty`` (非法改装被依法处罚) are the other
    two exclusions the sources name; unknown manufacture dates exclude nobody.
    """

    category: UseCategory
    seats: int
    first_registration: date
    is_van: bool = False
    casualty_accident: bool = False
    casualty_accident_date: date | None = None
    manufactured: date | None = None
    modification_penalty: bool = False

    @classmethod
    def of(cls, vehicle: RegisteredFacts) -> VehicleFacts:
        """The facts of a registration or a stored vehicle (``use_category`` as its value)."""
        return cls(
            category=UseCategory(vehicle.use_category),
            seats=vehicle.seats,
            first_registration=vehicle.first_registration,
            is_van=vehicle.is_van,
            casualty_accident=vehicle.casualty_accident,
            casualty_accident_date=vehicle.casualty_accident_date,
        )

    def __post_init__(self) -> None:
        if not isinstance(self.category, UseCategory):
            raise UsageError(f"category must be a UseCategory, got {self.category!r}")
        if not is_int(self.seats) or self.seats < 1:
            raise UsageError(f"seats must be a positive int, got {self.seats!r}")
        small = self.category is UseCategory.SMALL_NON_OPERATING_PASSENGER
        if small and self.seats > 9:
            raise UsageError(
                f"a small/mini passenger car seats at most 9, got {self.seats}: "
                "use LARGE_MEDIUM_NON_OPERATING_PASSENGER"
            )
        _check_day(self.first_registration, "first_registration")
        for name in ("is_van", "casualty_accident", "modification_penalty"):
            if not isinstance(getattr(self, name), bool):
                raise UsageError(f"{name} must be a bool, got {getattr(self, name)!r}")
        if self.is_van and self.category not in (
            UseCategory.SMALL_NON_OPERATING_PASSENGER,
            UseCategory.OPERATING_PASSENGER,
        ):
            raise UsageError(f"is_van applies to passenger cars, not to {self.category}")
        if self.casualty_accident_date is not None:
            _check_day(self.casualty_accident_date, "casualty_accident_date")
            if not self.casualty_accident:
                raise UsageError("casualty_accident_date given but casualty_accident is False")
        if self.manufactured is not None:
            _check_day(self.manufactured, "manufactured")
            if self.manufactured > self.first_registration:
                raise UsageError("manufactured is after first_registration")

    def casualty_on_record(self, day: date) -> bool:
        """Whether an accident with casualties is on record on ``day``."""
        if not self.casualty_accident:
            return False
        return self.casualty_accident_date is None or self.casualty_accident_date <= day


@dataclass(frozen=True)
class Due:
    """The validity an event grants, and what the due it settles required.

    ``valid_until_month`` is the month whose last instant (China Standard Time) ends the validity.
    ``settles`` is the due month the event settles, None when the event is too early to settle
    any (then the validity is the current one, unchanged, and ``basis`` is what the coming due
    will need). ``basis`` is ``EXEMPT`` when the due may be settled by application without
    on-site inspection, else ``ON_SITE`` (also for the registration itself).
    """

    valid_until_month: YearMonth
    basis: InspectionBasis
    timing: Timing
    settles: YearMonth | None
    regime: str
    rule: str

    def valid_until(self) -> datetime:
        """The mark's ``validUntil``: the last second of the month in CST, as an aware UTC time."""
        return valid_until_for_month(*self.valid_until_month)


@dataclass(frozen=True)
class ExemptionDecision:
    """The answer to an application for a mark without on-site inspection.

    ``due`` is the due month the application concerns; ``valid_until_month`` is the validity the
    mark would carry when ``allowed`` (None otherwise).
    """

    allowed: bool
    code: ExemptionCode
    message: str
    regime: str
    due: YearMonth | None
    valid_until_month: YearMonth | None


@dataclass(frozen=True)
class ScheduledDue:
    """One projected due: its month, the age then, and whether it is on site or by application."""

    due_month: YearMonth
    age_months: int
    basis: InspectionBasis
    regime: str
    rule: str


# --- public functions ----------------------------------------------------------------------------


def regime_on(day: date) -> Regime:
    """The regime in force on ``day`` (the day of the event, in China).

    :raises UsageError: ``day`` is not a date, or is before 2004-05-01 (no regime in the table).
    """
    _check_day(day, "day")
    if day < REGIMES[0].in_force_from:
        raise UsageError(f"no inspection regime in the table before {REGIMES[0].in_force_from}")
    return [regime for regime in REGIMES if regime.in_force_from <= day][-1]


def application_window(due_month: YearMonth) -> tuple[date, date]:
    """The first and last day on which a due may be settled: the due month and the two before.

    :raises UsageError: ``due_month`` is not a ``(year, month)`` tuple.
    """
    index = _check_year_month(due_month, "due_month")
    return _window_start(index), _last_day(index)


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
    _check_day(after, "after")
    regime = regime_on(after)
    position = _locate(vehicle, after, current_valid_until)
    if position.settles is None:
        code, _ = _exemption_code(regime, vehicle, position.upcoming, after)
        return Due(
            valid_until_month=_year_month(position.upcoming),
            basis=_basis(code),
            timing=position.timing,
            settles=None,
            regime=regime.name,
            rule=f"{regime.name}: too early; the window of the due "
            f"{_format(position.upcoming)} opens {_window_start(position.upcoming)}; "
            f"the validity is unchanged",
        )
    following, band = _step(regime, vehicle, position.settles)
    code, exemption_text = _exemption_code(regime, vehicle, position.settles, after)
    age = _age_text(position.settles - _month_index(vehicle.first_registration))
    return Due(
        valid_until_month=_year_month(following),
        basis=_basis(code),
        timing=position.timing,
        settles=_year_month(position.settles),
        regime=regime.name,
        rule=f"{regime.name}: due {_format(position.settles)} ({age}): {band.text}; "
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
    _check_day(on, "on")
    regime = regime_on(on)
    position = _locate(vehicle, on, current_valid_until)
    target = position.upcoming if position.settles is None else position.settles
    code, message = _exemption_code(regime, vehicle, target, on)
    if code is ExemptionCode.ALLOWED and position.settles is None:
        code = ExemptionCode.TOO_EARLY
        message = (
            f"the application window of the due {_format(target)} opens "
            f"{_window_start(target)}; the current mark is valid until then"
        )
    valid_until: YearMonth | None = None
    if code is ExemptionCode.ALLOWED:
        valid_until = _year_month(_step(regime, vehicle, target)[0])
    return ExemptionDecision(
        allowed=code is ExemptionCode.ALLOWED,
        code=code,
        message=message,
        regime=regime.name,
        due=_year_month(target),
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
    _check_day(until, "until")
    registration = _month_index(vehicle.first_registration)
    last = _month_index(until)
    out: list[ScheduledDue] = []
    due, _ = _projected_step(vehicle, registration)
    while due <= last:
        regime = _projection_regime(due)
        code, text = _exemption_code(regime, vehicle, due, _last_day(due))
        band = _band(regime, vehicle, due)
        out.append(
            ScheduledDue(
                due_month=_year_month(due),
                age_months=due - registration,
                basis=_basis(code),
                regime=regime.name,
                rule=f"{band.text}; {text}",
            )
        )
        due, _ = _projected_step(vehicle, due)
    return out


# --- the machinery -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Position:
    settles: int | None
    upcoming: int
    timing: Timing


def _locate(vehicle: VehicleFacts, day: date, current: YearMonth | None) -> _Position:
    """Which due an event on ``day`` settles (month indexes), and how it is timed."""
    if day < vehicle.first_registration:
        raise UsageError(f"the event day {day} is before the first registration")
    registration = _month_index(vehicle.first_registration)
    if current is None:
        due = registration
        following, _ = _projected_step(vehicle, due)
        while day >= _window_start(following):
            due = following
            following, _ = _projected_step(vehicle, due)
        if day <= _last_day(due):
            return _Position(due, following, Timing.IN_WINDOW)
        return _Position(None, following, Timing.TOO_EARLY)
    due = _check_year_month(current, "current_valid_until")
    if due < registration:
        raise UsageError("current_valid_until is before the month of first registration")
    if day < _window_start(due):
        return _Position(None, due, Timing.TOO_EARLY)
    if day <= _last_day(due):
        return _Position(due, due, Timing.IN_WINDOW)
    following, _ = _projected_step(vehicle, due)
    while day >= _window_start(following):
        due = following
        following, _ = _projected_step(vehicle, due)
    return _Position(due, following, Timing.OVERDUE)


def _band(regime: Regime, vehicle: VehicleFacts, due: int) -> Band:
    age = due - _month_index(vehicle.first_registration)
    return [band for band in regime.bands_for(vehicle) if band.from_years * 12 <= age][-1]


def _step(regime: Regime, vehicle: VehicleFacts, due: int) -> tuple[int, Band]:
    """The due that follows ``due`` when it is settled under ``regime``."""
    registration = _month_index(vehicle.first_registration)
    band = _band(regime, vehicle, due)
    following = due + band.every_months
    later = [b for b in regime.bands_for(vehicle) if b.from_years > band.from_years]
    if later:
        following = min(following, registration + later[0].from_years * 12)
    return following, band


def _projection_regime(due: int) -> Regime:
    return regime_on(max(_last_day(due), REGIMES[0].in_force_from))


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
    if vehicle.manufactured is not None and vehicle.first_registration > _add_years(
        vehicle.manufactured, rule.late_registration_years
    ):
        return (
            ExemptionCode.LATE_REGISTRATION,
            f"first registered more than {rule.late_registration_years} years after "
            "manufacture; on site",
        )
    if vehicle.modification_penalty:
        return ExemptionCode.ILLEGAL_MODIFICATION, "penalized for illegal modification; on site"
    age = due - _month_index(vehicle.first_registration)
    if age == 0:
        return ExemptionCode.TOO_EARLY, "the registration itself issues the first mark"
    if age >= rule.before_years * 12:
        return (
            ExemptionCode.TOO_OLD,
            f"{_age_text(age)} is past the {rule.before_years}-year exemption; on site",
        )
    if age % 12 == 0 and age // 12 in rule.on_site_years:
        return (
            ExemptionCode.NOT_IN_APPLICATION_YEAR,
            f"{_age_text(age)} needs an on-site inspection ({rule.text})",
        )
    return ExemptionCode.ALLOWED, f"{rule.text}: mark by application"


def _basis(code: ExemptionCode) -> InspectionBasis:
    return InspectionBasis.EXEMPT if code is ExemptionCode.ALLOWED else InspectionBasis.ON_SITE


# --- months and days -----------------------------------------------------------------------------


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _year_month(index: int) -> YearMonth:
    return index // 12, index % 12 + 1


def _format(index: int) -> str:
    year, month = _year_month(index)
    return f"{year:04d}-{month:02d}"


def _window_start(due: int) -> date:
    year, month = _year_month(due - (WINDOW_MONTHS - 1))
    return date(year, month, 1)


def _last_day(index: int) -> date:
    year, month = _year_month(index)
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_years(day: date, years: int) -> date:
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def _age_text(months: int) -> str:
    years, rest = divmod(months, 12)
    return f"year {years}" if rest == 0 else f"{years}y{rest}m"


def _check_day(value: object, name: str) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise UsageError(f"{name} must be a datetime.date (not a datetime), got {value!r}")


def _check_vehicle(value: object) -> None:
    if not isinstance(value, VehicleFacts):
        raise UsageError(f"vehicle must be a VehicleFacts, got {type(value).__name__}")


def _check_year_month(value: object, name: str) -> int:
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(is_int(part) for part in value)
        or not 1 <= value[0] <= 9999
        or not 1 <= value[1] <= 12
    ):
        raise UsageError(f"{name} must be a (year, month) tuple of ints, got {value!r}")
    return int(value[0]) * 12 + int(value[1]) - 1
