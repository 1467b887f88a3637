"""verify_credentials: each result is the one verify_credential gives alone; lists asked once."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

import pytest

from tests.authority import Authority, clock
from vic.vc.barcode import encode_barcode
from vic.vc.cborld import authority_entry
from vic.verifier import (
    StaticStatusLists,
    Status,
    TrustedIssuer,
    TrustList,
    verify_credential,
    verify_credentials,
)


class CountingSource:
    def __init__(self, lists: list[dict[str, Any]]) -> None:
        self.inner = StaticStatusLists(lists)
        self.asked: list[str] = []

    def get(self, url: str) -> Mapping[str, Any] | None:
        self.asked.append(url)
        return self.inner.get(url)


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


@pytest.fixture(scope="module")
def batch(authority: Authority) -> tuple[TrustList, list[Any], list[dict[str, Any]]]:
    entry = authority_entry(
        1000,
        did=authority.did,
        verification_methods=[authority.method],
        status_base_urls=["https://jtgl.example.cn/status"],
    )
    trust = TrustList((TrustedIssuer(authority.did, {"en": "Test"}, None, (entry,)),))
    marks = [authority.mark(index=i) for i in (1, 2, 3)]
    lists = authority.status_lists(marks[0])
    tampered = copy.deepcopy(marks[1])
    tampered["credentialSubject"]["plateTypeCode"] = "01"
    credentials: list[Any] = [
        marks[0],
        encode_barcode(marks[1], trust.registry()),
        json.dumps(marks[2]),
        tampered,
        "VC1-Rnot base45!",
        "{",
        Authority().mark(),  # untrusted issuer
    ]
    return trust, credentials, lists


def test_each_result_is_the_single_result(
    batch: tuple[TrustList, list[Any], list[dict[str, Any]]],
) -> None:
    trust, credentials, lists = batch
    results = verify_credentials(
        credentials, trust=trust, clock=clock, status_source=StaticStatusLists(lists)
    )
    singles = [
        verify_credential(c, trust=trust, clock=clock, status_source=StaticStatusLists(lists))
        for c in credentials
    ]
    assert [r.to_dict() for r in results] == [s.to_dict() for s in singles]
    statuses = [r.status for r in results]
    assert statuses[:3] == [Status.VALID] * 3
    assert Status.INVALID_PROOF in statuses
    assert Status.MALFORMED in statuses
    assert Status.UNTRUSTED_ISSUER in statuses


def test_each_status_list_is_asked_once_per_batch(
    batch: tuple[TrustList, list[Any], list[dict[str, Any]]],
) -> None:
    trust, credentials, lists = batch
    source = CountingSource(lists)
    verify_credentials(credentials * 3, trust=trust, clock=clock, status_source=source)
    assert sorted(source.asked) == sorted({entry["id"] for entry in lists})
    again = CountingSource(lists)  # a new batch asks again
    verify_credentials(credentials[:1], trust=trust, clock=clock, status_source=again)
    assert len(again.asked) == 2


def test_a_missing_list_is_asked_once_and_stays_missing(
    batch: tuple[TrustList, list[Any], list[dict[str, Any]]],
) -> None:
    trust, credentials, _ = batch
    source = CountingSource([])
    results = verify_credentials(credentials[:3], trust=trust, clock=clock, status_source=source)
    assert {r.status for r in results} == {Status.STATUS_UNAVAILABLE}
    assert len(source.asked) == len(set(source.asked)) == 2


def test_empty_batch_and_any_iterable(
    batch: tuple[TrustList, list[Any], list[dict[str, Any]]],
) -> None:
    trust, credentials, _ = batch
    assert verify_credentials([], trust=trust) == []
    results = verify_credentials(
        (c for c in credentials[:2]), trust=trust, clock=clock, check_status_lists=False
    )
    assert [r.status for r in results] == [Status.VALID, Status.VALID]


def test_the_clock_is_read_once_per_batch(
    batch: tuple[TrustList, list[Any], list[dict[str, Any]]],
) -> None:
    trust, credentials, lists = batch
    readings = []

    def counting() -> Any:
        readings.append(1)
        return clock()

    results = verify_credentials(
        credentials, trust=trust, clock=counting, status_source=StaticStatusLists(lists)
    )
    assert len(readings) == 1
    assert [r.status for r in results][:3] == [Status.VALID] * 3


def test_a_bare_list_is_digested_once_per_batch(
    batch: tuple[TrustList, list[Any], list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vic.verifier import status

    trust, credentials, lists = batch
    by_id = {entry["id"]: entry for entry in lists}

    class Bare:  # answers with the credentials themselves, as a custom source may
        def get(self, url: str) -> Mapping[str, Any] | None:
            return by_id.get(url)

    digest = status.credential_digest
    calls: list[str] = []

    def counting(credential: Mapping[str, Any]) -> str:
        calls.append(str(credential.get("id")))
        return digest(credential)

    monkeypatch.setattr(status, "credential_digest", counting)
    results = verify_credentials(credentials * 4, trust=trust, clock=clock, status_source=Bare())
    assert sorted(calls) == sorted(by_id)
    singles = [
        verify_credential(c, trust=trust, clock=clock, status_source=Bare()) for c in credentials
    ]
    assert [r.to_dict() for r in results] == [s.to_dict() for s in singles] * 4


def _count_verified_lists(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from vic.verifier import status

    verified = status.verified_status_list
    calls: list[str] = []

    def counting(fetched: status.FetchedStatusList, **options: Any) -> Any:
        calls.append(str(fetched.credential.get("id")))
        return verified(fetched, **options)

    monkeypatch.setattr(status, "verified_status_list", counting)
    return calls


def test_each_list_is_verified_once_per_batch(
    batch: tuple[TrustList, list[Any], list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    trust, credentials, lists = batch
    singles = [
        verify_credential(c, trust=trust, clock=clock, status_source=StaticStatusLists(lists))
        for c in credentials
    ]
    calls = _count_verified_lists(monkeypatch)
    results = verify_credentials(
        credentials * 4, trust=trust, clock=clock, status_source=StaticStatusLists(lists)
    )
    assert sorted(calls) == sorted(entry["id"] for entry in lists)  # 3 × 4 marks, 2 lists
    assert [r.to_dict() for r in results] == [s.to_dict() for s in singles] * 4


def test_a_list_that_fails_is_verified_again_for_each_credential(
    batch: tuple[TrustList, list[Any], list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # lists of the right ids signed by another issuer: each credential reports the same error
    trust, credentials, _ = batch
    other = Authority()
    forged = other.status_lists(credentials[0])
    singles = [
        verify_credential(c, trust=trust, clock=clock, status_source=StaticStatusLists(forged))
        for c in credentials
    ]
    calls = _count_verified_lists(monkeypatch)
    results = verify_credentials(
        credentials * 2, trust=trust, clock=clock, status_source=StaticStatusLists(forged)
    )
    assert [r.to_dict() for r in results] == [s.to_dict() for s in singles] * 2
    assert results[0].status is Status.STATUS_UNAVAILABLE
    assert len(calls) == 3 * 2 * 2  # the three genuine marks, twice, both lists, every time
