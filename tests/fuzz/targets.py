"""Fuzz targets: every decoder and parser that reads outside input, one function of bytes each.

A target may raise vic's own errors (:class:`VicError`: the input was refused with a code); any
other exception, a hang or a crash of the interpreter is a finding. The same functions run under
atheris (coverage-guided, ``tests/fuzz/run.py``), replay the kept corpus in the test suite
(``tests/fuzz/test_corpus.py``) and get a short coverage-guided run in CI
(``tests/fuzz/test_short_runs.py``). docs/fuzzing.md has the campaign figures.

The first byte of some inputs picks a mode (how the rest is wrapped: raw text, base45, zlib...),
so that the fuzzer reaches the inner decoders without having to discover their framing first.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from vic.contexts.errors import VicError
from vic.did.document import DidDocument
from vic.did.key import did_key, did_key_method_id
from vic.did.keys import KeyType, PrivateKey
from vic.vc import base45
from vic.vc.barcode import decode_barcode
from vic.vc.cborld import Registry, decode
from vic.vc.cose import decode_sign1, verify_cose
from vic.vc.jsonio import parse_json_object
from vic.vc.jsonld import canonicalize
from vic.vc.qrcose import decode_cose_barcode
from vic.vc.status import Bitstring, parse_status_entries, parse_status_list_credential
from vic.verifier.trust import TrustedIssuer, TrustList
from vic.verifier.verify import verify_credential

__all__ = ["TARGETS", "run_one"]

NOW = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)
SEED_KEY_BYTES = bytes(range(1, 33))
"""The fuzzing authority's P-256 private key (fixed, so that the kept corpus stays meaningful)."""


@cache
def authority() -> tuple[PrivateKey, str, str]:
    """The fuzzing authority: its key, did:key and verification method."""
    key = PrivateKey.from_bytes(KeyType.P256, SEED_KEY_BYTES)
    return key, did_key(key.public_key), did_key_method_id(key.public_key)


@cache
def trust() -> TrustList:
    _, did, _ = authority()
    return TrustList((TrustedIssuer(did, {"en": "fuzz"}),))


@cache
def registry() -> Registry:
    return trust().registry()


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def json_object(data: bytes) -> None:
    """vc.jsonio.parse_json_object: the strict JSON reader of every JSON input and HTTP body."""
    parse_json_object(data)


def json_ld(data: bytes) -> None:
    """vc.jsonld.canonicalize of a parsed JSON object: the JSON-LD safety layer."""
    canonicalize(parse_json_object(data))


def cborld(data: bytes) -> None:
    """vc.cborld.decode: CBOR-LD bytes (0xCB1D and legacy tags) to JSON-LD."""
    decode(data, registry=registry())


def vc1_barcode(data: bytes) -> None:
    """vc.barcode.decode_barcode: a VC1-R text (base45, then CBOR-LD). Mode byte: 0 raw text,
    else VC1-R + base45 of the rest."""
    if not data:
        return
    mode, rest = data[0], data[1:]
    text = _text(rest) if mode % 2 == 0 else "VC1-R" + base45.encode(rest)
    decode_barcode(text, registry())


def cose_sign1(data: bytes) -> None:
    """vc.cose.decode_sign1 and verify_cose: COSE_Sign1 bytes (CBOR), then the signature."""
    decode_sign1(data)
    verify_cose(data, trust().resolver())


def vic1_barcode(data: bytes) -> None:
    """vc.qrcose.decode_cose_barcode: a VIC1: text (base45, zlib, COSE). Mode byte: 0 raw text,
    1 VIC1: + base45 of the rest, 2 VIC1: + base45 of the rest deflated."""
    if not data:
        return
    mode, rest = data[0] % 3, data[1:]
    if mode == 0:
        text = _text(rest)
    elif mode == 1:
        text = "VIC1:" + base45.encode(rest)
    else:
        text = "VIC1:" + base45.encode(zlib.compress(rest))
    message = decode_cose_barcode(text)
    decode_sign1(message)


def status_list(data: bytes) -> None:
    """vc.status: an encodedList (multibase base64url of GZIP) and a status list credential.
    Mode byte: 0 the rest is the encodedList text, 1 the rest is gzipped and encoded, 2 the rest
    is a status list credential (JSON), 3 the rest is a credential whose status entries are read."""
    if not data:
        return
    mode, rest = data[0] % 4, data[1:]
    if mode == 0:
        Bitstring.decode(_text(rest))
    elif mode == 1:
        Bitstring.decode("u" + base64.urlsafe_b64encode(gzip.compress(rest)).decode().rstrip("="))
    elif mode == 2:
        parse_status_list_credential(parse_json_object(rest))
    else:
        parse_status_entries(parse_json_object(rest))


def trust_list(data: bytes) -> None:
    """vc.verifier.trust.TrustList.from_json (pinned DID documents, CBOR-LD registry entries)."""
    parsed = TrustList.from_json(parse_json_object(data))
    parsed.registry()
    parsed.resolver()


def did_document(data: bytes) -> None:
    """did.document.DidDocument.from_json: a DID document as a verifier pins or fetches it."""
    DidDocument.from_json(parse_json_object(data))


def verify(data: bytes) -> None:
    """vic.verifier.verify_credential: the verify entry point on raw bytes (JSON, VC1-R, VIC1:,
    images, PDFs), the fuzzing authority trusted, status lists checked from nothing."""
    result = verify_credential(data, trust=trust(), clock=lambda: NOW)
    result.to_dict()


TARGETS: dict[str, Callable[[bytes], None]] = {
    "json_object": json_object,
    "json_ld": json_ld,
    "cborld": cborld,
    "vc1_barcode": vc1_barcode,
    "cose_sign1": cose_sign1,
    "vic1_barcode": vic1_barcode,
    "status_list": status_list,
    "trust_list": trust_list,
    "did_document": did_document,
    "verify": verify,
}


def run_one(target: Callable[[bytes], None], data: bytes) -> Any:
    """Run ``target`` on ``data``: vic's errors are answers, anything else propagates."""
    try:
        target(data)
    except VicError as exc:
        return exc
    return None
