"""Which JSON-LD contexts a secured document may use: an allow-list, for every cryptosuite.

A context decides what a document's JSON means. Two attacks follow when a verifier accepts any
context a document carries:

- the JCS cryptosuites sign the JSON with the contexts the proof lists, and allow more contexts
  after them; a context appended after signing (a remote URL, or an inline object) is never looked
  at by the proof, yet changes what the JSON means to every JSON-LD consumer;
- the RDFC cryptosuites sign the RDF; an inline context added after signing can swap the IRIs of
  two terms while the JSON swaps their values: the RDF, and the proof, are unchanged, and a person
  reading the JSON reads one value as the other.

The default policy therefore allows only URLs the document loader serves (the bundled contexts
and any the caller configured on the loader, plus ``extra_urls``), wherever a ``@context`` appears
in the document (top level, nested objects, proofs), and refuses inline contexts (objects, and
``null``) unless ``allow_inline`` is set by a caller who knows the risk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from vic.contexts.errors import JsonLdError, UnknownContextError
from vic.contexts.loader import DocumentLoader

__all__ = ["DEFAULT_CONTEXT_POLICY", "ContextPolicy"]

_DEFAULT_LOADER: Final = DocumentLoader()
_NESTED: Final = (Mapping, list)
_SCALARS: Final = frozenset({str, int, float, bool, type(None)})
"""JSON's scalar types: most values of a document, passed without an abstract-class check."""


@dataclass(frozen=True)
class ContextPolicy:
    """The contexts allowed in a document to be verified."""

    extra_urls: frozenset[str] = frozenset()
    """Context URLs allowed besides those the loader serves (they must still load to verify)."""
    allow_inline: bool = False
    """Allow inline (object or null) contexts: only for callers who accept the risk above."""

    def check(self, document: Mapping[str, Any], loader: DocumentLoader | None = None) -> None:
        """Check every ``@context`` in ``document`` (any depth).

        :raises UnknownContextError: code ``UNKNOWN_CONTEXT``, a URL neither served by the loader
            nor in ``extra_urls``.
        :raises JsonLdError: code ``INLINE_CONTEXT`` for an inline context the policy refuses,
            ``INVALID_CONTEXT_VALUE`` for a context that is not a string, object or list.
        """
        served = loader or _DEFAULT_LOADER
        stack: list[Any] = [document]
        while stack:
            node = stack.pop()
            if type(node) is dict or isinstance(node, Mapping):
                for key, value in node.items():
                    if key == "@context":
                        self._check_value(value, served)
                    elif type(value) not in _SCALARS and isinstance(value, _NESTED):
                        stack.append(value)
            elif isinstance(node, list):
                stack.extend(v for v in node if type(v) not in _SCALARS and isinstance(v, _NESTED))

    def _check_value(self, value: Any, loader: DocumentLoader) -> None:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                if item not in self.extra_urls and not loader.serves(item):
                    raise UnknownContextError(
                        f"the context {item[:200]!r} is not one the verifier allows (bundled or "
                        "configured); nothing is fetched",
                        url=item[:200],
                    )
            elif item is None or isinstance(item, Mapping):
                if not self.allow_inline:
                    raise JsonLdError(
                        "inline contexts are refused: a context added to a signed document can "
                        "change what its JSON means",
                        code="INLINE_CONTEXT",
                    )
                if isinstance(item, Mapping):
                    self.check(item, loader)  # scoped contexts inside it
            else:
                raise JsonLdError(
                    "a @context must be a URL, an object or a list of them",
                    code="INVALID_CONTEXT_VALUE",
                )


DEFAULT_CONTEXT_POLICY: Final = ContextPolicy()
"""Bundled or loader-configured URLs only; no inline contexts."""
