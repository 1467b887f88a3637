"""The compiled RDF form of the lean mark and of its proof configuration.

A mark (docs/mark.md) and the Data Integrity proof configuration signed with it have a fixed shape
under fixed contexts (credentials v2, VC Barcodes, vehicle inspection), so their RDF quads are a
direct function of their values: :func:`compiled_quads` writes them without running JSON-LD
expansion. It understands a document only when *all* of this holds, and answers None otherwise
(the caller then runs the general path, :func:`vic.vc.jsonld.canonicalize`):

- ``@context`` is exactly the three mark context URLs, and the loader serves the bundled
  documents for them (a :class:`vic.contexts.loader.DocumentLoader` that does not replace them);
- every key of every node is one of the table's (below), and each value has the table's JSON type:
  no keyword keys (``@id``, ``@type``...), no nested ``@context``, no lists where a single value
  is expected; the credential's types include ``VerifiableCredential`` and the status entry's
  ``TerseBitstringStatusListEntry`` (their type-scoped contexts define the other terms), the proof
  configuration's type is ``DataIntegrityProof``;
- types and ``@vocab`` values are ones the table knows (so no ``@vocab`` fallback applies);
- every IRI value is plain ASCII of RFC 3986 characters with an ``https://``, ``http://``,
  ``did:`` or ``urn:`` start (none of which is a term of the contexts, so no compact IRI
  expansion applies, and every one is absolute: the relative-IRI check would pass);
- every string is printable with no ``"`` or ``\\`` (nothing for N-Quads to escape), every
  integer a non-negative int below 2^53 (not a bool).

The table is the contexts' term definitions written out; tests/canonicalization checks the output
against pyld for every published vector, random marks and documents the table does not fully
understand, and :func:`vic.vc.jsonld.canonicalize` compares the first document of each shape it
meets
with the general path (a mismatch turns the compiled path off).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

from vic.contexts.errors import UnknownContextError
from vic.contexts.loader import DocumentLoader, context_document
from vic.vc.hashes import hash_constructor
from vic.vc.rdfc import Quad

__all__ = [
    "COMPILED_MAX_ARRAY",
    "COMPILED_MAX_VALUES",
    "MARK_CONTEXT_URLS",
    "CompiledNQuads",
    "NodeShape",
    "NotCompiledError",
    "check_datetime",
    "check_integer",
    "check_iri",
    "check_string",
    "check_typed",
    "check_vocab",
    "compiled_nquads",
    "compiled_quads",
    "credential_shape",
    "iri_pattern",
    "loader_serves_bundled",
    "proof_config_shape",
    "rdf_type_term",
    "term_affixes",
]

MARK_CONTEXT_URLS: Final = (
    "https://www.w3.org/ns/credentials/v2",
    "https://w3id.org/vc-barcodes/v1",
    "https://w3id.org/vehicle-inspection/v1",
)

_MARK_URLS: Final = frozenset(MARK_CONTEXT_URLS)
_CRED = "https://www.w3.org/2018/credentials#"
_SEC = "https://w3id.org/security#"
_VI = "https://w3id.org/vehicle-inspection#"
_BC = "https://w3id.org/vc-barcodes#"
_SCHEMA = "https://schema.org/"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_DATETIME_SUFFIX = f'"^^<{_XSD}dateTime>'
_INTEGER_SUFFIX = f'"^^<{_XSD}integer>'

COMPILED_MAX_VALUES: Final = 32
"""At least the JSON values (as :func:`vic.vc.jsonld.canonicalize` counts them) of any document
:func:`compiled_quads` accepts: the table's keys, three contexts and two types at most."""
COMPILED_MAX_ARRAY: Final = 3
"""The longest array in a document :func:`compiled_quads` accepts (its ``@context``)."""

_IRI = re.compile(r"(?:https?://|did:|urn:)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*\Z")
_MAX_INTEGER = 2**53


