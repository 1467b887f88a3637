"""A plan's walker answers only what cbor2, the compiled plan and the canonicity check answer
(vic.vc.cborld.planwalk), and with the same document.

The path the walker replaces (``_replaced_path``): cbor2 reads the payload, the compiled plan
runs on it, and cbor2 must write the payload back as the very bytes. Both are run on the bytes of
every corpus mark and published vector, every byte change and truncation of them, what only
cbor2 reads (tags, floats, booleans, indefinite lengths, longer heads, duplicate keys), every
payload-level change, random values at every value position and every table code at every
position. Whenever the walker answers, the replaced path answers the same document (key order
and value types included); whenever the replaced path answers, so does the walker.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cborld.test_canonical_decode import CORPUS, _byte_mutations, _payload_mutations
from tests.cborld.test_decodeplan import (
    PLANNED,
    REGISTRY,
    _byte_tricks,
    _heads,
    _learned,
    _lenient_encodings,
    _paths,
    _raws,
    _replaced,
    _value_nodes,
)
from tests.cborld.test_plancompile import _typed, learn_corpus_and_vectors
from vic.contexts.loader import DocumentLoader
from vic.vc.cborld import cbor, converter, decode, decodeplan, planwalk, tagforms


def _walked(plan: Any, data: bytes) -> Any:
    """The walker's answer, as :func:`decode_planned` asks it (after the same prefix)."""
    if not data.startswith(plan.prefix):
        return "declined"
    try:
        document = plan.walk(data, len(plan.prefix))
    except decodeplan._Decline:
        return "declined"
    except Exception as exc:  # a codec's error, bytes that are not UTF-8, bytes past the end
        return ("error", type(exc).__name__)
    return ("ok", json.dumps(_typed(document)))


def _replaced_path(plan: Any, data: bytes) -> Any:
    """What :func:`decode_planned` did with ``plan`` before walkers: cbor2 reads, the compiled
    plan runs, cbor2 writes the payload back as the very bytes."""
    if not data.startswith(plan.prefix):
        return "declined"
    body = data[len(plan.prefix) :]
    try:
        payload = cbor2.loads(body)
        document = plan.run(payload)
        if cbor2.dumps(payload) != body:
            return "not canonical"
    except decodeplan._Decline:
        return "declined"
    except Exception as exc:
        return ("error", type(exc).__name__)
    return ("ok", json.dumps(_typed(document)))


def _agree(plan: Any, data: bytes) -> bool:
    """Assert the walker and the replaced path agree on ``data``; whether the walker answered."""
    walked, replaced = _walked(plan, data), _replaced_path(plan, data)
    if walked[0] == "ok" or replaced[0] == "ok":
        assert walked == replaced, data.hex()
    return walked[0] == "ok"


def _plans() -> Iterator[tuple[Any, bytes]]:
    """Each learned plan that has a walker, with the bytes of a document of its shape."""
    candidates = learn_corpus_and_vectors()
    seen: set[int] = set()
    for plans in decodeplan._plans.values():
        for plan in plans:
            if plan.walk is None or id(plan) in seen:
                continue
            for data in candidates:
                if _walked(plan, data)[0] == "ok":
                    seen.add(id(plan))
                    yield plan, data
                    break


def test_the_marks_and_vectors_plans_have_walkers_that_answer_them() -> None:
    decodeplan.reset()
    plans = list(_plans())
    assert len(plans) >= len(PLANNED)
    for plan, data in plans:
        assert _agree(plan, data)
    for walkers in decodeplan._walkers.values():
        assert len(set(map(id, walkers))) == len(walkers)
    for name in PLANNED:  # learned first: tried before cbor2 reads
        data, _ = CORPUS[name]
        header, _ = tagforms.read_tagged(data, cbor.DEFAULT_LIMITS)
        walkers = decodeplan._walkers[header.registry_entry_id or 0]
        assert any(_walked(plan, data)[0] == "ok" for plan in walkers)


