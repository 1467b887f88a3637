"""VC-JOSE-COSE ``application/vc+jwt``: a VC 2.0 credential secured as a JWS compact token.

The payload is the credential itself (its JSON object is the JWT claims set). The protected header
carries ``alg`` (ES256 for P-256, ES384 for P-384, EdDSA for Ed25519), ``kid`` (the verification
method's DID URL), ``typ`` ``vc+jwt`` and ``cty`` ``vc``; nothing is unprotected. See
docs/jose.md.

jwcrypto does the JOSE work (serialization, signatures); this module wraps it so that the rules
are vic's: the algorithm comes only from the protected header and only from the allow-list, the
resolved key must be of the algorithm's key type, the token is decoded strictly (canonical
base64url, no duplicate JSON members, size and depth caps) before jwcrypto sees it, ``crit`` is
refused, ``typ`` must say vc+jwt, and the ``vc``/``vp`` claims of the VC 1.1 JWT encoding are
refused. Registered claims may accompany the credential; ``iss`` and ``jti`` must then agree with
``issuer`` and ``id``, and ``exp``/``nbf`` are checked against the injected clock.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final, Protocol

from jwcrypto import jwk, jws

from vic.contexts.errors import (
    DataModelError,
    InputTooLargeError,
    KeyTypeMismatchError,
    ParsingError,
    ProofGenerationError,
    ProofVerificationError,
    ValidityPeriodError,
)
from vic.did.keys import KeyType, PrivateKey, PublicKey
from vic.did.resolver import Resolver
from vic.did.syntax import parse_did_url
from vic.vc.datamodel import CredentialInfo, check_credential
from vic.vc.dates import Clock, format_datetime, system_clock
from vic.vc.jsonio import MAX_INPUT_BYTES, check_depth, parse_json_object

__all__ = [
    "ALGORITHMS",
    "CONTENT_TYPE",
    "MAX_JWT_CHARS",
    "TYP",
    "Jws",
    "JwsSigner",
    "JwtResult",
    "decode_jws",
    "looks_like_jwt",
    "sign_jwt",
    "sign_jwt_with",
    "verify_jwt",
    "verify_jwt_with_key",
]

ALGORITHMS: Final[Mapping[str, KeyType]] = MappingProxyType(
    {"ES256": KeyType.P256, "ES384": KeyType.P384, "EdDSA": KeyType.ED25519}
)
"""The allow-list: each JWS ``alg`` vic accepts and the one key type it may be used with."""
_ALG_FOR_KEY: Final = {key_type: alg for alg, key_type in ALGORITHMS.items()}

TYP: Final = "vc+jwt"
"""The ``typ`` header vic writes (VC-JOSE-COSE section 3.1.1)."""
CONTENT_TYPE: Final = "vc"
"""The ``cty`` header vic writes: the payload is a credential."""
_ACCEPTED_TYP: Final = frozenset({TYP, "application/vc+jwt"})
_ACCEPTED_CTY: Final = frozenset({CONTENT_TYPE, "application/vc"})
_FORBIDDEN_CLAIMS: Final = ("vc", "vp")

MAX_JWT_CHARS: Final = (MAX_INPUT_BYTES * 4) // 3 + 16 * 1024
"""The longest token read: the credential cap of :mod:`vic.vc.jsonio` in base64url plus headers."""
_MAX_HEADER_BYTES: Final = 8 * 1024
_B64URL: Final = re.compile(r"[A-Za-z0-9_-]*")
_COMPACT: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class JwtResult:
    """A verified vc+jwt: the credential, its header, the ``kid`` and that key's controller."""

    credential: dict[str, Any]
    header: Mapping[str, Any]
    kid: str | None
    controller: str | None
    """The verification method's controller (None when the key was given, not resolved)."""
    not_before: datetime | None = None
    """The ``nbf`` claim, if any."""
    expires: datetime | None = None
    """The ``exp`` claim, if any."""


