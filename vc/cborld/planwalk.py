"""A decode plan compiled to read the CBOR bytes themselves: its *walker*.

A compiled plan (:mod:`vic.vc.cborld.plancompile`) runs on the payload :mod:`cbor2` read, and
:func:`~vic.vc.cborld.decodeplan.decode_planned` then checks that cbor2 writes that payload back
as the very input (the canonicity check). For one plan, though, the canonical bytes of every
payload it answers are fixed but for its values: each map's head and keys, each array's head,
each guarded value (the ``@context`` ids, the type terms' values) and each null are constants;
only the values its codecs decode vary. :func:`compile_walker` writes one function that reads
the input as those constants and values, in the order the bytes hold them:

- each run of constant bytes must be in the input where the plan has it (``startswith``);
- each value is read as a *canonical* CBOR item (:func:`_item`): an unsigned or negative integer,
  byte or text string (valid UTF-8), null, or an array of these, each head in its shortest form
  and of definite length; anything else (a map, a tag, a float, a boolean, an indefinite or
  longer head, bytes past the end) declines;
- the input must end right after the last value;
- then the values go through the same code as the compiled plan's (the same short cuts and
  codecs, the multibase texts reported alike) and the document is built in the plan's order.

Why its answer is the compiled plan's: bytes the walker answers are the canonical CBOR of the
payload P that has the plan's keys (in order), its guarded values and the values read. cbor2 reads
canonical CBOR of these types as exactly P, writes P back as those bytes, and the compiled plan's
checks of P (map types, keys and their types, guards and their types) all hold, so the compiled
plan would answer P with the same document (its value code is the walker's). A walker that
declines sends the caller to the path it replaces (cbor2, the compiled plan, the canonicity
check), so the walker may decline anything it likes. tests/cborld/test_planwalk.py compares the
two on every byte change, truncation, lenient encoding and random value of the test corpus.

The source holds nothing but generated names, integers and lengths: constants (byte runs, guarded
values, tables) are bound to generated global names (:mod:`vic.vc.codegen`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from vic.vc.cborld.cbor import dumps as cbor_dumps
from vic.vc.cborld.cbor import encode_head
from vic.vc.cborld.context import ABSENT
from vic.vc.cborld.decodeplan import (
    _Array,
    _Decline,
    _kinds,
    _Map,
    _Node,
    _Null,
    _plural_run,
    _Value,
)
from vic.vc.cborld.plancompile import _fresh, _source, _value
from vic.vc.codegen import GeneratedSource

__all__ = ["compile_walker"]

_NULL: Final = b"\xf6"
_NO_HINT: Final = object()
_MAX_ITEM_DEPTH: Final = 8
"""The deepest array nesting a value may have (deeper ones decline: no plan takes them)."""
_MINIMUM: Final = (0, 24, 0x100, 0x10000, 0x100000000)
"""The least argument each head length may carry (1-byte argument: 24 and up, ...)."""


def _item(data: bytes, at: int, depth: int = 0) -> tuple[Any, int]:
    """The canonical CBOR item at ``data[at:]`` and where it ends; :class:`_Decline` for an item
    that is not canonical or not one a plan's value may be (see the module docstring)."""
    head = data[at]
    info = head & 31
    if info < 24:
        argument, at = info, at + 1
    elif info < 28:
        size = 1 << (info - 24)
        end = at + 1 + size
        if end > len(data):
            raise _Decline
        argument = int.from_bytes(data[at + 1 : end], "big")
        if argument < _MINIMUM[info - 23]:
            raise _Decline  # a longer head than the argument needs
        at = end
    else:
        raise _Decline  # an indefinite length, or a reserved head
    major = head >> 5
    if major == 0:
        return argument, at
    if major == 1:
        return -1 - argument, at
    if major == 2 or major == 3:
        end = at + argument
        if end > len(data):
            raise _Decline
        if major == 2:
            return data[at:end], end
        return data[at:end].decode("utf-8"), end
    if major == 4:
        if depth >= _MAX_ITEM_DEPTH or argument > len(data) - at:
            raise _Decline
        items = []
        for _ in range(argument):
            value, at = _item(data, at, depth + 1)
            items.append(value)
        return items, at
    if head == 0xF6:
        return None, at
    raise _Decline  # a map, a tag, a boolean, undefined, a float


