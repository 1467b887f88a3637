"""Reading what a relying party has in hand: a JSON file, barcode text, a photo or a PDF.

Images and PDFs are decoded with zxing-cpp and pdfium, imported only when one is given, so that
``import verifier`` stays light.
"""

from __future__ import annotations

from typing import Final

from vic.contexts.errors import InputTooLargeError

__all__ = ["MAX_INPUT_FILE_BYTES", "credential_text"]

MAX_INPUT_FILE_BYTES: Final = 20 * 1024 * 1024
"""The largest file read as a credential source (photos of a sticker are a few MB)."""

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_PDF = b"%PDF-"


def credential_text(data: bytes) -> bytes | str:
    """What to verify in ``data``: the QR text of an image or PDF, else ``data`` itself.

    :raises InputTooLargeError: more than :data:`MAX_INPUT_FILE_BYTES`.
    :raises ParsingError: an image or PDF without exactly one readable QR code (codes
        ``NO_QR_FOUND``, ``MULTIPLE_QR_FOUND``, ``INVALID_IMAGE``, ``INVALID_PDF``).
    """
    if len(data) > MAX_INPUT_FILE_BYTES:
        raise InputTooLargeError(
            f"input of {len(data)} bytes exceeds the cap of {MAX_INPUT_FILE_BYTES}",
            limit=MAX_INPUT_FILE_BYTES,
        )
    if data.startswith(_PDF):
        from vic.vc.qrimage import read_qr_pdf

        return read_qr_pdf(data)
    if data.startswith((_PNG, _JPEG)) or data[:4] in (b"GIF8", b"RIFF", b"II*\x00", b"MM\x00*"):
        from vic.vc.qrimage import read_qr_image

        return read_qr_image(data)
    return data
