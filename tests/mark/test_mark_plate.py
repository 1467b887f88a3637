"""Plate numbers (GA 36), plate type codes (GA 24.7), vehicle type codes (GA 24.4)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.mark.strategies import plate_and_type, plates
from vic.contexts.errors import MarkShapeError
from vic.vc.plate import (
    PLATE_PATTERN,
    PLATE_TYPES,
    PROVINCES,
    VEHICLE_TYPES,
    PlateKind,
    check_plate_type,
    mark_plate_type_codes,
    plate_kind,
    validate_plate,
    validate_plate_type,
    validate_vehicle_type,
)


@pytest.mark.parametrize(
    ("plate", "kind"),
    [
        ("鄂L12345", PlateKind.ORDINARY),
        ("京N8A8B8", PlateKind.ORDINARY),
        ("粤OA1234", PlateKind.ORDINARY),  # O as the authority letter: provincial public security
        ("京AD12345", PlateKind.NEW_ENERGY_SMALL),
        ("沪ADF1234", PlateKind.NEW_ENERGY_SMALL),
        ("浙AA12345", PlateKind.NEW_ENERGY_SMALL),  # A: an electric range opened after D
        ("苏EK00001", PlateKind.NEW_ENERGY_SMALL),
        ("粤B12345D", PlateKind.NEW_ENERGY_LARGE),
        ("鲁A12345F", PlateKind.NEW_ENERGY_LARGE),
        ("鄂A1234学", PlateKind.COACH),
        ("鄂A1234挂", PlateKind.TRAILER),
        ("川A0001警", PlateKind.POLICE),
        ("沪A1234领", PlateKind.CONSULATE),
        ("粤Z1234港", PlateKind.HONG_KONG),
        ("粤ZA123澳", PlateKind.MACAO),
        ("使014001", PlateKind.EMBASSY),
    ],
)
def test_valid_plates(plate: str, kind: PlateKind) -> None:
    assert validate_plate(plate) == plate
    assert plate_kind(plate) is kind
    assert re.fullmatch(PLATE_PATTERN, plate)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("鄂L·12345", "鄂L12345"),
        ("鄂l 12345", "鄂L12345"),
        (" 鄂L-12345 ", "鄂L12345"),
        ("鄂Ｌ１２３４５", "鄂L12345"),  # full-width letters and digits
        ("京a·d12345", "京AD12345"),
    ],
)
def test_normalization(raw: str, normalized: str) -> None:
    assert validate_plate(raw) == normalized


@pytest.mark.parametrize(
    "plate",
    [
        "台A12345",  # not a mainland province abbreviation
        "港A12345",
        "A鄂12345",
        "鄂I12345",  # I is never an authority letter
        "鄂1A2345",  # the authority is a letter
        "鄂AI2345",  # I and O never appear in the serial
        "鄂A1234O",
        "鄂AO1234",
        "鄂A1234",  # too short for any form
        "鄂A",
        "",
        "鄂A123456",  # six characters but neither new-energy form
        "京AL12345",  # L is not a new-energy letter
        "京A1234D5",
        "京AD1234A",  # small new energy ends in four digits
        "鄂A1234港",  # 港 and 澳 only under 粤Z
        "粤B1234港",
        "鄂A12345学",  # a suffixed plate has four serial characters
        "使01400",
        "使A0062",
    ],
)
def test_invalid_plates(plate: str) -> None:
    with pytest.raises(MarkShapeError) as info:
        validate_plate(plate)
    assert info.value.code == "INVALID_PLATE"
    assert not re.fullmatch(PLATE_PATTERN, plate)


def test_every_province_is_accepted() -> None:
    assert len(PROVINCES) == len(set(PROVINCES)) == 31
    for province in PROVINCES:
        assert validate_plate(f"{province}A12345") == f"{province}A12345"


@pytest.mark.parametrize(
    ("plate", "code"),
    [
        ("鄂L12345", "02"),
        ("鄂L12345", "01"),
        ("鄂L12345", "07"),
        ("京AD12345", "52"),
        ("粤B12345D", "51"),
        ("鄂A1234挂", "15"),
        ("鄂A1234学", "16"),
        ("川A0001警", "23"),
        ("使014001", "03"),
        ("沪A1234领", "04"),
        ("粤Z1234港", "26"),
        ("粤Z1234澳", "27"),
    ],
)
def test_plate_and_type_agree(plate: str, code: str) -> None:
    assert check_plate_type(plate, code).code == code


@pytest.mark.parametrize(
    ("plate", "code"),
    [("京AD12345", "02"), ("鄂L12345", "52"), ("鄂A1234挂", "02"), ("粤B12345D", "52")],
)
def test_plate_and_type_disagree(plate: str, code: str) -> None:
    with pytest.raises(MarkShapeError) as info:
        check_plate_type(plate, code)
    assert info.value.code == "PLATE_TYPE_MISMATCH"


@pytest.mark.parametrize("code", ["00", "2", "002", "53", "05", "14", "22", "32", "99"])
def test_plate_types_not_on_a_mark(code: str) -> None:
    with pytest.raises(MarkShapeError) as info:
        validate_plate_type(code)
    assert info.value.code == "INVALID_PLATE_TYPE"


def test_plate_type_table() -> None:
    assert PLATE_TYPES["02"].name_zh == "小型汽车号牌"
    assert PLATE_TYPES["52"].name_en == "small new-energy vehicle plate"
    assert all(re.fullmatch(r"[0-9]{2}", code) for code in PLATE_TYPES)
    assert all(
        row.code == code and row.name_zh and row.name_en for code, row in PLATE_TYPES.items()
    )
    assert mark_plate_type_codes() == (
        "01", "02", "03", "04", "07", "08", "15", "16", "17", "23", "24", "26", "27", "51", "52",
    )  # fmt: skip


def test_vehicle_type_table() -> None:
    assert validate_vehicle_type("K33").name_zh == "小型轿车"
    assert validate_vehicle_type("K11").name_zh == "大型普通客车"
    assert validate_vehicle_type("B1A").name_en == "heavy special-operation semi-trailer"
    assert all(re.fullmatch(r"[BDGHJKMNQTXZ][0-9][0-9A-Z]", code) for code in VEHICLE_TYPES)
    assert all(row.code == code for code, row in VEHICLE_TYPES.items())
    names = [row.name_zh for row in VEHICLE_TYPES.values()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("code", ["K99", "k33", "K3", "", "X00", "H36"])
def test_unknown_vehicle_types(code: str) -> None:
    with pytest.raises(MarkShapeError) as info:
        validate_vehicle_type(code)
    assert info.value.code == "INVALID_VEHICLE_TYPE"


@given(st.sampled_from(PlateKind).flatmap(lambda kind: st.tuples(st.just(kind), plates(kind))))
def test_generated_plates_have_their_form(kind_and_plate: tuple[PlateKind, str]) -> None:
    kind, plate = kind_and_plate
    assert plate_kind(plate) is kind
    assert validate_plate(plate) == plate


@given(plate_and_type())
def test_generated_plate_types_agree(pair: tuple[str, str]) -> None:
    plate, code = pair
    assert check_plate_type(plate, code).code == code


_NEAR_PLATE_ALPHABET = PROVINCES[:4] + "粤使台ADFIOZ015挂学警领港澳 ·"


@st.composite
def _near_plates(draw: st.DrawFn) -> str:
    """Valid plates, plates with one character changed, inserted or removed, and noise."""
    kind = draw(st.sampled_from(PlateKind))
    plate = draw(plates(kind))
    at = draw(st.integers(0, len(plate)))
    char = draw(st.sampled_from(_NEAR_PLATE_ALPHABET))
    return draw(
        st.sampled_from(
            [
                plate,
                plate[:at] + char + plate[at + 1 :],
                plate[:at] + char + plate[at:],
                plate[:at] + plate[at + 1 :],
            ]
        )
        | st.text(alphabet=_NEAR_PLATE_ALPHABET, max_size=9)
    )


@given(_near_plates())
def test_the_single_pattern_agrees_with_the_forms(text: str) -> None:
    try:
        plate_kind(text)
    except MarkShapeError:
        assert not re.fullmatch(PLATE_PATTERN, text)
    else:
        assert re.fullmatch(PLATE_PATTERN, text)
