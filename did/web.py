"""did:web: DIDs of HTTPS hosts, their did.json URLs, and the authority's DID document.

Key rotation policy (docs/dids-and-keys.md): the authority's document lists every key it ever signed
marks with, current and retired, as Multikey methods, and keeps them all in ``assertionMethod`` so
that marks signed before a rotation still verify. A retired key signs nothing new (the issuer
holds only the current private key). Only a compromised key is dropped from ``assertionMethod``
(pass ``assertion`` without it): every mark it signed then fails verification and is re-issued.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from vic.contexts.errors import InvalidDidError
from vic.did.document import DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT, DidDocument
from vic.did.keys import PublicKey
from vic.did.syntax import parse_did, parse_did_url

__all__ = ["build_did_web_document", "did_web", "did_web_method_id", "did_web_url"]

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"(?P<name>{_LABEL}(?:\.{_LABEL})*)(?::(?P<port>[0-9]{{1,5}}))?")
_FRAGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@/?-]+")


def _check_host(host: str) -> str:
    lowered = host.lower()
    match = _HOST.fullmatch(lowered)
    if match is None or len(match["name"]) > 253:
        raise InvalidDidError(f"not a valid did:web host: {host[:200]!r}")
    port = match["port"]
    if port is not None and not 0 < int(port) < 65536:
        raise InvalidDidError(f"not a valid port in did:web host: {host[:200]!r}")
    return lowered


def _check_segment(segment: str) -> None:
    if segment in ("", ".", "..") or "/" in segment or "\\" in segment:
        raise InvalidDidError(f"not a valid did:web path segment: {segment!r}")


def did_web(host: str, path: Sequence[str] = ()) -> str:
    """The did:web of a host (with an optional ``:port``) and optional path segments.

    ``did_web("example.com:8443", ["issuers", "1"])`` is ``did:web:example.com%3A8443:issuers:1``.

    :raises InvalidDidError: not a host name, a bad port, or an empty, ``.`` or ``..`` segment
        (or one with a slash).
    """
    if not isinstance(host, str):
        raise InvalidDidError("a did:web host must be a string")
    parts = [_check_host(host).replace(":", "%3A")]
    if isinstance(path, str):
        raise InvalidDidError("did:web path must be a sequence of segments, not a string")
    for segment in path:
        if not isinstance(segment, str):
            raise InvalidDidError("did:web path segments must be strings")
        _check_segment(segment)
        parts.append(quote(segment, safe="").replace("~", "%7E"))
    did = "did:web:" + ":".join(parts)
    parse_did(did)
    return did


def _split(did: str) -> tuple[str, list[str]]:
    parsed = parse_did(did)
    if parsed.method != "web":
        raise InvalidDidError(f"not a did:web DID: {did[:200]!r}")
    host, *segments = parsed.method_specific_id.split(":")
    host = re.sub("%3[Aa]", ":", host)
    if "%" in host:
        raise InvalidDidError(f"a did:web host may percent-encode only the port colon: {did!r}")
    for segment in segments:
        _check_segment(unquote(segment))
    return _check_host(host), segments


def did_web_url(did: str) -> str:
    """The HTTPS URL of a did:web's DID document.

    ``did:web:example.com`` gives ``https://example.com/.well-known/did.json``;
    ``did:web:example.com%3A8443:issuers:1`` gives ``https://example.com:8443/issuers/1/did.json``.

    :raises InvalidDidError: not a did:web DID, or a bad host or path.
    """
    host, segments = _split(did)
    if not segments:
        return f"https://{host}/.well-known/did.json"
    return f"https://{host}/{'/'.join(segments)}/did.json"


def did_web_method_id(did: str, fragment: str) -> str:
    """The id of a method of a did:web document: ``did#fragment`` (``#`` optional in fragment).

    A value that is already an absolute DID URL of ``did`` is returned as is.

    :raises InvalidDidError: a bad fragment, or a DID URL of another DID.
    """
    if not isinstance(fragment, str):
        raise InvalidDidError("a verification method fragment must be a string")
    if fragment.startswith("did:"):
        parsed = parse_did_url(fragment)
        if parsed.did != did or not parsed.fragment or parsed.path or parsed.query:
            raise InvalidDidError(f"{fragment!r} is not a method of {did}")
        return fragment
    bare = fragment.removeprefix("#")
    if not _FRAGMENT.fullmatch(bare):
        raise InvalidDidError(f"not a valid verification method fragment: {fragment!r}")
    return f"{did}#{bare}"


def build_did_web_document(
    did: str,
    methods: Sequence[tuple[str, PublicKey]],
    *,
    assertion: Sequence[str] | None = None,
    retired: Mapping[str, datetime] | None = None,
) -> dict[str, Any]:
    """The JSON DID document of a did:web authority with several Multikey methods.

    ``retired`` maps fragments (or method ids) to the moment the authority stopped signing with
    them: each such method gets vic's ``retired`` property (a verifier refuses a credential or
    proof of it dated later).

    ``methods`` are ``(fragment or method id, public key)`` pairs, oldest first; all are listed in
    ``verificationMethod``. ``assertionMethod`` lists ``assertion`` (fragments or ids) when given,
    else every method, so marks signed with retired keys keep verifying (see the module doc).

    :raises InvalidDidError: not a did:web DID, no methods, a bad or duplicate method id, or an
        ``assertion`` entry that is not one of ``methods``.
    """
    _split(did)
    if not methods:
        raise InvalidDidError("a did:web document needs at least one verification method")
    entries: list[dict[str, Any]] = []
    ids: list[str] = []
    for fragment, public_key in methods:
        if not isinstance(public_key, PublicKey):
            raise InvalidDidError("verification method keys must be PublicKey objects")
        method_id = did_web_method_id(did, fragment)
        if method_id in ids:
            raise InvalidDidError(f"duplicate verification method id {method_id}")
        ids.append(method_id)
        entry = {
            "id": method_id,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": public_key.to_multibase(),
        }
        moment = (retired or {}).get(fragment)
        if moment is not None:
            # isoformat writes four year digits (strftime's %Y does not below year 1000)
            stamp = moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat()
            entry["retired"] = stamp + "Z"
        entries.append(entry)
    if assertion is None:
        asserting = list(ids)
    else:
        if isinstance(assertion, str):
            raise InvalidDidError("assertion must be a sequence of method ids, not a string")
        asserting = [did_web_method_id(did, item) for item in assertion]
        for method_id in asserting:
            if method_id not in ids:
                raise InvalidDidError(f"assertion method {method_id} is not a listed method")
    doc: dict[str, Any] = {
        "@context": [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT],
        "id": did,
        "verificationMethod": entries,
        "assertionMethod": asserting,
    }
    DidDocument.from_json(doc)  # the document we publish must parse
    return doc
