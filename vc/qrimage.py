"""QR code images: PNG, SVG and terminal rendering; reading QR codes from photos and PDF pages.

Rendering uses ``qrcode`` for the symbol (Pillow writes the PNG; the SVG is written here, one path
on a white background). Text in the base45 / QR alphanumeric alphabet (``VC1-R…``, ``VIC1:…``)
is always put in one alphanumeric segment (5.5 bits a character instead of 8). Reading uses
zxing-cpp on images opened with Pillow, and pypdfium2 to rasterize PDF pages.

The image libraries are heavy, so they are imported inside the functions: importing this module
(or :mod:`verifier`) loads none of them. Reading untrusted files is capped: file size, declared
pixel count (checked from the header, before any pixel is decoded), PDF page count and render size.
See docs/qr-images.md.
"""

from __future__ import annotations

import io
import math
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from vic.contexts.errors import InputTooLargeError, ParsingError, UsageError

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "ECC_LEVELS",
    "MAX_FILE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_PDF_PAGES",
    "QR_ALPHANUMERIC",
    "qr_matrix",
    "qr_mode",
    "qr_version",
    "read_qr_image",
    "read_qr_pdf",
    "render_png",
    "render_svg",
    "render_terminal",
]

ECC_LEVELS: Final = ("L", "M", "Q", "H")
"""QR error correction levels: about 7 %, 15 %, 25 % and 30 % of the symbol recoverable."""
QR_ALPHANUMERIC: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
"""QR's alphanumeric character set; base45's alphabet is exactly these 45 characters."""

MAX_FILE_BYTES: Final = 20 * 1024 * 1024
"""The largest image or PDF file read (a phone photo is 2–10 MB)."""
MAX_IMAGE_PIXELS: Final = 50_000_000
"""The most pixels an image may declare (a 48-megapixel photo passes); checked before decoding."""
MAX_PDF_PAGES: Final = 16
"""With no page given, the first this many pages are searched."""
_PDF_DPI: Final = 300
_PDF_MAX_RENDER_PIXELS: Final = 25_000_000
_JPEG_DRAFT_PIXELS: Final = 16_000_000
"""A JPEG larger than this is decoded at a reduced scale (DCT scaling: cheap, and ample for QR)."""
_IMAGE_FORMATS: Final = ("PNG", "JPEG", "WEBP", "GIF", "BMP")
_BORDER: Final = 4
"""The quiet zone ISO/IEC 18004 asks for, in modules."""

#: PDFium is not thread-safe; every use of it holds this lock.
_PDFIUM_LOCK: Final = threading.Lock()

PathOrFile = str | os.PathLike[str] | IO[bytes]
Source = str | os.PathLike[str] | bytes | bytearray | memoryview


# --- rendering -----------------------------------------------------------------------------------


def _ecc_constant(ecc: str) -> int:
    from qrcode import constants

    levels = {
        "L": constants.ERROR_CORRECT_L,
        "M": constants.ERROR_CORRECT_M,
        "Q": constants.ERROR_CORRECT_Q,
        "H": constants.ERROR_CORRECT_H,
    }
    if ecc not in levels:
        raise UsageError(
            f"error correction must be one of L, M, Q, H, not {ecc!r}", code="INVALID_ECC"
        )
    return int(levels[ecc])


def _build(text: str, ecc: str) -> Any:
    """A fitted ``qrcode.QRCode`` holding ``text`` in one segment (alphanumeric when it can)."""
    import qrcode
    from qrcode.exceptions import DataOverflowError
    from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, QRData

    if not isinstance(text, str) or not text:
        raise UsageError("QR text must be a non-empty string", code="EMPTY_QR_TEXT")
    qr = qrcode.QRCode(error_correction=_ecc_constant(ecc), border=_BORDER)
    if all(c in QR_ALPHANUMERIC for c in text):
        qr.add_data(QRData(text, mode=MODE_ALPHA_NUM))
    else:
        qr.add_data(QRData(text.encode("utf-8"), mode=MODE_8BIT_BYTE))
    try:
        qr.make(fit=True)
    except (DataOverflowError, ValueError) as exc:
        # qrcode signals "past version 40" as DataOverflowError or as ValueError("Invalid
        # version ..."), depending on where fitting stops; any other ValueError is a bug.
        if isinstance(exc, ValueError) and "version" not in str(exc):
            raise
        raise UsageError(
            f"{len(text)} characters do not fit a QR code at error correction {ecc}",
            code="QR_CAPACITY_EXCEEDED",
        ) from None
    return qr


def qr_mode(text: str, ecc: str = "M") -> str:
    """The encoding mode the QR of ``text`` uses: ``"alphanumeric"`` or ``"byte"``."""
    from qrcode.util import MODE_ALPHA_NUM

    modes = {d.mode for d in _build(text, ecc).data_list}
    return "alphanumeric" if modes == {MODE_ALPHA_NUM} else "byte"


