"""Shared pieces of the vc+cose tests: issuers, marks, hand-built COSE_Sign1 messages, pycose."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from tests.authority import NOW, VEHICLE
from vic.did.key import did_key, did_key_method_id
from vic.did.keys import KeyType, PrivateKey, PublicKey
from vic.did.resolver import DidResolver
from vic.did.web import build_did_web_document
from vic.vc.cose import sig_structure
from vic.vc.mark import TerseStatus, build_mark, valid_until_for_month

ALG_FOR = {KeyType.P256: -7, KeyType.P384: -35, KeyType.ED25519: -8}
WEB_DID = "did:web:jtgl.example.cn"


@dataclass
class Issuer:
    """A signing key with its DID and verification method."""

    key: PrivateKey
    did: str
    kid: str

    @classmethod
    def did_key(cls, key_type: KeyType = KeyType.P256) -> Issuer:
        key = PrivateKey.generate(key_type)
        return cls(key, did_key(key.public_key), did_key_method_id(key.public_key))

    @classmethod
    def did_web(cls, key_type: KeyType = KeyType.P256) -> Issuer:
        return cls(PrivateKey.generate(key_type), WEB_DID, f"{WEB_DID}#key-1")

    def resolver(self) -> DidResolver:
        if self.did.startswith("did:web:"):
            return DidResolver(
                {self.did: build_did_web_document(self.did, [("key-1", self.key.public_key)])}
            )
        return DidResolver()

    def mark(self) -> dict[str, Any]:
        return build_mark(
            issuer=self.did,
            subject=VEHICLE,
            valid_from=NOW,
            valid_until=valid_until_for_month(NOW.year + 2, NOW.month),
            status=TerseStatus("https://jtgl.example.cn/status", 77),
            mark_id="urn:uuid:2f9c6b1e-8a43-4c55-9d0e-3b8f1f2a7c10",
        )


def craft(
    key: PrivateKey,
    *,
    protected: Mapping[Any, Any] | None,
    unprotected: Mapping[Any, Any] | None = None,
    payload: bytes | dict[str, Any] = b"{}",
    tag: int | None = 18,
) -> bytes:
    """A COSE_Sign1 with exactly the given headers, validly signed by ``key``.

    ``protected=None`` gives an empty protected header (zero-length byte string).
    """
    if isinstance(payload, dict):
        payload = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    protected_bytes = cbor2.dumps(dict(protected), canonical=True) if protected else b""
    signature = key.sign(sig_structure(protected_bytes, payload))
    body = [protected_bytes, dict(unprotected or {}), payload, signature]
    return cbor2.dumps(cbor2.CBORTag(tag, body) if tag is not None else body, canonical=True)


def thaw(value: Any) -> Any:
    """cbor2 6 decodes a tag's content as tuples and frozendicts; pycose 1.1 wants lists/dicts."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value


def pycose_key(public_key: PublicKey, private_key: PrivateKey | None = None) -> Any:
    """The pycose key object for one of our keys."""
    from pycose.keys import EC2Key, OKPKey
    from pycose.keys.curves import P256, P384, Ed25519

    from vic.did.multibase import base64url_decode

    jwk = public_key.to_jwk()
    x = base64url_decode(jwk["x"])
    d = private_key_bytes(private_key) if private_key is not None else b""
    if public_key.key_type is KeyType.ED25519:
        return OKPKey(crv=Ed25519, x=x, d=d)
    curve = P256 if public_key.key_type is KeyType.P256 else P384
    return EC2Key(crv=curve, x=x, y=base64url_decode(jwk["y"]), d=d)


def private_key_bytes(key: PrivateKey) -> bytes:
    """The raw seed or scalar of a private key, from its private JWK ``d``."""
    from vic.did.multibase import base64url_decode

    return base64url_decode(key.to_jwk()["d"])


def pycose_algorithm(key_type: KeyType) -> Any:
    from pycose.algorithms import EdDSA, Es256, Es384

    return {KeyType.P256: Es256, KeyType.P384: Es384, KeyType.ED25519: EdDSA}[key_type]
