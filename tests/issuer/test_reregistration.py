"""Issue 8, item 8: re-registering a VIN with different facts answered 200 with the old mark; it
is 409 EVENT_KEY_REUSED like a reused inspection event. A true retry still replays."""

from __future__ import annotations

import dataclasses

import pytest

from tests.issuer.helpers import OFFICE, registration
from vic.contexts.errors import ConflictError
from vic.issuer.engine import Issuer


def test_a_true_retry_replays_the_mark(issuer: Issuer) -> None:
    first = issuer.register_vehicle(OFFICE, registration(70))
    again = issuer.register_vehicle(OFFICE, registration(70))
    assert again.number == first.number


@pytest.mark.parametrize(
    ("field", "value"),
    [("owner", "someone-else"), ("seats", 7), ("plate", "鄂A99999"), ("is_van", True)],
)
def test_a_retry_with_other_facts_is_a_conflict(issuer: Issuer, field: str, value: object) -> None:
    original = registration(71)
    issuer.register_vehicle(OFFICE, original)
    changed = dataclasses.replace(original, **{field: value})
    with pytest.raises(ConflictError) as caught:
        issuer.register_vehicle(OFFICE, changed)
    assert caught.value.code == "EVENT_KEY_REUSED"
    assert field in caught.value.detail["fields"]
    assert issuer.register_vehicle(OFFICE, original).vin == original.vin  # still a retry