def qr_version(text: str, ecc: str = "M") -> int:
    """The QR version (1–40) ``text`` needs at error correction ``ecc``.

    :raises UsageError: code ``INVALID_ECC``, ``EMPTY_QR_TEXT`` or ``QR_CAPACITY_EXCEEDED``.
    """
    return int(_build(text, ecc).version)


def qr_matrix(text: str, ecc: str = "M", *, border: int = _BORDER) -> list[list[bool]]:
    """The symbol's modules (True is dark), with a quiet zone of ``border`` modules.

    :raises UsageError: as :func:`qr_version`.
    """
    modules = _build(text, ecc).modules
    size = len(modules)
    blank = [False] * (size + 2 * border)
    rows = [list(blank) for _ in range(border)]
    rows += [[False] * border + [bool(m) for m in row] + [False] * border for row in modules]
    rows += [list(blank) for _ in range(border)]
    return rows


def _write(data: bytes, path_or_file: PathOrFile) -> None:
    if isinstance(path_or_file, str | os.PathLike):
        Path(path_or_file).write_bytes(data)
    else:
        path_or_file.write(data)


def render_png(text: str, path_or_file: PathOrFile, *, ecc: str = "M", scale: int = 8) -> None:
    """Write the QR of ``text`` as a black-on-white PNG, ``scale`` pixels per module.

    :raises UsageError: as :func:`qr_version`, or a ``scale`` below 1.
    """
    from PIL import Image

    if scale < 1:
        raise UsageError("scale must be at least 1 pixel per module", code="INVALID_SCALE")
    matrix = qr_matrix(text, ecc)
    size = len(matrix)
    image = Image.new("1", (size, size), 1)
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    if scale > 1:
        image = image.resize((size * scale, size * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    _write(out.getvalue(), path_or_file)


def render_svg(text: str, path_or_file: PathOrFile, *, ecc: str = "M", scale: int = 8) -> None:
    """Write the QR of ``text`` as an SVG: a white square and one dark path, ``scale`` px/module.

    :raises UsageError: as :func:`render_png`.
    """
    if scale < 1:
        raise UsageError("scale must be at least 1 pixel per module", code="INVALID_SCALE")
    matrix = qr_matrix(text, ecc)
    size = len(matrix)
    runs: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {size} {size}" '
        f'width="{size * scale}" height="{size * scale}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#ffffff"/>'
        f'<path fill="#000000" d="{"".join(runs)}"/></svg>\n'
    )
    _write(svg.encode("ascii"), path_or_file)


def render_terminal(text: str, ecc: str = "M", *, border: int = 2, invert: bool = True) -> str:
    """The QR of ``text`` in Unicode half blocks, two module rows per line of text.

    With ``invert`` (the default, for light-on-dark terminals) light modules are drawn and dark
    ones left blank, so the terminal's dark background forms the dark modules; pass
    ``invert=False`` for dark-on-light terminals. Scanners read a quiet zone of 2 modules
    (``border``) reliably; ISO/IEC 18004 asks for 4.

    :raises UsageError: as :func:`qr_version`.
    """
    matrix = qr_matrix(text, ecc, border=border)
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    glyphs = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
    lines = []
    for top, bottom in zip(matrix[0::2], matrix[1::2], strict=True):
        lines.append(
            "".join(glyphs[(t != invert, b != invert)] for t, b in zip(top, bottom, strict=True))
        )
    return "\n".join(lines) + "\n"


# --- reading -------------------------------------------------------------------------------------


def _read_source(source: Source, what: str) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise InputTooLargeError(
                    f"the {what} file of {size} bytes exceeds the cap of {MAX_FILE_BYTES}",
                    size=size,
                    limit=MAX_FILE_BYTES,
                )
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ParsingError(
                f"cannot read the {what} file {path}: {exc.strerror or exc}", code="UNREADABLE_FILE"
            ) from None
    else:
        raise UsageError(f"a {what} is given as a path or bytes", code="INVALID_SOURCE")
    if len(data) > MAX_FILE_BYTES:
        raise InputTooLargeError(
            f"the {what} of {len(data)} bytes exceeds the cap of {MAX_FILE_BYTES}",
            size=len(data),
            limit=MAX_FILE_BYTES,
        )
    return data


def _check_pixels(width: int, height: int, limit: int) -> None:
    if width * height > limit:
        raise InputTooLargeError(
            f"the image of {width}x{height} pixels exceeds the cap of {limit} pixels",
            size=width * height,
            limit=limit,
        )


def _open_image(data: bytes, max_pixels: int) -> Image:
    """Decode ``data`` to an 8-bit grayscale image, transparency flattened onto white."""
    from PIL import Image, UnidentifiedImageError

    try:
        opened = Image.open(io.BytesIO(data), formats=_IMAGE_FORMATS)
        _check_pixels(opened.width, opened.height, max_pixels)
        if opened.format == "JPEG" and opened.width * opened.height > _JPEG_DRAFT_PIXELS:
            opened.draft("L", (opened.width // 2, opened.height // 2))
        opened.load()
        if opened.mode in ("RGBA", "LA", "PA") or "transparency" in opened.info:
            rgba = opened.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(white, rgba).convert("L")
        return opened.convert("L")
    except UnidentifiedImageError:
        raise ParsingError(
            "not an image in a supported format (PNG, JPEG, WebP, GIF, BMP)",
            code="INVALID_IMAGE",
        ) from None
    except Image.DecompressionBombError:
        raise InputTooLargeError("the image declares too many pixels") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ParsingError(f"the image cannot be decoded: {exc}", code="INVALID_IMAGE") from None


def _decode_symbols(image: Image) -> list[str]:
    """The distinct texts of the QR codes zxing-cpp finds in ``image``, in reading order."""
    import zxingcpp

    found: list[str] = []
    for barcode in zxingcpp.read_barcodes(
        image,
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        text_mode=zxingcpp.TextMode.Plain,
    ):
        if barcode.valid and barcode.text not in found:
            found.append(barcode.text)
    return found


def _one(texts: Iterable[str], where: str) -> str:
    distinct = list(dict.fromkeys(texts))
    if not distinct:
        raise ParsingError(f"no QR code was found in the {where}", code="NO_QR_FOUND")
    if len(distinct) > 1:
        raise ParsingError(
            f"{len(distinct)} different QR codes were found in the {where}; "
            "show one QR code at a time",
            code="MULTIPLE_QR_FOUND",
            count=len(distinct),
        )
    return distinct[0]


def read_qr_image(source: Source, *, max_pixels: int = MAX_IMAGE_PIXELS) -> str:
    """The text of the one QR code in an image (PNG, JPEG, WebP, GIF or BMP; path or bytes).

    The same code seen twice counts once.

    :raises InputTooLargeError: the file exceeds :data:`MAX_FILE_BYTES` or the image declares
        more than ``max_pixels`` pixels.
    :raises ParsingError: code ``INVALID_IMAGE`` (not a supported image, or corrupt),
        ``UNREADABLE_FILE``, ``NO_QR_FOUND`` or ``MULTIPLE_QR_FOUND``.
    """
    image = _open_image(_read_source(source, "image"), max_pixels)
    return _one(_decode_symbols(image), "image")


def read_qr_pdf(source: Source, page: int | None = None) -> str:
    """The text of the one QR code on a PDF page (path or bytes).

    ``page`` is 0-based; with None the pages are searched in order (at most
    :data:`MAX_PDF_PAGES`) and the first page with a QR code answers. Pages are rendered at
    300 dpi, less for a page so large that it would exceed 25 megapixels.

    :raises InputTooLargeError: the file exceeds :data:`MAX_FILE_BYTES`.
    :raises ParsingError: code ``INVALID_PDF`` (not a PDF, corrupt or encrypted),
        ``UNREADABLE_FILE``, ``NO_QR_FOUND`` or ``MULTIPLE_QR_FOUND`` (on the page searched).
    :raises UsageError: code ``PAGE_OUT_OF_RANGE``.
    """
    import pypdfium2

    data = _read_source(source, "PDF")
    with _PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as exc:
            raise ParsingError(f"not a readable PDF: {exc}", code="INVALID_PDF") from None
        try:
            count = len(document)
            if page is not None:
                if isinstance(page, bool) or not 0 <= page < count:
                    raise UsageError(
                        f"page {page} is not in a document of {count} pages",
                        code="PAGE_OUT_OF_RANGE",
                    )
                return _one(_decode_symbols(_render_page(document, page)), f"PDF page {page}")
            for index in range(min(count, MAX_PDF_PAGES)):
                texts = _decode_symbols(_render_page(document, index))
                if texts:
                    return _one(texts, f"PDF page {index}")
            searched = min(count, MAX_PDF_PAGES)
            raise ParsingError(
                f"no QR code was found on the first {searched} page(s) of the PDF",
                code="NO_QR_FOUND",
            )
        finally:
            document.close()


def _render_page(document: Any, index: int) -> Image:
    import pypdfium2

    try:
        page = document[index]
        try:
            width, height = page.get_size()
            scale = _PDF_DPI / 72
            area = max(width * height, 1.0)
            scale = min(scale, math.sqrt(_PDF_MAX_RENDER_PIXELS / area))
            bitmap = page.render(scale=scale, grayscale=True, fill_color=(255, 255, 255, 255))
            image: Image = bitmap.to_pil().convert("L")
            return image
        finally:
            page.close()
    except pypdfium2.PdfiumError as exc:
        raise ParsingError(
            f"PDF page {index} cannot be rendered: {exc}", code="INVALID_PDF"
        ) from None
