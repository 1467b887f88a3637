"""A test context exercising every CBOR-LD codec, and documents that use it.

Shared by the pure-Python tests and by the interop tests, which hand the same context to
@digitalbazaar/cborld.
"""

from __future__ import annotations

import copy
from typing import Any

from vic.contexts.loader import DocumentLoader

__all__ = [
    "CODEC_CASES",
    "CODEC_TABLES",
    "EXAMPLE_CONTEXT",
    "EXAMPLE_CONTEXTS",
    "EXAMPLE_URL",
    "IMPORTING_URL",
    "example_document",
    "example_loader",
]

EXAMPLE_URL = "https://example.test/codecs/v1"
IMPORTING_URL = "https://example.test/importing/v1"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"

EXAMPLE_CONTEXT: dict[str, Any] = {
    "@context": {
        "@protected": True,
        "id": "@id",
        "type": "@type",
        "ex": "https://example.test/vocab#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "Thing": {
            "@id": "ex:Thing",
            "@context": {
                "@protected": True,
                "scopedNote": "ex:scopedNote",
                "kindOf": {"@id": "ex:kindOf", "@type": "@vocab"},
            },
        },
        "Other": "ex:Other",
        "link": {"@id": "ex:link", "@type": "@id"},
        "links": {"@id": "ex:links", "@type": "@id", "@container": "@set"},
        "kind": {"@id": "ex:kind", "@type": "@vocab"},
        "when": {"@id": "ex:when", "@type": "xsd:dateTime"},
        "day": {"@id": "ex:day", "@type": "xsd:date"},
        "mb": {"@id": "ex:mb", "@type": "https://w3id.org/security#multibase"},
        "level": {"@id": "ex:level", "@type": "ex:Level"},
        "count": "ex:count",
        "note": "ex:note",
        "flag": "ex:flag",
        "ratio": "ex:ratio",
        "nested": {"@id": "ex:nested", "@context": {"innerNote": "ex:innerNote"}},
        "Red": "ex:Red",
        "Blue": "ex:Blue",
    }
}

IMPORTING_CONTEXT: dict[str, Any] = {
    "@context": {"@import": EXAMPLE_URL, "extra": "https://example.test/vocab#extra"}
}

EXAMPLE_CONTEXTS = {EXAMPLE_URL: EXAMPLE_CONTEXT, IMPORTING_URL: IMPORTING_CONTEXT}

CODEC_TABLES: list[dict[str, Any]] = [
    {"type": "context", "table": {CREDENTIALS_V2: 1, EXAMPLE_URL: 2}},
    {"type": "url", "table": {"https://example.test/tabled": 1, "did:web:example.test": 300}},
    {"type": "none", "table": {"a tabled string": 70000}},
    {"type": "https://example.test/vocab#Level", "table": {"high": 1, "low": 2}},
    {"type": "https://w3id.org/security#cryptosuiteString", "table": {"ecdsa-rdfc-2019": 1}},
]


def example_loader() -> DocumentLoader:
    """The bundled contexts plus the test contexts."""
    return DocumentLoader(EXAMPLE_CONTEXTS)


def example_document(**members: Any) -> dict[str, Any]:
    """A Thing in the example context with ``members``."""
    return {"@context": [CREDENTIALS_V2, EXAMPLE_URL], "type": "Thing", **copy.deepcopy(members)}


_DID_KEY = "did:key:zDnaeZSD9XcuULaS8qmgDUa6TMg2QjF9xABnZK42awDH3BEzj"

