"""The VC1 barcode text: prefix rules, round trips that verify, tampering, bad input, fuzzing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cborld.marks import (
    DEMO_ENTRY_ID,
    demo_registry,
    did_key_mark,
    did_web_mark,
    web_resolver,
)
from vic.contexts.errors import InputTooLargeError, ParsingError, UsageError, VicError
from vic.did.resolver import DidResolver
from vic.vc import base45
from vic.vc.barcode import (
    BARCODE_PREFIX,
    MAX_BARCODE_LENGTH,
    choose_registry_entry,
    decode_barcode,
    encode_barcode,
)
from vic.vc.cborld import Registry, read_header
from vic.vc.jsonld import canonicalize
from vic.vc.mark import new_mark_id
from vic.vc.proofs import verify_proofs

REGISTRY = demo_registry()


@pytest.fixture(scope="module")
def web_mark() -> dict[str, Any]:
    return did_web_mark()


@pytest.fixture(scope="module")
def web_text(web_mark: dict[str, Any]) -> str:
    return encode_barcode(web_mark, REGISTRY)


def test_text_is_vc1_r_and_base45(web_text: str) -> None:
    assert web_text.startswith("VC1-R")
    assert set(web_text[5:]) <= set(base45.ALPHABET)
    data = base45.decode(web_text[5:])
    assert read_header(data).registry_entry_id == DEMO_ENTRY_ID  # the shortest entry is chosen


def test_round_trip_verifies(web_mark: dict[str, Any], web_text: str) -> None:
    back = decode_barcode(web_text, REGISTRY)
    assert back == web_mark
    assert verify_proofs(back, resolver=web_resolver()).verified


def test_lean_mark_fits_version_10_at_level_m(web_text: str) -> None:
    # docs/qr.md: 311 alphanumeric characters is the capacity of QR version 10 at level M
    assert len(web_text) <= 311


def test_did_key_marks_and_explicit_entries() -> None:
    mark = did_key_mark(mark_id=new_mark_id(), created=True)
    for entry_id in (0, 1, 100, DEMO_ENTRY_ID):
        text = encode_barcode(mark, REGISTRY, registry_entry_id=entry_id)
        back = decode_barcode(text, REGISTRY)
        assert back == mark
        assert verify_proofs(back, resolver=DidResolver()).verified
    assert choose_registry_entry(mark, Registry()) in (1, 100)


def test_too_long_for_a_qr_code() -> None:
    mark = did_key_mark()
    mark["credentialSubject"]["description"] = "x" * 5000
    with pytest.raises(UsageError):
        encode_barcode(mark, REGISTRY, registry_entry_id=1)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "INVALID_BARCODE_PREFIX"),
        ("HC1:6BFOXN", "INVALID_BARCODE_PREFIX"),  # an EU DCC
        ("VC1-", "INVALID_BARCODE_PREFIX"),
        ("VC1-ZABC", "INVALID_BARCODE_PREFIX"),  # another multibase code
        ("vc1-R0OR", "INVALID_BARCODE_PREFIX"),
        (" VC1-R0OR", "INVALID_BARCODE_PREFIX"),
        ("VC1-Rbb8", "INVALID_BASE45"),
        ("VC1-R0", "INVALID_BASE45"),  # a dangling character
        ("VC1-R:::", "INVALID_BASE45"),  # a group above 65535
        ("VC1-R0OR*W3Y33V\n", "INVALID_BASE45"),
        ("VC1-R", "INVALID_CBOR"),
        ("VC1-R" + base45.encode(bytes.fromhex("d9cb1ea0")), "UNKNOWN_CBORLD_TAG"),
        ("VC1-R" + base45.encode(bytes.fromhex("d9cb1d821a000f4240a0")), "UNKNOWN_REGISTRY_ENTRY"),
        ("VC1-R" + base45.encode(bytes.fromhex("d9cb1d8201a1")), "INVALID_CBOR"),
        ("VC1-R" + base45.encode(bytes.fromhex("d9cb1d8201a000")), "TRAILING_BYTES"),
        ("VC1-R" + base45.encode(bytes.fromhex("d9cb1d8201") + b"\x81" * 600), "CBOR_TOO_DEEP"),
        ("VC1-R" + base45.encode(bytes.fromhex("d9cb1d82015b1000000000000000")), "CBOR_TOO_LARGE"),
    ],
)
def test_bad_text(text: str, code: str) -> None:
    with pytest.raises(ParsingError) as info:
        decode_barcode(text, REGISTRY)
    assert info.value.code == code


def test_too_long_text_is_refused_unread() -> None:
    with pytest.raises(InputTooLargeError):
        decode_barcode("VC1-R" + "0" * MAX_BARCODE_LENGTH, REGISTRY)
    with pytest.raises(ParsingError):
        decode_barcode(b"VC1-R", REGISTRY)  # type: ignore[arg-type]


def _substitutions(text: str, per_position: int) -> list[str]:
    """A deterministic sample of single-character substitutions over every position."""
    alphabet = base45.ALPHABET
    out = []
    for position, original in enumerate(text):
        picked = 0
        step = 0
        while picked < per_position:
            replacement = alphabet[(position * 7 + step * 11) % len(alphabet)]
            step += 1
            if replacement == original:
                continue
            out.append(text[:position] + replacement + text[position + 1 :])
            picked += 1
    return out


def test_single_character_substitutions_never_verify_a_different_credential(
    web_mark: dict[str, Any], web_text: str
) -> None:
    original = canonicalize(web_mark)
    resolver = web_resolver()
    variants = _substitutions(web_text, per_position=4)
    assert len(variants) >= 1000
    outcomes = {"rejected": 0, "decoded, not verified": 0, "verified, same n-quads": 0}
    for variant in variants:
        try:
            decoded = decode_barcode(variant, REGISTRY)
        except VicError:
            outcomes["rejected"] += 1
            continue
        if verify_proofs(decoded, resolver=resolver).verified:
            assert canonicalize(decoded) == original, variant
            outcomes["verified, same n-quads"] += 1
        else:
            outcomes["decoded, not verified"] += 1
    assert sum(outcomes.values()) == len(variants)
    assert outcomes["rejected"] > 0


_DECODE_CODES = {
    "CBORLD_TOO_COMPLEX",
    "INVALID_BARCODE_PREFIX",
    "INVALID_BASE45",
    "INPUT_TOO_LARGE",
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


def _outcome(text: str) -> str:
    """ "decoded", or the code of the vic error decoding raised (any other exception escapes)."""
    try:
        document = decode_barcode(text, REGISTRY)
    except ParsingError as exc:
        return exc.code
    except VicError as exc:  # the JSON-LD family: a context that cannot be processed
        return "JSONLD:" + exc.code
    assert isinstance(document, dict)
    return "decoded"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=base45.ALPHABET, max_size=400))
def test_fuzz_base45_payloads(body: str) -> None:
    outcome = _outcome(BARCODE_PREFIX + body)
    assert outcome == "decoded" or outcome in _DECODE_CODES or outcome.startswith("JSONLD:")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_any_text(text: str) -> None:
    outcome = _outcome(text)
    if not text.startswith(BARCODE_PREFIX):
        assert outcome == "INVALID_BARCODE_PREFIX"
    else:
        assert outcome == "decoded" or outcome in _DECODE_CODES or outcome.startswith("JSONLD:")
