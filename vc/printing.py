"""The printed inspection mark: a sticker-sized PDF page with the QR code and the facts in words.

The paper mark counts as much as the electronic one: it carries the same QR (the whole signed mark,
docs/qr.md) and, for people, the plate, the vehicle type, the month the validity ends, the issuing
authority and the mark number, labelled in Chinese and English. docs/printing.md shows the layout.

- :func:`render_mark_pdf` draws a mark from its facts; :func:`render_signed_mark_pdf` takes them
  from a signed mark (shape-checked with :func:`vic.vc.mark.check_mark`) and its barcode text.
- The page is :data:`PAGE_WIDTH_MM` × :data:`PAGE_HEIGHT_MM` (80 × 60 mm, landscape), the size of
  the sticker: print at 100 % ("actual size"), not "fit to page".
- The QR is drawn as vector squares (sharp at any printer resolution), at error correction M with
  the four-module quiet zone of ISO/IEC 18004, as large as the layout allows.
- Text is set in Vic Mark Sans, a subset of Noto Sans CJK SC (SIL Open Font License 1.1) shipped in
  ``vc/fonts`` and embedded in every PDF, so a machine without any CJK font renders the same
  mark. The subset holds printable ASCII, the 3,755 level-1 hanzi of GB 2312, every plate
  character, the labels, the names of :data:`vic.vc.plate.VEHICLE_TYPES` and the place names of the
  authorities; ``tools/make_font_subset.py`` makes it.
- A character the font lacks is never dropped or drawn as a box: the call fails with
  :class:`~vic.contexts.errors.UsageError` code ``GLYPH_MISSING`` naming it. Text that cannot fit
  its
  place even at the smallest allowed size fails with ``TEXT_TOO_LONG``.

The font is :mod:`vic.vc.markfont` (:data:`FONT_FAMILY`, :data:`FONT_FILE`,
:func:`font_characters` and :func:`missing_characters` are re-exported here), the drawing in
millimetres (text widths, line breaking, fitting, faux bold) :mod:`vic.vc.pdfdraw`.

fpdf2, fontTools and the QR encoder are imported inside the functions: ``import vic.vc`` and
``import vic.vc.printing`` load none of them. The issuer (its downloads) and the wallet (``vic
wallet print``) both draw the mark with it, so the sticker looks the same wherever it is printed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from vic.contexts.errors import MarkShapeError, UsageError
from vic.vc.mark import CHINA_STANDARD_TIME, MarkErrorCode, valid_until_for_month
from vic.vc.markfont import (
    FONT_FAMILY,
    FONT_FILE,
    check_printable,
    font_characters,
    font_path,
    missing_characters,
)
from vic.vc.pdfdraw import (
    MM_PER_PT,
    PT_PER_MM,
    draw_text,
    fit,
    lines_at,
    rect,
    size_steps,
)
from vic.vc.plate import validate_plate, validate_vehicle_type

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = [
    "FONT_FAMILY",
    "FONT_FILE",
    "LABELS",
    "PAGE_HEIGHT_MM",
    "PAGE_WIDTH_MM",
    "font_characters",
    "missing_characters",
    "render_mark_pdf",
    "render_signed_mark_pdf",
    "valid_until_month",
]

PAGE_WIDTH_MM: Final = 80.0
"""Width of the mark's page (landscape), in millimetres."""
PAGE_HEIGHT_MM: Final = 60.0
"""Height of the mark's page, in millimetres."""

LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "title": ("机动车检验合格标志", "Motor vehicle inspection mark"),
    "plate": ("号牌号码", "Plate"),
    "vehicle_type": ("车辆类型", "Vehicle type"),
    "valid_until": ("有效期至", "Valid until"),
    "authority": ("发证机关", "Authority"),
    "number": ("编号", "No."),
}
"""The printed labels, (Chinese, English) by field."""

QR_ECC: Final = "M"
"""The QR error correction level of the printed mark (docs/qr.md's size target is set at M)."""
QR_QUIET_ZONE: Final = 4
"""The quiet zone around the symbol, in modules (ISO/IEC 18004)."""
MIN_MODULE_MM: Final = 0.33
"""The smallest QR module printed: a barcode text needing smaller modules is refused."""

# Colours (RGB).
_BLUE: Final = (20, 62, 140)
_INK: Final = (20, 20, 20)
_GREY: Final = (95, 95, 95)
_RED: Final = (190, 20, 30)
_WHITE: Final = (255, 255, 255)

