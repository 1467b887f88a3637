"""Cached JSON-LD context processing for pyld: the fast path of :mod:`vic.vc.jsonld`.

pyld spends most of an expansion on context processing, and it caches badly for us:

- its ``ContextResolver`` builds a cache key for every context object by JCS-canonicalizing it, on
  every expansion, and the VC 2.0 context and its type-scoped contexts are large;
- contexts loaded by URL are cached per operation only (our loader gives no cache ``tag``);
- a type-scoped context (``@propagate: false``) is processed against a fresh clone of the active
  context with a fresh random ``_uuid``, so pyld's processed-context cache never hits for it and
  every credential re-creates every term definition of ``VerifiableCredential``'s scoped context;
- its shared caches are module-global ``cachetools.LRUCache`` objects, which are not thread-safe.

This module fixes that without touching pyld's global state (no monkeypatching): it passes pyld a
:class:`CachingContextResolver` through ``options['contextResolver']`` and runs expansion on
:class:`CachingProcessor`, a ``JsonLdProcessor`` subclass. Both use one process-wide
:class:`ContextCache`, which is safe to share between threads.

Correctness rests on two facts:

1. *Bundled documents are immutable and immortal.* ``contexts.loader.context_document(url)`` returns
   the same parsed object for the life of the process and nobody may mutate it. So a dict that
   belongs to a bundled document can be keyed by its identity: the registry holds a strong
   reference to it, so its ``id`` is never reused. Everything else (contexts inlined by the caller,
   documents a caller adds to its loader) is keyed by its canonical JSON (as pyld does) and the
   cache keeps a private deep copy, so a caller mutating its dict later cannot change a cached
   entry.
2. *Context processing is a function of its inputs.* pyld's ``_process_context`` returns a frozen
   active context determined by the input active context (frozen, identified by its ``_uuid``),
   the local context, the flags, and the ``base`` and ``processingMode`` options. Memoizing it on
   exactly those inputs returns what pyld would compute (up to the fresh ``_uuid`` pyld would
   give it, which only serves as a cache key). Errors are never memoized: a failing context
   raises on every call, so every safety check still fires.

The one deliberate difference from pyld: ``@import`` is refused (``invalid context entry``) in
every context. pyld implements ``@import`` by merging the importing context into the imported
context *in place*, which would corrupt the shared bundled documents (and poison pyld's own caches
for every later credential in the process); no bundled context uses it.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from typing import Any, Generic, TypeVar

from frozendict import frozendict
from pyld import iri_resolver, jsonld
from pyld.context_resolver import ContextResolver
from pyld.resolved_context import ResolvedContext

from vic.contexts.errors import UnknownContextError
from vic.contexts.loader import DocumentLoader, bundled_urls, context_document

__all__ = ["SHARED_CACHE", "CachingContextResolver", "CachingProcessor", "ContextCache"]

_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LockedLRU(Generic[K, V]):
    """A bounded least-recently-used map, safe to share between threads."""

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> V:
        """Store ``value`` unless another thread stored one first; return the stored value."""
        with self._lock:
            existing = self._data.get(key)
            if existing is not None:
                self._data.move_to_end(key)
                return existing
            self._data[key] = value
            if len(self._data) > self._maxsize:
                self._data.popitem(last=False)
            return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class ProcessedMemo:
    """Memoized context processing: (input active context, local context, flags) -> result.

    Keys hold the input active context by identity (the entry keeps it alive, so its ``id`` is not
    reused while the entry exists). Only *stable* inputs are memoized: pyld's initial context, or a
    result this memo holds; contexts derived from caller-supplied inline contexts never enter it.
    """

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._lock = threading.Lock()
        self._data: OrderedDict[tuple[Any, ...], tuple[Any, Any]] = OrderedDict()
        self._stable: dict[int, list[Any]] = {}  # id(result) -> [result, number of entries]

    def is_stable(self, active_ctx: Any) -> bool:
        with self._lock:
            entry = self._stable.get(id(active_ctx))
            return entry is not None and entry[0] is active_ctx

    def get(self, active_ctx: Any, key: tuple[Any, ...]) -> Any:
        with self._lock:
            entry = self._data.get(key)
            if entry is None or entry[0] is not active_ctx:
                return None
            self._data.move_to_end(key)
            return entry[1]

    def put(self, active_ctx: Any, key: tuple[Any, ...], result: Any) -> Any:
        """Store ``result`` unless another thread stored one first; return the stored one."""
        with self._lock:
            entry = self._data.get(key)
            if entry is not None and entry[0] is active_ctx:
                return entry[1]
            if entry is not None:
                self._forget(entry[1])
            self._data[key] = (active_ctx, result)
            self._data.move_to_end(key)
            stable = self._stable.setdefault(id(result), [result, 0])
            stable[1] += 1
            while len(self._data) > self._maxsize:
                _, (_, old) = self._data.popitem(last=False)
                self._forget(old)
            return result

    def _forget(self, result: Any) -> None:
        stable = self._stable[id(result)]
        stable[1] -= 1
        if not stable[1]:
            del self._stable[id(result)]

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._stable.clear()


class SharedResolvedContext(ResolvedContext):  # type: ignore[misc]
    """pyld's ``ResolvedContext`` with a thread-safe processed-context cache."""

    def __init__(self, document: Any, maxsize: int = 32) -> None:
        # not calling super().__init__: it would create a cachetools LRUCache (not thread-safe)
        self.document = document
        self.cache: LockedLRU[str, Any] = LockedLRU(maxsize)

    def get_processed(self, active_ctx: Any) -> Any:
        return self.cache.get(active_ctx["_uuid"])

    def set_processed(self, active_ctx: Any, processed_ctx: Any) -> None:
        self.cache.put(active_ctx["_uuid"], processed_ctx)


