"""The authority's signing keys: the :class:`Signer` protocol, key files at rest, encryption.

Signing goes through :class:`Signer` (``method_id``, ``key_type``, ``sign(data) -> bytes``), so an
HSM or a KMS can stand in for the key file. :class:`~vic.did.keys.PrivateKey` has the same
``key_type`` and ``sign`` members, which is all :func:`vic.vc.proofs.add_proof` uses of its ``key``.

Key files live in ``{data_dir}/keys/`` (directory mode 0700), one per key, named after the
method's fragment (``key-1.json``), mode 0600 from the moment they exist, written atomically,
never overwritten. Without a passphrase a file is the Multikey JSON of :mod:`vic.did.keyfile`. With
a
passphrase (``VIC_KEY_PASSPHRASE``) it is an envelope (docs/issuer.md):

.. code-block:: json

    {"type": "VicEncryptedKey", "version": 1, "id": "did:web:...#key-1",
     "publicKeyMultibase": "zDn...",
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": "<base64url>"},
     "cipher": "AES-256-GCM", "nonce": "<base64url>", "ciphertext": "<base64url>"}

The ciphertext is AES-256-GCM of the ``secretKeyMultibase`` string under the scrypt-derived key,
with the file's ``id`` and ``publicKeyMultibase`` as associated data (so neither can be swapped).
A wrong passphrase, or a tampered file, is an :class:`~vic.contexts.errors.InvalidKeyError` with
code
``KEY_DECRYPTION_FAILED``; an encrypted file without a passphrase is ``KEY_PASSPHRASE_REQUIRED``;
a key file that others can read (mode & 0o077) is ``KEY_FILE_PERMISSIONS``.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from vic.contexts.errors import InvalidJsonError, InvalidKeyError, MalformedValueError
from vic.did.keyfile import MAX_KEY_FILE_SIZE, key_document, read_key_document
from vic.did.keys import KeyType, PrivateKey, PublicKey
from vic.did.multibase import base64url_decode, base64url_encode

__all__ = [
    "ENCRYPTED_KEY_TYPE",
    "PASSPHRASE_ENV",
    "FileSigner",
    "KeyFiles",
    "Signer",
    "decrypt_key_document",
    "encrypt_key_document",
]

PASSPHRASE_ENV: Final = "VIC_KEY_PASSPHRASE"
"""The environment variable holding the key passphrase (when the config gives none)."""

ENCRYPTED_KEY_TYPE: Final = "VicEncryptedKey"

SCRYPT_N: Final = 2**15
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
_MAX_SCRYPT_N: Final = 2**20
_SALT_SIZE: Final = 16
_NONCE_SIZE: Final = 12


@runtime_checkable
class Signer(Protocol):
    """What the issuer signs with: a verification method of its DID and a signing function.

    Structurally compatible with what :func:`vic.vc.proofs.add_proof` calls on its ``key``
    (``key_type`` and ``sign``). ``sign`` returns the raw signature: 64 bytes ``r‖s`` for P-256
    (ECDSA over SHA-256 of ``data``), 96 for P-384, 64 for Ed25519.
    """

    @property
    def method_id(self) -> str:
        """The verification method (a DID URL of the authority) that verifies the signatures."""
        ...

    @property
    def key_type(self) -> KeyType:
        """The key type."""
        ...

    def sign(self, data: bytes) -> bytes:
        """Sign ``data``."""
        ...


@dataclass(frozen=True)
class FileSigner:
    """A :class:`Signer` over a private key held in memory (read from a key file)."""

    method_id: str
    private_key: PrivateKey

    @property
    def key_type(self) -> KeyType:
        """The key type."""
        return self.private_key.key_type

    @property
    def public_key(self) -> PublicKey:
        """The public key."""
        return self.private_key.public_key

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` with the private key."""
        return self.private_key.sign(data)

    def __repr__(self) -> str:
        return f"FileSigner({self.method_id!r}, {self.private_key!r})"


# --- encryption at rest --------------------------------------------------------------------------


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=n, r=r, p=p)
    return kdf.derive(passphrase.encode("utf-8"))


def _aad(method_id: str, public_multibase: str) -> bytes:
    return json.dumps([ENCRYPTED_KEY_TYPE, 1, method_id, public_multibase]).encode("utf-8")