@dataclass(frozen=True)
class NodeShape:
    """A node shape: its types (term -> IRI), which must include ``required_type``, and its
    properties (key -> (predicate IRI, value kind, detail))."""

    types: Mapping[str, str]
    required_type: str
    properties: Mapping[str, tuple[str, str, Any]] = field(default_factory=dict)
    id_allowed: bool = False
    type_terms: Mapping[str, str] = field(init=False)
    """The types' IRIs as N-Quads terms (``<iri>``)."""
    terms: Mapping[str, tuple[str, str, Any]] = field(init=False)
    """``properties`` with the predicate an N-Quads term, a typed literal's datatype its
    ``"^^<iri>`` suffix and a vocabulary's IRIs terms."""
    node_keys: tuple[str, ...] = field(init=False)
    """The keys whose values are nested nodes."""

    def __post_init__(self) -> None:
        terms: dict[str, tuple[str, str, Any]] = {}
        for key, (predicate, kind, detail) in self.properties.items():
            if kind == "typed":
                detail = f'"^^<{detail}>'
            elif kind == "vocab":
                detail = {name: f"<{iri}>" for name, iri in detail.items()}
            terms[key] = (f"<{predicate}>", kind, detail)
        object.__setattr__(self, "terms", terms)
        type_terms = {name: f"<{iri}>" for name, iri in self.types.items()}
        object.__setattr__(self, "type_terms", type_terms)
        nested = tuple(key for key, (_, kind, _) in self.properties.items() if kind == "node")
        object.__setattr__(self, "node_keys", nested)


_STATUS = NodeShape(
    types={"TerseBitstringStatusListEntry": _BC + "TerseBitstringStatusListEntry"},
    required_type="TerseBitstringStatusListEntry",
    properties={
        "terseStatusListBaseUrl": (_BC + "terseStatusListBaseUrl", "iri", None),
        "terseStatusListIndex": (_BC + "terseStatusListIndex", "integer", None),
    },
)
_SUBJECT = NodeShape(
    types={"Vehicle": _SCHEMA + "Vehicle"},
    required_type="Vehicle",
    properties={
        "registrationNumber": (_VI + "registrationNumber", "string", None),
        "plateTypeCode": (_VI + "plateTypeCode", "string", None),
        "vehicleTypeCode": (_VI + "vehicleTypeCode", "string", None),
        "vehicleIdentificationNumber": (_SCHEMA + "vehicleIdentificationNumber", "string", None),
        "inspectionBasis": (
            _VI + "inspectionBasis",
            "vocab",
            {"OnSite": _VI + "OnSite", "Exempt": _VI + "Exempt"},
        ),
    },
)
_CREDENTIAL = NodeShape(
    types={
        "VerifiableCredential": _CRED + "VerifiableCredential",
        "VehicleInspectionCredential": _VI + "VehicleInspectionCredential",
    },
    required_type="VerifiableCredential",
    properties={
        "issuer": (_CRED + "issuer", "iri", None),
        "validFrom": (_CRED + "validFrom", "datetime", None),
        "validUntil": (_CRED + "validUntil", "datetime", None),
        "credentialSubject": (_CRED + "credentialSubject", "node", _SUBJECT),
        "credentialStatus": (_CRED + "credentialStatus", "node", _STATUS),
    },
    id_allowed=True,
)
_PROOF_CONFIG = NodeShape(
    types={"DataIntegrityProof": _SEC + "DataIntegrityProof"},
    required_type="DataIntegrityProof",
    properties={
        "cryptosuite": (_SEC + "cryptosuite", "typed", _SEC + "cryptosuiteString"),
        "created": ("http://purl.org/dc/terms/created", "datetime", None),
        "verificationMethod": (_SEC + "verificationMethod", "iri", None),
        "proofPurpose": (
            _SEC + "proofPurpose",
            "vocab",
            {"assertionMethod": _SEC + "assertionMethod"},
        ),
    },
)


iri_pattern: Final = _IRI.pattern
"""The pattern an IRI value must match whole (it ends in ``\\Z``)."""
term_affixes: Final = {
    "iri": ("<", ">"),
    "string": ('"', '"'),
    "datetime": ('"', _DATETIME_SUFFIX),
    "integer": ('"', _INTEGER_SUFFIX),
    "typed": ('"', None),  # (its suffix is the slot's detail)
    "vocab": ("", ""),  # (the term is the table's)
}
"""Per kind of value, the text around the value in its N-Quads term (``check_*``'s answer)."""


credential_shape: Final = _CREDENTIAL
"""The table's credential (a mark)."""
proof_config_shape: Final = _PROOF_CONFIG
"""The table's Data Integrity proof configuration."""
rdf_type_term: Final = _RDF_TYPE


