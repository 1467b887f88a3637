"""How big is the mark's QR code? CBOR-LD bytes, a byte budget field by field, QR versions.

Run on demand (not part of the test suite)::

    .venv/bin/python bench/qr_size.py

The lean mark (docs/mark.md): the subject, validFrom/validUntil, a terse status entry, an
ecdsa-rdfc-2019 proof, issued by the demo authority ``did:web:demo.vic.example`` whose DID, method
and status base URL are in its CBOR-LD registry entry (``contexts/registry/``). It is measured with
and without a ``urn:uuid`` ``id`` and with and without the proof's ``created``, beside the same
signed JSON compressed with zlib and written in base45 (as the EU digital COVID certificate does).

The byte budget encodes the mark without each field in turn (same registry entry, same everything
else) and attributes the difference to the field; ``@context`` and the CBOR-LD header are measured
directly, since a mark without its contexts has no compressed terms at all. The budget covers the
lean mark without id and created.

QR versions: the ``qrcode`` package's smallest version that holds the text at each error
correction level (base45 text is in QR alphanumeric mode: 5.5 bits a character).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import qrcode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vic.contexts.loader import DocumentLoader
from vic.did.keys import KeyType, PrivateKey
from vic.vc import base45
from vic.vc.barcode import BARCODE_PREFIX
from vic.vc.cborld import Registry, bundled_entry, cbor, encode
from vic.vc.cborld.converter import _Compressor, _type_table  # the budget's view of the payload
from vic.vc.mark import (
    InspectionBasis,
    TerseStatus,
    VehicleSubject,
    build_mark,
    valid_until_for_month,
)
from vic.vc.proofs import add_proof

DID = "did:web:demo.vic.example"
METHOD = "did:web:demo.vic.example#key-1"
MARK_ID = "urn:uuid:7776aed7-c83c-4a66-8df1-4b2755025d47"
CREATED = datetime(2026, 11, 3, 8, 0, 5, tzinfo=UTC)
LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
V10_M_CHARS = 311  # alphanumeric capacity of QR version 10 at level M


def lean_mark(key: PrivateKey, *, with_id: bool, created: bool) -> dict[str, Any]:
    mark = build_mark(
        issuer=DID,
        subject=VehicleSubject(
            registration_number="鄂L12345",
            plate_type_code="02",
            vehicle_type_code="K33",
            vin="LSVAU2A36N2183457",
            inspection_basis=InspectionBasis.ON_SITE,
        ),
        valid_from=datetime(2026, 11, 3, 8, 0, tzinfo=UTC),
        valid_until=valid_until_for_month(2028, 11),
        status=TerseStatus("https://demo.vic.example/status", 123456),
        mark_id=MARK_ID if with_id else None,
    )
    return add_proof(
        mark,
        key=key,
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=METHOD,
        created=CREATED,
        include_created=created,
    )


def qr_versions(text: str) -> dict[str, int]:
    versions = {}
    for name, level in LEVELS.items():
        code = qrcode.QRCode(error_correction=level, version=None)
        code.add_data(text)
        code.make(fit=True)
        versions[name] = code.version
    return versions


@dataclass
class Row:
    label: str
    payload_bytes: int
    text: str

    @property
    def chars(self) -> int:
        return len(self.text)


def cborld_row(label: str, mark: dict[str, Any], registry: Registry, entry_id: int) -> Row:
    data = encode(mark, registry=registry, registry_entry_id=entry_id)
    return Row(label, len(data), BARCODE_PREFIX + base45.encode(data))


def zlib_row(label: str, mark: dict[str, Any]) -> Row:
    raw = json.dumps(mark, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    packed = zlib.compress(raw, 9)
    return Row(label, len(packed), "VC1:" + base45.encode(packed))


def _without(document: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    copied = copy.deepcopy(document)
    holder = copied
    for step in path[:-1]:
        holder = holder[step]
    del holder[path[-1]]
    return copied


def budget(
    mark: dict[str, Any], registry: Registry, entry_id: int
) -> list[tuple[str, int, int | None]]:
    """``(field, bytes it takes in the CBOR-LD, bytes saved by dropping it)`` per field.

    The first figure is exact (the field's key and value in the payload; a nested object's key
    and map head count for the object itself), and the figures add up to the total. The second
    encodes the mark without the field; it is None for the types, whose scoped contexts define
    the other terms (without them the rest no longer compresses).
    """
    full = encode(mark, registry=registry, registry_entry_id=entry_id)
    reader = cbor.Reader(full)
    reader.head()
    reader.head()
    reader.item()
    rows: list[tuple[str, int, int | None]] = [
        ("CBOR-LD header (tag, array, registry entry id)", reader.pos, None)
    ]
    # the compressor's own view of the payload, to pair each JSON key with its CBOR-LD entry
    compressor = _Compressor(_type_table(registry.get(entry_id)), DocumentLoader(), False)
    payload = compressor.run(mark)
    rows.append(("payload map head", len(cbor.encode_head(5, len(payload))), None))

    def walk(document: dict[str, Any], encoded: dict[Any, Any], prefix: tuple[str, ...]) -> None:
        for key, value in document.items():
            path = (*prefix, key)
            term_id: Any = 1 if isinstance(value, list) else 0
            if key != "@context":
                term_id = compressor.contexts.id_for_term(key, isinstance(value, list))
            item = encoded[term_id]
            if isinstance(value, dict):
                head = len(cbor.dumps(term_id)) + len(cbor.encode_head(5, len(item)))
                rows.append((".".join(path) + " (key, map head)", head, None))
                walk(value, item, path)
                continue
            size = len(cbor.dumps(term_id)) + len(cbor.dumps(item))
            saved: int | None = None
            if key not in ("@context", "type"):
                smaller = encode(
                    _without(mark, path), registry=registry, registry_entry_id=entry_id
                )
                saved = len(full) - len(smaller)
            rows.append((".".join(path), size, saved))

    walk(mark, payload, ())
    assert sum(n for _, n, _ in rows) == len(full)
    return rows


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args(argv)
    key = PrivateKey.generate(KeyType.P256)  # any P-256 key: signatures are 64 bytes regardless
    entry = bundled_entry()
    registry = Registry([entry])
    print(f"registry entry {entry.entry_id} (demo authority {DID}), version {entry.version}")
    print()
    rows: list[Row] = []
    for with_id in (False, True):
        for created in (False, True):
            label = f"id {'yes' if with_id else 'no '}, created {'yes' if created else 'no '}"
            mark = lean_mark(key, with_id=with_id, created=created)
            rows.append(cborld_row(f"VC1 CBOR-LD  {label}", mark, registry, entry.entry_id))
            rows.append(cborld_row(f"  (entry 1)  {label}", mark, registry, 1))
            rows.append(zlib_row(f"JSON+zlib    {label}", mark))
    header = f"{'variant':42} {'bytes':>6} {'chars':>6}   L   M   Q   H  fits V10@M"
    print(header)
    print("-" * len(header))
    for row in rows:
        v = qr_versions(row.text)
        fits = "yes" if v["M"] <= 10 else "no"
        print(
            f"{row.label:42} {row.payload_bytes:6} {row.chars:6}  "
            f"{v['L']:2}  {v['M']:2}  {v['Q']:2}  {v['H']:2}  {fits}"
        )
    print()
    print(
        f"V10@M holds {V10_M_CHARS} alphanumeric characters: VC1-R + base45 of at most "
        f"{(V10_M_CHARS - len(BARCODE_PREFIX)) // 3 * 2} bytes"
    )
    print()
    lean = lean_mark(key, with_id=False, created=False)
    print("byte budget of the lean mark (no id, no created):")
    print(f"  {'field':52} {'bytes':>5} {'saved if dropped':>17}")
    for name, size, saved in budget(lean, registry, entry.entry_id):
        print(f"  {name:52} {size:5} {'' if saved is None else saved:>17}")
    total = len(encode(lean, registry=registry, registry_entry_id=entry.entry_id))
    print(f"  {'total':52} {total:5}")
    print()
    with_both = lean_mark(key, with_id=True, created=True)
    print("what id and created add, each alone:")
    for path in (("id",), ("proof", "created")):
        full = encode(with_both, registry=registry, registry_entry_id=entry.entry_id)
        less = encode(
            _without(with_both, path), registry=registry, registry_entry_id=entry.entry_id
        )
        print(f"  {'.'.join(path):52} {len(full) - len(less):4}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
