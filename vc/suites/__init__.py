"""The cryptosuites vic implements, looked up by proof type and cryptosuite name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vic.contexts.errors import UnsupportedCryptosuiteError
from vic.vc.suites.base import Cryptosuite
from vic.vc.suites.dataintegrity import EcdsaJcs2019, EcdsaRdfc2019, EddsaJcs2022, EddsaRdfc2022
from vic.vc.suites.legacy import Ed25519Signature2020, JsonWebSignature2020

__all__ = ["DATA_INTEGRITY_SUITES", "Cryptosuite", "suite_for_proof", "suite_named"]

DATA_INTEGRITY_SUITES: Mapping[str, Cryptosuite] = {
    suite.name: suite
    for suite in (EcdsaRdfc2019(), EddsaRdfc2022(), EcdsaJcs2019(), EddsaJcs2022())
}
"""The DataIntegrityProof cryptosuites, by ``cryptosuite`` value (ecdsa-rdfc-2019 first)."""

_LEGACY: Mapping[str, Cryptosuite] = {
    suite.proof_type: suite for suite in (Ed25519Signature2020(), JsonWebSignature2020())
}


def suite_named(name: str) -> Cryptosuite:
    """The cryptosuite called ``name`` (a cryptosuite value, or a legacy proof type).

    :raises UnsupportedCryptosuiteError: vic does not implement it.
    """
    suite = DATA_INTEGRITY_SUITES.get(name) or _LEGACY.get(name)
    if suite is None:
        raise UnsupportedCryptosuiteError(
            f"unsupported cryptosuite {name!r}; vic implements "
            + ", ".join([*DATA_INTEGRITY_SUITES, *_LEGACY]),
            cryptosuite=name,
        )
    return suite


def suite_for_proof(proof: Mapping[str, Any]) -> Cryptosuite:
    """The cryptosuite that verifies ``proof`` (by its ``type`` and ``cryptosuite``).

    :raises UnsupportedCryptosuiteError: the proof type or cryptosuite is not implemented.
    """
    proof_type = proof.get("type")
    if proof_type == "DataIntegrityProof":
        name = proof.get("cryptosuite")
        suite = DATA_INTEGRITY_SUITES.get(name) if isinstance(name, str) else None
        if suite is None:
            raise UnsupportedCryptosuiteError(
                f"unsupported cryptosuite {name!r}", cryptosuite=str(name)
            )
        return suite
    suite = _LEGACY.get(proof_type) if isinstance(proof_type, str) else None
    if suite is None:
        raise UnsupportedCryptosuiteError(
            f"unsupported proof type {proof_type!r}", proof_type=str(proof_type)
        )
    return suite