# Layout (millimetres): the frame, the title band, the QR on the left, the fields on the right.
_FRAME_INSET: Final = 1.0
_FRAME_LINE: Final = 0.35
_BAND_BOTTOM: Final = 11.5
_QR_LEFT: Final = 2.0
_QR_TOP: Final = 12.5
_QR_SIZE: Final = 42.0
"""The QR's square, quiet zone included."""
_COL_LEFT: Final = 45.0
_COL_RIGHT: Final = 77.5
_COL_BOTTOM: Final = 57.9
"""The lowest baseline of the fields' column (the frame's inner edge is at 58.8 mm)."""
_FOOT_BASELINE: Final = 57.2


# --- inputs --------------------------------------------------------------------------------------


def valid_until_month(valid_until: datetime) -> tuple[int, int]:
    """The (year, month) a mark's ``validUntil`` shows: its month in China Standard Time.

    ``validUntil`` is the last second of that month in UTC+8 written in UTC
    (:func:`vic.vc.mark.valid_until_for_month`): 2028-11-30T15:59:59Z shows November 2028.

    :raises UsageError: a naive datetime.
    :raises MarkShapeError: ``INVALID_VALID_UNTIL`` if it is not the last second of a month in
        China Standard Time (the printed month would misstate the validity).
    """
    if not isinstance(valid_until, datetime):
        raise UsageError(f"valid_until must be a datetime, got {type(valid_until).__name__}")
    if valid_until.tzinfo is None or valid_until.utcoffset() is None:
        raise UsageError("valid_until is a naive datetime: pass an aware one (UTC or +08:00)")
    local = valid_until.astimezone(CHINA_STANDARD_TIME)
    if valid_until.astimezone(UTC) != valid_until_for_month(local.year, local.month):
        raise MarkShapeError(
            f"validUntil {valid_until.isoformat()} is not the last second of a month in China "
            "Standard Time",
            code=MarkErrorCode.INVALID_VALID_UNTIL,
        )
    return local.year, local.month


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{name} must be a string, got {type(value).__name__}")
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise UsageError(f"{name} must not be empty", code="EMPTY_FIELD", field=name)
    return text


def _barcode_text(value: object) -> str:
    """The QR text, verbatim: base45 has a space in its alphabet, so nothing is stripped."""
    if not isinstance(value, str):
        raise UsageError(f"barcode_text must be a string, got {type(value).__name__}")
    if not value:
        raise UsageError("barcode_text must not be empty", code="EMPTY_QR_TEXT")
    return value


def _authority_names(authority_name: Mapping[str, str]) -> tuple[str, str]:
    if not isinstance(authority_name, Mapping):
        raise UsageError("authority_name maps language tags (zh-CN, en) to the authority's name")
    for tag in ("zh-CN", "en"):
        if tag not in authority_name:
            raise UsageError(
                f"authority_name has no {tag!r} name: the printed mark is bilingual",
                code="EMPTY_FIELD",
                field=f"authority_name[{tag}]",
            )
    return (
        _text("authority_name['zh-CN']", authority_name["zh-CN"]),
        _text("authority_name['en']", authority_name["en"]),
    )


