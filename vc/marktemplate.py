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
- a format string per blank node for its first-degree quads (the node ``_:a``, any other blank
  node ``_:z``), already in sorted order;
- a format string of the whole canonical text per order of the blank nodes' hashes (at most 3!).

Per document it only checks and fills the slots, hashes the blank nodes' first-degree quads and
picks the format string: the same text as the tree builder (tests/canonicalization compare the
two, and pyld, on every published vector, random marks and the declined documents).

What is cached, and why it is safe: the templates, keyed by the structure alone (each node's key
*set* and its type names; key order does not change the output, so it is not part of the key);
nothing of a document's values is kept, and a template is built from the table and the structure,
never from values. Structures are few (the table's keys and types only: any other key or type is
declined before a template is kept), and at most :data:`MAX_TEMPLATES` are kept; past that, the
tree builder answers (same text, slower).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from functools import partial
from itertools import permutations
from operator import itemgetter
from typing import Any, Final, cast

from vic.contexts.loader import DocumentLoader
from vic.vc.hashes import hash_constructor
from vic.vc.markcanon import (
    MARK_CONTEXT_URLS,
    CompiledNQuads,
    NodeShape,
    NotCompiledError,
    check_datetime,
    check_integer,
    check_iri,
    check_string,
    check_typed,
    check_vocab,
    compiled_nquads,
    credential_shape,
    loader_serves_bundled,
    proof_config_shape,
    rdf_type_term,
)

__all__ = ["MAX_TEMPLATES", "template_nquads"]

MAX_TEMPLATES: Final = 256
"""Templates kept at most (a mark and its proof configuration need two)."""


_Check = Callable[[Any], str]


class _Text:
    """A text with value slots: its constant pieces (UTF-8), and which value goes between each
    two."""

    __slots__ = ("constants", "pick", "size")

    def __init__(self, pieces: list[str | int]) -> None:
        constants: list[str] = [""]
        slots: list[int] = []
        for piece in pieces:
            if isinstance(piece, str):
                constants[-1] += piece
            else:
                slots.append(piece)
                constants.append("")
        self.constants = [constant.encode("utf-8") for constant in constants]
        self.size = 2 * len(constants) - 1
        # itemgetter answers a tuple for two slots or more (the template of a document always
        # has some: its values)
        self.pick: Callable[[list[bytes]], tuple[bytes, ...]] = (
            itemgetter(*slots) if len(slots) > 1 else partial(_one, slots)
        )


def _one(slots: list[int], values: list[bytes]) -> tuple[bytes, ...]:
    return tuple(values[slot] for slot in slots)


def _filled(text: _Text, values: list[bytes]) -> bytes:
    out: list[bytes] = [b""] * text.size
    out[0::2] = text.constants
    out[1::2] = text.pick(values)
    return b"".join(out)


class _Template:
    """The fixed part of the canonical N-Quads of one structure."""

    __slots__ = ("blank", "containers", "first_degree", "orders", "predicates", "quads", "slots")

    def __init__(self) -> None:
        self.containers: tuple[str, ...] = ()
        """The keys of the top node whose values are nested nodes (container 1, 2...)."""
        self.slots: tuple[tuple[int, str, _Check], ...] = ()
        """(container, key, check) of each value slot, in the format strings' numbering."""
        self.blank = 0
        self.first_degree: tuple[_Text, ...] = ()
        """Per blank node (by index), its sorted first-degree quads."""
        self.orders: dict[tuple[int, ...], _Text] = {}
        """The canonical text per order of the blank nodes (by index)."""
        self.quads = 0
        self.predicates: frozenset[str] = frozenset()


class _Templates:
    """The templates by structure (bounded; see the module's docstring)."""

    def __init__(self) -> None:
        self.by_structure: dict[Hashable, _Template] = {}


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
    if type(context) is not list or len(context) != 3 or tuple(context) != MARK_CONTEXT_URLS:
        return None
    if not loader_serves_bundled(loader):
        return None
    try:
        structure = _structure(document)
        template = _templates.by_structure.get(structure)
    except TypeError:  # an unhashable type name: declined by the builder
        return compiled_nquads(document, loader, hash_algorithm)
    if template is None:
        template = _new_template(document, structure)
        if template is None:
            return compiled_nquads(document, loader, hash_algorithm)
    containers = [document]
    for key in template.containers:
        containers.append(document[key])
    try:
        values = [check(containers[at][key]).encode("utf-8") for at, key, check in template.slots]
    except NotCompiledError:
        return None
    order: tuple[int, ...]
    if template.blank < 2:
        order = tuple(range(template.blank))
    else:
        new_hash = hash_constructor(hash_algorithm)
        digests = [new_hash(_filled(text, values)).hexdigest() for text in template.first_degree]
        if len(set(digests)) != len(digests):
            return None  # the general algorithm decides
        order = tuple(sorted(range(template.blank), key=digests.__getitem__))
    return CompiledNQuads(
        _filled(template.orders[order], values),
        template.quads,
        template.blank,
        template.predicates,
        (structure, order),
    )


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
    template = planner.template()
    if template is not None and len(_templates.by_structure) < MAX_TEMPLATES:
        _templates.by_structure[structure] = template
    return template


