"""What every cryptosuite provides: transformation, proof configuration, hashing, signatures.

A cryptosuite takes documents (already-parsed JSON), keys and a document loader; it never reads
files or URLs. Creating and verifying whole proofs (purposes, sets, chains, key resolution) is the
job of :mod:`vic.vc.proofs`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

from vic.contexts.errors import KeyTypeMismatchError, MalformedValueError, ProofVerificationError
from vic.contexts.loader import DocumentLoader
from vic.did.keys import KeyType, PublicKey
from vic.did.multibase import multibase_decode, multibase_encode
from vic.vc.hashes import hash_constructor

__all__ = ["Cryptosuite", "SigningKey"]


class SigningKey(Protocol):
    """What signing needs of a key: its type and a raw signature over bytes.

    :class:`vic.did.keys.PrivateKey` is one; an HSM or KMS signer (``issuer.keys.Signer``) is
    another.
    """

    @property
    def key_type(self) -> KeyType:
        """The key type, which must fit the cryptosuite."""
        ...

    def sign(self, data: bytes) -> bytes:
        """The raw signature over ``data`` (Ed25519, or ECDSA r‖s with the curve's hash)."""
        ...


class Cryptosuite(ABC):
    """One proof type (and, for DataIntegrityProof, one ``cryptosuite`` value)."""

    name: ClassVar[str]
    """The ``cryptosuite`` value, or the proof type for legacy suites."""
    proof_type: ClassVar[str] = "DataIntegrityProof"
    key_types: ClassVar[frozenset[KeyType]]
    verify_only: ClassVar[bool] = False
    proof_carries_context: ClassVar[bool] = False
    """Whether a created proof carries the document's ``@context`` (the JCS suites)."""

    # -- the three steps of the Data Integrity algorithms ------------------------------------

    @abstractmethod
    def transform(
        self, unsecured: Mapping[str, Any], loader: DocumentLoader, hash_algorithm: str = "sha256"
    ) -> bytes:
        """The canonical bytes of the unsecured document."""

    @abstractmethod
    def configure(
        self,
        proof_config: Mapping[str, Any],
        loader: DocumentLoader,
        hash_algorithm: str = "sha256",
    ) -> bytes:
        """The canonical bytes of the proof configuration (``@context`` already set)."""

    def hash_data(
        self,
        unsecured: Mapping[str, Any],
        proof_config: Mapping[str, Any],
        key_type: KeyType,
        loader: DocumentLoader,
    ) -> bytes:
        """hash(canonical proof config) ‖ hash(canonical document)."""
        algorithm = self.hash_algorithm(key_type)
        canonical_config = self.configure(proof_config, loader, algorithm)
        canonical_document = self.transform(unsecured, loader, algorithm)
        new = hash_constructor(algorithm)
        return new(canonical_config).digest() + new(canonical_document).digest()

    def hash_algorithm(self, key_type: KeyType) -> str:
        """SHA-384 for P-384 keys, SHA-256 otherwise."""
        return "sha384" if key_type is KeyType.P384 else "sha256"

    # -- signatures -----------------------------------------------------------------------------

    def check_key(self, key_type: KeyType) -> None:
        """:raises KeyTypeMismatchError: the key type does not belong to this suite."""
        if key_type not in self.key_types:
            allowed = ", ".join(sorted(k.value for k in self.key_types))
            raise KeyTypeMismatchError(
                f"{self.name} takes {allowed} keys, not {key_type.value}",
                cryptosuite=self.name,
                key_type=key_type.value,
            )

    def sign(self, hash_data: bytes, key: SigningKey, proof: Mapping[str, Any]) -> dict[str, Any]:
        """The proof fields that carry the signature (``proofValue``, multibase base58btc)."""
        return {"proofValue": multibase_encode(key.sign(hash_data), "z")}

    def check_signature(self, hash_data: bytes, proof: Mapping[str, Any], key: PublicKey) -> None:
        """:raises ProofVerificationError: the signature is malformed or does not verify."""
        value = proof.get("proofValue")
        if not isinstance(value, str) or not value.startswith("z"):
            raise ProofVerificationError(
                "proofValue must be a base58btc multibase string", code="INVALID_PROOF_VALUE"
            )
        try:
            signature = multibase_decode(value)
        except MalformedValueError as exc:
            raise ProofVerificationError(
                f"proofValue is not valid multibase: {exc}", code="INVALID_PROOF_VALUE"
            ) from None
        expected = self.signature_length(key.key_type)
        if len(signature) != expected:
            raise ProofVerificationError(
                f"proofValue has {len(signature)} bytes; {self.name} with {key.key_type.value} "
                f"signatures have {expected}",
                code="INVALID_PROOF_VALUE",
            )
        if not key.verify(signature, hash_data):
            raise ProofVerificationError("the signature does not verify", code="INVALID_SIGNATURE")

    @staticmethod
    def signature_length(key_type: KeyType) -> int:
        """The length of a raw signature: 64 bytes (Ed25519, P-256 r‖s) or 96 (P-384 r‖s)."""
        return 96 if key_type is KeyType.P384 else 64
