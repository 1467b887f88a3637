"""Vehicle identification numbers (VIN) per ISO 3779 and GB 16735.

A VIN is 17 characters from ``0-9`` and ``A-Z`` without ``I``, ``O`` and ``Q`` (too easily read as
1, 0 and 0/9). Position 9 is a check digit computed from the other 16 positions (GB 16735, annex A;
the same algorithm as the North American 49 CFR 565): every character is transliterated to a
number, multiplied by the weight of its position, the products are summed, and the sum modulo 11
is the check digit, written ``X`` when it is 10.

The rule vic applies (see docs/mark.md): ISO 3779 leaves position 9 to the manufacturer, but
GB 16735 makes the check digit mandatory for every vehicle it applies to — motor vehicles,
trailers, motorcycles and mopeds manufactured or sold in China, imports included — and a mark is
issued only for a vehicle registered in China. So :func:`validate_vin` checks the digit by
default, and :func:`vic.vc.mark.check_mark` always does. ``check_digit=False`` exists for callers
that handle foreign records (a European VIN has no check digit), never for a mark.
"""

from __future__ import annotations

import re
from operator import mul
from typing import Final

from vic.contexts.errors import MarkShapeError

__all__ = ["VIN_ALPHABET", "VIN_LENGTH", "validate_vin", "vin_check_digit"]

VIN_LENGTH: Final = 17
VIN_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
"""The characters a VIN may use: digits and capital letters without I, O and Q."""

_VIN_RE: Final = re.compile(r"[0-9A-HJ-NPR-Z]{17}")

_TRANSLITERATION: Final[dict[str, int]] = {
    **{str(d): d for d in range(10)},
    **dict.fromkeys("AJ", 1),
    **dict.fromkeys("BKS", 2),
    **dict.fromkeys("CLT", 3),
    **dict.fromkeys("DMU", 4),
    **dict.fromkeys("ENV", 5),
    **dict.fromkeys("FW", 6),
    **dict.fromkeys("GPX", 7),
    **dict.fromkeys("HY", 8),
    **dict.fromkeys("RZ", 9),
}
_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def _normalize(vin: str) -> str:
    return vin.strip().upper()


def _check_syntax(vin: str) -> None:
    if len(vin) != VIN_LENGTH:
        raise MarkShapeError(
            f"a VIN has {VIN_LENGTH} characters, this one has {len(vin)}",
            code="INVALID_VIN",
            vin=vin,
        )
    if not _VIN_RE.fullmatch(vin):
        bad = sorted({c for c in vin if c not in VIN_ALPHABET})
        raise MarkShapeError(
            f"a VIN uses only 0-9 and A-Z without I, O, Q; found {''.join(bad)!r}",
            code="INVALID_VIN",
            vin=vin,
        )


def vin_check_digit(vin: str) -> str:
    """The check digit (``0``-``9`` or ``X``) position 9 of this VIN must hold.

    Position 9 itself does not enter the computation (its weight is 0), so any character may
    stand there. The VIN is upper-cased and stripped first.

    :raises MarkShapeError: ``INVALID_VIN`` if it is not 17 characters of the VIN alphabet.
    """
    vin = _normalize(vin)
    _check_syntax(vin)
    return _check_digit(vin)


def _check_digit(vin: str) -> str:
    """The check digit of a normalized VIN whose syntax is checked."""
    # the values of its characters as bytes (one translate instead of a lookup each)
    return _CHECK_DIGITS[sum(map(mul, vin.encode("ascii").translate(_VALUES), _WEIGHTS)) % 11]


_VALUES: Final = bytes.maketrans(
    "".join(_TRANSLITERATION).encode("ascii"), bytes(_TRANSLITERATION.values())
)
_CHECK_DIGITS: Final = "0123456789X"


def validate_vin(vin: str, *, check_digit: bool = True) -> str:
    """Check a VIN and return it normalized (surrounding blanks removed, letters upper-cased).

    :param check_digit: require position 9 to be the GB 16735 check digit (the default, and the
        rule for a mark); ``False`` only checks length and alphabet (ISO 3779 alone).
    :raises MarkShapeError: ``INVALID_VIN`` (length, alphabet) or ``INVALID_VIN_CHECK_DIGIT``.
    """
    normalized = _normalize(vin)
    _check_syntax(normalized)
    if check_digit:
        expected = _check_digit(normalized)
        if normalized[8] != expected:
            raise MarkShapeError(
                f"VIN check digit (position 9) is {normalized[8]!r}, expected {expected!r}",
                code="INVALID_VIN_CHECK_DIGIT",
                vin=normalized,
                expected=expected,
            )
    return normalized