@dataclass(frozen=True)
class _Mark:
    """What the sticker prints, checked."""

    barcode_text: str
    plate: str
    type_zh: str
    type_en: str
    year: int
    month: int
    authority_zh: str
    authority_en: str
    number: str

    @property
    def until_zh(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def until_en(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


# --- drawing -------------------------------------------------------------------------------------


def _fit_authority(
    pdf: FPDF, mark: _Mark, width: float, height: float
) -> list[tuple[str, float, float]]:
    """The authority's names as (line, size, leading): Chinese in up to 3 lines, English in up to
    4, as large as fits ``width`` and, together, ``height`` (the Chinese shrinks last).

    :raises UsageError: ``TEXT_TOO_LONG`` if no allowed sizes fit.
    """
    for zh_size in size_steps(6.4, 4.8):
        zh_lines = lines_at(pdf, mark.authority_zh, width, zh_size, 3)
        if zh_lines is None:
            continue
        for en_size in size_steps(4.8, 4.0):
            en_lines = lines_at(pdf, mark.authority_en, width, en_size, 4)
            if en_lines is None:
                continue
            block = [(ln, zh_size, 1.2) for ln in zh_lines] + [
                (ln, en_size, 1.15) for ln in en_lines
            ]
            if sum(size * MM_PER_PT * leading for _, size, leading in block) <= height:
                return block
    raise UsageError(
        "the authority's names do not fit on the printed mark: shorten them",
        code="TEXT_TOO_LONG",
        field="authority_name",
    )


def _draw_label(pdf: FPDF, key: str, x: float, baseline: float) -> None:
    zh, en = LABELS[key]
    advance = draw_text(pdf, x, baseline, zh, 5.6, _GREY)
    draw_text(pdf, x + advance + 1.0, baseline, en, 4.6, _GREY)


def _draw_qr(pdf: FPDF, text: str, x: float, y: float, size: float) -> None:
    from vic.vc.qrimage import qr_matrix

    matrix = qr_matrix(text, QR_ECC, border=QR_QUIET_ZONE)
    module = size / len(matrix)
    if module < MIN_MODULE_MM:
        raise UsageError(
            f"the QR of {len(text)} characters needs {len(matrix)} modules a side: at "
            f"{module:.2f} mm a module it would not scan reliably (at least {MIN_MODULE_MM} mm)",
            code="QR_TOO_DENSE",
            modules=len(matrix),
        )
    pdf.set_fill_color(*_WHITE)
    rect(pdf, x, y, size, size, "F")
    pdf.set_fill_color(0, 0, 0)
    # One rectangle per horizontal run of dark modules; a hair of overlap (0.01 mm) keeps
    # renderers from leaving anti-aliasing seams between the rows.
    for row_index, row in enumerate(matrix):
        col = 0
        while col < len(row):
            if not row[col]:
                col += 1
                continue
            start = col
            while col < len(row) and row[col]:
                col += 1
            rect(
                pdf,
                x + start * module,
                y + row_index * module,
                (col - start) * module + 0.01,
                module + 0.01,
                "F",
            )


def _layout(pdf: FPDF, mark: _Mark) -> None:
    width, height = PAGE_WIDTH_MM, PAGE_HEIGHT_MM
    inset = _FRAME_INSET

    # The frame and the title band.
    pdf.set_fill_color(*_BLUE)
    rect(pdf, inset, inset, width - 2 * inset, _BAND_BOTTOM - inset, "F")
    pdf.set_draw_color(*_BLUE)
    pdf.set_line_width(_FRAME_LINE * PT_PER_MM)
    rect(pdf, inset, inset, width - 2 * inset, height - 2 * inset, "D")
    title_zh, title_en = LABELS["title"]
    draw_text(pdf, 0, 6.6, title_zh, 11.0, _WHITE, bold=True, align="C", width=width)
    draw_text(pdf, 0, 10.0, title_en, 5.6, _WHITE, align="C", width=width)

    # The QR code.
    _draw_qr(pdf, mark.barcode_text, _QR_LEFT, _QR_TOP, _QR_SIZE)

    # The fields.
    x = _COL_LEFT
    col_width = _COL_RIGHT - _COL_LEFT
    y = _QR_TOP + 3.2

    _draw_label(pdf, "plate", x, y)
    size, _ = fit(pdf, "plate", mark.plate, col_width, (16.0, 11.0))
    y += 1.0 + size * MM_PER_PT * 0.9
    draw_text(pdf, x, y, mark.plate, size, _INK, bold=True)

    y += 4.6
    _draw_label(pdf, "vehicle_type", x, y)
    size, _ = fit(pdf, "vehicle type", mark.type_zh, col_width, (8.5, 6.0))
    y += 0.8 + size * MM_PER_PT * 0.9
    draw_text(pdf, x, y, mark.type_zh, size, _INK)
    size, lines = fit(pdf, "vehicle type (en)", mark.type_en, col_width, (5.2, 4.4), 2)
    for line in lines:
        y += size * MM_PER_PT * 1.15
        draw_text(pdf, x, y, line, size, _INK)

    y += 4.3
    _draw_label(pdf, "valid_until", x, y)
    size, _ = fit(pdf, "valid until", mark.until_zh, col_width * 0.72, (13.0, 10.0))
    y += 1.0 + size * MM_PER_PT * 0.9
    advance = draw_text(pdf, x, y, mark.until_zh, size, _RED, bold=True)
    draw_text(pdf, x + advance + 1.2, y, mark.until_en, 6.0, _RED)

    y += 4.3
    _draw_label(pdf, "authority", x, y)
    block = _fit_authority(pdf, mark, col_width, _COL_BOTTOM - y)
    for line, size, leading in block:
        y += size * MM_PER_PT * leading
        draw_text(pdf, x, y, line, size, _INK)

    # The mark number, under the QR code.
    zh, en = LABELS["number"]
    label = f"{zh} {en}"
    advance = draw_text(pdf, _QR_LEFT + 2.0, _FOOT_BASELINE, label, 5.6, _GREY)
    room = _COL_LEFT - 1.0 - (_QR_LEFT + 2.0) - advance - 1.5
    size, _ = fit(pdf, "mark number", mark.number, room, (7.0, 4.8))
    draw_text(pdf, _QR_LEFT + 2.0 + advance + 1.5, _FOOT_BASELINE, mark.number, size, _INK)


# --- the API -------------------------------------------------------------------------------------


def render_mark_pdf(
    *,
    barcode_text: str,
    plate: str,
    vehicle_type_code: str,
    valid_until: datetime,
    authority_name: Mapping[str, str],
    mark_number: str,
    created: datetime | None = None,
) -> bytes:
    """The printed mark: a one-page PDF of :data:`PAGE_WIDTH_MM` × :data:`PAGE_HEIGHT_MM`.

    :param barcode_text: the text of the mark's QR code (``VC1-R…``), drawn at error
        correction M.
    :param plate: the plate number (normalized as :func:`vic.vc.plate.validate_plate` does).
    :param vehicle_type_code: a GA 24.4 code of :data:`vic.vc.plate.VEHICLE_TYPES`; its Chinese and
        English names are printed.
    :param valid_until: the mark's ``validUntil``: the last second of a month in China Standard
        Time; that month is printed ("2028年11月", "2028-11").
    :param authority_name: the issuing authority's name by language tag: ``zh-CN`` and ``en``.
    :param mark_number: the mark number printed after "编号 No.".
    :param created: the PDF's creation date; ``None`` is now. Given, the output is the same bytes
        for the same inputs.
    :raises UsageError: ``GLYPH_MISSING`` for a character the shipped font lacks, ``TEXT_TOO_LONG``
        for text that cannot fit, ``EMPTY_FIELD``, ``QR_CAPACITY_EXCEEDED`` / ``QR_TOO_DENSE``
        for a barcode text too long to print, a naive datetime.
    :raises MarkShapeError: ``INVALID_PLATE``, ``INVALID_VEHICLE_TYPE``, ``INVALID_VALID_UNTIL``.
    """
    if created is not None and (
        not isinstance(created, datetime) or created.tzinfo is None or created.utcoffset() is None
    ):
        raise UsageError("created must be an aware datetime (or None for now)")
    vehicle_type = validate_vehicle_type(vehicle_type_code)
    year, month = valid_until_month(valid_until)
    authority_zh, authority_en = _authority_names(authority_name)
    mark = _Mark(
        barcode_text=_barcode_text(barcode_text),
        plate=validate_plate(_text("plate", plate)),
        type_zh=vehicle_type.name_zh,
        type_en=vehicle_type.name_en,
        year=year,
        month=month,
        authority_zh=authority_zh,
        authority_en=authority_en,
        number=_text("mark_number", mark_number),
    )
    for field, text in (
        ("plate", mark.plate),
        ("vehicle type", mark.type_zh + mark.type_en),
        ("authority_name['zh-CN']", mark.authority_zh),
        ("authority_name['en']", mark.authority_en),
        ("mark_number", mark.number),
    ):
        check_printable(field, text)
    return _render(mark, created)


def _render(mark: _Mark, created: datetime | None) -> bytes:
    from fpdf import FPDF

    # The document's unit is the point, the PDF's own: fpdf2 writes a text's stroke width in
    # document units where the PDF reads points, so any other unit would distort faux bold.
    pdf = FPDF(
        orientation="L",
        unit="pt",
        format=(PAGE_HEIGHT_MM * PT_PER_MM, PAGE_WIDTH_MM * PT_PER_MM),
    )
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.set_creator("vic")
    pdf.set_title(f"{LABELS['title'][0]} {mark.plate}")
    pdf.set_subject(f"{LABELS['title'][1]} {mark.plate}, valid until {mark.until_en}")
    pdf.set_lang("zh-CN")
    if created is not None:
        pdf.set_creation_date(created)
    with font_path() as path:
        pdf.add_font(FONT_FAMILY, fname=str(path))
        pdf.add_page()
        _layout(pdf, mark)
        return bytes(pdf.output())


def render_signed_mark_pdf(
    mark: Mapping[str, Any],
    *,
    barcode_text: str,
    authority_name: Mapping[str, str],
    mark_number: str,
    created: datetime | None = None,
) -> bytes:
    """The printed mark of a signed mark: plate, vehicle type and validUntil from the credential.

    The mark's shape is checked (:func:`vic.vc.mark.check_mark`), not its proof: ``barcode_text``
    must be the QR text of this same mark, which the caller (the issuer, holding both) vouches
    for. Parameters and errors are those of :func:`render_mark_pdf`, plus ``check_mark``'s.
    """
    from vic.vc.mark import check_mark

    subject = check_mark(mark)
    valid_until = datetime.fromisoformat(str(mark["validUntil"]).replace("Z", "+00:00"))
    return render_mark_pdf(
        barcode_text=barcode_text,
        plate=subject.registration_number,
        vehicle_type_code=subject.vehicle_type_code,
        valid_until=valid_until,
        authority_name=authority_name,
        mark_number=mark_number,
        created=created,
    )
