"""The canonical N-Quads of a lean mark or its proof configuration, from a template per shape.

:func:`vic.vc.markcanon.compiled_nquads` builds a document's tree of nodes, writes its quads and
sorts them on every call. But for one *structure* (the keys of each node and the type names,
whatever the values) the canonical lines and their order are fixed: a node's lines are sorted by
their predicate (distinct within a node, the type lines' objects being constants), the node with
an IRI sorts before the blank nodes (``<`` before ``_``), and the blank nodes come in the order of
their first-degree hashes. :func:`template_nquads` therefore keeps, per structure, a template:

- the value *slots* (which key of which node, and its check: the same rules as the tree builder,
  :mod:`vic.vc.markcanon`: plain ASCII absolute IRIs, strings needing no N-Quads escape, plain
  integers, the vocabulary's names), each turned into its N-Quads term or refused;
- per blank node its first-degree quads (the node ``_:a``, any other blank node ``_:z``), and
  the whole canonical text per order of the blank nodes' hashes (at most 3!), as constant pieces
  and slots, already in sorted order;
- all of it compiled to one function, the template's *filler* (:mod:`vic.vc.markfill`), which
  checks that a document has the structure, checks and writes its values and picks the order.

Per document it only runs the filler last used for the document's kind (a proof configuration
or not), which checks the structure itself (another structure is looked up as before), fills the
slots, hashes the blank nodes' first-degree quads and picks the text: the same text as the tree
builder (tests/canonicalization compare the two, and pyld, on every published vector, random
marks, unusual values in every slot and the declined documents).

What is cached, and why it is safe: the templates, keyed by the structure alone (each node's key
*set* and its type names; key order does not change the output, so it is not part of the key);
nothing of a document's values is kept, and a template is built from the table and the structure,
never from values. Structures are few (the table's keys and types only: any other key or type is
declined before a template is kept), and at most :data:`MAX_TEMPLATES` are kept; past that, the
tree builder answers (same text, slower). The two last-used fillers are two of the kept
templates' (each checks the whole structure before it reads a value).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from itertools import permutations
from typing import Any, Final, cast

from vic.contexts.loader import DocumentLoader
from vic.vc.markcanon import (
    MARK_CONTEXT_URLS,
    CompiledNQuads,
    NodeShape,
    NotCompiledError,
    compiled_nquads,
    credential_shape,
    loader_serves_bundled,
    proof_config_shape,
    rdf_type_term,
    term_affixes,
)
from vic.vc.markfill import MISMATCH, Filler, NodeGuard, Slot, compile_filler

__all__ = ["MAX_TEMPLATES", "template_nquads"]

MAX_TEMPLATES: Final = 256
"""Templates kept at most (a mark and its proof configuration need two)."""

_CONTEXT: Final = list(MARK_CONTEXT_URLS)


def _declined(document: dict[str, Any], algorithm: str) -> Any:
    return MISMATCH


class _Template:
    """The fixed part of the canonical N-Quads of one structure: its filler
    (:mod:`vic.vc.markfill`), which checks the structure, checks and writes the values and
    orders the blank nodes."""

    __slots__ = ("fill",)

    def __init__(self, fill: Filler = _declined) -> None:
        self.fill = fill


class _Templates:
    """The templates by structure (bounded; see the module's docstring), and the filler last
    found for a proof configuration and for any other document (tried first: it checks the
    structure itself)."""

    def __init__(self) -> None:
        self.by_structure: dict[Hashable, _Template] = {}
        self.last: list[Filler] = [_declined, _declined]

    def clear(self) -> None:
        """Forget every template."""
        self.by_structure.clear()
        self.last[:] = [_declined, _declined]


_templates = _Templates()


def template_nquads(
    document: Mapping[str, Any],
    loader: DocumentLoader | None = None,
    hash_algorithm: str = "sha256",
) -> CompiledNQuads | None:
    """The same as :func:`vic.vc.markcanon.compiled_nquads` (its text, counts and declines),
    written from the template of the document's structure; its ``shape`` names the template and
    the blank nodes' order (what :func:`vic.vc.jsonld.canonicalize` compares once per shape)."""
    if type(document) is not dict:
        return None
    context = document.get("@context")
    if type(context) is not list or context != _CONTEXT:
        return None
    if loader is not None and not loader_serves_bundled(loader):
        return None
    templates = _templates
    kind = document.get("type") == "DataIntegrityProof"
    answer = templates.last[kind](document, hash_algorithm)
    if answer is not MISMATCH:
        # (no typing.cast: a call, and a Union made, on every canonical form)
        return answer  # type: ignore[no-any-return]
    try:
        structure = _structure(document)
        template = templates.by_structure.get(structure)
    except TypeError:  # an unhashable type name: declined by the builder
        return compiled_nquads(document, loader, hash_algorithm)
    if template is None:
        template = _new_template(document, structure)
        if template is None:
            return compiled_nquads(document, loader, hash_algorithm)
    else:
        templates.last[kind] = template.fill
    answer = template.fill(document, hash_algorithm)
    if answer is MISMATCH:  # (never: the document has the template's structure)
        return compiled_nquads(document, loader, hash_algorithm)
    return answer  # type: ignore[no-any-return]


def _structure(document: dict[str, Any]) -> Hashable:
    """The structure of a document whose contexts are the mark's: its shape's key set and type
    names, and the same of each nested node (False for a value that is not a plain dict)."""
    types = document.get("type")
    shape = proof_config_shape if types == "DataIntegrityProof" else credential_shape
    parts: list[Hashable] = [frozenset(document), tuple(types) if type(types) is list else types]
    for key in shape.node_keys:
        child = document.get(key)
        if type(child) is dict:
            kind = child.get("type")
            parts.append((frozenset(child), tuple(kind) if type(kind) is list else kind))
        else:
            parts.append(child is None)
    return tuple(parts)


def _new_template(document: dict[str, Any], structure: Hashable) -> _Template | None:
    """The template of ``document``'s structure (kept if there is room), or None when the table
    does not understand the structure (the tree builder then declines the document too) or the
    order of some lines would depend on values."""
    types = document.get("type")
    shape = proof_config_shape if types == "DataIntegrityProof" else credential_shape
    planner = _Planner()
    try:
        planner.node(document, shape, None, None)
    except NotCompiledError:
        return None
    template = planner.template(document, structure)
    if template is not None and len(_templates.by_structure) < MAX_TEMPLATES:
        _templates.by_structure[structure] = template
        _templates.last[types == "DataIntegrityProof"] = template.fill
    return template


class _NodeRef(int):
    """An object that is another node (its index)."""


_Piece = str | int
"""A constant text, or a value slot's number."""
_Term = tuple[_Piece, ...]
"""A term: a constant, or a slot between the constant text around it."""


class _PlannedNode:
    """A node of the structure: its subject (an IRI term, or None when blank), its (predicate,
    object) pairs (an object being a constant term, a slot's term or another node) and the
    (parent, predicate) that leads here."""

    __slots__ = ("parent", "props", "subject")

    def __init__(self, subject: _Term | None, parent: tuple[int, str] | None) -> None:
        self.subject = subject
        self.parent = parent
        self.props: list[tuple[str, str | _Term | _NodeRef]] = []


class _Planner:
    """Walks a document's structure with the table (the tree builder's rules, without values)."""

    def __init__(self) -> None:
        self.nodes: list[_PlannedNode] = []
        self.containers: list[str] = []
        self.slots: list[Slot] = []

    def _slot(self, container: int, key: str, kind: str, detail: Any) -> _Term:
        """The term of a new slot: the value between its kind's constant text."""
        self.slots.append(Slot(container, key, kind, detail))
        before, after = term_affixes[kind]
        return (before, len(self.slots) - 1, cast(str, detail if kind == "typed" else after))

    def node(
        self, value: Any, shape: NodeShape, parent: tuple[int, str] | None, key: str | None
    ) -> int:
        if type(value) is not dict:
            raise NotCompiledError
        container = 0
        if key is not None:
            self.containers.append(key)
            container = len(self.containers)
        subject = None
        if "id" in value:
            if not shape.id_allowed:
                raise NotCompiledError
            subject = self._slot(container, "id", "iri", None)
        index = len(self.nodes)
        planned = _PlannedNode(subject, parent)
        self.nodes.append(planned)
        types = value.get("type")
        names = types if type(types) is list else [types]
        if len(names) > len(shape.types):
            raise NotCompiledError
        for name in names:
            term = shape.type_terms.get(name) if type(name) is str else None
            if term is None:
                raise NotCompiledError
            planned.props.append((rdf_type_term, term))
        if shape.required_type not in names or len(set(names)) != len(names):
            raise NotCompiledError
        for name in value:
            if name == "type" or name == "id" or (key is None and name == "@context"):
                continue
            spec = shape.terms.get(name)
            if spec is None:
                raise NotCompiledError
            predicate, kind, detail = spec
            obj: _Term | _NodeRef
            if kind == "node":
                if key is not None:
                    raise NotCompiledError  # (the table nests one level only)
                obj = _NodeRef(self.node(value[name], detail, (index, predicate), name))
            else:
                obj = self._slot(container, name, kind, detail)
            planned.props.append((predicate, obj))
        return index

    def template(self, document: dict[str, Any], structure: Hashable) -> _Template | None:
        """The template of the structure walked (``document``'s, whose key sets and type names
        its guards copy)."""
        nodes = self.nodes
        for node in nodes:
            names = [predicate for predicate, _ in node.props]
            repeated = {p for p in names if names.count(p) > 1}
            if repeated - {rdf_type_term}:
                return None  # (never with the table) lines whose order values decide
            # the type lines' objects are constants, the other predicates unique
            node.props.sort(key=lambda prop: (prop[0], prop[1] if type(prop[1]) is str else ""))
        blank = [index for index, node in enumerate(nodes) if node.subject is None]
        named = [index for index, node in enumerate(nodes) if node.subject is not None]
        quads = sum(len(node.props) for node in nodes)
        predicates = frozenset([predicate for node in nodes for predicate, _ in node.props])
        first_degree = [self._first_degree(index) for index in blank]
        orders: dict[tuple[int, ...], list[_Piece]] = {}
        for order in permutations(range(len(blank))):
            labels: dict[int, _Term] = {
                blank[at]: (f"_:c14n{rank}",) for rank, at in enumerate(order)
            }
            for index in named:
                labels[index] = cast(_Term, nodes[index].subject)
            pieces: list[_Piece] = []
            for index in [*named, *[blank[at] for at in order]]:
                pieces += self._lines(index, labels)
            orders[tuple(order)] = pieces
        guards = [_guard(0, None, document)]
        for number, key in enumerate(self.containers, 1):
            guards.append(_guard(number, key, document[key]))

        def fields(order: tuple[int, ...]) -> tuple[Any, ...]:
            return (quads, len(blank), predicates, (structure, order))

        return _Template(compile_filler(guards, self.slots, first_degree, orders, fields))

    def _lines(self, index: int, labels: Mapping[int, _Term]) -> list[_Piece]:
        """The node's lines (sorted), its subject and other nodes named by ``labels``."""
        out: list[_Piece] = []
        subject = labels[index]
        for predicate, obj in self.nodes[index].props:
            if type(obj) is _NodeRef:
                term = labels[obj]
            elif type(obj) is str:
                term = (obj,)
            else:
                term = cast(_Term, obj)
            out += [*subject, f" {predicate} ", *term, " .\n"]
        return out

    def _first_degree(self, index: int) -> list[_Piece]:
        nodes = self.nodes
        labels: dict[int, _Term] = {}
        for other, node in enumerate(nodes):
            labels[other] = ("_:z",) if node.subject is None else node.subject
        labels[index] = ("_:a",)
        own = self._lines(index, labels)
        parent = nodes[index].parent
        if parent is None:
            return own
        line = [*labels[parent[0]], f" {parent[1]} _:a .\n"]
        # an IRI subject (<...) sorts before _:a, a blank one (_:z) after
        return line + own if nodes[parent[0]].subject is not None else own + line


def _guard(container: int, via: str | None, node: dict[str, Any]) -> NodeGuard:
    """A node's guard: a copy of its keys and type names (the structure's)."""
    types = node["type"]
    return NodeGuard(container, via, list(node), list(types) if type(types) is list else types)
