"""The wallet's holder key: a did:key or did:jwk the wallet proves possession of.

The key is made on first use (P-256 unless chosen otherwise) and kept in the wallet folder as a
Multikey file (mode 0600, the format ``vic sign --key`` reads). It signs the OpenID4VCI key
proofs (``openid4vci-proof+jwt``) and the wallet's presentations. The mark is about the vehicle,
not the holder: the key shows that the presentation comes from the wallet that received the mark.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from vic.contexts.errors import IssuanceProtocolError, UsageError
from vic.did.jwk import did_jwk, did_jwk_method_id
from vic.did.key import did_key, did_key_method_id
from vic.did.keyfile import read_key_file, write_key_file
from vic.did.keys import KeyType, PrivateKey

__all__ = ["DID_METHODS", "PROOF_TYP", "HolderKey", "load_or_create_holder"]

PROOF_TYP: Final = "openid4vci-proof+jwt"
"""The ``typ`` of an OpenID4VCI key proof JWT (OpenID4VCI 1.0, appendix F.1)."""
DID_METHODS: Final = ("key", "jwk")
_JWS_ALGS: Final = {KeyType.P256: "ES256", KeyType.P384: "ES384", KeyType.ED25519: "EdDSA"}
_ALG_ALIASES: Final = {"EdDSA": ("EdDSA", "Ed25519")}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class HolderKey:
    """The holder's private key and its DID and verification method."""

    key: PrivateKey
    did: str
    method: str

    @property
    def jws_alg(self) -> str:
        """The JOSE algorithm of the key (ES256, ES384 or EdDSA)."""
        return _JWS_ALGS[self.key.key_type]

    def proof_jwt(
        self,
        *,
        audience: str,
        nonce: str | None,
        issued_at: datetime,
        allowed_algs: list[str] | None = None,
    ) -> str:
        """An OpenID4VCI ``jwt`` key proof: header ``typ``/``alg``/``kid``, claims ``aud``,
        ``iat`` and ``nonce`` (no ``iss``: the pre-authorized flow is anonymous).

        :raises IssuanceProtocolError: ``PROOF_ALG_UNSUPPORTED`` when the issuer's
            ``proof_signing_alg_values_supported`` excludes the key's algorithm.
        """
        alg = self.jws_alg
        if allowed_algs is not None:
            names = [a for a in _ALG_ALIASES.get(alg, (alg,)) if a in allowed_algs]
            if not names:
                raise IssuanceProtocolError(
                    f"the issuer accepts key proofs signed with {', '.join(allowed_algs)}, "
                    f"not {alg} (make the wallet with another --key-type)",
                    code="PROOF_ALG_UNSUPPORTED",
                )
            alg = names[0]
        header = {"typ": PROOF_TYP, "alg": alg, "kid": self.method}
        claims: dict[str, Any] = {"aud": audience, "iat": int(issued_at.timestamp())}
        if nonce is not None:
            claims["nonce"] = nonce
        signing_input = (
            _b64(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64(json.dumps(claims, separators=(",", ":")).encode())
        )
        return signing_input + "." + _b64(self.key.sign(signing_input.encode("ascii")))


def _identity(key: PrivateKey, method: str) -> tuple[str, str]:
    if method == "jwk":
        return did_jwk(key.public_key), did_jwk_method_id(key.public_key)
    return did_key(key.public_key), did_key_method_id(key.public_key)


def load_or_create_holder(
    path: Path, *, did_method: str = "key", key_type: KeyType = KeyType.P256
) -> tuple[HolderKey, bool]:
    """The holder key in ``path``, made (mode 0600) if the file does not exist yet.

    ``did_method`` and ``key_type`` apply only when the key is made. Returns the key and
    whether it was made now.

    :raises UsageError: ``INVALID_DID_METHOD``; ``NO_PRIVATE_KEY`` for a public-only file.
    :raises InvalidKeyError: the key file is malformed.
    :raises OSError: the file cannot be read or written.
    """
    if did_method not in DID_METHODS:
        raise UsageError("the holder DID method is key or jwk", code="INVALID_DID_METHOD")
    if path.exists():
        material = read_key_file(path)
        if material.private_key is None:
            raise UsageError(f"{path} holds no private key", code="NO_PRIVATE_KEY")
        controller = material.controller or did_key(material.public_key)
        method = material.id or did_key_method_id(material.public_key)
        if method.startswith("#"):
            method = controller + method
        return HolderKey(material.private_key, controller, method), False
    key = PrivateKey.generate(key_type)
    did, method = _identity(key, did_method)
    write_key_file(path, key, id=method, controller=did)
    return HolderKey(key, did, method), True
