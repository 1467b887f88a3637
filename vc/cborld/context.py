"""Context processing for CBOR-LD: term ids and active term definitions.

This follows the CBOR-LD spec's "Context Loading" and "Active Context Processing" algorithms as
@digitalbazaar/cborld 8.1 implements them, because the bytes depend on every detail:

- term ids are assigned per document, in the order contexts are *loaded* while the converter walks
  the document (embedded contexts, then type-scoped contexts in sorted type order, then for each
  key in sorted order its property-scoped context, recursively); within one context the keys are
  taken in sorted order (UTF-16 code unit order, as JavaScript sorts), keywords are skipped and
  every other key with a non-null definition gets the next id (100, 102, 104, ...) unless it
  already has one. A plural (array) value uses the term's id + 1. ``@import`` is merged in first,
  and (as in cborld) ``@import`` itself is then a term like any other key;
- a context document whose ``@context`` is an array is read as cborld reads it: as an object keyed
  by the array indexes;
- term definitions are plain objects with ``protected`` and ``propagate`` flags; CURIEs in ``@id``
  and ``@type`` are resolved against the context being loaded, then the active terms;
- type-scoped contexts do not propagate into nested objects (unless ``@propagate``), property-scoped
  ones do; entering a property reverts non-propagating terms to their earlier definitions;
- redefining a protected term is an error unless identical, or done by a property-scoped context.

Only a :class:`vic.contexts.loader.DocumentLoader` is used to load contexts: nothing is fetched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from vic.contexts.errors import (
    InputTooLargeError,
    JsonLdError,
    MalformedValueError,
    ParsingError,
    ProtectedTermError,
    UnknownContextError,
    VicError,
)
from vic.contexts.loader import DocumentLoader
from vic.vc.cborld.contextmemo import EMPTY_TERM_MAP, MEMO
from vic.vc.cborld.tables import FIRST_CUSTOM_TERM_ID, KEYWORDS

__all__ = ["ABSENT", "ActiveContext", "ContextLoader", "js_sorted", "js_truthy", "utf16_key"]

Def = dict[str, Any]

MAX_CURIE_DEPTH: Final = 16
MAX_IMPORT_DEPTH: Final = 4
DEFAULT_MAX_WORK: Final = 500_000
"""Term definitions one conversion may copy or scan. Context processing is quadratic at worst (a
document with many terms in force and many objects); a mark costs about 1,000."""


class _Absent:
    """A JavaScript ``undefined``: an absent member (``None`` stands for JSON ``null``)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


def utf16_key(value: str) -> bytes:
    """A sort key giving JavaScript's string order (UTF-16 code units)."""
    return value.encode("utf-16-be", "surrogatepass")


