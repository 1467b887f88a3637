"""The EU-pass-like QR profile: ``VIC1:`` + base45(zlib(COSE_Sign1 vc+cose)).

It mirrors the EU Digital COVID Certificate's ``HC1:`` text (RFC 9285 base45 over a zlib stream of
a COSE_Sign1), but the COSE payload is the VC 2.0 credential of :mod:`vic.vc.cose`. The primary QR
profile stays the VC Barcodes ``VC1-R`` text (CBOR-LD); this one is for verifiers that know COSE.

Decoding is bounded at every step: the text length is capped before base45 is decoded, zlib
inflation stops at ``max_inflated`` bytes (16 KiB by default: a QR never holds more than ~3 kB,
so a bomb fails at once instead of filling memory), the zlib stream must be complete and nothing
may follow it. See docs/cose-profile.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, cast

from zlib_ng import zlib_ng

from vic.contexts.errors import InputTooLargeError, ParsingError
from vic.did.keys import PrivateKey
from vic.did.resolver import Resolver
from vic.vc import base45
from vic.vc.cose import CoseResult, decode_sign1, sign_cose, verify_cose

__all__ = [
    "MAX_INFLATED_BYTES",
    "MAX_TEXT_LENGTH",
    "PREFIX",
    "decode_cose_barcode",
    "encode_cose_barcode",
    "verify_cose_barcode",
]

PREFIX: Final = "VIC1:"
"""The profile's text prefix: all five characters are in QR's alphanumeric set."""

MAX_TEXT_LENGTH: Final = 32 * 1024
"""The longest barcode text read (a version 40 QR holds 4,296 alphanumeric characters; the cap
leaves room for other carriers and still bounds the work before decompression)."""

MAX_INFLATED_BYTES: Final = 16 * 1024
"""The default cap on the inflated COSE_Sign1."""

_COMPRESSION_LEVEL: Final = 9
# zlib_ng's stub declares ``error`` as an instance; at run time it is the exception class.
_ZLIB_ERROR: Final = cast("type[Exception]", zlib_ng.error)
_SCANNER_NOISE: Final = "\r\n"
"""Scanner guns end a read with CR and/or LF; those (only) are stripped from both ends."""


def encode_cose_barcode(credential: Mapping[str, Any], key: PrivateKey, kid: str) -> str:
    """Sign ``credential`` as vc+cose and return the barcode text ``VIC1:...``.

    :raises: as :func:`vic.vc.cose.sign_cose`.
    """
    cose = sign_cose(credential, key, kid)
    return PREFIX + base45.encode(zlib_ng.compress(cose, _COMPRESSION_LEVEL))


def inflate(data: bytes, *, max_inflated: int = MAX_INFLATED_BYTES) -> bytes:
    """Inflate one complete zlib stream (RFC 1950) of at most ``max_inflated`` bytes.

    At most ``max_inflated + 1`` bytes are ever produced, however large the stream would grow.

    :raises ParsingError: code ``INFLATE_LIMIT`` (it would inflate past the cap),
        ``INVALID_ZLIB`` (not zlib, a bad checksum, or truncated) or ``TRAILING_BYTES``
        (bytes after the end of the stream).
    """
    inflater = zlib_ng.decompressobj()
    try:
        out = inflater.decompress(data, max_inflated + 1)
    except _ZLIB_ERROR as exc:
        raise ParsingError(f"not a valid zlib stream: {exc}", code="INVALID_ZLIB") from None
    if len(out) > max_inflated:
        raise ParsingError(
            f"the zlib stream inflates past the cap of {max_inflated} bytes",
            code="INFLATE_LIMIT",
            limit=max_inflated,
        )
    if not inflater.eof:
        raise ParsingError("the zlib stream is truncated", code="INVALID_ZLIB")
    if inflater.unused_data:
        raise ParsingError(
            f"{len(inflater.unused_data)} bytes follow the zlib stream",
            code="TRAILING_BYTES",
            extra=len(inflater.unused_data),
        )
    return out


def decode_cose_barcode(text: str, *, max_inflated: int = MAX_INFLATED_BYTES) -> bytes:
    """The COSE_Sign1 bytes inside ``VIC1:`` barcode text (structure checked, not verified).

    :raises InputTooLargeError: the text is longer than :data:`MAX_TEXT_LENGTH`.
    :raises ParsingError: code ``INVALID_PREFIX``, ``INVALID_BASE45``, ``INFLATE_LIMIT``,
        ``INVALID_ZLIB``, ``TRAILING_BYTES``, or a :func:`vic.vc.cose.decode_sign1` code.
    """
    if not isinstance(text, str):
        raise ParsingError("barcode text must be a string", code="INVALID_PREFIX")
    if len(text) > MAX_TEXT_LENGTH:
        raise InputTooLargeError(
            f"barcode text of {len(text)} characters exceeds the cap of {MAX_TEXT_LENGTH}",
            size=len(text),
            limit=MAX_TEXT_LENGTH,
        )
    text = text.strip(_SCANNER_NOISE)
    if not text.startswith(PREFIX):
        raise ParsingError(
            f"barcode text does not start with {PREFIX!r}", code="INVALID_PREFIX", prefix=PREFIX
        )
    cose = inflate(base45.decode(text[len(PREFIX) :]), max_inflated=max_inflated)
    decode_sign1(cose)
    return cose


def verify_cose_barcode(
    text: str,
    resolver: Resolver,
    *,
    expected_purpose: str = "assertionMethod",
    max_inflated: int = MAX_INFLATED_BYTES,
) -> CoseResult:
    """Decode ``VIC1:`` barcode text and verify the vc+cose inside.

    :raises: as :func:`decode_cose_barcode` and :func:`vic.vc.cose.verify_cose`.
    """
    cose = decode_cose_barcode(text, max_inflated=max_inflated)
    return verify_cose(cose, resolver, expected_purpose=expected_purpose)
