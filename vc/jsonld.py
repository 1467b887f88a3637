"""Safe JSON-LD processing: expansion that loses nothing, and bounded RDFC-1.0 canonicalization.

pyld has no safe mode, so this module builds one on top of it:

- every property and type must expand to an absolute IRI (pyld would silently drop it);
- every ``@id`` and ``@type`` value must be an absolute IRI or a blank node (RDF would silently drop
  a triple whose subject or object is a relative IRI, letting a signed value change unnoticed);
- protected-term redefinitions and other context errors map to vic's error codes;
- only the injected document loader is used, and it serves bundled documents only;
- the work is bounded before it is done: the input's values and array lengths are counted before
  expansion, and expansion and the node map (pyld compares every value of a property with every
  other one: quadratic) run on a step budget checked inside their loops, so a large but legal
  input fails fast with ``JSONLD_LIMIT`` (see :class:`CanonicalizationLimits`);
- canonicalization is capped (number of quads, of blank nodes, of N-degree hash calls and of the
  permutations they try), so a poison graph fails fast with ``CANONICALIZATION_LIMIT`` instead of
  hanging the verifier.

Context processing, most of pyld's time, is cached process-wide by :mod:`vic.vc.contextcache` (a
pyld
``ContextResolver`` and ``JsonLdProcessor`` subclass passed in, pyld's global state untouched); the
RDFC-1.0 algorithm is pyld's own. The result is byte-identical to plain pyld
(tests/canonicalization); docs/performance.md has the figures and the argument.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer

from vic.contexts.errors import (
    CanonicalizationLimitError,
    JsonLdError,
    JsonLdLimitError,
    ProtectedTermError,
    RelativeIriError,
    UndefinedTermError,
    UnknownContextError,
    VicError,
)
from vic.contexts.loader import DocumentLoader
from vic.vc.contextcache import SHARED_CACHE, CachingContextResolver, CachingProcessor
from vic.vc.iri import is_absolute_iri
from vic.vc.markcanon import COMPILED_MAX_ARRAY, COMPILED_MAX_VALUES
from vic.vc.marktemplate import template_nquads
from vic.vc.rdfc import pyld_quads, simple_canonical_nquads

__all__ = [
    "CanonicalizationLimits",
    "canonical_bytes",
    "canonicalize",
    "expand",
    "is_absolute_iri",
]


@dataclass(frozen=True)
class CanonicalizationLimits:
    """Caps on JSON-LD and RDFC-1.0 work, each checked before (or while) the work is done.

    A mark has ~40 JSON values, ~20 quads, no array longer than 3 and needs no N-degree hashing; a
    status list credential is smaller still. Every cap is far above that and low enough that no
    input under the 1 MiB input cap keeps a verifier busy for long (bench/hostile_jsonld.py).
    """

    max_values: int = 5_000
    """JSON values (objects, arrays, strings, numbers...) in the document, contexts included."""
    max_array_length: int = 1_000
    max_expansion_steps: int = 5_000
    """Expansion steps: one per pyld expansion call and term definition, ten per context
    processed (a mark needs ~170 cold, ~20 warm)."""
    max_node_map_steps: int = 10_000
    """Node-map steps, counting every value comparison pyld makes while removing duplicates (a
    mark needs ~30)."""
    max_quads: int = 10_000
    max_blank_nodes: int = 1_000
    max_deep_iterations: int = 1_000
    max_permutations: int = 20_000
    """Permutations the N-degree hashing may try in all (each copies an identifier issuer)."""


DEFAULT_LIMITS = CanonicalizationLimits()

_TO_RDF_OPTIONS = {
    "produceGeneralizedRdf": False,
    "rdfDirection": None,
    "processingMode": "json-ld-1.1",
}

_default_loader = DocumentLoader()
_SCALARS = frozenset({str, int, float, bool, type(None)})
"""JSON's scalar types: most values of a document, passed without an abstract-class check."""


