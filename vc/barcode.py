"""The barcode text of a credential: ``VC1-R`` + base45 of its CBOR-LD (W3C VC Barcodes).

VC Barcodes "Encode VC to QR Code": the credential is encoded as CBOR-LD, the bytes in base45
(RFC 9285, the 45 characters of QR alphanumeric mode), and the text is ``VC1-`` followed by the
multibase code of base45, ``R``, and the base45 text. "Decode QR Code to VC" undoes it: the text
must start with ``VC1-R`` exactly. Decoding gives back the JSON-LD credential, whose Data Integrity
proof verifies unchanged (the proof signs the RDF, not the JSON text).

Nothing here verifies: :func:`decode_barcode` only reads. Text as scanned is decoded as is: a
scanner's trailing line break is the caller's to strip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from vic.contexts.errors import DataModelError, InputTooLargeError, ParsingError, UsageError
from vic.contexts.loader import DocumentLoader
from vic.vc import base45, cborld
from vic.vc.cborld import CborLimits, Registry
from vic.vc.datamodel import check_credential

__all__ = [
    "BARCODE_PREFIX",
    "MAX_BARCODE_LENGTH",
    "choose_registry_entry",
    "decode_barcode",
    "encode_barcode",
]

BARCODE_PREFIX: Final = "VC1-R"
"""``VC1-`` and ``R``, the multibase code of base45."""
_VC1: Final = "VC1-"
MAX_BARCODE_LENGTH: Final = 4296
"""The most characters a QR code holds (version 40, level L, alphanumeric mode)."""
_BARCODE_LIMITS: Final = CborLimits(max_bytes=(MAX_BARCODE_LENGTH // 3) * 2 + 1)


def _contexts_of(credential: Mapping[str, Any]) -> list[str]:
    context = credential.get("@context")
    items = context if isinstance(context, list) else [context]
    return [c for c in items if isinstance(c, str)]


def choose_registry_entry(
    credential: Mapping[str, Any], registry: Registry, loader: DocumentLoader | None = None
) -> int:
    """The registry entry that encodes ``credential`` shortest.

    The candidates are the compressed entries whose context table holds every context URL of the
    credential, and entry 1 (no tables) in any case; ties go to the lowest id.

    :raises MalformedValueError: the credential cannot be encoded under any candidate.
    """
    contexts = _contexts_of(credential)
    candidates = [
        entry.entry_id
        for entry in registry
        if entry.compressed
        and entry.entry_id != 1
        and all(c in entry.table("context") for c in contexts)
    ]
    best: tuple[int, int] | None = None
    for entry_id in [*candidates, 1]:
        size = len(
            cborld.encode(credential, registry=registry, registry_entry_id=entry_id, loader=loader)
        )
        if best is None or (size, entry_id) < best:
            best = (size, entry_id)
    assert best is not None
    return best[1]


def encode_barcode(
    credential: Mapping[str, Any],
    registry: Registry,
    loader: DocumentLoader | None = None,
    *,
    registry_entry_id: int | None = None,
) -> str:
    """The ``VC1-R...`` text of ``credential`` for a QR code (alphanumeric mode).

    ``registry_entry_id`` picks the CBOR-LD registry entry; by default the one that encodes the
    credential shortest (:func:`choose_registry_entry`).

    :raises DataModelError: ``credential`` is not a verifiable credential (the data model's
        codes), or ``NOT_SIGNED``: it has no proof (a QR of an unsigned credential proves nothing).
    :raises ParsingError: ``UNKNOWN_REGISTRY_ENTRY``.
    :raises MalformedValueError: the credential cannot be encoded (see
    :func:`vic.vc.cborld.encode`).
    :raises JsonLdError: a context cannot be loaded or processed.
    :raises UsageError: the text would not fit in a QR code.
    """
    check_credential(credential)
    if "proof" not in credential:
        raise DataModelError(
            "the credential has no proof: sign it before it goes into a QR code", code="NOT_SIGNED"
        )
    if registry_entry_id is None:
        registry_entry_id = choose_registry_entry(credential, registry, loader)
    data = cborld.encode(
        credential, registry=registry, registry_entry_id=registry_entry_id, loader=loader
    )
    text = BARCODE_PREFIX + base45.encode(data)
    if len(text) > MAX_BARCODE_LENGTH:
        raise UsageError(
            f"the barcode text has {len(text)} characters; a QR code holds {MAX_BARCODE_LENGTH}"
        )
    return text


def decode_barcode(
    text: str,
    registry: Registry,
    loader: DocumentLoader | None = None,
    *,
    multibase: list[tuple[str, bytes]] | None = None,
) -> dict[str, Any]:
    """The JSON-LD credential of a ``VC1-R...`` barcode text (nothing is verified).

    ``multibase``: see :func:`vic.vc.cborld.decode`.

    :raises ParsingError: ``INVALID_BARCODE_PREFIX`` (not ``VC1-``, or not base45 after it),
        ``INVALID_BASE45``, ``INPUT_TOO_LARGE`` (longer than a QR code holds), and every code of
        :func:`vic.vc.cborld.decode`.
    :raises JsonLdError: the credential's contexts cannot be loaded or processed.
    """
    if not isinstance(text, str):
        raise ParsingError("barcode text must be a string", code="INVALID_BARCODE_PREFIX")
    if len(text) > MAX_BARCODE_LENGTH:
        raise InputTooLargeError(
            f"barcode text of {len(text)} characters is longer than a QR code holds",
            limit=MAX_BARCODE_LENGTH,
        )
    if not text.startswith(BARCODE_PREFIX):
        if text.startswith(_VC1):
            detail = f"multibase code {text[len(_VC1) : len(_VC1) + 1]!r} is not R (base45)"
        else:
            detail = "it does not start with VC1-"
        raise ParsingError(f"not a VC Barcodes QR text: {detail}", code="INVALID_BARCODE_PREFIX")
    data = base45.decode(text[len(BARCODE_PREFIX) :])
    return cborld.decode(
        data, registry=registry, loader=loader, limits=_BARCODE_LIMITS, multibase=multibase
    )
