"""The printed mark's font: Vic Mark Sans, shipped in ``vc/fonts`` and embedded in every PDF.

Vic Mark Sans is a subset of Noto Sans CJK SC (SIL Open Font License 1.1): printable ASCII, the
3,755 level-1 hanzi of GB 2312, every plate character, the labels, the names of
:data:`vic.vc.plate.VEHICLE_TYPES` and the place names of the authorities
(``tools/make_font_subset.py`` makes it). A character it lacks is refused with ``GLYPH_MISSING``,
never dropped or drawn as a box. fontTools is imported inside :func:`font_characters`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

from vic.contexts.errors import UsageError

__all__ = [
    "FONT_FAMILY",
    "FONT_FILE",
    "check_printable",
    "font_characters",
    "font_path",
    "missing_characters",
]

FONT_FAMILY: Final = "VicMarkSans"
"""The family name of the shipped font (and the base of its PostScript name in the PDF)."""
FONT_FILE: Final = "VicMarkSans-Regular.ttf"
"""The shipped font's file name, in the ``vc/fonts`` package data."""


@contextmanager
def font_path() -> Iterator[Path]:
    """The shipped font as a file on disk, while the context lasts."""
    with resources.as_file(resources.files("vic.vc") / "fonts" / FONT_FILE) as path:
        yield path


@cache
def font_characters() -> frozenset[str]:
    """The characters the shipped font can print (its Unicode cmap)."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    with font_path() as path:
        font = TTFont(str(path), lazy=True)
        try:
            cmap: dict[int, str] = font.getBestCmap()
        finally:
            font.close()
    return frozenset(chr(code) for code in cmap)


def missing_characters(text: str) -> str:
    """The characters of ``text`` the shipped font has no glyph for, each once, in order."""
    available = font_characters()
    return "".join(dict.fromkeys(c for c in text if c not in available))


def check_printable(field: str, text: str) -> None:
    """Refuse ``text`` of ``field`` if the font lacks one of its characters.

    :raises UsageError: ``GLYPH_MISSING``, naming the first missing character.
    """
    missing = missing_characters(text)
    if missing:
        character = missing[0]
        name = unicodedata.name(character, "unnamed")
        raise UsageError(
            f"the mark's font has no glyph for {character!r} (U+{ord(character):04X} {name}) "
            f"in {field}: it cannot be printed",
            code="GLYPH_MISSING",
            field=field,
            character=character,
            codepoint=f"U+{ord(character):04X}",
            missing=missing,
        )
