"""did:jwk: a DID that is a base64url-encoded public JWK, resolved offline.

The method id is ``did:jwk:<b64>#0``, of type ``JsonWebKey2020`` (the did:jwk specification's
type, defined by the bundled ``https://w3id.org/security/suites/jws-2020/v1`` context). A JWK with
``"use": "sig"`` is not in keyAgreement; one with ``"use": "enc"`` is only in keyAgreement.
"""

from __future__ import annotations

import json
from typing import Any

from vic.contexts.errors import InvalidDidError, InvalidKeyError, MalformedValueError
from vic.did.document import DID_V1_CONTEXT, DidDocument
from vic.did.keys import PublicKey
from vic.did.multibase import base64url_decode, base64url_encode
from vic.did.syntax import parse_did

__all__ = [
    "JWS_2020_CONTEXT",
    "did_jwk",
    "did_jwk_document",
    "did_jwk_method_id",
    "did_jwk_public_key",
]

JWS_2020_CONTEXT = "https://w3id.org/security/suites/jws-2020/v1"
_SIGNING = ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation")


def did_jwk(public_key: PublicKey) -> str:
    """The did:jwk of a public key: its public JWK, compact JSON with sorted members, base64url."""
    text = json.dumps(public_key.to_jwk(), sort_keys=True, separators=(",", ":"))
    return "did:jwk:" + base64url_encode(text.encode("utf-8"))


def did_jwk_method_id(public_key: PublicKey) -> str:
    """The verification method id of a public key's did:jwk: ``did:jwk:<b64>#0``."""
    return did_jwk(public_key) + "#0"


def _decode(did: str) -> dict[str, Any]:
    parsed = parse_did(did)
    if parsed.method != "jwk":
        raise InvalidDidError(f"not a did:jwk DID: {did[:200]!r}")
    try:
        jwk = json.loads(base64url_decode(parsed.method_specific_id))
    except (MalformedValueError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise InvalidDidError("a did:jwk must hold a base64url-encoded JSON object") from None
    if not isinstance(jwk, dict):
        raise InvalidDidError("a did:jwk must hold a base64url-encoded JSON object")
    if "d" in jwk:
        raise InvalidDidError("a did:jwk must not hold private key material ('d')")
    return jwk


def did_jwk_public_key(did: str) -> PublicKey:
    """The public key a did:jwk encodes.

    :raises InvalidDidError: not a did:jwk DID, or not a base64url JSON object, or private.
    :raises InvalidKeyError: the JWK is malformed, unsupported or weak.
    """
    return PublicKey.from_jwk(_decode(did))


def did_jwk_json(did: str) -> dict[str, Any]:
    """The JSON DID document of a did:jwk (see :func:`did_jwk_document`)."""
    jwk = _decode(did)
    try:
        PublicKey.from_jwk(jwk)
    except InvalidKeyError as exc:
        raise InvalidKeyError(f"{did[:200]}: {exc.message}", code=exc.code) from exc
    method_id = did + "#0"
    doc: dict[str, Any] = {
        "@context": [DID_V1_CONTEXT, JWS_2020_CONTEXT],
        "id": did,
        "verificationMethod": [
            {"id": method_id, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
        ],
    }
    use = jwk.get("use")
    if use != "enc":
        for name in _SIGNING:
            doc[name] = [method_id]
    if use != "sig":
        doc["keyAgreement"] = [method_id]
    return doc


def did_jwk_document(did: str) -> DidDocument:
    """Resolve a did:jwk offline into its DID document.

    :raises InvalidDidError: not a did:jwk DID, or not a base64url JSON object, or private.
    :raises InvalidKeyError: the JWK is malformed, unsupported or weak.
    """
    return DidDocument.from_json(did_jwk_json(did))
