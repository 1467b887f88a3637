"""Fuzz targets: every decoder and parser that reads outside input, one function of bytes each.

A target may raise vic's own errors (:class:`VicError`: the input was refused with a code); any
other exception, a hang or a crash of the interpreter is a finding. The same functions run under
atheris (coverage-guided, ``tests/fuzz/run.py``), replay the kept corpus in the test suite
(``tests/fuzz/test_corpus.py``) and get a short coverage-guided run in CI
(``tests/fuzz/test_short_runs.py``). docs/fuzzing.md has the campaign figures.

The first byte of some inputs picks a mode (how the rest is wrapped: raw text, base45, zlib...),
so that the fuzzer reaches the inner decoders without having to discover their framing first.

The differential targets (``cborld_plans``, ``codecs``, ``mark_canon``) run a fast path and the
general one it stands for on the same input and raise :class:`Difference` unless both give the
same result or the same error code. The CBOR-LD targets first decode the valid seeds of
``corpus/cborld_plans`` (once, and again whenever the plan table was emptied), so that a mutated
input of a known shape meets its compiled decode plan.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from vic.contexts.errors import VicError
from vic.did import multibase
from vic.did.document import DidDocument
from vic.did.key import did_key, did_key_method_id
from vic.did.keys import KeyType, PrivateKey
from vic.vc import base45
from vic.vc import jsonld as jsonld_module
from vic.vc.barcode import decode_barcode
from vic.vc.cborld import CborLimits, Registry, converter, decode, decodeplan
from vic.vc.cose import decode_sign1, verify_cose
from vic.vc.jsonio import parse_json_object
from vic.vc.jsonld import canonicalize, expand
from vic.vc.markcanon import compiled_nquads, compiled_quads
from vic.vc.marktemplate import template_nquads
from vic.vc.qrcose import decode_cose_barcode
from vic.vc.rdfc import simple_canonical_nquads
from vic.vc.status import Bitstring, parse_status_entries, parse_status_list_credential
from vic.verifier.trust import TrustedIssuer, TrustList
from vic.verifier.verify import verify_credential

__all__ = ["TARGETS", "Difference", "run_one"]

CORPUS = Path(__file__).parent / "corpus"

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


class Difference(AssertionError):
    """A fast path and the general path it stands for disagreed on one input (a finding)."""


_plans_seen = [-1]
"""decodeplan.plan_count() after the last CBOR-LD target call (-1: no seed decoded yet)."""


@cache
def _plan_seeds() -> tuple[bytes, ...]:
    """The CBOR-LD payloads of corpus/cborld_plans' seeds (a mode byte, then valid CBOR-LD)."""
    return tuple(p.read_bytes()[1:] for p in sorted((CORPUS / "cborld_plans").glob("seed-*")))


def _learn_plans() -> None:
    """Decode each valid seed with plans on, so their shapes have plans: on the first call, and
    whenever the plan table was emptied since the last (it starts over when full)."""
    count = decodeplan.plan_count()
    if _plans_seen[0] < 0 or count < _plans_seen[0]:
        for seed in _plan_seeds():
            decode(seed, registry=registry())
        if not decodeplan.plan_count():
            raise Difference("the seeds of corpus/cborld_plans learned no decode plan")
    _plans_seen[0] = decodeplan.plan_count()


