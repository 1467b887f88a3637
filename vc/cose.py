"""VC-JOSE-COSE ``application/vc+cose``: a VC 2.0 credential secured as a COSE_Sign1 (RFC 9052).

The payload is the credential as compact UTF-8 JSON. The protected header carries ``alg``
(ES256 for P-256, ES384 for P-384, EdDSA for Ed25519), ``kid`` (the verification method's DID
URL, as bytes), ``typ`` ``application/vc+cose`` (RFC 9596) and content type ``application/vc``;
the unprotected header is empty; the message is tagged 18. See docs/cose-profile.md.

Verification takes the algorithm only from the protected header and only from an allow-list, and
the resolved key must be of the algorithm's key type. The CBOR decoder is strict: size capped,
depth capped, no duplicate map keys, no trailing bytes, and no semantic tag is interpreted (a date,
regex or MIME tag stays an opaque tag instead of running a decoder on untrusted input).

COSE_Sign1 is small enough to write here with ``cbor2`` and vic's own keys (docs/cose-profile.md
says why); the tests check it against pycose in both directions and the COSE WG examples.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

import cbor2

from vic.contexts.errors import (
    DataModelError,
    InputTooLargeError,
    InvalidJsonError,
    KeyTypeMismatchError,
    ParsingError,
    ProofGenerationError,
    ProofVerificationError,
)
from vic.did.keys import KeyType, PrivateKey, PublicKey
from vic.did.resolver import Resolver
from vic.did.syntax import parse_did_url
from vic.vc.datamodel import check_credential
from vic.vc.jsonio import MAX_INPUT_BYTES, check_depth, parse_json_object

__all__ = [
    "ALGORITHMS",
    "ALG_EDDSA",
    "ALG_ES256",
    "ALG_ES384",
    "CONTENT_TYPE",
    "COSE_SIGN1_START",
    "COSE_SIGN1_TAG",
    "MAX_COSE_BYTES",
    "TYP",
    "CoseResult",
    "CoseSign1",
    "cose_from_base64",
    "decode_sign1",
    "sig_structure",
    "sign_cose",
    "verify_cose",
    "verify_cose_with_key",
]

ALG_ES256: Final = -7
"""ECDSA with SHA-256 (P-256 keys), RFC 9053."""
ALG_ES384: Final = -35
"""ECDSA with SHA-384 (P-384 keys), RFC 9053."""
ALG_EDDSA: Final = -8
"""EdDSA (Ed25519 keys), RFC 9053."""

ALGORITHMS: Final[Mapping[int, KeyType]] = MappingProxyType(
    {ALG_ES256: KeyType.P256, ALG_ES384: KeyType.P384, ALG_EDDSA: KeyType.ED25519}
)
"""The allow-list: each algorithm vic accepts and the one key type it may be used with."""
_ALG_FOR_KEY: Final = {key_type: alg for alg, key_type in ALGORITHMS.items()}
_ALG_NAMES: Final = {ALG_ES256: "ES256", ALG_ES384: "ES384", ALG_EDDSA: "EdDSA"}

COSE_SIGN1_TAG: Final = 18
COSE_SIGN1_START: Final = b"\xd2\x84"
"""The first bytes of every tagged COSE_Sign1: tag 18, then an array of four."""
_BASE64: Final = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
TYP: Final = "application/vc+cose"
"""The ``typ`` (16) header value VC-JOSE-COSE gives a secured credential."""
CONTENT_TYPE: Final = "application/vc"
"""The content type (3) header value VC-JOSE-COSE gives the credential payload."""

#: ``typ`` and content type values accepted on verification (absent is accepted too).
_ACCEPTED_TYP: Final = frozenset({TYP, "vc+cose"})
_ACCEPTED_CTY: Final = frozenset({CONTENT_TYPE, "application/vc+ld+json"})

MAX_COSE_BYTES: Final = MAX_INPUT_BYTES + 16 * 1024
"""The largest COSE_Sign1 read: the credential cap of :mod:`vic.vc.jsonio` plus room for headers."""
_MAX_CBOR_DEPTH: Final = 16

# RFC 9052 header labels.
_H_ALG: Final = 1
_H_CRIT: Final = 2
_H_CTY: Final = 3
_H_KID: Final = 4
_H_TYP: Final = 16
_UNDERSTOOD: Final = frozenset({_H_ALG, _H_CRIT, _H_CTY, _H_KID, _H_TYP})

#: Semantic tags cbor2 would otherwise turn into Python objects (dates, bignums, decimals, regular
#: expressions, MIME messages, UUIDs, sets, IP addresses, shared references, complex numbers, the
#: self-describe marker). Each is kept as an opaque :class:`cbor2.CBORTag`: no decoder runs on
#: untrusted input. A test checks the list against every tag number below 70,000.
_SEMANTIC_TAGS: Final = (
    0, 1, 2, 3, 4, 5, 25, 28, 29, 30, 35, 36, 37, 52, 54, 100, 256, 258, 260, 261, 1004, 43000,
    55799,
)  # fmt: skip


def _opaque(tag: int) -> Any:
    return lambda value, _immutable: cbor2.CBORTag(tag, value)


_OPAQUE_TAGS: Final = {tag: _opaque(tag) for tag in _SEMANTIC_TAGS}


@dataclass(frozen=True)
class CoseResult:
    """A verified vc+cose: the credential, the ``kid`` that signed it and that key's controller."""

    credential: dict[str, Any]
    kid: str
    controller: str


