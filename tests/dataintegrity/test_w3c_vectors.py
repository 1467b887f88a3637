"""The published W3C Data Integrity vectors, every layer, one case per file.

EdDSA reproduces every value byte for byte, the signature and the signed credential included.
ECDSA signatures are randomized: every value up to the combined hash is reproduced, and the
published signature verifies. The vectors' issuer is an https URL with a did:key method, so these
tests are proof-level (no issuer-to-controller binding).
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from vic.contexts.loader import DocumentLoader
from vic.did.keyfile import read_key_document
from vic.did.keys import KeyType
from vic.did.resolver import DidResolver
from vic.vc.proofs import add_proof, verify_proofs
from vic.vc.suites import suite_for_proof

VECTORS = Path(__file__).parent.parent / "vectors" / "dataintegrity"
CASES = sorted(p for p in VECTORS.glob("*.json") if not p.name.startswith("proof-set-chain"))
EDDSA_CASES = [p for p in CASES if p.stem.startswith(("eddsa", "ed25519"))]
CHAINS = sorted(VECTORS.glob("proof-set-chain-*.json"))
LOADER = DocumentLoader()


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.fixture(params=CASES, ids=[p.stem for p in CASES])
def vector(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load(request.param)


def test_every_case_is_present() -> None:
    assert len(CASES) == 10
    assert len(CHAINS) == 4


def hash_algorithm(vector: dict[str, Any]) -> str:
    key_type = read_key_document(vector["keyPair"]).public_key.key_type
    return suite_for_proof(vector["proofConfig"]).hash_algorithm(key_type)


def test_canonical_document(vector: dict[str, Any]) -> None:
    suite = suite_for_proof(vector["proofConfig"])
    canonical = suite.transform(vector["unsigned"], LOADER, hash_algorithm(vector))
    assert canonical.decode() == vector["canonDoc"]


def test_canonical_proof_config(vector: dict[str, Any]) -> None:
    suite = suite_for_proof(vector["proofConfig"])
    canonical = suite.configure(vector["proofConfig"], LOADER, hash_algorithm(vector))
    assert canonical.decode() == vector["proofCanon"]


def test_hashes(vector: dict[str, Any]) -> None:
    suite = suite_for_proof(vector["proofConfig"])
    key_type = read_key_document(vector["keyPair"]).public_key.key_type
    algorithm = suite.hash_algorithm(key_type)
    doc_hash = hashlib.new(algorithm, vector["canonDoc"].encode()).hexdigest()
    proof_hash = hashlib.new(algorithm, vector["proofCanon"].encode()).hexdigest()
    assert doc_hash == vector["docHash"]
    assert proof_hash == vector["proofHash"]
    combined = suite.hash_data(vector["unsigned"], vector["proofConfig"], key_type, LOADER)
    assert combined.hex() == vector["combinedHash"]


def test_published_signature_verifies(vector: dict[str, Any]) -> None:
    public_key = read_key_document(vector["keyPair"]).public_key
    signature = bytes.fromhex(vector["sigHex"])
    assert public_key.verify(signature, bytes.fromhex(vector["combinedHash"]))
    assert vector["signed"]["proof"]["proofValue"] == vector["sigBTC58"]


def test_signed_credential_verifies(vector: dict[str, Any]) -> None:
    result = verify_proofs(vector["signed"], resolver=DidResolver(), loader=LOADER)
    assert result.verified, result.errors
    assert [p.verification_method for p in result.proofs] == [
        vector["proofConfig"]["verificationMethod"]
    ]


def test_tampered_signed_credential_fails(vector: dict[str, Any]) -> None:
    tampered = copy.deepcopy(vector["signed"])
    tampered["credentialSubject"]["id"] = "did:example:mallory"
    result = verify_proofs(tampered, resolver=DidResolver(), loader=LOADER)
    assert not result.verified
    assert result.errors[0].code == "INVALID_SIGNATURE"


@pytest.mark.parametrize("path", EDDSA_CASES, ids=[p.stem for p in EDDSA_CASES])
def test_eddsa_reproduces_signature_and_signed_credential(path: Path) -> None:
    """EdDSA is deterministic (ECDSA is not: its vectors are covered by the verify tests)."""
    vector = load(path)
    material = read_key_document(vector["keyPair"])
    assert material.public_key.key_type is KeyType.ED25519
    assert material.private_key is not None
    combined = bytes.fromhex(vector["combinedHash"])
    assert material.private_key.sign(combined).hex() == vector["sigHex"]
    config = vector["proofConfig"]
    if config["type"] != "DataIntegrityProof":
        return  # Ed25519Signature2020 is verify-only in vic; its signature was reproduced above
    signed = add_proof(
        vector["unsigned"],
        key=material.private_key,
        cryptosuite=config["cryptosuite"],
        verification_method=config["verificationMethod"],
        created=config["created"],
        loader=LOADER,
    )
    assert json.dumps(signed, sort_keys=True) == json.dumps(vector["signed"], sort_keys=True)
    assert signed["proof"]["proofValue"] == vector["sigBTC58"]


@pytest.mark.parametrize("path", CHAINS, ids=[p.stem for p in CHAINS])
def test_proof_sets_and_chains_verify(path: Path) -> None:
    vector = load(path)
    result = verify_proofs(vector["signed"], resolver=DidResolver(), loader=LOADER)
    assert result.verified, result.errors
    proofs = vector["signed"]["proof"]
    assert len(result.proofs) == (len(proofs) if isinstance(proofs, list) else 1)


@pytest.mark.parametrize("path", CHAINS, ids=[p.stem for p in CHAINS])
def test_proof_sets_and_chains_detect_tampering(path: Path) -> None:
    tampered = copy.deepcopy(load(path)["signed"])
    tampered["name"] = "Forged Credential"
    result = verify_proofs(tampered, resolver=DidResolver(), loader=LOADER)
    assert not result.verified
    assert all(not p.verified for p in result.proofs)


def test_chain_reproduced_from_the_unsigned_credential() -> None:
    """Sign the published proof chain again (EdDSA is deterministic): byte for byte."""
    vector = load(VECTORS / "proof-set-chain-signedProofChain2.json")
    keys = {
        read_key_document(k).public_key.to_multibase(): read_key_document(k).private_key
        for k in vector["keyPairs"].values()
    }
    document = vector["unsigned"]
    for proof in vector["signed"]["proof"]:
        key = keys[proof["verificationMethod"].split("#")[1]]
        assert key is not None
        document = add_proof(
            document,
            key=key,
            cryptosuite=proof["cryptosuite"],
            verification_method=proof["verificationMethod"],
            created=proof["created"],
            previous_proof=proof.get("previousProof"),
            proof_id=proof.get("id"),
            loader=LOADER,
        )
    assert document == vector["signed"]
