"""The VIC1: barcode profile: prefix + base45(zlib(COSE_Sign1)), and its bounded decoding."""

from __future__ import annotations

import os
import random
import tracemalloc

import pytest
from zlib_ng import zlib_ng

from tests.cose.support import Issuer
from vic.contexts.errors import InputTooLargeError, ParsingError, VicError
from vic.did.keys import KeyType
from vic.vc import base45
from vic.vc.cose import decode_sign1, sign_cose
from vic.vc.qrcose import (
    MAX_INFLATED_BYTES,
    MAX_TEXT_LENGTH,
    PREFIX,
    decode_cose_barcode,
    encode_cose_barcode,
    inflate,
    verify_cose_barcode,
)


def barcode(payload: bytes) -> str:
    return PREFIX + base45.encode(payload)


def expect(code: str, text: str) -> None:
    with pytest.raises(ParsingError) as info:
        decode_cose_barcode(text)
    assert info.value.code == code, info.value


@pytest.mark.parametrize("key_type", list(KeyType))
def test_round_trip(key_type: KeyType) -> None:
    issuer = Issuer.did_web(key_type)
    mark = issuer.mark()
    text = encode_cose_barcode(mark, issuer.key, issuer.kid)
    assert text.startswith("VIC1:")
    assert set(text) <= set(base45.ALPHABET)  # QR alphanumeric mode, prefix included
    result = verify_cose_barcode(text, issuer.resolver())
    assert result.credential == mark
    assert result.controller == issuer.did
    cose = decode_cose_barcode(text)
    assert decode_sign1(cose).payload.startswith(b'{"@context"')
    assert zlib_ng.decompress(base45.decode(text[len(PREFIX) :])) == cose


def test_compression_is_level_9_zlib() -> None:
    issuer = Issuer.did_web()
    text = encode_cose_barcode(issuer.mark(), issuer.key, issuer.kid)
    stream = base45.decode(text[len(PREFIX) :])
    assert stream[:2] == b"\x78\xda"  # zlib header: deflate, 32K window, level 9
    assert len(stream) < len(decode_cose_barcode(text))


def test_scanner_line_endings_are_tolerated() -> None:
    issuer = Issuer.did_key()
    text = encode_cose_barcode(issuer.mark(), issuer.key, issuer.kid)
    for noisy in (text + "\r\n", text + "\n", "\r\n" + text + "\r"):
        assert verify_cose_barcode(noisy, issuer.resolver()).kid == issuer.kid
    expect("INVALID_BASE45", text + "\t")


def test_zlib_bomb_fails_fast() -> None:
    # ~10 MB of zeros plus some incompressible bytes: a 12-14 kB stream inflating to 10 MB.
    rng = random.Random(9)
    plain = bytes(10_000_000) + rng.randbytes(3_000)
    bomb = zlib_ng.compress(plain, 9)
    assert 9_000 < len(bomb) < 16_000
    text = barcode(bomb)
    assert len(text) <= MAX_TEXT_LENGTH
    tracemalloc.start()
    try:
        expect("INFLATE_LIMIT", text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20  # inflation stopped at the cap: nothing near the 10 MB was made


def test_inflate_cap_is_per_call() -> None:
    payload = os.urandom(3000)
    stream = zlib_ng.compress(payload, 9)
    assert inflate(stream) == payload
    assert inflate(stream, max_inflated=3000) == payload
    with pytest.raises(ParsingError) as info:
        inflate(stream, max_inflated=2999)
    assert info.value.code == "INFLATE_LIMIT"
    big = zlib_ng.compress(bytes(MAX_INFLATED_BYTES + 1), 9)
    with pytest.raises(ParsingError) as info:
        inflate(big)
    assert info.value.code == "INFLATE_LIMIT"
    assert len(inflate(big, max_inflated=MAX_INFLATED_BYTES + 1)) == MAX_INFLATED_BYTES + 1


def test_cap_is_passed_through_by_the_barcode_functions() -> None:
    issuer = Issuer.did_key()
    text = encode_cose_barcode(issuer.mark(), issuer.key, issuer.kid)
    with pytest.raises(ParsingError) as info:
        verify_cose_barcode(text, issuer.resolver(), max_inflated=100)
    assert info.value.code == "INFLATE_LIMIT"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "VIC1",
        "HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE$VK G2EP4J0B3KL6QM5/OVGA/MAT%ZSW.C3V0",
        "VC1-RTEST",
        "vic1:NCF",
        " VIC1:NCF",
        "VIC2:NCF",
        "VIC1NCF",
    ],
)
def test_wrong_prefix(text: str) -> None:
    expect("INVALID_PREFIX", text)


@pytest.mark.parametrize("body", ["A", "abc", "ÄÄÄ", "GGW", ":::", "AB#"])
def test_invalid_base45(body: str) -> None:
    expect("INVALID_BASE45", PREFIX + body)


def test_not_zlib_truncated_and_trailing() -> None:
    issuer = Issuer.did_key()
    cose = sign_cose(issuer.mark(), issuer.key, issuer.kid)
    stream = zlib_ng.compress(cose, 9)
    expect("INVALID_ZLIB", barcode(cose))  # uncompressed COSE is not accepted
    expect("INVALID_ZLIB", barcode(stream[:-1]))
    expect("INVALID_ZLIB", barcode(stream[: len(stream) // 2]))
    expect("INVALID_ZLIB", barcode(stream[:-4] + bytes(4)))  # adler-32 mismatch
    expect("INVALID_ZLIB", barcode(b""))
    expect("TRAILING_BYTES", barcode(stream + b"\0"))
    expect("TRAILING_BYTES", barcode(stream + stream))


def test_inflated_content_must_be_a_cose_sign1() -> None:
    expect("INVALID_CBOR", barcode(zlib_ng.compress(b"not cbor \xff", 9)))
    expect("INVALID_COSE", barcode(zlib_ng.compress(b"\x84\x40\xa0\x40\x40", 9)))


def test_text_cap_is_checked_before_decoding() -> None:
    with pytest.raises(InputTooLargeError):
        decode_cose_barcode(PREFIX + "0" * MAX_TEXT_LENGTH)
    with pytest.raises(ParsingError) as info:
        decode_cose_barcode(b"VIC1:00")  # type: ignore[arg-type]
    assert info.value.code == "INVALID_PREFIX"


def test_every_single_character_change_is_rejected() -> None:
    """No change verifies unless it leaves the COSE message itself unchanged.

    The one way that happens: the unused padding bits of the deflate stream's last byte are not
    covered by zlib's checksum (Adler-32 sums the inflated data), so a change there inflates to
    the very same signed message — a change of encoding, not a forgery.
    """
    issuer = Issuer.did_web(KeyType.ED25519)
    text = encode_cose_barcode(issuer.mark(), issuer.key, issuer.kid)
    message = decode_cose_barcode(text)
    resolver = issuer.resolver()
    rng = random.Random(45)
    for position in range(len(text)):
        replacement = rng.choice([c for c in base45.ALPHABET if c != text[position]])
        changed = text[:position] + replacement + text[position + 1 :]
        try:
            verify_cose_barcode(changed, resolver)
        except VicError:
            continue
        assert decode_cose_barcode(changed) == message, f"position {position} verified"
