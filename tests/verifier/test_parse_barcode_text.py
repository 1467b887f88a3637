"""verify_credential reads a VC1- text the same way by its short cut as by the general order.

The short cut (vic.verifier.verify._parse) takes a ``VC1-`` text that holds a character neither a
JWS compact token nor base64 text can hold straight to the barcode reader. The same text given
as bytes goes the general way (JWT? COSE in base64? then VC1-): both must give the same format
and document, or the same error.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cborld.marks import demo_registry, did_key_mark, did_web_mark
from vic.contexts.errors import VicError
from vic.vc import base45
from vic.vc.barcode import encode_barcode
from vic.vc.cborld import Registry
from vic.verifier.verify import _parse

REGISTRY = demo_registry()


def _registry() -> Registry:
    return REGISTRY


def _outcome(read: Callable[[], Any]) -> Any:
    try:
        parsed = read()
    except VicError as exc:
        return ("error", type(exc).__name__, exc.code, exc.message)
    return ("ok", parsed.format, parsed.document, parsed.depth_checked, parsed.cose, parsed.jwt)


def _same(text: str) -> None:
    by_text = _outcome(lambda: _parse(text, _registry, None))
    by_bytes = _outcome(lambda: _parse(text.encode("utf-8"), _registry, None))
    assert by_text == by_bytes, text


TEXTS = [encode_barcode(did_web_mark(), REGISTRY), encode_barcode(did_key_mark(), REGISTRY)]


@pytest.mark.parametrize("text", TEXTS)
def test_valid_texts_take_the_short_cut_and_read_the_same(text: str) -> None:
    assert _outcome(lambda: _parse(text, _registry, None))[:2] == ("ok", "vc1-barcode")
    _same(text)
    _same(f"  {text}\n")


@pytest.mark.parametrize("text", TEXTS)
def test_every_character_change_reads_the_same(text: str) -> None:
    for position in range(0, len(text), 3):
        for char in (" ", ".", "a", "=", "$", "-", "_", "\u00e9"):
            _same(text[:position] + char + text[position + 1 :])
        _same(text[:position] + text[position + 1 :])


@pytest.mark.parametrize(
    "text",
    [
        "VC1-",
        "VC1-R",
        "VC1-R ",
        "VC1- R",
        "VC1-X A:B",
        "VC1-RAB.CD.EF",  # the shape of a JWT
        "VC1-RAB.C$D.EF",
        "VC1-RQUJD",  # base64 text
        "VC1-R0A:",
        "VC1-R*%$",
        "VC1-R" + "0" * 5000 + " ",
        " VC1-R$",
    ],
)
def test_edge_texts_read_the_same(text: str) -> None:
    _same(text)


@settings(max_examples=200, deadline=None)
@given(
    body=st.text(alphabet=base45.ALPHABET + "abc._=+/\n\t", max_size=40),
    code=st.sampled_from(["R", "Q", ""]),
)
def test_random_texts_read_the_same(body: str, code: str) -> None:
    _same("VC1-" + code + body)


def _resigned(mark: dict[str, Any], signature: bytes) -> dict[str, Any]:
    from vic.did.multibase import multibase_encode

    changed = copy.deepcopy(mark)
    changed["proof"]["proofValue"] = multibase_encode(signature)
    return changed


def test_a_barcode_verifies_as_its_document_does() -> None:
    """The proof check takes the proofValue's bytes as the barcode held them (for that call
    only): every outcome is the one the decoded document gets as JSON."""
    from tests.authority import Authority, clock
    from vic.did.multibase import multibase_decode
    from vic.vc.barcode import decode_barcode
    from vic.verifier.verify import StaticStatusLists, verify_credential

    authority = Authority()
    trust = authority.trust()
    registry = trust.registry()
    mark = authority.mark()
    signature = multibase_decode(mark["proof"]["proofValue"])
    variants = [
        mark,
        _resigned(mark, signature[:-1] + bytes([signature[-1] ^ 1])),
        _resigned(mark, signature[:-1]),
        _resigned(mark, b"\x00" + signature),
        _resigned(mark, b""),
    ]
    outcomes = set()
    for variant in variants:
        text = encode_barcode(variant, registry)
        kw: dict[str, Any] = {
            "trust": trust,
            "clock": clock,
            "registry": registry,
            "status_source": StaticStatusLists(authority.status_lists(mark)),
        }
        by_text = verify_credential(text, **kw).to_dict()
        by_json = verify_credential(decode_barcode(text, registry), **kw).to_dict()
        assert by_text["checks"][0]["detail"]["format"] == "vc1-barcode"
        by_text["checks"][0] = by_json["checks"][0] = None
        assert by_text == by_json
        outcomes.add(by_text["status"])
        assert _parse(text, lambda: registry, None).multibase  # the bytes were carried
    assert len(outcomes) > 1
