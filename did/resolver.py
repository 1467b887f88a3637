"""DID resolution: did:key and did:jwk offline, any DID from pinned documents, did:web opt-in.

Nothing here touches the network. A verifier pins the DID documents of the issuers it trusts
(docs/dids-and-keys.md); a ``fetch`` callable, if injected, is the only way an unpinned did:web is
looked up — it receives the did.json HTTPS URL and returns the body, which is capped and parsed
here. :func:`guarded_did_fetch` adapts the guarded HTTPS fetcher (:mod:`vic.did.fetch`: timeouts,
no private addresses, a size cap) to it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable, Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from vic.contexts.errors import (
    DidResolutionError,
    FetchError,
    InvalidDidError,
    VerificationMethodError,
)
from vic.did.document import DidDocument, VerificationMethod
from vic.did.jwk import did_jwk_document
from vic.did.key import did_key_document
from vic.did.syntax import parse_did, parse_did_url
from vic.did.web import did_web_url

if TYPE_CHECKING:  # the guarded fetcher (sockets, DNS) is imported only where it is used
    from vic.did.fetch import Fetcher

__all__ = ["MAX_DID_DOCUMENT_SIZE", "DidResolver", "Fetch", "Resolver", "guarded_did_fetch"]

#: The largest did.json a fetcher may return.
MAX_DID_DOCUMENT_SIZE = 64 * 1024

#: Fetch the body of an HTTPS URL (raising a :class:`~vic.contexts.errors.VicError` or ``OSError``).
Fetch = Callable[[str], bytes]


def guarded_did_fetch(fetcher: Fetcher) -> Fetch:
    """A :data:`Fetch` for :class:`DidResolver` over a guarded fetcher (capped, HTTP 200 only)."""

    def fetch(url: str) -> bytes:
        response = fetcher.fetch(
            url, max_bytes=MAX_DID_DOCUMENT_SIZE, headers={"accept": "application/did+json"}
        )
        if response.status != 200:
            raise FetchError(
                f"{url} answered HTTP {response.status}", code="FETCH_HTTP_STATUS", url=url
            )
        return response.body

    return fetch


@runtime_checkable
class Resolver(Protocol):
    """What the format layer needs from DID resolution."""

    def resolve(self, did: str) -> DidDocument:
        """The DID document of ``did``."""
        ...

    def resolve_method(self, did_url: str, purpose: str) -> VerificationMethod:
        """The verification method ``did_url``, checked to be authorized for ``purpose``."""
        ...


# did:key and did:jwk documents are pure functions of the DID; decoding and checking the key
# point is a sizeable part of a verification, so resolved documents are kept (bounded; failures
# are not cached, they raise).
_did_key_document = lru_cache(maxsize=1024)(did_key_document)
_did_jwk_document = lru_cache(maxsize=1024)(did_jwk_document)

#: How many offline answers (documents and verification methods) one resolver keeps.
MAX_OFFLINE_ANSWERS = 1024

_OFFLINE_METHODS = frozenset({"key", "jwk"})


class _OfflineAnswers:
    """A bounded map of the answers a resolver computes without any fetch (oldest out first).

    Only answers that are pure functions of the resolver's fixed state and the exact query are
    stored (did:key, did:jwk, pinned documents); failures are never stored. Reads take no lock
    (one dict lookup); writes do.
    """

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._data: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        return self._data.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            while len(self._data) > self._maxsize:
                del self._data[next(iter(self._data))]

    def __len__(self) -> int:
        return len(self._data)


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidDidError(f"DID document has a duplicate member {key!r}")
        out[key] = value
    return out


def _parse_fetched(did: str, url: str, body: bytes) -> DidDocument:
    if len(body) > MAX_DID_DOCUMENT_SIZE:
        raise DidResolutionError(
            f"the DID document at {url} exceeds {MAX_DID_DOCUMENT_SIZE} bytes", did=did
        )
    try:
        doc = json.loads(body, object_pairs_hook=_reject_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise InvalidDidError(f"the DID document at {url} is not JSON", did=did) from None
    if not isinstance(doc, dict):
        raise InvalidDidError(f"the DID document at {url} is not a JSON object", did=did)
    document = DidDocument.from_json(doc)
    if document.id != did:
        raise InvalidDidError(f"the DID document at {url} is for {document.id}, not {did}", did=did)
    return document


class DidResolver:
    """Resolves did:key and did:jwk offline, pinned documents for any DID, did:web if allowed.

    ``pinned`` maps DIDs to their documents (JSON or :class:`DidDocument`); a pinned document
    wins over every other source. ``fetch``, when given, is called with the did.json URL of an
    unpinned did:web; by default nothing is ever fetched.
    """

    def __init__(
        self,
        pinned: Mapping[str, Mapping[str, Any] | DidDocument] | None = None,
        *,
        fetch: Fetch | None = None,
    ) -> None:
        """Parse and check the pinned documents.

        :raises InvalidDidError: a key is not a DID, or its document is for another DID or
            malformed.
        :raises InvalidKeyError: a pinned document holds an invalid or weak key.
        """
        documents: dict[str, DidDocument] = {}
        for did, doc in (pinned or {}).items():
            parse_did(did)
            document = doc if isinstance(doc, DidDocument) else DidDocument.from_json(doc)
            if document.id != did:
                raise InvalidDidError(f"the document pinned for {did} is for {document.id}")
            documents[did] = document
        self._pinned = MappingProxyType(documents)
        self._fetch = fetch
        self._answers = _OfflineAnswers(MAX_OFFLINE_ANSWERS)

    @property
    def pinned(self) -> Mapping[str, DidDocument]:
        """The pinned documents, by DID (read-only)."""
        return self._pinned

    def resolve(self, did: str) -> DidDocument:
        """The DID document of ``did``.

        :raises InvalidDidError: not a DID (a DID URL is refused too), or a malformed document.
        :raises InvalidKeyError: the DID's key is malformed, unsupported or weak.
        :raises DidResolutionError: code ``UNSUPPORTED_DID_METHOD`` for a method other than key,
            jwk and web (unless pinned); ``DID_NOT_FOUND`` for an unpinned did:web with no fetcher,
            or when the fetch fails or returns too much.
        """
        known = self._answers.get(did)
        if known is not None:
            return known  # type: ignore[no-any-return]
        parsed = parse_did(did)
        pinned = self._pinned.get(did)
        if pinned is not None:
            self._answers.put(did, pinned)
            return pinned
        if parsed.method == "key":
            document = _did_key_document(did)
            self._answers.put(did, document)
            return document
        if parsed.method == "jwk":
            document = _did_jwk_document(did)
            self._answers.put(did, document)
            return document
        if parsed.method == "web":
            return self._resolve_web(did)
        raise DidResolutionError(
            f"DID method {parsed.method!r} is not supported (key, jwk, web, or a pinned document)",
            code="UNSUPPORTED_DID_METHOD",
            did=did,
        )

    def _resolve_web(self, did: str) -> DidDocument:
        url = did_web_url(did)
        if self._fetch is None:
            raise DidResolutionError(
                f"{did} is not pinned and fetching did:web documents is not enabled", did=did
            )
        try:
            body = self._fetch(url)
        except OSError as exc:
            raise DidResolutionError(f"fetching {url} failed: {exc}", did=did) from exc
        except FetchError as exc:
            raise DidResolutionError(
                f"fetching {url} failed: {exc.message}", did=did, reason=exc.code
            ) from None
        return _parse_fetched(did, url, bytes(body))

    def resolve_method(self, did_url: str, purpose: str) -> VerificationMethod:
        """The verification method ``did_url``, authorized for ``purpose`` by its controller.

        ``purpose`` is a verification relationship, e.g. ``assertionMethod`` (a proof purpose).

        :raises InvalidDidError: not a DID URL.
        :raises DidResolutionError: the DID cannot be resolved (see :meth:`resolve`).
        :raises VerificationMethodError: code ``VERIFICATION_METHOD_NOT_FOUND`` when the document
            has no such (supported) method; ``VERIFICATION_METHOD_NOT_AUTHORIZED`` when the
            relationship ``purpose`` does not list it or its controller is not the DID.
        """
        key = (did_url, purpose)
        known = self._answers.get(key)
        if known is not None:
            return known  # type: ignore[no-any-return]
        parsed = parse_did_url(did_url)
        document = self.resolve(parsed.did)
        method = document.method(did_url)
        if not document.authorizes(method.id, purpose):
            raise VerificationMethodError(
                f"{method.id} is not authorized for {purpose!r} by {document.id}",
                code="VERIFICATION_METHOD_NOT_AUTHORIZED",
                method=method.id,
                purpose=purpose,
            )
        if method.controller != document.id:
            raise VerificationMethodError(
                f"{method.id} is controlled by {method.controller}, not {document.id}",
                code="VERIFICATION_METHOD_NOT_AUTHORIZED",
                method=method.id,
                purpose=purpose,
            )
        if parsed.did in self._pinned or parsed.method in _OFFLINE_METHODS:
            self._answers.put(key, method)
        return method