class _Walk:
    """The reading part of a walker as it is emitted: constant bytes not yet checked, and the
    variable (or constant name) holding each raw value the value code needs."""

    def __init__(self, source: GeneratedSource) -> None:
        self.source = source
        self.pending = b""

    def const(self, data: bytes) -> None:
        self.pending += data

    def flush(self) -> None:
        if self.pending:
            name, size = self.source.const(self.pending), len(self.pending)
            self.source.line(1, f"if not data.startswith({name}, at): raise _Decline")
            self.source.line(1, f"at += {size}")
            self.pending = b""

    def value(self, first: Any = _NO_HINT) -> str:
        """Emit the reading of one value: inline, the head kind the shape's first document had
        there (``first``: a small integer, a 1- or 4-byte integer, text or bytes of up to 255
        bytes), :func:`_item` for any other (each inline form reads what :func:`_item` reads)."""
        self.flush()
        line, out, end = self.source.line, self.source.var(), self.source.var()
        kind = _head_kind(first)
        if kind is None:
            line(1, f"{out}, at = _item(data, at)")
            return out
        line(1, "head = data[at]")
        if kind == "small":
            line(1, f"if head < 24: {out} = head; at += 1")
        elif kind == "int1":
            line(1, "if head == 0x18:")
            line(2, f"{out} = data[at + 1]; at += 2")
            line(2, f"if {out} < 24: raise _Decline")
        elif kind == "int4":
            line(1, "if head == 0x1A:")
            line(2, f"{out} = _from_bytes(data[at + 1 : at + 5], _BIG); at += 5")
            line(2, f"if {out} < 0x10000: raise _Decline")
        elif kind in ("text", "bytes"):
            low = 0x60 if kind == "text" else 0x40
            line(1, f"if {low} <= head < {low + 24}:")
            value = f"data[at + 1 : {end}]" + (".decode()" if kind == "text" else "")
            line(2, f"{end} = at + 1 + head - {low}; {out} = {value}; at = {end}")
        else:
            head = 0x78 if kind == "text1" else 0x58
            line(1, f"if head == {head}:")
            line(2, f"{end} = data[at + 1]")
            line(2, f"if {end} < 24: raise _Decline")
            value = f"data[at + 2 : {end}]" + (".decode()" if kind == "text1" else "")
            line(2, f"{end} += at + 2; {out} = {value}; at = {end}")
        line(1, f"else: {out}, at = _item(data, at)")
        return out


def _head_kind(first: Any) -> str | None:
    """The inline form for a value like ``first`` (None: :func:`_item` alone)."""
    kind = type(first)
    if kind is int:
        if 0 <= first < 24:
            return "small"
        if 24 <= first < 0x100:
            return "int1"
        if 0x10000 <= first < 0x100000000:
            return "int4"
    elif kind is str or kind is bytes:
        size = len(first.encode()) if kind is str else len(first)
        name = "text" if kind is str else "bytes"
        if size < 24:
            return name
        if size < 0x100:
            return name + "1"
    return None


def _read_map(walk: _Walk, node: _Map, raws: dict[int, Any], first: Any = _NO_HINT) -> bool:
    """Emit the reading of map ``node``; ``raws[id(node)]`` maps each of its keys to what holds
    the raw value (a variable, or the guarded value itself). False: a key the walker cannot
    place (neither guarded nor read by an entry) or of another type. ``first``: the raw map of
    the shape's first document (which head each value is read inline for)."""
    guards = {key: expected for key, expected, _ in node.guards}
    entries: dict[Any, tuple[bool, tuple[_Node, ...]]] = {}
    for _, key, plural, nodes in node.entries:
        entries.setdefault(key, (plural, nodes))
    held: dict[Any, Any] = {}
    raws[id(node)] = held
    walk.const(encode_head(5, len(node.keys)))
    for key in node.keys:
        if type(key) is not int and type(key) is not str:
            return False
        walk.const(cbor_dumps(key))
        if key in guards:
            walk.const(cbor_dumps(guards[key]))
            held[key] = ("const", guards[key])
            continue
        if key not in entries:
            return False
        plural, nodes = entries[key]
        hint = _part(first, key)
        if plural:
            walk.const(encode_head(4, len(nodes)))
            items = []
            for index, item in enumerate(nodes):
                read = _read_node(walk, item, raws, _part(hint, index))
                if read is None:
                    return False
                items.append(read)
            held[key] = ("items", items)
        else:
            read = _read_node(walk, nodes[0], raws, hint)
            if read is None:
                return False
            held[key] = read
    return True


def _part(first: Any, key: Any) -> Any:
    """``first[key]`` of the first document's raw value, if it has it."""
    try:
        return first[key]
    except Exception:
        return _NO_HINT


