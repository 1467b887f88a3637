"""DID documents: verification methods, verification relationships, method lookup.

A :class:`DidDocument` is parsed once from JSON (:meth:`DidDocument.from_json`) and keeps the JSON
it came from. Supported verification method types: ``Multikey`` and ``Ed25519VerificationKey2020``
(``publicKeyMultibase``), ``JsonWebKey`` and ``JsonWebKey2020`` (``publicKeyJwk``), and
``Ed25519VerificationKey2018`` (``publicKeyBase58``). Methods of other types, or with key types
vic does not implement (X25519, secp256k1...), are kept in the JSON but cannot be looked up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from vic.contexts.errors import (
    InvalidDidError,
    InvalidKeyError,
    MalformedValueError,
    VerificationMethodError,
)
from vic.did.keys import KeyType, PublicKey
from vic.did.multibase import base58btc_decode
from vic.did.syntax import parse_did, resolve_reference

__all__ = [
    "DID_V1_CONTEXT",
    "MULTIKEY_V1_CONTEXT",
    "RELATIONSHIPS",
    "DidDocument",
    "VerificationMethod",
]

DID_V1_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1_CONTEXT = "https://w3id.org/security/multikey/v1"

#: The verification relationships of DID Core; a proof purpose names one of them.
RELATIONSHIPS = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
)

_MULTIBASE_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020"})
_JWK_TYPES = frozenset({"JsonWebKey", "JsonWebKey2020"})
_BASE58_TYPES = frozenset({"Ed25519VerificationKey2018"})
_ED25519_ONLY = frozenset({"Ed25519VerificationKey2020", "Ed25519VerificationKey2018"})
_KEY_PROPERTIES = ("publicKeyMultibase", "publicKeyJwk", "publicKeyBase58")
_PRIVATE_PROPERTIES = ("secretKeyMultibase", "privateKeyMultibase", "privateKeyJwk")
_MAX_DEPTH = 32


@dataclass(frozen=True)
class VerificationMethod:
    """A verification method: its absolute id, type, controller DID and public key.

    ``retired`` is vic's extension property of a method (``"retired": "2026-12-01T00:00:00Z"``):
    the moment its controller stopped signing with it. Signatures made before stay valid; a
    credential or proof dated after it is not the controller's (see docs/dids-and-keys.md).
    """

    id: str
    type: str
    controller: str
    public_key: PublicKey
    retired: datetime | None = None


def _plain(value: Any, depth: int = 0) -> Any:
    """A JSON-only deep copy (dicts, lists, str, int, float, bool, None)."""
    if depth > _MAX_DEPTH:
        raise InvalidDidError(f"DID document nests deeper than {_MAX_DEPTH} levels")
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidDidError("DID document keys must be strings")
            out[key] = _plain(item, depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [_plain(item, depth + 1) for item in value]
    raise InvalidDidError(f"DID document holds a non-JSON value of type {type(value).__name__}")


def _parse_key(entry: Mapping[str, Any], method_id: str, method_type: str) -> PublicKey | None:
    """The public key of a method entry, or None for a type vic does not support."""
    present = [name for name in _KEY_PROPERTIES if name in entry]
    if len(present) > 1:
        raise InvalidDidError(f"verification method {method_id} has more than one key property")
    if any(name in entry for name in _PRIVATE_PROPERTIES):
        raise InvalidDidError(f"verification method {method_id} exposes private key material")
    try:
        if method_type in _MULTIBASE_TYPES:
            multibase: Any = entry.get("publicKeyMultibase")
            key = PublicKey.from_multibase(multibase)
        elif method_type in _JWK_TYPES:
            jwk = entry.get("publicKeyJwk")
            if not isinstance(jwk, Mapping):
                raise InvalidKeyError(f"verification method {method_id} has no publicKeyJwk")
            if "d" in jwk:
                raise InvalidDidError(f"verification method {method_id} exposes private key 'd'")
            key = PublicKey.from_jwk(jwk)
        elif method_type in _BASE58_TYPES:
            raw = entry.get("publicKeyBase58")
            if not isinstance(raw, str):
                raise InvalidKeyError(f"verification method {method_id} has no publicKeyBase58")
            try:
                data = base58btc_decode(raw)
            except MalformedValueError as exc:
                raise InvalidKeyError(f"{method_id}: publicKeyBase58 is not base58") from exc
            key = PublicKey(KeyType.ED25519, data)
        else:
            return None
    except InvalidKeyError as exc:
        if exc.code == "UNSUPPORTED_KEY_TYPE":
            return None
        message = f"verification method {method_id}: {exc.message}"
        raise InvalidKeyError(message, code=exc.code) from exc
    if method_type in _ED25519_ONLY and key.key_type is not KeyType.ED25519:
        message = f"verification method {method_id}: {method_type} needs an Ed25519 key"
        raise InvalidKeyError(message)
    return key


_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z")


def _retired(entry: Mapping[str, Any], method_id: str) -> datetime | None:
    """The method's ``retired`` moment (a UTC dateTime ending in Z), if it has one."""
    value = entry.get("retired")
    if value is None:
        return None
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise InvalidDidError(f"retired of {method_id} must be a UTC dateTime (…Z): {value!r}")
    try:
        moment = datetime.fromisoformat(value[:-1][:26]).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidDidError(f"retired of {method_id} is not a date and time: {value!r}") from None
    return moment


