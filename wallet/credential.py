"""Reading a mark the wallet is handed: a JSON file, a JWT, QR text, or a photo/PDF of the QR.

:func:`read_mark` finds the credential in what it is given and checks that it is a vehicle
inspection mark (VC 2.0 data model and the mark's shape). It does not decide whether the mark is
genuine or valid — that is the verifier's job; the wallet reports what it knows at a glance
(:func:`validity_at`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from vic.contexts.errors import InputTooLargeError, MarkShapeError, ParsingError, VicError
from vic.contexts.loader import DocumentLoader
from vic.vc.barcode import BARCODE_PREFIX, decode_barcode
from vic.vc.cborld import Registry
from vic.vc.datamodel import check_credential
from vic.vc.dates import format_datetime, parse_datetime
from vic.vc.jsonio import parse_json_object
from vic.vc.mark import check_mark, is_mark

__all__ = [
    "FORMAT_COSE_BARCODE",
    "FORMAT_JWT",
    "FORMAT_LDP",
    "FORMAT_VC1_BARCODE",
    "MAX_MARK_INPUT_BYTES",
    "ReadMark",
    "iso",
    "read_mark",
    "validity_at",
]

MAX_MARK_INPUT_BYTES: Final = 20 * 1024 * 1024
"""The largest file read as a mark (a photo of a sticker is a few MB)."""

FORMAT_LDP: Final = "ldp_vc"
"""A JSON-LD credential secured with Data Integrity (the JSON download, OpenID4VCI ``ldp_vc``)."""
FORMAT_JWT: Final = "jwt_vc_json"
"""A credential secured as a JWT (OpenID4VCI ``jwt_vc_json``)."""
FORMAT_VC1_BARCODE: Final = "vc1-barcode"
"""The QR text ``VC1-R...`` (W3C VC Barcodes: CBOR-LD in base45)."""
FORMAT_COSE_BARCODE: Final = "cose-barcode"
"""The QR text ``VIC1:...`` (COSE_Sign1 profile)."""

_JWT: Final = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_PNG: Final = b"\x89PNG\r\n\x1a\n"
_JPEG: Final = b"\xff\xd8\xff"
_PDF: Final = b"%PDF-"
_COSE_PREFIX: Final = "VIC1:"


@dataclass(frozen=True)
class ReadMark:
    """A mark as the wallet keeps it: what came in (``content``) and the credential in it."""

    format: str
    content: str
    document: dict[str, Any]
    barcode: str | None
    issuer: str
    vin: str
    plate: str
    valid_from: datetime
    valid_until: datetime

    @property
    def digest(self) -> str:
        """SHA-256 of the credential (its canonical JSON): the same mark is stored once."""
        data = json.dumps(self.document, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(data).hexdigest()

    @property
    def credential_id(self) -> str | None:
        """The credential's ``id``, if it has one."""
        value = self.document.get("id")
        return value if isinstance(value, str) else None


