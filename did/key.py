"""did:key (W3C CCG did:key v0.9): a DID that is a Multikey public key, resolved offline.

``did:key:z6Mk...`` is Ed25519, ``did:key:zDna...`` P-256, ``did:key:z82L...`` P-384. The DID
document has one Multikey method, ``did:key:<mb>#<mb>``, in assertionMethod, authentication,
capabilityInvocation and capabilityDelegation. Only the default form (no version segment) is
accepted.
"""

from __future__ import annotations

from typing import Any

from vic.contexts.errors import InvalidDidError, InvalidKeyError
from vic.did.document import DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT, DidDocument
from vic.did.keys import PublicKey
from vic.did.syntax import parse_did

__all__ = ["did_key", "did_key_document", "did_key_method_id", "did_key_public_key"]

_RELATIONSHIPS = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
)


def did_key(public_key: PublicKey) -> str:
    """The did:key of a public key."""
    return "did:key:" + public_key.to_multibase()


def did_key_method_id(public_key: PublicKey) -> str:
    """The verification method id of a public key's did:key: ``did:key:<mb>#<mb>``."""
    multibase = public_key.to_multibase()
    return f"did:key:{multibase}#{multibase}"


def did_key_public_key(did: str) -> PublicKey:
    """The public key a did:key encodes.

    :raises InvalidDidError: not a did:key DID, or a versioned form.
    :raises InvalidKeyError: the key is malformed, unsupported (code ``UNSUPPORTED_KEY_TYPE``) or
        weak.
    """
    parsed = parse_did(did)
    if parsed.method != "key":
        raise InvalidDidError(f"not a did:key DID: {did[:200]!r}")
    multibase = parsed.method_specific_id
    if ":" in multibase or not multibase.startswith("z"):
        raise InvalidDidError("a did:key is did:key:z<base58btc Multikey>")
    try:
        return PublicKey.from_multibase(multibase)
    except InvalidKeyError as exc:
        raise InvalidKeyError(f"{did[:200]}: {exc.message}", code=exc.code) from exc


def did_key_json(did: str) -> dict[str, Any]:
    """The JSON DID document of a did:key (see :func:`did_key_document`)."""
    public_key = did_key_public_key(did)
    multibase = public_key.to_multibase()
    method_id = f"{did}#{multibase}"
    doc: dict[str, Any] = {
        "@context": [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT],
        "id": did,
        "verificationMethod": [
            {
                "id": method_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": multibase,
            }
        ],
    }
    for name in _RELATIONSHIPS:
        doc[name] = [method_id]
    return doc


def did_key_document(did: str) -> DidDocument:
    """Resolve a did:key offline into its DID document.

    :raises InvalidDidError: not a did:key DID.
    :raises InvalidKeyError: the key is malformed, unsupported or weak.
    """
    return DidDocument.from_json(did_key_json(did))
