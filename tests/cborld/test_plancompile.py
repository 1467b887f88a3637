"""A plan's compiled function does what its tree of nodes does (vic.vc.cborld.plancompile).

Both are run on the same raw payloads: every published vector's and every corpus document's
payload, every payload-level change of them (each value replaced by other kinds, removed, keys
renamed), what only cbor2 reads (tags, floats, booleans), random values at every value position,
and every table code of every value. The outcome must be the same: the same document (key order
and value types included), the same decline, or the same error (type and message).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cborld.test_canonical_decode import CORPUS, _payload_mutations
from tests.cborld.test_decodeplan import (
    PLANNED,
    REGISTRY,
    _learned,
    _lenient_encodings,
    _paths,
    _raws,
    _replaced,
)
from vic.contexts.loader import DocumentLoader
from vic.vc.cborld import cbor, converter, decodeplan, encode, tagforms
from vic.vc.cborld.plancompile import compile_plan

VECTORS = sorted((Path(__file__).parent.parent / "vectors" / "dataintegrity").glob("*.json"))


def _typed(value: Any) -> Any:
    """``value`` with every scalar's type spelled out (True and 1 told apart)."""
    if isinstance(value, dict):
        return {"dict": [[k, _typed(v)] for k, v in value.items()], "type": type(value).__name__}
    if isinstance(value, list):
        return {"list": [_typed(v) for v in value], "type": type(value).__name__}
    return [type(value).__name__, repr(value)]


def _outcome(run: Callable[[Any], Any], raw: Any) -> Any:
    try:
        document = run(raw)
    except decodeplan._Decline:
        return "declined"
    except Exception as exc:  # the codecs' errors, and any other a node raises
        return ("error", type(exc).__name__, str(exc))
    return ("ok", json.dumps(_typed(document)))


def learn_corpus_and_vectors() -> list[bytes]:
    """Decode the planned corpus marks and the published vectors (so their plans are learned);
    their CBOR-LD bytes, the marks first."""
    for name in PLANNED:
        data, loader = CORPUS[name]
        _learned(data, loader)
    vectors = [
        encode(json.loads(path.read_text()), registry=REGISTRY, registry_entry_id=1)
        for path in VECTORS
    ]
    for data in vectors:
        _learned(data)
    return [CORPUS[name][0] for name in PLANNED] + vectors


def _plans() -> Iterator[tuple[Any, Any]]:
    """Each learned plan with its compiled function, and a payload of its shape."""
    learn_corpus_and_vectors()
    seen: set[int] = set()
    for name in PLANNED:
        data, _ = CORPUS[name]
        _, payload = tagforms.read_tagged(data, cbor.DEFAULT_LIMITS)
        for plans in decodeplan._plans.values():
            for plan in plans:
                if id(plan) not in seen and _outcome(plan.root.run, payload) != "declined":
                    seen.add(id(plan))
                    yield plan, payload
    for plans in decodeplan._plans.values():
        for plan in plans:
            if id(plan) not in seen:
                seen.add(id(plan))
                yield plan, None


def _same(plan: Any, raw: Any) -> None:
    assert _outcome(plan.run, raw) == _outcome(plan.root.run, raw), repr(raw)[:400]


def test_the_learned_plans_run_compiled() -> None:
    plans = list(_plans())
    assert len(plans) >= len(PLANNED)
    for plan, payload in plans:
        assert plan.run is not plan.root.run  # decode_planned uses the compiled function
        compiled = compile_plan(plan.root)
        if payload is not None:
            assert _outcome(compiled, payload) == _outcome(plan.root.run, payload)
            _same(plan, payload)
            assert _outcome(plan.run, payload)[0] == "ok"


def test_every_payload_change_gives_the_same_outcome() -> None:
    count = 0
    for name in PLANNED:
        data, loader = CORPUS[name]
        header, payload = tagforms.read_tagged(data, cbor.DEFAULT_LIMITS)
        decompressor = converter._Decompressor(
            converter._type_table(REGISTRY.get(header.registry_entry_id or 0)),
            loader or DocumentLoader(),
            False,
        )
        decompressor.run(copy.deepcopy(payload))
        assert decompressor.contexts.id_to_term is not None
        text_for = dict(decompressor.contexts.id_to_term)
        changed = [*_payload_mutations(payload, text_for), *_lenient_encodings(payload)]
        for plan, _ in _plans():
            for mutated in changed:
                _same(plan, mutated)
                count += 1
    assert count > 500


def test_the_vectors_payloads_give_the_same_outcome() -> None:
    payloads = []
    for path in VECTORS:
        data = encode(json.loads(path.read_text()), registry=REGISTRY, registry_entry_id=1)
        payloads.append(tagforms.read_tagged(data, cbor.DEFAULT_LIMITS)[1])
    for plan, _ in _plans():
        for payload in payloads:
            _same(plan, payload)


_PLANNED_PAYLOADS: list[tuple[Any, Any]] = []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(min_value=0), position=st.integers(min_value=0), raw=_raws)
def test_random_values_at_every_position_give_the_same_outcome(
    index: int, position: int, raw: Any
) -> None:
    plans = _PLANNED_PAYLOADS or [(p, raw) for p, raw in _plans() if raw is not None]
    _PLANNED_PAYLOADS[:] = plans
    plan, payload = plans[index % len(plans)]
    paths = [path for path, _ in _paths(payload)]
    _same(plan, _replaced(payload, paths[position % len(paths)], raw))


