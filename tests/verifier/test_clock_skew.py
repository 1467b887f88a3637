"""The clock skew allowance: validity periods of marks and status lists, and proof dates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.authority import NOW, Authority
from vic.contexts.errors import UsageError
from vic.vc.dates import parse_datetime
from vic.verifier.result import CheckName, Status
from vic.verifier.verify import StaticStatusLists, verify_credential


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


@pytest.fixture(scope="module")
def mark(authority: Authority) -> dict[str, Any]:
    return authority.mark()


def at(
    authority: Authority, mark: dict[str, Any], lists: list[dict[str, Any]], now: Any, **kw: Any
) -> Any:
    return verify_credential(
        mark,
        trust=authority.trust(),
        status_source=StaticStatusLists(lists),
        clock=lambda: now,
        **kw,
    )


def test_a_status_list_published_a_second_ahead_is_valid(
    authority: Authority, mark: dict[str, Any]
) -> None:
    """Regression: the demo failed with STATUS_LIST_NOT_YET_VALID when the list was published in
    the second the mark was verified (the issuer's clock a little ahead of the verifier's)."""
    lists = authority.status_lists(mark, valid_from=NOW + timedelta(seconds=1))
    assert at(authority, mark, lists, NOW).status is Status.VALID


def test_a_status_list_far_ahead_is_not_valid_yet(
    authority: Authority, mark: dict[str, Any]
) -> None:
    lists = authority.status_lists(mark, valid_from=NOW + timedelta(minutes=6))
    result = at(authority, mark, lists, NOW)
    assert result.status is Status.STATUS_UNAVAILABLE
    assert result.errors[0].code == "STATUS_LIST_NOT_YET_VALID"


def test_no_skew_means_none(authority: Authority, mark: dict[str, Any]) -> None:
    lists = authority.status_lists(mark, valid_from=NOW + timedelta(seconds=1))
    result = at(authority, mark, lists, NOW, clock_skew=timedelta(0))
    assert result.status is Status.STATUS_UNAVAILABLE
    assert result.errors[0].code == "STATUS_LIST_NOT_YET_VALID"


def test_a_configured_skew_is_used(authority: Authority, mark: dict[str, Any]) -> None:
    lists = authority.status_lists(mark, valid_from=NOW + timedelta(minutes=20))
    assert at(authority, mark, lists, NOW, clock_skew=timedelta(minutes=30)).status is Status.VALID


def test_a_mark_signed_minutes_ahead(authority: Authority, mark: dict[str, Any]) -> None:
    lists = authority.status_lists(mark, valid_from=NOW - timedelta(hours=1))
    assert at(authority, mark, lists, NOW - timedelta(minutes=4)).status is Status.VALID
    late = at(authority, mark, lists, NOW - timedelta(minutes=6))
    assert late.status is Status.NOT_YET_VALID
    assert late.errors[0].code == "NOT_YET_VALID"


def test_a_proof_created_after_valid_from_bounds_validity(authority: Authority) -> None:
    """A mark whose proof is dated in the verifier's future is NOT_YET_VALID, not forged."""
    unsigned = {k: v for k, v in authority.mark().items() if k != "proof"}
    unsigned["validFrom"] = "2026-11-24T08:00:00Z"  # a day before the proof's created (NOW)
    mark = authority.sign(unsigned)
    lists = authority.status_lists(mark, valid_from=NOW - timedelta(days=2))
    assert at(authority, mark, lists, NOW - timedelta(minutes=4)).status is Status.VALID
    early = at(authority, mark, lists, NOW - timedelta(minutes=10))
    assert early.status is Status.NOT_YET_VALID
    assert early.check(CheckName.PROOF).passed


def test_expiry_has_the_same_allowance(authority: Authority, mark: dict[str, Any]) -> None:
    lists = authority.status_lists(mark)
    end = parse_datetime(mark["validUntil"], field="validUntil")
    just_after = at(authority, mark, [], end + timedelta(minutes=4), check_status_lists=False)
    assert just_after.status is Status.VALID
    after = at(authority, mark, lists, end + timedelta(minutes=6), check_status_lists=False)
    assert after.status is Status.EXPIRED


@pytest.mark.parametrize("skew", [timedelta(seconds=-1), timedelta(days=2)])
def test_a_bad_skew_is_a_usage_error(
    authority: Authority, mark: dict[str, Any], skew: timedelta
) -> None:
    with pytest.raises(UsageError):
        at(authority, mark, [], NOW, clock_skew=skew)
