"""Issue 8, item 12: an owner cannot tell whether another vehicle exists: "not yours" and "does
not exist" get the same answer (403 NOT_OWNER), and a cancelled registration is reported only to
its owner (it was 422 VEHICLE_CANCELLED before the ownership check)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.issuer.helpers import ADMIN, OFFICE, make_vin, owner_actor, registration
from vic.contexts.errors import PermissionDeniedError, RecordNotFoundError, RefusedError
from vic.issuer.domain import Actor
from vic.issuer.engine import Issuer

CALLS: dict[str, Callable[[Issuer, Actor, str], Any]] = {
    "vehicle": lambda issuer, actor, vin: issuer.vehicle(actor, vin),
    "download": lambda issuer, actor, vin: issuer.download_mark(actor, vin),
    "exemption": lambda issuer, actor, vin: issuer.apply_for_exemption(actor, vin),
}


def answer(call: Callable[[], Any]) -> tuple[str, str]:
    try:
        call()
    except (PermissionDeniedError, RecordNotFoundError, RefusedError) as exc:
        return type(exc).__name__, exc.code
    return "ok", ""


@pytest.mark.parametrize("name", list(CALLS))
def test_not_yours_and_does_not_exist_look_the_same(issuer: Issuer, name: str) -> None:
    issuer.register_vehicle(OFFICE, registration(90))  # acct-90's
    stranger = owner_actor("acct-91")
    call = CALLS[name]
    theirs = answer(lambda: call(issuer, stranger, make_vin(90)))
    missing = answer(lambda: call(issuer, stranger, make_vin(99)))
    assert theirs == missing == ("PermissionDeniedError", "NOT_OWNER")


@pytest.mark.parametrize("name", ["download", "exemption"])
def test_a_cancelled_registration_is_told_to_its_owner_only(issuer: Issuer, name: str) -> None:
    issuer.register_vehicle(OFFICE, registration(92))
    issuer.cancel_registration(OFFICE, make_vin(92))
    call = CALLS[name]
    stranger = answer(lambda: call(issuer, owner_actor("acct-93"), make_vin(92)))
    assert stranger == ("PermissionDeniedError", "NOT_OWNER")
    owner = answer(lambda: call(issuer, owner_actor("acct-92"), make_vin(92)))
    assert owner == ("RefusedError", "VEHICLE_CANCELLED")


def test_staff_still_learn_that_a_vehicle_does_not_exist(issuer: Issuer) -> None:
    assert answer(lambda: issuer.vehicle(ADMIN, make_vin(94))) == (
        "RecordNotFoundError",
        "VEHICLE_NOT_FOUND",
    )
