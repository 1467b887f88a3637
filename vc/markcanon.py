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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from vic.contexts.errors import UnknownContextError
from vic.contexts.loader import DocumentLoader, context_document
from vic.vc.rdfc import Quad

__all__ = ["MARK_CONTEXT_URLS", "compiled_quads"]

MARK_CONTEXT_URLS: Final = (
    "https://www.w3.org/ns/credentials/v2",
    "https://w3id.org/vc-barcodes/v1",
    "https://w3id.org/vehicle-inspection/v1",
)

_CRED = "https://www.w3.org/2018/credentials#"
_SEC = "https://w3id.org/security#"
_VI = "https://w3id.org/vehicle-inspection#"
_BC = "https://w3id.org/vc-barcodes#"
_SCHEMA = "https://schema.org/"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

_IRI = re.compile(r"(?:https?://|did:|urn:)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*\Z")
_MAX_INTEGER = 2**53


@dataclass(frozen=True)
class _Node:
    """A node shape: its types (term -> IRI), which must include ``required_type``, and its
    properties (key -> (predicate IRI, value kind, detail))."""

    types: Mapping[str, str]
    required_type: str
    properties: Mapping[str, tuple[str, str, Any]] = field(default_factory=dict)
    id_allowed: bool = False


_STATUS = _Node(
    types={"TerseBitstringStatusListEntry": _BC + "TerseBitstringStatusListEntry"},
    required_type="TerseBitstringStatusListEntry",
    properties={
        "terseStatusListBaseUrl": (_BC + "terseStatusListBaseUrl", "iri", None),
        "terseStatusListIndex": (_BC + "terseStatusListIndex", "integer", None),
    },
)
_SUBJECT = _Node(
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
_CREDENTIAL = _Node(
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
_PROOF_CONFIG = _Node(
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


class _NotCompiled(Exception):
    """The document is not one the table fully understands."""


def _loader_serves_bundled(loader: DocumentLoader | None) -> bool:
    if loader is None:
        return True
    if type(loader) is not DocumentLoader:
        return False
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
    context = document.get("@context")
    if not isinstance(context, list) or tuple(context) != MARK_CONTEXT_URLS:
        return None
    types = document.get("type")
    shape = _PROOF_CONFIG if types == "DataIntegrityProof" else _CREDENTIAL
    if not _loader_serves_bundled(loader):
        return None
    builder = _Builder()
    try:
        builder.node(document, shape, top=True)
    except _NotCompiled:
        return None
    return builder.quads


def _safe_string(value: Any) -> str:
    if type(value) is not str or not value.isprintable() or '"' in value or "\\" in value:
        raise _NotCompiled
    return value


def _iri(value: Any) -> str:
    if type(value) is not str or not _IRI.match(value):
        raise _NotCompiled
    return f"<{value}>"


class _Builder:
    def __init__(self) -> None:
        self.quads: list[Quad] = []
        self._blank_nodes = 0

    def node(self, value: Any, shape: _Node, *, top: bool = False) -> str:
        if type(value) is not dict:
            raise _NotCompiled
        if "id" in value:
            if not shape.id_allowed:
                raise _NotCompiled
            subject = _iri(value["id"])
        else:
            subject = f"_:b{self._blank_nodes}"
            self._blank_nodes += 1
        types = value.get("type")
        names = types if type(types) is list else [types]
        objects = []
        for name in names:
            iri = shape.types.get(name) if type(name) is str else None
            if iri is None:
                raise _NotCompiled
            objects.append(f"<{iri}>")
        if shape.required_type not in names or len(set(names)) != len(names):
            raise _NotCompiled
        quads = self.quads
        for obj in objects:
            quads.append((subject, _RDF_TYPE, obj, ""))
        for key, item in value.items():
            if key in ("type", "id") or (top and key == "@context"):
                continue
            spec = shape.properties.get(key)
            if spec is None:
                raise _NotCompiled
            predicate, kind, detail = spec
            if kind == "iri":
                obj = _iri(item)
            elif kind == "string":
                obj = f'"{_safe_string(item)}"'
            elif kind == "datetime":
                obj = f'"{_safe_string(item)}"^^<{_XSD}dateTime>'
            elif kind == "typed":
                obj = f'"{_safe_string(item)}"^^<{detail}>'
            elif kind == "integer":
                if type(item) is not int or not 0 <= item < _MAX_INTEGER:
                    raise _NotCompiled
                obj = f'"{item}"^^<{_XSD}integer>'
            elif kind == "vocab":
                target = detail.get(item) if type(item) is str else None
                if target is None:
                    raise _NotCompiled
                obj = f"<{target}>"
            else:  # a nested node
                obj = self.node(item, detail)
            quads.append((subject, f"<{predicate}>", obj, ""))
        return subject
