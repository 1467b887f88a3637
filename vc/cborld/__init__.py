"""CBOR-LD: JSON-LD as compact CBOR, byte for byte as @digitalbazaar/cborld 8.1 writes it.

:func:`encode` writes the CBOR-LD 1.0 form (tag 0xCB1D around ``[registryEntryId, payload]``);
:func:`decode` reads it and the pre-1.0 tag forms. A :class:`Registry` holds the registry entries
(type tables) the two sides agree on: the built-in entries 0, 1 and 100, and those of the
authorities a verifier trusts (:func:`authority_entry`, :func:`load_entry`, :func:`bundled_entry`).
Contexts come only from a :class:`vic.contexts.loader.DocumentLoader` (bundled documents): nothing
is
fetched. docs/qr.md describes the format, the registry entries and the sizes.
"""

from vic.vc.cborld.cbor import DEFAULT_LIMITS, CborLimits
from vic.vc.cborld.converter import decode, encode
from vic.vc.cborld.registry import (
    DEFAULT_CRYPTOSUITES,
    DEMO_ENTRY_FILE,
    MARK_CONTEXTS,
    Registry,
    RegistryEntry,
    authority_entry,
    builtin_entries,
    bundled_entry,
    load_entry,
)
from vic.vc.cborld.tagforms import CborldFormat, CborldHeader, read_header

__all__ = [
    "DEFAULT_CRYPTOSUITES",
    "DEFAULT_LIMITS",
    "DEMO_ENTRY_FILE",
    "MARK_CONTEXTS",
    "CborLimits",
    "CborldFormat",
    "CborldHeader",
    "Registry",
    "RegistryEntry",
    "authority_entry",
    "builtin_entries",
    "bundled_entry",
    "decode",
    "encode",
    "load_entry",
    "read_header",
]
