"""The dated table of the inspection policy: use categories, period bands, exemption rules, regimes.

:data:`REGIMES` lists the rules in force from a given day, oldest first; :func:`regime_on` picks
the row in force on the day of an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from vic.contexts.errors import UsageError
from vic.issuer.policy.months import check_day

if TYPE_CHECKING:
    from vic.issuer.policy.facts import VehicleFacts


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


def regime_on(day: date) -> Regime:
    """The regime in force on ``day`` (the day of the event, in China).

    :raises UsageError: ``day`` is not a date, or is before 2004-05-01 (no regime in the table).
    """
    check_day(day, "day")
    if day < REGIMES[0].in_force_from:
        raise UsageError(f"no inspection regime in the table before {REGIMES[0].in_force_from}")
    return [regime for regime in REGIMES if regime.in_force_from <= day][-1]
