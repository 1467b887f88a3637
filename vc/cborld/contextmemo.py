"""Process-wide memo of CBOR-LD context processing over the bundled contexts.

Every CBOR-LD conversion walks its document's contexts again (:mod:`vic.vc.cborld.context`), and
for a
mark that is nearly all of the time spent. Most of that work depends on nothing but bundled,
immutable context documents, so it is done once per process and remembered:

- **processed contexts** (:meth:`ContextMemo.processed`): the term map of a bundled context
  document, or of a context object inside one, and its keys in the order term ids are assigned.
  Term ids themselves stay per conversion: they are assigned again from the remembered key order,
  in the order the conversion loads the contexts, exactly as the first time;
- **transitions** (:meth:`ContextMemo.transition`): the term map an active context becomes when a
  context is applied (embedded, type-scoped or property-scoped), with the contexts that step loads
  (loaded again on a hit, so term ids come out the same) and the work it charged (charged again on
  a hit, so the work cap refuses exactly the same documents);
- the type terms and non-propagating terms of each remembered term map.

Keys hold only *stable* inputs: term maps the memo itself built (from the empty map), URLs whose
document the conversion's loader serves as the very bundled object, context objects inside bundled
documents (by identity; the memo keeps a strong reference, so an id is never reused while it is a
key), type names and terms (strings). Anything else — a context embedded in the document, a loader
serving its own document for a bundled URL — is processed as before and never remembered; errors
are never remembered. The memo is bounded (:attr:`ContextMemo.MAX_ENTRIES`; when full it starts
over) and thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from vic.contexts.errors import UnknownContextError
from vic.contexts.loader import DocumentLoader, bundled_urls, context_document

__all__ = ["EMPTY_TERM_MAP", "MEMO", "ContextMemo"]

Def = dict[str, Any]

EMPTY_TERM_MAP: dict[str, Def] = {}
"""The term map every conversion starts from (shared; never changed)."""


class ContextMemo:
    """Stable term maps, processed bundled contexts and context transitions (see the module)."""

    MAX_ENTRIES = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bundled_urls: frozenset[str] | None = None  # read on first use (not at import)
        # id -> object, for objects inside bundled documents and term maps built here
        self._bundled_objects: dict[int, Any] = {}
        self._registered_urls: set[str] = set()
        self._stable_maps: dict[int, dict[str, Def]] = {id(EMPTY_TERM_MAP): EMPTY_TERM_MAP}
        self._derived: dict[int, tuple[list[str], list[str]]] = {}
        self._processed: dict[Hashable, Any] = {}
        self._transitions: dict[Hashable, tuple[dict[str, Def], tuple[Any, ...], int, Any]] = {}

    # -- what is stable ---------------------------------------------------------------------------

    def serves_bundled(self, loader: DocumentLoader, url: str) -> bool:
        """Whether ``loader`` serves the bundled document itself for ``url``."""
        if self._bundled_urls is None:
            self._bundled_urls = frozenset(bundled_urls())
        if url not in self._bundled_urls or type(loader) is not DocumentLoader:
            return False
        try:
            document = loader.load(url)
        except UnknownContextError:
            return False
        if document is not context_document(url):
            return False
        if url not in self._registered_urls:
            self._register(url, document)
        return True

    def _register(self, url: str, document: Any) -> None:
        found: dict[int, Any] = {}
        stack = [document]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                found[id(item)] = item
                stack.extend(item.values())
            elif isinstance(item, list):
                found[id(item)] = item
                stack.extend(item)
        with self._lock:
            self._bundled_objects.update(found)
            self._registered_urls.add(url)

    def is_bundled_object(self, value: Any) -> bool:
        """Whether ``value`` (a dict or list) is part of a registered bundled document."""
        return self._bundled_objects.get(id(value)) is value

    def is_stable_map(self, term_map: dict[str, Def]) -> bool:
        """Whether ``term_map`` was built by this memo (or is the empty map)."""
        return self._stable_maps.get(id(term_map)) is term_map

    def context_key(self, loader: DocumentLoader, context: Any) -> Hashable | None:
        """A key for one context (URL or object) if it is stable, else None."""
        if isinstance(context, str):
            return context if self.serves_bundled(loader, context) else None
        if isinstance(context, dict) and self.is_bundled_object(context):
            return id(context)
        return None

    # -- remembered results -----------------------------------------------------------------------

    def processed(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The processed form of a stable context (``key`` from :meth:`context_key`)."""
        found = self._processed.get(key)
        if found is not None:
            return found
        value = compute()
        with self._lock:
            self._make_room()
            self._processed[key] = value
        return value

    def derived(self, term_map: dict[str, Def]) -> tuple[list[str], list[str]] | None:
        """The remembered (type terms, non-propagating terms) of a stable map."""
        return self._derived.get(id(term_map)) if self.is_stable_map(term_map) else None

    def set_derived(self, term_map: dict[str, Def], value: tuple[list[str], list[str]]) -> None:
        """Remember the derived lists of a stable map."""
        with self._lock:
            if self.is_stable_map(term_map):
                self._derived[id(term_map)] = value

    def transition(
        self,
        key: Hashable | None,
        loader_of: Any,
        compute: Callable[[], dict[str, Def]],
        keepalive: Any = None,
    ) -> dict[str, Def]:
        """The term map of one context-processing step, remembered under ``key``.

        ``loader_of`` is the conversion's :class:`vic.vc.cborld.context.ContextLoader`; on a hit the
        contexts the step loaded are loaded again and the work it charged is charged again.
        ``key`` None means "not stable": computed, not remembered.
        """
        if key is None:
            return compute()
        found = self._transitions.get(key)
        if found is not None:
            result, loads, units, _ = found
            if all(self.context_key(loader_of.document_loader, c) is not None for c in loads):
                for context in loads:
                    loader_of.load(context)
                loader_of.charge(units)
                return result
            return compute()
        before_work, before_add = loader_of.work, loader_of.add_work
        log: list[Any] = []
        loader_of.load_log = log
        try:
            result = compute()
        finally:
            loader_of.load_log = None
        if not all(self.context_key(loader_of.document_loader, c) is not None for c in log):
            return result
        units = (loader_of.work - before_work) - (loader_of.add_work - before_add)
        with self._lock:
            self._make_room()
            self._stable_maps[id(result)] = result
            self._transitions[key] = (result, tuple(log), units, keepalive)
        return result

    def _make_room(self) -> None:
        if len(self._transitions) + len(self._processed) >= self.MAX_ENTRIES:
            self._transitions.clear()
            self._processed.clear()
            self._derived.clear()
            self._stable_maps = {id(EMPTY_TERM_MAP): EMPTY_TERM_MAP}

    def clear(self) -> None:
        """Forget every remembered result (bundled registrations stay: they are immutable)."""
        with self._lock:
            self._transitions.clear()
            self._processed.clear()
            self._derived.clear()
            self._stable_maps = {id(EMPTY_TERM_MAP): EMPTY_TERM_MAP}

    def __len__(self) -> int:
        return len(self._transitions) + len(self._processed)


MEMO = ContextMemo()
"""The process-wide memo used by every CBOR-LD conversion."""
