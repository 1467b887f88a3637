"""A decode plan compiled to one Python function (:mod:`vic.vc.cborld.decodeplan`).

Running a plan's tree of nodes costs a method call per value, a tuple per map and a copy of each
constant. :func:`compile_plan` unrolls the tree into the source of one function, compiled once
per plan, that does the same checks in the same order and raises the same exceptions
(:class:`~vic.vc.cborld.decodeplan._Decline` where a node declines, the codecs' errors where a
node's general codec raises), and builds the same document:

- a map's keys, key types and guards checked as :meth:`_Map.run` checks them, its entries'
  values computed in the plan's order, then the output built as one dict display;
- a value whose raw form a guard fixes (the ``@context`` ids, the type terms' values) is the
  output the node gives that raw form, computed once at compile time (a node's output depends
  only on its raw value and the plan's own state, which is a snapshot no document changes); it is
  built afresh on every call (a document shares no array or object with another);
- each other value takes its node's short cuts inline for the common raw forms (text of a type
  with no codec, a code of the type's table, a term id of a URL, epoch seconds of a dateTime,
  base58btc bytes of a multibase value, the 16 bytes of a ``urn:uuid`` URL), each the very test
  :meth:`_Value.run` makes, and calls the node's ``run`` for anything else. A multibase text
  written from bytes can be reported with its bytes (so that the proof check need not decode
  the base58btc it was just given: :func:`vic.did.multibase.remember_decoded`).

The source holds nothing but generated names, integer keys and lengths: every constant of the
plan (keys, guards, tables, terms, bound methods) is passed to :func:`exec` in the function's
globals, and plans come only from documents the general walk decoded (never from input text).
tests/cborld/test_plancompile.py runs the compiled function against the tree on every payload
change of the test corpus: same document, same decline, same error.
"""

from __future__ import annotations

from collections.abc import Callable
from time import gmtime, strftime
from typing import Any

from vic.did.multibase import base58btc_encode
from vic.vc.cborld.codecs import _ISO_FORMAT as ISO_FORMAT
from vic.vc.cborld.codecs import _MAX_JS_SECONDS as MAX_JS_SECONDS
from vic.vc.cborld.codecs import _YEAR_10000 as YEAR_10000
from vic.vc.cborld.codecs import iso_datetime, uuid_text
from vic.vc.cborld.context import ABSENT
from vic.vc.cborld.decodeplan import (
    _INT_MAX,
    _INT_MIN,
    _MAX_SHORT_BASE58,
    _UUID_SCHEME,
    _Array,
    _Decline,
    _kinds,
    _Map,
    _Node,
    _Null,
    _plural_run,
    _same,
    _Value,
)
from vic.vc.codegen import GeneratedSource

__all__ = ["compile_plan"]


def _source() -> GeneratedSource:
    """An empty decode plan function's source, with the names every plan uses."""
    return GeneratedSource(
        {
            "_Decline": _Decline,
            "_same": _same,
            "_b58": base58btc_encode,
            "_BZ": b"z",
            "_Z": "z",
            "_iso": iso_datetime,
            "_strftime": strftime,
            "_gmtime": gmtime,
            "_ISO_FORMAT": ISO_FORMAT,
            "_uuid": uuid_text,
            "_URN_UUID": "urn:uuid:",
            "_dict": dict,
            "_list": list,
            "_str": str,
            "_int": int,
            "_bytes": bytes,
        }
    )


def _key(source: GeneratedSource, key: Any) -> str:
    """How the source names a map key: an int literally, anything else as a constant."""
    if type(key) is int:
        return repr(key)
    return source.const(key)


def _fresh(source: GeneratedSource, value: Any) -> str:
    """An expression building a fresh copy of the JSON value ``value`` (arrays and objects new on
    every call, as :func:`vic.vc.cborld.decodeplan._fresh` copies them)."""
    if isinstance(value, list):
        return "[" + "".join(_fresh(source, item) + ", " for item in value) + "]"
    if isinstance(value, dict):
        items = "".join(f"{source.const(k)}: {_fresh(source, v)}, " for k, v in value.items())
        return "{" + items + "}"
    if value is None:
        return "None"
    return source.const(value)