def test_every_byte_change_and_truncation_gives_the_same_answer() -> None:
    count = 0
    for plan, data in _plans():
        for mutated in [*_byte_mutations(data), *(data[:n] for n in range(len(data)))]:
            _agree(plan, mutated)
            count += 1
    assert count > 5000


def test_what_only_cbor2_reads_is_not_walked() -> None:
    count = 0
    for plan, data in _plans():
        prefix = plan.prefix
        payload = cbor2.loads(data[len(prefix) :])
        for lenient in _lenient_encodings(payload):
            candidate = prefix + cbor2.dumps(lenient)
            if candidate != data:
                assert not _agree(plan, candidate), candidate.hex()
                count += 1
        for candidate in _byte_tricks(data, len(prefix)):
            assert not _agree(plan, candidate), candidate.hex()
            count += 1
    assert count > 100


def test_every_payload_change_gives_the_same_answer() -> None:
    count = 0
    for plan, data in _plans():
        prefix = plan.prefix
        payload = cbor2.loads(data[len(prefix) :])
        header, _ = tagforms.read_tagged(data, cbor.DEFAULT_LIMITS)
        decompressor = converter._Decompressor(
            converter._type_table(REGISTRY.get(header.registry_entry_id or 0)),
            DocumentLoader(),
            False,
        )
        try:
            decompressor.run(copy.deepcopy(payload))
        except Exception:
            continue
        assert decompressor.contexts.id_to_term is not None
        text_for = dict(decompressor.contexts.id_to_term)
        for mutated in _payload_mutations(payload, text_for):
            try:
                candidate = prefix + cbor2.dumps(mutated)
            except Exception:
                continue
            _agree(plan, candidate)
            count += 1
    assert count > 200


def test_every_table_code_at_every_position_gives_the_same_answer() -> None:
    answered = 0
    for plan, data in _plans():
        payload = cbor2.loads(data[len(plan.prefix) :])
        codes: set[Any] = set()
        for node in _value_nodes(plan.root):
            for value, code in node.table.items():
                codes.update([code, decodeplan.uint_bytes(code), value])
        for path, _ in _paths(payload):
            for code in codes:
                candidate = plan.prefix + cbor2.dumps(_replaced(payload, path, code))
                answered += _agree(plan, candidate)
    assert answered > 0


_WALKED: list[tuple[Any, bytes]] = []


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(min_value=0), position=st.integers(min_value=0), raw=_raws)
def test_random_values_at_every_position_give_the_same_answer(
    index: int, position: int, raw: Any
) -> None:
    plans = _WALKED or list(_plans())
    _WALKED[:] = plans
    plan, data = plans[index % len(plans)]
    payload = cbor2.loads(data[len(plan.prefix) :])
    paths = [path for path, _ in _paths(payload)]
    _agree(plan, plan.prefix + cbor2.dumps(_replaced(payload, paths[position % len(paths)], raw)))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0),
    position=st.integers(min_value=0),
    cut=st.integers(min_value=0, max_value=10),
    spliced=st.one_of(
        st.binary(max_size=12),
        st.sampled_from([0x18, 0x19, 0x1A, 0x1B, 0x40, 0x58, 0x60, 0x78, 0x82]).flatmap(
            lambda head: st.binary(max_size=10).map(lambda rest: bytes([head]) + rest)
        ),
    ),
)
def test_random_bytes_at_every_item_give_the_same_answer(
    index: int, position: int, cut: int, spliced: bytes
) -> None:
    """Random bytes in place of the start of each item (the inline head forms and their edges:
    arguments that fit a shorter head, lengths past the end)."""
    plans = _WALKED or list(_plans())
    _WALKED[:] = plans
    plan, data = plans[index % len(plans)]
    offsets = _heads(data, len(plan.prefix))
    at = offsets[position % len(offsets)]
    _agree(plan, data[:at] + spliced + data[at + cut :])


# --- the item reader -----------------------------------------------------------------------------

_values = st.recursive(
    st.one_of(
        st.integers(-(2**64), 2**64 - 1),
        st.text(max_size=300),
        st.binary(max_size=300),
        st.none(),
    ),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None)
