"""relatedResource (VC 2.0 section 5.3): one case per file in tests/vectors/related/.

Each file holds a ``relatedResource`` value and the error code it must give (null: accepted).
The digests of bundled contexts are of the bytes vic bundles; ``fail-sri-base64url`` and
``fail-wrong-multibase-bundled`` are the W3C vc-data-model-2.0 suite's wrong digests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vic.contexts.errors import DataModelError
from vic.vc.datamodel import check_credential
from vic.vc.related import check_related_resources

CASES = sorted((Path(__file__).resolve().parents[1] / "vectors" / "related").glob("*.json"))


def credential(related: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
        "relatedResource": related,
    }


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_related_resource_case(path: Path) -> None:
    case = json.loads(path.read_text())
    document = credential(case["relatedResource"])
    if case["expectedCode"] is None:
        check_credential(document)
        return
    with pytest.raises(DataModelError) as caught:
        check_credential(document)
    assert caught.value.code == case["expectedCode"]


def test_cases_cover_both_outcomes() -> None:
    codes = [json.loads(p.read_text())["expectedCode"] for p in CASES]
    assert None in codes
    assert {"DIGEST_MISMATCH", "DUPLICATE_RELATED_RESOURCE", "MISSING_DIGEST"} <= set(codes)


def test_held_resource_is_injected() -> None:
    import base64
    import hashlib

    digest = "sha256-" + base64.b64encode(hashlib.sha256(b"terms").digest()).decode()
    document = {"relatedResource": {"id": "https://vic.example/terms", "digestSRI": digest}}
    check_related_resources(document, held=lambda url: b"terms")
    with pytest.raises(DataModelError) as caught:
        check_related_resources(document, held=lambda url: b"other terms")
    assert caught.value.code == "DIGEST_MISMATCH"