@dataclass(frozen=True)
class Jws:
    """A structurally valid JWS with a protected header only (not yet verified)."""

    compact: str
    header: Mapping[str, Any]
    payload: bytes

    @property
    def alg(self) -> str:
        """The protected ``alg``, checked against the allow-list.

        :raises ProofVerificationError: ``MISSING_ALGORITHM`` or ``UNSUPPORTED_ALGORITHM``.
        """
        if "alg" not in self.header:
            raise ProofVerificationError(
                "the protected header has no alg", code="MISSING_ALGORITHM"
            )
        alg = self.header["alg"]
        if not isinstance(alg, str) or alg not in ALGORITHMS:
            raise ProofVerificationError(
                f"alg {alg!r} is not allowed (allowed: {', '.join(ALGORITHMS)})",
                code="UNSUPPORTED_ALGORITHM",
                alg=str(alg),
            )
        return alg

    def verify_signature(self, public_key: PublicKey) -> None:
        """Check the signature with ``public_key`` under the protected ``alg`` (jwcrypto).

        :raises ProofVerificationError: see :attr:`alg`; ``INVALID_SIGNATURE``.
        :raises KeyTypeMismatchError: the key is not of the algorithm's key type.
        """
        alg = self.alg
        expected = ALGORITHMS[alg]
        if public_key.key_type is not expected:
            raise KeyTypeMismatchError(
                f"alg {alg} needs a {expected.value} key, not {public_key.key_type.value}",
                alg=alg,
            )
        token = jws.JWS()
        token.allowed_algs = [alg]
        try:
            token.deserialize(self.compact)
            token.verify(jwk.JWK.from_pyca(public_key.to_cryptography()), alg=alg)
        except (jws.InvalidJWSSignature, jws.InvalidJWSObject, jws.InvalidJWSOperation, ValueError):
            raise ProofVerificationError(
                "the JWS signature does not verify", code="INVALID_SIGNATURE"
            ) from None


# --- signing -------------------------------------------------------------------------------------


def _json_bytes(value: Mapping[str, Any]) -> bytes:
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ProofGenerationError(
            f"the credential holds a value JSON cannot: {exc}", code="NOT_JSON"
        ) from None


def sign_jwt(
    credential: Mapping[str, Any],
    key: PrivateKey,
    kid: str,
    *,
    require_did_kid: bool = True,
) -> str:
    """Secure a VC 2.0 ``credential`` as a vc+jwt compact token signed by ``key``.

    ``kid`` is the verification method's DID URL; its DID must be the credential's issuer. Only
    :mod:`vic.cli.conformance` passes ``require_did_kid=False`` (the W3C suite's keys are named
    by JWK thumbprints and its issuers are https URLs).

    :raises DataModelError: the credential breaks the VC data model, is not VC 2.0, or carries a
        ``proof`` or the VC 1.1 ``vc``/``vp`` claims (code ``FORBIDDEN_CLAIM``).
    :raises InvalidDidError: ``kid`` is not a DID URL.
    :raises ProofGenerationError: code ``INVALID_KID`` (a bare DID, not a method, or empty),
        ``ISSUER_MISMATCH`` (the kid's DID is not the issuer) or ``NOT_JSON``.
    """
    _check_payload(credential)
    _check_kid(credential, kid, require_did_kid=require_did_kid)
    alg = _ALG_FOR_KEY[key.key_type]
    header = {"alg": alg, "kid": kid, "typ": TYP, "cty": CONTENT_TYPE}
    token = jws.JWS(_json_bytes(credential))
    token.allowed_algs = [alg]
    token.add_signature(
        jwk.JWK.from_pyca(key.to_cryptography()), alg=None, protected=json.dumps(header)
    )
    return str(token.serialize(compact=True))


def _check_kid(credential: Mapping[str, Any], kid: str, *, require_did_kid: bool) -> None:
    if require_did_kid:
        parsed = parse_did_url(kid)
        if parsed.is_did:
            raise ProofGenerationError(
                f"kid must be a verification method's DID URL, not the bare DID {kid}",
                code="INVALID_KID",
            )
        issuer = check_credential(credential).issuer
        if parsed.did != issuer:
            raise ProofGenerationError(
                f"the kid {kid} belongs to {parsed.did}, not to the issuer {issuer}",
                code="ISSUER_MISMATCH",
            )
    elif not kid:
        raise ProofGenerationError("kid must not be empty", code="INVALID_KID")