class NotCompiledError(Exception):
    """The document is not one the table fully understands."""


def loader_serves_bundled(loader: DocumentLoader | None) -> bool:
    if loader is None:
        return True
    if type(loader) is not DocumentLoader:
        return False
    if loader.replaces_none(_MARK_URLS):
        return True  # it serves context_document(url) for each
    try:
        return all(loader.load(url) is context_document(url) for url in MARK_CONTEXT_URLS)
    except UnknownContextError:
        return False


def compiled_quads(
    document: Mapping[str, Any], loader: DocumentLoader | None = None
) -> list[Quad] | None:
    """The RDF quads of a lean mark or its proof configuration, or None for any other document.

    Blank node labels are arbitrary (``_:b0``...): canonicalize the result with
    :func:`vic.vc.rdfc.simple_canonical_nquads`.
    """
    nodes = _compiled_nodes(document, loader)
    if nodes is None:
        return None
    labels = _blank_labels(nodes)
    quads: list[Quad] = []
    for index, node in enumerate(nodes):
        subject = node.iri or labels[index]
        for predicate, obj in node.props:
            quads.append((subject, predicate, obj if isinstance(obj, str) else labels[obj], ""))
    return quads


class CompiledNQuads(NamedTuple):
    """The canonical N-Quads of a compiled document, and what a caller bounds or keys by."""

    nquads: bytes
    """The canonical N-Quads in UTF-8 (what a cryptosuite hashes)."""
    quads: int
    blank_nodes: int
    predicates: frozenset[str]
    shape: Hashable
    """What :func:`vic.vc.jsonld.canonicalize` compares once with the general path: the
    predicates here, the template and the blank nodes' order in :mod:`vic.vc.marktemplate`."""


def compiled_nquads(
    document: Mapping[str, Any],
    loader: DocumentLoader | None = None,
    hash_algorithm: str = "sha256",
) -> CompiledNQuads | None:
    """The RDFC-1.0 canonical N-Quads of a lean mark or its proof configuration: the same text as
    ``simple_canonical_nquads(compiled_quads(document, loader), hash_algorithm)``, written from
    the document's tree of nodes (each blank node is the object of one quad, its parent's, and
    never a graph name). None when :func:`compiled_quads` would be None, or when two blank nodes
    share a first-degree hash (the general algorithm decides then).
    """
    nodes = _compiled_nodes(document, loader)
    if nodes is None:
        return None
    blank = [index for index, node in enumerate(nodes) if node.iri is None]
    labels: dict[int, str] = {}
    if len(blank) == 1:
        labels[blank[0]] = "_:c14n0"  # a lone blank node's first-degree hash is unique
    elif blank:
        new_hash = hash_constructor(hash_algorithm)
        by_hash: dict[str, int] = {}
        for index in blank:
            node = nodes[index]
            # its first-degree quads: its own (other blank nodes _:z) and its parent's to it
            lines = [
                f"_:a {p} {o} .\n" if type(o) is str else f"_:a {p} _:z .\n" for p, o in node.props
            ]
            if node.parent is not None:
                parent, predicate = node.parent
                lines.append(f"{nodes[parent].iri or '_:z'} {predicate} _:a .\n")
            lines.sort()
            digest = new_hash("".join(lines).encode("utf-8")).hexdigest()
            if digest in by_hash:
                return None
            by_hash[digest] = index
        for number, (_, index) in enumerate(sorted(by_hash.items())):
            labels[index] = f"_:c14n{number}"
    out = []
    for index, node in enumerate(nodes):
        subject = node.iri or labels[index]
        for predicate, obj in node.props:
            out.append(f"{subject} {predicate} {obj if isinstance(obj, str) else labels[obj]} .\n")
    quads = len(out)
    out.sort()
    predicates = frozenset([predicate for node in nodes for predicate, _ in node.props])
    return CompiledNQuads(
        "".join(out).encode("utf-8"), quads, len(blank), predicates, ("tree", predicates)
    )


