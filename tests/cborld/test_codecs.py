"""CBOR-LD value codecs: byte for byte what @digitalbazaar/cborld 8.1 writes (golden vectors it
produced), the forms of each codec, and the documents no CBOR-LD can carry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cborld.fixtures import (
    CODEC_CASES,
    CODEC_TABLES,
    EXAMPLE_URL,
    example_document,
    example_loader,
)
from vic.contexts.errors import JsonLdError, MalformedValueError, VicError
from vic.vc.cborld import Registry, RegistryEntry, decode, encode
from vic.vc.cborld import cbor as raw_cbor
from vic.vc.cborld.registry import tables_from_json
from vic.vc.cborld.urls import js_url_scheme

GOLDEN = json.loads((Path(__file__).parent / "codec_golden.json").read_text("utf-8"))
TABLED = 20000
REGISTRY = Registry([RegistryEntry(TABLED, tables_from_json(CODEC_TABLES))])
CASES = dict(CODEC_CASES)
# where cborld throws instead of encoding (it cannot decode the base58 it is given), vic keeps text
CBORLD_THROWS = {"multibase-invalid-stays-text"}


def _payload(data: bytes) -> Any:
    """The raw CBOR payload of CBOR-LD 1.0 bytes (the element after the registry entry id)."""
    tagged = raw_cbor.Reader(data)
    tagged.head()  # the tag
    tagged.head()  # the array of two
    tagged.item()  # the registry entry id
    return tagged.item()


def _encode(doc: dict[str, Any], entry_id: int = TABLED) -> bytes:
    return encode(doc, registry=REGISTRY, registry_entry_id=entry_id, loader=example_loader())


def _decode(data: bytes) -> dict[str, Any]:
    return decode(data, registry=REGISTRY, loader=example_loader())


def test_golden_covers_every_case() -> None:
    assert set(GOLDEN["entry1"]) == set(CASES) == set(GOLDEN["entry20000"])
    assert {k for k, v in GOLDEN["entry20000"].items() if v is None} == CBORLD_THROWS


@pytest.mark.parametrize("entry_id", [1, TABLED])
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_cborld_byte_for_byte(name: str, entry_id: int) -> None:
    document = CASES[name]
    ours = _encode(document, entry_id)
    golden = GOLDEN[f"entry{entry_id}"][name]
    assert _decode(ours) == document
    if golden is None:
        assert name in CBORLD_THROWS
        return
    assert ours.hex() == golden
    assert _decode(bytes.fromhex(golden)) == document


@pytest.mark.parametrize(
    ("name", "term", "expected"),
    [
        ("datetime", "when", 1859212799),
        ("datetime-ms", "when", [1859212799, 123]),
        ("datetime-before-1970", "when", [-1, 500]),
        ("datetime-offset-stays-text", "when", "2028-11-30T23:59:59+08:00"),
        ("date", "day", 1859155200),
        ("urn-uuid", "@id", [3, bytes.fromhex("7776aed7c83c4a668df14b2755025d47")]),
        ("urn-uuid-upper", "@id", [3, "7776AED7-C83C-4A66-8DF1-4B2755025D47"]),
        ("https", "link", [2, "example.test/a/b?c=d#e"]),
        ("http", "link", [1, "example.test/"]),
        ("https-port-stays-text", "link", "https://example.test:8443/x"),
        ("tabled-url", "link", b"\x01"),
        ("tabled-url-2-bytes", "link", b"\x01\x2c"),
        ("data-base64", "link", [4, "text/plain", b"Hello"]),
        ("data-plain", "link", [4, ",Hello%20world"]),
        ("did-key-text-fragment", "link", "did-key-text-fragment"),
        ("multibase-u", "mb", b"u\x01\x02\x03"),
        ("multibase-M", "mb", b"M\x01\x02\x03"),
        ("multibase-empty-z", "mb", b"z"),
        ("multibase-other-base", "mb", "f0102"),
        ("typed-table", "level", 1),
        ("typed-int", "level", b"\x05"),
        ("typed-int-wide", "level", b"\x03\xe8"),
        ("typed-int-negative", "level", b"\xfb"),
        ("none-table", "note", b"\x00\x01\x11\x70"),
        ("none-plain", "note", "鄂L12345 plain"),
    ],
)
def test_codec_forms(name: str, term: str, expected: Any) -> None:
    document = CASES[name]
    payload = _payload(_encode(document))
    # find the value by decoding keys: the term ids are the decoder's business, so look the
    # value up by position of the term among the payload's keys after a decode round trip
    decoded = _decode(_encode(document))
    assert decoded == document
    values = [v for k, v in payload.items() if k not in (0, 1, 2, 3)]
    if expected == "did-key-text-fragment":
        did_key = [v for v in values if isinstance(v, list) and v and v[0] == 1025]
        assert did_key
        assert isinstance(did_key[0][1], bytes)
        assert did_key[0][2] == "key-1"
        return
    assert expected in values, (term, values)


def test_term_ids_and_keyword_ids_as_url_values() -> None:
    payload = _payload(_encode(CASES["keyword-as-url"]))
    assert 16 in payload.values()  # "@json" is keyword id 16
    payload = _payload(_encode(CASES["term-as-url"]))
    red = [v for v in payload.values() if isinstance(v, int) and v >= 100]
    assert red, payload


@pytest.mark.parametrize(
    ("value", "scheme"),
    [
        ("https://example.test/x", "https"),
        ("https://example.test:8443/x", "https://example.test"),
        ("https://exa mple.test/", None),
        ("https://1.2.3.256/", None),
        ("https://0x7f.1/", "https"),
        ("https://1.2.3.4.5/", None),
        ("https://example.1/", None),
        ("https:///", None),
        ("https://", None),
        ("https://user@/", None),
        ("https://user@example.test/", "https"),
        ("https://a%41.test/", "https"),
        ("https://a%00.test/", None),
        ("https://[1]/", None),
        ("https://bücher.example/", "https"),
        ("https://\tex\nample.test/", "https"),
        ("did:key:z6Mk#z6Mk", "did:key"),
        ("urn:uuid:x", "urn:uuid"),
        ("data:,x", "data"),
        ("data://a b", None),
        ("data://ab/c", "data"),
        ("no-scheme", None),
        ("1abc:x", None),
        ("Red", None),
    ],
)
def test_js_url_scheme(value: str, scheme: str | None) -> None:
    assert js_url_scheme(value) == scheme


@pytest.mark.parametrize(
    "document",
    [
        {"@context": None, "note": "x"},  # a null context (cborld cannot process it)
        {"@context": "", "note": "x"},  # falsy: cborld silently drops it
        {"@context": [EXAMPLE_URL, 5]},
        example_document(link=5),  # a URL must be text
        example_document(links=[["https://example.test/a"]]),  # a list of lists of URLs
        example_document(when=1700000000),  # a number where a dateTime is expected
        example_document(count=float("nan")),
        example_document(count=1.0),  # an integral float would decode as an integer elsewhere
        example_document(count=2**64),
        {**example_document(), "type": "did:key:z6Mk"},  # cborld reads such a type back wrong
    ],
)
def test_documents_cborld_cannot_carry_are_refused(document: dict[str, Any]) -> None:
    with pytest.raises(MalformedValueError):
        _encode(document)


def test_unknown_contexts_are_not_fetched() -> None:
    with pytest.raises(JsonLdError) as info:
        _encode({"@context": "https://unknown.example/v1", "note": "x"})
    assert info.value.code == "UNKNOWN_CONTEXT"


def test_protected_terms_cannot_be_redefined() -> None:
    document = {
        "@context": [EXAMPLE_URL, {"note": "https://elsewhere.example/note"}],
        "note": "x",
    }
    with pytest.raises(JsonLdError) as info:
        _encode(document)
    assert info.value.code == "PROTECTED_TERM_REDEFINITION"


def test_errors_are_vic_errors_only() -> None:
    for bad in ([], "text", {"@context": {"@import": 5}}, {"a": object()}):
        with pytest.raises(VicError):
            _encode(bad)  # type: ignore[arg-type]


@settings(max_examples=500, deadline=None)
@given(
    seconds=st.one_of(
        st.integers(0, 253402300799),
        st.integers(-(8_640_000_000_000), 8_640_000_000_000),
        st.sampled_from([0, 86399, 86400, 951782400, 951868800, 2**31 - 1, 2**31, 253402300799]),
    )
)
def test_dateTime_text_is_the_javascript_text(seconds: int) -> None:
    """iso_datetime's C-library path (1970 to 9999) and the arithmetic one write the same text."""
    from vic.vc.cborld.codecs import _iso, iso_datetime

    assert iso_datetime(seconds) == _iso(seconds, None)