def _read_node(walk: _Walk, node: _Node, raws: dict[int, Any], first: Any = _NO_HINT) -> Any:
    """Emit the reading of ``node``'s raw value; what holds it, or None if it cannot be read."""
    if type(node) is _Map:
        return ("map",) if _read_map(walk, node, raws, first) else None
    if type(node) is _Null:
        walk.const(_NULL)
        return ("null",)
    if type(node) is _Array:
        walk.const(encode_head(4, len(node.items)))
        items = []
        for index, item in enumerate(node.items):
            read = _read_node(walk, item, raws, _part(first, index))
            if read is None:
                return None
            items.append(read)
        return ("items", items)
    if type(node) is _Value:
        return ("var", walk.value(first))
    return None


def _raw(source: GeneratedSource, held: Any) -> str:
    """An expression of the raw value ``held`` stands for (a variable, or a guarded constant)."""
    if held[0] == "var":
        return str(held[1])
    if held[0] == "const":
        return source.const(held[1])
    raise _Decline  # (never: the value code reads only values and guarded constants)


def _output_map(source: GeneratedSource, node: _Map, raws: dict[int, Any]) -> str:
    """Emit the value code of map ``node`` (as :func:`plancompile._map` does after its checks);
    return the expression of its output."""
    held = raws[id(node)]
    guarded = {key: expected for key, expected, _ in node.guards}
    outputs: list[tuple[str, str]] = []
    if node.context is not ABSENT:
        outputs.append((source.const("@context"), _fresh(source, node.context)))
    for term, key, plural, nodes in node.entries:
        outputs.append(
            (source.const(term), _output_entry(source, key, plural, nodes, guarded, held, raws))
        )
    return "{" + "".join(f"{k}: {v}, " for k, v in outputs) + "}"


def _output_entry(
    source: GeneratedSource,
    key: Any,
    plural: bool,
    nodes: tuple[_Node, ...],
    guarded: dict[Any, Any],
    held: dict[Any, Any],
    raws: dict[int, Any],
) -> str:
    if key in guarded:
        if _kinds(guarded[key]) is not None:
            run: Callable[[Any], Any] = _plural_run(nodes) if plural else nodes[0].run
            try:
                output = run(guarded[key])
            except Exception:
                output = ABSENT
            if output is not ABSENT:
                return _fresh(source, output)
        variable = source.var()  # the value code on the guarded value (as the compiled plan)
        source.line(1, f"{variable} = {source.const(guarded[key])}")
        return _output_of_raw(source, nodes, plural, variable)
    read = held[key]
    if plural:
        items = [
            _output_node(source, item, part, raws)
            for item, part in zip(nodes, read[1], strict=True)
        ]
        return "[" + "".join(f"{item}, " for item in items) + "]"
    return _output_node(source, nodes[0], read, raws)


def _output_of_raw(
    source: GeneratedSource, nodes: tuple[_Node, ...], plural: bool, raw: str
) -> str:
    """A guarded value's output by the nodes' own ``run`` (the value code of a raw constant)."""
    run = source.const(_plural_run(nodes) if plural else nodes[0].run)
    output = source.var()
    source.line(1, f"{output} = {run}({raw})")
    return output


def _output_node(source: GeneratedSource, node: _Node, read: Any, raws: dict[int, Any]) -> str:
    if type(node) is _Map:
        return _output_map(source, node, raws)
    if type(node) is _Null:
        return "None"
    if type(node) is _Array:
        items = [
            _output_node(source, item, part, raws)
            for item, part in zip(node.items, read[1], strict=True)
        ]
        return "[" + "".join(f"{item}, " for item in items) + "]"
    assert type(node) is _Value
    return _value(source, node, _raw(source, read), 1)


def compile_walker(root: _Map, first: Any = _NO_HINT) -> Callable[..., dict[str, Any]] | None:
    """The walker of a plan whose tree is ``root`` (see the module docstring), its values' common
    heads read inline as they were in ``first``, the raw payload of the shape's first document:
    ``walker(data, at, found=None)`` decodes the payload at ``data[at:]`` to the end, appending to
    ``found`` (text, bytes) for each multibase text it writes from bytes; None if the plan holds
    a key or node the walker cannot place."""
    source = _source()
    source.names.update(_item=_item, _from_bytes=int.from_bytes, _BIG="big")
    source.line(0, "def walk(data, at, found=None):")
    walk = _Walk(source)
    raws: dict[int, Any] = {}
    if not _read_map(walk, root, raws, first):
        return None
    walk.flush()
    source.line(1, "if at != len(data): raise _Decline")
    output = _output_map(source, root, raws)
    source.line(1, f"return {output}")
    walker: Callable[..., dict[str, Any]] = source.define("walk", "<decode plan walker>")
    return walker