def test_every_table_code_at_every_position_gives_the_same_outcome() -> None:
    from tests.cborld.test_decodeplan import _value_nodes

    for plan, payload in _plans():
        if payload is None:
            continue
        codes = set()
        for node in _value_nodes(plan.root):
            for value, code in node.table.items():
                codes.update([code, decodeplan.uint_bytes(code), value])
        for path, _ in _paths(payload):
            for code in codes:
                _same(plan, _replaced(payload, path, code))


def test_the_source_names_no_value_of_a_document() -> None:
    """Constants go to the function's globals: the source holds names, int keys and lengths."""
    from vic.vc.cborld import plancompile

    for plan, _ in _plans():
        source = plancompile._source()
        plancompile._map(source, plan.root, "raw", 1)
        text = "\n".join(source.lines)
        assert '"' not in text
        assert "'" not in text


@pytest.mark.parametrize("name", PLANNED)
def test_documents_share_no_arrays_or_objects(name: str) -> None:
    data, loader = CORPUS[name]
    _learned(data, loader)
    _, payload = tagforms.read_tagged(data, cbor.DEFAULT_LIMITS)
    for plans in decodeplan._plans.values():
        for plan in plans:
            try:
                first, second = plan.run(payload), plan.run(payload)
            except decodeplan._Decline:
                continue
            assert first == second
            assert not set(map(id, _containers(first))) & set(map(id, _containers(second)))


def _containers(value: Any) -> Iterator[Any]:
    if isinstance(value, dict | list):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from _containers(item)


def _reported(plan: Any, raw: Any) -> None:
    """What the compiled function reports: each multibase text of its document (that very
    object) with the bytes that decoding the text gives."""
    from vic.did.multibase import multibase_decode

    found: list[tuple[str, bytes]] = []
    try:
        document = plan.reports(raw, found)
    except Exception:
        return
    assert _outcome(plan.reports, raw) == _outcome(plan.root.run, raw)
    texts = [v for _, v in _paths(document) if type(v) is str]
    for text, data in found:
        assert any(text is t for t in texts)
        assert multibase_decode(text) == data


def test_the_multibase_texts_reported_are_the_documents_and_decode_to_their_bytes() -> None:
    reported = 0
    for plan, payload in _plans():
        if payload is None:
            continue
        assert plan.reports is plan.run
        found: list[tuple[str, bytes]] = []
        plan.reports(payload, found)
        reported += len(found)
        _reported(plan, payload)
        for path, value in _paths(payload):
            if type(value) is bytes and value[:1] == b"z":
                for body in (b"", b"\x00", b"\x00\x00\x01", bytes(range(64)), b"\xff" * 2048):
                    _reported(plan, _replaced(payload, path, b"z" + body))
    assert reported > 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(min_value=0), body=st.binary(max_size=120))
def test_random_multibase_bytes_are_reported_as_they_decode(index: int, body: bytes) -> None:
    plans = _PLANNED_PAYLOADS or [(p, raw) for p, raw in _plans() if raw is not None]
    _PLANNED_PAYLOADS[:] = plans
    plan, payload = plans[index % len(plans)]
    for path, value in _paths(payload):
        if type(value) is bytes and value[:1] == b"z":
            _reported(plan, _replaced(payload, path, b"z" + body))


def test_a_decode_that_gives_no_document_reports_nothing() -> None:
    data, loader = CORPUS["demo mark, its entry"]
    _learned(data, loader)
    found: list[tuple[str, bytes]] = []
    document = decodeplan.decode_planned(
        data, REGISTRY, loader or converter._default_loader, cbor.DEFAULT_LIMITS, found
    )
    assert document is not None
    assert found
    for candidate in (data + b"\x00", data[:-1]):
        assert (
            decodeplan.decode_planned(
                candidate, REGISTRY, loader or converter._default_loader, cbor.DEFAULT_LIMITS, found
            )
            is None
        )
        assert found == []
        found.append(("stale", b""))
    found.clear()


_UUID_RAWS = st.one_of(
    st.builds(
        lambda scheme, data: [scheme, data],
        st.sampled_from([3, 2, 1, 0, 4, True, 3.0, -3]),
        st.one_of(
            st.binary(min_size=16, max_size=16),
            st.binary(max_size=18),
            st.builds(
                lambda version, variant: bytes(6) + bytes([version, 0, variant]) + bytes(7),
                st.integers(0, 255),
                st.integers(0, 255),
            ),
            st.sampled_from([bytes(16), b"\xff" * 16, "2f9c6b1e", 3]),
        ),
    ),
    st.lists(st.one_of(st.integers(0, 4), st.binary(max_size=17)), max_size=3),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(min_value=0), position=st.integers(min_value=0), raw=_UUID_RAWS)
def test_compressed_uuids_at_every_position_give_the_same_outcome(
    index: int, position: int, raw: Any
) -> None:
    """The compiled plan's inline urn:uuid reading (scheme 3 and 16 bytes) against the tree's:
    other schemes, lengths, types, version and variant bytes, the nil and max UUID."""
    plans = _PLANNED_PAYLOADS or [(p, raw) for p, raw in _plans() if raw is not None]
    _PLANNED_PAYLOADS[:] = plans
    plan, payload = plans[index % len(plans)]
    paths = [path for path, _ in _paths(payload)]
    _same(plan, _replaced(payload, paths[position % len(paths)], raw))
