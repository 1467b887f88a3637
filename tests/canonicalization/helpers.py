"""Shared helpers: the reference (plain pyld) canonicalization and document builders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pyld import jsonld

from vic.contexts.loader import (
    CREDENTIALS_V2,
    VC_BARCODES_V1,
    VEHICLE_INSPECTION_V1,
    DocumentLoader,
)

VECTORS = Path(__file__).parent.parent / "vectors" / "dataintegrity"
LOADER = DocumentLoader()
MARK_CONTEXT = [CREDENTIALS_V2, VC_BARCODES_V1, VEHICLE_INSPECTION_V1]
SIGNATURE_FIELDS = ("proofValue", "jws")


def reference(document: dict[str, Any], loader: DocumentLoader = LOADER) -> str:
    """Plain pyld: the canonical N-Quads every faster path must reproduce byte for byte."""
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
    result: str = jsonld.normalize(document, options)
    return result


def reference_expand(document: dict[str, Any], loader: DocumentLoader = LOADER) -> Any:
    """Plain pyld expansion with vc.jsonld's options."""
    options = {"documentLoader": loader, "base": None, "processingMode": "json-ld-1.1"}
    return jsonld.expand(document, options)


def vector_documents() -> list[tuple[str, dict[str, Any]]]:
    """Every document of the Data Integrity vectors, and every proof configuration in them."""
    out: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(VECTORS.glob("*.json")):
        vector = json.loads(path.read_text())
        for key in ("unsigned", "signed", "proofConfig"):
            if key not in vector:
                continue
            document = vector[key]
            out.append((f"{path.stem}:{key}", document))
            if key != "signed":
                continue
            unsecured = {k: v for k, v in document.items() if k != "proof"}
            proofs = (
                document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
            )
            for index, proof in enumerate(proofs):
                config = {k: v for k, v in proof.items() if k not in SIGNATURE_FIELDS}
                config.setdefault("@context", document["@context"])
                out.append((f"{path.stem}:proof{index}", config))
            out.append((f"{path.stem}:unsecured", unsecured))
    return out


def mark(subject: Any, **fields: Any) -> dict[str, Any]:
    """A lean mark (docs/mark.md) around ``subject``; ``fields`` override or add members."""
    document: dict[str, Any] = {
        "@context": list(MARK_CONTEXT),
        "type": ["VerifiableCredential", "VehicleInspectionCredential"],
        "id": "urn:uuid:2f9c6b1e-8a43-4c55-9d0e-3b8f1f2a7c10",
        "issuer": "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
        "validFrom": "2026-11-25T00:00:00Z",
        "validUntil": "2028-11-30T15:59:59Z",
        "credentialSubject": subject,
        "credentialStatus": {
            "type": "TerseBitstringStatusListEntry",
            "terseStatusListBaseUrl": "https://jtgl.example.cn/status",
            "terseStatusListIndex": 123456,
        },
    }
    document.update(fields)
    return document


SAMPLE_SUBJECT = {
    "type": "Vehicle",
    "registrationNumber": "鄂L12345",
    "plateTypeCode": "02",
    "vehicleTypeCode": "K33",
    "vehicleIdentificationNumber": "LSVAU2A37N2183457",
    "inspectionBasis": "OnSite",
}


def proof_config(document: dict[str, Any], created: str = "2026-11-25T08:00:00Z") -> dict[str, Any]:
    """An ecdsa-rdfc-2019 proof configuration for ``document``."""
    return {
        "@context": document["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-rdfc-2019",
        "created": created,
        "verificationMethod": document["issuer"] + "#" + document["issuer"].split(":")[-1],
        "proofPurpose": "assertionMethod",
    }
