"""VIN validation: ISO 3779 alphabet and length, GB 16735 check digit."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.mark.strategies import vins
from vic.contexts.errors import MarkShapeError
from vic.vc.vin import VIN_ALPHABET, validate_vin, vin_check_digit

# Published VINs whose check digit (position 9) is computed per 49 CFR 565 / GB 16735 annex A.
VALID_VINS = [
    "1M8GDM9AXKP042788",  # the classic example: the check digit is 10, written X
    "11111111111111111",  # all ones: sum 1 * (sum of weights) = 89, 89 mod 11 = 1
    "1HGCM82633A004352",
    "JHMCM56557C404453",
    "5GZCZ43D13S812715",
    "LSVAU2A36N2183457",  # a China-built VIN (WMI LSV); 6 is its check digit
]


def _weighted_sum(vin: str) -> int:
    """The annex A sum, written out independently of vc.vin's tables."""
    values = {
        **{str(d): d for d in range(10)},
        "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
        "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
        "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
    }  # fmt: skip
    weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    return sum(values[c] * w for c, w in zip(vin, weights, strict=True))


@pytest.mark.parametrize("vin", VALID_VINS)
def test_valid_vins_pass(vin: str) -> None:
    assert validate_vin(vin) == vin
    remainder = _weighted_sum(vin) % 11
    assert vin_check_digit(vin) == ("X" if remainder == 10 else str(remainder)) == vin[8]


def test_classic_vin_sum_is_351() -> None:
    # 1M8GDM9AXKP042788: 8+28+48+35+16+12+18+10+0+18+56+0+24+10+32+24+16 = 351 = 31*11 + 10
    assert _weighted_sum("1M8GDM9AXKP042788") == 351
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"


def test_normalizes_case_and_blanks() -> None:
    assert validate_vin("  1m8gdm9axkp042788\n") == "1M8GDM9AXKP042788"


@pytest.mark.parametrize(
    "vin",
    [
        "1M8GDM9AXKP04278I",  # I
        "1M8GDM9AXKP0427O8",  # O
        "1M8GDM9AXKP0427Q8",  # Q
        "1M8GDM9AXKP04278-",
        "1M8GDM9AXKP04278é",
    ],
)
def test_letters_outside_the_alphabet_are_refused(vin: str) -> None:
    with pytest.raises(MarkShapeError) as info:
        validate_vin(vin, check_digit=False)
    assert info.value.code == "INVALID_VIN"


@pytest.mark.parametrize("vin", ["", "1M8GDM9AXKP04278", "1M8GDM9AXKP0427888"])
def test_wrong_length_is_refused(vin: str) -> None:
    with pytest.raises(MarkShapeError) as info:
        validate_vin(vin)
    assert info.value.code == "INVALID_VIN"


def test_wrong_check_digit_is_refused() -> None:
    with pytest.raises(MarkShapeError) as info:
        validate_vin("1M8GDM9A1KP042788")
    assert info.value.code == "INVALID_VIN_CHECK_DIGIT"
    assert info.value.detail["expected"] == "X"


def test_the_example_vin_of_the_brief_has_a_wrong_check_digit() -> None:
    # LSVAU2A37N2183457 was the draft example; its check digit is 6, not 7.
    with pytest.raises(MarkShapeError) as info:
        validate_vin("LSVAU2A37N2183457")
    assert info.value.code == "INVALID_VIN_CHECK_DIGIT"


def test_european_vin_without_check_digit_only_passes_when_not_checked() -> None:
    porsche = "WP0ZZZ99ZTS392124"  # ISO 3779 only: position 9 is a filler Z
    with pytest.raises(MarkShapeError) as info:
        validate_vin(porsche)
    assert info.value.code == "INVALID_VIN_CHECK_DIGIT"
    assert validate_vin(porsche, check_digit=False) == porsche


def test_check_digit_ignores_position_nine() -> None:
    assert vin_check_digit("1M8GDM9A0KP042788") == vin_check_digit("1M8GDM9AZKP042788") == "X"


@given(vins())
def test_generated_vins_validate(vin: str) -> None:
    assert validate_vin(vin) == vin


@given(vins(), st.integers(0, 16), st.sampled_from(VIN_ALPHABET))
def test_a_substitution_that_changes_the_value_is_detected(
    vin: str, position: int, replacement: str
) -> None:
    # Weights 2..10 are invertible mod 11 and value changes are 1..9, so a single substitution
    # that changes a transliterated value (A and J share one, for instance) changes the sum.
    changed = vin[:position] + replacement + vin[position + 1 :]
    assume(position != 8 and _weighted_sum(changed) != _weighted_sum(vin))
    with pytest.raises(MarkShapeError) as info:
        validate_vin(changed)
    assert info.value.code == "INVALID_VIN_CHECK_DIGIT"
