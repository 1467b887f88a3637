"""Status list sources and the verified-list memo.

- :class:`StaticStatusLists`: lists given up front (``vic verify --status-list FILE``).
- :class:`HttpStatusLists`: lists fetched over HTTPS through the guarded fetcher, kept in memory
  and on disk, honouring the list's ``ttl`` and ``validUntil`` and the HTTP cache headers
  (``Cache-Control: max-age``/``no-cache``, ETag revalidation with ``If-None-Match``); it answers
  from its cache when offline or when the issuer cannot be reached, until ``max_age``; past that,
  the status is unavailable (never VALID on a stale list).
- :class:`ChainedStatusLists`: the first source that has the list.
- :func:`verified_status_list`: a list's proof verified and its bits inflated once per list
  version; later verifications reuse the decoded :class:`~vic.vc.status.StatusList`.

A source answers with a :class:`FetchedStatusList` (the credential, when and where it came from),
a bare credential, or None when it does not know the list; it raises
:class:`~vic.contexts.errors.StatusUnavailableError` with a reason code when it should know the
list but cannot deliver it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

from vic.contexts.errors import (
    FetchError,
    StatusUnavailableError,
    StatusVerificationError,
    VicError,
)
from vic.contexts.loader import DocumentLoader
from vic.did.resolver import Resolver
from vic.vc.datamodel import check_credential
from vic.vc.dates import Clock, format_datetime, parse_datetime, system_clock
from vic.vc.jsonio import parse_json_object
from vic.vc.proofs import verify_proofs
from vic.vc.status import DEFAULT_MAX_BYTES, StatusList, parse_status_list_credential

if TYPE_CHECKING:
    from vic.did.fetch import Fetcher

__all__ = [
    "DEFAULT_MAX_STATUS_AGE",
    "DEFAULT_TTL",
    "ChainedStatusLists",
    "FetchedStatusList",
    "HttpStatusLists",
    "StaticStatusLists",
    "StatusListSource",
    "verified_status_list",
]

SourceKind = Literal["network", "cache", "file"]

DEFAULT_TTL: Final = timedelta(minutes=5)
"""How long a fetched list is used without asking again, when neither its ``ttl`` nor the HTTP
headers say (the Bitstring Status List default ``ttl``)."""

DEFAULT_MAX_STATUS_AGE: Final = timedelta(days=1)
"""The oldest copy of a list :class:`HttpStatusLists` answers with when it cannot refresh it."""

MAX_LIST_BODY: Final = 16 << 20
"""The largest status list credential fetched (a 2^26-entry list of random bits is ~11 MiB)."""

_MEMO_SIZE: Final = 64


@dataclass(frozen=True)
class FetchedStatusList:
    """A status list credential, when it was obtained and from where."""

    credential: Mapping[str, Any]
    source: SourceKind
    fetched_at: datetime | None = None
    """When it was fetched (or revalidated) from the network; None for a file."""
    digest: str = ""
    """A digest of the credential (its version); computed when empty."""

    def version(self) -> str:
        """The SHA-256 of the credential's JSON (sorted keys): equal lists, equal versions."""
        return self.digest or credential_digest(self.credential)

    def add_freshness(self, detail: dict[str, Any], now: datetime) -> None:
        """Put the JSON-ready freshness report into ``detail`` (a status check's)."""
        detail["statusSource"] = self.source
        if self.fetched_at is not None:
            detail["fetchedAt"] = format_datetime(self.fetched_at)
            detail["ageSeconds"] = max(0, int((now - self.fetched_at).total_seconds()))


class StatusListSource(Protocol):
    """Where status list credentials come from (files, a cache, an HTTP fetcher)."""

    def get(self, url: str) -> Mapping[str, Any] | FetchedStatusList | None:
        """The status list credential at ``url``, or None when this source does not know it.

        :raises StatusUnavailableError: the source should have it but cannot deliver it.
        """
        ...


