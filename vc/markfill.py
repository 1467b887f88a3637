"""A template of :mod:`vic.vc.marktemplate` compiled to one Python function (its *filler*).

Filling a template slot by slot costs a check call per value, an encode per value and a join per
text. :func:`compile_filler` writes the source of one function per template that, given a
document, does the same work inline and answers the same result:

- the structure first: the document is the template's structure (each node's key set and type
  names, the node keys absent from it absent from the document) or the function answers
  :data:`MISMATCH` (the caller then looks the structure up, as before). Key sets are compared by
  their length and a lookup of each key (distinct keys, the same count: the same set); the type
  names by type and ``==``. This is only ever as strict as the structure's equality or stricter;
- each value as :mod:`vic.vc.markcanon`'s ``check_*`` takes it, or ``None`` (declined): IRIs all
  matched at once (joined by a space, which no IRI holds, against a pattern of as many IRIs),
  strings and the other values joined by ``"`` (which neither a valid IRI nor an accepted string
  holds) and checked at once (printable, no ``\\``, as many ``"`` as separators), integers by
  type and range, vocabulary names looked up in the table;
- the values in UTF-8 by one ``encode`` of that joined text, split at the ``"``; the blank nodes'
  first-degree quads and the canonical text each one ``bytes.join`` of constants and values;
  the blank nodes ordered by their raw SHA-256/384 digests (the same order as their hex form), two
  equal digests declined (the general algorithm decides).

The source holds only generated names and integers: every constant (keys, type names, text
pieces, patterns, tables) is passed to :func:`exec` in the function's globals, and templates come
only from structures the table understands (never from values).
tests/canonicalization/test_markfill.py compares the fillers with the tree builder and pyld.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from vic.vc.codegen import GeneratedSource
from vic.vc.hashes import hash_constructor
from vic.vc.markcanon import CompiledNQuads, iri_pattern

__all__ = ["MISMATCH", "Filler", "NodeGuard", "Slot", "compile_filler"]

MISMATCH: Final = object()
"""What a filler answers for a document of another structure."""

Filler = Callable[[dict[str, Any], str], Any]
"""``filler(document, hash_algorithm)``: a :class:`CompiledNQuads`, None or :data:`MISMATCH`."""

_IRI_BODY = iri_pattern.removesuffix(r"\Z")
"""An IRI value's pattern without its end (one of several joined by spaces)."""
_MAX_INTEGER = 2**53


class NodeGuard:
    """One node of the structure: its container (0 the document, i the i-th nested node, found
    at the document's key ``via``), its keys and its ``type`` value."""

    __slots__ = ("container", "keys", "types", "via")

    def __init__(
        self, container: int, via: str | None, keys: Sequence[str], types: str | list[str]
    ) -> None:
        self.container = container
        self.via = via
        self.keys = tuple(keys)
        self.types = types


class Slot:
    """One value: its container, key and kind (``iri``, ``string``, ``datetime``, ``typed``,
    ``integer`` or ``vocab``, whose detail is its table name -> N-Quads term)."""

    __slots__ = ("container", "detail", "key", "kind")

    def __init__(self, container: int, key: str, kind: str, detail: Any) -> None:
        self.container = container
        self.key = key
        self.kind = kind
        self.detail = detail


Pieces = Sequence[str | int]
"""A text: constant N-Quads pieces and slot numbers (the slot's bare value goes there)."""


def _source() -> GeneratedSource:
    """An empty filler's source, with the names every filler uses."""
    return GeneratedSource(
        {
            "_dict": dict,
            "_list": list,
            "_str": str,
            "_int": int,
            "_len": len,
            "_join": b"".join,
            "_hash": hash_constructor,
            "_MISMATCH": MISMATCH,
            "_new": tuple.__new__,
            "_NQ": CompiledNQuads,
        }
    )


def compile_filler(
    guards: Sequence[NodeGuard],
    slots: Sequence[Slot],
    first_degree: Sequence[Pieces],
    orders: Mapping[tuple[int, ...], Pieces],
    fields: Callable[[tuple[int, ...]], tuple[Any, ...]],
) -> Filler:
    """The filler of one template: ``guards`` (the structure, the document's node first),
    ``slots`` (its values, by number), ``first_degree`` (per blank node, its sorted first-degree
    quads: the node's own label ``_:a``, any other blank node's ``_:z``), ``orders`` (the
    canonical text per order of the blank nodes, by index) and ``fields`` (the other fields of
    the :class:`CompiledNQuads` answered for an order)."""
    src = _source()
    src.line(0, "def fill(d, algorithm):")
    values = _guard(src, guards)
    terms = _values(src, slots, values)
    blank = len(first_degree)

    def answer(depth: int, order: tuple[int, ...]) -> None:
        text = _text(src, orders[order], terms)
        src.line(depth, f"return _new(_NQ, ({text},) + {src.const(fields(order))})")

    if blank < 2:
        answer(1, tuple(range(blank)))
    else:
        src.line(1, "new = _hash(algorithm)")
        for index, pieces in enumerate(first_degree):
            src.line(1, f"h{index} = new({_text(src, pieces, terms)}).digest()")
        digests = ", ".join(f"h{index}" for index in range(blank))
        src.line(1, f"if _len({{{digests}}}) != {blank}:")
        src.line(2, "return None  # (the general algorithm decides)")
        if blank == 2:
            src.line(1, "if h0 < h1:")
            answer(2, (0, 1))
            answer(1, (1, 0))
        else:
            src.line(1, f"order = tuple(sorted(range({blank}), key=({digests},).__getitem__))")
            for order in orders:
                src.line(1, f"if order == {order!r}:")
                answer(2, order)
            src.line(1, "return None")
    filler: Filler = src.define("fill", "<mark filler>")
    return filler


