"""The Data Integrity cryptosuites eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019, ecdsa-jcs-2019.

The four differ in two choices only: RDFC-1.0 or JCS canonicalization, EdDSA or ECDSA signatures
(ECDSA hashes with SHA-384 for P-384 keys, SHA-256 otherwise; the signature is raw r‖s).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import rfc8785

from vic.contexts.errors import MalformedValueError
from vic.contexts.loader import DocumentLoader
from vic.did.keys import KeyType
from vic.vc.hashes import hash_constructor
from vic.vc.suites.base import Cryptosuite

CanonicalBytes = Callable[..., bytes]

__all__ = ["EcdsaJcs2019", "EcdsaRdfc2019", "EddsaJcs2022", "EddsaRdfc2022", "jcs"]


def jcs(value: Any) -> bytes:
    """RFC 8785 JSON Canonicalization Scheme.

    :raises MalformedValueError: the value has no canonical form (NaN, infinities, big ints).
    """
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise MalformedValueError(f"no JCS form: {exc}", code="JCS_ERROR") from None


@cache
def _canonical_bytes() -> CanonicalBytes:
    """:func:`vic.vc.jsonld.canonical_bytes`, imported on first use (pyld: not with
    vic.verifier) and then kept: an import statement in the call costs ~5 k instructions."""
    from vic.vc.jsonld import canonical_bytes

    return canonical_bytes


class _Rdfc(Cryptosuite):
    """RDFC-1.0 canonicalization, its internal hash being the suite's (SHA-384 for P-384)."""

    def hash_data(
        self,
        unsecured: Mapping[str, Any],
        proof_config: Mapping[str, Any],
        key_type: KeyType,
        loader: DocumentLoader,
    ) -> bytes:
        """hash(canonical proof config) ‖ hash(canonical document): the base class's steps
        (:meth:`configure`, :meth:`transform`, :meth:`hash_algorithm`) in one call."""
        algorithm = "sha384" if key_type is KeyType.P384 else "sha256"
        canonical = _canonical_bytes()
        new = hash_constructor(algorithm)
        config = new(canonical(proof_config, loader, hash_algorithm=algorithm)).digest()
        return config + new(canonical(unsecured, loader, hash_algorithm=algorithm)).digest()

    def transform(
        self, unsecured: Mapping[str, Any], loader: DocumentLoader, hash_algorithm: str = "sha256"
    ) -> bytes:
        return _canonical_bytes()(unsecured, loader, hash_algorithm=hash_algorithm)

    def configure(
        self,
        proof_config: Mapping[str, Any],
        loader: DocumentLoader,
        hash_algorithm: str = "sha256",
    ) -> bytes:
        return _canonical_bytes()(proof_config, loader, hash_algorithm=hash_algorithm)


class _Jcs(Cryptosuite):
    """RFC 8785 canonicalization; the proof carries the document's ``@context``.

    JCS signs the JSON text, so nothing JSON-LD drops could go unsigned; vic still expands a
    document that has an ``@context`` (safely, bundled contexts only), so that a JCS credential
    with an unknown context or undefined terms is refused like any other.
    """

    proof_carries_context = True

    def transform(
        self, unsecured: Mapping[str, Any], loader: DocumentLoader, hash_algorithm: str = "sha256"
    ) -> bytes:
        if "@context" in unsecured:
            from vic.vc.jsonld import expand

            expand(unsecured, loader)
        return jcs(unsecured)

    def configure(
        self,
        proof_config: Mapping[str, Any],
        loader: DocumentLoader,
        hash_algorithm: str = "sha256",
    ) -> bytes:
        return jcs(proof_config)


_EDDSA = frozenset({KeyType.ED25519})
_ECDSA = frozenset({KeyType.P256, KeyType.P384})


class EddsaRdfc2022(_Rdfc):
    """eddsa-rdfc-2022 (Data Integrity EdDSA Cryptosuites v1.0)."""

    name = "eddsa-rdfc-2022"
    key_types = _EDDSA


class EddsaJcs2022(_Jcs):
    """eddsa-jcs-2022 (Data Integrity EdDSA Cryptosuites v1.0)."""

    name = "eddsa-jcs-2022"
    key_types = _EDDSA


class EcdsaRdfc2019(_Rdfc):
    """ecdsa-rdfc-2019 (Data Integrity ECDSA Cryptosuites v1.0), P-256 and P-384."""

    name = "ecdsa-rdfc-2019"
    key_types = _ECDSA


class EcdsaJcs2019(_Jcs):
    """ecdsa-jcs-2019 (Data Integrity ECDSA Cryptosuites v1.0), P-256 and P-384."""

    name = "ecdsa-jcs-2019"
    key_types = _ECDSA
