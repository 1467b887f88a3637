"""The printed mark: the PDF renders, reads back (text and QR), embeds its font, refuses what it
cannot print."""

from __future__ import annotations

import hashlib
import importlib.util
import random
import re
import shutil
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import base45
import pytest
from PIL import Image

from tests.authority import NOW, VEHICLE, Authority
from vic.contexts.errors import MarkShapeError, UsageError
from vic.vc.mark import valid_until_for_month
from vic.vc.plate import PROVINCES, VEHICLE_TYPES
from vic.vc.printing import (
    FONT_FAMILY,
    FONT_FILE,
    LABELS,
    MIN_MODULE_MM,
    PAGE_HEIGHT_MM,
    PAGE_WIDTH_MM,
    font_characters,
    missing_characters,
    render_mark_pdf,
    render_signed_mark_pdf,
    valid_until_month,
)

ROOT = Path(__file__).resolve().parents[2]
FONT_PATH = ROOT / "vc" / "fonts" / FONT_FILE
SUBSET_SCRIPT = ROOT / "tools" / "make_font_subset.py"
CREATED = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
DPI = 300


def barcode_text(n_bytes: int = 199, seed: int = 1) -> str:
    """A VC1-R text as long as a lean mark's (199 bytes: docs/qr.md's V10@M figure)."""
    data = random.Random(seed).randbytes(n_bytes)
    return "VC1-R" + base45.b45encode(data).decode("ascii")


AUTHORITY = {
    "zh-CN": "湖北省襄阳市公安局交通警察支队车辆管理所",
    "en": "Vehicle Administration Office, Xiangyang Traffic Police Detachment, Hubei",
}


def render(**overrides: Any) -> bytes:
    args: dict[str, Any] = {
        "barcode_text": barcode_text(),
        "plate": "鄂L12345",
        "vehicle_type_code": "K33",
        "valid_until": valid_until_for_month(2028, 11),
        "authority_name": AUTHORITY,
        "mark_number": "4206002028110000123",
        "created": CREATED,
    }
    args.update(overrides)
    return render_mark_pdf(**args)


# --- poppler ------------------------------------------------------------------------------------

poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="pdftoppm/pdftotext not installed (Debian: apt-get install poppler-utils)",
)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "mark.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    )
    return out.stdout.decode("utf-8")


def pdf_png(pdf: bytes, tmp_path: Path, dpi: int = DPI) -> Path:
    path = tmp_path / "mark.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(path), str(tmp_path / "mark")],
        check=True,
        capture_output=True,
    )
    return tmp_path / "mark.png"


def read_qr(png: Path) -> list[str]:
    import zxingcpp

    with Image.open(png) as image:
        return [result.text for result in zxingcpp.read_barcodes(image)]


# --- reading the PDF back -----------------------------------------------------------------------


@poppler
def test_text_has_the_plate_the_month_and_the_labels(tmp_path: Path) -> None:
    text = pdf_text(render(), tmp_path)
    for expected in (
        "鄂L12345",
        "2028年11月",
        "2028-11",
        "小型轿车",
        "small sedan (car)",
        "4206002028110000123",
        "湖北省襄阳市公安局交通警察支",  # the name wraps onto a second line here
        "车辆管理所",
        "Vehicle Administration Office,",
    ):
        assert expected in text
    for zh, en in LABELS.values():
        assert zh in text
        assert en in text


@poppler
@pytest.mark.parametrize("dpi", [150, DPI])
def test_qr_on_the_rendered_page_reads_back_as_the_barcode_text(tmp_path: Path, dpi: int) -> None:
    text = barcode_text()
    assert " " in text  # base45's space must survive: nothing is stripped
    assert read_qr(pdf_png(render(barcode_text=text), tmp_path, dpi)) == [text]


@poppler
def test_rendered_page_has_the_documented_size(tmp_path: Path) -> None:
    png = pdf_png(render(), tmp_path)
    with Image.open(png) as image:
        size = image.size
    assert size == (round(PAGE_WIDTH_MM / 25.4 * DPI), round(PAGE_HEIGHT_MM / 25.4 * DPI))
    assert (PAGE_WIDTH_MM, PAGE_HEIGHT_MM) == (80.0, 60.0)


def test_mediabox_is_80_by_60_mm() -> None:
    found = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", render())
    assert found is not None
    width, height = (float(v) * 25.4 / 72 for v in found.groups())
    assert width == pytest.approx(80.0, abs=0.01)
    assert height == pytest.approx(60.0, abs=0.01)