def encrypt_key_document(
    private_key: PrivateKey, *, method_id: str, passphrase: str, scrypt_n: int = SCRYPT_N
) -> dict[str, Any]:
    """The encrypted envelope of ``private_key`` (see the module doc).

    :raises InvalidKeyError: an empty passphrase (code ``KEY_PASSPHRASE_REQUIRED``).
    """
    if not passphrase:
        raise InvalidKeyError("the key passphrase is empty", code="KEY_PASSPHRASE_REQUIRED")
    salt, nonce = os.urandom(_SALT_SIZE), os.urandom(_NONCE_SIZE)
    public = private_key.public_key.to_multibase()
    key = _derive(passphrase, salt, scrypt_n, SCRYPT_R, SCRYPT_P)
    ciphertext = AESGCM(key).encrypt(
        nonce, private_key.to_multibase().encode("ascii"), _aad(method_id, public)
    )
    return {
        "type": ENCRYPTED_KEY_TYPE,
        "version": 1,
        "id": method_id,
        "publicKeyMultibase": public,
        "kdf": {
            "name": "scrypt",
            "n": scrypt_n,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": base64url_encode(salt),
        },
        "cipher": "AES-256-GCM",
        "nonce": base64url_encode(nonce),
        "ciphertext": base64url_encode(ciphertext),
    }


def _member(doc: dict[str, Any], name: str, kind: type) -> Any:
    value = doc.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InvalidKeyError(f"the encrypted key file has no valid {name!r}")
    return value


def _b64(doc: dict[str, Any], name: str) -> bytes:
    try:
        return base64url_decode(_member(doc, name, str))
    except MalformedValueError as exc:
        raise InvalidKeyError(f"the encrypted key file's {name!r} is not base64url") from exc


