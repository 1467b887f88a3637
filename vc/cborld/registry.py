"""CBOR-LD registry entries: the type tables a registry entry id stands for.

A CBOR-LD payload names a *registry entry* by id; the entry's *type tables* map values of a type
(``context`` URLs, ``url`` values, plain strings under ``none``, or any JSON-LD type such as
``https://w3id.org/security#cryptosuiteString``) to integer codes. In the CBOR-LD registry
(json-ld/cbor-ld-spec) an entry's ``typeTables`` is an array of ``{"type": ..., "table": {...}}``.

Built in, as @digitalbazaar/cborld 8.1 has them:

- ``0``: uncompressed (the payload is plain CBOR of the JSON-LD document);
- ``1``: compressed with the default processing model and *no* type tables (cborld 8.x gives entry 1
  empty tables: contexts, URLs and strings are compressed only by the value codecs);
- ``100``: the VC Barcodes specification's test vectors (its context and cryptosuite tables).

Authorities publish their own entries (docs/qr.md) as JSON files, see :meth:`RegistryEntry.to_json`;
:func:`authority_entry` generates one from an issuer's configuration, append-only: a new version
keeps every code of the previous one and appends new values after the highest code, so marks
printed under an old version keep decoding. A verifier builds a :class:`Registry` from the built-in
entries plus the files its trust list carries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from vic.contexts.errors import MalformedValueError, ParsingError, UsageError
from vic.vc.cborld.tables import (
    CRYPTOSUITE_STRING,
    LEGACY_CRYPTOSUITE_TABLE,
    TYPES_ENCODED_AS_BYTES,
)
from vic.vc.jsonio import is_int

__all__ = [
    "DEFAULT_CRYPTOSUITES",
    "DEMO_ENTRY_FILE",
    "MARK_CONTEXTS",
    "Registry",
    "RegistryEntry",
    "TypeTables",
    "authority_entry",
    "builtin_entries",
    "bundled_entry",
    "load_entry",
]

TypeTables = Mapping[str, Mapping[str, int]]
"""type -> value -> code."""

MAX_SAFE_INTEGER: Final = 2**53 - 1
_MAX_BYTES_CODE: Final = 0xFFFFFFFF  # cborld writes codes >= this in 8 bytes, which it cannot read
_FORBIDDEN_TYPES: Final = frozenset(
    {
        "http://www.w3.org/2001/XMLSchema#integer",
        "http://www.w3.org/2001/XMLSchema#double",
        "http://www.w3.org/2001/XMLSchema#boolean",
    }
)
MAX_ENTRY_ID: Final = MAX_SAFE_INTEGER

MARK_CONTEXTS: Final = (
    "https://www.w3.org/ns/credentials/v2",
    "https://w3id.org/vc-barcodes/v1",
    "https://w3id.org/vehicle-inspection/v1",
)
"""The contexts of the mark, first in every authority entry's context table."""

DEFAULT_CRYPTOSUITES: Final = (
    "ecdsa-rdfc-2019",
    "eddsa-rdfc-2022",
    "ecdsa-jcs-2019",
    "eddsa-jcs-2022",
)
"""The cryptosuites of an authority entry's cryptosuite table, in code order."""

DEMO_ENTRY_FILE: Final = "demo-vic-example.json"
"""The demo authority's entry, bundled in ``contexts/registry/``."""


def _bad_entry(message: str, **detail: Any) -> MalformedValueError:
    return MalformedValueError(message, code="INVALID_REGISTRY_ENTRY", **detail)


