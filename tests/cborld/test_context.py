"""How CBOR-LD term ids come about: sorted terms of each context as it is loaded, from 100 by 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cborld.fixtures import EXAMPLE_URL, IMPORTING_URL, example_loader
from vic.contexts.errors import JsonLdError, ParsingError
from vic.contexts.loader import DocumentLoader
from vic.vc import base45
from vic.vc.cborld import cbor
from vic.vc.cborld.context import ABSENT, ActiveContext, ContextLoader, js_sorted, js_truthy
from vic.vc.cborld.tables import KEYWORDS

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "vc-barcodes"


def test_keywords_have_fixed_even_ids() -> None:
    assert KEYWORDS["@context"] == 0
    assert KEYWORDS["@type"] == 2
    assert KEYWORDS["@id"] == 4
    assert all(v % 2 == 0 for v in KEYWORDS.values())
    assert len(set(KEYWORDS.values())) == len(KEYWORDS)


def test_terms_of_a_context_get_ids_in_sorted_order() -> None:
    loader = ContextLoader(DocumentLoader(), reverse=True)
    loader.load(CREDENTIALS_V2)
    ids = loader.term_to_id
    # "..." sorts first (0x2E), then upper case, "_sd", then lower case (UTF-16 code unit order)
    assert ids["..."] == 100
    assert ids["BitstringStatusList"] == 102
    assert ids["VerifiableCredential"] == 118
    assert ids["type"] == 156
    assert ids["x5u"] == 158
    assert loader.next_term_id == 160
    # keywords are not terms of the context
    assert ids["@protected"] == KEYWORDS["@protected"]
    assert loader.term_for_id(157) == ("type", True)  # the plural id
    with pytest.raises(ParsingError) as info:
        loader.term_for_id(160)
    assert info.value.code == "UNKNOWN_TERM_ID"


def test_the_mrz_example_uses_the_ids_cborld_assigns() -> None:
    text = (VECTORS / "ead-mrz.qr.txt").read_text("utf-8").strip()
    tagged = cbor.Reader(base45.decode(text[len("VC1-R") :]))
    tagged.head()
    tagged.head()
    assert tagged.item() == 100  # registry entry 100
    payload = tagged.item()
    assert payload[1] == [32768, 32769, 32770]  # plural @context, from entry 100's context table
    assert payload[157] == [118, 164]  # plural type: VerifiableCredential, OpticalBarcodeCredential
    assert payload[190] == 174  # issuer: a did:key term of the utopia context
    assert set(payload) == {1, 157, 186, 190, 192}  # credentialSubject 186, proof 192


def test_type_and_property_scoped_contexts_load_when_reached() -> None:
    loader = ContextLoader(example_loader(), reverse=False)
    active = ActiveContext.initial(loader).apply_embedded([CREDENTIALS_V2, EXAMPLE_URL])
    before = loader.next_term_id
    assert "scopedNote" not in loader.term_to_id
    scoped = active.apply_type_scoped(["Thing"])
    assert loader.term_to_id["kindOf"] == before  # sorted: kindOf < scopedNote
    assert loader.term_to_id["scopedNote"] == before + 2
    assert "scopedNote" in scoped.term_map
    # type-scoped terms do not propagate into a property's values
    inner = scoped.apply_property_scoped("nested")
    assert "scopedNote" not in inner.term_map
    assert "innerNote" in inner.term_map
    # ... and property-scoped ones do
    assert "innerNote" in inner.apply_property_scoped("note").term_map


def test_import_is_merged_and_itself_a_term() -> None:
    loader = ContextLoader(example_loader(), reverse=False)
    ActiveContext.initial(loader).apply_embedded(IMPORTING_URL)
    assert "Thing" in loader.term_to_id  # the imported context's terms first
    assert loader.term_to_id["@import"] > loader.term_to_id["xsd"]  # then the importer's
    assert "extra" in loader.term_to_id


def test_curies_resolve_against_the_context_then_active_terms() -> None:
    loader = ContextLoader(example_loader(), reverse=False)
    active = ActiveContext.initial(loader).apply_embedded(EXAMPLE_URL)
    assert active.definition("when")["@type"] == "http://www.w3.org/2001/XMLSchema#dateTime"
    embedded = active.apply_embedded({"mine": "ex:mine"})
    assert embedded.definition("mine")["@id"] == "https://example.test/vocab#mine"


def test_array_context_documents_read_as_cborld_reads_them() -> None:
    loader = example_loader().with_documents(
        {"https://example.test/array": {"@context": [EXAMPLE_URL]}}
    )
    contexts = ContextLoader(loader, reverse=False)
    contexts.load("https://example.test/array")
    assert "0" in contexts.term_to_id  # cborld keys an array context by index


@pytest.mark.parametrize(
    "context",
    [
        {"bad": 5},
        {"bad": {"@id": None}},
        {"bad": {"@type": "@id"}},  # no @id and not a CURIE: cborld cannot tell its IRI
        {"loop:x": "loop:x", "loop": "loop:"},
    ],
)
def test_invalid_term_definitions(context: dict[str, object]) -> None:
    loader = ContextLoader(DocumentLoader(), reverse=False)
    with pytest.raises(JsonLdError):
        ActiveContext.initial(loader).apply_embedded(context)


def test_null_scoped_context_is_refused() -> None:
    loader = ContextLoader(DocumentLoader(), reverse=False)
    with pytest.raises(JsonLdError) as info:
        ActiveContext.initial(loader).apply_embedded(None)
    assert info.value.code == "UNSUPPORTED_CONTEXT"


def test_js_helpers() -> None:
    assert js_sorted(["b", "B", "\uffff", "\U0001f600", "a"]) == [
        "B",
        "a",
        "b",
        "\U0001f600",  # a surrogate pair sorts before U+FFFF in UTF-16
        "\uffff",
    ]
    assert [js_truthy(v) for v in (None, ABSENT, False, 0, 0.0, "", [], {}, "x", 1)] == [
        False,
        False,
        False,
        False,
        False,
        False,
        True,
        True,
        True,
        True,
    ]
