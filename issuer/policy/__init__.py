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

The package's modules: :mod:`.table` (the dated table, :func:`regime_on`), :mod:`.facts` (what
the policy knows of a vehicle), :mod:`.dues` (the functions above), :mod:`.outcomes` (what they
return) and :mod:`.months` (month arithmetic). Import from ``vic.issuer.policy``.
"""

from vic.issuer.policy.dues import (
    application_window,
    exemption_allowed,
    inspection_schedule,
    next_due,
)
from vic.issuer.policy.facts import RegisteredFacts, VehicleFacts
from vic.issuer.policy.months import WINDOW_MONTHS, YearMonth
from vic.issuer.policy.outcomes import (
    Due,
    ExemptionCode,
    ExemptionDecision,
    ScheduledDue,
    Timing,
)
from vic.issuer.policy.table import (
    REGIMES,
    Band,
    ExemptionRule,
    PeriodRule,
    Regime,
    UseCategory,
    regime_on,
)
from vic.vc.mark import InspectionBasis

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
    "RegisteredFacts",
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
