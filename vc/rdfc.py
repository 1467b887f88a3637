"""RDFC-1.0 for the common case: every blank node told apart by its first-degree hash.

A dataset whose blank nodes all have distinct first-degree hashes (a mark, its proof
configuration, a status list credential: every one vic signs) is canonicalized by RDFC-1.0
steps 1-5 alone: each blank node gets its canonical identifier in the order of its hash, no
N-degree hashing is needed. :func:`simple_canonical_nquads` does exactly that, on quads held as
their N-Quads term strings, and answers None for any other dataset: the caller then runs the
general, bounded algorithm (:func:`vic.vc.jsonld.canonicalize_expanded`). Its output is
byte-identical to pyld's URDNA2015 on every dataset it accepts (tests/canonicalization).

The work is linear in the quads (a few string joins and one hash per blank node), so it needs no
work bound beyond the quad and blank node caps its callers apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from vic.vc.hashes import hash_constructor

__all__ = ["Quad", "pyld_quads", "simple_canonical_nquads"]

Quad = tuple[str, str, str, str]
"""Subject, predicate, object and graph name as N-Quads terms (graph "" for the default)."""


def _line(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"


def simple_canonical_nquads(quads: Sequence[Quad], hash_algorithm: str = "sha256") -> str | None:
    """The RDFC-1.0 canonical N-Quads of ``quads``, or None when two blank nodes share a
    first-degree hash (the caller must then use the general algorithm).

    ``quads`` holds each quad once, as pyld's dataset would (terms already serialized: ``<iri>``,
    ``_:label``, an escaped literal with its datatype or language).
    """
    mentions: dict[str, list[Quad]] = {}
    for quad in quads:
        s, _, o, g = quad
        # as pyld: a quad is listed once per position a blank node takes in it
        if s[:2] == "_:":
            mentions.setdefault(s, []).append(quad)
        if o[:2] == "_:":
            mentions.setdefault(o, []).append(quad)
        if g[:2] == "_:":
            mentions.setdefault(g, []).append(quad)
    if not mentions:
        return "".join(sorted([_line(s, p, o, g) for s, p, o, g in quads]))
    if len(mentions) == 1:
        # one blank node: its first-degree hash is unique whatever it is, so it is issued
        # _:c14n0 (RDFC-1.0 step 5) without computing the hash (a proof configuration)
        canonical = dict.fromkeys(mentions, "_:c14n0")
        return _relabelled(quads, canonical)
    new_hash = hash_constructor(hash_algorithm)
    by_hash: dict[str, str] = {}
    for node, listed in mentions.items():
        lines = []
        for s, p, o, g in listed:
            # the first-degree form: this node is _:a, any other blank node _:z
            if s[:2] == "_:":
                s = "_:a" if s == node else "_:z"
            if o[:2] == "_:":
                o = "_:a" if o == node else "_:z"
            if g:
                if g[:2] == "_:":
                    g = "_:a" if g == node else "_:z"
                lines.append(f"{s} {p} {o} {g} .\n")
            else:
                lines.append(f"{s} {p} {o} .\n")
        lines.sort()
        digest = new_hash("".join(lines).encode("utf-8")).hexdigest()
        if digest in by_hash:
            return None
        by_hash[digest] = node
    canonical = {node: f"_:c14n{i}" for i, (_, node) in enumerate(sorted(by_hash.items()))}
    return _relabelled(quads, canonical)


def _relabelled(quads: Sequence[Quad], canonical: Mapping[str, str]) -> str:
    """The sorted N-Quads of ``quads`` with every blank node given its canonical label."""
    out = []
    for s, p, o, g in quads:
        if s[:2] == "_:":
            s = canonical[s]
        if o[:2] == "_:":
            o = canonical[o]
        if g:
            if g[:2] == "_:":
                g = canonical[g]
            out.append(f"{s} {p} {o} {g} .\n")
        else:
            out.append(f"{s} {p} {o} .\n")
    out.sort()
    return "".join(out)


# --- pyld's dataset form -------------------------------------------------------------------------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _escape(value: str) -> str:
    # pyld.nquads.escape, the escaping of pyld's canonical N-Quads
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace('"', '\\"')
    )


def _term(component: Mapping[str, Any]) -> str:
    kind = component["type"]
    if kind == "IRI":
        return f"<{component['value']}>"
    if kind == "blank node":
        return str(component["value"])
    literal = f'"{_escape(component["value"])}"'
    datatype = component["datatype"]
    if datatype == _RDF_LANGSTRING:
        language = component.get("language")
        return f"{literal}@{language}" if language else literal
    if datatype != _XSD_STRING:
        return f"{literal}^^<{datatype}>"
    return literal


def pyld_quads(dataset: Mapping[str, Iterable[Mapping[str, Any]]]) -> list[Quad]:
    """The quads of a pyld RDF dataset (graph name -> triples), terms serialized as pyld does."""
    quads: list[Quad] = []
    for graph_name, triples in dataset.items():
        if graph_name == "@default":
            g = ""
        elif graph_name.startswith("_:"):
            g = graph_name
        else:
            g = f"<{graph_name}>"
        for triple in triples:
            quads.append(
                (_term(triple["subject"]), _term(triple["predicate"]), _term(triple["object"]), g)
            )
    return quads