def js_sorted(values: Iterable[str]) -> list[str]:
    """``values`` sorted as JavaScript's ``Array.prototype.sort`` sorts strings."""
    return sorted(values, key=utf16_key)


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness of a JSON value (empty arrays and objects are truthy)."""
    if value is None or value is ABSENT or value is False:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == value and value != 0
    if isinstance(value, str):
        return value != ""
    return True


def _context_error(message: str, code: str = "INVALID_CONTEXT", **detail: Any) -> JsonLdError:
    return JsonLdError(message, code=code, **detail)


class _Entry:
    __slots__ = ("context", "source", "term_map")

    def __init__(self, context: dict[str, Any], term_map: dict[str, Def], source: Any) -> None:
        self.context = context
        self.term_map = term_map
        self.source = source  # keeps an object context alive while it is cached by identity


class ContextLoader:
    """Loads contexts for one conversion and assigns term ids as they appear."""

    def __init__(
        self, loader: DocumentLoader, *, reverse: bool, max_work: int | None = None
    ) -> None:
        self._loader = loader
        self.document_loader = loader
        self.work = 0
        self.add_work = 0
        """The part of :attr:`work` charged while processing newly loaded contexts."""
        self.load_log: list[Any] | None = None
        """When a list, every context :meth:`load` is asked for is appended (for the memo)."""
        self.max_work = DEFAULT_MAX_WORK if max_work is None else max_work
        self._by_url: dict[str, _Entry] = {}
        self._by_object: dict[int, _Entry] = {}
        self.next_term_id = FIRST_CUSTOM_TERM_ID
        self.term_to_id: dict[str, int] = dict(KEYWORDS)
        self.id_to_term: dict[int, str] | None = (
            {v: k for k, v in KEYWORDS.items()} if reverse else None
        )

    def charge(self, units: int) -> None:
        """Count ``units`` of context-processing work; raise past :attr:`max_work`.

        :raises InputTooLargeError: ``CBORLD_TOO_COMPLEX`` when decoding.
        :raises MalformedValueError: ``CBORLD_TOO_COMPLEX`` when encoding.
        """
        self.work += units
        if self.work > self.max_work:
            message = (
                f"processing the document's contexts takes more than {self.max_work} steps "
                "(too many terms in force across too many objects)"
            )
            if self.id_to_term is not None:
                raise InputTooLargeError(message, code="CBORLD_TOO_COMPLEX", limit=self.max_work)
            raise MalformedValueError(message, code="CBORLD_TOO_COMPLEX", limit=self.max_work)

    def id_for_term(self, term: str, plural: bool = False) -> int | str:
        """The term's id (+1 when plural), or the term itself if it has none."""
        term_id = self.term_to_id.get(term)
        if term_id is None:
            return term
        return term_id + 1 if plural else term_id

    def term_for_id(self, term_id: int | str) -> tuple[str, bool]:
        """``(term, plural)`` for an id read from CBOR-LD (a text key is the term itself).

        :raises ParsingError: ``UNKNOWN_TERM_ID``.
        """
        if isinstance(term_id, str):
            return term_id, False
        assert self.id_to_term is not None
        plural = term_id & 1 == 1
        term = self.id_to_term.get(term_id - 1 if plural else term_id)
        if term is None:
            raise ParsingError(
                f"unknown CBOR-LD term id {term_id}", code="UNKNOWN_TERM_ID", term_id=term_id
            )
        return term, plural

    def has_term_id(self, term_id: int) -> bool:
        """True if ``term_id`` (an even id) names a term."""
        return self.id_to_term is not None and term_id in self.id_to_term

    def load(self, context: Any) -> _Entry:
        """The entry of a context URL or object, processing it on first use."""
        if self.load_log is not None:
            self.load_log.append(context)
        if isinstance(context, str):
            cached = self._by_url.get(context)
            if cached is not None:
                return cached
            if MEMO.serves_bundled(self._loader, context):
                return self._add_stable(context, context, context)
            return self._add(self._document(context), context, context, 0)
        if isinstance(context, dict):
            cached = self._by_object.get(id(context))
            if cached is not None:
                return cached
            if MEMO.is_bundled_object(context):
                return self._add_stable(id(context), None, context)
            return self._add(context, None, context, 0)
        raise _context_error(
            f"a context must be a URL or an object, not {type(context).__name__}",
            code="UNSUPPORTED_CONTEXT",
        )

    def _document(self, url: str) -> Any:
        try:
            document = self._loader.load(url)
        except VicError:
            raise
        except Exception as exc:  # a custom loader's own failure: never let it escape as is
            raise UnknownContextError(f"context {url!r} could not be loaded: {exc}") from None
        if not isinstance(document, dict) or "@context" not in document:
            raise _context_error(f"the document at {url!r} has no @context", url=url)
        return document["@context"]

    def _add_stable(self, key: Any, url: str | None, source: Any) -> _Entry:
        """:meth:`_add` for a bundled context, its processing remembered process-wide."""

        def compute() -> tuple[dict[str, Any], dict[str, Def], list[str]] | None:
            context = self._document(url) if url is not None else source
            if isinstance(context, list):
                context = {str(i): value for i, value in enumerate(context)}
            if not isinstance(context, dict) or js_truthy(context.get("@import", ABSENT)):
                return None  # processed per conversion, as any other context
            term_map = _term_map_of(context)
            return context, term_map, list(term_map)

        processed = MEMO.processed(("processed", key), compute)
        if processed is None or processed is False:
            document = self._document(url) if url is not None else source
            return self._add(document, url, source, 0)
        context, term_map, keys = processed
        self.charge(len(context))
        self.add_work += len(context)
        for term in keys:
            if term not in self.term_to_id:
                term_id = self.next_term_id
                self.next_term_id += 2
                self.term_to_id[term] = term_id
                if self.id_to_term is not None:
                    self.id_to_term[term_id] = term
        entry = _Entry(context, term_map, source)
        if url is not None:
            self._by_url[url] = entry
        else:
            self._by_object[id(source)] = entry
        return entry

    def _add(self, context: Any, url: str | None, source: Any, depth: int) -> _Entry:
        if isinstance(context, list):
            # cborld reads an array-valued @context document as an object keyed by index
            context = {str(i): value for i, value in enumerate(context)}
        if not isinstance(context, dict):
            raise _context_error("a context must be a JSON object", url=url)
        import_url = context.get("@import", ABSENT)
        if js_truthy(import_url):
            if not isinstance(import_url, str):
                raise _context_error("@import must be a URL")
            if depth >= MAX_IMPORT_DEPTH:
                raise _context_error("@import nests too deeply")
            imported = self._by_url.get(import_url)
            if imported is None:
                imported = self._add(self._document(import_url), import_url, import_url, depth + 1)
            context = {**imported.context, **context}
        self.charge(len(context))
        self.add_work += len(context)
        term_map = _term_map_of(context)
        for key in term_map:
            if key not in self.term_to_id:
                term_id = self.next_term_id
                self.next_term_id += 2
                self.term_to_id[key] = term_id
                if self.id_to_term is not None:
                    self.id_to_term[term_id] = key
        entry = _Entry(context, term_map, source)
        if url is not None:
            self._by_url[url] = entry
        else:
            self._by_object[id(source)] = entry
        return entry


