"""Key documents and key files: Multikey JSON or JWK, public or with the secret.

Read: a Multikey document (``publicKeyMultibase`` and ``secretKeyMultibase``, or
``privateKeyMultibase`` as the W3C test vectors spell it), a JWK (private if it has ``d``), or a
``publicKeyJwk``/``privateKeyJwk`` pair. Write: the Multikey form. :func:`read_key_file` and
:func:`write_key_file` are the package's only file I/O; written files are mode 0600 from the
moment they exist and appear atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vic.contexts.errors import InvalidJsonError, InvalidKeyError
from vic.did.document import MULTIKEY_V1_CONTEXT
from vic.did.keys import PrivateKey, PublicKey

__all__ = [
    "MAX_KEY_FILE_SIZE",
    "KeyMaterial",
    "key_document",
    "public_key_document",
    "read_key_document",
    "read_key_file",
    "write_key_file",
]

#: Key files larger than this are refused unread.
MAX_KEY_FILE_SIZE = 64 * 1024

_MULTIKEY_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020"})
_JWK_PAIR_TYPES = frozenset({"JsonWebKey", "JsonWebKey2020"})
_MULTIBASE_MEMBERS = ("publicKeyMultibase", "secretKeyMultibase", "privateKeyMultibase")


@dataclass(frozen=True)
class KeyMaterial:
    """What a key document holds: the private key if any, the public key, id and controller."""

    private_key: PrivateKey | None
    public_key: PublicKey
    id: str | None
    controller: str | None


def _optional_string(doc: Mapping[str, Any], name: str) -> str | None:
    value = doc.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidKeyError(f"the key document's {name!r} must be a string")
    return value


def _pair(
    private_key: PrivateKey | None, public_key: PublicKey | None
) -> tuple[PrivateKey | None, PublicKey]:
    if private_key is not None:
        if public_key is not None and public_key != private_key.public_key:
            raise InvalidKeyError("the public key does not match the secret key")
        return private_key, private_key.public_key
    if public_key is None:
        raise InvalidKeyError("the key document holds no key")
    return None, public_key


def _read_multikey(doc: Mapping[str, Any]) -> tuple[PrivateKey | None, PublicKey]:
    secrets = [doc[n] for n in ("secretKeyMultibase", "privateKeyMultibase") if n in doc]
    if len(secrets) == 2 and secrets[0] != secrets[1]:
        raise InvalidKeyError("secretKeyMultibase and privateKeyMultibase differ")
    private_key = PrivateKey.from_multibase(secrets[0]) if secrets else None
    public: Any = doc.get("publicKeyMultibase")
    public_key = PublicKey.from_multibase(public) if public is not None else None
    return _pair(private_key, public_key)


def _read_jwk_pair(doc: Mapping[str, Any]) -> tuple[PrivateKey | None, PublicKey]:
    private_jwk, public_jwk = doc.get("privateKeyJwk"), doc.get("publicKeyJwk")
    for jwk in (private_jwk, public_jwk):
        if jwk is not None and not isinstance(jwk, Mapping):
            raise InvalidKeyError("publicKeyJwk and privateKeyJwk must be JSON objects")
    private_key = PrivateKey.from_jwk(private_jwk) if private_jwk is not None else None
    public_key = PublicKey.from_jwk(public_jwk) if public_jwk is not None else None
    return _pair(private_key, public_key)


def read_key_document(doc: Mapping[str, Any]) -> KeyMaterial:
    """Read a Multikey document, a JWK, or a ``publicKeyJwk``/``privateKeyJwk`` pair.

    A JWK's ``kid`` becomes the id. When both halves are present they must match.

    :raises InvalidKeyError: not a key document, an unsupported ``type``, invalid or weak keys,
        or halves that do not match.
    """
    if not isinstance(doc, Mapping):
        raise InvalidKeyError("a key document must be a JSON object")
    if "kty" in doc:
        private_key = PrivateKey.from_jwk(doc) if "d" in doc else None
        private_key, public_key = _pair(private_key, PublicKey.from_jwk(doc))
        return KeyMaterial(private_key, public_key, _optional_string(doc, "kid"), None)
    doc_type = doc.get("type")
    has_jwk = "publicKeyJwk" in doc or "privateKeyJwk" in doc
    has_multibase = any(n in doc for n in _MULTIBASE_MEMBERS)
    if has_jwk and has_multibase:
        raise InvalidKeyError("a key document holds either Multikey or JWK members, not both")
    if has_jwk:
        if doc_type is not None and doc_type not in _JWK_PAIR_TYPES:
            raise InvalidKeyError(f"unsupported key document type {doc_type!r} for a JWK pair")
        private_key, public_key = _read_jwk_pair(doc)
    elif has_multibase:
        if doc_type is not None and doc_type not in _MULTIKEY_TYPES:
            raise InvalidKeyError(f"unsupported key document type {doc_type!r} for a Multikey")
        private_key, public_key = _read_multikey(doc)
    else:
        raise InvalidKeyError("not a key document: no Multikey or JWK members")
    return KeyMaterial(
        private_key,
        public_key,
        _optional_string(doc, "id"),
        _optional_string(doc, "controller"),
    )


def public_key_document(
    key: PublicKey | PrivateKey, *, id: str | None = None, controller: str | None = None
) -> dict[str, Any]:
    """The Multikey JSON of a public key (of a private key's public half), without any secret."""
    public_key = key.public_key if isinstance(key, PrivateKey) else key
    doc: dict[str, Any] = {"@context": MULTIKEY_V1_CONTEXT, "type": "Multikey"}
    if id is not None:
        doc["id"] = id
    if controller is not None:
        doc["controller"] = controller
    doc["publicKeyMultibase"] = public_key.to_multibase()
    return doc


def key_document(
    private_key: PrivateKey, *, id: str | None = None, controller: str | None = None
) -> dict[str, Any]:
    """The Multikey JSON of a private key: ``publicKeyMultibase`` and ``secretKeyMultibase``."""
    doc = public_key_document(private_key, id=id, controller=controller)
    doc["secretKeyMultibase"] = private_key.to_multibase()
    return doc


def read_key_file(path: str | os.PathLike[str]) -> KeyMaterial:
    """Read a key file (UTF-8 JSON, see :func:`read_key_document`).

    :raises OSError: the file cannot be read.
    :raises InvalidJsonError: larger than :data:`MAX_KEY_FILE_SIZE`, or not a JSON object.
    :raises InvalidKeyError: see :func:`read_key_document`.
    """
    with open(path, "rb") as handle:
        data = handle.read(MAX_KEY_FILE_SIZE + 1)
    if len(data) > MAX_KEY_FILE_SIZE:
        raise InvalidJsonError(f"key file {os.fspath(path)} is larger than {MAX_KEY_FILE_SIZE} B")
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise InvalidJsonError(f"key file {os.fspath(path)} is not JSON") from None
    if not isinstance(doc, dict):
        raise InvalidJsonError(f"key file {os.fspath(path)} is not a JSON object")
    return read_key_document(doc)


def write_key_file(
    path: str | os.PathLike[str],
    private_key: PrivateKey,
    *,
    id: str | None = None,
    controller: str | None = None,
    overwrite: bool = False,
) -> None:
    """Write a private key as a Multikey JSON file, mode 0600, atomically.

    The content goes to a temporary file in the same directory, created exclusively and set to
    0600 before anything is written, then flushed and moved into place. An existing file is
    replaced only with ``overwrite=True``.

    :raises FileExistsError: the file exists and ``overwrite`` is false.
    :raises OSError: the file cannot be written.
    """
    target = os.fspath(path)
    data = json.dumps(key_document(private_key, id=id, controller=controller), indent=2) + "\n"
    directory = os.path.dirname(os.path.abspath(target))
    import tempfile  # writing key files only: not loaded with the verifier

    fd, temporary = tempfile.mkstemp(prefix=".vic-key-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.chmod(temporary, 0o600)
            handle.write(data.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temporary, target)
        else:
            os.link(temporary, target)  # fails if the target exists: never clobbers a key
            os.unlink(temporary)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _sync_directory(directory: str) -> None:
    """Make the new directory entry durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
