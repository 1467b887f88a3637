"""What the inspection policy answers: dues, exemption decisions, scheduled dues, stable codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from vic.issuer.policy.months import YearMonth
from vic.vc.mark import InspectionBasis, valid_until_for_month


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
