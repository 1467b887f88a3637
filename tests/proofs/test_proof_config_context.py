"""The proof configuration's ``@context`` for a proof that does not carry its own Data Integrity
context (vc.proofs._verify_one builds it inline): the document's contexts, then the proof's."""

from __future__ import annotations

from typing import Any

import pytest

from vic.contexts.errors import VicError
from vic.did.resolver import DidResolver
from vic.vc import proofs
from vic.vc.suites import suite_for_proof

_ABSENT = object()
_DOCUMENT_CONTEXTS: list[Any] = [
    "https://www.w3.org/2018/credentials/v1",
    ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/suites/ed25519-2020/v1"],
    [],
    {"@vocab": "https://example.org/"},
]
_PROOF_CONTEXTS: list[Any] = [
    _ABSENT,
    None,
    "https://w3id.org/security/suites/ed25519-2020/v1",
    ["https://w3id.org/security/suites/ed25519-2020/v1"],
    ("a", "b"),
    [],
]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class _Stop(Exception):
    pass


@pytest.mark.parametrize("proof_type", ["Ed25519Signature2020", "DataIntegrityProof"])
@pytest.mark.parametrize("own", _PROOF_CONTEXTS)
@pytest.mark.parametrize("document_context", _DOCUMENT_CONTEXTS)
def test_the_configs_context_is_the_documents_then_the_proofs(
    monkeypatch: pytest.MonkeyPatch, document_context: Any, own: Any, proof_type: str
) -> None:
    key = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    proof: dict[str, Any] = {
        "type": proof_type,
        "verificationMethod": f"{key}#{key.removeprefix('did:key:')}",
        "proofPurpose": "assertionMethod",
        "proofValue": "z1111",
    }
    if proof_type == "DataIntegrityProof":
        proof["cryptosuite"] = "eddsa-rdfc-2022"
    if own is not _ABSENT:
        proof["@context"] = own
    suite = suite_for_proof(proof)
    seen: list[Any] = []

    def hash_data(unsecured: Any, proof_config: Any, *_: Any) -> bytes:
        seen.append(proof_config.get("@context", _ABSENT))
        raise _Stop

    monkeypatch.setattr(type(suite), "hash_data", lambda self, *a: hash_data(*a))
    document = {"@context": document_context, "type": ["VerifiableCredential"]}
    try:
        proofs._verify_one(
            proof,
            [proof],
            document,
            resolver=DidResolver(),
            loader=proofs._DEFAULT_LOADER,
            now=None,  # type: ignore[arg-type]
            skew=None,  # type: ignore[arg-type]
            reject_future=False,
            expected_purpose="assertionMethod",
            domain=None,
            challenge=None,
        )
    except _Stop:
        pass
    except VicError:  # a Data Integrity proof's context that is not a prefix: refused first
        assert proof_type == "DataIntegrityProof"
        assert own is not _ABSENT
        return
    if proof_type == "DataIntegrityProof" and own is not _ABSENT:
        assert seen == [own]  # its own context, the document's prefix
        return
    # what it was before the inline form: [*_as_list(document), *_as_list(own or [])]
    expected = [*_as_list(document_context), *_as_list(proof.get("@context", []))]
    assert seen == [expected]
