"""Weak and invalid key checks that ``cryptography`` does not make on import.

OpenSSL accepts any 32 bytes as an Ed25519 public key and decodes the point only when verifying.
vic decodes it on import (RFC 8032 section 5.1.3) and rejects the small-order points — the eight
torsion points and their non-canonical encodings, the list libsodium blocks — because a
small-order key lets one signature verify for many messages. NIST curves have cofactor 1, so
any point ``cryptography`` accepts is of prime order; only the private scalar range is checked here.
"""

from __future__ import annotations

from vic.contexts.errors import InvalidKeyError

__all__ = [
    "ED25519_SMALL_ORDER_Y",
    "P256_ORDER",
    "P384_ORDER",
    "check_ec_scalar",
    "check_ed25519_public_key",
]

_P = 2**255 - 19
_D = (-121665 * pow(121666, -1, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)

#: The y coordinates (sign bit masked) of every small-order point, canonical or not:
#: order 4 (y=0, and its non-canonical p), order 1 (y=1, and p+1), order 2 (y=p-1), order 8 (two).
ED25519_SMALL_ORDER_Y = frozenset(
    {
        0,
        1,
        _P - 1,
        _P,
        _P + 1,
        int.from_bytes(
            bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
            "little",
        ),
        int.from_bytes(
            bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
            "little",
        ),
    }
)

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P384_ORDER = int(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
    16,
)


def check_ed25519_public_key(data: bytes) -> None:
    """Check that 32 bytes encode a point of Ed25519 that is canonical and not of small order.

    :raises InvalidKeyError: code ``WEAK_KEY`` for a small-order point, ``INVALID_KEY`` for a
        wrong length, a non-canonical encoding or bytes that are not a point on the curve.
    """
    if len(data) != 32:
        raise InvalidKeyError(f"an Ed25519 public key is 32 bytes, not {len(data)}")
    sign = data[31] >> 7
    y = int.from_bytes(data, "little") & ((1 << 255) - 1)
    if y in ED25519_SMALL_ORDER_Y:
        raise InvalidKeyError("the Ed25519 public key is a small-order point", code="WEAK_KEY")
    if y >= _P:
        raise InvalidKeyError("the Ed25519 public key is not canonically encoded (y >= p)")
    x2 = (y * y - 1) * pow(_D * y * y + 1, -1, _P) % _P
    if x2 == 0:
        if sign:
            raise InvalidKeyError("the Ed25519 public key is not canonically encoded (x = 0)")
        return
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        raise InvalidKeyError("the Ed25519 public key is not a point on the curve")


def check_ec_scalar(value: int, order: int) -> None:
    """Check that an ECDSA private scalar lies in ``[1, n-1]``.

    :raises InvalidKeyError: the scalar is 0 or not below the group order.
    """
    if not 0 < value < order:
        raise InvalidKeyError("the EC private scalar is out of range (must be 1 <= d < n)")
