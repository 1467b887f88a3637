"""Keys (Multikey, JWK), did:key, did:jwk, did:web, and a resolver with pinned documents.

Imports only the standard library, ``cryptography`` and :mod:`vic.contexts.errors`; nothing here
touches the network.
"""

from vic.did.document import (
    DID_V1_CONTEXT,
    MULTIKEY_V1_CONTEXT,
    RELATIONSHIPS,
    DidDocument,
    VerificationMethod,
)
from vic.did.jwk import did_jwk, did_jwk_document, did_jwk_method_id, did_jwk_public_key
from vic.did.key import did_key, did_key_document, did_key_method_id, did_key_public_key
from vic.did.keyfile import (
    KeyMaterial,
    key_document,
    public_key_document,
    read_key_document,
    read_key_file,
    write_key_file,
)
from vic.did.keys import KeyType, PrivateKey, PublicKey
from vic.did.multibase import (
    base58btc_decode,
    base58btc_encode,
    base64url_decode,
    base64url_encode,
    multibase_decode,
    multibase_encode,
)
from vic.did.resolver import MAX_DID_DOCUMENT_SIZE, DidResolver, Fetch, Resolver
from vic.did.syntax import DidUrl, parse_did, parse_did_url
from vic.did.web import build_did_web_document, did_web, did_web_method_id, did_web_url

__all__ = [
    "DID_V1_CONTEXT",
    "MAX_DID_DOCUMENT_SIZE",
    "MULTIKEY_V1_CONTEXT",
    "RELATIONSHIPS",
    "DidDocument",
    "DidResolver",
    "DidUrl",
    "Fetch",
    "KeyMaterial",
    "KeyType",
    "PrivateKey",
    "PublicKey",
    "Resolver",
    "VerificationMethod",
    "base58btc_decode",
    "base58btc_encode",
    "base64url_decode",
    "base64url_encode",
    "build_did_web_document",
    "did_jwk",
    "did_jwk_document",
    "did_jwk_method_id",
    "did_jwk_public_key",
    "did_key",
    "did_key_document",
    "did_key_method_id",
    "did_key_public_key",
    "did_web",
    "did_web_method_id",
    "did_web_url",
    "key_document",
    "multibase_decode",
    "multibase_encode",
    "parse_did",
    "parse_did_url",
    "public_key_document",
    "read_key_document",
    "read_key_file",
    "write_key_file",
]