class _NodeRef(int):
    """An object that is another node (its index), beside slots (plain ints)."""


_Piece = str | int
"""A constant text, or a value slot's number."""


class _PlannedNode:
    """A node of the structure: its subject (a slot, or None when blank), its (predicate, object)
    pairs (an object being a constant term, a slot or another node) and the (parent, predicate)
    that leads here."""

    __slots__ = ("parent", "props", "subject")

    def __init__(self, subject: int | None, parent: tuple[int, str] | None) -> None:
        self.subject = subject
        self.parent = parent
        self.props: list[tuple[str, _Piece]] = []


class _Planner:
    """Walks a document's structure with the table (the tree builder's rules, without values)."""

    def __init__(self) -> None:
        self.nodes: list[_PlannedNode] = []
        self.containers: list[str] = []
        self.slots: list[tuple[int, str, _Check]] = []

    def _slot(self, container: int, key: str, check: _Check) -> int:
        self.slots.append((container, key, check))
        return len(self.slots) - 1

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
            subject = self._slot(container, "id", check_iri)
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
            obj: _Piece
            if kind == "node":
                if key is not None:
                    raise NotCompiledError  # (the table nests one level only)
                obj = _NodeRef(self.node(value[name], detail, (index, predicate), name))
            else:
                obj = self._slot(container, name, _CHECKS[kind](detail))
            planned.props.append((predicate, obj))
        return index

    def template(self) -> _Template | None:
        nodes = self.nodes
        for node in nodes:
            predicates = [predicate for predicate, _ in node.props]
            repeated = {p for p in predicates if predicates.count(p) > 1}
            if repeated - {rdf_type_term}:
                return None  # (never with the table) lines whose order values decide
            # the type lines' objects are constants, the other predicates unique
            node.props.sort(key=lambda prop: (prop[0], prop[1] if type(prop[1]) is str else ""))
        blank = [index for index, node in enumerate(nodes) if node.subject is None]
        named = [index for index, node in enumerate(nodes) if node.subject is not None]
        template = _Template()
        template.containers = tuple(self.containers)
        template.slots = tuple(self.slots)
        template.blank = len(blank)
        template.quads = sum(len(node.props) for node in nodes)
        template.predicates = frozenset(
            [predicate for node in nodes for predicate, _ in node.props]
        )
        template.first_degree = tuple(_Text(self._first_degree(index)) for index in blank)
        for order in permutations(range(len(blank))):
            labels: dict[int, _Piece] = {
                blank[at]: f"_:c14n{rank}" for rank, at in enumerate(order)
            }
            for index in named:
                labels[index] = cast(int, nodes[index].subject)
            pieces: list[_Piece] = []
            for index in [*named, *[blank[at] for at in order]]:
                pieces += self._lines(index, labels)
            template.orders[tuple(order)] = _Text(pieces)
        return template

    def _lines(self, index: int, labels: Mapping[int, _Piece]) -> list[_Piece]:
        """The node's lines (sorted), its subject and other nodes named by ``labels``."""
        out: list[_Piece] = []
        subject = labels[index]
        for predicate, obj in self.nodes[index].props:
            term = labels[obj] if type(obj) is _NodeRef else obj
            out += [subject, f" {predicate} ", term, " .\n"]
        return out

    def _first_degree(self, index: int) -> list[_Piece]:
        nodes = self.nodes
        labels: dict[int, _Piece] = {}
        for other, node in enumerate(nodes):
            labels[other] = "_:z" if node.subject is None else node.subject
        labels[index] = "_:a"
        own = self._lines(index, labels)
        parent = nodes[index].parent
        if parent is None:
            return own
        line = [labels[parent[0]], f" {parent[1]} _:a .\n"]
        # an IRI subject (<...) sorts before _:a, a blank one (_:z) after
        return line + own if nodes[parent[0]].subject is not None else own + line


_CHECKS: Final[dict[str, Callable[[Any], _Check]]] = {
    "iri": lambda _: check_iri,
    "string": lambda _: check_string,
    "datetime": lambda _: check_datetime,
    "integer": lambda _: check_integer,
    "typed": lambda suffix: partial(check_typed, suffix),
    "vocab": lambda names: partial(check_vocab, names),
}
