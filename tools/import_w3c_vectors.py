"""Regroup the W3C Data Integrity test vectors into one JSON file per case (every layer in it).

A development tool, run by hand when the published vectors change; vic never reads ../shared at run
time. Usage: python tools/import_w3c_vectors.py ../shared/vectors tests/vectors/dataintegrity
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# (case id, suite folder, file suffix, unsigned input, key file, key name in the key file or None)
EDDSA = "vc-di-eddsa/TestVectors"
ECDSA = "vc-di-ecdsa/TestVectors"
CASES = [
    (
        "eddsa-rdfc-2022-alumni",
        f"{EDDSA}/eddsa-rdfc-2022",
        "DataInt",
        f"{EDDSA}/unsigned.json",
        f"{EDDSA}/keyPair.json",
    ),
    (
        "eddsa-rdfc-2022-employ",
        f"{EDDSA}/eddsa-rdfc-2022/employ",
        "DataInt",
        f"{EDDSA}/employmentAuth.json",
        f"{EDDSA}/keyPair.json",
    ),
    (
        "eddsa-jcs-2022-alumni",
        f"{EDDSA}/eddsa-jcs-2022",
        "JCS",
        f"{EDDSA}/unsigned.json",
        f"{EDDSA}/keyPair.json",
    ),
    (
        "ed25519signature2020-alumni",
        f"{EDDSA}/Ed25519Signature2020",
        "EdSig",
        f"{EDDSA}/unsigned.json",
        f"{EDDSA}/keyPair.json",
    ),
    (
        "ecdsa-rdfc-2019-p256-alumni",
        f"{ECDSA}/ecdsa-rdfc-2019-p256",
        "ECDSAP256",
        f"{ECDSA}/unsigned.json",
        f"{ECDSA}/p256KeyPair.json",
    ),
    (
        "ecdsa-rdfc-2019-p256-employ",
        f"{ECDSA}/ecdsa-rdfc-2019-p256/employ",
        "ECDSAP256",
        f"{ECDSA}/employmentAuth.json",
        f"{ECDSA}/p256KeyPair.json",
    ),
    (
        "ecdsa-rdfc-2019-p384-alumni",
        f"{ECDSA}/ecdsa-rdfc-2019-p384",
        "ECDSAP384",
        f"{ECDSA}/unsigned.json",
        f"{ECDSA}/p384KeyPair.json",
    ),
    (
        "ecdsa-rdfc-2019-p384-employ",
        f"{ECDSA}/ecdsa-rdfc-2019-p384/employ",
        "ECDSAP384",
        f"{ECDSA}/employmentAuth.json",
        f"{ECDSA}/p384KeyPair.json",
    ),
    (
        "ecdsa-jcs-2019-p256-alumni",
        f"{ECDSA}/ecdsa-jcs-2019-p256",
        "JCSECDSAP256",
        f"{ECDSA}/unsigned.json",
        f"{ECDSA}/p256KeyPair.json",
    ),
    (
        "ecdsa-jcs-2019-p384-alumni",
        f"{ECDSA}/ecdsa-jcs-2019-p384",
        "JCSECDSAP384",
        f"{ECDSA}/unsigned.json",
        f"{ECDSA}/p384KeyPair.json",
    ),
]
CHAINS = [
    "signedProofSet1",
    "signedProofSet2",
    "signedProofChain1",
    "signedProofChain2",
]


def main(shared: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for case, folder, suffix, unsigned, key in CASES:
        base = shared / folder

        def text(name: str, base: Path = base, suffix: str = suffix) -> str:
            return (base / f"{name}{suffix}.txt").read_text()

        def data(name: str, base: Path = base, suffix: str = suffix) -> object:
            return json.loads((base / f"{name}{suffix}.json").read_text())

        vector = {
            "id": case,
            "source": f"{folder} ({suffix})",
            "keyPair": json.loads((shared / key).read_text()),
            "unsigned": json.loads((shared / unsigned).read_text()),
            "proofConfig": data("proofConfig"),
            "canonDoc": text("canonDoc"),
            "docHash": text("docHash").strip(),
            "proofCanon": text("proofCanon"),
            "proofHash": text("proofHash").strip(),
            "combinedHash": text("combinedHash").strip(),
            "sigHex": text("sigHex").strip(),
            "sigBTC58": text("sigBTC58").strip(),
            "signed": data("signed"),
        }
        (out / f"{case}.json").write_text(json.dumps(vector, indent=2, ensure_ascii=False) + "\n")
    chain = shared / EDDSA / "proof-set-chain"
    keys = json.loads((chain / "multiKeyPairs.json").read_text())
    for name in CHAINS:
        vector = {
            "id": f"proof-set-chain-{name}",
            "source": f"{EDDSA}/proof-set-chain/{name}.json",
            "keyPairs": keys,
            "unsigned": json.loads((chain / "unsigned.json").read_text()),
            "signed": json.loads((chain / f"{name}.json").read_text()),
        }
        (out / f"proof-set-chain-{name}.json").write_text(
            json.dumps(vector, indent=2, ensure_ascii=False) + "\n"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