def _error_of(run: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("ok", run())
    except VicError as exc:
        return ("error", exc.code)


def json_object(data: bytes) -> None:
    """vc.jsonio.parse_json_object: the strict JSON reader of every JSON input and HTTP body."""
    parse_json_object(data)


def json_ld(data: bytes) -> None:
    """vc.jsonld.canonicalize of a parsed JSON object: the JSON-LD safety layer."""
    canonicalize(parse_json_object(data))


def cborld(data: bytes) -> None:
    """vc.cborld.decode: CBOR-LD bytes (0xCB1D and legacy tags) to JSON-LD (decode plans of the
    seeds' shapes learned)."""
    _learn_plans()
    try:
        decode(data, registry=registry())
    finally:
        _plans_seen[0] = decodeplan.plan_count()


def vc1_barcode(data: bytes) -> None:
    """vc.barcode.decode_barcode: a VC1-R text (base45, then CBOR-LD). Mode byte: 0 raw text,
    else VC1-R + base45 of the rest."""
    if not data:
        return
    mode, rest = data[0], data[1:]
    text = _text(rest) if mode % 2 == 0 else "VC1-R" + base45.encode(rest)
    _learn_plans()
    try:
        decode_barcode(text, registry())
    finally:
        _plans_seen[0] = decodeplan.plan_count()


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


_PLAN_LIMITS = (
    CborLimits(),
    CborLimits(max_bytes=2049),  # a VC1-R barcode's (vc.barcode)
    CborLimits(max_bytes=600, max_depth=4, max_items=60),
)


def _cborld_outcome(data: bytes, limits: CborLimits, *, plans: bool) -> tuple[str, Any]:
    previous = converter._USE_PLANS
    converter._USE_PLANS = plans
    try:
        document = decode(data, registry=registry(), limits=limits)
    except VicError as exc:
        return ("error", exc.code)
    finally:
        converter._USE_PLANS = previous
    return ("ok", json.dumps(document, ensure_ascii=False))  # key order too


def cborld_plans(data: bytes) -> None:
    """Differential: vc.cborld.decode by a compiled decode plan (the seeds' shapes learned) and by
    the general walk (plans off) give the same document (key order too) or the same error code.
    Mode byte: the limits (default, a barcode's, tight)."""
    if not data:
        return
    limits, rest = _PLAN_LIMITS[data[0] % len(_PLAN_LIMITS)], data[1:]
    _learn_plans()
    try:
        planned = _cborld_outcome(rest, limits, plans=True)  # a valid new shape learns its plan
        walked = _cborld_outcome(rest, limits, plans=False)
        again = _cborld_outcome(rest, limits, plans=True) if planned[0] == "ok" else planned
    finally:
        _plans_seen[0] = decodeplan.plan_count()
    if not planned == walked == again:
        raise Difference(f"decode plan {planned[:2]} / {again[:2]}, walk {walked[:2]}")


def codecs(data: bytes) -> None:
    """Differential: base45 decode (table-driven) against group by group, base58btc decode and
    encode (four digits a step) against digit by digit: the same bytes or the same error. Mode
    byte: 0 base45 of any text, 1 of alphabet characters, 2 a base45 round trip, 3 base58btc of
    any text, 4 of alphabet characters, 5 a base58btc round trip."""
    if not data:
        return
    mode, rest = data[0] % 6, data[1:]
    if mode in (0, 1, 2):
        if mode == 0:
            text = rest.decode("latin-1")
        elif mode == 1:
            text = "".join([base45.ALPHABET[b % 45] for b in rest])
        else:
            text = base45.encode(rest)
        fast = _error_of(lambda: base45.decode(text))
        slow = _error_of(lambda: base45._decode_slowly(text))
        if fast != slow or (mode == 2 and fast != ("ok", rest)):
            raise Difference(f"base45 {fast} / {slow}")
        if text.isascii():
            values = text.encode("ascii").translate(base45._TRANSLATE)
            if b"\xff" not in values and len(values) % 3 != 1:
                groups = base45._decode_groups(values)
                if groups is not None and ("ok", groups) != slow:
                    raise Difference(f"base45 groups {groups!r} / {slow}")
        return
    if mode == 5:
        fast_text = multibase.base58btc_encode(rest)
        if fast_text != multibase._base58btc_encode_slowly(rest):
            raise Difference(f"base58btc encode {fast_text}")
        text = fast_text
    elif mode == 3:
        text = rest.decode("latin-1")
    else:
        text = "".join([multibase._ALPHABET[b % 58] for b in rest])
    fast = _error_of(lambda: multibase.base58btc_decode(text))
    if len(text) <= multibase.MAX_BASE58_LENGTH:
        slow = _error_of(lambda: multibase._base58btc_decode_slowly(text))
        if fast != slow or (mode == 5 and fast != ("ok", rest)):
            raise Difference(f"base58btc {fast} / {slow}")


def _general_nquads(document: dict[str, Any], algorithm: str) -> str:
    """RDFC-1.0 as vc.jsonld.canonicalize without the compiled path: expansion, then the
    first-degree path or the bounded URDNA2015."""
    jsonld_module._check_size(document, jsonld_module.DEFAULT_LIMITS)
    return jsonld_module.canonicalize_expanded(expand(document), hash_algorithm=algorithm)


def _urdna2015_nquads(document: dict[str, Any], algorithm: str) -> str:
    """RDFC-1.0 by the bounded URDNA2015 alone (no first-degree path)."""
    dataset = jsonld_module._to_dataset(expand(document))
    canonicalizer = jsonld_module._BoundedURDNA2015(jsonld_module.DEFAULT_LIMITS, algorithm)
    result: str = canonicalizer.main(dataset, {"format": "application/n-quads"})
    return result


def mark_canon(data: bytes) -> None:
    """Differential: the compiled mark quads (vc.markcanon, vc.marktemplate) and the first-degree
    RDFC-1.0 path (vc.rdfc) against expansion and the bounded URDNA2015, on a JSON document: where
    a fast path answers, the same N-Quads (and the general path must not refuse the document).
    Mode byte: 0 SHA-256, 1 SHA-384 as RDFC-1.0's hash."""
    if not data:
        return
    algorithm, document = ("sha256", "sha384")[data[0] % 2], parse_json_object(data[1:])
    general = _error_of(lambda: _general_nquads(copy.deepcopy(document), algorithm))
    quads = compiled_quads(document)
    compiled = None if quads is None else simple_canonical_nquads(quads, algorithm)
    direct = compiled_nquads(document, None, algorithm)
    if (None if direct is None else direct.nquads.decode()) != compiled:
        raise Difference(f"compiled tree {direct!r} / compiled quads {compiled!r}")
    templated = template_nquads(document, None, algorithm)
    if (None if templated is None else templated.nquads.decode()) != compiled:
        raise Difference(f"template {templated!r} / compiled quads {compiled!r}")
    if compiled is not None and ("ok", compiled) != general:
        raise Difference(f"compiled {compiled!r} / general {general}")
    if general[0] == "ok":
        full = _urdna2015_nquads(copy.deepcopy(document), algorithm)
        if full != general[1]:
            raise Difference(f"first-degree {general[1]!r} / URDNA2015 {full!r}")


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
    "cborld_plans": cborld_plans,
    "codecs": codecs,
    "mark_canon": mark_canon,
}


def run_one(target: Callable[[bytes], None], data: bytes) -> Any:
    """Run ``target`` on ``data``: vic's errors are answers, anything else propagates."""
    try:
        target(data)
    except VicError as exc:
        return exc
    return None
