"""CBOR-LD value codecs of the default processing model, as @digitalbazaar/cborld 8.1 has them.

A value is encoded according to its *table type*: ``url`` for ``@id``/``@type`` (and their
aliases) and for terms typed ``@id`` or ``@vocab``, the term's ``@type`` otherwise, ``none`` for
untyped terms.

1. If the registry entry has a table for the type and the value is in it, the code is written: as a
   byte string for ``url``, ``none``, xsd:date and xsd:dateTime (1, 2 or 4 bytes, big-endian), as an
   unsigned integer otherwise. A JSON integer of a type that has a table is written as a signed
   big-endian byte string (so it cannot be mistaken for a code).
2. Otherwise a codec of the type may apply:

   - ``url``: a term of the loaded contexts becomes its term id; ``http(s)://rest`` becomes
     ``[1|2, rest]``; ``urn:uuid:`` + a lower-case UUID ``[3, 16 bytes]`` (other UUID text
     ``[3, text]``); a base64 ``data:`` URL ``[4, mediatype, bytes]`` (another ``[4, rest]``);
     ``did:key:`` / ``did:v1:nym:`` URLs ``[1025|1024, authority, fragment?]`` with each
     base58btc multibase part (``z...``) as bytes;
   - ``https://w3id.org/security#multibase``: ``z`` (base58btc), ``u`` (base64url) and ``M``
     (base64pad) values become bytes with the prefix character as first byte;
   - xsd:dateTime: ``YYYY-MM-DDThh:mm:ssZ`` becomes epoch seconds, with ``.sss`` milliseconds
     ``[seconds, milliseconds]``; any other form (an offset, other precision) stays text;
   - xsd:date: ``YYYY-MM-DD`` becomes the epoch seconds of its midnight UTC.
3. Anything else is written as is.

Where cborld's own encoding would lose information (a did:key URL with two ``#``, a base58 value
with whitespace, a negative integer below -128 in a typed table) this encoder writes a lossless
form that cborld decodes correctly instead.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from time import gmtime as _gmtime
from time import strftime as _strftime
from typing import Any, Final

from vic.contexts.errors import MalformedValueError, ParsingError
from vic.did.multibase import base58btc_decode, base58btc_encode, base64url_decode, base64url_encode
from vic.vc.cborld.context import ABSENT, ContextLoader
from vic.vc.cborld.tables import MULTIBASE, URL_SCHEMES, XSD_DATE, XSD_DATETIME
from vic.vc.cborld.urls import js_url_scheme
from vic.vc.jsonio import is_int

__all__ = [
    "UNDECODED",
    "CodecState",
    "decode_value",
    "encode_value",
    "in_js_range",
    "iso_datetime",
    "table_type",
    "uint_bytes",
    "uuid_text",
]

MAX_SAFE_INTEGER: Final = 2**53 - 1
MAX_BASE58_BYTES: Final = 3072
"""Base58 text is quadratic to produce: longer byte strings are refused when decoding."""
_MAX_JS_SECONDS: Final = 8_640_000_000_000  # the range of a JavaScript Date, in seconds


class _Undecoded:
    def __repr__(self) -> str:
        return "UNDECODED"


UNDECODED: Final = _Undecoded()
"""No decoder applies (cborld's ``undefined`` from ``createDecoder``)."""

_REVERSE_SCHEMES: Final = {code: prefix for prefix, code in URL_SCHEMES.items()}
_UUID: Final = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    r"|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff",
    re.IGNORECASE,
)
_NIL_UUID: Final = bytes(16)
_MAX_UUID: Final = b"\xff" * 16
_NOT_LINE_END: Final = "[^\n\r\u2028\u2029]*"
_DATA_BASE64: Final = re.compile(
    f"data:(?P<mediatype>{_NOT_LINE_END});base64,(?P<data>{_NOT_LINE_END})"
)
_DATETIME: Final = re.compile(
    r"(?P<year>\d{4}|[+-]\d{6})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?:\.(?P<ms>\d{3}))?Z"
)
_DATE: Final = re.compile(r"(?P<year>\d{4}|[+-]\d{6})-(?P<month>\d{2})-(?P<day>\d{2})")


