"""Verify-only legacy proofs: Ed25519Signature2020 and JsonWebSignature2020.

Credentials from older stacks (DIDKit, early Digital Bazaar and Transmute libraries) carry these.
vic never creates them. Both canonicalize with RDFC-1.0 (URDNA2015); stacks such as DIDKit put the
suite's context inside the proof, which then serves as the proof configuration's ``@context``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from vic.contexts.errors import ProofGenerationError, ProofVerificationError
from vic.did.keys import KeyType, PublicKey
from vic.vc.suites.base import SigningKey
from vic.vc.suites.dataintegrity import _Rdfc

__all__ = ["Ed25519Signature2020", "JsonWebSignature2020"]


class Ed25519Signature2020(_Rdfc):
    """Ed25519Signature2020 (W3C CCG), verify only."""

    name = "Ed25519Signature2020"
    proof_type = "Ed25519Signature2020"
    key_types = frozenset({KeyType.ED25519})
    verify_only = True

    def sign(self, hash_data: bytes, key: SigningKey, proof: Mapping[str, Any]) -> dict[str, Any]:
        raise ProofGenerationError(f"{self.name} is verify-only in vic", code="VERIFY_ONLY_SUITE")


# JWS algorithms by key type (RFC 8037 EdDSA, RFC 7518 ES256/ES384); nothing else is accepted.
_JWS_ALGORITHMS = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256", KeyType.P384: "ES384"}


class JsonWebSignature2020(_Rdfc):
    """JsonWebSignature2020 (W3C CCG): a detached JWS with ``b64: false``, verify only."""

    name = "JsonWebSignature2020"
    proof_type = "JsonWebSignature2020"
    key_types = frozenset(_JWS_ALGORITHMS)
    verify_only = True

    def sign(self, hash_data: bytes, key: SigningKey, proof: Mapping[str, Any]) -> dict[str, Any]:
        raise ProofGenerationError(f"{self.name} is verify-only in vic", code="VERIFY_ONLY_SUITE")

    def check_signature(self, hash_data: bytes, proof: Mapping[str, Any], key: PublicKey) -> None:
        jws = proof.get("jws")
        parts = jws.split(".") if isinstance(jws, str) else []
        if len(parts) != 3 or parts[1] != "":
            raise ProofVerificationError(
                "jws must be a detached compact JWS (header..signature)", code="INVALID_PROOF_VALUE"
            )
        try:
            header = json.loads(_b64url_decode(parts[0]))
            signature = _b64url_decode(parts[2])
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ProofVerificationError(
                "jws is not valid base64url JSON", code="INVALID_PROOF_VALUE"
            ) from None
        if not isinstance(header, dict):
            raise ProofVerificationError("jws header is not an object", code="INVALID_PROOF_VALUE")
        if header.get("alg") != _JWS_ALGORITHMS[key.key_type]:
            raise ProofVerificationError(
                f"jws alg {header.get('alg')!r} does not fit a {key.key_type.value} key",
                code="UNSUPPORTED_ALGORITHM",
            )
        if header.get("b64") is not False or header.get("crit") != ["b64"]:
            raise ProofVerificationError(
                'jws header must have "b64": false and "crit": ["b64"]', code="INVALID_PROOF_VALUE"
            )
        signing_input = parts[0].encode("ascii") + b"." + hash_data
        if len(signature) != self.signature_length(key.key_type) or not key.verify(
            signature, signing_input
        ):
            raise ProofVerificationError("the signature does not verify", code="INVALID_SIGNATURE")


def _b64url_decode(text: str) -> bytes:
    if not text or any(c in text for c in "+/= \n"):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