def _check_tables(tables: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for type_, table in tables.items():
        if not isinstance(type_, str) or not type_:
            raise _bad_entry("a type table's type must be a non-empty string")
        if type_ in _FORBIDDEN_TYPES:
            raise _bad_entry(f"type tables must not be given for {type_} (CBOR-LD forbids it)")
        if not isinstance(table, Mapping):
            raise _bad_entry(f"the table of {type_} must be an object of value -> code")
        limit = _MAX_BYTES_CODE - 1 if type_ in TYPES_ENCODED_AS_BYTES else MAX_SAFE_INTEGER
        low = 1 if type_ == "context" else 0  # cborld drops a singular @context coded 0
        seen: dict[int, str] = {}
        checked: dict[str, int] = {}
        for value, code in table.items():
            if not isinstance(value, str):
                raise _bad_entry(f"a value of the {type_} table is not a string: {value!r}")
            if not is_int(code) or not low <= code <= limit:
                raise _bad_entry(
                    f"the code of {value!r} in the {type_} table must be an integer "
                    f"in {low}..{limit}",
                    value=value,
                )
            if code in seen:
                raise _bad_entry(
                    f"{value!r} and {seen[code]!r} share code {code} in the {type_} table"
                )
            seen[code] = value
            checked[value] = code
        out[type_] = checked
    return out


@dataclass(frozen=True)
class RegistryEntry:
    """One CBOR-LD registry entry: its id, whether it compresses, and its type tables.

    :raises MalformedValueError: ``INVALID_REGISTRY_ENTRY`` for an id or table CBOR-LD cannot use
        (duplicate codes in a table, codes out of range, a table for xsd:integer/double/boolean).
    """

    entry_id: int
    type_tables: TypeTables = field(default_factory=dict)
    use_case: str = ""
    provisional: bool = True
    version: int = 1
    compressed: bool = True

    def __post_init__(self) -> None:
        if not is_int(self.entry_id) or not 0 <= self.entry_id <= MAX_ENTRY_ID:
            raise _bad_entry(f"registry entry id must be an integer >= 0, not {self.entry_id!r}")
        if not is_int(self.version) or self.version < 1:
            raise _bad_entry(f"registry entry version must be a positive integer: {self.version}")
        if (self.entry_id == 0) == self.compressed:
            raise _bad_entry("entry 0, and only entry 0, is uncompressed")
        tables = _check_tables(self.type_tables)
        frozen = MappingProxyType({k: MappingProxyType(v) for k, v in tables.items()})
        object.__setattr__(self, "type_tables", frozen)

    def __hash__(self) -> int:
        return hash((self.entry_id, self.version))

    def table(self, type_: str) -> Mapping[str, int]:
        """The table of ``type_`` (empty if the entry has none)."""
        return self.type_tables.get(type_, MappingProxyType({}))

    def type_tables_json(self) -> list[dict[str, Any]]:
        """The ``typeTables`` array, in the CBOR-LD registry's format."""
        return [{"type": t, "table": dict(table)} for t, table in self.type_tables.items()]

    def to_json(self) -> dict[str, Any]:
        """The entry as a registry file: id, version, use case, and ``typeTables``."""
        return {
            "registryEntryId": self.entry_id,
            "version": self.version,
            "useCase": self.use_case,
            "processingModel": "DEFAULT",
            "provisional": self.provisional,
            "typeTables": self.type_tables_json(),
        }

    @classmethod
    def from_json(cls, data: Any) -> RegistryEntry:
        """An entry from its registry file (see :meth:`to_json`).

        :raises MalformedValueError: ``INVALID_REGISTRY_ENTRY``.
        """
        if not isinstance(data, Mapping):
            raise _bad_entry("a registry entry file holds a JSON object")
        known = {
            "registryEntryId",
            "version",
            "useCase",
            "processingModel",
            "provisional",
            "typeTables",
        }
        unknown = sorted(set(data) - known)
        if unknown:
            raise _bad_entry(f"unknown registry entry members: {', '.join(unknown)}")
        if data.get("processingModel", "DEFAULT") != "DEFAULT":
            raise _bad_entry("only the DEFAULT processing model is supported")
        entry_id = data.get("registryEntryId")
        if not isinstance(entry_id, int) or isinstance(entry_id, bool):
            raise _bad_entry("registryEntryId must be an integer")
        use_case = data.get("useCase", "")
        provisional = data.get("provisional", True)
        version = data.get("version", 1)
        if not isinstance(use_case, str) or not isinstance(provisional, bool):
            raise _bad_entry("useCase must be a string and provisional a boolean")
        return cls(
            entry_id=entry_id,
            type_tables=tables_from_json(data.get("typeTables", [])),
            use_case=use_case,
            provisional=provisional,
            version=version,
            compressed=entry_id != 0,
        )

    def extends(self, older: RegistryEntry) -> bool:
        """True if this entry keeps every (type, value, code) of ``older`` (append-only)."""
        if older.entry_id != self.entry_id:
            return False
        for type_, table in older.type_tables.items():
            mine = self.table(type_)
            if any(mine.get(value) != code for value, code in table.items()):
                return False
        return True

    def append(self, additions: Mapping[str, Sequence[str]]) -> RegistryEntry:
        """A new version with ``additions`` (type -> values) appended after each table's codes.

        Values already present keep their codes; when nothing is new, ``self`` is returned.
        """
        tables = {t: dict(table) for t, table in self.type_tables.items()}
        changed = False
        for type_, values in additions.items():
            table = tables.setdefault(type_, {})
            for value in values:
                if value in table:
                    continue
                table[value] = max(table.values(), default=0) + 1
                changed = True
        if not changed:
            return self
        return RegistryEntry(
            entry_id=self.entry_id,
            type_tables={t: table for t, table in tables.items() if table},
            use_case=self.use_case,
            provisional=self.provisional,
            version=self.version + 1,
            compressed=self.compressed,
        )


def tables_from_json(data: Any) -> dict[str, dict[str, int]]:
    """Type tables from the registry's ``typeTables`` array of ``{type, table}``.

    :raises MalformedValueError: ``INVALID_REGISTRY_ENTRY``.
    """
    if not isinstance(data, list):
        raise _bad_entry("typeTables must be an array of {type, table}")
    tables: dict[str, dict[str, int]] = {}
    for item in data:
        if not isinstance(item, Mapping) or set(item) != {"type", "table"}:
            raise _bad_entry("each typeTables item is an object with exactly type and table")
        type_, table = item["type"], item["table"]
        if not isinstance(type_, str) or not isinstance(table, Mapping):
            raise _bad_entry("type must be a string and table an object")
        if type_ in tables:
            raise _bad_entry(f"two tables for type {type_!r}")
        tables[type_] = dict(table)
    return _check_tables(tables)


def load_entry(path: str | Path) -> RegistryEntry:
    """An entry from a registry file on disk.

    :raises MalformedValueError: ``INVALID_REGISTRY_ENTRY`` (not JSON, or not a valid entry).
    """
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _bad_entry(f"cannot read registry entry file {path}: {exc}") from None
    return RegistryEntry.from_json(data)


def bundled_entry(name: str = DEMO_ENTRY_FILE) -> RegistryEntry:
    """An entry shipped in ``contexts/registry/`` (by default the demo authority's)."""
    raw = resources.files("vic.contexts").joinpath("registry", name).read_text("utf-8")
    return RegistryEntry.from_json(json.loads(raw))


ENTRY_100_CONTEXTS: Final = MappingProxyType(
    {
        "https://www.w3.org/ns/credentials/v2": 32768,
        "https://w3id.org/vc-barcodes/v1": 32769,
        "https://w3id.org/utopia/v2": 32770,
    }
)


def builtin_entries() -> tuple[RegistryEntry, ...]:
    """Entries 0, 1 and 100 of the CBOR-LD registry."""
    return (
        RegistryEntry(0, {}, "Uncompressed CBOR-LD", provisional=False, compressed=False),
        RegistryEntry(1, {}, "Compressed CBOR-LD, default use case", provisional=False),
        RegistryEntry(
            100,
            {"context": ENTRY_100_CONTEXTS, CRYPTOSUITE_STRING: LEGACY_CRYPTOSUITE_TABLE},
            "Verifiable Credential Barcodes Specification Test Vectors",
            provisional=True,
        ),
    )


class Registry:
    """The registry entries a verifier (or issuer) knows, by id: built-ins plus added entries.

    Adding an entry whose id is already known keeps the higher version, and only if it extends the
    other (append-only); anything else is refused. Two copies of one version that differ only in
    their description (``useCase``) are the same entry.

    :raises MalformedValueError: ``REGISTRY_ENTRY_CONFLICT`` for two entries with one id where
        neither extends the other, or an added entry that would replace a built-in one.
    """

    def __init__(self, entries: Iterable[RegistryEntry] = (), *, builtins: bool = True) -> None:
        self._entries: dict[int, RegistryEntry] = {}
        self._builtin: frozenset[int] = frozenset()
        if builtins:
            for entry in builtin_entries():
                self._entries[entry.entry_id] = entry
            self._builtin = frozenset(self._entries)
        for entry in entries:
            self._add(entry)

    def _add(self, entry: RegistryEntry) -> None:
        if not isinstance(entry, RegistryEntry):
            raise UsageError("registry entries must be RegistryEntry objects")
        known = self._entries.get(entry.entry_id)
        if known is None:
            self._entries[entry.entry_id] = entry
            return
        if entry.entry_id in self._builtin:
            if entry == known:
                return
            raise MalformedValueError(
                f"registry entry {entry.entry_id} is built in and cannot be replaced",
                code="REGISTRY_ENTRY_CONFLICT",
            )
        newer, older = (entry, known) if entry.version >= known.version else (known, entry)
        same_version = newer.version == older.version
        if not newer.extends(older) or (same_version and newer.type_tables != older.type_tables):
            raise MalformedValueError(
                f"two versions of registry entry {entry.entry_id} disagree (entries are "
                "append-only: a later version keeps every code of the earlier ones)",
                code="REGISTRY_ENTRY_CONFLICT",
            )
        self._entries[entry.entry_id] = newer

    def with_entries(self, *entries: RegistryEntry) -> Registry:
        """A new registry that also holds ``entries``."""
        registry = Registry(builtins=False)
        registry._entries = dict(self._entries)
        registry._builtin = self._builtin
        for entry in entries:
            registry._add(entry)
        return registry

    @classmethod
    def from_files(cls, paths: Iterable[str | Path]) -> Registry:
        """Built-ins plus the entries in ``paths`` (registry files)."""
        return cls(load_entry(path) for path in paths)

    def get(self, entry_id: int) -> RegistryEntry:
        """The entry ``entry_id``.

        :raises ParsingError: ``UNKNOWN_REGISTRY_ENTRY``.
        """
        entry = self._entries.get(entry_id)
        if entry is None:
            raise ParsingError(
                f"CBOR-LD registry entry {entry_id} is not known to this registry",
                code="UNKNOWN_REGISTRY_ENTRY",
                registry_entry_id=entry_id,
            )
        return entry

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    def __iter__(self) -> Iterator[RegistryEntry]:
        return iter(sorted(self._entries.values(), key=lambda e: e.entry_id))

    def __len__(self) -> int:
        return len(self._entries)


def authority_entry(
    entry_id: int,
    *,
    did: str,
    verification_methods: Sequence[str],
    status_base_urls: Sequence[str] = (),
    contexts: Sequence[str] = MARK_CONTEXTS,
    cryptosuites: Sequence[str] = DEFAULT_CRYPTOSUITES,
    extra_urls: Sequence[str] = (),
    use_case: str | None = None,
    previous: RegistryEntry | None = None,
) -> RegistryEntry:
    """The registry entry of an authority, from its issuer configuration.

    Codes start at 1 in every table, in order: the context table holds ``contexts``, the
    cryptosuite table ``cryptosuites``, and the url table the DID, then each verification method
    id, then each status base URL, then ``extra_urls``. With ``previous`` (the published entry),
    the result is append-only: every existing code is kept, new values get the next free codes,
    the version goes up by one when anything was added (and ``previous`` itself comes back when
    nothing was). Removing a value from the configuration never removes it from the entry: marks
    signed with a retired key must keep decoding.

    :raises UsageError: a method id that is not a DID URL of ``did``, or an empty value.
    :raises MalformedValueError: ``INVALID_REGISTRY_ENTRY``.
    """
    if not isinstance(did, str) or not did.startswith("did:"):
        raise UsageError(f"the authority's DID must be a DID, not {did!r}")
    for method in verification_methods:
        if not isinstance(method, str) or not method.startswith(did + "#"):
            raise UsageError(f"verification method {method!r} is not a fragment of {did}")
    for value in [*contexts, *cryptosuites, *status_base_urls, *extra_urls]:
        if not isinstance(value, str) or not value:
            raise UsageError("registry values must be non-empty strings")
    additions: dict[str, list[str]] = {
        "context": list(contexts),
        CRYPTOSUITE_STRING: list(cryptosuites),
        "url": [did, *verification_methods, *status_base_urls, *extra_urls],
    }
    if previous is None:
        base = RegistryEntry(
            entry_id,
            {},
            use_case if use_case is not None else f"Vehicle inspection marks of {did}",
            provisional=True,
            version=1,
        )
        appended = base.append(additions)
        return RegistryEntry(
            entry_id,
            appended.type_tables,
            base.use_case,
            provisional=True,
            version=1,
        )
    if previous.entry_id != entry_id:
        raise UsageError(f"previous is entry {previous.entry_id}, not {entry_id}")
    return previous.append(additions)