def _json_key(ctx: Any) -> str:
    """Sorted-key compact JSON of a context: a cache key equal exactly for equal JSON values."""
    return json.dumps(
        ctx,
        sort_keys=True,
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
        default=_plain_mapping,
    )


def _plain_mapping(value: Any) -> dict[str, Any]:
    if isinstance(value, (frozendict, Mapping)):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _refuse_import(ctx: Any) -> None:
    # pyld unwraps "@context" once when resolving and once more when processing
    for _ in range(2):
        if not isinstance(ctx, (dict, frozendict)):
            return
        if "@import" not in ctx:
            ctx = ctx.get("@context")
            continue
        raise jsonld.JsonLdError(
            "@import is not supported: pyld would merge into the imported context in place",
            "jsonld.SyntaxError",
            {"context": "@import"},
            code="invalid context entry",
        )


class ContextCache:
    """Process-wide caches of resolved and processed contexts (thread-safe).

    Memory is bounded: at most ``max_processed`` memoized active contexts, ``max_inline`` caller
    contexts each keeping at most ``max_per_inline`` processed forms (pyld keeps 100 and 10), and,
    for each dict of a bundled document, at most ``max_per_bundled`` processed forms.
    """

    def __init__(
        self,
        max_inline: int = 128,
        max_processed: int = 1024,
        max_per_inline: int = 8,
        max_per_bundled: int = 32,
    ) -> None:
        self._lock = threading.Lock()
        self._bundled_urls = frozenset(bundled_urls())
        self._registered_urls: set[str] = set()
        self._slow_urls: set[str] = set()
        # id(dict inside a bundled document) -> that dict (a strong reference: ids never reused)
        self._bundled: dict[int, Any] = {}
        self._resolved_bundled: dict[int, SharedResolvedContext] = {}
        self._remote: dict[str, list[Any]] = {}
        self._inline: LockedLRU[str, SharedResolvedContext] = LockedLRU(max_inline)
        self.processed = ProcessedMemo(max_processed)
        self._max_per_inline = max_per_inline
        self._max_per_bundled = max_per_bundled

    # -- bundled documents -------------------------------------------------------------------

    def bundled_document(self, url: str, document: Any) -> bool:
        """Whether ``document`` is the bundled document of ``url`` (registering it if so)."""
        if url not in self._bundled_urls or document is not context_document(url):
            return False
        if url not in self._registered_urls:
            self._register(url, document)
        return url not in self._slow_urls

    def _register(self, url: str, document: Any) -> None:
        found: list[Any] = []
        fast = True
        stack = [(document, True)]
        while stack:
            item, top = stack.pop()
            if isinstance(item, dict):
                found.append(item)
                for key, value in item.items():
                    if key == "@import" or (
                        key == "@context" and not top and isinstance(value, (str, list))
                    ):
                        # pyld rewrites nested context URLs in place; @import mutates: no fast path
                        fast = False
                    stack.append((value, key == "@context" and top))
            elif isinstance(item, list):
                found.append(item)
                stack.extend((value, top) for value in item)
        with self._lock:
            if fast:
                for item in found:
                    self._bundled[id(item)] = item
            else:
                self._slow_urls.add(url)
            self._registered_urls.add(url)

    def is_bundled(self, value: Any) -> bool:
        """Whether ``value`` (a dict or list) is part of a registered bundled document."""
        return self._bundled.get(id(value)) is value

    # -- resolved contexts -------------------------------------------------------------------

    def resolved_for(self, ctx: Any) -> SharedResolvedContext:
        """The shared ``ResolvedContext`` of a context object (by identity if bundled)."""
        _refuse_import(ctx)
        if self.is_bundled(ctx):
            resolved = self._resolved_bundled.get(id(ctx))
            if resolved is None:
                with self._lock:
                    resolved = self._resolved_bundled.setdefault(
                        id(ctx), SharedResolvedContext(ctx, self._max_per_bundled)
                    )
            return resolved
        try:
            key = _json_key(ctx)
        except (ValueError, TypeError):  # NaN, infinities: no canonical JSON, no JSON-LD either
            raise jsonld.JsonLdError(
                "Invalid JSON-LD syntax; the context is not JSON.",
                "jsonld.SyntaxError",
                {"context": "not JSON"},
                code="invalid local context",
            ) from None
        cached = self._inline.get(key)
        if cached is not None:
            return cached
        # the private copy is the key read back: what is processed is exactly what the key says
        private = SharedResolvedContext(json.loads(key), self._max_per_inline)
        return self._inline.put(key, private)

    def remote(self, url: str) -> list[Any] | None:
        return self._remote.get(url)

    def set_remote(self, url: str, resolved: list[Any]) -> None:
        with self._lock:
            self._remote.setdefault(url, resolved)

    # -- processed contexts ------------------------------------------------------------------

    def context_key(self, local_ctx: Any, loader: Any) -> tuple[Any, ...] | None:
        """An identity key for a local context made only of bundled parts, else None."""
        items = local_ctx if isinstance(local_ctx, list) else [local_ctx]
        key: list[Any] = []
        for item in items:
            if isinstance(item, str):
                if not isinstance(loader, DocumentLoader):
                    return None
                try:
                    document = loader.load(item)
                except UnknownContextError:
                    return None
                if not self.bundled_document(item, document):
                    return None
                key.append(item)
            elif item is None:
                key.append(None)
            elif isinstance(item, dict) and self.is_bundled(item):
                key.append(id(item))
            else:
                return None
        if isinstance(local_ctx, list):
            if not self.is_bundled(local_ctx) and any(isinstance(i, dict) for i in local_ctx):
                return None
            return ("list", *key)
        return tuple(key)

    def clear(self) -> None:
        """Forget processed and inline contexts (bundled registrations stay)."""
        self.processed.clear()
        self._inline.clear()
        with self._lock:
            self._resolved_bundled.clear()
            self._remote.clear()


