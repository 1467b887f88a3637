"""JSON-LD <-> CBOR-LD: the converter (the compressing and decompressing walks, the entry points).

Encoding writes the CBOR-LD 1.0 form, tag 0xCB1D around ``[registryEntryId, payload]``; the
pre-1.0 forms can be written too (``legacy-range``: tags 0x0600-0x06FF with the registry entry id as
a varint whose first byte is in the tag; ``legacy-singleton``: tags 0x0500/0x0501 with cborld's
legacy global tables), so that vic can check it reads them exactly as it would write them.
Decoding reads all three. The tag forms themselves (:class:`CborldFormat`, the header, the
prefix written before a payload) are :mod:`vic.vc.cborld.tagforms`.

Both directions walk the document as @digitalbazaar/cborld 8.1 does (see
:mod:`vic.vc.cborld.context` for how term ids come about, :mod:`vic.vc.cborld.codecs` for values):
for each
object, its embedded contexts, then its types' type-scoped contexts, then its keys in sorted order,
each with its property-scoped context, recursively.

Guarantees:

- :func:`encode` is lossless: it decodes what it wrote and raises if the document does not come
  back identical (a document no CBOR-LD encoding can carry faithfully, such as a ``null``
  context, a number where a URL is required, a list of lists in a URL-typed term);
- :func:`decode` is canonical: it refuses bytes that are not exactly the encoding of the document
  they decode to, so every document has one CBOR-LD form per registry entry and a changed byte
  either changes the document or is rejected. The walk shows it for a compressed CBOR-LD 1.0
  payload (every key, value, context and type is what the encoder would write at that point; the
  bytes are the canonical CBOR of the payload); otherwise :func:`decode` re-encodes and compares;
  a payload whose shape the walk has already shown once is decoded by the plan it recorded
  (:mod:`vic.vc.cborld.decodeplan`), which gives the same document and leaves anything else,
  and every error, to the walk;
- :func:`decode` is bounded (:class:`vic.vc.cborld.cbor.CborLimits`) and raises only vic's errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from vic.contexts.errors import MalformedValueError, ParsingError, VicError
from vic.contexts.loader import DocumentLoader
from vic.vc.cborld import cbor, decodeplan
from vic.vc.cborld.cbor import DEFAULT_LIMITS, CborLimits
from vic.vc.cborld.codecs import UNDECODED, CodecState, decode_value, encode_value
from vic.vc.cborld.context import (
    ABSENT,
    ActiveContext,
    ContextLoader,
    js_sorted,
    js_truthy,
    utf16_key,
)
from vic.vc.cborld.registry import Registry, RegistryEntry
from vic.vc.cborld.tables import (
    CONTEXT_TERM_ID,
    CRYPTOSUITE_STRING,
    LEGACY_CRYPTOSUITE_TABLE,
    LEGACY_STRING_TABLE,
    TYPES_ENCODED_AS_BYTES,
    TYPES_ENCODED_AS_BYTES_LEGACY,
)
from vic.vc.cborld.tagforms import CborldFormat, CborldHeader, read_tagged, tag_prefix

__all__ = ["decode", "encode"]

MAX_DOCUMENT_DEPTH: Final = 64
CONTEXT_TERM_ID_PLURAL: Final = CONTEXT_TERM_ID + 1

_default_loader = DocumentLoader()
_ALWAYS_REENCODE = False
"""Check every decoded payload by re-encoding it (the tests set it to compare both checks)."""
_USE_PLANS = True
"""Decode by the compiled plans of :mod:`vic.vc.cborld.decodeplan` where one applies (the tests
turn it off to compare with the walk)."""


# --- type tables ---------------------------------------------------------------------------------


def _type_table(entry: RegistryEntry) -> dict[str, Mapping[str, int]]:
    tables: dict[str, Mapping[str, int]] = dict(entry.type_tables)
    for core in ("context", "url", "none"):
        tables.setdefault(core, {})
    return tables


def _legacy_type_table() -> dict[str, Mapping[str, int]]:
    return {
        "context": LEGACY_STRING_TABLE,
        "url": LEGACY_STRING_TABLE,
        "none": LEGACY_STRING_TABLE,
        CRYPTOSUITE_STRING: LEGACY_CRYPTOSUITE_TABLE,
    }


# --- compression ---------------------------------------------------------------------------------


def _holds_object(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(_holds_object(v) for v in value)


def _value_context(
    active: ActiveContext, term: str, definition: Mapping[str, Any], value: Any
) -> ActiveContext:
    """The active context for the values of ``term``.

    cborld applies the property-scoped context for every key. Loading a scoped context assigns
    term ids, so it is always done; without one the result matters only to nested objects, so it
    is built only for them (scalar values never consult the active context).
    """
    if "@context" in definition or _holds_object(value):
        return active.apply_property_scoped(term)
    return active


def _unencodable(message: str, **detail: Any) -> MalformedValueError:
    return MalformedValueError(message, code="CBORLD_UNENCODABLE", **detail)


class _Compressor:
    def __init__(
        self, type_table: Mapping[str, Mapping[str, int]], loader: DocumentLoader, legacy: bool
    ) -> None:
        self.contexts = ContextLoader(loader, reverse=False)
        self.state = CodecState(
            type_table,
            self.contexts,
            TYPES_ENCODED_AS_BYTES_LEGACY if legacy else TYPES_ENCODED_AS_BYTES,
            legacy,
        )
        self.context_table = type_table.get("context", {})

    def run(self, document: Mapping[str, Any]) -> dict[int | str, Any]:
        return self._object(ActiveContext.initial(self.contexts), document, 0)

    def _context(self, value: Any) -> Any:
        if isinstance(value, str):
            code = self.context_table.get(value)
            return value if code is None else code
        if isinstance(value, dict):
            return value
        raise _unencodable(f"a @context entry must be a URL or an object, not {value!r}")

    def _object(self, active: ActiveContext, obj: Mapping[str, Any], depth: int) -> dict[Any, Any]:
        if depth > MAX_DOCUMENT_DEPTH:
            raise _unencodable(f"the document nests deeper than {MAX_DOCUMENT_DEPTH}")
        output: dict[int | str, Any] = {}
        context = obj.get("@context", ABSENT)
        active = active.apply_embedded(context)
        if js_truthy(context):
            if isinstance(context, list):
                output[CONTEXT_TERM_ID_PLURAL] = [self._context(c) for c in context]
            else:
                output[CONTEXT_TERM_ID] = self._context(context)
        elif context is not ABSENT:
            raise _unencodable(f"@context {context!r} cannot be encoded (cborld drops it)")
        types: list[Any] = []
        for term in active.type_terms:
            value = obj.get(term, ABSENT)
            if value is not ABSENT:
                types.extend(value if isinstance(value, list) else [value])
        active = active.apply_type_scoped(types)
        entries = []
        for key in js_sorted(obj):
            if key == "@context":
                continue
            value = obj[key]
            plural = isinstance(value, list)
            entries.append((key, self.contexts.id_for_term(key, plural), plural, value))
        for key, term_id, plural, value in entries:
            definition = active.definition(key)
            value_active = _value_context(active, key, definition, value)
            term_type = definition.get("@type", ABSENT)
            values = value if plural else [value]
            outs = [self._value(value_active, term_type, v, key, definition, depth) for v in values]
            output[term_id] = outs if plural else outs[0]
        return output

    def _value(
        self,
        active: ActiveContext,
        term_type: Any,
        value: Any,
        term: str,
        definition: Mapping[str, Any],
        depth: int,
    ) -> Any:
        if value is None:
            return None
        if isinstance(value, list):
            if depth > MAX_DOCUMENT_DEPTH:
                raise _unencodable(f"the document nests deeper than {MAX_DOCUMENT_DEPTH}")
            return [self._value(active, term_type, v, term, definition, depth + 1) for v in value]
        if isinstance(value, dict):
            return self._object(active, value, depth + 1)
        return encode_value(value, self.state, term, definition, term_type)


# --- decompression -------------------------------------------------------------------------------


def _payload_error(
    message: str, code: str = "INVALID_CBORLD_PAYLOAD", **detail: Any
) -> ParsingError:
    return ParsingError(message, code=code, **detail)


def _map_to_object(value: Any) -> Any:
    if isinstance(value, list):
        return [_map_to_object(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _map_to_object(v) for k, v in value.items()}
    return value


def _string_types(values: Any) -> set[str]:
    return {value for value in values if isinstance(value, str)}


class _Decompressor:
    def __init__(
        self, type_table: Mapping[str, Mapping[str, int]], loader: DocumentLoader, legacy: bool
    ) -> None:
        self.contexts = ContextLoader(loader, reverse=True)
        self.state = CodecState(
            type_table,
            self.contexts,
            TYPES_ENCODED_AS_BYTES_LEGACY if legacy else TYPES_ENCODED_AS_BYTES,
            legacy,
        )
        self.reverse_contexts = self.state.reverse_table.get("context", {})
        self.context_table = type_table.get("context", {})
        self.canonical = True
        """Whether every step so far is the one the encoder would take on the decoded document
        (:func:`decode` then needs no re-encode; False only means "not shown", never "refused")."""

    def run(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise _payload_error("a compressed CBOR-LD payload must be a map")
        return self._object(ActiveContext.initial(self.contexts), payload)

    def _context(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            url = self.reverse_contexts.get(value)
            if url is None:
                raise _payload_error(
                    f"undefined compressed context {value}", code="UNKNOWN_CONTEXT_CODE"
                )
            if self.context_table.get(url) != value:
                self.canonical = False
            return url
        if isinstance(value, float):
            raise _payload_error(
                f"undefined compressed context {value}", code="UNKNOWN_CONTEXT_CODE"
            )
        decoded = _map_to_object(value)
        if not isinstance(decoded, str | dict):
            raise _payload_error(
                "an encoded context is not a URL, a code or an object",
                code="INVALID_ENCODED_CONTEXT",
            )
        if isinstance(decoded, str) and decoded in self.context_table:
            self.canonical = False  # the encoder writes the code
        elif isinstance(decoded, dict) and not _same(decoded, value):
            self.canonical = False  # integer keys made text
        return decoded

    def _object(self, active: ActiveContext, payload: dict[Any, Any]) -> dict[str, Any]:
        output: dict[str, Any] = {}
        single = payload.get(CONTEXT_TERM_ID, ABSENT)
        plural = payload.get(CONTEXT_TERM_ID_PLURAL, ABSENT)
        if (single is not ABSENT and not js_truthy(single)) or (
            plural is not ABSENT and not js_truthy(plural)
        ):
            self.canonical = False  # the encoder writes no empty context
        if js_truthy(single):
            output["@context"] = self._context(single)
        if js_truthy(plural):
            if js_truthy(single):
                raise _payload_error(
                    "both the singular and plural @context ids are present",
                    code="INVALID_ENCODED_CONTEXT",
                )
            if not isinstance(plural, list):
                raise _payload_error(
                    "the plural @context value is not an array", code="INVALID_ENCODED_CONTEXT"
                )
            output["@context"] = [self._context(v) for v in plural]
        active = active.apply_embedded(output.get("@context", ABSENT))
        type_terms = active.type_terms
        types = self._types(active, payload)
        active = active.apply_type_scoped(types)
        entries = []
        for key, value in payload.items():
            if key in (CONTEXT_TERM_ID, CONTEXT_TERM_ID_PLURAL):
                continue
            term, is_plural = self.contexts.term_for_id(key)
            entries.append((term, is_plural, value, key))
        entries.sort(key=lambda e: utf16_key(e[0]))
        if self.canonical:
            self._check_keys(entries)
        for term, is_plural, value, _ in entries:
            definition = active.definition(term)
            value_active = _value_context(active, term, definition, value)
            term_type = definition.get("@type", ABSENT)
            if is_plural and not isinstance(value, list):
                raise _payload_error(f"the plural value of {term!r} is not an array")
            values = value if is_plural else [value]
            outs = [self._value(value_active, term_type, v, term, definition) for v in values]
            output[term] = outs if is_plural else outs[0]
            if not is_plural and isinstance(output[term], list):
                self.canonical = False  # the encoder writes a list under the plural id
        if self.canonical and _string_types(types) != _string_types(
            item
            for term in type_terms
            if term in output
            for item in (output[term] if isinstance(output[term], list) else [output[term]])
        ):
            self.canonical = False  # the encoder would apply other type-scoped contexts
        return output

    def _types(self, active: ActiveContext, payload: dict[Any, Any]) -> list[Any]:
        """The object's types, which select its type-scoped contexts (read from ``payload`` at
        the ids of the type terms: :meth:`_type_value` is the one place a key is looked at)."""
        types: list[Any] = []
        for type_term in active.type_terms:
            term_id = self.contexts.id_for_term(type_term)
            value = self._type_value(payload, term_id)
            if value is None or value is ABSENT:
                plural_id = term_id + 1 if isinstance(term_id, int) else term_id + "1"
                value = self._type_value(payload, plural_id)
                if value is ABSENT:
                    continue
            term, _ = self.contexts.term_for_id(term_id)
            definition = active.definition(term)
            for item in value if isinstance(value, list) else [value]:
                if item is None:
                    raise _payload_error("a type value is null", code="INVALID_CBORLD_VALUE")
                decoded = decode_value(item, self.state, term, definition, "@vocab")
                types.append(item if decoded is UNDECODED else decoded)
        return types

    def _type_value(self, payload: dict[Any, Any], key: Any) -> Any:
        """The payload's value at ``key`` (``ABSENT`` when it has none) as :meth:`_types` reads
        it."""
        return payload.get(key, ABSENT)

    def _check_keys(self, entries: list[tuple[str, bool, Any, Any]]) -> None:
        """Each key must be the id the encoder gives its term now (the term itself when it has
        no id), and each term must come once."""
        terms = [term for term, _, _, _ in entries]
        if len(set(terms)) != len(terms):
            self.canonical = False
            return
        for term, is_plural, _, key in entries:
            expected = self.contexts.id_for_term(term, is_plural)
            if type(expected) is not type(key) or expected != key:
                self.canonical = False
                return

    def _value(
        self,
        active: ActiveContext,
        term_type: Any,
        value: Any,
        term: str,
        definition: Mapping[str, Any],
    ) -> Any:
        if value is None:
            return None
        if isinstance(value, dict):
            return self._object(active, value)
        decoded = decode_value(value, self.state, term, definition, term_type)
        if decoded is not UNDECODED:
            if self.canonical:
                self._check_value(decoded, value, term, definition, term_type)
            return decoded
        return [self._value(active, term_type, v, term, definition) for v in value]

    def _check_value(
        self, decoded: Any, raw: Any, term: str, definition: Mapping[str, Any], term_type: Any
    ) -> None:
        """The encoder, at this same point of the walk, must write ``raw`` for ``decoded``."""
        if isinstance(decoded, list | dict):
            self.canonical = False
            return
        try:
            again = encode_value(decoded, self.state, term, definition, term_type)
        except Exception:  # any failure only means "not shown": the re-encode then decides
            self.canonical = False
            return
        if not _same(again, raw):
            self.canonical = False


# --- JSON checks ---------------------------------------------------------------------------------


def _check_json(value: Any, depth: int = 0, *, where: str = "document") -> None:
    if depth > MAX_DOCUMENT_DEPTH:
        raise _unencodable(f"the {where} nests deeper than {MAX_DOCUMENT_DEPTH}")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise _unencodable(f"the {where} has a non-string object key {key!r}")
            _check_json(item, depth + 1, where=where)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1, where=where)
    elif value is not None and not isinstance(value, str | int | float):
        raise _unencodable(f"the {where} holds a {type(value).__name__}, not a JSON value")


def _same(a: Any, b: Any) -> bool:
    """JSON equality that tells ints, floats and booleans apart."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _check_output(value: Any) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _check_output(item)
    elif isinstance(value, list):
        for item in value:
            _check_output(item)
    elif isinstance(value, bytes):
        raise _payload_error(
            "the decoded document holds bytes, which JSON cannot", code="INVALID_CBORLD_VALUE"
        )


