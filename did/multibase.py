"""Multibase text encodings of bytes: base58btc (``z``) and base64url without padding (``u``).

Both decoders are strict: a character outside the alphabet, padding, or a non-canonical
base64url tail is an error, never silently skipped.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from contextvars import ContextVar, Token

from vic.contexts.errors import MalformedValueError

__all__ = [
    "BASE58BTC",
    "BASE64URL",
    "MAX_BASE58_LENGTH",
    "base58btc_decode",
    "base58btc_encode",
    "base64url_decode",
    "base64url_encode",
    "forget_decoded",
    "multibase_decode",
    "multibase_encode",
    "remember_decoded",
]

BASE58BTC = "z"
BASE64URL = "u"
#: Base58 decoding is quadratic in the length; keys, signatures and DIDs are far shorter than this.
MAX_BASE58_LENGTH = 4096

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]
"""The two digits of each value below 58^2, in order."""
_PAIR_VALUES = {pair: value for value, pair in enumerate(_PAIRS)}
_58_POW_2 = 58**2
_58_POW_4 = 58**4
_58_POW_8 = 58**8
_DIGIT_OF_BYTE = bytes(
    _ALPHABET.index(chr(byte)) if chr(byte) in _ALPHABET else 0xFF for byte in range(256)
)
"""Each ASCII byte's base58 digit value, 0xFF for a byte outside the alphabet."""
_NOT_A_DIGIT = 0xFF
_LANE_DIGITS = 256
"""The longest text decoded in lanes (keys, signatures, DIDs are shorter); longer text is
decoded four digits at a time."""
_LANE_ROUNDS = tuple(
    (
        8 << level,
        ((1 << (8 * _LANE_DIGITS)) - 1) // ((1 << (16 << level)) - 1) * ((1 << (8 << level)) - 1),
        58 ** (1 << level),
    )
    for level in range(8)
)
"""Per round: the lane width in bits, the mask of the low lane of every pair (over
8 * _LANE_DIGITS bits) and 58 to the power of the digits a lane holds."""
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_CODE = "INVALID_MULTIBASE"


def _error(message: str) -> MalformedValueError:
    return MalformedValueError(message, code=_CODE)


