"""Drawing on the printed mark's PDF page, in millimetres: rectangles and text.

The document's unit is the point (the PDF's own); these helpers take millimetres. Text is set in
the shipped font (:mod:`vic.vc.markfont`): its width, line breaking (each CJK character alone,
Latin words whole), the largest size at which a text fits its place, and drawing with faux bold.
fpdf2 is imported inside the functions that need it.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Final

from vic.contexts.errors import UsageError
from vic.vc.markfont import FONT_FAMILY

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = [
    "BOLD_STROKE",
    "MM_PER_PT",
    "PT_PER_MM",
    "draw_text",
    "fit",
    "lines_at",
    "rect",
    "size_steps",
    "text_width",
]

MM_PER_PT: Final = 25.4 / 72
"""Millimetres per point."""
PT_PER_MM: Final = 72 / 25.4
BOLD_STROKE: Final = 0.03
"""Faux bold (the shipped font has one weight): outlines stroked this many points per point of
font size, as well as filled."""


def rect(pdf: FPDF, x: float, y: float, w: float, h: float, style: str) -> None:
    """A rectangle given in millimetres (the document's unit is the point)."""
    k = PT_PER_MM
    pdf.rect(x * k, y * k, w * k, h * k, style=style)


def _set_font(pdf: FPDF, size: float) -> None:
    pdf.set_font(FONT_FAMILY, size=size)


def text_width(pdf: FPDF, text: str, size: float) -> float:
    """The width of ``text`` at ``size`` points, in millimetres."""
    _set_font(pdf, size)
    return float(pdf.get_string_width(text)) / PT_PER_MM


def _tokens(text: str) -> list[str]:
    """Break opportunities: each CJK character alone, Latin words with the spaces after them."""
    tokens: list[str] = []
    word = ""
    for c in text:
        if c == " ":
            word += c
            tokens.append(word)
            word = ""
        elif unicodedata.east_asian_width(c) in ("W", "F"):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(c)
        else:
            word += c
    if word:
        tokens.append(word)
    return tokens


def _wrap(pdf: FPDF, text: str, width: float, size: float) -> list[str]:
    """Greedy line breaking at :func:`_tokens`; a token wider than a line is cut anywhere."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if text_width(pdf, (line + token).rstrip(), size) <= width:
            line += token
            continue
        if line:
            lines.append(line.rstrip())
            line = ""
        for c in token:
            if line and text_width(pdf, (line + c).rstrip(), size) > width:
                lines.append(line.rstrip())
                line = ""
            line += c
    if line.strip():
        lines.append(line.rstrip())
    return lines


def size_steps(largest: float, smallest: float) -> list[float]:
    """Font sizes from ``largest`` down to ``smallest``, in 0.25 pt steps."""
    steps = round((largest - smallest) / 0.25)
    return [largest - 0.25 * i for i in range(steps + 1)]


def lines_at(pdf: FPDF, text: str, width: float, size: float, max_lines: int) -> list[str] | None:
    """``text`` broken into at most ``max_lines`` lines of ``width`` at ``size``, or None."""
    lines = _wrap(pdf, text, width, size) if max_lines > 1 else [text]
    if len(lines) <= max_lines and all(text_width(pdf, ln, size) <= width for ln in lines):
        return lines
    return None


def fit(
    pdf: FPDF,
    field: str,
    text: str,
    width: float,
    sizes: tuple[float, float],
    max_lines: int = 1,
) -> tuple[float, list[str]]:
    """The largest size (from ``sizes[0]`` down to ``sizes[1]``, 0.25 pt steps) at which ``text``
    fits ``max_lines`` lines of ``width``, and those lines.

    :raises UsageError: ``TEXT_TOO_LONG`` if it fits at no allowed size.
    """
    for size in size_steps(*sizes):
        lines = lines_at(pdf, text, width, size, max_lines)
        if lines is not None:
            return size, lines
    raise UsageError(
        f"{field} ({len(text)} characters) does not fit on the printed mark",
        code="TEXT_TOO_LONG",
        field=field,
    )


def draw_text(
    pdf: FPDF,
    x: float,
    baseline: float,
    text: str,
    size: float,
    color: tuple[int, int, int],
    *,
    bold: bool = False,
    align: str = "L",
    width: float = 0.0,
) -> float:
    """Draw ``text`` on ``baseline``; return its width. ``bold`` strokes the outlines as well."""
    from fpdf.enums import TextMode

    drawn = text_width(pdf, text, size)
    if align == "C":
        x += (width - drawn) / 2
    elif align == "R":
        x += width - drawn
    pdf.set_text_color(*color)
    if bold:
        pdf.set_draw_color(*color)
        pdf.set_line_width(size * BOLD_STROKE)
        pdf.text_mode = TextMode.FILL_STROKE
    pdf.text(x * PT_PER_MM, baseline * PT_PER_MM, text)
    pdf.text_mode = TextMode.FILL
    return drawn