class JwsSigner(Protocol):
    """Any signing key: a :class:`~vic.did.keys.PrivateKey`, or an HSM or KMS signer (the
    issuer's ``Signer``). ``sign`` returns the raw signature (``r || s`` for ECDSA)."""

    @property
    def key_type(self) -> KeyType:
        """The key type (it fixes ``alg``)."""
        ...

    def sign(self, data: bytes) -> bytes:
        """Sign ``data``."""
        ...


def sign_jwt_with(credential: Mapping[str, Any], signer: JwsSigner, kid: str) -> str:
    """Secure ``credential`` as a vc+jwt like :func:`sign_jwt`, with any :class:`JwsSigner`
    (the private key need not be in memory).

    :raises DataModelError, InvalidDidError, ProofGenerationError: as :func:`sign_jwt`.
    """
    _check_payload(credential)
    _check_kid(credential, kid, require_did_kid=True)
    header = {"alg": _ALG_FOR_KEY[signer.key_type], "kid": kid, "typ": TYP, "cty": CONTENT_TYPE}

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    signing_input = f"{b64(_json_bytes(header))}.{b64(_json_bytes(credential))}"
    return f"{signing_input}.{b64(signer.sign(signing_input.encode('ascii')))}"


# --- decoding ------------------------------------------------------------------------------------


def _invalid(message: str, code: str = "INVALID_JWS", **detail: Any) -> ParsingError:
    return ParsingError(message, code=code, **detail)


def _b64decode(part: str, what: str) -> bytes:
    if not _B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise _invalid(f"the {what} is not base64url")
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise _invalid(f"the {what} is not base64url") from None
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode() != part:
        raise _invalid(f"the {what} is not canonical base64url (stray trailing bits)")
    return data


def looks_like_jwt(text: str) -> bool:
    """Whether ``text`` has the shape of a JWS compact token (three base64url parts)."""
    return len(text) <= MAX_JWT_CHARS and _COMPACT.fullmatch(text) is not None


def decode_jws(token: str | Mapping[str, Any]) -> Jws:
    """Parse a JWS, checking structure only: compact, or the flattened JSON serialization.

    The flattened form is read only to refuse what the compact form cannot say: an ``alg`` (or
    any other header) outside the protected header.

    :raises InputTooLargeError: a token longer than :data:`MAX_JWT_CHARS`.
    :raises ParsingError: code ``INVALID_JWS`` (not three base64url parts, a header that is not a
        JSON object, detached or unencoded payloads, an unprotected header).
    :raises ProofVerificationError: code ``ALG_NOT_PROTECTED`` (``alg`` unprotected).
    """
    if isinstance(token, Mapping):
        token = _flattened_to_compact(token)
    if not isinstance(token, str):
        raise _invalid("a JWS compact token must be text")
    token = token.strip()
    if len(token) > MAX_JWT_CHARS:
        raise InputTooLargeError(
            f"token of {len(token)} characters exceeds the cap of {MAX_JWT_CHARS}",
            size=len(token),
            limit=MAX_JWT_CHARS,
        )
    parts = token.split(".")
    if len(parts) != 3:
        raise _invalid(f"a JWS compact token has three parts, not {len(parts)}")
    header_part, payload_part, signature_part = parts
    if not header_part or not signature_part:
        raise _invalid("the protected header and the signature must not be empty")
    if not payload_part:
        raise _invalid("detached payloads are not supported: the credential must be attached")
    header_bytes = _b64decode(header_part, "protected header")
    if len(header_bytes) > _MAX_HEADER_BYTES:
        raise _invalid("the protected header is too large")
    try:
        header = parse_json_object(header_bytes, max_bytes=_MAX_HEADER_BYTES, max_depth=8)
    except ParsingError as exc:
        raise _invalid(f"the protected header is not a JSON object: {exc.message}") from None
    if header.get("b64", True) is not True:
        raise _invalid("unencoded payloads (b64: false) are not supported")
    _b64decode(signature_part, "signature")
    return Jws(
        compact=token,
        header=MappingProxyType(header),
        payload=_b64decode(payload_part, "payload"),
    )


