"""What the inspection policy knows of a vehicle: :class:`VehicleFacts`, validated when built."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from vic.contexts.errors import UsageError
from vic.issuer.policy.months import check_day
from vic.issuer.policy.table import UseCategory
from vic.vc.jsonio import is_int


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
        check_day(self.first_registration, "first_registration")
        for name in ("is_van", "casualty_accident", "modification_penalty"):
            if not isinstance(getattr(self, name), bool):
                raise UsageError(f"{name} must be a bool, got {getattr(self, name)!r}")
        if self.is_van and self.category not in (
            UseCategory.SMALL_NON_OPERATING_PASSENGER,
            UseCategory.OPERATING_PASSENGER,
        ):
            raise UsageError(f"is_van applies to passenger cars, not to {self.category}")
        if self.casualty_accident_date is not None:
            check_day(self.casualty_accident_date, "casualty_accident_date")
            if not self.casualty_accident:
                raise UsageError("casualty_accident_date given but casualty_accident is False")
        if self.manufactured is not None:
            check_day(self.manufactured, "manufactured")
            if self.manufactured > self.first_registration:
                raise UsageError("manufactured is after first_registration")

    def casualty_on_record(self, day: date) -> bool:
        """Whether an accident with casualties is on record on ``day``."""
        if not self.casualty_accident:
            return False
        return self.casualty_accident_date is None or self.casualty_accident_date <= day