def credential_digest(credential: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of a credential's JSON with sorted keys."""
    text = json.dumps(credential, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class StaticStatusLists:
    """Status list credentials given up front (``vic verify --status-list FILE``), by ``id``."""

    def __init__(self, credentials: Iterable[Mapping[str, Any]] = ()) -> None:
        self._by_id = {
            c["id"]: FetchedStatusList(c, "file", digest=credential_digest(c))
            for c in credentials
            if isinstance(c.get("id"), str)
        }

    def get(self, url: str) -> FetchedStatusList | None:
        """The list whose ``id`` is ``url``, if given."""
        return self._by_id.get(url)


class ChainedStatusLists:
    """Asks each source in turn; the first that knows the list answers."""

    def __init__(self, *sources: StatusListSource) -> None:
        self._sources = sources

    def get(self, url: str) -> Mapping[str, Any] | FetchedStatusList | None:
        """The first answer, or None when no source knows ``url``."""
        for source in self._sources:
            found = source.get(url)
            if found is not None:
                return found
        return None


# --- verified once per version ------------------------------------------------------------------


_Verified = tuple[tuple[Any, ...], StatusList]
"""A memoised list: the (controller, public key) of each proof's method when it was verified,
and the decoded list."""


class _Memo:
    """A small thread-safe LRU of verified lists."""

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._data: OrderedDict[tuple[Any, ...], _Verified] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> _Verified | None:
        # no lock: each OrderedDict call is atomic (the GIL), and a put may only have evicted
        # the key in between (it was found: this answer stands)
        data = self._data
        value = data.get(key)
        if value is not None:
            # (not contextlib.suppress: the context manager costs more than the lookup)
            try:  # noqa: SIM105
                data.move_to_end(key)
            except KeyError:
                pass
        return value

    def put(self, key: tuple[Any, ...], value: _Verified) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._maxsize:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_VERIFIED = _Memo(_MEMO_SIZE)


def verified_status_list(
    fetched: FetchedStatusList,
    *,
    issuer: str,
    resolver: Resolver,
    loader: DocumentLoader | None,
    clock: Clock,
    skew: timedelta,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> StatusList:
    """The decoded list of a status list credential issued and signed by ``issuer``.

    The proof is verified and ``encodedList`` inflated once per list version: the result is kept
    (bounded, process-wide) under the credential's digest, the issuer, the verification method
    and the very public key that verified it, and the loader; a list changed in any byte, signed
    by another key or read through another loader is verified afresh. The caller checks the
    entry's id, purpose and the list's validity period (:func:`vic.vc.status.check_status`).

    :raises StatusVerificationError: not a credential, another issuer, or its proof fails.
    :raises StatusListError: it is not a well-formed status list.
    :raises InputTooLargeError: it inflates beyond ``max_bytes``.
    """
    credential = fetched.credential
    memo = _memo_key(fetched, issuer, resolver, loader, max_bytes)
    if memo is not None:
        known = _VERIFIED.get(memo[0])
        if known is not None and known[0] == memo[1]:
            return known[1]  # this very list passed every check below for this issuer and key
    try:
        info = check_credential(credential)
    except VicError as exc:
        raise StatusVerificationError(
            f"the status list is not a valid credential: {exc}", code="STATUS_LIST_INVALID"
        ) from None
    if info.issuer != issuer:
        raise StatusVerificationError(
            f"the status list was issued by {info.issuer}, not by {issuer}",
            code="STATUS_LIST_ISSUER_MISMATCH",
        )
    proofs = verify_proofs(
        credential, resolver=resolver, loader=loader, clock=clock, clock_skew=skew
    )
    if not proofs.verified or not any(p.controller == issuer for p in proofs.proofs):
        reason = proofs.errors[0].message if proofs.errors else "not signed by the issuer"
        raise StatusVerificationError(
            f"the status list's proof does not verify: {reason}",
            code="STATUS_LIST_INVALID_PROOF",
        )
    decoded = parse_status_list_credential(credential, max_bytes=max_bytes, minimum=1)
    if memo is not None:
        _VERIFIED.put(memo[0], (memo[1], decoded))
    return decoded


def _memo_key(
    fetched: FetchedStatusList,
    issuer: str,
    resolver: Resolver,
    loader: DocumentLoader | None,
    max_bytes: int,
) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    """The memo key and the keys the proofs' methods resolve to now, or None when the list
    cannot be memoised (an odd proof: verify every time).

    Everything the verification depends on is in the key or beside it: the exact credential
    (digest), the issuer, the loader, the size cap, each proof's verification method in the key,
    and beside it (kept with the memoised list and compared on every lookup) the controller and
    public key each method resolves to now: a list found under its key is used only when every
    method still resolves to the same controller and key. (The key holds only strings and the
    loader, cheap to hash; the resolver keeps its offline answers, so the comparison is mostly
    one of identical objects.) Proof dates (``expires``) are not: a memoised list is
    re-verified when a proof expires. The data model check and the issuer comparison are pure
    functions of the credential, so a list found under its key has passed them too."""
    credential: object = fetched.credential  # a source's promise the value may not keep
    if type(credential) is not dict and not isinstance(credential, Mapping):
        return None
    proofs = credential.get("proof")
    if type(proofs) is dict:  # one proof: the loop below for it, without the lists
        method_id = proofs.get("verificationMethod")
        if "expires" in proofs or not isinstance(method_id, str):
            return None
        try:
            method = resolver.resolve_method(method_id, "assertionMethod")
        except VicError:
            return None  # the proof check reports it
        return (fetched.version(), issuer, (method_id,), loader, max_bytes), (
            (method.controller, method.public_key),
        )
    items = proofs if isinstance(proofs, list) else (proofs,)
    method_ids = []
    resolved = []
    for proof in items:
        if (type(proof) is not dict and not isinstance(proof, Mapping)) or "expires" in proof:
            return None
        method_id = proof.get("verificationMethod")
        if not isinstance(method_id, str):
            return None
        try:
            method = resolver.resolve_method(method_id, "assertionMethod")
        except VicError:
            return None  # the proof check reports it
        method_ids.append(method_id)
        # the key object itself: equal by key type and public bytes
        resolved.append((method.controller, method.public_key))
    key = (fetched.version(), issuer, tuple(method_ids), loader, max_bytes)
    return key, tuple(resolved)


def clear_verified_lists() -> None:
    """Forget every memoised list (tests, a trust-list reload)."""
    _VERIFIED.clear()


# --- over HTTP, with a memory and a disk cache --------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    url: str
    body: str
    etag: str | None
    fetched_at: datetime
    fresh_until: datetime
    digest: str
    credential: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    """The body parsed once (shared, never mutated)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "etag": self.etag,
            "fetchedAt": format_datetime(self.fetched_at),
            "freshUntil": format_datetime(self.fresh_until),
            "body": self.body,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> _Entry:
        body = data["body"]
        etag = data.get("etag")
        if not isinstance(body, str) or not (etag is None or isinstance(etag, str)):
            raise ValueError("malformed cache entry")
        return cls(
            url=str(data["url"]),
            body=body,
            etag=etag,
            fetched_at=parse_datetime(data["fetchedAt"], field="fetchedAt"),
            fresh_until=parse_datetime(data["freshUntil"], field="freshUntil"),
            digest=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        )


_FETCH_REASONS: Final = {
    "FETCH_TOO_LARGE": "STATUS_LIST_TOO_LARGE",
    "FETCH_BAD_URL": "STATUS_LIST_URL_REFUSED",
    "FETCH_NOT_HTTPS": "STATUS_LIST_URL_REFUSED",
    "FETCH_ADDRESS_REFUSED": "STATUS_LIST_URL_REFUSED",
    "FETCH_TOO_MANY_REDIRECTS": "STATUS_LIST_URL_REFUSED",
}


class HttpStatusLists:
    """Status lists over HTTPS through a guarded fetcher, cached in memory and on disk.

    A cached copy is used without asking until it is due: ``fetched_at`` plus the shortest of the
    list's ``ttl``, the response's ``Cache-Control: max-age`` (``no-cache``/``no-store``: always
    due) and :data:`DEFAULT_TTL` when neither says, and never past the list's ``validUntil``. A due
    copy is revalidated with ``If-None-Match`` (a 304 renews it). When the list cannot be fetched
    (offline, unreachable, an HTTP error) the cached copy answers while it is at most ``max_age``
    old; past that, or with no copy, the source raises :class:`StatusUnavailableError` with the
    reason: ``STATUS_LIST_NOT_CACHED`` (offline), ``STATUS_LIST_STALE``,
    ``STATUS_LIST_UNREACHABLE``, ``STATUS_LIST_HTTP_ERROR``, ``STATUS_LIST_TOO_LARGE``,
    ``STATUS_LIST_URL_REFUSED``, ``STATUS_LIST_MALFORMED``. A list's signature and purpose are
    checked by the verifier (``STATUS_LIST_INVALID_PROOF``, ``STATUS_PURPOSE_MISMATCH``).

    ``offline=True`` never touches the network (no fetcher is needed). The disk cache
    (``cache_dir``, optional) holds one JSON file per URL, written atomically; a damaged file is
    ignored and replaced on the next fetch. Thread-safe.
    """

    def __init__(
        self,
        fetcher: Fetcher | None = None,
        *,
        cache_dir: Path | str | None = None,
        clock: Clock = system_clock,
        max_age: timedelta = DEFAULT_MAX_STATUS_AGE,
        default_ttl: timedelta = DEFAULT_TTL,
        offline: bool = False,
        max_bytes: int = MAX_LIST_BODY,
        memory_entries: int = 256,
    ) -> None:
        if fetcher is None and not offline:
            from vic.did.fetch import GuardedFetcher

            fetcher = GuardedFetcher()
        self._fetcher = fetcher
        self._dir = Path(cache_dir) if cache_dir is not None else None
        self._clock = clock
        self.max_age = max_age
        self._default_ttl = default_ttl
        self.offline = offline
        self._max_bytes = max_bytes
        self._memory: OrderedDict[str, _Entry] = OrderedDict()
        self._memory_entries = memory_entries
        self._lock = threading.Lock()

    def get(self, url: str) -> FetchedStatusList:
        """The list at ``url``: from the cache while fresh, else from the network.

        :raises StatusUnavailableError: it cannot be had (the code says why).
        """
        now = self._clock()
        entry = self._remembered(url) or self._read_disk(url)
        if entry is not None and now < entry.fresh_until:
            return self._answer(entry, "cache")
        if self.offline or self._fetcher is None:
            if entry is not None:
                return self._stale(entry, now, "offline")
            raise StatusUnavailableError(
                f"offline, and no copy of the status list {url} is cached",
                code="STATUS_LIST_NOT_CACHED",
                list=url,
            )
        headers = {"accept": "application/vc+ld+json, application/vc, application/json"}
        if entry is not None and entry.etag is not None:
            headers["if-none-match"] = entry.etag
        try:
            response = self._fetcher.fetch(url, max_bytes=self._max_bytes, headers=headers)
        except FetchError as exc:
            if entry is not None and exc.code not in _FETCH_REASONS:
                return self._stale(entry, now, exc.code)
            code = _FETCH_REASONS.get(exc.code, "STATUS_LIST_UNREACHABLE")
            raise StatusUnavailableError(
                f"the status list {url} could not be fetched: {exc.message}",
                code=code,
                list=url,
                reason=exc.code,
            ) from None
        if response.status == 304 and entry is not None:
            renewed = self._entry(url, entry.body, entry.etag, response.headers, now)
            self._store(renewed)
            return self._answer(renewed, "network")
        if response.status != 200:
            if entry is not None:
                return self._stale(entry, now, f"HTTP {response.status}")
            raise StatusUnavailableError(
                f"the status list {url} answered HTTP {response.status}",
                code="STATUS_LIST_HTTP_ERROR",
                list=url,
                http_status=response.status,
            )
        try:
            body = response.body.decode("utf-8")
            parse_json_object(body, max_bytes=self._max_bytes)
        except (UnicodeDecodeError, VicError):
            raise StatusUnavailableError(
                f"the status list {url} is not a JSON object",
                code="STATUS_LIST_MALFORMED",
                list=url,
            ) from None
        fresh = self._entry(url, body, response.headers.get("etag"), response.headers, now)
        self._store(fresh)
        return self._answer(fresh, "network")

    def cached(self, url: str) -> FetchedStatusList | None:
        """The list at ``url`` when a fresh copy is in memory (what :meth:`get` would answer),
        else None. Never reads the disk nor the network: an event loop may call it."""
        entry = self._remembered(url)
        if entry is None or not self._clock() < entry.fresh_until:
            return None
        return self._answer(entry, "cache")

    # -- freshness ---------------------------------------------------------------------------

    def _entry(
        self, url: str, body: str, etag: str | None, headers: Mapping[str, str], now: datetime
    ) -> _Entry:
        credential = parse_json_object(body, max_bytes=self._max_bytes)
        lifetimes = [self._default_ttl]
        ttl = _list_ttl(credential)
        max_age = _max_age(headers.get("cache-control", ""))
        if ttl is not None or max_age is not None:
            lifetimes = [t for t in (ttl, max_age) if t is not None]
        fresh_until = now + min(lifetimes)
        valid_until = _valid_until(credential)
        if valid_until is not None:
            fresh_until = min(fresh_until, valid_until)
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        return _Entry(url, body, etag, now, fresh_until, digest, credential)

    def _answer(self, entry: _Entry, source: SourceKind) -> FetchedStatusList:
        credential = entry.credential
        if credential is None:  # read from disk: parsed once, then kept
            credential = parse_json_object(entry.body, max_bytes=self._max_bytes)
            with self._lock:
                current = self._memory.get(entry.url)
                if current is not None and current.digest == entry.digest:
                    self._memory[entry.url] = replace(current, credential=credential)
        return FetchedStatusList(credential, source, entry.fetched_at, entry.digest)

    def _stale(self, entry: _Entry, now: datetime, why: str) -> FetchedStatusList:
        age = now - entry.fetched_at
        if age > self.max_age:
            raise StatusUnavailableError(
                f"the status list {entry.url} could not be refreshed ({why}) and the copy held "
                f"is older than {_human(self.max_age)}",
                code="STATUS_LIST_STALE",
                list=entry.url,
                fetched_at=format_datetime(entry.fetched_at),
                age_seconds=int(age.total_seconds()),
                reason=why,
            )
        return self._answer(entry, "cache")

    # -- storage -----------------------------------------------------------------------------

    def _path(self, url: str) -> Path | None:
        if self._dir is None:
            return None
        return self._dir / (hashlib.sha256(url.encode("utf-8")).hexdigest() + ".json")

    def _read_disk(self, url: str) -> _Entry | None:
        path = self._path(url)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entry = _Entry.from_json(data)
        except (OSError, ValueError, KeyError, TypeError, VicError):
            return None  # damaged: ignored, replaced by the next fetch
        if entry.url != url:
            return None
        self._remember(entry)
        return entry

    def _remembered(self, url: str) -> _Entry | None:
        with self._lock:
            entry = self._memory.get(url)
            if entry is not None:
                self._memory.move_to_end(url)
            return entry

    def _remember(self, entry: _Entry) -> None:
        with self._lock:
            self._memory[entry.url] = entry
            self._memory.move_to_end(entry.url)
            while len(self._memory) > self._memory_entries:
                self._memory.popitem(last=False)

    def _store(self, entry: _Entry) -> None:
        self._remember(entry)
        path = self._path(entry.url)
        if path is None:
            return
        with self._lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            import tempfile  # the disk cache only

            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(entry.to_json(), out, ensure_ascii=False)
                os.replace(tmp, path)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def _list_ttl(credential: Mapping[str, Any]) -> timedelta | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    ttl = subject.get("ttl") if isinstance(subject, Mapping) else None
    if isinstance(ttl, int) and not isinstance(ttl, bool) and 0 <= ttl <= 10**12:
        return timedelta(milliseconds=ttl)
    return None


def _max_age(cache_control: str) -> timedelta | None:
    directives = [d.strip().lower() for d in cache_control.split(",") if d.strip()]
    if "no-cache" in directives or "no-store" in directives:
        return timedelta(0)
    for directive in directives:
        name, _, value = directive.partition("=")
        if name.strip() == "max-age" and value.strip().isdigit():
            return timedelta(seconds=min(int(value.strip()), 10**9))
    return None


def _valid_until(credential: Mapping[str, Any]) -> datetime | None:
    try:
        value = credential.get("validUntil")
        return parse_datetime(value, field="validUntil") if value is not None else None
    except VicError:
        return None


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400} day(s)"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} hour(s)"
    return f"{seconds} s"
