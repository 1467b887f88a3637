"""Signed marks, registries and resolvers for the CBOR-LD and barcode tests."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from vic.did.key import did_key, did_key_method_id
from vic.did.keys import KeyType, PrivateKey
from vic.did.resolver import DidResolver
from vic.did.web import build_did_web_document
from vic.vc.cborld import Registry, bundled_entry
from vic.vc.mark import (
    InspectionBasis,
    TerseStatus,
    VehicleSubject,
    build_mark,
    valid_until_for_month,
)
from vic.vc.proofs import add_proof

__all__ = [
    "DEMO_DID",
    "DEMO_ENTRY_ID",
    "DEMO_METHOD",
    "SUBJECT",
    "demo_registry",
    "did_key_mark",
    "did_web_mark",
    "p256_key",
    "web_resolver",
]

DEMO_DID = "did:web:demo.vic.example"
DEMO_METHOD = "did:web:demo.vic.example#key-1"
DEMO_ENTRY_ID = 15601
STATUS = TerseStatus("https://demo.vic.example/status", 123456)
VALID_FROM = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
SUBJECT = VehicleSubject(
    registration_number="鄂L12345",
    plate_type_code="02",
    vehicle_type_code="K33",
    vin="LSVAU2A36N2183457",
    inspection_basis=InspectionBasis.ON_SITE,
)


@cache
def p256_key() -> PrivateKey:
    """One P-256 key for the whole run (generating is cheap, but signing the same key is simpler
    to reason about)."""
    return PrivateKey.generate(KeyType.P256)


def demo_registry() -> Registry:
    """Built-in entries plus the demo authority's bundled entry."""
    return Registry([bundled_entry()])


def did_key_mark(
    subject: VehicleSubject = SUBJECT,
    *,
    key: PrivateKey | None = None,
    mark_id: str | None = None,
    created: bool = False,
    status: TerseStatus | None = STATUS,
) -> dict[str, Any]:
    """A mark signed (ecdsa-rdfc-2019) by a did:key issuer: verifiable with no pinned document."""
    key = key or p256_key()
    mark = build_mark(
        issuer=did_key(key.public_key),
        subject=subject,
        valid_from=VALID_FROM,
        valid_until=valid_until_for_month(2028, 11),
        status=status,
        mark_id=mark_id,
    )
    return add_proof(
        mark,
        key=key,
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=did_key_method_id(key.public_key),
        include_created=created,
    )


def did_web_mark(
    subject: VehicleSubject = SUBJECT,
    *,
    key: PrivateKey | None = None,
    mark_id: str | None = None,
    created: bool = False,
) -> dict[str, Any]:
    """A mark of the demo authority (did:web, its DID and method in the demo registry entry)."""
    key = key or p256_key()
    mark = build_mark(
        issuer=DEMO_DID,
        subject=subject,
        valid_from=VALID_FROM,
        valid_until=valid_until_for_month(2028, 11),
        status=STATUS,
        mark_id=mark_id,
    )
    return add_proof(
        mark,
        key=key,
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=DEMO_METHOD,
        include_created=created,
    )


def web_resolver(key: PrivateKey | None = None) -> DidResolver:
    """A resolver with the demo authority's DID document pinned."""
    key = key or p256_key()
    document = build_did_web_document(DEMO_DID, [(DEMO_METHOD, key.public_key)])
    return DidResolver({DEMO_DID: document})
