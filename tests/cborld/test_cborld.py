"""CBOR-LD end to end: lossless round trips of signed marks, the tag forms, canonical and bounded
decoding with vic's error codes only."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cborld.marks import (
    DEMO_ENTRY_ID,
    demo_registry,
    did_key_mark,
    did_web_mark,
    web_resolver,
)
from tests.mark.strategies import vehicle_subjects
from tests.workcount import counted_calls
from vic.contexts.errors import (
    InputTooLargeError,
    MalformedValueError,
    NestingTooDeepError,
    ParsingError,
    VicError,
)
from vic.did.resolver import DidResolver
from vic.vc.cborld import (
    CborldFormat,
    Registry,
    RegistryEntry,
    bundled_entry,
    cbor,
    decode,
    encode,
    read_header,
)
from vic.vc.cborld import context as context_module
from vic.vc.jsonld import canonicalize
from vic.vc.mark import VehicleSubject, new_mark_id
from vic.vc.proofs import verify_proofs

REGISTRY = demo_registry()
ENTRIES = [0, 1, 100, DEMO_ENTRY_ID]


def _verifies(document: dict[str, Any], resolver: DidResolver | None = None) -> bool:
    return verify_proofs(document, resolver=resolver or DidResolver()).verified


@pytest.fixture(scope="module")
def key_mark() -> dict[str, Any]:
    return did_key_mark(mark_id=new_mark_id(), created=True)


@pytest.fixture(scope="module")
def web_mark() -> dict[str, Any]:
    return did_web_mark()


@pytest.mark.parametrize("entry_id", ENTRIES)
def test_signed_marks_round_trip_and_verify(
    entry_id: int, key_mark: dict[str, Any], web_mark: dict[str, Any]
) -> None:
    for mark, resolver in ((key_mark, DidResolver()), (web_mark, web_resolver())):
        data = encode(mark, registry=REGISTRY, registry_entry_id=entry_id)
        assert read_header(data).registry_entry_id == entry_id
        back = decode(data, registry=REGISTRY)
        assert back == mark
        assert _verifies(back, resolver)


def test_sizes_order_as_expected(web_mark: dict[str, Any]) -> None:
    sizes = {e: len(encode(web_mark, registry=REGISTRY, registry_entry_id=e)) for e in ENTRIES}
    assert sizes[0] > sizes[1] > sizes[100] > sizes[DEMO_ENTRY_ID]
    assert sizes[DEMO_ENTRY_ID] <= 204  # docs/qr.md: ~204 bytes fits QR version 10 at level M


def test_1_0_header_bytes(web_mark: dict[str, Any]) -> None:
    data = encode(web_mark, registry=REGISTRY, registry_entry_id=DEMO_ENTRY_ID)
    assert data[:7] == bytes.fromhex("d9cb1d82193cf1")  # tag 0xCB1D, [15601, ...
    assert encode(web_mark, registry=REGISTRY, registry_entry_id=1)[:5].hex() == "d9cb1d8201"
    assert encode(web_mark, registry=REGISTRY, registry_entry_id=100)[:6].hex() == "d9cb1d821864"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=vehicle_subjects(),
    with_id=st.booleans(),
    created=st.booleans(),
    entry_id=st.sampled_from(ENTRIES),
    web=st.booleans(),
)
def test_random_marks_round_trip_losslessly_and_verify(
    subject: VehicleSubject, with_id: bool, created: bool, entry_id: int, web: bool
) -> None:
    mark_id = new_mark_id() if with_id else None
    if web:
        mark, resolver = did_web_mark(subject, mark_id=mark_id, created=created), web_resolver()
    else:
        mark, resolver = did_key_mark(subject, mark_id=mark_id, created=created), DidResolver()
    data = encode(mark, registry=REGISTRY, registry_entry_id=entry_id)
    back = decode(data, registry=REGISTRY)
    assert back == mark
    assert encode(back, registry=REGISTRY, registry_entry_id=entry_id) == data
    assert _verifies(back, resolver)


# --- the pre-1.0 tag forms -----------------------------------------------------------------------


@pytest.mark.parametrize("entry_id", [0, 1, 100, DEMO_ENTRY_ID])
def test_legacy_range_form(entry_id: int, web_mark: dict[str, Any]) -> None:
    data = encode(web_mark, registry=REGISTRY, registry_entry_id=entry_id, format="legacy-range")
    header = read_header(data)
    assert header.format is CborldFormat.LEGACY_RANGE
    assert header.registry_entry_id == entry_id
    if entry_id < 128:
        assert data[:3] == bytes([0xD9, 0x06, entry_id])
    else:  # varint: first byte in the tag, the rest in an array's first element
        assert data[:3] == bytes([0xD9, 0x06, 0x80 | (entry_id & 0x7F)])
        assert data[3] == 0x82
    assert decode(data, registry=REGISTRY) == web_mark
    modern = encode(web_mark, registry=REGISTRY, registry_entry_id=entry_id)
    assert _strip_header(modern) == _strip_header(data)  # same payload, another header


def _strip_header(data: bytes) -> bytes:
    reader = cbor.Reader(data)
    _, _, tag = reader.head()
    if tag == 0xCB1D or tag >= 0x0680:
        reader.head()
        reader.item()
    return data[reader.pos :]


def test_hand_built_legacy_range_decodes(web_mark: dict[str, Any]) -> None:
    payload = _strip_header(encode(web_mark, registry=REGISTRY, registry_entry_id=100))
    assert decode(b"\xd9\x06\x64" + payload, registry=REGISTRY) == web_mark
    # 15601 = 0x3CF1: varint f1 79 -> tag 0x06f1, then [h'79', payload]
    payload = _strip_header(encode(web_mark, registry=REGISTRY, registry_entry_id=DEMO_ENTRY_ID))
    built = b"\xd9\x06\xf1\x82\x41\x79" + payload
    assert decode(built, registry=REGISTRY) == web_mark


@pytest.mark.parametrize("compressed", [True, False])
def test_legacy_singleton_form(compressed: bool, key_mark: dict[str, Any]) -> None:
    data = encode(
        key_mark,
        registry=REGISTRY,
        registry_entry_id=1 if compressed else 0,
        format="legacy-singleton",
    )
    assert data[:3] == bytes([0xD9, 0x05, 0x01 if compressed else 0x00])
    header = read_header(data)
    assert (header.format, header.registry_entry_id, header.compressed) == (
        CborldFormat.LEGACY_SINGLETON,
        None,
        compressed,
    )
    back = decode(data, registry=REGISTRY)
    assert back == key_mark
    assert _verifies(back)


# --- rejected input ------------------------------------------------------------------------------


def _with_payload(entry_id: int, payload: Any) -> bytes:
    return b"\xd9\xcb\x1d\x82" + cbor.dumps(entry_id) + cbor.dumps(payload)


def _raw_payload(data: bytes) -> Any:
    return cbor.loads(_strip_header(data))


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "INVALID_CBOR"),
        (bytes.fromhex("a0"), "NOT_CBORLD"),  # an untagged map
        (bytes.fromhex("d9cb1ea0"), "UNKNOWN_CBORLD_TAG"),
        (bytes.fromhex("d818a0"), "UNKNOWN_CBORLD_TAG"),
        (bytes.fromhex("d90700a0"), "UNKNOWN_CBORLD_TAG"),
        (bytes.fromhex("d9cb1d8301a000"), "INVALID_CBORLD_HEADER"),  # three elements
        (bytes.fromhex("d9cb1d82a0a0"), "INVALID_CBORLD_HEADER"),  # the id is not an integer
        (bytes.fromhex("d9cb1d822001"), "INVALID_CBORLD_HEADER"),  # a negative id
        (bytes.fromhex("d9cb1d821a000f4240a0"), "UNKNOWN_REGISTRY_ENTRY"),  # 1000000
        (bytes.fromhex("d906f08241ffa0"), "INVALID_CBORLD_HEADER"),  # varint never ends
        (bytes.fromhex("d906e4824100a0"), "NON_CANONICAL_CBORLD"),  # 100 as a 2-byte varint
        (bytes.fromhex("d906f08201a0"), "INVALID_CBORLD_HEADER"),  # varint rest not bytes
        (bytes.fromhex("d9cb1d8201a1"), "INVALID_CBOR"),  # truncated
        (bytes.fromhex("d9cb1d8201a000"), "TRAILING_BYTES"),
        (bytes.fromhex("d9cb1d820182"), "INVALID_CBOR"),
        (bytes.fromhex("d9cb1d82015b1000000000000000"), "CBOR_TOO_LARGE"),  # 2^60 bytes
        (bytes.fromhex("d9cb1d82019b1000000000000000"), "CBOR_TOO_LARGE"),
        (bytes.fromhex("d9cb1d8201") + b"\x81" * 5000 + b"\x00", "CBOR_TOO_DEEP"),
        (_with_payload(1, {9998: "x"}), "UNKNOWN_TERM_ID"),
        (_with_payload(1, {0: 7}), "UNKNOWN_CONTEXT_CODE"),
        (_with_payload(1, {0: 1.5}), "UNKNOWN_CONTEXT_CODE"),
        (
            _with_payload(1, {0: "https://www.w3.org/ns/credentials/v2", 1: []}),
            "INVALID_ENCODED_CONTEXT",
        ),
        (_with_payload(1, {1: "https://www.w3.org/ns/credentials/v2"}), "INVALID_ENCODED_CONTEXT"),
        (_with_payload(1, {0: True}), "INVALID_ENCODED_CONTEXT"),
        (_with_payload(1, [1, 2]), "INVALID_CBORLD_PAYLOAD"),
        (_with_payload(0, [1, 2]), "INVALID_CBORLD_PAYLOAD"),
        (_with_payload(0, {1: 2}), "INVALID_CBORLD_PAYLOAD"),
        (_with_payload(0, {"a": b"\x00"}), "INVALID_CBORLD_VALUE"),  # bytes are not JSON
        (bytes.fromhex("d9cb1d8200a2616201616102"), "NON_CANONICAL_CBORLD"),  # keys unsorted
        (_with_payload(1, {4: b"\x01"}), "UNKNOWN_COMPRESSED_VALUE"),  # @id from an empty url table
        (_with_payload(1, {4: [9, "x"]}), "UNKNOWN_COMPRESSED_VALUE"),
        (_with_payload(1, {4: [3, b"\x00" * 15]}), "INVALID_CBORLD_VALUE"),  # a 15-byte UUID
        (_with_payload(1, {4: [3, bytes(16)[:6] + b"\x90" + bytes(9)]}), "INVALID_CBORLD_VALUE"),
        (_with_payload(1, {4: 9999}), "UNKNOWN_TERM_ID"),
        (_with_payload(1, {4: True}), "INVALID_CBORLD_VALUE"),
        (_with_payload(1, {5: "x"}), "INVALID_CBORLD_PAYLOAD"),  # plural @id, not an array
        (_with_payload(1, {3: [None]}), "INVALID_CBORLD_VALUE"),  # a null type
        (_with_payload(1, {4: 5}), "NON_CANONICAL_CBORLD"),  # odd: plural of @id, read as @id
        (_with_payload(1, {"@id": "urn:x:y"}), "NON_CANONICAL_CBORLD"),  # a keyword as text
    ],
)
def test_bad_input_codes(data: bytes, code: str) -> None:
    with pytest.raises(ParsingError) as info:
        decode(data, registry=REGISTRY)
    assert info.value.code == code


def test_huge_lengths_fail_without_allocating() -> None:
    with pytest.raises(InputTooLargeError):
        decode(bytes.fromhex("d9cb1d82015b1000000000000000"), registry=REGISTRY)
    with pytest.raises(NestingTooDeepError):
        decode(bytes.fromhex("d9cb1d8201") + b"\xa1\x00" * 100 + b"\x00", registry=REGISTRY)
    with pytest.raises(InputTooLargeError):
        decode(b"\xd9\xcb\x1d\x82\x01" + b"\x00" * 70_000, registry=REGISTRY)


CBORLD_DECODE_CALL_BUDGET = 1_500_000
"""Python calls decoding may cost before the context-processing cap refuses it: ~570,000 at the
default cap (a count, not a time: load cannot change it)."""


def test_context_processing_work_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    # many terms in force times many objects: quadratic context processing, refused early
    terms = {f"t{i}": f"https://example.test/{i}" for i in range(1500)}
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", terms],
        "type": "VerifiableCredential",  # its type-scoped terms do not propagate
        **{f"t{i}": {} for i in range(1500)},
    }
    with pytest.raises(MalformedValueError) as refused:
        encode(document, registry=REGISTRY, registry_entry_id=1)
    assert refused.value.code == "CBORLD_TOO_COMPLEX"
    with monkeypatch.context() as patched:
        patched.setattr(context_module, "DEFAULT_MAX_WORK", 10**9)
        data = encode(document, registry=REGISTRY, registry_entry_id=1)
    assert len(data) < cbor.DEFAULT_LIMITS.max_bytes
    with counted_calls() as work, pytest.raises(InputTooLargeError) as info:
        decode(data, registry=REGISTRY)
    assert info.value.code == "CBORLD_TOO_COMPLEX"
    assert work.calls < CBORLD_DECODE_CALL_BUDGET


def test_unknown_registry_entry_needs_the_authoritys_file(web_mark: dict[str, Any]) -> None:
    data = encode(web_mark, registry=REGISTRY, registry_entry_id=DEMO_ENTRY_ID)
    with pytest.raises(ParsingError) as info:
        decode(data, registry=Registry())
    assert info.value.code == "UNKNOWN_REGISTRY_ENTRY"


def test_an_unknown_table_code_is_refused(web_mark: dict[str, Any]) -> None:
    rotated = bundled_entry().append({"url": ["did:web:demo.vic.example#key-2"]})
    registry = Registry([rotated])
    mark = copy.deepcopy(web_mark)
    mark["proof"]["verificationMethod"] = "did:web:demo.vic.example#key-2"
    data = encode(mark, registry=registry, registry_entry_id=DEMO_ENTRY_ID)
    # a verifier holding only version 1 of the entry cannot read key-2's code
    with pytest.raises(ParsingError) as info:
        decode(data, registry=REGISTRY)
    assert info.value.code == "UNKNOWN_COMPRESSED_VALUE"
    # one holding version 2 reads marks of both keys (append-only)
    assert decode(data, registry=registry) == mark
    old = encode(web_mark, registry=REGISTRY, registry_entry_id=DEMO_ENTRY_ID)
    assert decode(old, registry=registry) == web_mark


def test_equivalent_but_non_canonical_bytes_are_refused(web_mark: dict[str, Any]) -> None:
    data = encode(web_mark, registry=REGISTRY, registry_entry_id=DEMO_ENTRY_ID)
    payload = _raw_payload(data)
    # the issuer is the url table's code 1, written h'01'; cborld would also accept h'0001'
    issuer_keys = [k for k, v in payload.items() if v == b"\x01"]
    assert len(issuer_keys) == 1
    payload[issuer_keys[0]] = b"\x00\x01"
    with pytest.raises(ParsingError) as info:
        decode(_with_payload(DEMO_ENTRY_ID, payload), registry=REGISTRY)
    assert info.value.code == "NON_CANONICAL_CBORLD"


# --- fuzzing -------------------------------------------------------------------------------------


_ACCEPTED_CODES = {
    "CBORLD_TOO_COMPLEX",
    "INVALID_CBOR",
    "TRAILING_BYTES",
    "CBOR_TOO_LARGE",
    "CBOR_TOO_DEEP",
    "NOT_CBORLD",
    "UNKNOWN_CBORLD_TAG",
    "INVALID_CBORLD_HEADER",
    "UNKNOWN_REGISTRY_ENTRY",
    "UNKNOWN_TERM_ID",
    "UNKNOWN_COMPRESSED_VALUE",
    "UNKNOWN_CONTEXT_CODE",
    "INVALID_ENCODED_CONTEXT",
    "INVALID_CBORLD_PAYLOAD",
    "INVALID_CBORLD_VALUE",
    "CBORLD_VALUE_TOO_LARGE",
    "NON_CANONICAL_CBORLD",
}


def _outcome(data: bytes) -> str:
    try:
        decode(data, registry=REGISTRY)
    except ParsingError as exc:
        return exc.code
    except VicError as exc:  # a context problem: vic's error, of the JSON-LD family
        return "JSONLD:" + exc.code
    return "decoded"


_SEED = did_web_mark()
_SEED_BYTES = encode(_SEED, registry=REGISTRY, registry_entry_id=DEMO_ENTRY_ID)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(data: bytes) -> None:
    outcome = _outcome(data)
    assert outcome == "decoded" or outcome in _ACCEPTED_CODES or outcome.startswith("JSONLD:")


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_SEED_BYTES) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=4,
    ),
    st.integers(0, len(_SEED_BYTES)),
)
def test_fuzz_mutated_marks(changes: list[tuple[int, int]], cut: int) -> None:
    mutated = bytearray(_SEED_BYTES)
    for position, byte in changes:
        mutated[position] = byte
    for candidate in (bytes(mutated), bytes(mutated[:cut])):
        outcome = _outcome(candidate)
        assert outcome == "decoded" or outcome in _ACCEPTED_CODES or outcome.startswith("JSONLD:")


def test_registry_entries_with_tables_of_every_kind_decode_what_they_encode() -> None:
    entry = RegistryEntry(
        20001,
        {
            "context": {"https://www.w3.org/ns/credentials/v2": 5},
            "none": {"鄂L12345": 0},
            "url": {"https://demo.vic.example/status": 65534, "did:web:demo.vic.example": 255},
        },
    )
    registry = Registry([entry])
    mark = did_web_mark()
    data = encode(mark, registry=registry, registry_entry_id=20001)
    assert decode(data, registry=registry) == mark
    assert canonicalize(decode(data, registry=registry)) == canonicalize(mark)