def expand(
    document: Mapping[str, Any],
    loader: DocumentLoader | None = None,
    limits: CanonicalizationLimits = DEFAULT_LIMITS,
) -> list[Any]:
    """Expand ``document`` with pyld, refusing to lose any information.

    :raises JsonLdLimitError: the document has more values or longer arrays than ``limits``
        allow, or its expansion needs more steps.
    :raises UnknownContextError: a context is not served by ``loader``.
    :raises UndefinedTermError: a property or type does not expand to an absolute IRI.
    :raises RelativeIriError: an ``@id`` or ``@type`` value is a relative IRI.
    :raises ProtectedTermError: a context redefines a protected term.
    :raises JsonLdError: any other JSON-LD processing error.
    """
    _check_size(document, limits)
    dropped: list[str | None] = []
    document_loader = loader or _default_loader
    options = {
        "documentLoader": document_loader,
        "contextResolver": CachingContextResolver(SHARED_CACHE, document_loader),
        "base": None,  # keep relative IRIs relative (pyld resolves "" against example.org)
        "processingMode": "json-ld-1.1",
    }
    processor = _BoundedProcessor(limits.max_expansion_steps, dropped.append)
    try:
        expanded: list[Any] = processor.expand(dict(document), options)
    except jsonld.JsonLdError as exc:
        raise _translate(exc) from None
    except _PYLD_CRASHES as exc:
        raise _crash(exc) from None
    if dropped:
        raise UndefinedTermError(
            f"term {dropped[0]!r} is not defined by the document's contexts",
            term=dropped[0],
        )
    _check_iris(expanded)
    return expanded


def canonicalize(
    document: Mapping[str, Any],
    loader: DocumentLoader | None = None,
    limits: CanonicalizationLimits = DEFAULT_LIMITS,
    hash_algorithm: str = "sha256",
) -> str:
    """The RDFC-1.0 canonical N-Quads of ``document`` (safe expansion, bounded work).

    ``hash_algorithm`` is RDFC-1.0's internal hash: SHA-256 by default; ecdsa-rdfc-2019 with P-384
    keys uses SHA-384 (as its published vectors show).

    A lean mark or its proof configuration takes the compiled path (:mod:`vic.vc.marktemplate`,
    :mod:`vic.vc.markcanon`), whose output is the same; the first document of each shape (a
    template and an order of its blank nodes) it meets in a process is also canonicalized by the
    general path and compared (a mismatch, which the tests rule out, turns the compiled path off
    for good).

    :raises JsonLdError: as :func:`expand`, or CanonicalizationLimitError past ``limits``.
    """
    return canonical_bytes(document, loader, limits, hash_algorithm).decode("utf-8")


def canonical_bytes(
    document: Mapping[str, Any],
    loader: DocumentLoader | None = None,
    limits: CanonicalizationLimits = DEFAULT_LIMITS,
    hash_algorithm: str = "sha256",
) -> bytes:
    """:func:`canonicalize`'s text in UTF-8 (what a cryptosuite hashes), which the compiled path
    writes as bytes directly.

    :raises JsonLdError: as :func:`canonicalize`.
    """
    compiled = template_nquads(document, loader, hash_algorithm) if _compiled.enabled else None
    if (
        compiled is None
        or limits.max_values < COMPILED_MAX_VALUES
        or limits.max_array_length < COMPILED_MAX_ARRAY
    ):
        # (a compiled document, whose work was bounded by the table, is smaller than that)
        _check_size(document, limits)
    if (
        compiled is not None
        and compiled.quads <= limits.max_quads
        and compiled.blank_nodes <= limits.max_blank_nodes
    ):
        shape = (hash_algorithm, compiled.shape)
        if shape in _compiled.confirmed:
            return compiled.nquads
        expanded = expand(document, loader, limits)
        general = canonicalize_expanded(expanded, limits, hash_algorithm).encode("utf-8")
        _compiled.confirm(shape, compiled.nquads == general)
        return general
    expanded = expand(document, loader, limits)
    return canonicalize_expanded(expanded, limits, hash_algorithm).encode("utf-8")


class _CompiledPath:
    """Whether the compiled path is on, and the shapes already compared with the general path."""

    MAX_SHAPES = 256

    def __init__(self) -> None:
        self.enabled = True
        self.confirmed: set[tuple[str, Hashable]] = set()
        """(hash algorithm, :attr:`~vic.vc.markcanon.CompiledNQuads.shape`) of each shape found
        the same as the general path."""

    def confirm(self, shape: tuple[str, Hashable], same: bool) -> None:
        if not same:
            self.enabled = False
        elif len(self.confirmed) < self.MAX_SHAPES:
            self.confirmed.add(shape)


