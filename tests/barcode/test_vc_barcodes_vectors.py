"""The VC Barcodes specification's MRZ example (registry entry 100), byte for byte.

``tests/vectors/vc-barcodes/ead-mrz.qr.txt`` is the QR text of the spec's employment authorization
document example; ``ead-mrz.decoded.json`` is what @digitalbazaar/cborld 8.1.0 decodes it to (and
it re-encodes to the same 123 bytes).
"""

from __future__ import annotations

import json
from pathlib import Path

from vic.vc import base45
from vic.vc.barcode import BARCODE_PREFIX, choose_registry_entry, decode_barcode, encode_barcode
from vic.vc.cborld import Registry, read_header

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "vc-barcodes"
TEXT = (VECTORS / "ead-mrz.qr.txt").read_text("utf-8").strip()
DECODED = json.loads((VECTORS / "ead-mrz.decoded.json").read_text("utf-8"))


def test_decodes_to_what_cborld_decodes() -> None:
    assert decode_barcode(TEXT, Registry()) == DECODED


def test_reencodes_to_the_same_text_and_bytes() -> None:
    registry = Registry()
    assert choose_registry_entry(DECODED, registry) == 100
    text = encode_barcode(DECODED, registry)
    assert text == TEXT
    data = base45.decode(text[len(BARCODE_PREFIX) :])
    assert len(data) == 123
    header = read_header(data)
    assert (header.format.value, header.registry_entry_id) == ("cbor-ld-1.0", 100)
    assert encode_barcode(DECODED, registry, registry_entry_id=100) == TEXT