def decrypt_key_document(doc: dict[str, Any], *, passphrase: str | None) -> PrivateKey:
    """The private key of an encrypted envelope.

    :raises InvalidKeyError: ``KEY_PASSPHRASE_REQUIRED`` (no passphrase), ``KEY_DECRYPTION_FAILED``
        (a wrong passphrase or a tampered file), ``INVALID_KEY`` (a malformed envelope or a key
        that does not match its public half).
    """
    if doc.get("type") != ENCRYPTED_KEY_TYPE or doc.get("version") != 1:
        raise InvalidKeyError("not a version 1 VicEncryptedKey")
    if not passphrase:
        raise InvalidKeyError(
            f"the key file is encrypted: set {PASSPHRASE_ENV}", code="KEY_PASSPHRASE_REQUIRED"
        )
    kdf = _member(doc, "kdf", dict)
    if kdf.get("name") != "scrypt" or doc.get("cipher") != "AES-256-GCM":
        raise InvalidKeyError("the encrypted key file uses an unsupported kdf or cipher")
    n, r, p = (_member(kdf, name, int) for name in ("n", "r", "p"))
    if not (2 <= n <= _MAX_SCRYPT_N and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
        raise InvalidKeyError("the encrypted key file's scrypt parameters are out of range")
    salt, nonce, ciphertext = _b64(kdf, "salt"), _b64(doc, "nonce"), _b64(doc, "ciphertext")
    if len(nonce) != _NONCE_SIZE:
        raise InvalidKeyError("the encrypted key file's nonce is not 12 bytes")
    method_id = _member(doc, "id", str)
    public = _member(doc, "publicKeyMultibase", str)
    key = _derive(passphrase, salt, n, r, p)
    try:
        secret = AESGCM(key).decrypt(nonce, ciphertext, _aad(method_id, public))
    except InvalidTag:
        raise InvalidKeyError(
            "the key file cannot be decrypted: wrong passphrase, or the file was altered",
            code="KEY_DECRYPTION_FAILED",
        ) from None
    private_key = PrivateKey.from_multibase(secret.decode("ascii"))
    if private_key.public_key != PublicKey.from_multibase(public):
        raise InvalidKeyError("the decrypted key does not match the file's public key")
    return private_key


# --- key files -----------------------------------------------------------------------------------


class KeyFiles:
    """The key files of one data directory (``{data_dir}/keys``).

    :param passphrase: encrypt new key files with it, and decrypt encrypted ones; None writes and
        reads plain Multikey files (and refuses encrypted ones).
    """

    def __init__(self, directory: Path, *, passphrase: str | None) -> None:
        self.directory = directory
        self._passphrase = passphrase or None

    def __repr__(self) -> str:
        encrypted = "encrypted" if self._passphrase else "plain"
        return f"KeyFiles({str(self.directory)!r}, {encrypted})"

    @property
    def encrypts(self) -> bool:
        """Whether new key files are encrypted."""
        return self._passphrase is not None

    def path(self, fragment: str) -> Path:
        """The file of the key ``#fragment``."""
        if not fragment or not all(c.isalnum() or c in "-_." for c in fragment):
            raise InvalidKeyError(f"not a key file name: {fragment!r}")
        return self.directory / f"{fragment}.json"

    def write(self, fragment: str, private_key: PrivateKey, *, method_id: str) -> Path:
        """Write a new key file (mode 0600, atomically, never over an existing file).

        :raises FileExistsError: the file exists.
        :raises OSError: the file cannot be written.
        """
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        if self._passphrase is not None:
            doc = encrypt_key_document(
                private_key, method_id=method_id, passphrase=self._passphrase
            )
        else:
            controller = method_id.split("#", 1)[0]
            doc = key_document(private_key, id=method_id, controller=controller)
        target = self.path(fragment)
        _write_private(target, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))
        return target

    def read(self, fragment: str, *, method_id: str) -> FileSigner:
        """The signer of the key ``#fragment`` (decrypted if need be).

        :raises OSError: the file cannot be read.
        :raises InvalidJsonError: the file is too large or not a JSON object.
        :raises InvalidKeyError: see the module doc for the codes; also a file whose id is not
            ``method_id``, or that holds no private key.
        """
        target = self.path(fragment)
        with open(target, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            data = handle.read(MAX_KEY_FILE_SIZE + 1)
        if os.name == "posix" and stat.S_IMODE(mode) & 0o077:
            raise InvalidKeyError(
                f"key file {target} is readable by others (mode {stat.S_IMODE(mode):o}): "
                "chmod 600 it",
                code="KEY_FILE_PERMISSIONS",
            )
        if len(data) > MAX_KEY_FILE_SIZE:
            raise InvalidJsonError(f"key file {target} is larger than {MAX_KEY_FILE_SIZE} B")
        try:
            doc = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise InvalidJsonError(f"key file {target} is not JSON") from None
        if not isinstance(doc, dict):
            raise InvalidJsonError(f"key file {target} is not a JSON object")
        if doc.get("type") == ENCRYPTED_KEY_TYPE:
            private_key = decrypt_key_document(doc, passphrase=self._passphrase)
        else:
            material = read_key_document(doc)
            if material.private_key is None:
                raise InvalidKeyError(f"key file {target} holds no private key")
            private_key = material.private_key
        if doc.get("id") != method_id:
            raise InvalidKeyError(f"key file {target} is for {doc.get('id')!r}, not {method_id}")
        return FileSigner(method_id, private_key)

    def retire(self, fragment: str) -> None:
        """Destroy a retired key's file: it must never sign again, and a copy left on disk
        would let anyone who reads it sign marks. Any copy an older vic archived under
        ``keys/retired/`` is destroyed too."""
        destroy_file(self.path(fragment))
        destroy_file(self.directory / "retired" / f"{fragment}.json")

    def destroy_archived(self) -> list[str]:
        """Destroy every key file older versions archived under ``keys/retired/``; the names."""
        archive = self.directory / "retired"
        if not archive.is_dir():
            return []
        names = sorted(p.name for p in archive.iterdir() if p.is_file())
        for name in names:
            destroy_file(archive / name)
        return names


def destroy_file(path: Path) -> None:
    """Overwrite a file with zeros, flush it to disk and delete it (best effort against a
    later read of the disk; copies in backups are the operator's to destroy)."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        size = os.fstat(fd).st_size
        os.write(fd, b"\0" * size)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.unlink(path)


def _write_private(target: Path, data: bytes) -> None:
    """Write ``data`` to a new file ``target``: mode 0600 before any byte, fsynced, atomic."""
    fd, temporary = tempfile.mkstemp(prefix=".vic-key-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.chmod(temporary, 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, target)  # fails if the target exists: never clobbers a key
        os.unlink(temporary)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    try:
        directory = os.open(target.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - directories open on POSIX
        return
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