@dataclass(frozen=True)
class CoseSign1:
    """A structurally valid, tagged COSE_Sign1 (not yet verified).

    ``protected`` is the decoded protected header, ``protected_bytes`` the exact bytes signed.
    """

    protected_bytes: bytes
    protected: Mapping[Any, Any]
    unprotected: Mapping[Any, Any]
    payload: bytes
    signature: bytes

    def to_be_signed(self, external_aad: bytes = b"") -> bytes:
        """The Sig_structure (RFC 9052 section 4.4) this message's signature covers."""
        return sig_structure(self.protected_bytes, self.payload, external_aad)

    @property
    def kid(self) -> bytes | None:
        """The ``kid`` from the protected header, else from the unprotected one."""
        value = self.protected.get(_H_KID, self.unprotected.get(_H_KID))
        return value if isinstance(value, bytes) else None

    def verify_signature(self, public_key: PublicKey) -> None:
        """Check the signature with ``public_key`` under the protected ``alg``.

        :raises ProofVerificationError: code ``ALG_NOT_PROTECTED`` (``alg`` in the unprotected
            header), ``MISSING_ALGORITHM``, ``UNSUPPORTED_ALGORITHM`` (not on the allow-list),
            ``UNSUPPORTED_CRITICAL_HEADER`` or ``INVALID_SIGNATURE``.
        :raises KeyTypeMismatchError: the key is not of the algorithm's key type.
        """
        alg = _algorithm(self)
        _check_crit(self.protected)
        expected = ALGORITHMS[alg]
        if public_key.key_type is not expected:
            raise KeyTypeMismatchError(
                f"alg {_ALG_NAMES[alg]} needs a {expected.value} key, "
                f"not {public_key.key_type.value}",
                alg=alg,
            )
        if not public_key.verify(self.signature, self.to_be_signed()):
            raise ProofVerificationError(
                "the COSE_Sign1 signature does not verify", code="INVALID_SIGNATURE"
            )


