"""Public and private keys for Ed25519, P-256 and P-384: signing, verifying, Multikey and JWK.

Every import path (raw bytes, Multikey, JWK, ``cryptography`` objects) validates the key: lengths,
the multicodec header, the point (on the curve, canonical, not of small order) and the private
scalar range. Bad input raises :class:`~vic.contexts.errors.InvalidKeyError`, never ``ValueError``.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, NoReturn, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
)

from vic.contexts.errors import InvalidKeyError, MalformedValueError
from vic.did.curve_checks import P256_ORDER, P384_ORDER, check_ec_scalar, check_ed25519_public_key
from vic.did.multibase import base64url_decode, base64url_encode, multibase_decode, multibase_encode

__all__ = ["KeyType", "PrivateKey", "PublicKey"]

CryptographyPublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
CryptographyPrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


class KeyType(StrEnum):
    """The key types vic signs and verifies with; the value is the JWK ``crv``."""

    ED25519 = "Ed25519"
    P256 = "P-256"
    P384 = "P-384"


@dataclass(frozen=True)
class _Spec:
    public_codec: int
    private_codec: int
    private_size: int  # Ed25519 seed, or EC scalar
    public_size: int  # raw Ed25519 key, or compressed SEC1 point
    signature_size: int
    jwk_algs: frozenset[str]
    curve: ec.EllipticCurve | None = None
    hash: hashes.HashAlgorithm | None = None
    order: int = 0


_SPECS: dict[KeyType, _Spec] = {
    KeyType.ED25519: _Spec(
        public_codec=0xED,  # ed25519-pub
        private_codec=0x1300,  # ed25519-priv
        private_size=32,
        public_size=32,
        signature_size=64,
        jwk_algs=frozenset({"EdDSA", "Ed25519"}),
    ),
    KeyType.P256: _Spec(
        public_codec=0x1200,  # p256-pub
        private_codec=0x1306,  # p256-priv
        private_size=32,
        public_size=33,
        signature_size=64,
        jwk_algs=frozenset({"ES256"}),
        curve=ec.SECP256R1(),
        hash=hashes.SHA256(),
        order=P256_ORDER,
    ),
    KeyType.P384: _Spec(
        public_codec=0x1201,  # p384-pub
        private_codec=0x1307,  # p384-priv
        private_size=48,
        public_size=49,
        signature_size=96,
        jwk_algs=frozenset({"ES384"}),
        curve=ec.SECP384R1(),
        hash=hashes.SHA384(),
        order=P384_ORDER,
    ),
}
#: Key multicodecs vic recognizes but does not implement (code ``UNSUPPORTED_KEY_TYPE``); any
#: other header is simply invalid.
_OTHER_CODECS = {
    0xE7: "secp256k1-pub",
    0xE8: "bls12_381-g1-pub",
    0xEA: "bls12_381-g2-pub",
    0xEC: "x25519-pub",
    0xEE: "bls12_381-g1g2-pub",
    0xEF: "sr25519-pub",
    0x1202: "p521-pub",
    0x1203: "ed448-pub",
    0x1204: "x448-pub",
    0x1205: "rsa-pub",
    0x1206: "sm2-pub",
    0xEB51: "jwk_jcs-pub",
    0x1301: "secp256k1-priv",
    0x1302: "x25519-priv",
    0x1303: "sr25519-priv",
    0x1305: "rsa-priv",
    0x1308: "p521-priv",
}
_ECDSA: Final = {
    key_type: ec.ECDSA(spec.hash) for key_type, spec in _SPECS.items() if spec.hash is not None
}
"""The signature algorithm objects of the EC key types (immutable: built once)."""
_ECDSA_RAW: Final = {
    key_type: (
        spec.signature_size // 2,
        spec.order.to_bytes(spec.signature_size // 2, "big"),
        bytes(spec.signature_size // 2),
    )
    for key_type, spec in _SPECS.items()
    if spec.hash is not None
}
"""Per EC key type: the size of r (and of s) in a raw signature, the group order in as many
big-endian bytes (comparing such bytes compares the numbers) and zero in as many."""


def raw_to_der(signature: bytes, half: int) -> bytes:
    """The DER ``ECDSA-Sig-Value`` of a raw ``r || s`` signature whose halves (``half`` bytes
    each, big-endian) are both nonzero: what ``encode_dss_signature`` gives for the two numbers
    (tests/did compare the two), without turning them into integers. Halves up to 61 bytes."""
    r = signature[:half].lstrip(b"\0")
    s = signature[half:].lstrip(b"\0")
    if r[0] & 0x80:
        r = b"\0" + r
    if s[0] & 0x80:
        s = b"\0" + s
    size_r, size_s = len(r), len(s)
    return b"".join((bytes((0x30, size_r + size_s + 4, 2, size_r)), r, bytes((2, size_s)), s))


_BY_PUBLIC_CODEC = {spec.public_codec: kt for kt, spec in _SPECS.items()}
_BY_PRIVATE_CODEC = {spec.private_codec: kt for kt, spec in _SPECS.items()}
_BY_CURVE_NAME = {"secp256r1": KeyType.P256, "secp384r1": KeyType.P384}


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data: bytes) -> tuple[int, int]:
    """Decode a minimal unsigned varint (at most 4 bytes) at the start; return (value, length)."""
    value = 0
    for index, byte in enumerate(data[:4]):
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            if index and byte == 0:
                raise InvalidKeyError("the multicodec header is not a minimal varint")
            return value, index + 1
    raise InvalidKeyError("the multicodec header is missing or malformed")


def _key_type(value: object) -> KeyType:
    if isinstance(value, KeyType):
        return value
    try:
        return KeyType(str(value)) if isinstance(value, str) else KeyType("")
    except ValueError:
        raise InvalidKeyError(
            f"unsupported key type {value!r} (supported: Ed25519, P-256, P-384)",
            code="UNSUPPORTED_KEY_TYPE",
        ) from None


def _decode_multikey(value: object, what: str) -> tuple[int, bytes]:
    if not isinstance(value, str):
        raise InvalidKeyError(f"{what} must be a string")
    if not value.startswith("z"):
        raise InvalidKeyError(f"{what} must be base58btc multibase (start with 'z')")
    try:
        data = multibase_decode(value)
    except MalformedValueError as exc:
        raise InvalidKeyError(f"{what} is not valid multibase: {exc.message}") from exc
    codec, length = _read_varint(data)
    return codec, data[length:]


def _jwk_member(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InvalidKeyError(f"the JWK has no string member {name!r}")
    try:
        return base64url_decode(value)
    except MalformedValueError as exc:
        raise InvalidKeyError(f"the JWK member {name!r} is not base64url") from exc


def _jwk_key_type(jwk: object) -> KeyType:
    if not isinstance(jwk, Mapping):
        raise InvalidKeyError("a JWK must be a JSON object")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        key_type = KeyType.ED25519
    elif kty == "EC" and crv in ("P-256", "P-384"):
        key_type = KeyType(crv)
    else:
        raise InvalidKeyError(
            f"unsupported JWK kty={kty!r} crv={crv!r} (supported: OKP/Ed25519, EC/P-256, EC/P-384)",
            code="UNSUPPORTED_KEY_TYPE",
        )
    alg = jwk.get("alg")
    if alg is not None and alg not in _SPECS[key_type].jwk_algs:
        raise InvalidKeyError(f"the JWK alg {alg!r} does not fit a {key_type} key")
    return key_type


def _load_public(key_type: KeyType, data: bytes) -> tuple[CryptographyPublicKey, bytes]:
    """Validate raw public bytes; return the cryptography key and the canonical bytes."""
    if key_type is KeyType.ED25519:
        check_ed25519_public_key(data)
        return ed25519.Ed25519PublicKey.from_public_bytes(data), data
    spec = _SPECS[key_type]
    assert spec.curve is not None
    coordinate = spec.private_size
    sizes = {1 + coordinate: (2, 3), 1 + 2 * coordinate: (4,)}
    if len(data) not in sizes or data[0] not in sizes[len(data)]:
        raise InvalidKeyError(
            f"a {key_type} public key is a compressed ({1 + coordinate} bytes) or uncompressed "
            f"({1 + 2 * coordinate} bytes) SEC1 point"
        )
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(spec.curve, data)
    except ValueError:
        raise InvalidKeyError(f"the {key_type} public key is not a point on the curve") from None
    return key, _compressed_point(key)


def _compressed_point(key: ec.EllipticCurvePublicKey) -> bytes:
    """The SEC1 compressed point of ``key``.

    The serialization enums are imported here, not at module level: importing
    ``cryptography.hazmat.primitives.serialization`` loads its SSH and cipher modules, a large
    share of ``import vic.verifier``'s time, and a verifier needs them only for a key it has not
    seen in compressed form.
    """
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def _raise_unsupported_codec(codec: int, kind: str) -> NoReturn:
    name = _OTHER_CODECS.get(codec)
    if name is None:
        raise InvalidKeyError(f"multicodec 0x{codec:x} is not a known {kind} key type")
    raise InvalidKeyError(
        f"{name} (multicodec 0x{codec:x}) is not a supported {kind} key type",
        code="UNSUPPORTED_KEY_TYPE",
    )


def _raise_type_error(thing: object) -> NoReturn:
    raise InvalidKeyError(
        f"unsupported key object {type(thing).__name__} (Ed25519, P-256 or P-384 required)",
        code="UNSUPPORTED_KEY_TYPE",
    )


class PublicKey:
    """An immutable, validated public key; equal and hashed by key type and public bytes.

    ``public_bytes`` is the raw 32-byte key for Ed25519 and the compressed SEC1 point for EC.
    """

    __slots__ = ("_hash", "_key", "_key_type", "_public_bytes")

    _key: CryptographyPublicKey
    _key_type: KeyType
    _public_bytes: bytes
    _hash: int

    def __init__(self, key_type: KeyType, public_bytes: bytes) -> None:
        """Validate a public key from raw bytes (EC points compressed or uncompressed).

        :raises InvalidKeyError: unsupported type, wrong length, not on the curve, or weak.
        """
        key_type = _key_type(key_type)
        key, canonical = _load_public(key_type, bytes(public_bytes))
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_key_type", key_type)
        object.__setattr__(self, "_public_bytes", canonical)
        object.__setattr__(self, "_hash", hash((key_type, canonical)))  # a memo key, often

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("PublicKey is immutable")

    @property
    def key_type(self) -> KeyType:
        """The key type."""
        return self._key_type

    @property
    def public_bytes(self) -> bytes:
        """Raw Ed25519 key (32 bytes) or compressed SEC1 point (33 / 49 bytes)."""
        return self._public_bytes

    @property
    def signature_size(self) -> int:
        """The size of a signature by this key: 64 (Ed25519, P-256) or 96 (P-384)."""
        return _SPECS[self._key_type].signature_size

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PublicKey):
            return NotImplemented
        return self._key_type == other._key_type and self._public_bytes == other._public_bytes

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"PublicKey({self._key_type.value}, {self.to_multibase()!r})"

    # --- signatures ------------------------------------------------------------------------------

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Whether ``signature`` is valid for ``data``; never raises on a bad signature.

        Ed25519 verifies over ``data``; ECDSA hashes ``data`` with SHA-256 (P-256) or SHA-384
        (P-384) and takes the signature as raw ``r || s``. Any other length is ``False``.
        """
        if type(signature) is not bytes:
            signature = bytes(signature)
        if type(data) is not bytes:
            data = bytes(data)
        key_type = self._key_type
        if key_type is KeyType.ED25519:
            if len(signature) != 64:
                return False
            try:
                cast(ed25519.Ed25519PublicKey, self._key).verify(signature, data)
            except InvalidSignature:
                return False
            return True
        half, order, zero = _ECDSA_RAW[key_type]
        if len(signature) != 2 * half:
            return False
        r, s = signature[:half], signature[half:]
        # 0 < r < order and 0 < s < order, compared as big-endian bytes of the same length
        if not (zero < r < order and zero < s < order):
            return False
        try:
            # an EC key (not Ed25519: the key type says so); no typing.cast, a call every verify
            self._key.verify(  # type: ignore[call-arg]
                raw_to_der(signature, half), data, _ECDSA[key_type]
            )
        except InvalidSignature:
            return False
        return True

    # --- encodings -------------------------------------------------------------------------------

    @classmethod
    def from_bytes(cls, key_type: KeyType, data: bytes) -> PublicKey:
        """A public key from raw bytes; EC points may be compressed or uncompressed.

        :raises InvalidKeyError: unsupported type, wrong length, not on the curve, or weak.
        """
        return cls(key_type, data)

    def to_multibase(self) -> str:
        """The Multikey ``publicKeyMultibase``: ``z`` + base58btc(multicodec header + key)."""
        spec = _SPECS[self._key_type]
        return multibase_encode(_varint(spec.public_codec) + self._public_bytes)

    @classmethod
    def from_multibase(cls, value: str) -> PublicKey:
        """Parse a Multikey ``publicKeyMultibase`` (ed25519-pub, p256-pub or p384-pub).

        EC keys must be compressed, as the Multikey format requires.

        :raises InvalidKeyError: not base58btc multibase, another multicodec (code
            ``UNSUPPORTED_KEY_TYPE`` for a known key type vic does not implement, such as X25519),
            a wrong length, or a weak or invalid point.
        """
        codec, body = _decode_multikey(value, "publicKeyMultibase")
        key_type = _BY_PUBLIC_CODEC.get(codec)
        if key_type is None:
            if codec in _BY_PRIVATE_CODEC:
                raise InvalidKeyError("publicKeyMultibase holds a secret key, not a public key")
            _raise_unsupported_codec(codec, "public")
        expected = _SPECS[key_type].public_size
        if len(body) != expected:
            raise InvalidKeyError(f"a {key_type} Multikey holds {expected} bytes, not {len(body)}")
        return cls(key_type, body)

    def to_jwk(self) -> dict[str, str]:
        """The public JWK: ``OKP``/``Ed25519`` with ``x``, or ``EC``/``P-256``|``P-384``, x, y."""
        if self._key_type is KeyType.ED25519:
            return {"kty": "OKP", "crv": "Ed25519", "x": base64url_encode(self._public_bytes)}
        assert isinstance(self._key, ec.EllipticCurvePublicKey)
        numbers = self._key.public_numbers()
        size = _SPECS[self._key_type].private_size
        return {
            "kty": "EC",
            "crv": self._key_type.value,
            "x": base64url_encode(numbers.x.to_bytes(size, "big")),
            "y": base64url_encode(numbers.y.to_bytes(size, "big")),
        }

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKey:
        """A public key from a JWK (a private member ``d`` is ignored).

        :raises InvalidKeyError: unsupported ``kty``/``crv`` (code ``UNSUPPORTED_KEY_TYPE``), an
            ``alg`` that does not fit, bad base64url, wrong coordinate sizes, or an invalid point.
        """
        key_type = _jwk_key_type(jwk)
        x = _jwk_member(jwk, "x")
        if key_type is KeyType.ED25519:
            return cls(key_type, x)
        y = _jwk_member(jwk, "y")
        size = _SPECS[key_type].private_size
        if len(x) != size or len(y) != size:
            raise InvalidKeyError(f"{key_type} JWK coordinates are {size} bytes each")
        return cls(key_type, b"\x04" + x + y)

    @classmethod
    def from_cryptography(cls, key: CryptographyPublicKey) -> PublicKey:
        """Wrap (and validate) a ``cryptography`` public key object.

        :raises InvalidKeyError: another key type or curve (code ``UNSUPPORTED_KEY_TYPE``), or weak.
        """
        if isinstance(key, ed25519.Ed25519PublicKey):
            return cls(KeyType.ED25519, key.public_bytes_raw())
        if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in _BY_CURVE_NAME:
            point = _compressed_point(key)
            return cls(_BY_CURVE_NAME[key.curve.name], point)
        _raise_type_error(key)

    def to_cryptography(self) -> CryptographyPublicKey:
        """The ``cryptography`` public key object."""
        return self._key