def _term_map_of(context: dict[str, Any]) -> dict[str, Def]:
    """The term definitions of one context, in the order term ids are assigned (a function of
    the context alone: no ids, no work charged)."""
    protected = js_truthy(context.get("@protected"))
    term_map: dict[str, Def] = {}
    for key in js_sorted(context):
        if key in KEYWORDS:
            continue
        definition = context[key]
        if definition is None:
            continue
        if isinstance(definition, str):
            definition = {"@id": definition}
        elif not isinstance(definition, dict):
            raise _context_error(
                f'invalid term definition for "{key}": not a string or an object',
                code="INVALID_TERM_DEFINITION",
                term=key,
            )
        term_map[key] = {**definition, "protected": protected}
    return term_map


class ActiveContext:
    """The term definitions in force at one point of the document, with the chain before it."""

    __slots__ = ("loader", "non_propagating", "previous", "term_map", "type_terms")

    def __init__(
        self,
        term_map: dict[str, Def],
        previous: ActiveContext | None,
        loader: ContextLoader,
    ) -> None:
        # term maps are never changed once built, so an unchanged map is shared, not copied
        self.term_map = term_map
        self.previous = previous
        self.loader = loader
        if previous is not None and term_map is previous.term_map:
            self.type_terms: list[str] = previous.type_terms
            self.non_propagating: list[str] = previous.non_propagating
            return
        loader.charge(len(term_map))
        derived = MEMO.derived(term_map)
        if derived is None:
            derived = (
                ["@type"] + [t for t, d in term_map.items() if d.get("@id") == "@type"],
                [t for t, d in term_map.items() if not js_truthy(d.get("propagate"))],
            )
            MEMO.set_derived(term_map, derived)
        self.type_terms, self.non_propagating = derived

    @classmethod
    def initial(cls, loader: ContextLoader) -> ActiveContext:
        """The empty active context a conversion starts from."""
        return cls(EMPTY_TERM_MAP, None, loader)

    def _chain_key(self) -> tuple[int, ...] | None:
        """The identities of the term maps of this context and every one before it, if all are
        stable (what :func:`_revert_term_map` reads)."""
        key = []
        current: ActiveContext | None = self
        while current is not None:
            if not MEMO.is_stable_map(current.term_map):
                return None
            key.append(id(current.term_map))
            current = current.previous
        return tuple(key)

    def apply_embedded(self, contexts: Any) -> ActiveContext:
        """Apply an object's embedded ``@context`` (``ABSENT`` when it has none)."""
        key: Any = None
        if contexts is not ABSENT and MEMO.is_stable_map(self.term_map):
            items = contexts if isinstance(contexts, list) else [contexts]
            if all(isinstance(c, str) for c in items):
                key = ("embedded", id(self.term_map), tuple(items))
        term_map = MEMO.transition(
            key, self.loader, lambda: _update_term_map(self.term_map, contexts, self.loader)
        )
        return ActiveContext(term_map, self, self.loader)

    def apply_property_scoped(self, term: str) -> ActiveContext:
        """The active context for the values of ``term``."""
        scoped = self.term_map.get(term, {}).get("@context", ABSENT)
        chain = self._chain_key()
        key = None if chain is None else ("property", chain, term)
        term_map = MEMO.transition(
            key,
            self.loader,
            lambda: _update_term_map(
                _revert_term_map(self), scoped, self.loader, property_scope=True
            ),
        )
        return ActiveContext(term_map, self, self.loader)

    def apply_type_scoped(self, object_types: Iterable[Any]) -> ActiveContext:
        """Apply the type-scoped contexts of ``object_types``, in sorted order."""
        types = js_sorted({t for t in object_types if isinstance(t, str)})

        def compute() -> dict[str, Def]:
            term_map = self.term_map
            for type_ in types:
                scoped = term_map.get(type_, {}).get("@context", ABSENT)
                term_map = _update_term_map(term_map, scoped, self.loader, type_scope=True)
            return term_map

        stable = MEMO.is_stable_map(self.term_map)
        key = ("type", id(self.term_map), tuple(types)) if stable else None
        return ActiveContext(MEMO.transition(key, self.loader, compute), self, self.loader)

    def definition(self, term: str) -> Def:
        """The active definition of ``term`` (empty if none)."""
        return self.term_map.get(term, {})