def _string(entry: Mapping[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str):
        raise InvalidDidError(f"{where} has no string {name!r}")
    return value


class DidDocument:
    """A parsed DID document. Build one with :meth:`from_json`."""

    __slots__ = ("_id", "_json", "_methods", "_relationships", "_unsupported")

    def __init__(
        self,
        *,
        id: str,
        json: dict[str, Any],
        methods: Mapping[str, VerificationMethod],
        relationships: Mapping[str, tuple[str, ...]],
        unsupported: frozenset[str],
    ) -> None:
        """Store parsed parts; use :meth:`from_json` rather than calling this directly."""
        self._id = id
        self._json = json
        self._methods = MappingProxyType(dict(methods))
        self._relationships = MappingProxyType(dict(relationships))
        self._unsupported = unsupported

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> DidDocument:
        """Parse a DID document.

        Relative method ids and references (``#key-1``) resolve against the document's ``id``;
        relationship entries may be references or embedded methods.

        :raises InvalidDidError: not an object, no valid ``id``, malformed methods or
            relationships, duplicate method ids, or private key material.
        :raises InvalidKeyError: a method of a supported type holds an invalid or weak key.
        """
        if not isinstance(doc, Mapping):
            raise InvalidDidError("a DID document must be a JSON object")
        plain: dict[str, Any] = _plain(doc)
        did = parse_did(_string(plain, "id", "the DID document")).did
        methods: dict[str, VerificationMethod] = {}
        unsupported: set[str] = set()

        def add(entry: object) -> str:
            if not isinstance(entry, Mapping):
                raise InvalidDidError(f"a verification method of {did} is not an object")
            method_id = resolve_reference(_string(entry, "id", "a verification method"), did)
            if method_id in methods or method_id in unsupported:
                raise InvalidDidError(f"duplicate verification method id {method_id}")
            method_type = _string(entry, "type", f"verification method {method_id}")
            controller = parse_did(_string(entry, "controller", f"method {method_id}")).did
            key = _parse_key(entry, method_id, method_type)
            retired = _retired(entry, method_id)
            if key is None:
                unsupported.add(method_id)
            else:
                methods[method_id] = VerificationMethod(
                    method_id, method_type, controller, key, retired
                )
            return method_id

        listed = plain.get("verificationMethod", [])
        if not isinstance(listed, list):
            raise InvalidDidError("verificationMethod must be a list")
        for entry in listed:
            add(entry)
        relationships: dict[str, tuple[str, ...]] = {}
        for name in RELATIONSHIPS:
            entries = plain.get(name, [])
            if not isinstance(entries, list):
                raise InvalidDidError(f"{name} must be a list")
            ids: list[str] = []
            for entry in entries:
                ids.append(resolve_reference(entry, did) if isinstance(entry, str) else add(entry))
            relationships[name] = tuple(ids)
        return cls(
            id=did,
            json=plain,
            methods=methods,
            relationships=relationships,
            unsupported=frozenset(unsupported),
        )

    def to_json(self) -> dict[str, Any]:
        """A copy of the document's JSON."""
        copy: dict[str, Any] = _plain(self._json)
        return copy

    @property
    def id(self) -> str:
        """The DID the document describes."""
        return self._id

    @property
    def verification_methods(self) -> tuple[VerificationMethod, ...]:
        """Every supported method, listed or embedded, in document order."""
        return tuple(self._methods.values())

    def _absolute(self, did_url: str) -> str:
        return self._id + did_url if did_url.startswith("#") else did_url

    def method(self, did_url: str) -> VerificationMethod:
        """The verification method with this id (``#fragment`` is relative to the document).

        :raises VerificationMethodError: (code ``VERIFICATION_METHOD_NOT_FOUND``) no such method,
            or one of a type vic does not support.
        """
        method_id = self._absolute(did_url) if isinstance(did_url, str) else ""
        found = self._methods.get(method_id)
        if found is not None:
            return found
        if method_id in self._unsupported:
            raise VerificationMethodError(
                f"verification method {method_id} uses a type or key vic does not support",
                method=method_id,
            )
        raise VerificationMethodError(
            f"{self._id} has no verification method {did_url!r}", method=did_url
        )

    def authorizes(self, method_id: str, purpose: str) -> bool:
        """Whether the relationship ``purpose`` (e.g. ``assertionMethod``) lists the method."""
        return self._absolute(method_id) in self._relationships.get(purpose, ())

    def methods_for(self, purpose: str) -> tuple[VerificationMethod, ...]:
        """The supported methods the relationship ``purpose`` lists, in order."""
        ids = self._relationships.get(purpose, ())
        return tuple(self._methods[i] for i in ids if i in self._methods)

    def __repr__(self) -> str:
        return f"DidDocument({self._id!r}, methods={list(self._methods)!r})"
