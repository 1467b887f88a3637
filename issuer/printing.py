"""The printed inspection mark: moved to :mod:`vic.vc.printing` (shared with the wallet).

This module re-exports it so that existing imports keep working.
"""

from vic.vc.printing import (
    FONT_FAMILY,
    FONT_FILE,
    LABELS,
    PAGE_HEIGHT_MM,
    PAGE_WIDTH_MM,
    font_characters,
    missing_characters,
    render_mark_pdf,
    render_signed_mark_pdf,
    valid_until_month,
)

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