@poppler
def test_signed_mark_prints_its_own_facts(tmp_path: Path) -> None:
    mark = Authority().mark()
    text = barcode_text(seed=2)
    pdf = render_signed_mark_pdf(
        mark, barcode_text=text, authority_name=AUTHORITY, mark_number="000077", created=CREATED
    )
    words = pdf_text(pdf, tmp_path)
    until = valid_until_for_month(NOW.year + 2, NOW.month).astimezone(timezone(timedelta(hours=8)))
    assert VEHICLE.registration_number in words
    assert VEHICLE_TYPES[VEHICLE.vehicle_type_code].name_zh in words
    assert f"{until.year}年{until.month}月" in words
    assert "000077" in words
    assert read_qr(pdf_png(pdf, tmp_path)) == [text]


@poppler
@pytest.mark.parametrize(
    ("plate", "code"),
    [
        # the longest Chinese and the widest English vehicle-type names of the table
        ("鄂A12345D", max(VEHICLE_TYPES, key=lambda c: len(VEHICLE_TYPES[c].name_zh))),
        ("粤Z1234港", max(VEHICLE_TYPES, key=lambda c: len(VEHICLE_TYPES[c].name_en))),
        ("使014001", "K33"),
    ],
)
def test_long_names_and_special_plates_fit(tmp_path: Path, plate: str, code: str) -> None:
    text = pdf_text(render(plate=plate, vehicle_type_code=code), tmp_path)
    assert plate in text
    assert VEHICLE_TYPES[code].name_zh in text
    last_word = VEHICLE_TYPES[code].name_en.split()[-1]
    assert last_word in text


# --- the month ----------------------------------------------------------------------------------


def test_month_is_taken_in_china_standard_time() -> None:
    # 2028-11-30T15:59:59Z is 23:59:59 on 30 November in Beijing: November, though UTC and CST
    # agree on the day; written with +08:00 it is the same instant.
    instant = datetime(2028, 11, 30, 15, 59, 59, tzinfo=UTC)
    assert valid_until_month(instant) == (2028, 11)
    assert valid_until_month(instant.astimezone(timezone(timedelta(hours=8)))) == (2028, 11)
    # December's end is 16:00 UTC short of the new year in UTC, and still December in CST.
    assert valid_until_month(valid_until_for_month(2028, 12)) == (2028, 12)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2028, 11, 30, 23, 59, 59, tzinfo=UTC),  # 1 December 07:59 in Beijing
        datetime(2028, 11, 15, 0, 0, 0, tzinfo=UTC),
    ],
)
def test_valid_until_not_at_a_month_end_is_refused(moment: datetime) -> None:
    with pytest.raises(MarkShapeError) as caught:
        render(valid_until=moment)
    assert caught.value.code == "INVALID_VALID_UNTIL"


def test_naive_valid_until_is_refused() -> None:
    with pytest.raises(UsageError, match="naive"):
        render(valid_until=datetime(2028, 11, 30, 23, 59, 59))


# --- the font -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "character"),
    [
        ("authority_name", {"zh-CN": "某某龘县公安局", "en": "Some county"}, "龘"),
        ("authority_name", {"zh-CN": "公安局", "en": "Préfecture"}, "é"),
        ("mark_number", "No-\N{SNOWMAN}", "\N{SNOWMAN}"),
    ],
)
def test_character_outside_the_font_raises_glyph_missing(
    field: str, value: Any, character: str
) -> None:
    assert character not in font_characters()
    with pytest.raises(UsageError) as caught:
        render(**{field: value})
    assert caught.value.code == "GLYPH_MISSING"
    assert caught.value.detail["character"] == character
    assert f"U+{ord(character):04X}" in caught.value.message
    assert character in caught.value.message


def test_missing_characters_lists_each_once_in_order() -> None:
    assert missing_characters("鄂L12345") == ""
    assert missing_characters("龘A龘é") == "龘é"


def test_font_covers_what_marks_print() -> None:
    chars = font_characters()
    needed = set(PROVINCES + "使领学警港澳挂试超" + "年月日")
    needed |= {chr(c) for c in range(0x20, 0x7F)}
    for zh, en in LABELS.values():
        needed |= set(zh + en)
    for row in VEHICLE_TYPES.values():
        needed |= set(row.name_zh + row.name_en)
    for name in (
        "公安局交通管理局车辆管理所",
        "北京市天津市上海市重庆市河北省山西省辽宁省吉林省黑龙江省江苏省浙江省安徽省福建省",
        "江西省山东省河南省湖北省湖南省广东省海南省四川省贵州省云南省陕西省甘肃省青海省",
        "内蒙古自治区广西壮族自治区西藏自治区宁夏回族自治区新疆维吾尔自治区",
        "香港特别行政区澳门特别行政区",
        "石家庄哈尔滨呼和浩特乌鲁木齐深圳东莞儋州亳州衢州濮阳漯河泸州",
    ):
        needed |= set(name)
    assert not needed - chars, "".join(sorted(needed - chars))