def _revert_term_map(active: ActiveContext) -> dict[str, Def]:
    if not active.non_propagating:
        return active.term_map
    active.loader.charge(len(active.term_map))
    new_map: dict[str, Def] = {}
    for term, definition in active.term_map.items():
        if js_truthy(definition.get("propagate")):
            new_map[term] = definition
    for term in active.non_propagating:
        current: ActiveContext | None = active
        found: Def | None = None
        while current is not None and current.previous is not None:
            current = current.previous
            found = current.term_map.get(term)
            if found is None or js_truthy(found.get("propagate")):
                break
        if found is not None:
            new_map[term] = found
    return new_map


def _update_term_map(
    active_map: dict[str, Def],
    contexts: Any,
    loader: ContextLoader,
    *,
    property_scope: bool = False,
    type_scope: bool = False,
) -> dict[str, Def]:
    if contexts is ABSENT:
        # cborld loads an empty context: every active term is kept, as it is
        return active_map
    if not isinstance(contexts, list):
        contexts = [contexts]
    propagate_default = not type_scope
    for context in contexts:
        if context is None:
            raise _context_error(
                "a null context cannot be processed by CBOR-LD", code="UNSUPPORTED_CONTEXT"
            )
        entry = loader.load(context)
        loader.charge(len(active_map) + len(entry.term_map))
        raw = entry.context
        propagate = raw.get("@propagate")
        if propagate is None:
            propagate = propagate_default
        new_map: dict[str, Def] = {
            term: {**definition, "propagate": propagate}
            for term, definition in entry.term_map.items()
        }
        _resolve_curies(active_map, raw, new_map)
        for term, active_def in active_map.items():
            definition = new_map.get(term)
            if definition is not None:
                if (
                    js_truthy(active_def.get("protected"))
                    and not property_scope
                    and not _deep_equal(definition, active_def, top=True)
                ):
                    raise ProtectedTermError(
                        f'unexpected redefinition of protected term "{term}"', term=term
                    )
            elif not (term in raw and raw[term] is None):
                new_map[term] = dict(active_def)
        active_map = new_map
    return active_map


def _resolve_curie(
    active_map: dict[str, Def], context: dict[str, Any], value: Any, depth: int = 0
) -> Any:
    if value is ABSENT:
        return value
    if not isinstance(value, str):
        raise _context_error(
            "a term's @id and @type must be strings", code="INVALID_TERM_DEFINITION"
        )
    if ":" not in value:
        return value
    if depth >= MAX_CURIE_DEPTH:
        raise _context_error(f"CURIE {value!r} does not resolve", code="INVALID_TERM_DEFINITION")
    prefix, _, rest = value.partition(":")
    prefix_def = context.get(prefix)
    if prefix_def is None:
        prefix_def = active_map.get(prefix)
    if prefix_def is None:
        return value
    iri = prefix_def if isinstance(prefix_def, str) else None
    if isinstance(prefix_def, dict):
        iri = prefix_def.get("@id")
    if not isinstance(iri, str):
        raise _context_error(f"prefix {prefix!r} has no IRI", code="INVALID_TERM_DEFINITION")
    # cborld joins the rest without the colon: "xsd:dateTime" -> xsd's IRI + "dateTime"
    return _resolve_curie(active_map, context, iri + rest, depth + 1)


def _resolve_curies(
    active_map: dict[str, Def], context: dict[str, Any], new_map: dict[str, Def]
) -> None:
    for key, definition in new_map.items():
        iri = definition.get("@id", ABSENT)
        if iri is not ABSENT:
            definition["@id"] = _resolve_curie(active_map, context, iri)
        else:
            resolved = _resolve_curie(active_map, context, key)
            if ":" in resolved:
                definition["@id"] = resolved
        type_ = definition.get("@type", ABSENT)
        if type_ is not ABSENT:
            definition["@type"] = _resolve_curie(active_map, context, type_)
        if not isinstance(definition.get("@id"), str):
            raise _context_error(
                f'invalid JSON-LD term definition for "{key}": its @id cannot be determined',
                code="INVALID_TERM_DEFINITION",
                term=key,
            )


def _js_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if type(a) is not type(b):
        return False
    return bool(a == b)


def _members(value: dict[str, Any] | list[Any]) -> dict[str, Any]:
    return value if isinstance(value, dict) else {str(i): v for i, v in enumerate(value)}


def _deep_equal(a: Any, b: Any, top: bool = False) -> bool:
    a_obj, b_obj = isinstance(a, dict | list), isinstance(b, dict | list)
    if a_obj != b_obj:
        return False
    if not a_obj:
        return _js_equal(a, b)
    first, second = _members(a), _members(b)
    if len(first) != len(second):
        return False
    for key, value in first.items():
        if top and key in ("protected", "propagate"):
            continue
        if not _deep_equal(value, second.get(key, ABSENT)):
            return False
    return True