def _uuid_by_pattern(data: bytes) -> str | None:
    """uuid_text as it was: the hex text in the UUID form, accepted when _UUID matches it."""
    from vic.vc.cborld.codecs import _UUID

    text = data.hex()
    uuid = f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return uuid if len(data) == 16 and _UUID.fullmatch(uuid) else None


_UUID_EDGES = [
    bytes(16),
    b"\xff" * 16,
    b"\x00" * 15 + b"\x01",
    b"\xff" * 15 + b"\xfe",
    b"",
    bytes(15),
    bytes(17),
    b"\xff" * 17,
    *(
        bytes(6) + bytes([v]) + b"\x00" + bytes([w]) + bytes(7)
        for v in range(256)
        for w in range(256)
    ),
]


@settings(max_examples=2000, deadline=None)
@given(
    data=st.one_of(
        st.binary(min_size=16, max_size=16),
        st.binary(max_size=20),
        st.sampled_from(_UUID_EDGES),
        st.builds(
            lambda head, version, mid, variant, tail: (
                head + bytes([version]) + mid + bytes([variant]) + tail
            ),
            st.binary(min_size=6, max_size=6),
            st.integers(0, 255),
            st.binary(min_size=1, max_size=1),
            st.integers(0, 255),
            st.binary(min_size=7, max_size=7),
        ),
    )
)
def test_uuid_text_reads_the_bytes_as_the_pattern_did(data: bytes) -> None:
    """uuid_text's byte test (version nibble, variant bits, nil and max UUID) accepts exactly the
    16-byte values whose text _UUID matches, and writes the same text."""
    from vic.vc.cborld.codecs import uuid_text

    assert uuid_text(data) == _uuid_by_pattern(data)


def test_uuid_text_every_version_and_variant_byte() -> None:
    from vic.vc.cborld.codecs import uuid_text

    for data in _UUID_EDGES:
        assert uuid_text(data) == _uuid_by_pattern(data), data