def sig_structure(protected_bytes: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    """``Sig_structure`` for COSE_Sign1: ["Signature1", protected, external_aad, payload]."""
    return cbor2.dumps(["Signature1", protected_bytes, external_aad, payload], canonical=True)


# --- signing -------------------------------------------------------------------------------------


def sign_cose(
    credential: Mapping[str, Any], key: PrivateKey, kid: str, *, require_did_kid: bool = True
) -> bytes:
    """Secure a VC 2.0 ``credential`` as a tagged COSE_Sign1 signed by ``key``.

    ``kid`` is the verification method's DID URL; its DID must be the credential's issuer. Only
    :mod:`vic.cli.conformance` passes ``require_did_kid=False`` (the W3C suite's issuers are
    https URLs, its methods not DID URLs).

    :raises DataModelError: the credential breaks the VC data model, or is not VC 2.0.
    :raises InvalidDidError: ``kid`` is not a DID URL.
    :raises ProofGenerationError: code ``INVALID_KID`` (a bare DID, not a method),
        ``ISSUER_MISMATCH`` (the kid's DID is not the issuer) or ``NOT_JSON`` (a value JSON
        cannot hold).
    """
    info = check_credential(credential)
    if info.version != 2:
        raise DataModelError("vc+cose secures VC 2.0 credentials only", code="INVALID_CONTEXT")
    check_depth(credential)
    if require_did_kid:
        parsed = parse_did_url(kid)
        if parsed.is_did:
            raise ProofGenerationError(
                f"kid must be a verification method's DID URL, not the bare DID {kid}",
                code="INVALID_KID",
            )
        if parsed.did != info.issuer:
            raise ProofGenerationError(
                f"the kid {kid} belongs to {parsed.did}, not to the issuer {info.issuer}",
                code="ISSUER_MISMATCH",
            )
    elif not kid:
        raise ProofGenerationError("kid must not be empty", code="INVALID_KID")
    try:
        payload = json.dumps(
            credential, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ProofGenerationError(
            f"the credential holds a value JSON cannot: {exc}", code="NOT_JSON"
        ) from None
    alg = _ALG_FOR_KEY[key.key_type]
    protected = cbor2.dumps(
        {_H_ALG: alg, _H_CTY: CONTENT_TYPE, _H_KID: kid.encode("utf-8"), _H_TYP: TYP},
        canonical=True,
    )
    signature = key.sign(sig_structure(protected, payload))
    return cbor2.dumps(
        cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]), canonical=True
    )


def cose_from_base64(text: str) -> bytes | None:
    """The COSE_Sign1 bytes a base64 or base64url text holds, or None if it holds none.

    vic writes vc+cose as unpadded base64url; padded and standard base64 are read too (the W3C
    suite's vectors use them). Only text that decodes to a tagged COSE_Sign1's first bytes counts.
    """
    text = text.strip()
    if len(text) > (MAX_COSE_BYTES * 4) // 3 + 4 or not _BASE64.fullmatch(text):
        return None
    body = text.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        data = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if data.startswith(COSE_SIGN1_START) else None


# --- decoding ------------------------------------------------------------------------------------


def _invalid(message: str, code: str = "INVALID_COSE", **detail: Any) -> ParsingError:
    return ParsingError(message, code=code, **detail)


def _strict_cbor(data: bytes, what: str) -> Any:
    """Decode exactly one CBOR item from ``data``: no trailing bytes, no semantic decoding."""
    stream = io.BytesIO(data)
    decoder = cbor2.CBORDecoder(
        stream,
        semantic_decoders=_OPAQUE_TAGS,
        max_depth=_MAX_CBOR_DEPTH,
        allow_duplicate_keys=False,
    )
    try:
        value = decoder.decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise _invalid(f"{what} is not well-formed CBOR: {exc}", code="INVALID_CBOR") from None
    if stream.tell() != len(data):
        raise _invalid(
            f"{len(data) - stream.tell()} bytes follow the {what}",
            code="TRAILING_BYTES",
            extra=len(data) - stream.tell(),
        )
    return value


def _header_map(value: Any, what: str) -> dict[Any, Any]:
    if not isinstance(value, Mapping):
        raise _invalid(f"the {what} header is not a CBOR map")
    for label in value:
        if isinstance(label, bool) or not isinstance(label, int | str):
            raise _invalid(f"the {what} header has a label that is neither int nor text")
    return dict(value)


