"""Key proofs of OpenID4VCI 1.0 (§8.2.1.1, Appendix F.1): the ``jwt`` proof type.

A proof is a compact JWS the wallet signs with its holder key:

- protected header: ``typ`` ``openid4vci-proof+jwt``; ``alg`` one of :data:`PROOF_ALGORITHMS`
  (never ``none``, never an HMAC); the key as exactly one of ``kid`` (a ``did:key`` or
  ``did:jwk`` DID URL, resolved offline) or ``jwk`` (a public JWK); ``x5c`` and others are
  refused;
- payload: ``aud`` the credential issuer identifier, ``iat`` within :data:`IAT_PAST` before and
  :data:`IAT_FUTURE` after now, ``nonce`` a ``c_nonce`` of the nonce endpoint (checked and
  consumed by the caller, :mod:`vic.issuer.services.oid4vci`).

Every failure raises :class:`~vic.issuer.oid4vci.errors.OAuthError` ``invalid_proof`` with a code
naming the rule (``PROOF_TYP``, ``PROOF_ALG``, ``PROOF_KEY``, ``PROOF_SIGNATURE``,
``PROOF_AUDIENCE``, ``PROOF_IAT``, ``PROOF_MALFORMED``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from vic.contexts.errors import VicError
from vic.did.jwk import did_jwk_public_key
from vic.did.key import did_key_public_key
from vic.did.keys import KeyType, PublicKey
from vic.issuer.oid4vci.errors import OAuthError

__all__ = [
    "IAT_FUTURE",
    "IAT_PAST",
    "MAX_PROOF_LENGTH",
    "PROOF_ALGORITHMS",
    "PROOF_TYP",
    "HolderProof",
    "check_jwt_proof",
]

PROOF_TYP: Final = "openid4vci-proof+jwt"
PROOF_ALGORITHMS: Final = {
    "ES256": KeyType.P256,
    "ES384": KeyType.P384,
    "EdDSA": KeyType.ED25519,
    "Ed25519": KeyType.ED25519,
}
"""The allowed ``alg`` values and the key type each needs (RFC 7518, RFC 8037, RFC 9864)."""
IAT_PAST: Final = timedelta(minutes=5)
IAT_FUTURE: Final = timedelta(seconds=60)
MAX_PROOF_LENGTH: Final = 8192
_HEADER_MEMBERS: Final = frozenset({"typ", "alg", "kid", "jwk", "crit"})


@dataclass(frozen=True)
class HolderProof:
    """A verified key proof: the holder's key and how the wallet named it."""

    public_key: PublicKey
    key_id: str
    """The ``kid`` DID URL, or ``urn:ietf:params:oauth:jwk-thumbprint:sha-256:<thumbprint>``."""
    nonce: str


def _invalid(message: str, code: str) -> OAuthError:
    return OAuthError("invalid_proof", message, code=code)


def _b64(part: str, what: str) -> bytes:
    if not part or "=" in part or not all(c.isalnum() or c in "-_" for c in part):
        raise _invalid(f"the proof's {what} is not base64url", "PROOF_MALFORMED")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise _invalid(f"the proof's {what} is not base64url", "PROOF_MALFORMED") from None


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise _invalid(f"the proof's {what} repeats {key!r}", "PROOF_MALFORMED")
            out[key] = value
        return out

    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _invalid(f"the proof's {what} is not JSON", "PROOF_MALFORMED") from None
    if not isinstance(value, dict):
        raise _invalid(f"the proof's {what} is not a JSON object", "PROOF_MALFORMED")
    return value