def _flattened_to_compact(value: Mapping[str, Any]) -> str:
    if "signatures" in value:
        raise _invalid("the general JWS JSON serialization (several signatures) is not supported")
    unprotected = value.get("header")
    if unprotected is not None:
        if isinstance(unprotected, Mapping) and "alg" in unprotected:
            raise ProofVerificationError(
                "alg must be in the protected header only", code="ALG_NOT_PROTECTED"
            )
        if unprotected:
            raise _invalid(
                "vc+jwt has no unprotected header: every header goes in the protected one",
                code="UNPROTECTED_HEADER",
            )
    parts = [value.get("protected"), value.get("payload"), value.get("signature")]
    strings = [p for p in parts if isinstance(p, str)]
    if len(strings) != 3:
        raise _invalid("a flattened JWS needs protected, payload and signature strings")
    return ".".join(strings)


# --- verifying -----------------------------------------------------------------------------------


def _check_header(header: Mapping[str, Any]) -> None:
    if "crit" in header:
        raise ProofVerificationError(
            f"critical headers {header['crit']!r} are not understood",
            code="UNSUPPORTED_CRITICAL_HEADER",
        )
    typ = header.get("typ")
    if not isinstance(typ, str) or typ not in _ACCEPTED_TYP:
        raise _invalid(f"typ {typ!r} is not {TYP}", code="INVALID_TYP", typ=str(typ))
    cty = header.get("cty")
    if cty is not None and not (isinstance(cty, str) and cty in _ACCEPTED_CTY):
        raise _invalid(f"content type {cty!r} is not {CONTENT_TYPE}", code="INVALID_CONTENT_TYPE")


def _check_payload(credential: Mapping[str, Any]) -> CredentialInfo:
    check_depth(credential)
    info = check_credential(credential)
    if info.version != 2:
        raise DataModelError("vc+jwt secures VC 2.0 credentials only", code="INVALID_CONTEXT")
    for claim in _FORBIDDEN_CLAIMS:
        if claim in credential:
            raise DataModelError(
                f"the {claim!r} claim is the VC 1.1 JWT encoding; a vc+jwt payload is the "
                "credential itself",
                code="FORBIDDEN_CLAIM",
                claim=claim,
            )
    if "proof" in credential:
        raise DataModelError(
            "a vc+jwt payload is an unsecured credential: it has no proof",
            code="FORBIDDEN_CLAIM",
            claim="proof",
        )
    return info


def _numeric_date(claims: Mapping[str, Any], name: str) -> datetime | None:
    if name not in claims:
        return None
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataModelError(f"the {name} claim must be a NumericDate", code="INVALID_CLAIM")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise DataModelError(f"the {name} claim is out of range", code="INVALID_CLAIM") from None


def _open(
    message: Jws, key_for: Callable[[Jws], tuple[PublicKey, str | None]], clock: Clock | None
) -> tuple[dict[str, Any], PublicKey, str | None, datetime | None, datetime | None]:
    _alg = message.alg  # the algorithm policy first: no key lookup for a refused alg
    _check_header(message.header)
    public_key, controller = key_for(message)
    message.verify_signature(public_key)
    credential = parse_json_object(message.payload)
    info = _check_payload(credential)
    for claim, prop, value in (("iss", "issuer", info.issuer), ("jti", "id", info.id)):
        if claim in credential and credential[claim] != value:
            raise DataModelError(
                f"the {claim} claim {credential[claim]!r} is not the credential's {prop}",
                code="CLAIM_MISMATCH",
                claim=claim,
            )
    not_before = _numeric_date(credential, "nbf")
    expires = _numeric_date(credential, "exp")
    if clock is not None:
        now = clock()
        if expires is not None and now >= expires:
            raise ValidityPeriodError(
                f"the token expired at {format_datetime(expires)}", code="EXPIRED"
            )
        if not_before is not None and now < not_before:
            raise ValidityPeriodError(
                f"the token is not valid before {format_datetime(not_before)}",
                code="NOT_YET_VALID",
            )
    return credential, public_key, controller, not_before, expires


