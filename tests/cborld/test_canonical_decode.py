"""decode() checks canonicity during its walk, and re-encodes only when the walk cannot show it.

The law: for every input, the decoder gives the same document or the same error as the decoder
that re-encoded every payload (``_ALWAYS_REENCODE``). Shown here on valid encodings (which must
take the walk's path), on every single-byte change, deletion and insertion of them, and on
payload-level changes that keep the CBOR well formed (codes written as text, singular and plural
ids swapped, values wrapped or replaced, keys removed), re-serialized canonically.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cborld.fixtures import example_document, example_loader
from tests.cborld.marks import DEMO_ENTRY_ID, demo_registry, did_key_mark, did_web_mark
from vic.contexts.errors import VicError
from vic.contexts.loader import DocumentLoader
from vic.vc import base45
from vic.vc.cborld import Registry, cbor, converter, decode, encode, tagforms

REGISTRY: Registry = demo_registry()
MRZ = Path(__file__).parent.parent / "vectors" / "vc-barcodes" / "ead-mrz.qr.txt"


def _corpus() -> dict[str, tuple[bytes, DocumentLoader | None]]:
    mark = did_web_mark()
    return {
        "demo mark, its entry": (
            encode(mark, registry=REGISTRY, registry_entry_id=DEMO_ENTRY_ID),
            None,
        ),
        "demo mark with created, entry 1": (
            encode(did_web_mark(created=True), registry=REGISTRY, registry_entry_id=1),
            None,
        ),
        "did:key mark, entry 1": (
            encode(did_key_mark(), registry=REGISTRY, registry_entry_id=1),
            None,
        ),
        "example codecs document": (
            encode(
                example_document(), registry=REGISTRY, registry_entry_id=1, loader=example_loader()
            ),
            example_loader(),
        ),
        "VC Barcodes MRZ vector": (base45.decode(MRZ.read_text().strip()[len("VC1-R") :]), None),
    }


CORPUS = _corpus()


def _outcome(data: bytes, loader: DocumentLoader | None, reencode: bool) -> tuple[str, Any]:
    previous = converter._ALWAYS_REENCODE
    converter._ALWAYS_REENCODE = reencode
    try:
        return ("ok", decode(data, registry=REGISTRY, loader=loader))
    except VicError as exc:
        return ("error", exc.code)
    finally:
        converter._ALWAYS_REENCODE = previous


def _same_outcome(data: bytes, loader: DocumentLoader | None) -> None:
    walked = _outcome(data, loader, reencode=False)
    reencoded = _outcome(data, loader, reencode=True)
    assert walked == reencoded, data.hex()


@pytest.mark.parametrize("name", list(CORPUS))
def test_valid_encodings_are_shown_canonical_by_the_walk(name: str) -> None:
    data, loader = CORPUS[name]
    header, payload = tagforms.read_tagged(data, cbor.DEFAULT_LIMITS)
    if header.format is not converter.CborldFormat.CBORLD_1_0 or not header.compressed:
        pytest.skip("only compressed CBOR-LD 1.0 takes the walk's path")
    _, _, shown = converter._decode(header, payload, REGISTRY, loader or DocumentLoader())
    assert shown
    _same_outcome(data, loader)


def _byte_mutations(data: bytes) -> Iterator[bytes]:
    for i in range(len(data)):
        for flip in (0x01, 0x80, 0xFF):
            yield data[:i] + bytes([data[i] ^ flip]) + data[i + 1 :]
        yield data[:i] + data[i + 1 :]
        yield data[:i] + b"\x00" + data[i:]


@pytest.mark.parametrize("name", ["demo mark, its entry", "did:key mark, entry 1"])
def test_every_byte_change_gives_the_same_outcome(name: str) -> None:
    data, loader = CORPUS[name]
    for mutated in _byte_mutations(data):
        _same_outcome(mutated, loader)


def _leaf_alternatives(value: Any) -> list[Any]:
    out: list[Any] = [None, [value], "x"]
    if isinstance(value, int) and not isinstance(value, bool):
        out += [str(value), value + 1, -1, float(value) + 0.5, True]
    if isinstance(value, str):
        out += [value + "/", value.upper(), 7]
        if value.isdigit():
            out.append(int(value))
    if isinstance(value, bytes):
        out += [value[:-1], value + b"\x00", value.hex()]
    if isinstance(value, list):
        out += [value[:1], value[:-1], [*value, value[0]] if value else []]
        if len(value) == 1:
            out.append(value[0])
    return out


def _payload_mutations(payload: Any, text_for: dict[int, str]) -> Iterator[Any]:
    """Copies of ``payload`` with one change each, at every position."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            for alternative in _leaf_alternatives(value):
                changed = dict(payload)
                changed[key] = alternative
                yield changed
            removed = {k: v for k, v in payload.items() if k != key}
            yield removed
            if isinstance(key, int):
                for new_key in (key ^ 1, text_for.get(key & ~1)):
                    if new_key is not None and new_key not in payload:
                        renamed = {(new_key if k == key else k): v for k, v in payload.items()}
                        yield renamed
            for inner in _payload_mutations(value, text_for):
                changed = dict(payload)
                changed[key] = inner
                yield changed
    elif isinstance(payload, list):
        for index, value in enumerate(payload):
            for inner in [*_leaf_alternatives(value), *_payload_mutations(value, text_for)]:
                changed = list(payload)
                changed[index] = inner
                yield changed


@pytest.mark.parametrize("name", list(CORPUS))
def test_payload_changes_give_the_same_outcome(name: str) -> None:
    data, loader = CORPUS[name]
    header, payload = tagforms.read_tagged(data, cbor.DEFAULT_LIMITS)
    if header.format is not converter.CborldFormat.CBORLD_1_0:
        pytest.skip("the re-encode alone checks the legacy forms")
    prefix = tagforms.tag_prefix(header.format, header.registry_entry_id, header.compressed)
    # term ids as text: what a writer that left a term uncompressed would put
    decompressor = converter._Decompressor(
        converter._type_table(REGISTRY.get(header.registry_entry_id or 0)),
        loader or DocumentLoader(),
        False,
    )
    decompressor.run(copy.deepcopy(payload))
    assert decompressor.contexts.id_to_term is not None
    text_for = dict(decompressor.contexts.id_to_term)
    count = 0
    for mutated in _payload_mutations(payload, text_for):
        try:
            candidate = prefix + cbor.dumps(mutated)
        except VicError:
            continue
        _same_outcome(candidate, loader)
        count += 1
    assert count > 20


def test_a_failure_inside_the_walks_check_only_means_re_encode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever the check itself raises, the outcome is the re-encode's, never a new error."""
    data, loader = CORPUS["demo mark, its entry"]
    expected = _outcome(data, loader, reencode=True)
    original = converter.encode_value
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise TypeError("a failure inside the check")
        return original(*args, **kwargs)

    monkeypatch.setattr(converter, "encode_value", flaky)
    monkeypatch.setattr(converter, "_USE_PLANS", False)  # the walk's own check, not a plan's
    assert _outcome(data, loader, reencode=False) == expected
    assert calls["n"] > 1  # the re-encode ran