def decode_sign1(data: bytes, *, max_bytes: int = MAX_COSE_BYTES) -> CoseSign1:
    """Parse a tagged COSE_Sign1 with an attached payload, checking structure only.

    :raises InputTooLargeError: more than ``max_bytes``.
    :raises ParsingError: code ``INVALID_CBOR`` (not CBOR, duplicate map keys, too deep),
        ``TRAILING_BYTES``, ``INVALID_COSE`` (not tag 18, not a four-element array of the
        right types, a detached payload, ``crit`` unprotected) or ``DUPLICATE_HEADER`` (a label
        in both header maps, RFC 9052 section 3).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise _invalid("a COSE_Sign1 must be bytes")
    data = bytes(data)
    if len(data) > max_bytes:
        raise InputTooLargeError(
            f"COSE_Sign1 of {len(data)} bytes exceeds the cap of {max_bytes}",
            size=len(data),
            limit=max_bytes,
        )
    message = _strict_cbor(data, "COSE_Sign1")
    if not isinstance(message, cbor2.CBORTag) or message.tag != COSE_SIGN1_TAG:
        found = message.tag if isinstance(message, cbor2.CBORTag) else type(message).__name__
        raise _invalid(
            f"expected a COSE_Sign1 tagged {COSE_SIGN1_TAG}, found {found}", found=str(found)
        )
    body = message.value
    if not isinstance(body, list | tuple) or len(body) != 4:
        raise _invalid("a COSE_Sign1 is an array of four items")
    protected_bytes, unprotected_value, payload, signature = body
    if not isinstance(protected_bytes, bytes):
        raise _invalid("the protected header is not a byte string")
    if payload is None:
        raise _invalid("detached payloads are not supported: the credential must be attached")
    if not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise _invalid("the payload and the signature must be byte strings")
    protected = (
        _header_map(_strict_cbor(protected_bytes, "protected header"), "protected")
        if protected_bytes
        else {}
    )
    unprotected = _header_map(unprotected_value, "unprotected")
    both = set(protected) & set(unprotected)
    if both:
        raise _invalid(
            f"header labels {sorted(map(str, both))} appear in both the protected and the "
            "unprotected header",
            code="DUPLICATE_HEADER",
        )
    if _H_CRIT in unprotected:
        raise _invalid("crit must be in the protected header")
    return CoseSign1(
        protected_bytes=protected_bytes,
        protected=MappingProxyType(protected),
        unprotected=MappingProxyType(unprotected),
        payload=payload,
        signature=signature,
    )


def _algorithm(message: CoseSign1) -> int:
    if _H_ALG in message.unprotected:
        raise ProofVerificationError(
            "alg must be in the protected header only", code="ALG_NOT_PROTECTED"
        )
    if _H_ALG not in message.protected:
        raise ProofVerificationError("the protected header has no alg", code="MISSING_ALGORITHM")
    alg = message.protected[_H_ALG]
    if isinstance(alg, bool) or not isinstance(alg, int) or alg not in ALGORITHMS:
        raise ProofVerificationError(
            f"alg {alg!r} is not allowed (allowed: ES256 -7, ES384 -35, EdDSA -8)",
            code="UNSUPPORTED_ALGORITHM",
            alg=str(alg),
        )
    return alg


def _check_crit(protected: Mapping[Any, Any]) -> None:
    if _H_CRIT not in protected:
        return
    crit = protected[_H_CRIT]
    if not isinstance(crit, list | tuple) or not crit:
        raise ProofVerificationError(
            "crit must be a non-empty array of labels", code="UNSUPPORTED_CRITICAL_HEADER"
        )
    for label in crit:
        known = isinstance(label, int) and not isinstance(label, bool) and label in _UNDERSTOOD
        if not known or label not in protected:
            raise ProofVerificationError(
                f"critical header {label!r} is not understood or not present",
                code="UNSUPPORTED_CRITICAL_HEADER",
                label=str(label),
            )


def _check_types(message: CoseSign1) -> None:
    headers = {**message.unprotected, **message.protected}
    typ = headers.get(_H_TYP)
    if typ is not None and not (isinstance(typ, str) and typ in _ACCEPTED_TYP):
        raise _invalid(f"typ {typ!r} is not {TYP}", code="INVALID_TYP")
    cty = headers.get(_H_CTY)
    if cty is not None and not (isinstance(cty, str) and cty in _ACCEPTED_CTY):
        raise _invalid(f"content type {cty!r} is not {CONTENT_TYPE}", code="INVALID_CONTENT_TYPE")


def _kid(message: CoseSign1) -> str:
    raw = message.protected.get(_H_KID, message.unprotected.get(_H_KID))
    if raw is None:
        raise ProofVerificationError(
            "the COSE_Sign1 has no kid naming its verification method", code="MISSING_KID"
        )
    if not isinstance(raw, bytes):
        raise _invalid("kid must be a byte string")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid("kid is not a UTF-8 DID URL") from None


def _utf8(payload: bytes) -> str:
    # json.loads would also guess UTF-16 and UTF-32 from bytes; JSON exchanged is UTF-8 only.
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidJsonError("the payload is not UTF-8 JSON") from None


# --- verifying -----------------------------------------------------------------------------------


def verify_cose(
    data: bytes,
    resolver: Resolver,
    *,
    expected_purpose: str = "assertionMethod",
    require_issuer_binding: bool = True,
) -> CoseResult:
    """Verify a vc+cose COSE_Sign1 and return its credential.

    The algorithm comes from the protected header only and must be on the allow-list; the
    verification method ``kid`` is resolved for ``expected_purpose`` and its key must be of the
    algorithm's type. With ``require_issuer_binding`` (the default) the method's controller must
    be the credential's issuer, so a key of another DID cannot vouch for an issuer it is not.

    :raises InputTooLargeError: the message or its payload is larger than the caps.
    :raises ParsingError: see :func:`decode_sign1`; also code ``INVALID_TYP`` /
        ``INVALID_CONTENT_TYPE`` for a ``typ`` or content type other than vc+cose's, and
        ``INVALID_JSON`` (and the other :func:`vic.vc.jsonio.parse_json_object` codes) when the
        payload is not a JSON object.
    :raises ProofVerificationError: see :meth:`CoseSign1.verify_signature`; also ``MISSING_KID``
        and ``ISSUER_MISMATCH``.
    :raises KeyTypeMismatchError: the resolved key does not fit ``alg``.
    :raises InvalidDidError: ``kid`` is not a DID URL.
    :raises DidResolutionError: the kid's DID cannot be resolved.
    :raises VerificationMethodError: the method is unknown or not authorized for the purpose.
    :raises DataModelError: the payload is not a VC 2.0 credential.
    """
    message = decode_sign1(data)
    _algorithm(message)  # the algorithm policy first: no key lookup for a refused alg
    _check_crit(message.protected)
    _check_types(message)
    kid = _kid(message)
    method = resolver.resolve_method(kid, expected_purpose)
    message.verify_signature(method.public_key)
    credential = parse_json_object(_utf8(message.payload))
    info = check_credential(credential)
    if info.version != 2:
        raise DataModelError("vc+cose secures VC 2.0 credentials only", code="INVALID_CONTEXT")
    if require_issuer_binding and method.controller != info.issuer:
        raise ProofVerificationError(
            f"{kid} is controlled by {method.controller}, not by the issuer {info.issuer}",
            code="ISSUER_MISMATCH",
            issuer=info.issuer,
        )
    return CoseResult(credential=credential, kid=kid, controller=method.controller)


def verify_cose_with_key(data: bytes, public_key: PublicKey) -> CoseResult:
    """Verify a vc+cose COSE_Sign1 with a key given by the caller (no DID resolution).

    For callers that hold the issuer's key by other means, such as the W3C suite's command line
    (:mod:`vic.cli.conformance`). Every other rule of :func:`verify_cose` applies; ``controller``
    is empty.
    """
    message = decode_sign1(data)
    _algorithm(message)
    _check_crit(message.protected)
    _check_types(message)
    kid = message.kid
    message.verify_signature(public_key)
    credential = parse_json_object(_utf8(message.payload))
    info = check_credential(credential)
    if info.version != 2:
        raise DataModelError("vc+cose secures VC 2.0 credentials only", code="INVALID_CONTEXT")
    return CoseResult(
        credential=credential,
        kid=kid.decode("utf-8", "replace") if kid is not None else "",
        controller="",
    )
