"""DID and DID URL syntax (DID Core section 3): parse, validate, split."""

from __future__ import annotations

import re
from dataclasses import dataclass

from vic.contexts.errors import InvalidDidError

__all__ = ["MAX_DID_LENGTH", "DidUrl", "parse_did", "parse_did_url", "resolve_reference"]

#: Longer DIDs and DID URLs are refused before any parsing (a did:jwk for P-384 is ~250 chars).
MAX_DID_LENGTH = 4096

_IDCHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
_PCHAR = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})"
_DID_URL = re.compile(
    rf"(?P<did>did:(?P<method>[a-z0-9]+):(?P<msid>(?:{_IDCHAR}*:)*{_IDCHAR}+))"
    rf"(?P<path>(?:/{_PCHAR}*)*)"
    rf"(?:\?(?P<query>(?:{_PCHAR}|[/?])*))?"
    rf"(?:#(?P<fragment>(?:{_PCHAR}|[/?])*))?"
)


@dataclass(frozen=True)
class DidUrl:
    """A parsed DID URL: the DID, its method and method-specific id, path, query and fragment."""

    did: str
    method: str
    method_specific_id: str
    path: str = ""
    query: str | None = None
    fragment: str | None = None

    @property
    def is_did(self) -> bool:
        """Whether this is a bare DID (no path, query or fragment)."""
        return not self.path and self.query is None and self.fragment is None

    def __str__(self) -> str:
        out = self.did + self.path
        if self.query is not None:
            out += "?" + self.query
        if self.fragment is not None:
            out += "#" + self.fragment
        return out


def parse_did_url(value: str) -> DidUrl:
    """Parse a DID URL (a DID with optional path, query and fragment).

    :raises InvalidDidError: not a string, too long, or not DID URL syntax.
    """
    if not isinstance(value, str):
        raise InvalidDidError("a DID URL must be a string")
    if len(value) > MAX_DID_LENGTH:
        raise InvalidDidError(f"DID URL longer than {MAX_DID_LENGTH} characters")
    match = _DID_URL.fullmatch(value)
    if match is None:
        raise InvalidDidError(f"not a valid DID URL: {value[:200]!r}")
    return DidUrl(
        did=match["did"],
        method=match["method"],
        method_specific_id=match["msid"],
        path=match["path"],
        query=match["query"],
        fragment=match["fragment"],
    )


def parse_did(value: str) -> DidUrl:
    """Parse a DID, refusing a path, query or fragment.

    :raises InvalidDidError: not DID syntax, or a DID URL rather than a DID.
    """
    parsed = parse_did_url(value)
    if not parsed.is_did:
        raise InvalidDidError(f"expected a DID, not a DID URL: {value[:200]!r}")
    return parsed


def resolve_reference(reference: str, did: str) -> str:
    """Resolve a method reference against a DID: ``#key-1`` becomes ``did#key-1``.

    :raises InvalidDidError: the reference is neither a fragment nor an absolute DID URL.
    """
    if not isinstance(reference, str):
        raise InvalidDidError("a verification method reference must be a string")
    absolute = did + reference if reference.startswith("#") else reference
    parse_did_url(absolute)
    return absolute