@dataclass
class CodecState:
    """What the codecs need from a conversion: tables, the context loader, the legacy flag."""

    type_table: Mapping[str, Mapping[str, int]]
    loader: ContextLoader
    bytes_types: frozenset[str]
    legacy: bool = False
    reverse_table: dict[str, dict[int, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.reverse_table = {
            type_: {code: value for value, code in table.items()}
            for type_, table in self.type_table.items()
        }


def table_type(term: str, definition: Mapping[str, Any], term_type: Any) -> str:
    """cborld's ``getTableType``: ``url``, the term's ``@type``, or ``none``."""
    if (
        term in ("@id", "@type")
        or definition.get("@id") in ("@id", "@type")
        or term_type in ("@id", "@vocab")
    ):
        return "url"
    if term_type is ABSENT or term_type is None:
        return "none"
    if not isinstance(term_type, str):
        raise MalformedValueError("a term's @type must be a string", code="INVALID_TERM_DEFINITION")
    return term_type


# --- integers as bytes ---------------------------------------------------------------------------


def _uint_bytes(value: int) -> bytes:
    if value < 0xFF:
        return value.to_bytes(1, "big")
    if value < 0xFFFF:
        return value.to_bytes(2, "big")
    if value < 0xFFFFFFFF:
        return value.to_bytes(4, "big")
    raise MalformedValueError(f"table code {value} is too large", code="CBORLD_VALUE_TOO_LARGE")


def uint_bytes(value: int) -> bytes:
    """A table code as the encoder writes it for a type written as bytes (1, 2 or 4 bytes).

    :raises MalformedValueError: ``CBORLD_VALUE_TOO_LARGE``.
    """
    return _uint_bytes(value)


def _int_bytes(value: int) -> bytes:
    if value < 0x7F and value >= -0x80:
        return value.to_bytes(1, "big", signed=True)
    if -0x8000 <= value < 0x7FFF:
        return value.to_bytes(2, "big", signed=True)
    if -0x80000000 <= value < 0x7FFFFFFF:
        return value.to_bytes(4, "big", signed=True)
    if -MAX_SAFE_INTEGER <= value < MAX_SAFE_INTEGER:
        return value.to_bytes(8, "big", signed=True)
    raise MalformedValueError(
        f"integer {value} is too large for CBOR-LD", code="CBORLD_VALUE_TOO_LARGE"
    )


def _parse_error(message: str, code: str = "INVALID_CBORLD_VALUE", **detail: Any) -> ParsingError:
    return ParsingError(message, code=code, **detail)


def _uint_from_bytes(value: bytes) -> int:
    if len(value) not in (1, 2, 4):
        raise _parse_error(f"a compressed code of {len(value)} bytes is not 1, 2 or 4 bytes")
    return int.from_bytes(value, "big")


def _int_from_bytes(value: bytes) -> int:
    if len(value) not in (1, 2, 4, 8):
        raise _parse_error(f"a compressed integer of {len(value)} bytes is not 1, 2, 4 or 8")
    number = int.from_bytes(value, "big", signed=True)
    if not -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER:
        raise _parse_error("a compressed integer is too large", code="CBORLD_VALUE_TOO_LARGE")
    return number


# --- dates ---------------------------------------------------------------------------------------


def _days_from_civil(year: int, month: int, day: int) -> int:
    year -= month <= 2
    era = year // 400  # floor division: Hinnant's algorithm with Python's rounding
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719468
    era = days // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (month <= 2), month, day


def _iso(seconds: int, millis: int | None) -> str:
    """JavaScript's ``new Date(ms).toISOString()`` (``.000`` dropped when ``millis`` is None)."""
    days, rest = divmod(seconds, 86400)
    year, month, day = _civil_from_days(days)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    year_text = f"{year:04d}" if 0 <= year <= 9999 else f"{year:+07d}"
    text = f"{year_text}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    return text + (f".{millis:03d}Z" if millis is not None else "Z")


_YEAR_10000: Final = 253402300800
"""Epoch seconds of 10000-01-01T00:00:00Z."""
_ISO_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"


def _in_js_range(seconds: int, millis: int = 0) -> bool:
    return abs(seconds * 1000 + millis) <= _MAX_JS_SECONDS * 1000


def in_js_range(seconds: int) -> bool:
    """Whether epoch ``seconds`` are in the range of a JavaScript Date (a compressed dateTime)."""
    return _in_js_range(seconds)


def iso_datetime(seconds: int) -> str:
    """The xsd:dateTime text of epoch ``seconds`` (in the JavaScript range), as cborld writes it.

    From 1970 to 9999 the C library's ``gmtime`` and ``strftime`` write the same text as
    :func:`_iso` in a third of the time (tests/cborld/test_codecs.py compares them)."""
    if 0 <= seconds < _YEAR_10000:
        return _strftime(_ISO_FORMAT, _gmtime(seconds))
    return _iso(seconds, None)


def _encode_datetime(value: str) -> Any:
    match = _DATETIME.fullmatch(value)
    if match is None:
        return UNDECODED
    year, month, day = (int(match[k]) for k in ("year", "month", "day"))
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return UNDECODED
    seconds = (
        _days_from_civil(year, month, day) * 86400
        + int(match["hour"]) * 3600
        + int(match["minute"]) * 60
        + int(match["second"])
    )
    millis = int(match["ms"]) if match["ms"] is not None else None
    if not _in_js_range(seconds, millis or 0) or _iso(seconds, millis) != value:
        return UNDECODED  # not the canonical text of that instant: cborld keeps it as text
    return seconds if millis is None else [seconds, millis]


def _encode_date(value: str) -> Any:
    match = _DATE.fullmatch(value)
    if match is None:
        return UNDECODED
    year, month, day = (int(match[k]) for k in ("year", "month", "day"))
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return UNDECODED
    seconds = _days_from_civil(year, month, day) * 86400
    if not _in_js_range(seconds) or _iso(seconds, None).partition("T")[0] != value:
        return UNDECODED
    return seconds


def _decode_datetime(value: Any) -> Any:
    if is_int(value):
        if not _in_js_range(value):
            raise _parse_error("a compressed dateTime is out of range")
        return _iso(value, None)
    if isinstance(value, list) and len(value) == 2:
        seconds, millis = value
        if not (is_int(seconds) and is_int(millis) and 0 <= millis <= 999):
            raise _parse_error("a compressed dateTime with milliseconds is malformed")
        if not _in_js_range(seconds, millis):
            raise _parse_error("a compressed dateTime is out of range")
        return _iso(seconds, millis)
    return UNDECODED


def _decode_date(value: Any) -> Any:
    if not is_int(value):
        return UNDECODED
    if not _in_js_range(value):
        raise _parse_error("a compressed date is out of range")
    return _iso(value, None).partition("T")[0]


# --- multibase -----------------------------------------------------------------------------------


def _strict_b64pad(text: str) -> bytes | None:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if base64.b64encode(data).decode("ascii") == text else None


def _encode_multibase(value: Any) -> Any:
    if not isinstance(value, str) or not value or value[0] not in "zuM":
        return UNDECODED
    body: bytes | None
    try:
        if value[0] == "z":
            body = base58btc_decode(value[1:])
        elif value[0] == "u":
            body = base64url_decode(value[1:])
        else:
            body = _strict_b64pad(value[1:])
    except MalformedValueError:
        body = None
    if body is None:
        return UNDECODED  # not canonical: kept as text (cborld would lose the difference)
    return value[0].encode("ascii") + body


def _base58_text(data: bytes) -> str:
    if len(data) > MAX_BASE58_BYTES:
        raise _parse_error(
            f"a base58 value of {len(data)} bytes is longer than {MAX_BASE58_BYTES}",
            code="CBORLD_VALUE_TOO_LARGE",
        )
    return base58btc_encode(data)


def _decode_multibase(value: Any) -> Any:
    if not isinstance(value, bytes) or not value or value[0] not in b"zuM":
        return UNDECODED
    prefix, body = chr(value[0]), value[1:]
    if prefix == "z":
        return "z" + _base58_text(body)
    if prefix == "u":
        return "u" + base64url_encode(body)
    return "M" + base64.b64encode(body).decode("ascii")


# --- URLs ----------------------------------------------------------------------------------------


def _base58_part(text: str) -> Any:
    if text.startswith("z"):
        try:
            return base58btc_decode(text[1:])
        except MalformedValueError:
            pass
    return text


def _encode_did_url(value: str, prefix: str) -> Any:
    suffix = value[len(prefix) :]
    if suffix.count("#") > 1:
        return UNDECODED  # cborld would drop everything after a second '#'
    authority, hash_, fragment = suffix.partition("#")
    out: list[Any] = [URL_SCHEMES[prefix], _base58_part(authority)]
    if hash_:
        out.append(_base58_part(fragment))
    return out


def _encode_data_url(value: str) -> Any:
    match = _DATA_BASE64.fullmatch(value)
    if match is not None:
        data = _strict_b64pad(match["data"])
        if data is not None:
            return [URL_SCHEMES["data:"], match["mediatype"], data]
    return [URL_SCHEMES["data:"], value[len("data:") :]]


def uuid_text(data: bytes) -> str | None:
    """The text of a compressed ``urn:uuid`` (its 16 bytes) as the URL codec writes it, or None
    if the codec refuses those bytes."""
    # what _UUID matches, read off the bytes: the version nibble 1-8 (byte 6) and the variant
    # bits 10 (byte 8), or the nil or max UUID (tests/cborld/test_codecs.py compares the two)
    if len(data) != 16:
        return None
    if not (0x10 <= data[6] < 0x90 and 0x80 <= data[8] < 0xC0) and (
        data != _NIL_UUID and data != _MAX_UUID
    ):
        return None
    text = data.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _encode_uuid_urn(value: str) -> Any:
    rest = value[len("urn:uuid:") :]
    if rest == rest.lower() and _UUID.fullmatch(rest):
        return [URL_SCHEMES["urn:uuid:"], bytes.fromhex(rest.replace("-", ""))]
    return [URL_SCHEMES["urn:uuid:"], rest]


def _encode_url(value: str, state: CodecState) -> Any:
    term_id = state.loader.id_for_term(value)
    if isinstance(term_id, int):
        return term_id
    scheme = js_url_scheme(value)
    if scheme in ("https", "http"):
        prefix = scheme + "://"
        if value.startswith(prefix):
            return [URL_SCHEMES[prefix], value[len(prefix) :]]
        return UNDECODED
    if scheme == "urn:uuid":
        return _encode_uuid_urn(value)
    if scheme == "data":
        return _encode_data_url(value)
    if scheme in ("did:v1:nym", "did:key"):
        return _encode_did_url(value, scheme + ":")
    return UNDECODED


def _did_part(part: Any) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, bytes):
        return "z" + _base58_text(part)
    raise _parse_error("a compressed DID URL part is neither text nor bytes")


def _decode_url(value: Any, state: CodecState) -> Any:
    if isinstance(value, str):
        return UNDECODED
    if isinstance(value, list):
        prefix = _REVERSE_SCHEMES.get(value[0]) if value and is_int(value[0]) else None
        if prefix in ("http://", "https://") and len(value) == 2 and isinstance(value[1], str):
            return prefix + value[1]
        if prefix == "urn:uuid:" and len(value) == 2:
            if isinstance(value[1], str):
                return prefix + value[1]
            if isinstance(value[1], bytes):
                uuid = uuid_text(value[1])
                if uuid is None:
                    raise _parse_error("a compressed urn:uuid is not a valid UUID")
                return prefix + uuid
        if prefix == "data:":
            if len(value) == 3 and isinstance(value[1], str) and isinstance(value[2], bytes):
                return f"data:{value[1]};base64,{base64.b64encode(value[2]).decode('ascii')}"
            if len(value) == 2 and isinstance(value[1], str):
                return "data:" + value[1]
        if prefix in ("did:v1:nym:", "did:key:") and len(value) in (2, 3):
            url = prefix + _did_part(value[1])
            if len(value) == 3:
                url += "#" + _did_part(value[2])
            return url
        raise _parse_error(
            "unknown compressed URL form", code="UNKNOWN_COMPRESSED_VALUE", value=repr(value)[:80]
        )
    if not is_int(value):
        raise _parse_error("a compressed URL is neither text, an array nor a term id")
    term, _ = state.loader.term_for_id(value)
    return term


# --- dispatch ------------------------------------------------------------------------------------


def encode_value(
    value: Any, state: CodecState, term: str, definition: Mapping[str, Any], term_type: Any
) -> Any:
    """The CBOR-LD form of a non-object, non-null ``value`` of ``term`` (may be ``value`` itself).

    :raises MalformedValueError: a non-text value where a URL is required, or an integer too large.
    """
    type_ = table_type(term, definition, term_type)
    if type_ == "url" and not isinstance(value, str):
        raise MalformedValueError(
            f"the value of {term!r} must be a URL string, not {type(value).__name__}",
            code="UNSUPPORTED_JSON_TYPE",
            term=term,
        )
    table = state.type_table.get(type_)
    if table is not None:
        code = table.get(value) if isinstance(value, str) else None
        if code is not None:
            return _uint_bytes(code) if type_ in state.bytes_types else code
        if type_ != "none" and is_int(value):
            return _int_bytes(value)
    encoded: Any = UNDECODED
    if type_ == "url":
        encoded = _encode_url(value, state)
    elif type_ == MULTIBASE:
        encoded = _encode_multibase(value)
    elif type_ == XSD_DATETIME and isinstance(value, str) and "T" in value:
        encoded = _encode_datetime(value)
    elif type_ == XSD_DATE and isinstance(value, str) and "T" not in value:
        encoded = _encode_date(value)
    return value if encoded is UNDECODED else encoded


def decode_value(
    value: Any, state: CodecState, term: str, definition: Mapping[str, Any], term_type: Any
) -> Any:
    """The JSON-LD value of a CBOR-LD ``value`` of ``term``, or :data:`UNDECODED` (an array
    no codec applies to, which the converter then walks).

    :raises ParsingError: an unknown code or term id, a malformed compressed value.
    """
    type_ = table_type(term, definition, term_type)
    reverse = state.reverse_table.get(type_)
    if reverse is not None:
        is_bytes = isinstance(value, bytes)
        uses_bytes = type_ in state.bytes_types
        if (is_bytes and uses_bytes) or (is_int(value) and not uses_bytes):
            code = _uint_from_bytes(value) if is_bytes else value
            decoded = reverse.get(code)
            if decoded is not None:
                return decoded
            if not (state.legacy and type_ == "url" and state.loader.has_term_id(code)):
                raise _parse_error(
                    f"compressed value {code} is not in the {type_} table",
                    code="UNKNOWN_COMPRESSED_VALUE",
                    table=type_,
                )
        elif is_bytes and type_ != "none":
            return _int_from_bytes(value)
    result: Any = UNDECODED
    if type_ == "url":
        result = _decode_url(value, state)
    elif type_ == MULTIBASE:
        result = _decode_multibase(value)
    elif type_ == XSD_DATETIME:
        result = _decode_datetime(value)
    elif type_ == XSD_DATE:
        result = _decode_date(value)
    if result is not UNDECODED:
        return result
    if isinstance(value, list):
        return UNDECODED
    return value