CODEC_CASES: list[tuple[str, dict[str, Any]]] = [
    ("https", example_document(link="https://example.test/a/b?c=d#e")),
    ("http", example_document(link="http://example.test/")),
    ("https-port-stays-text", example_document(link="https://example.test:8443/x")),
    ("https-bad-host-stays-text", example_document(link="https://exa mple.test/")),
    ("https-bad-ipv4-stays-text", example_document(link="https://1.2.3.256/")),
    ("https-ipv4", example_document(link="https://1.2.3.4/")),
    ("https-empty-host-stays-text", example_document(link="https:///")),
    ("https-percent-host-stays-text", example_document(link="https://a%zz.test/")),
    ("https-no-slashes-stays-text", example_document(link="https:example.test")),
    ("tabled-url", example_document(link="https://example.test/tabled")),
    ("tabled-url-2-bytes", example_document(link="did:web:example.test")),
    ("term-as-url", example_document(link="Red")),
    ("keyword-as-url", example_document(link="@json")),
    ("urn-uuid", example_document(id="urn:uuid:7776aed7-c83c-4a66-8df1-4b2755025d47")),
    ("urn-uuid-upper", example_document(id="urn:uuid:7776AED7-C83C-4A66-8DF1-4B2755025D47")),
    ("urn-uuid-nil", example_document(id="urn:uuid:00000000-0000-0000-0000-000000000000")),
    ("urn-other", example_document(id="urn:isbn:0451450523")),
    ("did-key", example_document(link=_DID_KEY)),
    ("did-key-fragment", example_document(link=f"{_DID_KEY}#{_DID_KEY[8:]}")),
    ("did-key-text-fragment", example_document(link=f"{_DID_KEY}#key-1")),
    ("did-key-not-base58", example_document(link="did:key:zabc0")),
    ("did-web", example_document(link="did:web:other.example#k")),
    ("data-base64", example_document(link="data:text/plain;base64,SGVsbG8=")),
    ("data-not-canonical", example_document(link="data:text/plain;base64,SGVsbG8")),
    ("data-plain", example_document(link="data:,Hello%20world")),
    ("links-plural", example_document(links=["https://example.test/1", "Red", _DID_KEY])),
    ("vocab", example_document(kind="Blue")),
    ("vocab-iri", example_document(kind="https://example.test/vocab#Green")),
    ("datetime", example_document(when="2028-11-30T15:59:59Z")),
    ("datetime-ms", example_document(when="2028-11-30T15:59:59.123Z")),
    ("datetime-ms-zero", example_document(when="2028-11-30T15:59:59.000Z")),
    ("datetime-offset-stays-text", example_document(when="2028-11-30T23:59:59+08:00")),
    ("datetime-before-1970", example_document(when="1969-12-31T23:59:59.500Z")),
    ("datetime-year-0", example_document(when="0000-01-01T00:00:00Z")),
    ("datetime-big-year", example_document(when="+010000-01-01T00:00:00Z")),
    ("datetime-bad-day-stays-text", example_document(when="2027-02-29T00:00:00Z")),
    ("datetime-1-digit-ms-stays-text", example_document(when="2028-11-30T15:59:59.1Z")),
    ("date", example_document(day="2028-11-30")),
    ("date-leap", example_document(day="2028-02-29")),
    ("date-bad-stays-text", example_document(day="2027-02-29")),
    ("date-with-time-stays-text", example_document(day="2028-11-30T00:00:00Z")),
    ("multibase-z", example_document(mb="z3yQ")),
    ("multibase-z-leading-ones", example_document(mb="z11Bv")),
    ("multibase-u", example_document(mb="uAQID")),
    ("multibase-M", example_document(mb="MAQID")),
    ("multibase-empty-z", example_document(mb="z")),
    ("multibase-invalid-stays-text", example_document(mb="z0OIl")),
    ("multibase-other-base", example_document(mb="f0102")),
    ("typed-table", example_document(level="high")),
    ("typed-table-miss", example_document(level="medium")),
    ("typed-int", example_document(level=5)),
    ("typed-int-wide", example_document(level=1000)),
    ("typed-int-negative", example_document(level=-5)),
    ("none-table", example_document(note="a tabled string")),
    ("none-plain", example_document(note="鄂L12345 plain")),
    ("integers", example_document(count=[0, 23, 24, -1, 2**32, -(2**40)])),
    ("float", example_document(ratio=0.25)),
    ("booleans-null", example_document(flag=[True, False, None])),
    ("type-scoped", example_document(scopedNote="only in Thing", kindOf="Blue")),
    ("property-scoped", example_document(nested={"innerNote": "inside", "note": "also"})),
    ("type-scoped-does-not-propagate", example_document(nested={"type": "Other", "note": "n"})),
    ("plural-types", {**example_document(note="x"), "type": ["Thing", "Other"]}),
    ("undefined-term-stays-text", example_document(unknownTerm="kept as a string key")),
    ("absolute-iri-key", example_document(**{"https://example.test/vocab#raw": "v"})),
    (
        "embedded-context",
        {**example_document(note="x"), "@context": [EXAMPLE_URL, {"mine": "ex:mine"}], "mine": 1},
    ),
    ("imported-context", {"@context": IMPORTING_URL, "type": "Thing", "extra": "e", "note": "n"}),
    ("value-object", example_document(note={"@value": "hello", "@language": "en"})),
    ("list", example_document(note={"@list": ["a", "b"]})),
    ("empty-arrays", example_document(links=[], note=[])),
]
