"""Issue 8, item 9: ten identical inspection reports in parallel issue one mark, and only the
report that recorded it says so (``recorded_now``: HTTP 201); the others replay it (200)."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from tests.issuer.helpers import OFFICE, STATION, STATION_CODE, registration
from vic.issuer.domain import InspectionReport
from vic.issuer.engine import Issuer


def test_parallel_identical_reports(issuer: Issuer) -> None:
    vehicle = registration(80)
    issuer.register_vehicle(OFFICE, vehicle)
    report = InspectionReport(STATION_CODE, "R-0080", vehicle.vin, date(2026, 11, 24), True)
    barrier = threading.Barrier(10)
    outcomes: list[Any] = []

    def report_once() -> None:
        barrier.wait()
        try:
            outcomes.append(issuer.report_inspection(STATION, report))
        except Exception as exc:  # collected: the assertion below shows it
            outcomes.append(exc)

    threads = [threading.Thread(target=report_once) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o.recorded_now for o in outcomes) == 1
    assert len({o.mark.number for o in outcomes}) == 1
