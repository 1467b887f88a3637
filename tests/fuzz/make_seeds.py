"""Write the seed inputs of the fuzz corpus (valid examples of every input, from the fuzzing
authority). Run once; the seeds are kept in tests/fuzz/corpus/<target>/seed-*.

    python tests/fuzz/make_seeds.py [TARGET ...]

With target names, only their seeds are written (signatures are randomized: rewriting the others
would change kept files for nothing).
"""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fuzz.targets import NOW, authority, registry
from vic.contexts.loader import CREDENTIALS_V2
from vic.did.key import did_key_json
from vic.vc import base45
from vic.vc.barcode import choose_registry_entry, encode_barcode
from vic.vc.cborld import encode
from vic.vc.mark import (
    InspectionBasis,
    TerseStatus,
    VehicleSubject,
    build_mark,
    valid_until_for_month,
)
from vic.vc.markcanon import MARK_CONTEXT_URLS
from vic.vc.proofs import add_proof
from vic.vc.qrcose import encode_cose_barcode
from vic.vc.status import Bitstring, StatusPurpose, build_status_list_credential

CORPUS = Path(__file__).parent / "corpus"


ONLY = set(sys.argv[1:])


def write(target: str, name: str, data: bytes) -> None:
    if ONLY and target not in ONLY:
        return
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"seed-{name}").write_bytes(data)


def main() -> None:
    key, did, method = authority()
    unsigned = build_mark(
        issuer=did,
        subject=VehicleSubject(
            registration_number="鄂L12345",
            plate_type_code="02",
            vehicle_type_code="K33",
            vin="LSVAU2A36N2183457",
            inspection_basis=InspectionBasis.ON_SITE,
        ),
        valid_from=NOW,
        valid_until=valid_until_for_month(NOW.year + 2, NOW.month),
        status=TerseStatus("https://jtgl.example.cn/status", 77),
    )
    mark = add_proof(
        unsigned,
        key=key,
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=method,
        clock=lambda: NOW,
    )
    mark_json = json.dumps(mark, ensure_ascii=False).encode()
    vc1 = encode_barcode(mark, registry())
    entry_id = choose_registry_entry(mark, registry())
    cborld = encode(mark, registry=registry(), registry_entry_id=entry_id)
    vic1 = encode_cose_barcode(unsigned, key, method)
    cose = zlib.decompress(base45.decode(vic1[len("VIC1:") :]))
    bits = Bitstring(131072, minimum=131072)
    bits.set(77)
    status = add_proof(
        build_status_list_credential(
            id="https://jtgl.example.cn/status/r/0",
            issuer=did,
            purpose=StatusPurpose.REVOCATION,
            bitstring=bits,
            valid_from=NOW,
        ),
        key=key,
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=method,
        clock=lambda: NOW,
    )
    document = did_key_json(did)
    trust = {
        "type": "VicTrustList",
        "version": 1,
        "issuers": [{"id": did, "name": {"en": "fuzz"}, "didDocument": document}],
    }
    generic = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "urn:x", "name": ["a", "b"], "n": 1},
    }

    write("json_object", "mark", mark_json)
    write("json_object", "numbers", b'{"a": [1, -2.5e10, 9007199254740991, "\\ud83d\\ude00"]}')
    write("json_ld", "mark", mark_json)
    write("json_ld", "generic", json.dumps(generic).encode())
    write("cborld", "mark", cborld)
    write("vc1_barcode", "mark-text", b"\x00" + vc1.encode())
    write("vc1_barcode", "mark-cborld", b"\x01" + cborld)
    write("cose_sign1", "mark", cose)
    write("vic1_barcode", "mark-text", b"\x00" + vic1.encode())
    write("vic1_barcode", "mark-deflated", b"\x01" + base45.decode(vic1[len("VIC1:") :]))
    write("vic1_barcode", "mark-cose", b"\x02" + cose)
    write("status_list", "encoded", b"\x00" + status["credentialSubject"]["encodedList"].encode())
    write("status_list", "bits", b"\x01" + bits.to_bytes())
    write("status_list", "credential", b"\x02" + json.dumps(status).encode())
    write("status_list", "entries", b"\x03" + mark_json)
    write("trust_list", "trust", json.dumps(trust).encode())
    write("did_document", "did-key", json.dumps(document).encode())
    write("verify", "mark-json", mark_json)
    write("verify", "mark-vc1", vc1.encode())
    write("verify", "mark-vic1", vic1.encode())
    write("verify", "generic", json.dumps(generic).encode())

    # differential targets: several shapes, each a decode plan (cborld_plans), codec inputs
    # (codecs), a mark and its proof configuration (mark_canon)
    bare = build_mark(
        issuer=did,
        subject=VehicleSubject(
            registration_number="京A12345",
            plate_type_code="02",
            vehicle_type_code="K31",
            vin="LFV2A21K5A3045123",
            inspection_basis=InspectionBasis.EXEMPT,
        ),
        valid_from=NOW,
        valid_until=valid_until_for_month(NOW.year + 6, 12),
    )
    shapes = {"mark": mark, "mark-unsigned": unsigned, "mark-no-status": bare}
    for name, document in shapes.items():
        for entry_id in sorted({choose_registry_entry(document, registry()), 1}):
            data = encode(document, registry=registry(), registry_entry_id=entry_id)
            write("cborld_plans", f"{name}-entry{entry_id}", b"\x00" + data)
    write("codecs", "base45", b"\x00" + vc1[len("VC1-R") :].encode())
    write("codecs", "base45-bytes", b"\x02" + cborld)
    write("codecs", "base58btc", b"\x03" + did[len("did:key:z") :].encode())
    write("codecs", "base58btc-bytes", b"\x05" + b"\0\0" + cose[:64])
    proof_config = {k: v for k, v in mark["proof"].items() if k != "proofValue"}
    proof_config["@context"] = list(MARK_CONTEXT_URLS)
    write("mark_canon", "mark", b"\x00" + json.dumps(unsigned, ensure_ascii=False).encode())
    write("mark_canon", "mark-no-status", b"\x01" + json.dumps(bare, ensure_ascii=False).encode())
    write("mark_canon", "proof-config", b"\x00" + json.dumps(proof_config).encode())


if __name__ == "__main__":
    main()
