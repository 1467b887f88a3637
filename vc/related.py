"""``relatedResource`` (VC 2.0 section 5.3, integrity of related resources).

Each value is an object with an ``id`` (a URL, unique among them) and at least one of
``digestSRI`` (a Subresource Integrity hash expression: ``sha256-``, ``sha384-`` or ``sha512-``
and standard base64) and ``digestMultibase`` (multibase ``u`` base64url or ``z`` base58btc of a
SHA-2 multihash, or of a bare SHA-256/384/512 digest, as the W3C suite's fixtures have it);
``mediaType``, when present, is a string. Where vic holds the resource itself — the JSON-LD
contexts it bundles — every digest given must match those bytes; other resources are never
fetched, so their digests are checked for form only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from vic.contexts.errors import DataModelError, UnknownContextError
from vic.contexts.loader import context_bytes
from vic.vc.iri import is_absolute_iri

__all__ = ["check_related_resources"]

_SRI: Final = re.compile(r"(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})")
_SRI_HASHES: Final = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_SRI_SIZES: Final = {"sha256": 32, "sha384": 48, "sha512": 64}
#: multihash code -> (hash, digest size)
_MULTIHASH: Final = {
    0x12: (hashlib.sha256, 32),
    0x20: (hashlib.sha384, 48),
    0x13: (hashlib.sha512, 64),
}
_BARE: Final = {32: hashlib.sha256, 48: hashlib.sha384, 64: hashlib.sha512}
_BASE58: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

Digest = tuple[Callable[[bytes], Any], bytes]
"""A hash function and the digest it must give."""


def _error(message: str, code: str = "INVALID_RELATED_RESOURCE") -> DataModelError:
    return DataModelError(message, code=code)


def _sri(value: Any) -> list[Digest]:
    if not isinstance(value, str):
        raise _error("digestSRI must be a string", code="INVALID_DIGEST")
    digests: list[Digest] = []
    for expression in value.split():  # SRI allows several, space-separated
        match = _SRI.fullmatch(expression)
        if match is None:
            raise _error(
                f"digestSRI {expression!r} is not sha256-, sha384- or sha512- and base64",
                code="INVALID_DIGEST",
            )
        name, encoded = match.groups()
        try:
            digest = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise _error(f"digestSRI {expression!r} is not base64", code="INVALID_DIGEST") from None
        if len(digest) != _SRI_SIZES[name]:
            raise _error(f"digestSRI {expression!r} has the wrong length", code="INVALID_DIGEST")
        digests.append((_SRI_HASHES[name], digest))
    if not digests:
        raise _error("digestSRI is empty", code="INVALID_DIGEST")
    return digests


def _base58(text: str) -> bytes:
    number = 0
    for char in text:
        index = _BASE58.find(char)
        if index < 0:
            raise ValueError("not base58btc")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\x00" * (len(text) - len(text.lstrip("1"))) + body


def _multibase(value: Any) -> Digest:
    if not isinstance(value, str) or len(value) < 2 or len(value) > 200:
        raise _error("digestMultibase must be a multibase string", code="INVALID_DIGEST")
    prefix, body = value[0], value[1:]
    try:
        if prefix == "u":
            if not re.fullmatch(r"[A-Za-z0-9_-]+", body):
                raise ValueError("not base64url")
            data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        elif prefix == "z":
            data = _base58(body)
        else:
            raise ValueError(f"multibase prefix {prefix!r} (use u or z)")
    except (binascii.Error, ValueError) as exc:
        raise _error(f"digestMultibase {value!r}: {exc}", code="INVALID_DIGEST") from None
    if len(data) >= 2 and data[0] in _MULTIHASH and data[1] == len(data) - 2:
        hasher, size = _MULTIHASH[data[0]]
        if size == len(data) - 2:
            return hasher, data[2:]
    if len(data) in _BARE:
        return _BARE[len(data)], data
    raise _error(
        f"digestMultibase {value!r} is neither a SHA-2 multihash nor a SHA-2 digest",
        code="INVALID_DIGEST",
    )


def _held(url: str) -> bytes | None:
    try:
        return context_bytes(url)
    except UnknownContextError:
        return None


def check_related_resources(
    credential: Mapping[str, Any], held: Callable[[str], bytes | None] = _held
) -> None:
    """Check ``relatedResource``, if present.

    ``held`` gives the bytes of a resource vic holds (default: the bundled contexts), else None.

    :raises DataModelError: ``INVALID_RELATED_RESOURCE`` (not objects, no ``id`` URL, a
        ``mediaType`` that is not a string), ``DUPLICATE_RELATED_RESOURCE``, ``MISSING_DIGEST``,
        ``INVALID_DIGEST`` (a malformed digest) or ``DIGEST_MISMATCH`` (a digest of a resource
        vic holds that does not match it).
    """
    if "relatedResource" not in credential:
        return
    value = credential["relatedResource"]
    items = value if isinstance(value, list) else [value]
    if not items:
        raise _error("relatedResource must be one or more objects")
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, Mapping):
            raise _error("each relatedResource must be an object with an id and a digest")
        resource = item.get("id")
        if not isinstance(resource, str) or not is_absolute_iri(resource):
            raise _error("each relatedResource needs an id that is a URL")
        if resource in seen:
            raise _error(
                f"relatedResource {resource} appears twice", code="DUPLICATE_RELATED_RESOURCE"
            )
        seen.add(resource)
        if "mediaType" in item and not isinstance(item["mediaType"], str):
            raise _error("relatedResource mediaType must be a string")
        digests: list[Digest] = []
        if "digestSRI" in item:
            digests.extend(_sri(item["digestSRI"]))
        if "digestMultibase" in item:
            values = item["digestMultibase"]
            for one in values if isinstance(values, list) else [values]:
                digests.append(_multibase(one))
        if not digests:
            raise _error(
                f"relatedResource {resource} has neither digestSRI nor digestMultibase",
                code="MISSING_DIGEST",
            )
        data = held(resource)
        if data is None:
            continue
        for hasher, expected in digests:
            if not hmac.compare_digest(hasher(data).digest(), expected):
                raise _error(
                    f"a digest of relatedResource {resource} does not match the resource",
                    code="DIGEST_MISMATCH",
                )