class PrivateKey:
    """A private key with its public key; never shown in ``repr``.

    The private bytes are the 32-byte Ed25519 seed, or the big-endian EC scalar (32 / 48 bytes).
    """

    __slots__ = ("_key", "_key_type", "_private_bytes", "_public_key")

    _key: CryptographyPrivateKey
    _key_type: KeyType
    _private_bytes: bytes
    _public_key: PublicKey

    def __init__(self, key_type: KeyType, private_bytes: bytes) -> None:
        """Validate a private key from its raw seed or scalar.

        :raises InvalidKeyError: unsupported type, wrong length, or a scalar of 0 or ``>= n``.
        """
        key_type = _key_type(key_type)
        data = bytes(private_bytes)
        spec = _SPECS[key_type]
        if len(data) != spec.private_size:
            raise InvalidKeyError(
                f"a {key_type} private key is {spec.private_size} bytes, not {len(data)}"
            )
        key: CryptographyPrivateKey
        if key_type is KeyType.ED25519:
            key = ed25519.Ed25519PrivateKey.from_private_bytes(data)
            public = PublicKey(key_type, key.public_key().public_bytes_raw())
        else:
            assert spec.curve is not None
            scalar = int.from_bytes(data, "big")
            check_ec_scalar(scalar, spec.order)
            key = ec.derive_private_key(scalar, spec.curve)
            point = _compressed_point(key.public_key())
            public = PublicKey(key_type, point)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_key_type", key_type)
        object.__setattr__(self, "_private_bytes", data)
        object.__setattr__(self, "_public_key", public)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("PrivateKey is immutable")

    @property
    def key_type(self) -> KeyType:
        """The key type."""
        return self._key_type

    @property
    def public_key(self) -> PublicKey:
        """The matching public key."""
        return self._public_key

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PrivateKey):
            return NotImplemented
        return self._key_type == other._key_type and hmac.compare_digest(
            self._private_bytes, other._private_bytes
        )

    def __hash__(self) -> int:
        return hash(self._public_key)

    def __repr__(self) -> str:
        return f"PrivateKey({self._key_type.value}, public={self._public_key.to_multibase()!r})"

    @classmethod
    def generate(cls, key_type: KeyType) -> PrivateKey:
        """A fresh random key.

        :raises InvalidKeyError: an unsupported key type.
        """
        key_type = _key_type(key_type)
        spec = _SPECS[key_type]
        if key_type is KeyType.ED25519:
            return cls(key_type, ed25519.Ed25519PrivateKey.generate().private_bytes_raw())
        assert spec.curve is not None
        scalar = ec.generate_private_key(spec.curve).private_numbers().private_value
        return cls(key_type, scalar.to_bytes(spec.private_size, "big"))

    @classmethod
    def from_bytes(cls, key_type: KeyType, data: bytes) -> PrivateKey:
        """A private key from its raw seed (Ed25519) or big-endian scalar (EC).

        :raises InvalidKeyError: unsupported type, wrong length, or a scalar out of range.
        """
        return cls(key_type, data)

    def sign(self, data: bytes) -> bytes:
        """Sign ``data``: deterministic Ed25519, or ECDSA (SHA-256 / SHA-384) as raw ``r || s``."""
        data = bytes(data)
        if isinstance(self._key, ed25519.Ed25519PrivateKey):
            return self._key.sign(data)
        spec = _SPECS[self._key_type]
        assert spec.hash is not None
        r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(spec.hash)))
        half = spec.signature_size // 2
        return r.to_bytes(half, "big") + s.to_bytes(half, "big")

    def to_multibase(self) -> str:
        """The Multikey ``secretKeyMultibase``: ``z`` + base58btc(multicodec header + secret)."""
        spec = _SPECS[self._key_type]
        return multibase_encode(_varint(spec.private_codec) + self._private_bytes)

    @classmethod
    def from_multibase(cls, value: str) -> PrivateKey:
        """Parse a Multikey ``secretKeyMultibase`` (ed25519-priv, p256-priv or p384-priv).

        An Ed25519 secret of 64 bytes (seed followed by the public key, as older
        Ed25519VerificationKey2020 files hold) is accepted when the halves match.

        :raises InvalidKeyError: not base58btc multibase, another multicodec, a wrong length, a
            scalar out of range, or a 64-byte Ed25519 secret whose halves do not match.
        """
        codec, body = _decode_multikey(value, "secretKeyMultibase")
        key_type = _BY_PRIVATE_CODEC.get(codec)
        if key_type is None:
            if codec in _BY_PUBLIC_CODEC:
                raise InvalidKeyError("secretKeyMultibase holds a public key, not a secret key")
            _raise_unsupported_codec(codec, "secret")
        if key_type is KeyType.ED25519 and len(body) == 64:
            key = cls(key_type, body[:32])
            if key.public_key.public_bytes != body[32:]:
                raise InvalidKeyError("the 64-byte Ed25519 secret's public half does not match")
            return key
        return cls(key_type, body)

    def to_jwk(self) -> dict[str, str]:
        """The private JWK: the public members and ``d``."""
        jwk = self._public_key.to_jwk()
        jwk["d"] = base64url_encode(self._private_bytes)
        return jwk

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PrivateKey:
        """A private key from a JWK with ``d``; ``x`` (and ``y``), if present, must match.

        :raises InvalidKeyError: no ``d``, an unsupported type, bad encodings, or a public part
            that does not belong to ``d``.
        """
        key_type = _jwk_key_type(jwk)
        key = cls(key_type, _jwk_member(jwk, "d"))
        if "x" in jwk and PublicKey.from_jwk(jwk) != key.public_key:
            raise InvalidKeyError("the JWK's public members do not match its private key 'd'")
        return key

    @classmethod
    def from_cryptography(cls, key: CryptographyPrivateKey) -> PrivateKey:
        """Wrap (and validate) a ``cryptography`` private key object.

        :raises InvalidKeyError: another key type or curve (code ``UNSUPPORTED_KEY_TYPE``).
        """
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return cls(KeyType.ED25519, key.private_bytes_raw())
        if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in _BY_CURVE_NAME:
            key_type = _BY_CURVE_NAME[key.curve.name]
            size = _SPECS[key_type].private_size
            return cls(key_type, key.private_numbers().private_value.to_bytes(size, "big"))
        _raise_type_error(key)

    def to_cryptography(self) -> CryptographyPrivateKey:
        """The ``cryptography`` private key object."""
        return self._key