def test_font_file_is_the_documented_subset() -> None:
    from fontTools.ttLib import TTFont

    size = FONT_PATH.stat().st_size
    assert size < 1_000_000
    font = TTFont(str(FONT_PATH))
    assert "glyf" in font  # TrueType outlines: any PDF library can embed them
    assert "CFF " not in font
    names = font["name"]
    assert names.getDebugName(6) == f"{FONT_FAMILY}-Regular"
    assert "SIL Open Font License" in names.getDebugName(13)
    assert "Adobe" in names.getDebugName(0)
    license_text = (FONT_PATH.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in license_text
    assert "Copyright 2014-2021 Adobe" in license_text


def test_font_is_embedded_in_the_pdf() -> None:
    pdf = render()
    assert b"/FontFile2" in pdf  # an embedded TrueType font program
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+" + FONT_FAMILY.encode(), pdf)
    assert b"/ToUnicode" in pdf  # text can be copied and searched


def test_font_ships_as_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["vic.vc"]
    shipped = {p.name for pattern in patterns for p in (ROOT / "vc").glob(pattern)}
    assert {FONT_FILE, "OFL.txt"} <= shipped


SOURCE_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def _source_version() -> str | None:
    if not SOURCE_FONT.exists():
        return None
    from fontTools.ttLib import TTCollection

    for face in TTCollection(str(SOURCE_FONT), lazy=True).fonts:
        if face["name"].getDebugName(6) == "NotoSansCJKsc-Regular":
            return str(face["name"].getDebugName(5)).split(";")[0]
    return None


@pytest.mark.skipif(
    _source_version() != "Version 2.004",
    reason="the subset's source, Noto Sans CJK 2.004 (Debian fonts-noto-cjk "
    "1:20220127+repack1-1), is not installed",
)
def test_subset_script_reproduces_the_shipped_font(tmp_path: Path) -> None:
    out = tmp_path / FONT_FILE
    subprocess.run(
        [sys.executable, str(SUBSET_SCRIPT), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    import fontTools

    made_with = _subset_script().FONTTOOLS_VERSION
    assert (
        hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(FONT_PATH.read_bytes()).digest()
    ), f"fontTools {fontTools.version} installed; the shipped subset was made with {made_with}"


def _subset_script() -> Any:
    spec = importlib.util.spec_from_file_location("make_font_subset", SUBSET_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_subset_script_writes_the_shipped_location() -> None:
    assert _subset_script().DEFAULT_OUT == FONT_PATH


# --- limits and bad input ------------------------------------------------------------------------


def test_authority_names_too_long_to_fit_are_refused() -> None:
    long_name = {"zh-CN": "公安局交通管理局车辆管理所" * 6, "en": "Vehicle Office " * 30}
    with pytest.raises(UsageError) as caught:
        render(authority_name=long_name)
    assert caught.value.code == "TEXT_TOO_LONG"


def test_mark_number_too_long_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        render(mark_number="1234567890" * 8)
    assert caught.value.code == "TEXT_TOO_LONG"


def test_barcode_text_too_dense_to_print_is_refused() -> None:
    # 1,400 bytes of base45 need a version-30-odd symbol: modules under MIN_MODULE_MM.
    with pytest.raises(UsageError) as caught:
        render(barcode_text=barcode_text(1400))
    assert caught.value.code == "QR_TOO_DENSE"
    assert caught.value.detail["modules"] * MIN_MODULE_MM > 42.0


def test_barcode_text_beyond_any_qr_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        render(barcode_text=barcode_text(4000))
    assert caught.value.code == "QR_CAPACITY_EXCEEDED"


@pytest.mark.parametrize(
    ("overrides", "error", "code"),
    [
        ({"plate": "鄂I12345"}, MarkShapeError, "INVALID_PLATE"),
        ({"vehicle_type_code": "K99"}, MarkShapeError, "INVALID_VEHICLE_TYPE"),
        ({"authority_name": {"zh-CN": "公安局"}}, UsageError, "EMPTY_FIELD"),
        ({"authority_name": {"zh-CN": "公安局", "en": "  "}}, UsageError, "EMPTY_FIELD"),
        ({"mark_number": ""}, UsageError, "EMPTY_FIELD"),
        ({"barcode_text": ""}, UsageError, "EMPTY_QR_TEXT"),
        ({"created": datetime(2026, 11, 25, 8, 0)}, UsageError, "USAGE_ERROR"),
    ],
)
def test_bad_input_is_refused(overrides: dict[str, Any], error: type[Exception], code: str) -> None:
    with pytest.raises(error) as caught:
        render(**overrides)
    assert getattr(caught.value, "code", None) == code


def test_plate_is_normalized_before_printing() -> None:
    assert render(plate="鄂l·12345") == render(plate="鄂L12345")


def test_same_inputs_give_the_same_bytes() -> None:
    assert render() == render()
    assert render() != render(mark_number="4206002028110000124")


def test_import_loads_no_pdf_font_or_qr_library() -> None:
    code = (
        "import sys, vic.vc.printing\n"
        "heavy = [m for m in ('fpdf', 'fontTools', 'qrcode', 'PIL') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""