def _map(source: GeneratedSource, node: _Map, raw: str, indent: int) -> str:
    """Emit the checks and values of map ``node`` (raw value in variable ``raw``); return the
    expression of its output."""
    keys, key_types = source.const(node.keys), source.const(node.key_types)
    source.line(
        indent,
        f"if type({raw}) is not _dict or tuple({raw}) != {keys} "
        f"or tuple(map(type, {raw})) != {key_types}: raise _Decline",
    )
    guarded: dict[Any, Any] = {}
    for key, expected, kinds in node.guards:
        value = source.var()
        source.line(indent, f"{value} = {raw}[{_key(source, key)}]")
        name, kind = source.const(expected), source.const(type(expected))
        source.line(indent, f"if {value} != {name} or type({value}) is not {kind}: raise _Decline")
        if kinds is None:
            source.line(indent, f"if not _same({value}, {name}): raise _Decline")
        elif kinds:
            source.line(indent, f"if tuple(map(type, {value})) != {source.const(kinds)}: ")
            source.line(indent + 1, "raise _Decline")
        guarded[key] = expected
    outputs: list[tuple[str, str]] = []
    if node.context is not ABSENT:
        outputs.append((source.const("@context"), _fresh(source, node.context)))
    for term, key, plural, nodes in node.entries:
        output = _entry(source, raw, key, plural, nodes, guarded, indent)
        outputs.append((source.const(term), output))
    return "{" + "".join(f"{k}: {v}, " for k, v in outputs) + "}"


def _entry(
    source: GeneratedSource,
    raw: str,
    key: Any,
    plural: bool,
    nodes: tuple[_Node, ...],
    guarded: dict[Any, Any],
    indent: int,
) -> str:
    """Emit one entry of a map; return the expression of its output."""
    if key in guarded and _kinds(guarded[key]) is not None:
        run: Callable[[Any], Any] = _plural_run(nodes) if plural else nodes[0].run
        try:
            output = run(guarded[key])
        except Exception:
            output = ABSENT
        if output is not ABSENT:
            return _fresh(source, output)
    value = source.var()
    source.line(indent, f"{value} = {raw}[{_key(source, key)}]")
    if not plural:
        return _node(source, nodes[0], value, indent)
    source.line(
        indent, f"if type({value}) is not _list or len({value}) != {len(nodes)}: raise _Decline"
    )
    items = []
    for index, item in enumerate(nodes):
        element = source.var()
        source.line(indent, f"{element} = {value}[{index}]")
        items.append(_node(source, item, element, indent))
    return "[" + "".join(f"{item}, " for item in items) + "]"


def _node(source: GeneratedSource, node: _Node, raw: str, indent: int) -> str:
    """Emit ``node`` run on variable ``raw``; return the expression of its output."""
    if type(node) is _Map:
        return _map(source, node, raw, indent)
    if type(node) is _Null:
        source.line(indent, f"if {raw} is not None: raise _Decline")
        return "None"
    if type(node) is _Array:
        count = len(node.items)
        source.line(indent, f"if type({raw}) is not _list or len({raw}) != {count}: raise _Decline")
        items = []
        for index, item in enumerate(node.items):
            element = source.var()
            source.line(indent, f"{element} = {raw}[{index}]")
            items.append(_node(source, item, element, indent))
        return "[" + "".join(f"{item}, " for item in items) + "]"
    if type(node) is _Value:
        return _value(source, node, raw, indent)
    output = source.var()  # a node kind this compiler does not know: run it
    source.line(indent, f"{output} = {source.const(node.run)}({raw})")
    return output


