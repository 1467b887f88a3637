"""Status index allocation (never twice, random-looking, list rollover) and publishing (signed,
2^26 entries, ETag, Cache-Control, cached until a bit changes, re-signed before it expires)."""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.issuer.helpers import OFFICE, Clock, assert_verifies, make_vin, parse_list, registration
from vic.contexts.errors import RecordNotFoundError, RefusedError, UsageError
from vic.issuer.db.models import StatusEntry, StatusList
from vic.issuer.domain import StatusSpace
from vic.issuer.engine import Issuer
from vic.issuer.status import SPACES, SpaceSpec, allocate, permute
from vic.vc.status import MIN_LIST_LENGTH, TERSE_LIST_LENGTH, StatusPurpose


@pytest.mark.parametrize("capacity", [2, 3, 16, 17, 100, 1024, 4099])
def test_permute_is_a_bijection(capacity: int) -> None:
    key = os.urandom(16)
    images = [permute(n, key=key, capacity=capacity) for n in range(capacity)]
    assert sorted(images) == list(range(capacity))


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=16, max_size=16), st.integers(0, TERSE_LIST_LENGTH - 1))
def test_permute_stays_in_a_terse_list(key: bytes, sequence: int) -> None:
    assert 0 <= permute(sequence, key=key, capacity=TERSE_LIST_LENGTH) < TERSE_LIST_LENGTH


def test_permute_refuses_out_of_range() -> None:
    with pytest.raises(UsageError):
        permute(16, key=b"k" * 16, capacity=16)


def test_positions_are_spread_not_sequential(issuer: Issuer) -> None:
    marks = [issuer.register_vehicle(OFFICE, registration(n)).number for n in range(20)]
    assert len(set(marks)) == 20
    gaps = [abs(a - b) for a, b in itertools.pairwise(marks)]
    assert min(gaps) > 1  # neighbours in time are not neighbours in the list
    assert max(marks) - min(marks) > TERSE_LIST_LENGTH // 100


def test_a_full_list_rolls_over_to_the_next(
    issuer: Issuer, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a tiny vcapi space: lists of 8, so 20 allocations fill two lists and open a third
    monkeypatch.setitem(SPACES, StatusSpace.VCAPI, SpaceSpec(StatusSpace.VCAPI, 8, 3))
    with issuer.database.write() as session:
        session.execute(
            StatusList.__table__.delete().where(StatusList.space == StatusSpace.VCAPI.value)
        )
    taken = []
    for size in (5, 1, 7, 3, 4):  # blocks that straddle the list boundaries
        with issuer.database.write() as session:
            taken += allocate(session, StatusSpace.VCAPI, clock(), size)
    assert [a.list_index for a in taken] == [0] * 8 + [1] * 8 + [2] * 4
    assert sorted(a.position for a in taken if a.list_index == 0) == list(range(8))
    assert sorted(a.position for a in taken if a.list_index == 1) == list(range(8))
    assert len({a.entry_id for a in taken}) == 20
    with issuer.database.write() as session:
        allocate(session, StatusSpace.VCAPI, clock(), 4)
    with pytest.raises(RefusedError) as exhausted, issuer.database.write() as session:
        allocate(session, StatusSpace.VCAPI, clock(), 1)
    assert exhausted.value.code == "STATUS_SPACE_EXHAUSTED"


def test_the_published_list_is_signed_with_cache_headers(issuer: Issuer, clock: Clock) -> None:
    published = issuer.status_list(StatusPurpose.REVOCATION, 0)
    credential = published.credential
    assert published.url == "https://demo.vic.example/status/revocation/0"
    assert credential["id"] == published.url
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["validFrom"] == "2026-11-25T08:00:00Z"
    assert credential["validUntil"] == "2026-11-27T08:00:00Z"  # two days
    assert credential["credentialSubject"]["ttl"] == 300_000
    assert credential["credentialSubject"]["statusPurpose"] == "revocation"
    assert published.max_age == 300
    assert published.cache_control == "public, max-age=300"
    assert published.etag.startswith('"')
    assert published.etag.endswith('"')
    assert published.body.decode() == published.body.decode().strip()
    assert_verifies(issuer, credential, clock)
    status_list = parse_list(credential)
    assert len(status_list.bitstring) == TERSE_LIST_LENGTH
    assert status_list.bitstring.count() == 0


def test_the_list_is_cached_until_a_bit_changes(issuer: Issuer, clock: Clock) -> None:
    first = issuer.register_vehicle(OFFICE, registration(1))
    before = issuer.status_list(StatusPurpose.REVOCATION, 0)
    clock.advance(minutes=10)
    issuer.register_vehicle(OFFICE, registration(2))  # allocates, changes no bit
    same = issuer.status_list(StatusPurpose.REVOCATION, 0)
    assert same.etag == before.etag
    assert same.body == before.body
    issuer.transfer_vehicle(OFFICE, make_vin(1), new_owner="acct-x", event_key="T-1")
    after = issuer.status_list(StatusPurpose.REVOCATION, 0)
    assert after.etag != before.etag
    assert after.version == before.version + 1
    assert parse_list(after.credential).bitstring.get(first.number) is True
    # the suspension list did not change
    suspension = issuer.status_list(StatusPurpose.SUSPENSION, 0)
    assert suspension.version == 0


def test_a_reopened_issuer_serves_the_stored_list(issuer: Issuer, clock: Clock) -> None:
    published = issuer.status_list(StatusPurpose.REVOCATION, 0)
    with Issuer.open(issuer.config) as again:
        assert again.status_list(StatusPurpose.REVOCATION, 0).body == published.body


def test_the_list_is_re_signed_before_it_expires(issuer: Issuer, clock: Clock) -> None:
    before = issuer.status_list(StatusPurpose.REVOCATION, 0)
    clock.advance(hours=23)
    assert issuer.status_list(StatusPurpose.REVOCATION, 0).etag == before.etag
    clock.advance(hours=2)  # past half of the two-day validity
    fresh = issuer.status_list(StatusPurpose.REVOCATION, 0)
    assert fresh.etag != before.etag
    assert fresh.credential["validUntil"] == "2026-11-28T09:00:00Z"
    assert_verifies(issuer, fresh.credential, clock)


def test_unknown_lists_are_not_found(issuer: Issuer) -> None:
    for purpose, index in [(StatusPurpose.REVOCATION, 1), (StatusPurpose.MESSAGE, 0)]:
        with pytest.raises(RecordNotFoundError) as caught:
            issuer.status_list(purpose, index)
        assert caught.value.code == "STATUS_LIST_NOT_FOUND"
    assert issuer.status_list(StatusPurpose.SUSPENSION, 0, StatusSpace.VCAPI).url == (
        "https://demo.vic.example/status/vcapi/suspension/0"
    )
    vcapi = issuer.status_list(StatusPurpose.REVOCATION, 0, StatusSpace.VCAPI)
    assert len(parse_list(vcapi.credential, MIN_LIST_LENGTH).bitstring) == MIN_LIST_LENGTH


def test_no_status_index_is_ever_shared(issuer: Issuer) -> None:
    for n in range(30):
        issuer.register_vehicle(OFFICE, registration(n))
    for n in range(0, 30, 3):
        issuer.transfer_vehicle(OFFICE, make_vin(n), new_owner=f"acct-{n}-b", event_key=f"T{n}")
    with issuer.database.read() as session:
        rows = session.execute(
            select(StatusEntry.space, StatusEntry.list_index, StatusEntry.position)
        ).all()
    assert len(rows) == len(set(rows)) == 40