# --- entry points --------------------------------------------------------------------------------


def _encode(
    document: Mapping[str, Any],
    entry: RegistryEntry | None,
    fmt: CborldFormat,
    loader: DocumentLoader,
    compressed: bool,
) -> bytes:
    if not compressed:
        payload: Any = document
    elif fmt is CborldFormat.LEGACY_SINGLETON:
        payload = _Compressor(_legacy_type_table(), loader, True).run(document)
    else:
        assert entry is not None
        payload = _Compressor(_type_table(entry), loader, False).run(document)
    entry_id = None if entry is None else entry.entry_id
    return tag_prefix(fmt, entry_id, compressed) + cbor.dumps(payload)


def _decode(
    header: CborldHeader, payload: Any, registry: Registry, loader: DocumentLoader
) -> tuple[dict[str, Any], RegistryEntry | None, bool]:
    """The document, the registry entry, and whether the walk showed that compressing the
    document gives back ``payload`` (CBOR-LD 1.0 compressed payloads only)."""
    entry = None if header.registry_entry_id is None else registry.get(header.registry_entry_id)
    shown = False
    if not header.compressed:
        if not isinstance(payload, dict) or _has_int_key(payload):
            raise _payload_error("an uncompressed CBOR-LD payload must be a JSON object")
        document: dict[str, Any] = payload
    elif header.format is CborldFormat.LEGACY_SINGLETON:
        document = _Decompressor(_legacy_type_table(), loader, True).run(payload)
    else:
        assert entry is not None
        decompressor = _Decompressor(_type_table(entry), loader, False)
        document = decompressor.run(payload)
        shown = decompressor.canonical and header.format is CborldFormat.CBORLD_1_0
    _check_output(document)
    return document, entry, shown


