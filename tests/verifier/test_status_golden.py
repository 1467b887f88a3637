"""Status, validity, binding, trust and result objects: the same results as before the fast path.

tests/verifier/data/status_golden.json holds signed inputs and the results the code gave for them
before the status work of issue 12 (tests/verifier/golden_status.py made it): revoked, suspended,
both, neither, expired, not yet valid, unknown list, stale list, unavailable source, wrong
purpose, index out of range, a list of another issuer, tampered lists, the skew edges, full
entries with sizes and messages. Each case is verified alone and in a batch, twice over (the
second time from the verified-list memo), and must give the very same result.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.verifier.golden_status import GOLDEN, run_case
from vic.verifier.status import clear_verified_lists

DATA: dict[str, Any] = json.loads(GOLDEN.read_text())
CASES = {case["name"]: case for case in DATA["cases"]}


def test_the_golden_set_covers_every_status() -> None:
    statuses = {case["expected"]["status"] for case in CASES.values()}
    assert statuses == {
        "VALID",
        "MALFORMED",
        "INVALID_PROOF",
        "UNTRUSTED_ISSUER",
        "REVOKED",
        "SUSPENDED",
        "EXPIRED",
        "NOT_YET_VALID",
        "STATUS_UNAVAILABLE",
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_same_result_as_before(name: str) -> None:
    case = CASES[name]
    clear_verified_lists()
    assert run_case(DATA, case) == case["expected"]  # lists verified afresh
    assert run_case(DATA, case) == case["expected"]  # lists from the memo
    assert run_case(DATA, case, batch=True) == case["expected"]
