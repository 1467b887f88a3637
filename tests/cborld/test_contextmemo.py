"""The process-wide memo of CBOR-LD context processing changes nothing but the time.

Cold (memo cleared before each conversion) and warm (after other documents) conversions must give
the same bytes, the same documents, the same errors and charge the same work (so the work cap
refuses exactly the same documents); what is not stable is never remembered.
"""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.cborld.fixtures import EXAMPLE_URL, example_document, example_loader
from tests.cborld.marks import DEMO_ENTRY_ID, demo_registry, did_key_mark, did_web_mark
from vic.contexts.errors import VicError
from vic.contexts.loader import VEHICLE_INSPECTION_V1, DocumentLoader, context_document
from vic.vc.cborld import Registry, converter, decode, encode
from vic.vc.cborld import context as context_module
from vic.vc.cborld.contextmemo import MEMO

REGISTRY: Registry = demo_registry()


@pytest.fixture(autouse=True)
def _walk_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the walk's context processing: decoding by a compiled plan
    (tests/cborld/test_decodeplan.py) would skip it."""
    monkeypatch.setattr(converter, "_USE_PLANS", False)


def _documents() -> dict[str, tuple[dict[str, Any], int, DocumentLoader | None]]:
    mark = did_web_mark()
    inline = copy.deepcopy(mark)
    inline["@context"] = [*inline["@context"], {"extraTerm": "https://example.test/extra"}]
    inline["extraTerm"] = "x"
    return {
        "demo mark, its entry": (mark, DEMO_ENTRY_ID, None),
        "demo mark, entry 1": (mark, 1, None),
        "did:key mark, entry 1": (did_key_mark(), 1, None),
        "mark with an inline context": (inline, 1, None),
        "example codecs document": (example_document(), 1, example_loader()),
    }


DOCUMENTS = _documents()


def _encode(name: str) -> bytes:
    document, entry_id, loader = DOCUMENTS[name]
    return encode(document, registry=REGISTRY, registry_entry_id=entry_id, loader=loader)


def _decode(name: str, data: bytes) -> dict[str, Any]:
    return decode(data, registry=REGISTRY, loader=DOCUMENTS[name][2])


def _cold(name: str) -> tuple[bytes, dict[str, Any]]:
    MEMO.clear()
    data = _encode(name)
    MEMO.clear()
    return data, _decode(name, data)


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_warm_equals_cold(name: str) -> None:
    cold_bytes, cold_document = _cold(name)
    for other in DOCUMENTS:  # warm the memo with everything else, in both directions
        _decode(other, _encode(other))
    assert _encode(name) == cold_bytes
    assert _decode(name, cold_bytes) == cold_document
    assert _encode(name) == cold_bytes  # and again, fully warm


def test_order_does_not_matter() -> None:
    MEMO.clear()
    forward = {name: _encode(name) for name in DOCUMENTS}
    MEMO.clear()
    backward = {name: _encode(name) for name in reversed(list(DOCUMENTS))}
    assert forward == backward


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_the_same_work_is_charged(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Equal totals mean the work cap refuses exactly the same conversions, cold or warm."""
    totals: list[int] = []
    original = context_module.ContextLoader.charge

    def charge(self: Any, units: int) -> None:
        totals[-1] += units
        original(self, units)

    monkeypatch.setattr(context_module.ContextLoader, "charge", charge)

    def run() -> None:
        totals.append(0)
        data = _encode(name)
        totals.append(0)
        _decode(name, data)

    MEMO.clear()
    run()
    run()
    run()
    assert totals[0:2] == totals[2:4] == totals[4:6]
    assert totals[0] > 0


def test_the_work_cap_refuses_the_same_warm_and_cold(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _encode("demo mark, its entry")
    MEMO.clear()
    monkeypatch.setattr(context_module, "DEFAULT_MAX_WORK", 10**9)
    work = _measure_decode_work(data, monkeypatch)
    for cap, refused in ((work - 1, True), (work, False)):
        monkeypatch.setattr(context_module, "DEFAULT_MAX_WORK", cap)
        for state in ("cold", "warm"):
            if state == "cold":
                MEMO.clear()
            outcome = _outcome(lambda: decode(data, registry=REGISTRY))
            assert (outcome == "CBORLD_TOO_COMPLEX") is refused, (cap, state)


def _measure_decode_work(data: bytes, monkeypatch: pytest.MonkeyPatch) -> int:
    seen: list[int] = []
    original = context_module.ContextLoader.charge

    def charge(self: Any, units: int) -> None:
        original(self, units)
        seen.append(self.work)

    with monkeypatch.context() as patched:
        patched.setattr(context_module.ContextLoader, "charge", charge)
        decode(data, registry=REGISTRY)
    return max(seen)


def _outcome(run: Any) -> str:
    try:
        run()
    except VicError as exc:
        return exc.code
    return "ok"


def test_a_loader_replacing_a_bundled_context_is_honoured_and_not_remembered() -> None:
    mark = did_web_mark()
    plain = encode(mark, registry=REGISTRY, registry_entry_id=1)  # memo warm with the bundled one
    changed = copy.deepcopy(context_document(VEHICLE_INSPECTION_V1))
    inner = changed["@context"]
    inner["aNewTermFirst"] = "https://example.test/new"  # shifts the term ids after it
    loader = DocumentLoader({VEHICLE_INSPECTION_V1: changed})
    before = len(MEMO)
    replaced = encode(mark, registry=REGISTRY, registry_entry_id=1, loader=loader)
    assert replaced != plain
    assert decode(replaced, registry=REGISTRY, loader=loader) == mark
    assert encode(mark, registry=REGISTRY, registry_entry_id=1) == plain
    MEMO.clear()
    assert encode(mark, registry=REGISTRY, registry_entry_id=1, loader=loader) == replaced
    assert before >= 0


def test_inline_contexts_are_not_remembered() -> None:
    MEMO.clear()
    _encode("demo mark, entry 1")
    size = len(MEMO)
    document = copy.deepcopy(DOCUMENTS["demo mark, entry 1"][0])
    for i in range(20):
        document["@context"] = [*document["@context"][:3], {f"t{i}": f"https://e.test/{i}"}]
        document[f"t{i}"] = "x"
        data = encode(document, registry=REGISTRY, registry_entry_id=1)
        assert decode(data, registry=REGISTRY) == document
        del document[f"t{i}"]
    assert len(MEMO) <= size + 5  # only the steps before the inline context


def test_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MEMO, "MAX_ENTRIES", 8)
    MEMO.clear()
    expected = {name: _cold(name)[0] for name in DOCUMENTS}
    for _ in range(3):
        for name in DOCUMENTS:
            assert _encode(name) == expected[name]
            assert len(MEMO) <= 8


def test_concurrent_conversions_from_a_cold_memo() -> None:
    expected = {name: _cold(name) for name in DOCUMENTS}
    MEMO.clear()
    names = list(DOCUMENTS) * 6

    def convert(name: str) -> tuple[str, bytes, dict[str, Any]]:
        data = _encode(name)
        return name, data, _decode(name, data)

    with ThreadPoolExecutor(max_workers=6) as pool:
        for name, data, document in pool.map(convert, names):
            assert (data, document) == expected[name]


def test_example_contexts_are_not_bundled_so_not_remembered() -> None:
    assert not MEMO.serves_bundled(example_loader(), EXAMPLE_URL)
    assert MEMO.serves_bundled(DocumentLoader(), VEHICLE_INSPECTION_V1)