def _has_int_key(value: Any) -> bool:
    if isinstance(value, dict):
        return any(not isinstance(k, str) or _has_int_key(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_int_key(item) for item in value)
    return False


def encode(
    document: Mapping[str, Any],
    *,
    registry: Registry,
    registry_entry_id: int,
    loader: DocumentLoader | None = None,
    format: CborldFormat | str = CborldFormat.CBORLD_1_0,
) -> bytes:
    """CBOR-LD bytes of a JSON-LD ``document`` under registry entry ``registry_entry_id``.

    ``format`` may name a pre-1.0 form; ``legacy-singleton`` ignores the registry entry (it uses
    cborld's legacy global tables; ``registry_entry_id`` 0 writes it uncompressed, any other id
    compressed).

    :raises ParsingError: ``UNKNOWN_REGISTRY_ENTRY``.
    :raises MalformedValueError: ``CBORLD_UNENCODABLE`` (the document cannot be encoded, or would
        not decode back identical), ``UNSUPPORTED_JSON_TYPE`` (a non-string URL value),
        ``CBOR_UNENCODABLE`` (NaN, an integral float, a huge integer...), ``CBORLD_TOO_COMPLEX``.
    :raises JsonLdError: a context cannot be loaded or processed (unknown context, protected term
        redefinition...).
    """
    loader = loader or _default_loader
    fmt = CborldFormat(format)
    if not isinstance(document, Mapping):
        raise _unencodable("a JSON-LD document must be a JSON object")
    document = dict(document)
    _check_json(document)
    entry: RegistryEntry | None = None
    if fmt is CborldFormat.LEGACY_SINGLETON:
        compressed = registry_entry_id != 0
    else:
        entry = registry.get(registry_entry_id)
        compressed = entry.compressed
    data = _encode(document, entry, fmt, loader, compressed)
    try:
        limits = CborLimits(len(data), 2 * MAX_DOCUMENT_DEPTH + 4, len(data))
        header, payload = read_tagged(data, limits)
        back, _, _ = _decode(header, payload, registry, loader)
    except VicError as exc:
        raise _unencodable(
            f"CBOR-LD cannot carry this document faithfully: decoding it fails ({exc.message})"
        ) from exc
    if not _same(back, document):
        raise _unencodable("CBOR-LD cannot carry this document faithfully: it decodes differently")
    return data


def decode(
    data: bytes,
    *,
    registry: Registry,
    loader: DocumentLoader | None = None,
    limits: CborLimits = DEFAULT_LIMITS,
    multibase: list[tuple[str, bytes]] | None = None,
) -> dict[str, Any]:
    """The JSON-LD document of CBOR-LD ``data`` (any of the three tag forms).

    ``multibase``, when given, receives (text, bytes) for multibase texts of the document that
    were written from bytes, when the decode knows them without work (a compiled plan): the text
    object and the bytes it encodes (:func:`vic.did.multibase.remember_decoded`).

    :raises ParsingError: ``NOT_CBORLD``, ``UNKNOWN_CBORLD_TAG``, ``INVALID_CBORLD_HEADER``,
        ``UNKNOWN_REGISTRY_ENTRY``, ``INVALID_CBOR``, ``TRAILING_BYTES``, ``CBOR_TOO_LARGE``,
        ``CBOR_TOO_DEEP``, ``UNKNOWN_TERM_ID``, ``UNKNOWN_COMPRESSED_VALUE``,
        ``UNKNOWN_CONTEXT_CODE``, ``INVALID_ENCODED_CONTEXT``, ``INVALID_CBORLD_PAYLOAD``,
        ``INVALID_CBORLD_VALUE``, ``CBORLD_VALUE_TOO_LARGE``, ``CBORLD_TOO_COMPLEX`` (context
        processing past its work cap), ``NON_CANONICAL_CBORLD`` (the bytes are not the encoding
        of what they decode to).
    :raises JsonLdError: the document's contexts cannot be loaded or processed.
    """
    loader = loader or _default_loader
    planned = _USE_PLANS and not _ALWAYS_REENCODE
    if planned:
        document = decodeplan.decode_planned(data, registry, loader, limits, multibase)
        if document is not None:
            return document
    header, payload = read_tagged(data, limits)
    document, entry, shown = _decode(header, payload, registry, loader)
    if header.format is CborldFormat.LEGACY_SINGLETON:
        entry = None
    if shown and entry is not None and limits.max_depth <= MAX_DOCUMENT_DEPTH // 2:
        # The walk showed, step by step, that compressing the document gives back this very
        # payload; the bytes are then canonical iff they are the canonical CBOR of the payload.
        try:
            canonical = tag_prefix(header.format, entry.entry_id, True) + cbor.dumps(payload)
            same = canonical == bytes(data)
        except Exception:  # not shown: the re-encode below decides, as it always did
            same = False
        if same and not _ALWAYS_REENCODE:
            if planned:
                decodeplan.learn(payload, entry, loader, document)
            return document
    try:
        again = _encode(document, entry, header.format, loader, header.compressed)
    except VicError as exc:
        raise ParsingError(
            f"the CBOR-LD does not re-encode ({exc.message})", code="NON_CANONICAL_CBORLD"
        ) from exc
    if again != bytes(data):
        raise ParsingError(
            "the CBOR-LD is not the canonical encoding of the document it decodes to",
            code="NON_CANONICAL_CBORLD",
        )
    return document
