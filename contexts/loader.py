"""The offline JSON-LD document loader: bundled documents only, never the network."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from vic.contexts.errors import UnknownContextError

__all__ = [
    "CREDENTIALS_V1",
    "CREDENTIALS_V2",
    "DATA_INTEGRITY_V2",
    "VC_BARCODES_V1",
    "VEHICLE_INSPECTION_V1",
    "DocumentLoader",
    "bundled_urls",
    "context_bytes",
    "context_document",
]

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
VC_BARCODES_V1 = "https://w3id.org/vc-barcodes/v1"
VEHICLE_INSPECTION_V1 = "https://w3id.org/vehicle-inspection/v1"


@cache
def _manifest() -> dict[str, tuple[str, str]]:
    from importlib import resources  # on first use: it imports tempfile, shutil and more

    raw = resources.files("vic.contexts").joinpath("manifest.json").read_text("utf-8")
    return {row["url"]: (row["file"], row["sha256"]) for row in json.loads(raw)}


def bundled_urls() -> tuple[str, ...]:
    """The URLs of every bundled document, in manifest order."""
    return tuple(_manifest())


@cache
def context_bytes(url: str) -> bytes:
    """The published bytes of a bundled document, checked against the manifest's SHA-256.

    :raises UnknownContextError: the URL is not bundled.
    """
    try:
        file, digest = _manifest()[url]
    except KeyError:
        raise UnknownContextError(
            f"context {url!r} is not bundled; nothing is fetched", url=url
        ) from None
    from importlib import resources

    data = resources.files("vic.contexts").joinpath("documents", file).read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:  # a packaging fault, never user input
        raise RuntimeError(f"bundled context {file} does not match its manifest digest")
    return data


@cache
def _parsed(url: str) -> Any:
    return json.loads(context_bytes(url))


def context_document(url: str) -> Any:
    """The parsed JSON of a bundled document (shared: do not mutate it).

    :raises UnknownContextError: the URL is not bundled.
    """
    return _parsed(url)


class DocumentLoader:
    """A pyld document loader serving bundled documents, plus any the caller adds.

    ``extra`` maps URLs to parsed documents (a verifier's pinned contexts, a test's fixture). Any
    other URL raises :class:`UnknownContextError` at once: there is no network fallback.
    """

    def __init__(self, extra: Mapping[str, Any] | None = None) -> None:
        self._extra = dict(extra or {})

    def with_documents(self, extra: Mapping[str, Any]) -> DocumentLoader:
        """A new loader that also serves ``extra``."""
        return DocumentLoader({**self._extra, **extra})

    def serves(self, url: str) -> bool:
        """Whether ``url`` is bundled or was added to this loader (nothing else is served)."""
        return url in self._extra or url in _manifest()

    def replaces_none(self, urls: frozenset[str]) -> bool:
        """Whether none of ``urls`` was added to this loader (each is then served as bundled)."""
        return not self._extra or self._extra.keys().isdisjoint(urls)

    def replaces(self, url: str) -> bool:
        """Whether ``url`` was added to this loader (it may then serve another document than the
        bundled one)."""
        return url in self._extra

    def load(self, url: str) -> Any:
        """The parsed document at ``url``.

        :raises UnknownContextError: neither bundled nor added.
        """
        if url in self._extra:
            return self._extra[url]
        return _parsed(url)

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The pyld RemoteDocument form of :meth:`load`."""
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": self.load(url),
        }