def read_mark(
    data: bytes | str,
    *,
    registry: Registry | None = None,
    loader: DocumentLoader | None = None,
    format_hint: str | None = None,
) -> ReadMark:
    """The mark in ``data``: JSON, a JWT, a ``VC1-R``/``VIC1:`` QR text, or a PNG/JPEG/PDF of
    its QR code. ``registry`` decodes ``VC1-R`` texts (default: the built-in entries).

    :raises InputTooLargeError: more than :data:`MAX_MARK_INPUT_BYTES`.
    :raises ParsingError: not any of these (``NOT_A_MARK_INPUT``), or a malformed JWT, barcode,
        image or PDF (their own codes).
    :raises DataModelError: not a VC 2.0 credential.
    :raises MarkShapeError: a credential, but not a vehicle inspection mark (``NOT_A_MARK``, or the
        code of the field that is wrong).
    """
    if len(data) > MAX_MARK_INPUT_BYTES:
        raise InputTooLargeError(
            f"input of {len(data)} bytes exceeds the cap of {MAX_MARK_INPUT_BYTES}",
            limit=MAX_MARK_INPUT_BYTES,
        )
    if isinstance(data, bytes):
        if data.startswith(_PDF):
            from vic.vc.qrimage import read_qr_pdf

            data = read_qr_pdf(data)
        elif data.startswith((_PNG, _JPEG)) or data[:4] in (b"GIF8", b"RIFF"):
            from vic.vc.qrimage import read_qr_image

            data = read_qr_image(data)
        else:
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                raise ParsingError(
                    "the input is not text, an image or a PDF", code="NOT_A_MARK_INPUT"
                ) from None
    text = data.strip().removeprefix("\ufeff")
    barcode: str | None = None
    if text.startswith(BARCODE_PREFIX):
        document = decode_barcode(text, registry or Registry(), loader)
        kind, barcode = FORMAT_VC1_BARCODE, text
    elif text.startswith(_COSE_PREFIX):
        from vic.vc.cose import decode_sign1
        from vic.vc.qrcose import decode_cose_barcode

        payload = decode_sign1(decode_cose_barcode(text)).payload
        document, kind, barcode = parse_json_object(payload), FORMAT_COSE_BARCODE, text
    elif text.startswith("{"):
        document, kind = parse_json_object(text), FORMAT_LDP
    elif _JWT.match(text):
        document, kind = _jwt_credential(text), FORMAT_JWT
    else:
        raise ParsingError(
            "not a mark: expected JSON, a JWT, VC1-R or VIC1: QR text, or a QR image or PDF",
            code="NOT_A_MARK_INPUT",
        )
    if format_hint is not None and kind in (FORMAT_LDP, FORMAT_JWT) and format_hint != kind:
        raise ParsingError(
            f"the issuer sent a {kind} credential for a {format_hint} request",
            code="FORMAT_MISMATCH",
        )
    info = check_credential(document)
    if not is_mark(document):
        raise MarkShapeError(
            "the credential is not a vehicle inspection mark", code="NOT_A_MARK", issuer=info.issuer
        )
    subject = check_mark(document)
    valid_from = parse_datetime(document["validFrom"], field="validFrom")
    valid_until = parse_datetime(document["validUntil"], field="validUntil")
    return ReadMark(
        format=kind,
        content=text,
        document=document,
        barcode=barcode,
        issuer=info.issuer,
        vin=subject.vin,
        plate=subject.registration_number,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def _b64url(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise ParsingError("a JWT part is not base64url", code="INVALID_JWT") from None


def _jwt_credential(token: str) -> dict[str, Any]:
    """The credential a JWT carries: its claims (vc+jwt), or its ``vc`` claim (VC 1.1 JWTs).

    The signature is not checked here.

    :raises ParsingError: ``INVALID_JWT``.
    """
    header_part, payload_part, _ = token.split(".")
    try:
        header = parse_json_object(_b64url(header_part))
        claims = parse_json_object(_b64url(payload_part))
    except VicError:
        raise ParsingError(
            "a JWT's header or claims are not a JSON object", code="INVALID_JWT"
        ) from None
    if not isinstance(header.get("alg"), str):
        raise ParsingError("the JWT header has no alg", code="INVALID_JWT")
    inner = claims.get("vc")
    if isinstance(inner, Mapping):
        return dict(inner)
    return claims


def validity_at(valid_from: str, valid_until: str, now: datetime) -> str:
    """The mark's validity by its dates alone: ``VALID``, ``EXPIRED`` or ``NOT_YET_VALID``."""
    start = parse_datetime(valid_from, field="validFrom")
    end = parse_datetime(valid_until, field="validUntil")
    if now < start:
        return "NOT_YET_VALID"
    if now > end:
        return "EXPIRED"
    return "VALID"


def iso(moment: datetime) -> str:
    """A UTC timestamp as the store writes it."""
    return format_datetime(moment)
