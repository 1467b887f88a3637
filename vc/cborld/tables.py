"""The fixed tables of CBOR-LD, as the CBOR-LD spec and @digitalbazaar/cborld 8.1 define them."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

__all__ = [
    "CBORLD_TAG",
    "CONTEXT_TERM_ID",
    "CRYPTOSUITE_STRING",
    "FIRST_CUSTOM_TERM_ID",
    "KEYWORDS",
    "LEGACY_CRYPTOSUITE_TABLE",
    "LEGACY_RANGE_END",
    "LEGACY_RANGE_START",
    "LEGACY_SINGLETON_COMPRESSED",
    "LEGACY_SINGLETON_UNCOMPRESSED",
    "LEGACY_STRING_TABLE",
    "MULTIBASE",
    "TYPES_ENCODED_AS_BYTES",
    "TYPES_ENCODED_AS_BYTES_LEGACY",
    "URL_SCHEMES",
    "XSD_DATE",
    "XSD_DATETIME",
]

CBORLD_TAG: Final = 0xCB1D
"""The CBOR-LD 1.0 tag (51997), around ``[registryEntryId, payload]``."""
LEGACY_RANGE_START: Final = 0x0600
LEGACY_RANGE_END: Final = 0x06FF
"""Pre-1.0 tags: the first byte of the registry entry id's varint is in the tag."""
LEGACY_SINGLETON_UNCOMPRESSED: Final = 0x0500
LEGACY_SINGLETON_COMPRESSED: Final = 0x0501
"""Older pre-1.0 tags, with the legacy global tables."""

XSD_DATE: Final = "http://www.w3.org/2001/XMLSchema#date"
XSD_DATETIME: Final = "http://www.w3.org/2001/XMLSchema#dateTime"
MULTIBASE: Final = "https://w3id.org/security#multibase"
CRYPTOSUITE_STRING: Final = "https://w3id.org/security#cryptosuiteString"

KEYWORDS: Final = MappingProxyType(
    {
        "@context": 0,
        "@type": 2,
        "@id": 4,
        "@value": 6,
        "@direction": 8,
        "@graph": 10,
        "@included": 12,
        "@index": 14,
        "@json": 16,
        "@language": 18,
        "@list": 20,
        "@nest": 22,
        "@reverse": 24,
        "@base": 26,
        "@container": 28,
        "@default": 30,
        "@embed": 32,
        "@explicit": 34,
        "@none": 36,
        "@omitDefault": 38,
        "@prefix": 40,
        "@preserve": 42,
        "@protected": 44,
        "@requireAll": 46,
        "@set": 48,
        "@version": 50,
        "@vocab": 52,
        "@propagate": 54,
    }
)
"""JSON-LD keywords and their fixed term ids (a plural value uses the id + 1)."""

CONTEXT_TERM_ID: Final = 0
FIRST_CUSTOM_TERM_ID: Final = 100
"""Terms of contexts get ids 100, 102, 104, ... in the order the contexts are loaded."""

URL_SCHEMES: Final = MappingProxyType(
    {
        "http://": 1,
        "https://": 2,
        "urn:uuid:": 3,
        "data:": 4,
        "did:v1:nym:": 1024,
        "did:key:": 1025,
    }
)
"""The first element of a compressed URL array names its scheme codec."""

TYPES_ENCODED_AS_BYTES: Final = frozenset({"none", XSD_DATE, XSD_DATETIME, "url"})
"""Type tables whose codes are written as byte strings (so they never clash with integers)."""
TYPES_ENCODED_AS_BYTES_LEGACY: Final = frozenset({"none", XSD_DATE, XSD_DATETIME})

LEGACY_STRING_TABLE: Final = MappingProxyType(
    {
        "https://www.w3.org/ns/activitystreams": 16,
        "https://www.w3.org/2018/credentials/v1": 17,
        "https://www.w3.org/ns/did/v1": 18,
        "https://w3id.org/security/suites/ed25519-2018/v1": 19,
        "https://w3id.org/security/suites/ed25519-2020/v1": 20,
        "https://w3id.org/cit/v1": 21,
        "https://w3id.org/age/v1": 22,
        "https://w3id.org/security/suites/x25519-2020/v1": 23,
        "https://w3id.org/veres-one/v1": 24,
        "https://w3id.org/webkms/v1": 25,
        "https://w3id.org/zcap/v1": 26,
        "https://w3id.org/security/suites/hmac-2019/v1": 27,
        "https://w3id.org/security/suites/aes-2019/v1": 28,
        "https://w3id.org/vaccination/v1": 29,
        "https://w3id.org/vc-revocation-list-2020/v1": 30,
        "https://w3id.org/dcc/v1": 31,
        "https://w3id.org/vc/status-list/v1": 32,
        "https://www.w3.org/ns/credentials/v2": 33,
        "https://w3id.org/security/data-integrity/v1": 48,
        "https://w3id.org/security/multikey/v1": 49,
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json": 50,
        "https://w3id.org/security/data-integrity/v2": 51,
    }
)
"""The legacy global string table (contexts, URLs and plain strings of the 0x0501 form)."""

LEGACY_CRYPTOSUITE_TABLE: Final = MappingProxyType(
    {"ecdsa-rdfc-2019": 1, "ecdsa-sd-2023": 2, "eddsa-rdfc-2022": 3, "ecdsa-xi-2023": 4}
)
"""The cryptosuite table of the legacy form (also that of registry entry 100)."""