SHARED_CACHE = ContextCache()
"""The process-wide cache that :func:`vic.vc.jsonld.expand` uses."""


class CachingContextResolver(ContextResolver):  # type: ignore[misc]
    """A per-operation pyld ``ContextResolver`` over a shared :class:`ContextCache`."""

    def __init__(self, cache: ContextCache, document_loader: Any) -> None:
        super().__init__({}, document_loader)
        self._cache = cache

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: Any = None) -> list[Any]:
        if cycles is None:
            cycles = set()
        if isinstance(context, (dict, frozendict)) and "@context" in context:
            context = context["@context"]
        if not isinstance(context, list):
            context = [context]
        all_resolved: list[Any] = []
        for ctx in context:
            if isinstance(ctx, str):
                resolved = self.per_op_cache.get(ctx)
                if not resolved:
                    resolved = self._resolve_remote_context(active_ctx, ctx, base, cycles)
                if isinstance(resolved, list):
                    all_resolved.extend(resolved)
                else:
                    all_resolved.append(resolved)
            elif ctx is None or ctx is False:
                all_resolved.append(ResolvedContext(False))
            elif not isinstance(ctx, (dict, frozendict)):
                raise jsonld.JsonLdError(
                    "Invalid JSON-LD syntax; @context must be an object.",
                    "jsonld.SyntaxError",
                    {"context": ctx},
                    code="invalid local context",
                )
            else:
                all_resolved.append(self._cache.resolved_for(ctx))
        return all_resolved

    def _resolve_remote_context(self, active_ctx: Any, url: str, base: Any, cycles: Any) -> Any:
        if not base and not _HAS_SCHEME.match(url):
            # pyld would raise ValueError (no base to resolve against): nothing relative is loaded
            raise jsonld.JsonLdError(
                "a relative @context URL cannot be loaded",
                "jsonld.InvalidUrl",
                {"url": url},
                code="loading remote context failed",
            )
        url = iri_resolver.resolve(url, base)
        context, remote_doc = self._fetch_context(active_ctx, url, cycles)
        base = remote_doc.get("documentUrl", url)
        document = remote_doc.get("document")
        if not remote_doc.get("contextUrl") and self._cache.bundled_document(url, document):
            resolved = self._cache.remote(url)
            if resolved is None:
                inner = context["@context"]
                if all(
                    isinstance(p, dict) for p in (inner if isinstance(inner, list) else [inner])
                ):
                    # no URL inside: nothing for pyld to rewrite, the result depends on the
                    # bundled document only
                    resolved = self.resolve(active_ctx, context, base, cycles)
                    self._cache.set_remote(url, resolved)
            if resolved is not None:
                self.per_op_cache[url] = resolved
                return resolved
        self._resolve_context_urls(context, base)
        resolved = self.resolve(active_ctx, context, base, cycles)
        self.per_op_cache[url] = resolved
        return resolved


class CachingProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """A ``JsonLdProcessor`` whose context processing is memoized in a :class:`ContextCache`."""

    def __init__(self, cache: ContextCache, on_property_dropped: Any = None) -> None:
        if on_property_dropped is None:
            super().__init__()
        else:
            super().__init__(on_property_dropped=on_property_dropped)
        self._context_cache = cache

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        memo = self._context_cache.processed
        key = None
        if cycles is None and (
            active_ctx is self._get_initial_context(options) or memo.is_stable(active_ctx)
        ):
            ctx_key = self._context_cache.context_key(local_ctx, options.get("documentLoader"))
            if ctx_key is not None:
                key = (
                    id(active_ctx),
                    ctx_key,
                    override_protected,
                    propagate,
                    validate_scoped,
                    options.get("base", ""),
                    options.get("processingMode"),
                )
                hit = memo.get(active_ctx, key)
                if hit is not None:
                    return hit
        result = super()._process_context(
            active_ctx,
            local_ctx,
            options,
            override_protected=override_protected,
            propagate=propagate,
            validate_scoped=validate_scoped,
            cycles=cycles,
        )
        if key is not None and isinstance(result, frozendict):
            result = memo.put(active_ctx, key, result)
        return result