def base58btc_encode(data: bytes) -> str:
    """Encode bytes in base58 with the Bitcoin alphabet (no multibase prefix)."""
    data = bytes(data)
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    if len(data) > _ENCODE_LANE_BYTES:
        return "1" * zeros + _digits_by_eights(number).lstrip("1")
    # lanes of 16 digits each (16 bits a digit, so 256 bits a lane), the last digits lowest; each
    # round splits every lane in two at once: the quotient by 58^(half its digits) goes in the
    # upper half of the lane, the remainder in the lower (a multiply-and-shift division, exact
    # for every value a lane can hold), till each 16-bit lane holds one digit
    lanes = _LANES_OF_LENGTH[len(data)]
    packed = shift = 0
    for _ in range(lanes - 1):
        number, rem = divmod(number, _58_POW_LANE)
        packed |= rem << shift
        shift += _ENCODE_LANE_WIDTH
    packed |= number << shift
    for multiplier, rshift, mask, step in _ENCODE_ROUNDS:
        # x + q * (2^half - d) = r + q * 2^half, lane by lane (no lane borrows or carries)
        packed += (((packed * multiplier) >> rshift) & mask) * step
    digits = packed.to_bytes(lanes * _ENCODE_LANE_WIDTH // 8, "big")[1::2]
    return "1" * zeros + digits.translate(_CHAR_OF_DIGIT).decode("ascii").lstrip("1")


def _digits_by_eights(number: int) -> str:
    """The base58btc digits of ``number``, eight per big-integer division (each half of them two
    table lookups), with leading 1s (zeros) to a multiple of eight: for data longer than the
    lanes of :func:`base58btc_encode` hold."""
    chunks: list[str] = []
    while number:
        number, rem = divmod(number, _58_POW_8)
        high, low = divmod(rem, _58_POW_4)
        chunks.append(
            _PAIRS[high // _58_POW_2]
            + _PAIRS[high % _58_POW_2]
            + _PAIRS[low // _58_POW_2]
            + _PAIRS[low % _58_POW_2]
        )
    return "".join(reversed(chunks))


def _split_round(digits: int, lanes: int) -> tuple[int, int, int, int]:
    """The constants that split ``lanes`` lanes of ``digits`` digits (16 bits a digit) in two:
    the multiplier and shift of the division by d = 58^(digits/2) (exact below 2^k for a shift of
    k + the divisor's bits: Granlund and Montgomery), the mask of the quotients' bits in every
    lane, and 2^(half the width) - d, the step that moves a quotient from the lane's remainder to
    its upper half."""
    width, divisor = 16 * digits, 58 ** (digits // 2)
    value_bits, quotient_bits = (58**digits - 1).bit_length(), (divisor - 1).bit_length()
    rshift = value_bits + quotient_bits
    multiplier = -(-(1 << rshift) // divisor)
    # a lane's product stays in the lane; the next lane's low product bits, shifted down, stay
    # above the quotient's bits
    assert value_bits + multiplier.bit_length() <= width
    assert width - rshift >= quotient_bits
    lane_mask = (1 << quotient_bits) - 1
    mask = sum(lane_mask << (i * width) for i in range(lanes))
    return multiplier, rshift, mask, (1 << (width // 2)) - divisor


_ENCODE_LANE_DIGITS = 16
_ENCODE_LANE_WIDTH = 16 * _ENCODE_LANE_DIGITS
_ENCODE_MAX_LANES = 6
_ENCODE_LANE_BYTES = (_ENCODE_MAX_LANES * _ENCODE_LANE_DIGITS * 5857) // 8000
"""The longest data encoded in lanes (a signature's 64 bytes, a did:key's 35): 2^(8n) <= 58^96
(log2 58 > 5.857). Longer data is encoded eight digits per division (:func:`_digits_by_eights`)."""
_58_POW_LANE = 58**_ENCODE_LANE_DIGITS
_LANES_OF_LENGTH = tuple(
    max(1, -(-(length * 8000) // (5857 * _ENCODE_LANE_DIGITS)))
    for length in range(_ENCODE_LANE_BYTES + 1)
)
"""How many lanes hold the digits of data of each length."""
_ENCODE_ROUNDS = tuple(
    _split_round(_ENCODE_LANE_DIGITS >> level, _ENCODE_MAX_LANES << level)
    for level in range(_ENCODE_LANE_DIGITS.bit_length() - 1)
)
_CHAR_OF_DIGIT = bytes.maketrans(bytes(range(58)), _ALPHABET.encode("ascii"))


def _base58btc_encode_slowly(data: bytes) -> str:
    """:func:`base58btc_encode` one digit at a time (the reference the tests compare with)."""
    data = bytes(data)
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, rem = divmod(number, 58)
        digits.append(_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    """Decode base58btc text (no multibase prefix).

    :raises MalformedValueError: (code ``INVALID_MULTIBASE``) a character outside the alphabet, or
        longer than :data:`MAX_BASE58_LENGTH`.
    """
    if not isinstance(text, str):
        raise _error("base58btc input must be a string")
    length = len(text)
    if length > MAX_BASE58_LENGTH:
        raise _error(f"base58btc input longer than {MAX_BASE58_LENGTH} characters")
    if not text.isascii():
        return _base58btc_decode_slowly(text)  # its error names the character
    digits = text.encode("ascii").translate(_DIGIT_OF_BYTE)
    if _NOT_A_DIGIT in digits:  # (an int: bytes' `in` tries a bytes operand as an int first)
        return _base58btc_decode_slowly(text)
    if length > _LANE_DIGITS:
        number = _number_by_pairs(text)
    else:
        # the digits as 8-bit lanes of one integer, the last digit lowest; each round adds every
        # odd lane, times 58^(digits per lane), to the even lane below it, making lanes twice as
        # wide (a value of 2k digits is below 58^(2k) < 2^(16k), the new width)
        number = int.from_bytes(digits, "big")
        for width, mask, power in _LANE_ROUNDS[: (length - 1).bit_length()]:
            number = (number & mask) + ((number >> width) & mask) * power
    zeros = length - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def _number_by_pairs(text: str) -> int:
    """The value of valid base58btc text, four digits per big-integer step (each pair of them
    one table lookup): for text longer than the lanes' masks cover."""
    head = len(text) % 4
    number = 0
    for char in text[:head]:
        number = number * 58 + _INDEX[char]
    for i in range(head, len(text), 4):
        number = number * _58_POW_4 + _PAIR_VALUES[text[i : i + 2]] * _58_POW_2
        number += _PAIR_VALUES[text[i + 2 : i + 4]]
    return number


def _base58btc_decode_slowly(text: str) -> bytes:
    """:func:`base58btc_decode` one digit at a time (the reference the tests compare with)."""
    number = 0
    for position, char in enumerate(text):
        value = _INDEX.get(char)
        if value is None:
            raise _error(f"invalid base58btc character {char!r} at position {position}")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def base64url_encode(data: bytes) -> str:
    """Encode bytes in base64url without padding (RFC 4648 section 5)."""
    return base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode("ascii")


def base64url_decode(text: str) -> bytes:
    """Decode unpadded base64url, strictly (alphabet, length and canonical trailing bits).

    :raises MalformedValueError: (code ``INVALID_BASE64URL``) the text is not canonical unpadded
        base64url.
    """
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise MalformedValueError("not unpadded base64url", code="INVALID_BASE64URL")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:  # pragma: no cover - the checks above exclude it
        raise MalformedValueError("not unpadded base64url", code="INVALID_BASE64URL") from exc
    if base64url_encode(data) != text:
        raise MalformedValueError(
            "base64url text has non-zero trailing bits", code="INVALID_BASE64URL"
        )
    return data


def multibase_encode(data: bytes, base: str = BASE58BTC) -> str:
    """Encode bytes as multibase text: ``z`` base58btc or ``u`` base64url (no padding).

    :raises MalformedValueError: (code ``INVALID_MULTIBASE``) an unsupported base.
    """
    if base == BASE58BTC:
        return BASE58BTC + base58btc_encode(data)
    if base == BASE64URL:
        return BASE64URL + base64url_encode(data)
    raise _error(f"unsupported multibase base {base!r} (supported: 'z', 'u')")


_DECODED: ContextVar[Sequence[tuple[str, bytes]]] = ContextVar("vic_multibase_decoded", default=())
"""Multibase texts whose bytes the caller already holds, for the span of one call (see
:func:`remember_decoded`)."""


def remember_decoded(pairs: Sequence[tuple[str, bytes]]) -> Token[Sequence[tuple[str, bytes]]]:
    """Until :func:`forget_decoded`, in this context only: :func:`multibase_decode` of the very
    text object of a pair (by identity, not equality) answers with its bytes.

    For a caller that made each text from its bytes (the CBOR-LD decoder writes a proofValue
    from the bytes it read) and passes the text on to code that decodes it again (the proof
    check): the answer is what decoding would give. Nothing outlives the call that set it.
    """
    return _DECODED.set(pairs)


def forget_decoded(token: Token[Sequence[tuple[str, bytes]]]) -> None:
    """End what :func:`remember_decoded` started."""
    _DECODED.reset(token)


def multibase_decode(text: str) -> bytes:
    """Decode multibase text in base58btc (``z``) or base64url (``u``).

    :raises MalformedValueError: (code ``INVALID_MULTIBASE``) empty, another base, or an invalid
        body.
    """
    for known, data in _DECODED.get():
        if known is text:
            return data
    if not isinstance(text, str) or not text:
        raise _error("multibase value must be a non-empty string")
    prefix, body = text[0], text[1:]
    if prefix == BASE58BTC:
        return base58btc_decode(body)
    if prefix == BASE64URL:
        try:
            return base64url_decode(body)
        except MalformedValueError as exc:
            raise _error(f"invalid base64url multibase value: {exc.message}") from exc
    raise _error(f"unsupported multibase prefix {prefix!r} (supported: 'z', 'u')")
