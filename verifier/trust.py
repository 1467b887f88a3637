"""The trust list: which issuers a verifier accepts, with their pinned DID documents.

A trust list file (documented in docs/trust-list.md) looks like::

    {"type": "VicTrustList", "version": 1,
     "issuers": [{"id": "did:web:jtgl.example.cn", "name": {"zh-CN": "…", "en": "…"},
                  "didDocument": {...}}]}

Like the EU trust list, it lets a verifier work fully offline: keys come from the pinned documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vic.contexts.errors import TrustError, VicError
from vic.did.document import DidDocument
from vic.did.resolver import DidResolver, Fetch
from vic.vc.jsonio import parse_json_object

if TYPE_CHECKING:  # CBOR-LD is imported when a registry is asked for (import stays light)
    from vic.vc.cborld import Registry, RegistryEntry

__all__ = ["TRUST_LIST_TYPE", "TrustList", "TrustedIssuer"]

TRUST_LIST_TYPE = "VicTrustList"
MAX_TRUST_LIST_BYTES = 8 << 20


@dataclass(frozen=True)
class TrustedIssuer:
    """One trusted issuer: its DID, display names by language, and its pinned DID document."""

    id: str
    name: Mapping[str, str] = field(default_factory=dict)
    did_document: Mapping[str, Any] | None = None
    registry_entries: tuple[RegistryEntry, ...] = ()
    """The issuer's CBOR-LD registry entries, to decode its QR codes offline."""

    def to_json(self) -> dict[str, Any]:
        """The trust-list file form of this entry."""
        out: dict[str, Any] = {"id": self.id}
        if self.name:
            out["name"] = dict(self.name)
        if self.did_document is not None:
            out["didDocument"] = dict(self.did_document)
        if self.registry_entries:
            out["cborldRegistryEntries"] = [e.to_json() for e in self.registry_entries]
        return out


@dataclass(frozen=True)
class TrustList:
    """The issuers a verifier trusts."""

    issuers: tuple[TrustedIssuer, ...] = ()

    def trusts(self, issuer: str) -> bool:
        """Whether ``issuer`` (a DID) is on the list."""
        return issuer in self._by_id

    def get(self, issuer: str) -> TrustedIssuer | None:
        """The entry of ``issuer``, if trusted (the first one, if listed twice)."""
        return self._by_id.get(issuer)

    @cached_property
    def _by_id(self) -> dict[str, TrustedIssuer]:
        by_id: dict[str, TrustedIssuer] = {}
        for entry in self.issuers:
            by_id.setdefault(entry.id, entry)
        return by_id

    def binds_issuers(self) -> bool:
        """Whether a proof must be made with a method its credential's issuer controls.

        Always, except in the interop test mode (``AnyIssuer`` of the verifier service), where
        the W3C suites' vectors name issuers (https URLs) that did not make their proofs.
        """
        return True

    def with_issuers(self, dids: Iterable[str]) -> TrustList:
        """A list that also trusts ``dids`` (without pinned documents: did:key, did:jwk)."""
        extra = tuple(TrustedIssuer(id=d) for d in dids if not self.trusts(d))
        return TrustList(self.issuers + extra)

    def merged(self, other: TrustList) -> TrustList:
        """The union of two lists (entries of ``self`` win for the same DID)."""
        return TrustList(self.issuers + tuple(e for e in other.issuers if not self.trusts(e.id)))

    def registry(self) -> Registry:
        """The CBOR-LD registry: entries 0, 1, 100, the bundled demo entry, the issuers' entries.

        :raises MalformedValueError: two issuers publish conflicting entries under one id.
        """
        from vic.vc.cborld import Registry, bundled_entry

        entries = [bundled_entry()]
        for issuer in self.issuers:
            entries.extend(issuer.registry_entries)
        return Registry(entries)

    def resolver(self, *, fetch: Fetch | None = None) -> DidResolver:
        """A resolver that knows the pinned documents (and did:key, did:jwk offline); with
        ``fetch`` (e.g. :func:`vic.did.resolver.guarded_did_fetch`) it looks unpinned did:web
        documents up too.

        Without ``fetch`` the same resolver is returned on every call (it holds nothing that
        changes, and it keeps its offline answers: :class:`~vic.did.resolver.DidResolver`)."""
        if fetch is None:
            return self._offline_resolver
        return self._new_resolver(fetch)

    @cached_property
    def _offline_resolver(self) -> DidResolver:
        return self._new_resolver(None)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled and deep-copied without the kept resolver and index (a copy builds its own)."""
        state = dict(self.__dict__)
        state.pop("_offline_resolver", None)
        state.pop("_by_id", None)
        return state

    def _new_resolver(self, fetch: Fetch | None) -> DidResolver:
        return DidResolver(
            {e.id: e.did_document for e in self.issuers if e.did_document is not None},
            fetch=fetch,
        )

    def to_json(self) -> dict[str, Any]:
        """The trust-list file form."""
        return {
            "type": TRUST_LIST_TYPE,
            "version": 1,
            "issuers": [entry.to_json() for entry in self.issuers],
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> TrustList:
        """Read the trust-list file form.

        :raises TrustError: code INVALID_TRUST_LIST when the document is not a trust list.
        """
        if document.get("type") != TRUST_LIST_TYPE or document.get("version") != 1:
            raise _invalid(f'a trust list has "type": "{TRUST_LIST_TYPE}" and "version": 1')
        entries = document.get("issuers")
        if not isinstance(entries, list):
            raise _invalid("issuers must be a list")
        issuers = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                raise _invalid("each issuer needs an id (a DID)")
            name = entry.get("name", {})
            if not isinstance(name, dict) or not all(isinstance(v, str) for v in name.values()):
                raise _invalid("name must map language tags to strings")
            pinned = entry.get("didDocument")
            if pinned is not None:
                try:
                    parsed = DidDocument.from_json(pinned)
                except VicError as exc:
                    message = f"the pinned DID document of {entry['id']} is invalid: {exc}"
                    raise _invalid(message) from None
                if parsed.id != entry["id"]:
                    raise _invalid(f"the pinned DID document's id is not {entry['id']}")
            raw_entries = entry.get("cborldRegistryEntries", [])
            if not isinstance(raw_entries, list):
                raise _invalid("cborldRegistryEntries must be a list")
            from vic.vc.cborld import RegistryEntry

            try:
                registry_entries = tuple(RegistryEntry.from_json(e) for e in raw_entries)
            except VicError as exc:
                message = f"a CBOR-LD registry entry of {entry['id']} is invalid: {exc}"
                raise _invalid(message) from None
            issuers.append(TrustedIssuer(entry["id"], name, pinned, registry_entries))
        return cls(tuple(issuers))

    @classmethod
    def read(cls, path: str | Path) -> TrustList:
        """Read a trust-list file.

        :raises TrustError: the file is missing or not a valid trust list.
        """
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise _invalid(f"cannot read trust list {path}: {exc.strerror}") from None
        try:
            document = parse_json_object(
                data, max_bytes=MAX_TRUST_LIST_BYTES, max_values=MAX_TRUST_LIST_BYTES // 16
            )
        except VicError as exc:
            raise _invalid(f"trust list {path} is not a JSON object: {exc}") from None
        return cls.from_json(document)


def _invalid(message: str) -> TrustError:
    return TrustError(message, code="INVALID_TRUST_LIST")