def verify_jwt(
    token: str | Mapping[str, Any],
    resolver: Resolver,
    *,
    clock: Clock | None = system_clock,
    expected_purpose: str = "assertionMethod",
    require_issuer_binding: bool = True,
) -> JwtResult:
    """Verify a vc+jwt and return its credential.

    The algorithm comes from the protected header only and must be on the allow-list; ``kid``
    must be a DID URL, resolved for ``expected_purpose``, and its key must be of the algorithm's
    type. With ``require_issuer_binding`` (the default) the method's controller must be the
    credential's issuer. ``exp`` and ``nbf`` are checked against ``clock`` (None skips them: the
    verifier folds them into its validity check instead).

    :raises InputTooLargeError: the token or its payload is larger than the caps.
    :raises ParsingError: see :func:`decode_jws`; also ``INVALID_TYP``, ``INVALID_CONTENT_TYPE``,
        and the :func:`vic.vc.jsonio.parse_json_object` codes for the payload.
    :raises ProofVerificationError: ``ALG_NOT_PROTECTED``, ``MISSING_ALGORITHM``,
        ``UNSUPPORTED_ALGORITHM``, ``UNSUPPORTED_CRITICAL_HEADER``, ``MISSING_KID``,
        ``INVALID_SIGNATURE``, ``ISSUER_MISMATCH``.
    :raises KeyTypeMismatchError: the resolved key does not fit ``alg``.
    :raises InvalidDidError: ``kid`` is not a DID URL.
    :raises DidResolutionError: the kid's DID cannot be resolved.
    :raises VerificationMethodError: the method is unknown or not authorized for the purpose.
    :raises DataModelError: the payload is not a VC 2.0 credential, carries ``vc``/``vp`` claims
        (``FORBIDDEN_CLAIM``) or registered claims that disagree with it (``CLAIM_MISMATCH``).
    :raises ValidityPeriodError: ``EXPIRED`` / ``NOT_YET_VALID`` (``exp``/``nbf``).
    """
    message = decode_jws(token)

    def resolve(message: Jws) -> tuple[PublicKey, str | None]:
        kid = message.header.get("kid")
        if kid is None:
            raise ProofVerificationError(
                "the JWS has no kid naming its verification method", code="MISSING_KID"
            )
        if not isinstance(kid, str):
            raise _invalid("kid must be a string")
        method = resolver.resolve_method(kid, expected_purpose)
        return method.public_key, method.controller

    credential, _key, controller, nbf, exp = _open(message, resolve, clock)
    issuer = check_credential(credential).issuer
    if require_issuer_binding and controller != issuer:
        raise ProofVerificationError(
            f"{message.header['kid']} is controlled by {controller}, not by the issuer {issuer}",
            code="ISSUER_MISMATCH",
            issuer=issuer,
        )
    return JwtResult(
        credential=credential,
        header=message.header,
        kid=str(message.header["kid"]),
        controller=controller,
        not_before=nbf,
        expires=exp,
    )


def verify_jwt_with_key(
    token: str | Mapping[str, Any], public_key: PublicKey, *, clock: Clock | None = system_clock
) -> JwtResult:
    """Verify a vc+jwt with a key given by the caller (no DID resolution, no issuer binding).

    For callers that already hold the issuer's key by other means, such as the W3C suite's
    command line (:mod:`vic.cli.conformance`). Every other rule of :func:`verify_jwt` applies.
    """
    message = decode_jws(token)
    credential, _key, _controller, nbf, exp = _open(
        message, lambda _message: (public_key, None), clock
    )
    kid = message.header.get("kid")
    return JwtResult(
        credential=credential,
        header=message.header,
        kid=kid if isinstance(kid, str) else None,
        controller=None,
        not_before=nbf,
        expires=exp,
    )
