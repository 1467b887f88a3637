"""Decoding by a compiled plan gives what the walk gives: the same document or the same error.

The law (vic.vc.cborld.decodeplan): a plan answers only documents it fully understands, and then
exactly as the general decoder would; anything else goes to the general decoder. Shown here on
valid encodings (which must take a plan once one is learned), on every single-byte change,
deletion and insertion of them, on payload-level changes, on what cbor2 reads but vic's strict
reader refuses (tags, booleans and floats as keys, indefinite lengths, duplicate keys, non-minimal
heads), on random marks, on each value short cut against the general codecs, and under tighter
limits, another loader, another registry entry version and a lower work cap.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cborld.marks import DEMO_ENTRY_ID, demo_registry, did_key_mark, did_web_mark
from tests.cborld.test_canonical_decode import CORPUS, _byte_mutations, _payload_mutations
from tests.mark.strategies import vehicle_subjects
from vic.contexts.errors import VicError
from vic.contexts.loader import VEHICLE_INSPECTION_V1, DocumentLoader, context_document
from vic.vc.cborld import (
    DEFAULT_LIMITS,
    CborLimits,
    Registry,
    bundled_entry,
    cbor,
    converter,
    decode,
    decodeplan,
    encode,
    tagforms,
)
from vic.vc.cborld import context as context_module
from vic.vc.mark import VehicleSubject, new_mark_id

REGISTRY: Registry = demo_registry()
PLANNED = [
    "demo mark, its entry",
    "demo mark with created, entry 1",
    "did:key mark, entry 1",
    "VC Barcodes MRZ vector",
]
VECTORS = sorted((Path(__file__).parent.parent / "vectors" / "dataintegrity").glob("*.json"))


def _outcome(
    data: bytes,
    loader: DocumentLoader | None = None,
    *,
    plans: bool,
    registry: Registry = REGISTRY,
    limits: CborLimits = DEFAULT_LIMITS,
) -> tuple[str, Any]:
    previous = converter._USE_PLANS
    converter._USE_PLANS = plans
    try:
        document = decode(data, registry=registry, loader=loader, limits=limits)
    except VicError as exc:
        return ("error", exc.code)
    finally:
        converter._USE_PLANS = previous
    return ("ok", json.dumps(document, ensure_ascii=False))  # key order too


def _same_outcome(data: bytes, loader: DocumentLoader | None = None, **kwargs: Any) -> None:
    planned = _outcome(data, loader, plans=True, **kwargs)
    walked = _outcome(data, loader, plans=False, **kwargs)
    assert planned == walked, data.hex()


def _takes_a_plan(
    data: bytes, loader: DocumentLoader | None = None, registry: Registry = REGISTRY
) -> bool:
    return (
        decodeplan.decode_planned(
            data, registry, loader or converter._default_loader, DEFAULT_LIMITS
        )
        is not None
    )


def _learned(data: bytes, loader: DocumentLoader | None = None) -> None:
    """Decode ``data`` once with plans on (which learns its shape's plan)."""
    assert _outcome(data, loader, plans=True)[0] == "ok"


@pytest.mark.parametrize("name", list(CORPUS))
def test_valid_encodings_give_the_same_document(name: str) -> None:
    data, loader = CORPUS[name]
    _learned(data, loader)
    _same_outcome(data, loader)
    if name in PLANNED:
        assert _takes_a_plan(data, loader)


@pytest.mark.parametrize("name", PLANNED)
def test_every_byte_change_gives_the_same_outcome(name: str) -> None:
    data, loader = CORPUS[name]
    _learned(data, loader)
    for mutated in _byte_mutations(data):
        _same_outcome(mutated, loader)
    assert _takes_a_plan(data, loader)


@pytest.mark.parametrize("name", PLANNED)
def test_every_truncation_gives_the_same_outcome(name: str) -> None:
    """Found by fuzzing: a 0x18 or 0x19 registry entry head cut short read past the end (an
    IndexError out of decode) once any plan was known."""
    data, loader = CORPUS[name]
    _learned(data, loader)
    tag = bytes.fromhex("d9cb1d82")
    for cut in [data[:n] for n in range(len(data))] + [
        tag + b"\x18",
        tag + b"\x18\x64",
        tag + b"\x19",
        tag + b"\x19\x01",
        tag + b"\x19\x01\x00",
    ]:
        _same_outcome(cut, loader)
        assert _outcome(cut, loader, plans=True)[0] == "error"


@pytest.mark.parametrize("name", PLANNED)
def test_payload_changes_give_the_same_outcome(name: str) -> None:
    data, loader = CORPUS[name]
    _learned(data, loader)
    header, payload = tagforms.read_tagged(data, cbor.DEFAULT_LIMITS)
    prefix = tagforms.tag_prefix(header.format, header.registry_entry_id, header.compressed)
    decompressor = converter._Decompressor(
        converter._type_table(REGISTRY.get(header.registry_entry_id or 0)),
        loader or DocumentLoader(),
        False,
    )
    decompressor.run(copy.deepcopy(payload))
    assert decompressor.contexts.id_to_term is not None
    count = 0
    for mutated in _payload_mutations(payload, dict(decompressor.contexts.id_to_term)):
        try:
            candidate = prefix + cbor.dumps(mutated)
        except VicError:
            continue
        _same_outcome(candidate, loader)
        count += 1
    assert count > 20


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_published_vectors_decode_the_same_by_a_plan(path: Path) -> None:
    document = json.loads(path.read_text())
    data = encode(document, registry=REGISTRY, registry_entry_id=1)
    _learned(data)
    assert _takes_a_plan(data)
    assert decode(data, registry=REGISTRY) == document
    _same_outcome(data)
    if path.stem == "proof-set-chain-signedProofSet2":  # a proof set: arrays of maps
        for mutated in _byte_mutations(data):
            _same_outcome(mutated)


# --- what cbor2 reads and the strict reader refuses ----------------------------------------------


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replaced(payload: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    out = copy.copy(payload)
    out[path[0]] = _replaced(payload[path[0]], path[1:], new)
    return out


def _rekeyed(payload: Any, path: tuple[Any, ...], old: Any, new: Any) -> Any:
    if not path:
        return {(new if k == old and type(k) is type(old) else k): v for k, v in payload.items()}
    out = copy.copy(payload)
    out[path[0]] = _rekeyed(payload[path[0]], path[1:], old, new)
    return out


def _lenient_encodings(payload: dict[Any, Any]) -> Iterator[Any]:
    """Payloads cbor2 writes (and reads back) that hold what vic's strict reader refuses."""
    for path, value in _paths(payload):
        if type(value) is int:
            yield _replaced(payload, path, cbor2.CBORTag(2, value.to_bytes(8, "big")))  # bignum
            yield _replaced(payload, path, cbor2.CBORTag(1, value))  # epoch datetime
            yield _replaced(payload, path, float(value))
            yield _replaced(payload, path, value + 2**64)  # beyond 64 bits: a bignum tag
            if value in (0, 1):
                yield _replaced(payload, path, bool(value))
        if type(value) is str:
            for tag in (0, 32, 35, 36):  # date text, URI, regular expression, MIME message
                yield _replaced(payload, path, cbor2.CBORTag(tag, value))
        if type(value) is bytes:
            yield _replaced(payload, path, bytearray(value))
            yield _replaced(payload, path, cbor2.CBORTag(24, value))
        if isinstance(value, dict):
            for key in value:
                if type(key) is int:
                    yield _rekeyed(payload, path, key, float(key))
                    yield _rekeyed(payload, path, key, cbor2.CBORTag(2, key.to_bytes(2, "big")))
                    if key in (0, 1):
                        yield _rekeyed(payload, path, key, bool(key))
        if isinstance(value, list) and value:
            yield _replaced(payload, path, [cbor2.CBORTag(28, value[0]), cbor2.CBORTag(29, 0)])
            yield _replaced(payload, path, cbor2.CBORTag(28, [*value, cbor2.CBORTag(29, 0)]))
            yield _replaced(payload, path, cbor2.CBORTag(258, value))  # a set
        if value is None:
            yield _replaced(payload, path, cbor2.undefined)


def _heads(data: bytes, start: int) -> list[int]:
    """The offsets of the data items' heads in ``data[start:]``."""
    reader = cbor.Reader(data)
    reader.pos = start
    offsets: list[int] = []

    def item() -> None:
        offsets.append(reader.pos)
        major, _, arg = reader.head()
        if major in (2, 3):
            reader.pos += arg
        for _ in range(arg if major == 4 else 2 * arg if major == 5 else 0):
            item()

    item()
    return offsets


def _byte_tricks(data: bytes, start: int) -> Iterator[bytes]:
    """Indefinite lengths, non-minimal heads and duplicate keys, written by hand."""
    for at in _heads(data, start):
        major, info = data[at] >> 5, data[at] & 0x1F
        before, after = data[:at], data[at + 1 :]
        if major in (2, 3, 4, 5) and info < 24:
            yield before + bytes([major << 5 | 31]) + after  # indefinite, no break
        if major in (2, 3) and info < 24:
            chunk = data[at : at + 1 + info]
            yield before + bytes([major << 5 | 31]) + chunk + b"\xff" + data[at + 1 + info :]
        if major in (0, 1) and info < 24:
            yield before + bytes([major << 5 | 24, info]) + after  # non-minimal head
        if major == 5 and 0 < info < 23 and data[at + 1] < 24:
            # one more entry: the first (one-byte) key again, with the value 0
            yield (
                before + bytes([major << 5 | (info + 1)]) + data[at + 1 : at + 2] + b"\x00" + after
            )


@pytest.mark.parametrize("name", ["demo mark, its entry", "did:key mark, entry 1"])
def test_what_only_cbor2_reads_gives_the_same_outcome(name: str) -> None:
    data, loader = CORPUS[name]
    _learned(data, loader)
    header, payload = tagforms.read_tagged(data, cbor.DEFAULT_LIMITS)
    prefix = tagforms.tag_prefix(header.format, header.registry_entry_id, header.compressed)
    count = 0
    for lenient in _lenient_encodings(payload):
        candidate = prefix + cbor2.dumps(lenient)
        if candidate == data:
            continue  # cbor2 writes it as it was (a bytearray)
        assert not _takes_a_plan(candidate, loader)
        _same_outcome(candidate, loader)
        count += 1
    for candidate in _byte_tricks(data, len(prefix)):
        assert not _takes_a_plan(candidate, loader)
        _same_outcome(candidate, loader)
        count += 1
    assert count > 50


# --- random marks --------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=vehicle_subjects(),
    with_id=st.booleans(),
    created=st.booleans(),
    entry_id=st.sampled_from([1, 100, DEMO_ENTRY_ID]),
    web=st.booleans(),
)
def test_random_marks_decode_the_same_by_a_plan(
    subject: VehicleSubject, with_id: bool, created: bool, entry_id: int, web: bool
) -> None:
    mark_id = new_mark_id() if with_id else None
    if web:
        mark = did_web_mark(subject, mark_id=mark_id, created=created)
    else:
        mark = did_key_mark(subject, mark_id=mark_id, created=created)
    data = encode(mark, registry=REGISTRY, registry_entry_id=entry_id)
    _learned(data)
    assert _takes_a_plan(data)
    assert decode(data, registry=REGISTRY) == mark
    _same_outcome(data)


# --- each value short cut against the general codecs ---------------------------------------------


def _value_nodes(node: Any) -> Iterator[Any]:
    if isinstance(node, decodeplan._Value):
        yield node
    elif isinstance(node, decodeplan._Array):
        for item in node.items:
            yield from _value_nodes(item)
    elif isinstance(node, decodeplan._Map):
        for _, _, _, nodes in node.entries:
            for item in nodes:
                yield from _value_nodes(item)


def _nodes() -> list[Any]:
    nodes = []
    for name in PLANNED:
        data, loader = CORPUS[name]
        _learned(data, loader)
        for plans in decodeplan._plans.values():
            for plan in plans:
                nodes.extend(_value_nodes(plan.root))
    return nodes


def _node_outcome(run: Any, raw: Any) -> tuple[str, Any]:
    try:
        value = run(raw)
    except decodeplan._Decline:
        return ("declined", None)
    except VicError as exc:
        return ("error", exc.code)
    return ("ok", (type(value), value))


_ints = st.one_of(
    st.integers(-(2**64), 2**64 - 1),
    st.integers(-5, 300),
    st.integers(-(8_640_000_000_000 + 2), 8_640_000_000_000 + 2),
    st.sampled_from([0xFF, 0xFFFF, 0xFFFFFFFF, 2**53, -(2**53)]),
)
_raws = st.one_of(
    _ints,
    st.binary(max_size=6),
    st.binary(max_size=80).map(lambda b: b"z" + b),
    st.binary(max_size=80).map(lambda b: b"u" + b),
    st.text(max_size=20),
    st.sampled_from(["", "z", "02", "K33", "OnSite", "urn:uuid:x", "https://a.example/"]),
    st.lists(st.one_of(_ints, st.binary(max_size=17), st.text(max_size=8)), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(index=st.integers(min_value=0), raw=_raws)
def test_value_short_cuts_are_the_general_codecs(index: int, raw: Any) -> None:
    nodes = _nodes()
    node = nodes[index % len(nodes)]
    assert _node_outcome(node.run, raw) == _node_outcome(node._decode, raw)


def test_value_short_cuts_on_every_table_code() -> None:
    for node in _nodes():
        for value, code in node.table.items():
            for raw in (code, decodeplan.uint_bytes(code), value):
                assert _node_outcome(node.run, raw) == _node_outcome(node._decode, raw)


# --- limits, loaders, registries, work cap -------------------------------------------------------


def _plan_of(data: bytes, loader: DocumentLoader | None = None) -> Any:
    _learned(data, loader)
    header, payload = tagforms.read_tagged(data, cbor.DEFAULT_LIMITS)
    for plan in decodeplan._plans[(header.registry_entry_id, decodeplan._shape_key(payload))]:
        try:
            plan.root.run(payload)
        except decodeplan._Decline:
            continue
        return plan
    raise AssertionError("no plan")


def test_tighter_limits_give_the_same_errors() -> None:
    data, _ = CORPUS["demo mark, its entry"]
    plan = _plan_of(data)
    for limits in (
        CborLimits(max_items=plan.items - 1),
        CborLimits(max_items=plan.items),
        CborLimits(max_depth=plan.depth),
        CborLimits(max_depth=plan.depth + 1),
        CborLimits(max_bytes=len(data) - 1),
        CborLimits(max_depth=40),
    ):
        _same_outcome(data, limits=limits)
    assert _outcome(data, plans=True, limits=CborLimits(max_items=plan.items - 1)) == (
        "error",
        "CBOR_TOO_LARGE",
    )


def test_a_loader_serving_another_context_is_not_planned() -> None:
    mark = did_web_mark()
    plain = encode(mark, registry=REGISTRY, registry_entry_id=1)
    _learned(plain)
    changed = copy.deepcopy(context_document(VEHICLE_INSPECTION_V1))
    changed["@context"]["aNewTermFirst"] = "https://example.test/new"  # shifts the term ids
    loader = DocumentLoader({VEHICLE_INSPECTION_V1: changed})
    replaced = encode(mark, registry=REGISTRY, registry_entry_id=1, loader=loader)
    for data in (plain, replaced):
        assert not _takes_a_plan(data, loader)
        _same_outcome(data, loader)
    assert decode(replaced, registry=REGISTRY, loader=loader) == mark
    assert _takes_a_plan(plain, DocumentLoader())  # another loader serving the bundled documents


def test_another_version_of_the_registry_entry_is_another_plan() -> None:
    mark = did_web_mark()
    data = encode(mark, registry=REGISTRY, registry_entry_id=DEMO_ENTRY_ID)
    _learned(data)
    entry = bundled_entry()
    moved = {t: {v: c + 1 for v, c in table.items()} for t, table in entry.type_tables.items()}
    other = Registry([type(entry)(entry_id=DEMO_ENTRY_ID, type_tables=moved, version=9)])
    _same_outcome(data, registry=other)
    assert _outcome(data, plans=True, registry=other) != _outcome(data, plans=True)


def test_a_lower_work_cap_refuses_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    data, _ = CORPUS["demo mark, its entry"]
    plan = _plan_of(data)
    assert plan.work > 0
    monkeypatch.setattr(context_module, "DEFAULT_MAX_WORK", plan.work - 1)
    assert _outcome(data, plans=True) == ("error", "CBORLD_TOO_COMPLEX")
    _same_outcome(data)
    monkeypatch.setattr(context_module, "DEFAULT_MAX_WORK", plan.work)
    assert _takes_a_plan(data)


def test_documents_share_no_arrays_or_objects() -> None:
    data, _ = CORPUS["demo mark, its entry"]
    _learned(data)
    first = decode(data, registry=REGISTRY)
    second = decode(data, registry=REGISTRY)
    assert first == second
    first["@context"].append("changed")
    first["type"].append("changed")
    first["credentialSubject"]["x"] = 1
    assert decode(data, registry=REGISTRY) == second


def test_plans_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decodeplan, "MAX_PLANS", 3)
    decodeplan.reset()
    for created in (False, True):
        for entry_id in (1, 100, DEMO_ENTRY_ID):
            data = encode(
                did_web_mark(created=created), registry=REGISTRY, registry_entry_id=entry_id
            )
            _same_outcome(data)
            assert decodeplan.plan_count() <= 3
    decodeplan.reset()
    assert decodeplan.plan_count() == 0


def test_a_shape_with_no_plan_is_not_recorded_again_and_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mark = did_web_mark()
    mark["@context"] = [*mark["@context"], {"extraTerm": "https://example.test/extra"}]
    mark["extraTerm"] = "x"  # a context object in the document: never planned
    data = encode(mark, registry=REGISTRY, registry_entry_id=1)
    builds: list[Any] = []
    original = decodeplan._build

    def build(*args: Any) -> Any:
        builds.append(original(*args))
        return builds[-1]

    monkeypatch.setattr(decodeplan, "_build", build)
    for _ in range(3 * decodeplan.MAX_PLANS_PER_KEY):
        _same_outcome(data)
    assert 0 < len(builds) <= decodeplan.MAX_PLANS_PER_KEY
    assert builds == [None] * len(builds)
    assert not _takes_a_plan(data)


def test_concurrent_decodes_from_no_plans_give_the_walks_documents() -> None:
    datas = [CORPUS[name][0] for name in PLANNED] * 8
    expected = [_outcome(data, plans=False) for data in datas]
    decodeplan.reset()
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda data: _outcome(data, plans=True), datas))
    assert got == expected
    assert all(_takes_a_plan(data) for data in datas)


def test_a_failure_while_recording_a_plan_leaves_the_walks_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from vic.vc.cborld import planrecord

    def broken(*args: Any) -> Any:
        raise TypeError("a failure while recording")

    data, _ = CORPUS["demo mark, its entry"]
    expected = _outcome(data, plans=False)
    decodeplan.reset()
    monkeypatch.setattr(planrecord, "build_plan", broken)
    assert _outcome(data, plans=True) == expected
    assert not _takes_a_plan(data)