_compiled = _CompiledPath()


def canonicalize_expanded(
    expanded: list[Any],
    limits: CanonicalizationLimits = DEFAULT_LIMITS,
    hash_algorithm: str = "sha256",
) -> str:
    """The RDFC-1.0 canonical N-Quads of an already (safely) expanded document."""
    dataset = _to_dataset(expanded, limits)
    quads = sum(len(triples) for triples in dataset.values())
    if quads > limits.max_quads:
        raise CanonicalizationLimitError(
            f"{quads} quads exceed the cap of {limits.max_quads}", quads=quads
        )
    _check_blank_nodes(dataset, limits)
    simple = simple_canonical_nquads(pyld_quads(dataset), hash_algorithm)
    if simple is not None:
        return simple
    canonicalizer = _BoundedURDNA2015(limits, hash_algorithm)
    try:
        result: str = canonicalizer.main(dataset, {"format": "application/n-quads"})
    except _PYLD_CRASHES as exc:
        raise _crash(exc) from None
    return result


def _to_dataset(
    expanded: list[Any], limits: CanonicalizationLimits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """pyld's RDF dataset (graph name -> triples) of a (safely) expanded document."""
    processor = _NodeMapProcessor(limits.max_node_map_steps)
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    try:
        processor._create_node_map(expanded, node_map, "@default", issuer)
        dataset: dict[str, Any] = {}
        for graph_name, graph in sorted(node_map.items()):
            if graph_name == "@default" or is_absolute_iri(graph_name) or graph_name[:2] == "_:":
                # the graphs pyld's to_rdf keeps; _check_iris already refused any other name
                dataset[graph_name] = processor._graph_to_rdf(graph, issuer, _TO_RDF_OPTIONS)
    except jsonld.JsonLdError as exc:
        raise _translate(exc) from None
    except _PYLD_CRASHES as exc:
        raise _crash(exc) from None
    return dataset


def _check_blank_nodes(dataset: dict[str, Any], limits: CanonicalizationLimits) -> None:
    blank_nodes = {
        component["value"]
        for triples in dataset.values()
        for triple in triples
        for key, component in triple.items()
        if key != "predicate" and component["type"] == "blank node"
    }
    if len(blank_nodes) > limits.max_blank_nodes:
        raise CanonicalizationLimitError(
            f"{len(blank_nodes)} blank nodes exceed the cap of {limits.max_blank_nodes}",
            blank_nodes=len(blank_nodes),
        )


def _check_size(document: Mapping[str, Any], limits: CanonicalizationLimits) -> None:
    """Count the document's values and its longest array before any JSON-LD work is done."""
    values = 1  # counted as they are found, before they are pushed
    stack: list[Any] = [document]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind in _SCALARS:
            continue
        if kind is dict or isinstance(item, Mapping):
            children: Any = item.values()
        elif kind is list or isinstance(item, list | tuple):
            if len(item) > limits.max_array_length:
                raise JsonLdLimitError(
                    f"an array of {len(item)} values exceeds the cap of {limits.max_array_length}",
                    limit="max_array_length",
                    length=len(item),
                )
            children = item
        else:
            continue
        values += len(children)
        if values > limits.max_values:
            raise JsonLdLimitError(
                f"the document has more than {limits.max_values} JSON values",
                limit="max_values",
            )
        stack.extend(children)


def _out_of_steps(what: str, budget: int) -> JsonLdLimitError:
    return JsonLdLimitError(
        f"JSON-LD {what} needs more than {budget} steps (too large or too repetitive an input)",
        limit=f"max_{what.replace(' ', '_')}_steps",
    )


class _BoundedProcessor(CachingProcessor):
    """The caching expansion processor with a step budget: every expansion call and every term
    definition costs one step, every context processing ten (memoized ones too)."""

    def __init__(self, budget: int, on_property_dropped: Any) -> None:
        super().__init__(SHARED_CACHE, on_property_dropped=on_property_dropped)
        self._budget = budget
        self._steps_left = budget

    def _step(self, cost: int = 1) -> None:
        self._steps_left -= cost
        if self._steps_left < 0:
            raise _out_of_steps("expansion", self._budget)

    def _expand(self, *args: Any, **kwargs: Any) -> Any:
        self._step()
        return super()._expand(*args, **kwargs)

    def _create_term_definition(self, *args: Any, **kwargs: Any) -> Any:
        self._step()
        return super()._create_term_definition(*args, **kwargs)

    def _process_context(self, *args: Any, **kwargs: Any) -> Any:
        self._step(10)
        return super()._process_context(*args, **kwargs)


class _NodeMapProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's node map with a step budget charged before each call does its work.

    pyld adds each value to its subject's property only if no equal value is there yet, comparing
    it with every value already present: an array of n values costs n²/2 comparisons. Each call
    costs one step plus the comparisons it is about to make, read from the node map being built.
    """

    def __init__(self, budget: int) -> None:
        super().__init__()
        self._budget = budget
        self._steps_left = budget

    def _create_node_map(
        self,
        input_: Any,
        graph_map: Any,
        active_graph: Any,
        issuer: Any,
        active_subject: Any = None,
        active_property: Any = None,
        list_: Any = None,
    ) -> Any:
        cost = 1
        graph = graph_map.get(active_graph, {})
        if isinstance(input_, dict) and active_property is not None and not list_:
            node: Any = None
            if isinstance(active_subject, str):
                node = graph.get(active_subject)
            elif isinstance(active_subject, dict) and isinstance(input_.get("@id"), str):
                # a reverse property: the value goes on the input's own node
                node_id = input_["@id"]
                node = graph.get(issuer.existing.get(node_id, node_id))
            if isinstance(node, dict):
                present = node.get(active_property)
                cost += len(present) if isinstance(present, list) else 1
        types = input_.get("@type") if isinstance(input_, dict) else None
        if isinstance(types, list) and "@value" not in input_:
            # the node's types are added one by one, each compared with those already there
            node_id = input_.get("@id")
            merged = graph.get(issuer.existing.get(node_id, node_id)) if node_id else None
            present_types = merged.get("@type") if isinstance(merged, dict) else None
            already = len(present_types) if isinstance(present_types, list) else 0
            cost += len(types) * (already + len(types))
        self._steps_left -= cost
        if self._steps_left < 0:
            raise _out_of_steps("node map", self._budget)
        return super()._create_node_map(
            input_, graph_map, active_graph, issuer, active_subject, active_property, list_
        )


class _BoundedURDNA2015(URDNA2015):  # type: ignore[misc]
    """pyld's RDFC-1.0 (URDNA2015) with a cap on blank nodes and on N-degree hashing."""

    def __init__(self, limits: CanonicalizationLimits, hash_algorithm: str) -> None:
        super().__init__()
        self._limits = limits
        self._hash_algorithm = hash_algorithm
        self._deep_iterations = 0
        # [permutations left, cap]: shared by every issuer copy of this canonicalization
        self._permutations = [limits.max_permutations, limits.max_permutations]

    def create_hash(self) -> Any:
        return hashlib.new(self._hash_algorithm)

    def hash_n_degree_quads(self, id_: str, issuer: IdentifierIssuer) -> Any:
        if not isinstance(issuer, _CountedIssuer):
            issuer = _CountedIssuer.copy_of(issuer, self._permutations)
        self._deep_iterations += 1
        if self._deep_iterations > self._limits.max_deep_iterations:
            raise CanonicalizationLimitError(
                "canonicalization needs more than "
                f"{self._limits.max_deep_iterations} N-degree hash iterations (a poison graph?)",
                limit=self._limits.max_deep_iterations,
            )
        return super().hash_n_degree_quads(id_, issuer)


class _CountedIssuer(IdentifierIssuer):  # type: ignore[misc]
    """An identifier issuer whose copies are cheap and counted.

    pyld's N-degree hashing deep-copies the issuer once per permutation it tries; for a poison
    graph that copying is nearly all the time spent. The state is a prefix, a counter, a dict and a
    list of strings, so copying the two containers is a complete (deep) copy; the shared counter
    caps the permutations of one canonicalization. Identifiers issued are the same as pyld's.
    """

    def __init__(self, prefix: str, budget: list[int]) -> None:
        super().__init__(prefix)
        self._budget = budget

    @classmethod
    def copy_of(cls, issuer: IdentifierIssuer, budget: list[int]) -> _CountedIssuer:
        counted = cls(issuer.prefix, budget)
        counted.counter = issuer.counter
        counted.existing = dict(issuer.existing)
        counted.order = list(issuer.order)
        return counted

    def __deepcopy__(self, memo: dict[int, Any]) -> _CountedIssuer:
        self._budget[0] -= 1
        if self._budget[0] < 0:
            raise CanonicalizationLimitError(
                "canonicalization tries more than "
                f"{self._budget[1]} blank node permutations (a poison graph?)",
                limit=self._budget[1],
            )
        copied = _CountedIssuer(self.prefix, self._budget)
        copied.counter = self.counter
        copied.existing = dict(self.existing)
        copied.order = list(self.order)
        return copied


def _check_iris(expanded: Any) -> None:
    """Walk expanded JSON-LD: every @id and node @type must be absolute or a blank node."""
    stack: list[Any] = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        if "@value" in item:
            value_type = item.get("@type")
            if isinstance(value_type, str) and value_type != "@json":
                _require_iri(value_type, "@type")
            continue
        for key, value in item.items():
            if key == "@id":
                _require_iri(value, "@id")
            elif key == "@type":
                for t in value if isinstance(value, list) else [value]:
                    _require_iri(t, "@type")
            elif key in ("@graph", "@list", "@set", "@included", "@reverse"):
                stack.append(value)
            elif key[0] != "@":
                if key.startswith("_:"):
                    raise UndefinedTermError(
                        f"property {key!r} expands to a blank node, which RDF drops", term=key
                    )
                stack.append(value)


def _require_iri(value: Any, where: str) -> None:
    if not isinstance(value, str) or not (value.startswith("_:") or is_absolute_iri(value)):
        code = "UNDEFINED_TERM" if where == "@type" else "RELATIVE_IRI"
        cls = UndefinedTermError if where == "@type" else RelativeIriError
        raise cls(
            f"{where} value {value!r} does not expand to an absolute IRI", code=code, value=value
        )


# pyld raises these (not its JsonLdError) on some valid or hostile JSON-LD: an inline
# {"@vocab": null} (KeyError), "@set": {} inside a node (TypeError), very deep input
# (RecursionError). They come from processing the caller's document, so they are reported as
# that document's JSON-LD error rather than crashing a verifier.
_PYLD_CRASHES = (
    LookupError,  # KeyError, IndexError
    TypeError,
    ValueError,
    AttributeError,
    ArithmeticError,  # OverflowError: float(10**309)
    RecursionError,
)


def _crash(exc: Exception) -> JsonLdError:
    return JsonLdError(
        f"the JSON-LD processor cannot process this document ({type(exc).__name__})",
        pyld_exception=type(exc).__name__,
    )


def _translate(exc: Any) -> VicError:
    """Map a pyld JsonLdError (possibly wrapping ours) to vic's error tree."""
    seen: Any = exc
    while seen is not None:
        if isinstance(seen, VicError):
            return seen
        seen = seen.__cause__ or seen.__context__
    codes = []
    seen = exc
    while seen is not None:
        code = getattr(seen, "code", None)
        if code:
            codes.append(str(code))
        seen = seen.__cause__ or seen.__context__
    code = codes[-1] if codes else ""
    message = f"JSON-LD processing failed: {code or getattr(exc, 'type', 'error')}"
    if code == "protected term redefinition":
        return ProtectedTermError("a context redefines a protected term", pyld_code=code)
    if code in ("loading remote context failed", "loading document failed"):
        return UnknownContextError("a context could not be loaded", pyld_code=code)
    return JsonLdError(message, pyld_code=code)


def deep_copy(document: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of a JSON document (used before mutating caller data)."""
    return copy.deepcopy(dict(document))
