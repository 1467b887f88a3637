"""Status sources: the HTTP source's cache (ttl, Cache-Control, ETag, validUntil, offline, max
age, disk), its failures with reasons, and lists verified and inflated once per version."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.authority import NOW, Authority
from vic.contexts.errors import FetchError, StatusUnavailableError
from vic.did.fetch import FetchResponse
from vic.verifier import status as status_module
from vic.verifier.result import CheckName, Status
from vic.verifier.status import (
    ChainedStatusLists,
    HttpStatusLists,
    StaticStatusLists,
    clear_verified_lists,
)
from vic.verifier.verify import verify_credential


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class FakeFetcher:
    """Serves bodies by URL with an ETag; records requests; can be switched off."""

    bodies: dict[str, bytes] = field(default_factory=dict)
    cache_control: str | None = None
    down: str | None = None
    status: int = 200
    requests: list[tuple[str, Mapping[str, str]]] = field(default_factory=list)

    def put(self, credential: Mapping[str, Any]) -> None:
        self.bodies[credential["id"]] = json.dumps(credential).encode()

    def fetch(
        self, url: str, *, max_bytes: int, headers: Mapping[str, str] | None = None
    ) -> FetchResponse:
        self.requests.append((url, dict(headers or {})))
        if self.down is not None:
            raise FetchError("down", code=self.down)
        body = self.bodies.get(url)
        if body is None or self.status != 200:
            return FetchResponse(url, self.status if body is not None else 404, b"")
        etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
        if (headers or {}).get("if-none-match") == etag:
            return FetchResponse(url, 304, b"", {"etag": etag})
        out = {"etag": etag}
        if self.cache_control is not None:
            out["cache-control"] = self.cache_control
        return FetchResponse(url, 200, body, out)


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


@pytest.fixture(scope="module")
def mark(authority: Authority) -> dict[str, Any]:
    return authority.mark()


def lists_with_ttl(
    authority: Authority, mark: dict[str, Any], *, revoked: bool = False, ttl_ms: int | None = None
) -> list[dict[str, Any]]:
    out = []
    for credential in authority.status_lists(mark, revoked=revoked):
        unsigned = {k: v for k, v in credential.items() if k != "proof"}
        if ttl_ms is not None:
            unsigned["credentialSubject"] = {**unsigned["credentialSubject"], "ttl": ttl_ms}
        unsigned["validUntil"] = "2026-11-27T08:00:00Z"  # two days after NOW
        out.append(authority.sign(unsigned))
    return out


def verify(authority: Authority, mark: dict[str, Any], source: Any, clock: Clock) -> Any:
    return verify_credential(mark, trust=authority.trust(), status_source=source, clock=clock)


def revocation(result: Any) -> dict[str, Any]:
    check = result.check(CheckName.REVOCATION) or result.check(CheckName.STATUS)
    assert check is not None
    return dict(check.detail)


def test_network_then_cache_until_the_ttl_then_revalidated(
    authority: Authority, mark: dict[str, Any]
) -> None:
    clock, fetcher = Clock(), FakeFetcher()
    for credential in lists_with_ttl(authority, mark, ttl_ms=600_000):
        fetcher.put(credential)
    source = HttpStatusLists(fetcher, clock=clock)
    first = verify(authority, mark, source, clock)
    assert first.status is Status.VALID
    assert revocation(first)["statusSource"] == "network"
    assert revocation(first)["ageSeconds"] == 0
    assert len(fetcher.requests) == 2

    clock.advance(minutes=9)
    cached = verify(authority, mark, source, clock)
    assert cached.status is Status.VALID
    assert revocation(cached)["statusSource"] == "cache"
    assert revocation(cached)["ageSeconds"] == 540
    assert len(fetcher.requests) == 2  # within the list's ttl: not asked

    clock.advance(minutes=2)
    again = verify(authority, mark, source, clock)
    assert revocation(again)["statusSource"] == "network"
    assert len(fetcher.requests) == 4
    assert all("if-none-match" in headers for _, headers in fetcher.requests[2:])


def test_a_revocation_is_seen_after_the_ttl(authority: Authority, mark: dict[str, Any]) -> None:
    clock, fetcher = Clock(), FakeFetcher()
    for credential in lists_with_ttl(authority, mark, ttl_ms=300_000):
        fetcher.put(credential)
    source = HttpStatusLists(fetcher, clock=clock)
    assert verify(authority, mark, source, clock).status is Status.VALID
    for credential in lists_with_ttl(authority, mark, revoked=True, ttl_ms=300_000):
        fetcher.put(credential)
    clock.advance(minutes=4)
    assert verify(authority, mark, source, clock).status is Status.VALID  # the cached list
    clock.advance(minutes=2)
    assert verify(authority, mark, source, clock).status is Status.REVOKED


def test_cache_control_shorter_than_the_ttl_wins(
    authority: Authority, mark: dict[str, Any]
) -> None:
    clock, fetcher = Clock(), FakeFetcher(cache_control="public, max-age=60")
    for credential in lists_with_ttl(authority, mark, ttl_ms=600_000):
        fetcher.put(credential)
    source = HttpStatusLists(fetcher, clock=clock)
    verify(authority, mark, source, clock)
    clock.advance(seconds=61)
    verify(authority, mark, source, clock)
    assert len(fetcher.requests) == 4


def test_no_cache_revalidates_every_time(authority: Authority, mark: dict[str, Any]) -> None:
    clock, fetcher = Clock(), FakeFetcher(cache_control="no-cache")
    for credential in lists_with_ttl(authority, mark):
        fetcher.put(credential)
    source = HttpStatusLists(fetcher, clock=clock)
    verify(authority, mark, source, clock)
    verify(authority, mark, source, clock)
    assert len(fetcher.requests) == 4


def test_valid_until_bounds_the_cache(authority: Authority, mark: dict[str, Any]) -> None:
    clock, fetcher = Clock(), FakeFetcher()
    for credential in lists_with_ttl(authority, mark, ttl_ms=10 * 86_400_000):
        fetcher.put(credential)
    source = HttpStatusLists(fetcher, clock=clock)
    verify(authority, mark, source, clock)
    clock.advance(days=1)
    verify(authority, mark, source, clock)
    assert len(fetcher.requests) == 2
    clock.advance(days=1, seconds=1)  # past validUntil: asked again
    verify(authority, mark, source, clock)
    assert len(fetcher.requests) == 4


def test_unreachable_issuer_cache_until_max_age(authority: Authority, mark: dict[str, Any]) -> None:
    clock, fetcher = Clock(), FakeFetcher()
    for credential in lists_with_ttl(authority, mark, ttl_ms=300_000):
        fetcher.put(credential)
    source = HttpStatusLists(fetcher, clock=clock, max_age=timedelta(hours=2))
    assert verify(authority, mark, source, clock).status is Status.VALID
    fetcher.down = "FETCH_UNREACHABLE"
    clock.advance(hours=1)
    held = verify(authority, mark, source, clock)
    assert held.status is Status.VALID
    assert revocation(held)["statusSource"] == "cache"
    assert revocation(held)["ageSeconds"] == 3600
    clock.advance(hours=1, seconds=1)
    stale = verify(authority, mark, source, clock)
    assert stale.status is Status.STATUS_UNAVAILABLE
    assert stale.errors[0].code == "STATUS_LIST_STALE"
    assert not stale.verified


def test_a_stale_revocation_list_never_shows_valid(
    authority: Authority, mark: dict[str, Any]
) -> None:
    """Even a list saying 'not revoked' answers nothing once it is older than the maximum age."""
    clock, fetcher = Clock(), FakeFetcher()
    for credential in lists_with_ttl(authority, mark):
        fetcher.put(credential)
    source = HttpStatusLists(fetcher, clock=clock, max_age=timedelta(minutes=30), offline=False)
    verify(authority, mark, source, clock)
    fetcher.down = "FETCH_TIMEOUT"
    clock.advance(minutes=31)
    assert verify(authority, mark, source, clock).status is Status.STATUS_UNAVAILABLE


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ({"down": "FETCH_UNREACHABLE"}, "STATUS_LIST_UNREACHABLE"),
        ({"down": "FETCH_TIMEOUT"}, "STATUS_LIST_UNREACHABLE"),
        ({"down": "FETCH_TOO_LARGE"}, "STATUS_LIST_TOO_LARGE"),
        ({"down": "FETCH_ADDRESS_REFUSED"}, "STATUS_LIST_URL_REFUSED"),
        ({"down": "FETCH_NOT_HTTPS"}, "STATUS_LIST_URL_REFUSED"),
        ({"status": 503}, "STATUS_LIST_HTTP_ERROR"),
    ],
    ids=["unreachable", "timeout", "too-large", "address", "http", "http-503"],
)
def test_a_source_that_cannot_deliver_says_why(
    authority: Authority, mark: dict[str, Any], setup: dict[str, Any], code: str
) -> None:
    clock, fetcher = Clock(), FakeFetcher(**setup)
    for credential in lists_with_ttl(authority, mark):
        fetcher.put(credential)
    result = verify(authority, mark, HttpStatusLists(fetcher, clock=clock), clock)
    assert result.status is Status.STATUS_UNAVAILABLE
    assert result.errors[0].code == code


def test_a_missing_list_is_an_http_error(authority: Authority, mark: dict[str, Any]) -> None:
    clock = Clock()
    result = verify(authority, mark, HttpStatusLists(FakeFetcher(), clock=clock), clock)
    assert result.errors[0].code == "STATUS_LIST_HTTP_ERROR"
    assert result.errors[0].detail["http_status"] == 404


def test_a_body_that_is_not_json(authority: Authority, mark: dict[str, Any]) -> None:
    clock, fetcher = Clock(), FakeFetcher()
    for credential in lists_with_ttl(authority, mark):
        fetcher.bodies[credential["id"]] = b"<html>maintenance</html>"
    result = verify(authority, mark, HttpStatusLists(fetcher, clock=clock), clock)
    assert result.errors[0].code == "STATUS_LIST_MALFORMED"


def test_a_forged_list_fails_its_signature(authority: Authority, mark: dict[str, Any]) -> None:
    clock, fetcher = Clock(), FakeFetcher()
    for credential in lists_with_ttl(authority, mark, revoked=True):
        genuine_clear = lists_with_ttl(authority, mark)
        forged = copy.deepcopy(credential)
        clear = next(c for c in genuine_clear if c["id"] == credential["id"])
        forged["credentialSubject"]["encodedList"] = clear["credentialSubject"]["encodedList"]
        fetcher.put(forged)
    result = verify(authority, mark, HttpStatusLists(fetcher, clock=clock), clock)
    assert result.status is Status.STATUS_UNAVAILABLE
    assert result.errors[0].code == "STATUS_LIST_INVALID_PROOF"


def test_a_list_of_the_wrong_purpose(authority: Authority, mark: dict[str, Any]) -> None:
    clock, fetcher = Clock(), FakeFetcher()
    lists = {c["credentialSubject"]["statusPurpose"]: c for c in lists_with_ttl(authority, mark)}
    swapped = {
        lists["revocation"]["id"]: lists["suspension"],
        lists["suspension"]["id"]: lists["revocation"],
    }
    for url, credential in swapped.items():
        fetcher.bodies[url] = json.dumps(credential).encode()
    result = verify(authority, mark, HttpStatusLists(fetcher, clock=clock), clock)
    assert result.status is Status.STATUS_UNAVAILABLE
    assert result.errors[0].code in {"STATUS_LIST_ID_MISMATCH", "STATUS_PURPOSE_MISMATCH"}


def test_offline_uses_the_disk_cache_only(
    authority: Authority, mark: dict[str, Any], tmp_path: Path
) -> None:
    clock, fetcher = Clock(), FakeFetcher()
    for credential in lists_with_ttl(authority, mark, ttl_ms=300_000):
        fetcher.put(credential)
    online = HttpStatusLists(fetcher, clock=clock, cache_dir=tmp_path)
    assert verify(authority, mark, online, clock).status is Status.VALID
    assert len(list(tmp_path.glob("*.json"))) == 2

    clock.advance(hours=3)
    offline = HttpStatusLists(offline=True, clock=clock, cache_dir=tmp_path)
    result = verify(authority, mark, offline, clock)
    assert result.status is Status.VALID
    assert revocation(result)["statusSource"] == "cache"
    assert revocation(result)["ageSeconds"] == 3 * 3600
    empty = HttpStatusLists(offline=True, clock=clock, cache_dir=tmp_path / "none")
    nothing = verify(authority, mark, empty, clock)
    assert nothing.status is Status.STATUS_UNAVAILABLE
    assert nothing.errors[0].code == "STATUS_LIST_NOT_CACHED"


def test_a_damaged_cache_file_is_ignored_and_replaced(
    authority: Authority, mark: dict[str, Any], tmp_path: Path
) -> None:
    clock, fetcher = Clock(), FakeFetcher()
    for credential in lists_with_ttl(authority, mark):
        fetcher.put(credential)
    verify(authority, mark, HttpStatusLists(fetcher, clock=clock, cache_dir=tmp_path), clock)
    for path in tmp_path.glob("*.json"):
        path.write_text("{not json", encoding="utf-8")
    again = HttpStatusLists(fetcher, clock=clock, cache_dir=tmp_path)
    assert verify(authority, mark, again, clock).status is Status.VALID
    assert all(json.loads(p.read_text())["body"] for p in tmp_path.glob("*.json"))
    offline = HttpStatusLists(offline=True, clock=clock, cache_dir=tmp_path)
    assert verify(authority, mark, offline, clock).status is Status.VALID


def test_files_first_then_network(authority: Authority, mark: dict[str, Any]) -> None:
    clock, fetcher = Clock(), FakeFetcher()
    files = StaticStatusLists(authority.status_lists(mark, revoked=True))
    chained = ChainedStatusLists(files, HttpStatusLists(fetcher, clock=clock))
    result = verify(authority, mark, chained, clock)
    assert result.status is Status.REVOKED
    assert revocation(result)["statusSource"] == "file"
    assert fetcher.requests == []


def test_lists_are_verified_and_inflated_once_per_version(
    authority: Authority, mark: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_verified_lists()
    calls = {"proofs": 0, "inflate": 0}
    real_proofs, real_parse = (
        status_module.verify_proofs,
        status_module.parse_status_list_credential,
    )

    def counting_proofs(*args: Any, **kw: Any) -> Any:
        calls["proofs"] += 1
        return real_proofs(*args, **kw)

    def counting_parse(*args: Any, **kw: Any) -> Any:
        calls["inflate"] += 1
        return real_parse(*args, **kw)

    monkeypatch.setattr(status_module, "verify_proofs", counting_proofs)
    monkeypatch.setattr(status_module, "parse_status_list_credential", counting_parse)
    lists = authority.status_lists(mark)
    for _ in range(5):
        source = StaticStatusLists(copy.deepcopy(lists))  # equal lists, new objects
        assert verify(authority, mark, source, Clock()).status is Status.VALID
    assert calls == {"proofs": 2, "inflate": 2}

    revoked = StaticStatusLists(authority.status_lists(mark, revoked=True))  # a new version
    assert verify(authority, mark, revoked, Clock()).status is Status.REVOKED
    assert calls == {"proofs": 4, "inflate": 4}


def test_a_tampered_copy_of_a_memoised_list_is_not_trusted(
    authority: Authority, mark: dict[str, Any]
) -> None:
    clear_verified_lists()
    genuine = authority.status_lists(mark, revoked=True)
    assert verify(authority, mark, StaticStatusLists(genuine), Clock()).status is Status.REVOKED
    clear = {c["id"]: c for c in authority.status_lists(mark)}
    tampered = copy.deepcopy(genuine)
    for credential in tampered:
        subject = credential["credentialSubject"]
        subject["encodedList"] = clear[credential["id"]]["credentialSubject"]["encodedList"]
    result = verify(authority, mark, StaticStatusLists(tampered), Clock())
    assert result.status is Status.STATUS_UNAVAILABLE
    assert result.errors[0].code == "STATUS_LIST_INVALID_PROOF"


def test_a_source_error_is_a_status_error() -> None:
    source = HttpStatusLists(offline=True)
    with pytest.raises(StatusUnavailableError) as caught:
        source.get("https://jtgl.example.cn/status/revocation/0")
    assert caught.value.code == "STATUS_LIST_NOT_CACHED"


def test_a_memoised_list_answers_only_for_its_issuer_and_key(
    authority: Authority, mark: dict[str, Any]
) -> None:
    """The memo is looked up before the list's data model and issuer checks: a hit must still
    be for this issuer, and for the key the method resolves to now."""
    from vic.contexts.errors import StatusVerificationError
    from vic.did.document import DidDocument
    from vic.did.key import did_key_json
    from vic.did.resolver import DidResolver
    from vic.verifier.status import FetchedStatusList, verified_status_list

    clear_verified_lists()
    fetched = FetchedStatusList(authority.status_lists(mark)[0], "file")
    options: dict[str, Any] = {"loader": None, "clock": Clock(), "skew": timedelta(minutes=5)}
    resolver = DidResolver()
    first = verified_status_list(fetched, issuer=authority.did, resolver=resolver, **options)
    again = verified_status_list(fetched, issuer=authority.did, resolver=resolver, **options)
    assert again is first

    with pytest.raises(StatusVerificationError) as caught:
        verified_status_list(fetched, issuer="did:key:z6Mkother", resolver=resolver, **options)
    assert caught.value.code == "STATUS_LIST_ISSUER_MISMATCH"

    # a resolver that pins another key for the same DID: not the memoised answer, a failed proof
    document = did_key_json(authority.did)
    other_key = Authority().key.public_key.to_multibase()
    document["verificationMethod"][0]["publicKeyMultibase"] = other_key
    pinned = DidResolver({authority.did: DidDocument.from_json(document)})
    assert pinned.resolve_method(authority.method, "assertionMethod").public_key != (
        authority.key.public_key
    )
    with pytest.raises(StatusVerificationError) as caught:
        verified_status_list(fetched, issuer=authority.did, resolver=pinned, **options)
    assert caught.value.code == "STATUS_LIST_INVALID_PROOF"


def test_cached_answers_from_memory_only_what_get_would(
    authority: Authority, mark: dict[str, Any], tmp_path: Path
) -> None:
    clock, fetcher = Clock(), FakeFetcher()
    lists = lists_with_ttl(authority, mark, ttl_ms=600_000)
    for credential in lists:
        fetcher.put(credential)
    url = lists[0]["id"]
    source = HttpStatusLists(fetcher, clock=clock, cache_dir=tmp_path)
    assert source.cached(url) is None  # nothing fetched yet: and cached() fetches nothing
    assert fetcher.requests == []
    source.get(url)
    clock.advance(minutes=5)
    assert source.cached(url) == source.get(url)
    assert len(fetcher.requests) == 1
    clock.advance(minutes=6)  # past the list's ttl: get() would ask the issuer again
    assert source.cached(url) is None
    assert len(fetcher.requests) == 1
    on_disk = HttpStatusLists(offline=True, clock=Clock(), cache_dir=tmp_path)
    assert on_disk.cached(url) is None  # the disk is not read either
    assert on_disk.get(url).source == "cache"