@given(value=_values)
def test_a_canonical_item_reads_as_cbor2_reads_it(value: Any) -> None:
    data = cbor2.dumps(value)
    assert planwalk._item(data + b"\x00", 0) == (value, len(data))
    assert json.dumps(_typed(planwalk._item(data, 0)[0])) == json.dumps(_typed(value))


@settings(max_examples=1000, deadline=None)
@given(data=st.binary(min_size=1, max_size=40))
def test_an_item_read_from_any_bytes_is_their_canonical_cbor(data: bytes) -> None:
    try:
        value, end = planwalk._item(data, 0)
    except (decodeplan._Decline, UnicodeDecodeError, IndexError):
        return
    assert cbor2.dumps(value) == data[:end]
    assert json.dumps(_typed(cbor2.loads(data[:end]))) == json.dumps(_typed(value))


@pytest.mark.parametrize(
    "data",
    [
        b"\x18\x17",  # 23 in a 1-byte argument
        b"\x19\x00\xff",  # 255 in a 2-byte argument
        b"\x1a\x00\x00\xff\xff",
        b"\x1b\x00\x00\x00\x00\xff\xff\xff\xff",
        b"\x78\x01a",  # a 1-byte text length that fits the head
        b"\x58\x00",
        b"\x7f\x61a\xff",  # indefinite text
        b"\x9f\x01\xff",  # indefinite array
        b"\xa1\x01\x02",  # a map
        b"\xc2\x41\x01",  # a bignum tag
        b"\xd8\x19\x00",  # a string reference
        b"\xf5",  # true
        b"\xf7",  # undefined
        b"\xf9\x3c\x00",  # a half float
        b"\x1c",  # a reserved head
        b"\x1a\x00\x01",  # an argument past the end
        b"\x62a",  # text past the end
        b"\x83\x01\x02",  # an array past the end
        b"\x81" * 9 + b"\x01",  # nested deeper than a value may be
    ],
)
def test_items_no_plan_takes_decline(data: bytes) -> None:
    with pytest.raises((decodeplan._Decline, IndexError)):
        planwalk._item(data, 0)


def test_text_that_is_not_utf8_is_an_error() -> None:
    with pytest.raises(UnicodeDecodeError):
        planwalk._item(b"\x62\xc3\x28", 0)


# --- the decoder ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLANNED)
def test_decode_takes_the_walker(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data, loader = CORPUS[name]
    _learned(data, loader)
    expected = decode(data, registry=REGISTRY, loader=loader)

    class NoCbor2:
        @staticmethod
        def loads(data: bytes) -> Any:
            raise AssertionError("cbor2 read the payload")

    monkeypatch.setattr(decodeplan, "cbor2", NoCbor2)
    found: list[tuple[str, bytes]] = []
    document = decodeplan.decode_planned(
        data, REGISTRY, loader or converter._default_loader, cbor.DEFAULT_LIMITS, found
    )
    assert document == expected
    assert list(document) == list(expected)
    from vic.did.multibase import multibase_decode

    for text, raw in found:
        assert multibase_decode(text) == raw


def test_the_walkers_source_names_no_value_of_a_document() -> None:
    from vic.vc import codegen

    texts: list[str] = []
    define = codegen.GeneratedSource.define

    def keep(self: Any, name: str, filename: str) -> Any:
        texts.append("\n".join(self.lines))
        return define(self, name, filename)

    codegen.GeneratedSource.define = keep  # type: ignore[method-assign]
    try:
        for plan, _ in _plans():
            assert planwalk.compile_walker(plan.root) is not None
    finally:
        codegen.GeneratedSource.define = define  # type: ignore[method-assign]
    assert texts
    for text in texts:
        assert '"' not in text
        assert "'" not in text


def test_walkers_are_bounded_and_forgotten_with_the_plans() -> None:
    list(_plans())
    assert decodeplan._walkers
    for walkers in decodeplan._walkers.values():
        assert len(walkers) <= decodeplan.MAX_WALKERS_PER_ENTRY
        assert all(plan.walk is not None for plan in walkers)
    decodeplan.reset()
    assert not decodeplan._walkers
