"""Compiled CBOR-LD decoding: a plan per payload *shape*, built by the general decoder.

Decoding a mark's CBOR-LD spends most of its time on what its shape alone decides: which contexts
apply where, which term each key id names, which codec each value takes, whether each key is the
id the encoder would write. A :class:`_Plan` remembers those decisions for one shape, as the
general walk (:class:`vic.vc.cborld.converter._Decompressor`) made them on the first document of
that shape, and :func:`decode_planned` replays them for later documents.

The shape of a payload is everything that can change those decisions: its key structure (every
map's keys, in order, with their types; every array's length), the raw values of every key the
walk reads to choose contexts (``@context`` ids and the type terms' values), the registry entry
(compared by value) and the contexts the loader serves (a plan holds only when the loader serves
the bundled documents for every URL the walk loaded, and the walk loaded no context object that
is not part of a bundled document). A plan fixes, for each value, its term, definition, ``@type``
and the term ids known at that point of the walk; the value itself is still decoded and checked by
the general codecs (:func:`vic.vc.cborld.codecs.decode_value`, then
:func:`~vic.vc.cborld.codecs.encode_value` must give the raw value back, as the walk checks).

A plan answers only documents it fully understands, and :func:`decode_planned` returns None for
anything else (the caller then runs the general decoder, which gives every error): the bytes must
be the CBOR-LD 1.0 tag, the plan's registry entry and a payload that :mod:`cbor2`'s C decoder reads
and whose encoding by cbor2 is the very input (cbor2 writes the same bytes as vic's canonical
encoder for the payloads a plan accepts: maps with the plan's keys in the plan's order, which the
shape's first document showed to be the canonical order; integers within 64 bits, text, bytes,
null, arrays; no floats, booleans or tags); the payload's item count and depth must be within the
caller's limits. Nothing is remembered per document: a plan holds no value of any
document except the shape's own (context ids and types).

A plan is built after the general decoder decoded a document and *showed* it canonical, by a
second general walk that records its decisions (:mod:`vic.vc.cborld.planrecord`); the plan is
then run on that document and must give the same document, and cbor2's encoding of the payload
must be vic's canonical one, or no plan is kept. A compiled plan may also get a *walker*
(:mod:`vic.vc.cborld.planwalk`), which reads the canonical bytes of its shape itself: the first
few walkers of a registry entry are tried before cbor2 reads anything, and answer only what
cbor2, the compiled plan and the canonicity check would answer. At most :data:`MAX_PLANS` plans
are kept (the table starts over when full), a few per shape key (:func:`_shape_key`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Final

import cbor2

from vic.contexts.loader import DocumentLoader
from vic.did.multibase import base58btc_encode
from vic.vc.cborld import cbor
from vic.vc.cborld import context as context_module
from vic.vc.cborld.cbor import CborLimits
from vic.vc.cborld.codecs import (
    CodecState,
    decode_value,
    encode_value,
    in_js_range,
    iso_datetime,
    table_type,
    uint_bytes,
    uuid_text,
)
from vic.vc.cborld.context import ABSENT
from vic.vc.cborld.contextmemo import MEMO
from vic.vc.cborld.registry import Registry, RegistryEntry
from vic.vc.cborld.tables import (
    CBORLD_TAG,
    CONTEXT_TERM_ID,
    MULTIBASE,
    URL_SCHEMES,
    XSD_DATE,
    XSD_DATETIME,
)

__all__ = ["MAX_PLANS", "decode_planned", "learn", "plan_count", "reset"]

MAX_PLANS: Final = 256
"""Plans kept process-wide (the table is emptied when it is full)."""
MAX_PLANS_PER_KEY: Final = 8
"""Plans kept for one registry entry and shape key (:func:`_shape_key`): different types,
contexts or keys of the maps inside."""
_CONTEXT_KEYS: Final = (CONTEXT_TERM_ID, CONTEXT_TERM_ID + 1)
_TAG_HEAD: Final = cbor.encode_head(6, CBORLD_TAG) + b"\x82"
_INT_MIN: Final = -(2**64)
_INT_MAX: Final = 2**64 - 1
_MAX_SHORT_BASE58: Final = 2049
"""The longest multibase byte value whose base58btc text the codecs' re-encode still reads
(2,048 bytes are at most 2,798 characters; the decoder reads 4,096)."""
_UUID_SCHEME: Final = URL_SCHEMES["urn:uuid:"]
_MAX_READ_DEPTH: Final = 32
"""The deepest reader limit under which the general decoder may skip its re-encode (it needs
``limits.max_depth <= MAX_DOCUMENT_DEPTH // 2``)."""


def _fresh(value: Any) -> Any:
    """A copy of a JSON value's arrays and objects (a document never shares them with another)."""
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    return value


class _Decline(Exception):
    """The document is not one the plan fully understands."""


def _same(a: Any, b: Any) -> bool:
    """JSON equality that tells ints, booleans, text and bytes apart (as the converter's)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _kinds(value: Any) -> tuple[type, ...] | None:
    """What a guard compares besides equality: the types of a flat array's items (``()`` for a
    scalar, whose type is compared apart), None for anything deeper (compared by :func:`_same`)."""
    if type(value) is list:
        if any(isinstance(item, list | dict) for item in value):
            return None
        return tuple(map(type, value))
    return None if isinstance(value, dict) else ()


def _check_raw(value: Any) -> None:
    """Raise :class:`_Decline` unless ``value`` holds only integers within 64 bits, text, bytes,
    null and arrays (what a plan's value may be: cbor2 may read other types from tags)."""
    kind = type(value)
    if kind is str or kind is bytes or value is None:
        return
    if kind is int:
        if not _INT_MIN <= value <= _INT_MAX:
            raise _Decline
        return
    if kind is list:
        for item in value:
            _check_raw(item)
        return
    raise _Decline


# --- plan nodes ----------------------------------------------------------------------------------


class _Node:
    __slots__ = ()

    def run(self, raw: Any) -> Any:
        raise NotImplementedError


class _Null(_Node):
    __slots__ = ()

    def run(self, raw: Any) -> Any:
        if raw is not None:
            raise _Decline
        return None


class _Array(_Node):
    """An array the walk went through value by value (no codec applies to it)."""

    __slots__ = ("items",)

    def __init__(self, items: tuple[_Node, ...]) -> None:
        self.items = items

    def run(self, raw: Any) -> Any:
        if type(raw) is not list or len(raw) != len(self.items):
            raise _Decline
        return [node.run(value) for node, value in zip(self.items, raw, strict=True)]


class _Value(_Node):
    """A value a codec decodes: the general codecs with this point's term, definition, type and
    term ids, and the walk's check that encoding the result gives the raw value back.

    The common raw forms take a short cut that gives exactly what the codecs give, the check
    included (tests/cborld/test_decodeplan.py runs both on random values): a code of the type's
    table written as the encoder writes it; text (and integers, where the codecs leave them) of a
    type with no codec and not in its table; a term id of a URL; epoch seconds of an
    xsd:dateTime or base58btc bytes of a multibase value, when the entry has no table for them.
    """

    __slots__ = (
        "codes",
        "datetime",
        "definition",
        "id_to_term",
        "int_plain",
        "multibase",
        "state",
        "str_plain",
        "table",
        "term",
        "term_to_id",
        "term_type",
        "url_terms",
    )

    def __init__(
        self, term: str, definition: Mapping[str, Any], term_type: Any, state: CodecState
    ) -> None:
        self.term = term
        self.definition = definition
        self.term_type = term_type
        self.state = state
        type_ = table_type(term, definition, term_type)
        table = state.type_table.get(type_)
        reverse = state.reverse_table.get(type_, {})
        uses_bytes = type_ in state.bytes_types
        codec = type_ in ("url", MULTIBASE, XSD_DATETIME, XSD_DATE)
        self.table: Mapping[str, int] = table if table is not None else {}
        self.codes: dict[Any, str] = {}
        for value, code in self.table.items():
            if reverse.get(code) != value or (uses_bytes and code >= 0xFFFFFFFF):
                continue
            self.codes[uint_bytes(code) if uses_bytes else code] = value
        self.str_plain = not codec
        self.int_plain = not codec and (table is None or (type_ == "none" and uses_bytes))
        self.url_terms = type_ == "url" and uses_bytes
        self.datetime = type_ == XSD_DATETIME and table is None
        self.multibase = type_ == MULTIBASE and table is None
        contexts = state.loader
        assert contexts.id_to_term is not None
        self.id_to_term = contexts.id_to_term
        self.term_to_id = contexts.term_to_id

    def run(self, raw: Any) -> Any:
        kind = type(raw)
        if kind is str:
            if self.str_plain and raw not in self.table:
                return raw
        elif kind is int:
            decoded = self.codes.get(raw)
            if decoded is not None:
                return decoded
            if self.int_plain and _INT_MIN <= raw <= _INT_MAX:
                return raw
            if self.url_terms and not raw & 1:
                term = self.id_to_term.get(raw)
                if term is not None and term not in self.table and self.term_to_id[term] == raw:
                    return term
            if self.datetime and in_js_range(raw):
                return iso_datetime(raw)
        elif kind is bytes:
            decoded = self.codes.get(raw)
            if decoded is not None:
                return decoded
            if self.multibase and raw[:1] == b"z" and len(raw) <= _MAX_SHORT_BASE58:
                return "z" + base58btc_encode(raw[1:])
        elif kind is list and self.url_terms and len(raw) == 2:
            scheme, rest = raw
            if type(scheme) is int and scheme == _UUID_SCHEME and type(rest) is bytes:
                uuid = uuid_text(rest)
                if uuid is not None:
                    # its URL scheme is urn:uuid (no colon, space or control character in it)
                    url = "urn:uuid:" + uuid
                    if url not in self.table and url not in self.term_to_id:
                        return url
        return self._decode(raw)

    def _decode(self, raw: Any) -> Any:
        if raw is None or type(raw) is dict:
            raise _Decline
        _check_raw(raw)
        decoded = decode_value(raw, self.state, self.term, self.definition, self.term_type)
        kind = type(decoded)
        if kind is not str and kind is not int:
            raise _Decline  # UNDECODED (the walk would go through the array), bytes, a float
        again = encode_value(decoded, self.state, self.term, self.definition, self.term_type)
        if not _same(again, raw):
            raise _Decline
        return decoded


def _plural_run(nodes: tuple[_Node, ...]) -> Callable[[Any], Any]:
    """What a plural entry runs: its array, one plan per item."""
    runs = tuple(node.run for node in nodes)
    count = len(runs)

    def run(value: Any) -> Any:
        if type(value) is not list or len(value) != count:
            raise _Decline
        return [item_run(item) for item_run, item in zip(runs, value, strict=True)]

    return run


class _Map(_Node):
    """A map: its keys (in order), the raw values the walk chose contexts by, and its entries
    (output term, key, plural, value plans) in the order the walk wrote them."""

    __slots__ = ("context", "entries", "guards", "key_types", "keys", "steps")

    def __init__(
        self,
        keys: tuple[Any, ...],
        guards: tuple[tuple[Any, Any], ...],
        context: Any,
        entries: tuple[tuple[str, Any, bool, tuple[_Node, ...]], ...],
    ) -> None:
        self.keys = keys
        self.key_types = tuple(type(k) for k in keys)
        self.guards = tuple((key, value, _kinds(value)) for key, value in guards)
        self.context = context
        self.entries = entries
        self.steps = tuple(
            (term, key, _plural_run(nodes) if plural else nodes[0].run)
            for term, key, plural, nodes in entries
        )

    def run(self, raw: Any) -> Any:
        if type(raw) is not dict or tuple(raw) != self.keys:
            raise _Decline
        if tuple(map(type, raw)) != self.key_types:  # True == 1, 1.0 == 1 as dict keys
            raise _Decline
        for key, expected, kinds in self.guards:
            value = raw[key]
            if value != expected or type(value) is not type(expected):
                raise _Decline
            if kinds is None:
                if not _same(value, expected):
                    raise _Decline
            elif kinds and tuple(map(type, value)) != kinds:
                raise _Decline
        output: dict[str, Any] = {}
        if self.context is not ABSENT:
            output["@context"] = _fresh(self.context)
        for term, key, run in self.steps:
            output[term] = run(raw[key])
        return output


class _Plan:
    __slots__ = (
        "depth",
        "entry",
        "items",
        "prefix",
        "reports",
        "root",
        "run",
        "served",
        "urls",
        "walk",
        "work",
    )

    def __init__(
        self,
        entry: RegistryEntry,
        root: _Map,
        urls: tuple[str, ...],
        items: int,
        depth: int,
        prefix: bytes,
        work: int,
    ) -> None:
        self.entry = entry
        self.root = root
        self.run: Callable[[Any], dict[str, Any]] = root.run
        """What decodes a payload: ``root.run``, or the function compiled from it
        (:mod:`vic.vc.cborld.plancompile`)."""
        self.reports: Callable[[Any, list[tuple[str, bytes]]], dict[str, Any]] | None = None
        """The compiled function, which also reports the multibase texts it writes from bytes
        (None when the plan runs as a tree)."""
        self.walk: Callable[..., dict[str, Any]] | None = None
        """The plan's walker (:mod:`vic.vc.cborld.planwalk`), which reads the CBOR bytes
        themselves; None when the plan has none."""
        self.urls = urls
        self.items = items
        self.depth = depth
        self.prefix = prefix
        self.served: DocumentLoader | None = None
        self.work = work
        """The context-processing work the walk charged (the same for every document of the
        shape; checked against the cap in force)."""

    def serves(self, loader: DocumentLoader) -> bool:
        """Whether ``loader`` serves the bundled documents for every URL the walk loaded (the
        last loader that did is remembered: a DocumentLoader never changes what it serves)."""
        if loader is self.served:
            return True
        if all(MEMO.serves_bundled(loader, url) for url in self.urls):
            self.served = loader
            return True
        return False


# --- the plans ---------------------------------------------------------------------------------

_lock = threading.Lock()
_plans: dict[tuple[int, tuple[Any, ...]], list[_Plan]] = {}
"""(registry entry id, shape key) -> plans."""
_refused: dict[tuple[int, tuple[Any, ...]], int] = {}
"""(registry entry id, shape key) -> how many documents gave no plan (a context object in the
document, a loader serving other contexts...): past :data:`MAX_PLANS_PER_KEY`, no more walks are
spent on recording it."""
_count = 0
_walkers: dict[int, tuple[_Plan, ...]] = {}
"""Registry entry id -> the plans with a walker (at most :data:`MAX_WALKERS_PER_ENTRY`, tried in
the order they were learned before the payload is read)."""
MAX_WALKERS_PER_ENTRY: Final = 8
"""Walkers tried per registry entry (each declines at the first constant byte it misses)."""


def _build(
    payload: Any, entry: RegistryEntry, loader: DocumentLoader, document: dict[str, Any]
) -> _Plan | None:
    from vic.vc.cborld.plancompile import compile_plan
    from vic.vc.cborld.planrecord import build_plan

    try:
        plan = build_plan(payload, entry, loader, document)
    except Exception:  # a plan only saves time: failing to record one leaves the walk
        return None
    if plan is not None:
        try:  # the compiled function must give the tree's document (key order too)
            run = compile_plan(plan.root)
            replayed = run(payload)
            if _same(replayed, document) and list(replayed) == list(document):
                plan.run = plan.reports = run
                _add_walker(plan, payload, document)
        except Exception:  # the tree stays
            pass
    return plan


def _add_walker(plan: _Plan, payload: Any, document: dict[str, Any]) -> None:
    """Give ``plan`` its walker, if it has one that reads the shape's first document as its
    compiled function decodes it (key order too)."""
    from vic.vc.cborld.planwalk import compile_walker

    try:
        walk = compile_walker(plan.root, payload)
        if walk is None:
            return
        data = plan.prefix + cbor2.dumps(payload)
        walked = walk(data, len(plan.prefix))
    except Exception:  # no walker: cbor2 reads the payload
        return
    if _same(walked, document) and list(walked) == list(document):
        plan.walk = walk


def _shape_key(payload: dict[Any, Any]) -> tuple[Any, ...]:
    """What plans are looked up by: the payload's keys (the plan itself checks the rest of the
    shape; the keys of the maps inside too cost a fifth of a mark's CBOR read to gather)."""
    return tuple(payload)


def learn(
    payload: Any, entry: RegistryEntry, loader: DocumentLoader, document: dict[str, Any]
) -> None:
    """Build and keep the plan of ``payload``'s shape, if it has none yet (``document`` is what the
    general decoder made of it, having shown it canonical)."""
    global _count
    if not isinstance(payload, dict):
        return
    key = (entry.entry_id, _shape_key(payload))
    known = _plans.get(key, ())
    if len(known) + _refused.get(key, 0) >= MAX_PLANS_PER_KEY:
        return  # enough plans, or enough walks that gave none, for this key
    for plan in known:
        if plan.entry == entry:
            try:
                plan.root.run(payload)
                return  # this shape has its plan already
            except Exception:  # _Decline, or a codec's error: not this plan
                continue
    built = _build(payload, entry, loader, document)
    with _lock:
        if _count >= MAX_PLANS:
            _plans.clear()
            _refused.clear()
            _walkers.clear()
            _count = 0
        if built is None:
            _refused[key] = _refused.get(key, 0) + 1
        else:
            _plans.setdefault(key, []).append(built)
            walkers = _walkers.get(entry.entry_id, ())
            if built.walk is not None and len(walkers) < MAX_WALKERS_PER_ENTRY:
                _walkers[entry.entry_id] = (*walkers, built)
        _count += 1


def decode_planned(
    data: bytes,
    registry: Registry,
    loader: DocumentLoader,
    limits: CborLimits,
    multibase: list[tuple[str, bytes]] | None = None,
) -> dict[str, Any] | None:
    """The document of CBOR-LD ``data`` by a plan, or None if no plan fully understands it (the
    general decoder then decides, and gives every error). With a document, ``multibase`` (when
    given, and the plan compiled) receives (text, bytes) for each multibase text the plan wrote
    from bytes: the text object in the document and the bytes it encodes."""
    if multibase:
        multibase.clear()
    if (
        not _plans
        or type(data) is not bytes
        or not data.startswith(_TAG_HEAD)
        or len(data) > limits.max_bytes
        or limits.max_depth > _MAX_READ_DEPTH
    ):
        return None
    head = data[4] if len(data) > 4 else 0xFF
    if head < 24:
        entry_id, start = head, 5
    elif head == 0x18 and len(data) > 6:
        entry_id, start = data[5], 6
    elif head == 0x19 and len(data) > 7:
        entry_id, start = int.from_bytes(data[5:7], "big"), 7
    else:
        return None  # another head, or bytes that end in (or right after) the entry id
    walkers = _walkers.get(entry_id)
    if walkers:
        walked = _walked(data, start, walkers, registry, loader, limits, multibase)
        if walked is not None:
            return walked
    body = data[start:]
    try:
        payload = cbor2.loads(body)
        known = _plans.get((entry_id, _shape_key(payload)), ()) if type(payload) is dict else ()
        if not known:
            return None
        entry = registry.get(entry_id)
    except Exception:
        return None
    for plan in known:
        if data[:start] != plan.prefix or (entry is not plan.entry and entry != plan.entry):
            continue
        try:
            if multibase is not None:
                multibase.clear()  # what a plan that declined reported
            if multibase is not None and plan.reports is not None:
                document: dict[str, Any] = plan.reports(payload, multibase)
            else:
                document = plan.run(payload)
        except _Decline:
            continue
        except Exception:  # a codec refused the value: the general decoder says why
            break
        if (
            plan.items > limits.max_items
            or plan.depth >= limits.max_depth
            or plan.work > context_module.DEFAULT_MAX_WORK
        ):
            break
        try:
            same = plan.serves(loader) and cbor2.dumps(payload) == body
        except Exception:  # cbor2 read something it cannot write back (shared values...)
            break
        if same:
            return document
        break
    if multibase is not None:
        multibase.clear()
    return None


def _walked(
    data: bytes,
    start: int,
    walkers: tuple[_Plan, ...],
    registry: Registry,
    loader: DocumentLoader,
    limits: CborLimits,
    multibase: list[tuple[str, bytes]] | None,
) -> dict[str, Any] | None:
    """The document of the first walker that answers ``data`` (payload at ``start``) under the
    checks :func:`decode_planned` makes of a plan's answer; None: cbor2 and the plans decide."""
    try:
        entry = registry.get(walkers[0].entry.entry_id)
    except Exception:
        return None
    prefix = data[:start]
    for plan in walkers:
        walk = plan.walk
        if (
            walk is None
            or prefix != plan.prefix
            or (entry is not plan.entry and entry != plan.entry)
        ):
            continue
        try:
            if multibase is not None:
                multibase.clear()  # what a walker that declined reported
            document: dict[str, Any] = walk(data, start, multibase)
        except _Decline:
            continue
        except Exception:  # a codec refused the value, or the bytes are not UTF-8
            break
        if (
            plan.items > limits.max_items
            or plan.depth >= limits.max_depth
            or plan.work > context_module.DEFAULT_MAX_WORK
            or not plan.serves(loader)
        ):
            break
        return document
    if multibase is not None:
        multibase.clear()
    return None


def plan_count() -> int:
    """How many plans (and shapes that gave none) are kept (for tests)."""
    return _count


def reset() -> None:
    """Forget every plan (for tests)."""
    global _count
    with _lock:
        _plans.clear()
        _refused.clear()
        _walkers.clear()
        _count = 0