def _value(source: GeneratedSource, node: _Value, raw: str, indent: int) -> str:
    """Emit a value's short cuts inline (each as :meth:`_Value.run` tests it), its ``run`` for
    anything else; return the variable of its output."""
    out, kind, run = source.var(), source.var(), source.const(node.run)
    int_codes = any(type(code) is int for code in node.codes)
    bytes_codes = any(type(code) is bytes for code in node.codes)
    codes = source.const(node.codes)
    table = source.const(node.table)
    source.line(indent, f"{kind} = type({raw})")
    if node.str_plain:
        test = f" and {raw} not in {table}" if node.table else ""
        source.line(indent, f"if {kind} is _str{test}: {out} = {raw}")
        keyword = "elif"
    else:
        keyword = "if"
    int_tail = node.int_plain or node.url_terms or node.datetime
    if int_codes or int_tail:
        source.line(indent, f"{keyword} {kind} is _int:")
        inner = indent + 1
        if int_codes:
            source.line(inner, f"{out} = {codes}.get({raw})")
            source.line(inner, f"if {out} is None:")
            inner += 1
        if node.int_plain:
            source.line(inner, f"if {_INT_MIN} <= {raw} <= {_INT_MAX}: {out} = {raw}")
            source.line(inner, f"else: {out} = {run}({raw})")
        elif node.url_terms:
            term = source.var()
            id_to_term, term_to_id = source.const(node.id_to_term), source.const(node.term_to_id)
            source.line(inner, f"{term} = None if {raw} & 1 else {id_to_term}.get({raw})")
            source.line(
                inner,
                f"if {term} is not None and {term} not in {table} "
                f"and {term_to_id}[{term}] == {raw}: {out} = {term}",
            )
            source.line(inner, f"else: {out} = {run}({raw})")
        elif node.datetime:  # iso_datetime's own first branch inline, then iso_datetime
            source.line(
                inner,
                f"if 0 <= {raw} < {YEAR_10000}: {out} = _strftime(_ISO_FORMAT, _gmtime({raw}))",
            )
            source.line(
                inner,
                f"elif {-MAX_JS_SECONDS} <= {raw} <= {MAX_JS_SECONDS}: {out} = _iso({raw})",
            )
            source.line(inner, f"else: {out} = {run}({raw})")
        else:
            source.line(inner, f"{out} = {run}({raw})")
        keyword = "elif"
    if bytes_codes or node.multibase:
        source.line(indent, f"{keyword} {kind} is _bytes:")
        inner = indent + 1
        if bytes_codes:
            source.line(inner, f"{out} = {codes}.get({raw})")
            source.line(inner, f"if {out} is None:")
            inner += 1
        if node.multibase:
            source.line(inner, f"if {raw}[:1] == _BZ and len({raw}) <= {_MAX_SHORT_BASE58}:")
            source.line(inner + 1, f"{out} = _Z + _b58({raw}[1:])")
            source.line(inner + 1, f"if found is not None: found.append(({out}, {raw}[1:]))")
            source.line(inner, f"else: {out} = {run}({raw})")
        else:
            source.line(inner, f"{out} = {run}({raw})")
        keyword = "elif"
    if node.url_terms:  # a compressed urn:uuid: [scheme, its 16 bytes]
        source.line(indent, f"{keyword} {kind} is _list:")
        uuid, scheme = source.var(), _UUID_SCHEME
        source.line(
            indent + 1,
            f"{uuid} = _uuid({raw}[1]) if len({raw}) == 2 and type({raw}[0]) is _int "
            f"and {raw}[0] == {scheme} and type({raw}[1]) is _bytes else None",
        )
        term_to_id = source.const(node.term_to_id)
        source.line(
            indent + 1,
            f"if {uuid} is not None and ({uuid} := _URN_UUID + {uuid}) not in {table} "
            f"and {uuid} not in {term_to_id}: {out} = {uuid}",
        )
        source.line(indent + 1, f"else: {out} = {run}({raw})")
        keyword = "elif"
    if keyword == "if":
        source.line(indent, f"{out} = {run}({raw})")
    else:
        source.line(indent, f"else: {out} = {run}({raw})")
    return out


def compile_plan(root: _Map) -> Callable[..., dict[str, Any]]:
    """One function doing what ``root.run`` does (see the module docstring); given a list as
    its second argument, it appends to it (text, bytes) for each multibase text it writes from
    bytes (the text object in the document, and the bytes it encodes)."""
    source = _source()
    source.line(0, "def run(raw, found=None):")
    output = _map(source, root, "raw", 1)
    source.line(1, f"return {output}")
    run: Callable[..., dict[str, Any]] = source.define("run", "<decode plan>")
    return run