def _thumbprint(jwk: Mapping[str, str]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK, base64url."""
    members = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("crv", "kty", "x")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _holder_key(header: Mapping[str, Any]) -> tuple[PublicKey, str]:
    has_kid, has_jwk = "kid" in header, "jwk" in header
    if has_kid == has_jwk:
        raise _invalid("the proof names its key with exactly one of kid or jwk", "PROOF_KEY")
    try:
        if has_jwk:
            jwk = header["jwk"]
            if not isinstance(jwk, dict) or "d" in jwk:
                raise _invalid("the proof's jwk is not a public JWK", "PROOF_KEY")
            key = PublicKey.from_jwk(jwk)
            thumbprint = _thumbprint(key.to_jwk())
            return key, f"urn:ietf:params:oauth:jwk-thumbprint:sha-256:{thumbprint}"
        kid = header["kid"]
        if not isinstance(kid, str) or "#" not in kid:
            raise _invalid("the proof's kid is not a DID URL", "PROOF_KEY")
        did = kid.split("#", 1)[0]
        if did.startswith("did:key:"):
            key = did_key_public_key(did)
            if kid.split("#", 1)[1] != did.removeprefix("did:key:"):
                raise _invalid("the proof's kid is not the did:key's key", "PROOF_KEY")
        elif did.startswith("did:jwk:"):
            key = did_jwk_public_key(did)
            if kid.split("#", 1)[1] != "0":
                raise _invalid("the proof's kid is not the did:jwk's key (#0)", "PROOF_KEY")
        else:
            raise _invalid("the proof's kid must be a did:key or did:jwk DID URL", "PROOF_KEY")
        return key, kid
    except OAuthError:
        raise
    except VicError as exc:
        raise _invalid(f"the proof's key is not usable: {exc.message}", "PROOF_KEY") from None


def _audience_ok(aud: Any, issuer_id: str) -> bool:
    if isinstance(aud, str):
        return aud == issuer_id
    return isinstance(aud, list) and issuer_id in aud and all(isinstance(a, str) for a in aud)


def check_jwt_proof(proof: object, *, issuer_id: str, now: datetime) -> HolderProof:
    """Verify a ``jwt`` key proof, except its nonce (returned for the caller to consume).

    :param proof: the compact JWS from ``proofs.jwt``.
    :param issuer_id: the credential issuer identifier the proof must be addressed to.
    :param now: the issuer's clock.
    :raises OAuthError: ``invalid_proof`` (see the module doc); a proof without a nonce is
        ``invalid_nonce`` (``PROOF_NONCE_MISSING``).
    """
    if not isinstance(proof, str) or len(proof) > MAX_PROOF_LENGTH:
        raise _invalid("a jwt proof is a compact JWS string", "PROOF_MALFORMED")
    parts = proof.split(".")
    if len(parts) != 3:
        raise _invalid("a jwt proof is a compact JWS of three parts", "PROOF_MALFORMED")
    header = _json_object(_b64(parts[0], "header"), "header")
    if header.get("typ") != PROOF_TYP:
        raise _invalid(f"the proof's typ must be {PROOF_TYP}", "PROOF_TYP")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in PROOF_ALGORITHMS:
        raise _invalid(
            f"the proof's alg must be one of {', '.join(PROOF_ALGORITHMS)}, not {alg!r}",
            "PROOF_ALG",
        )
    unknown = set(header) - _HEADER_MEMBERS
    if "crit" in header or unknown & {"x5c", "x5u", "jku", "trust_chain", "key_attestation"}:
        raise _invalid(
            "the proof names its key only by kid or jwk (no crit, x5c, x5u, jku, "
            "trust_chain, key_attestation)",
            "PROOF_KEY",
        )
    key, key_id = _holder_key(header)
    if key.key_type is not PROOF_ALGORITHMS[alg]:
        raise _invalid(f"alg {alg} does not fit a {key.key_type.value} key", "PROOF_ALG")
    signature = _b64(parts[2], "signature")
    if not key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii")):
        raise _invalid("the proof's signature does not verify", "PROOF_SIGNATURE")
    payload = _json_object(_b64(parts[1], "payload"), "payload")
    if not _audience_ok(payload.get("aud"), issuer_id):
        raise _invalid(f"the proof's aud must be {issuer_id}", "PROOF_AUDIENCE")
    iat = payload.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise _invalid("the proof needs iat (seconds since the epoch)", "PROOF_IAT")
    stamp = now.timestamp()
    if not (stamp - IAT_PAST.total_seconds() <= iat <= stamp + IAT_FUTURE.total_seconds()):
        raise _invalid(
            "the proof's iat is outside the accepted window (5 minutes back, 1 forward)",
            "PROOF_IAT",
        )
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise OAuthError(
            "invalid_nonce",
            "the proof needs the c_nonce of the nonce endpoint",
            code="PROOF_NONCE_MISSING",
        )
    return HolderProof(public_key=key, key_id=key_id, nonce=nonce)