def _guard(src: GeneratedSource, guards: Sequence[NodeGuard]) -> dict[tuple[int, str], str]:
    """Answer MISMATCH unless each node has the guard's keys and types; bind each value (the
    answer: each value's name by container and key)."""
    src.line(1, "try:")
    for guard in guards:
        node = f"n{guard.container}"
        if guard.container == 0:
            src.line(2, f"if _len(d) != {len(guard.keys)}:")
            src.line(3, "return _MISMATCH")
            node = "d"
        else:
            src.line(2, f"{node} = d[{src.const(guard.via)}]")
            src.line(2, f"if type({node}) is not _dict or _len({node}) != {len(guard.keys)}:")
            src.line(3, "return _MISMATCH")
        for number, key in enumerate(guard.keys):
            src.line(2, f"k{guard.container}_{number} = {node}[{src.const(key)}]")
        kind = "_list" if type(guard.types) is list else "_str"
        at = guard.keys.index("type")
        src.line(2, f"types = k{guard.container}_{at}")
        src.line(2, f"if type(types) is not {kind} or types != {src.const(guard.types)}:")
        src.line(3, "return _MISMATCH")
    src.line(1, "except KeyError:")
    src.line(2, "return _MISMATCH")
    return {
        (guard.container, key): f"k{guard.container}_{number}"
        for guard in guards
        for number, key in enumerate(guard.keys)
    }


def _values(
    src: GeneratedSource, slots: Sequence[Slot], at: Mapping[tuple[int, str], str]
) -> list[str]:
    """Check every value (None if one is declined); answer each slot's bytes' name."""
    names = [at[(slot.container, slot.key)] for slot in slots]
    terms: list[str] = [""] * len(slots)
    texts = [i for i, slot in enumerate(slots) if slot.kind in ("string", "datetime", "typed")]
    integers = [i for i, slot in enumerate(slots) if slot.kind == "integer"]
    strings = [names[i] for i, slot in enumerate(slots) if slot.kind != "integer"]
    if strings:
        src.line(1, f"if not ({' is '.join(f'type({n})' for n in strings)} is _str):")
        src.line(2, "return None")
    for i in integers:
        src.line(1, f"if type({names[i]}) is not _int or not 0 <= {names[i]} < {_MAX_INTEGER}:")
        src.line(2, "return None")
    iris = [i for i, slot in enumerate(slots) if slot.kind == "iri"]
    if iris:
        # one text of the IRIs, joined by ' ': matched and encoded once
        pattern = re.compile(" ".join([_IRI_BODY] * len(iris)) + r"\Z")
        joined = " ".join(f"{{{names[i]}}}" for i in iris)
        src.line(1, f"i = f{joined!r}")
        src.line(1, f"if {src.const(pattern.match)}(i) is None:")
        src.line(2, "return None")
        _split(src, "i", " ", iris, terms)
    for i, slot in enumerate(slots):
        if slot.kind == "vocab":
            table = {name: term.encode("utf-8") for name, term in slot.detail.items()}
            src.line(1, f"t{i} = {src.const(table)}.get({names[i]})")
            src.line(1, f"if t{i} is None:")
            src.line(2, "return None")
            terms[i] = f"t{i}"
    # one text of the strings and integers, joined by '"': checked and encoded once
    joined_slots = [*texts, *integers]
    if joined_slots:
        fields = '"'.join(f"{{{names[i]}}}" for i in joined_slots)
        src.line(1, f"j = f{fields!r}")
        if texts:
            src.line(1, f"if j.count('\"') != {len(joined_slots) - 1} or '\\\\' in j:")
            src.line(2, "return None")
            src.line(1, "if not j.isprintable():")
            src.line(2, "return None")
        _split(src, "j", '"', joined_slots, terms)
    return terms


def _split(
    src: GeneratedSource, text: str, separator: str, slots: Sequence[int], terms: list[str]
) -> None:
    """Encode ``text`` and name its parts (the values of ``slots``, joined by ``separator``)."""
    if len(slots) == 1:
        src.line(1, f"v{slots[0]} = {text}.encode()")
    else:
        targets = ", ".join(f"v{i}" for i in slots)
        src.line(1, f"{targets} = {text}.encode().split({separator.encode()!r})")
    for i in slots:
        terms[i] = f"v{i}"


def _text(src: GeneratedSource, pieces: Pieces, terms: Sequence[str]) -> str:
    """The expression joining ``pieces`` (constants merged) in UTF-8."""
    parts: list[str] = []
    constant = ""
    for piece in pieces:
        if isinstance(piece, str):
            constant += piece
            continue
        if constant:
            parts.append(src.const(constant.encode("utf-8")))
            constant = ""
        parts.append(terms[piece])
    if constant:
        parts.append(src.const(constant.encode("utf-8")))
    return f"_join(({', '.join(parts)},))"
