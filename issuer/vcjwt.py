"""Marks secured as vc+jwt with the issuer's current key (downloads and OpenID4VCI ``jwt_vc_json``).

The mark's Data Integrity form is what the issuer stores; a vc+jwt is made on request from that
credential without its proof, signed with the key current at the call (so rotation applies).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from vic.did.keys import KeyType
from vic.issuer.kernel import Kernel

__all__ = ["JWT_ALGORITHMS", "JwtSigner", "vc_jwt_signer"]

JwtSigner = Callable[[Mapping[str, Any]], str]
"""Secures a mark (its credential without the Data Integrity proof) as a vc+jwt compact JWS."""
JWT_ALGORITHMS: Final = {KeyType.P256: "ES256", KeyType.P384: "ES384", KeyType.ED25519: "EdDSA"}
"""The JWS ``alg`` of each issuer key type."""


def vc_jwt_signer(kernel: Kernel) -> JwtSigner:
    """vc+jwt with the issuer's current key (looked up at each call: rotation applies)."""

    def sign(credential: Mapping[str, Any]) -> str:
        from vic.vc.jose import sign_jwt_with

        signer = kernel.current_signer()
        return sign_jwt_with(credential, signer, signer.method_id)

    return sign