def _compiled_nodes(
    document: Mapping[str, Any], loader: DocumentLoader | None
) -> list[_Built] | None:
    context = document.get("@context")
    if type(context) is not list or len(context) != 3 or tuple(context) != MARK_CONTEXT_URLS:
        return None
    types = document.get("type")
    shape = _PROOF_CONFIG if types == "DataIntegrityProof" else _CREDENTIAL
    if not loader_serves_bundled(loader):
        return None
    builder = _Builder()
    try:
        builder.node(document, shape, None, top=True)
    except NotCompiledError:
        return None
    return builder.nodes


def _blank_labels(nodes: list[_Built]) -> dict[int, str]:
    blank = [index for index, node in enumerate(nodes) if node.iri is None]
    return {index: f"_:b{number}" for number, index in enumerate(blank)}


def _safe_string(value: Any) -> str:
    if type(value) is not str or not value.isprintable() or '"' in value or "\\" in value:
        raise NotCompiledError
    return value


def check_iri(value: Any) -> str:
    """An IRI value's N-Quads term. :raises NotCompiledError: not a plain absolute IRI."""
    if type(value) is not str or not _IRI.match(value):
        raise NotCompiledError
    return f"<{value}>"


def check_string(value: Any) -> str:
    """A string value's N-Quads literal. :raises NotCompiledError: it would need escaping."""
    return '"' + _safe_string(value) + '"'


def check_datetime(value: Any) -> str:
    """An xsd:dateTime value's literal (the text as given, like the contexts' coercion)."""
    return '"' + _safe_string(value) + _DATETIME_SUFFIX


def check_typed(suffix: str, value: Any) -> str:
    """A typed literal (``suffix`` is its ``"^^<datatype>``)."""
    return '"' + _safe_string(value) + suffix


def check_integer(value: Any) -> str:
    """An xsd:integer literal. :raises NotCompiledError: not an int in [0, 2^53)."""
    if type(value) is not int or not 0 <= value < _MAX_INTEGER:
        raise NotCompiledError
    return f'"{value}{_INTEGER_SUFFIX}'


def check_vocab(names: Mapping[str, str], value: Any) -> str:
    """A vocabulary name's IRI term (``names``: name -> term)."""
    target = names.get(value) if type(value) is str else None
    if target is None:
        raise NotCompiledError
    return target


class _Built:
    """A node of the document's tree: its IRI (None for a blank node), its (predicate, object)
    pairs (an object that is another node is that node's index), its parent and the predicate
    that leads here."""

    __slots__ = ("iri", "parent", "props")

    def __init__(self, iri: str | None, parent: tuple[int, str] | None) -> None:
        self.iri = iri
        self.parent = parent
        self.props: list[tuple[str, str | int]] = []


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[_Built] = []

    def node(
        self, value: Any, shape: NodeShape, parent: tuple[int, str] | None, *, top: bool = False
    ) -> int:
        if type(value) is not dict:
            raise NotCompiledError
        if "id" in value:
            if not shape.id_allowed:
                raise NotCompiledError
            built = _Built(check_iri(value["id"]), parent)
        else:
            built = _Built(None, parent)
        index = len(self.nodes)
        self.nodes.append(built)
        types = value.get("type")
        names = types if type(types) is list else [types]
        if len(names) > len(shape.types):
            raise NotCompiledError  # (a repeated type: its work stays bounded by the table)
        props = built.props
        type_terms = shape.type_terms
        for name in names:
            term = type_terms.get(name) if type(name) is str else None
            if term is None:
                raise NotCompiledError
            props.append((_RDF_TYPE, term))
        if shape.required_type not in names or len(set(names)) != len(names):
            raise NotCompiledError
        terms = shape.terms
        for key, item in value.items():
            if key == "type" or key == "id" or (top and key == "@context"):
                continue
            spec = terms.get(key)
            if spec is None:
                raise NotCompiledError
            predicate, kind, detail = spec
            obj: str | int
            if kind == "iri":
                obj = check_iri(item)
            elif kind == "string":
                obj = check_string(item)
            elif kind == "datetime":
                obj = check_datetime(item)
            elif kind == "typed":
                obj = check_typed(detail, item)
            elif kind == "integer":
                obj = check_integer(item)
            elif kind == "vocab":
                obj = check_vocab(detail, item)
            else:  # a nested node
                obj = self.node(item, detail, (index, predicate))
            props.append((predicate, obj))
        return index
