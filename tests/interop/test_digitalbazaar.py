"""Interop with an independent implementation: Digital Bazaar's JavaScript libraries.

``tests/interop/dbvc.mjs`` drives @digitalbazaar/vc with the Data Integrity cryptosuites
(eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019, ecdsa-jcs-2019; exact versions pinned in
``tests/interop/package.json``). Both directions are checked for every suite:

- vic signs, Digital Bazaar verifies; a copy with a subject value changed after signing is rejected
  for its signature;
- Digital Bazaar signs (with its own did:key, and with a key exported by vic), vic verifies; a
  tampered copy is not verified.

Everything runs on this machine: the script's document loader serves only vic's bundled contexts
and did:key documents, and throws on any other URL. Set up with ``npm ci --prefix tests/interop``;
without node installed these tests skip, with node but without the packages they fail.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from vic.did.key import did_key, did_key_method_id
from vic.did.keyfile import key_document
from vic.did.keys import KeyType, PrivateKey
from vic.did.resolver import DidResolver
from vic.vc.bitstring import _VERY_DENSE_BYTES
from vic.vc.errors import ProofVerificationError
from vic.vc.proofs import add_proof, verify_proofs
from vic.vc.status import (
    TERSE_LIST_LENGTH,
    Bitstring,
    StatusPurpose,
    build_status_list_credential,
)

pytestmark = pytest.mark.node

INTEROP_DIR = Path(__file__).resolve().parent
DBVC = INTEROP_DIR / "dbvc.mjs"
NODE_TIMEOUT = 60  # seconds per call of the script
MIN_NODE_MAJOR = 20  # the engines of tests/interop/package.json
# inside the sample credential's validity, so that the oracle's date checks never depend on the day
# the tests run
VERIFY_AT = "2027-06-01T00:00:00Z"


@dataclass(frozen=True)
class Case:
    cryptosuite: str
    key_type: KeyType
    dbvc_key_type: str  # keygen --type of dbvc.mjs


CASES = [
    pytest.param(Case("eddsa-rdfc-2022", KeyType.ED25519, "Ed25519"), id="eddsa-rdfc-2022"),
    pytest.param(Case("eddsa-jcs-2022", KeyType.ED25519, "Ed25519"), id="eddsa-jcs-2022"),
    pytest.param(Case("ecdsa-rdfc-2019", KeyType.P256, "P-256"), id="ecdsa-rdfc-2019"),
    pytest.param(Case("ecdsa-rdfc-2019", KeyType.P384, "P-384"), id="ecdsa-rdfc-2019-p384"),
    pytest.param(Case("ecdsa-jcs-2019", KeyType.P256, "P-256"), id="ecdsa-jcs-2019"),
    pytest.param(Case("ecdsa-jcs-2019", KeyType.P384, "P-384"), id="ecdsa-jcs-2019-p384"),
]


class Dbvc:
    """``node dbvc.mjs``: one subprocess per call, JSON in and out."""

    def __init__(self, node: str) -> None:
        self.node = node

    def _run(self, args: list[str], payload: dict[str, Any] | None = None) -> Any:
        stdin = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        try:
            done = subprocess.run(
                [self.node, str(DBVC), *args],
                input=stdin,
                capture_output=True,
                cwd=INTEROP_DIR,
                timeout=NODE_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"dbvc.mjs {' '.join(args)} did not finish in {NODE_TIMEOUT} s")
        if done.returncode != 0:
            pytest.fail(
                f"dbvc.mjs {' '.join(args)} exited with {done.returncode}:\n"
                f"{done.stderr.decode(errors='replace')}"
            )
        return json.loads(done.stdout)

    def keygen(self, key_type: str) -> dict[str, Any]:
        key: dict[str, Any] = self._run(["keygen", "--type", key_type])
        return key

    def sign(self, credential: dict[str, Any], key: dict[str, Any], suite: str) -> dict[str, Any]:
        signed: dict[str, Any] = self._run(
            ["sign", "--suite", suite], {"credential": credential, "key": key}
        )
        return signed

    def verify(self, credential: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._run(["verify"], {"credential": credential, "now": VERIFY_AT})
        assert isinstance(result.get("verified"), bool), result
        assert isinstance(result.get("errors"), list), result
        return result


@pytest.fixture(scope="session")
def dbvc() -> Dbvc:
    node = shutil.which("node")
    if node is None:
        pytest.skip(
            "node is not installed: the Digital Bazaar interop tests need node >= "
            f"{MIN_NODE_MAJOR} on PATH"
        )
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=NODE_TIMEOUT, check=True
    ).stdout.strip()
    match = re.fullmatch(r"v(\d+)\..*", version)
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        pytest.fail(f"node {version} is too old for the interop packages: need >= {MIN_NODE_MAJOR}")
    if not (INTEROP_DIR / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        pytest.fail(
            "node is installed but the interop packages are not: run "
            "`npm ci --prefix tests/interop` (versions pinned in tests/interop/package-lock.json)"
        )
    return Dbvc(node)


@pytest.fixture(scope="session")
def resolver() -> DidResolver:
    return DidResolver()


def inspection_credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://w3id.org/vehicle-inspection/v1",
        ],
        "type": ["VerifiableCredential", "VehicleInspectionCredential"],
        "id": "urn:uuid:2f9c6b1e-8a43-4c55-9d0e-3b8f1f2a7c10",
        "issuer": issuer,
        "validFrom": "2026-11-25T00:00:00Z",
        "validUntil": "2028-11-30T15:59:59Z",
        "credentialSubject": {
            "type": "Vehicle",
            "registrationNumber": "鄂L12345",
            "plateTypeCode": "02",
            "vehicleTypeCode": "K33",
            "vehicleIdentificationNumber": "LSVAU2A36N2183457",
            "inspectionBasis": "OnSite",
        },
    }


def tampered(signed: dict[str, Any]) -> dict[str, Any]:
    """The signed credential with one subject value changed after signing."""
    copied = copy.deepcopy(signed)
    assert copied["credentialSubject"]["vehicleTypeCode"] == "K33"
    copied["credentialSubject"]["vehicleTypeCode"] = "K31"
    return copied


def only_proof(signed: dict[str, Any], case: Case) -> dict[str, Any]:
    proof = signed["proof"]
    assert isinstance(proof, dict), "expected a single proof"
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == case.cryptosuite
    assert proof["proofPurpose"] == "assertionMethod"
    return proof


# --- vic signs, Digital Bazaar verifies ----------------------------------------------------------


@pytest.fixture(scope="module", params=CASES)
def vic_signed(request: pytest.FixtureRequest) -> tuple[Case, dict[str, Any]]:
    case: Case = request.param
    private_key = PrivateKey.generate(case.key_type)
    public_key = private_key.public_key
    credential = inspection_credential(did_key(public_key))
    signed = add_proof(
        credential,
        key=private_key,
        cryptosuite=case.cryptosuite,
        verification_method=did_key_method_id(public_key),
    )
    assert "proof" not in credential, "add_proof must not change its input"
    proof = only_proof(signed, case)
    assert proof["verificationMethod"] == did_key_method_id(public_key)
    return case, signed


def test_digitalbazaar_verifies_vic(dbvc: Dbvc, vic_signed: tuple[Case, dict[str, Any]]) -> None:
    _, signed = vic_signed
    result = dbvc.verify(signed)
    assert result["verified"] is True, result["errors"]
    assert result["errors"] == []


def test_digitalbazaar_rejects_tampered_vic(
    dbvc: Dbvc, vic_signed: tuple[Case, dict[str, Any]]
) -> None:
    _, signed = vic_signed
    result = dbvc.verify(tampered(signed))
    assert result["verified"] is False
    # rejected for its signature, not for anything else (a context, the key, a date)
    assert any("signature" in message.lower() for message in result["errors"]), result["errors"]


# --- Digital Bazaar signs, vic verifies ----------------------------------------------------------


@pytest.fixture(scope="module", params=CASES)
def db_signed(request: pytest.FixtureRequest, dbvc: Dbvc) -> tuple[Case, dict[str, Any]]:
    """Signed by Digital Bazaar with a key and did:key of its own making."""
    case: Case = request.param
    key = dbvc.keygen(case.dbvc_key_type)
    signed = dbvc.sign(inspection_credential(key["controller"]), key, case.cryptosuite)
    proof = only_proof(signed, case)
    assert proof["verificationMethod"] == key["id"]
    return case, signed


def test_vic_verifies_digitalbazaar(
    resolver: DidResolver, db_signed: tuple[Case, dict[str, Any]]
) -> None:
    _, signed = db_signed
    result = verify_proofs(signed, resolver=resolver)
    assert result.verified is True, [p.error for p in result.proofs]
    assert len(result.proofs) == 1
    assert result.proofs[0].verified is True


def test_vic_rejects_tampered_digitalbazaar(
    resolver: DidResolver, db_signed: tuple[Case, dict[str, Any]]
) -> None:
    _, signed = db_signed
    result = verify_proofs(tampered(signed), resolver=resolver)
    assert result.verified is False
    assert len(result.proofs) == 1
    error = result.proofs[0].error
    # rejected for its signature, not for anything else (a context, the key, a date)
    assert isinstance(error, ProofVerificationError), error
    assert error.code == "INVALID_SIGNATURE", error


@pytest.mark.parametrize("case", CASES)
def test_digitalbazaar_signs_with_vic_key(dbvc: Dbvc, resolver: DidResolver, case: Case) -> None:
    """A Multikey exported by vic (secretKeyMultibase) signs in Digital Bazaar; both verify it."""
    private_key = PrivateKey.generate(case.key_type)
    public_key = private_key.public_key
    did = did_key(public_key)
    key = key_document(private_key, id=did_key_method_id(public_key), controller=did)
    assert key["publicKeyMultibase"] == public_key.to_multibase()
    assert key["secretKeyMultibase"] == private_key.to_multibase()

    signed = dbvc.sign(inspection_credential(did), key, case.cryptosuite)
    assert only_proof(signed, case)["verificationMethod"] == did_key_method_id(public_key)
    assert verify_proofs(signed, resolver=resolver).verified is True
    result = dbvc.verify(signed)
    assert result["verified"] is True, result["errors"]


# --- a dense status list (DEFLATE level 5) -------------------------------------------------------

NODE_GUNZIP = """
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const encoded = Buffer.concat(chunks).toString("ascii");
  const bits = require("zlib").gunzipSync(Buffer.from(encoded.slice(1), "base64url"));
  const sha256 = require("crypto").createHash("sha256").update(bits).digest("hex");
  process.stdout.write(JSON.stringify({length: bits.length, sha256}));
});
"""


def test_digitalbazaar_verifies_a_dense_status_list_and_node_inflates_it(dbvc: Dbvc) -> None:
    """A 2^26-entry list with 140,000 bits set (compressed at level 5, the publisher's level for
    very dense lists): Digital Bazaar verifies its proof, node's zlib inflates it to our bits."""
    rng = random.Random(12)
    bits = Bitstring(TERSE_LIST_LENGTH)
    for index in rng.sample(range(TERSE_LIST_LENGTH), 140_000):
        bits.set(index)
    raw = bits.to_bytes()
    assert len(raw) - raw.count(0) > _VERY_DENSE_BYTES  # so encode() uses level 5
    private_key = PrivateKey.generate(KeyType.P256)
    unsigned = build_status_list_credential(
        id="https://demo.vic.example/status/revocation/0",
        issuer=did_key(private_key.public_key),
        purpose=StatusPurpose.REVOCATION,
        bitstring=bits,
        valid_from=datetime(2027, 5, 31, tzinfo=UTC),
        valid_until=datetime(2027, 6, 2, tzinfo=UTC),
        ttl_ms=300_000,
    )
    signed = add_proof(
        unsigned,
        key=private_key,
        cryptosuite="ecdsa-rdfc-2019",
        verification_method=did_key_method_id(private_key.public_key),
    )
    result = dbvc.verify(signed)
    assert result["verified"] is True, result["errors"]
    encoded = signed["credentialSubject"]["encodedList"]
    done = subprocess.run(
        [dbvc.node, "-e", NODE_GUNZIP],
        input=encoded.encode("ascii"),
        capture_output=True,
        timeout=NODE_TIMEOUT,
        check=True,
    )
    inflated = json.loads(done.stdout)
    assert inflated == {"length": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
