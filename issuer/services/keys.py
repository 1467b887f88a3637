"""The authority's identity: its DID document, signing keys and their rotation, and the
versions of its CBOR-LD registry entry."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from vic.contexts.errors import UsageError
from vic.did.keys import KeyType, PrivateKey, PublicKey
from vic.did.web import build_did_web_document, did_web_method_id
from vic.issuer.db.models import SigningKey
from vic.issuer.domain import Actor, KeyInfo, Role
from vic.issuer.kernel import SYSTEM_ACTOR, Kernel
from vic.issuer.keys import FileSigner, Signer
from vic.issuer.records import audit, dumps, require_role
from vic.issuer.repositories import keys as repo

__all__ = ["KeysService"]


class KeysService:
    """Keys, the DID document and the registry entry (see the module doc)."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def bootstrap(
        self, session: Session, signer: Signer | None, public_key: PublicKey | None
    ) -> None:
        """On open, in the bootstrap transaction: register an external signer's method, or
        create the file key ``#key-1`` of an empty database; publish the registry entry.

        :raises UsageError: an unknown external signer without its public key, or one that is
            not a current external key.
        """
        keys = repo.all_keys(session)
        if signer is not None:
            known = [k for k in keys if self._method(k) == signer.method_id]
            if known:
                if known[0].storage != "external" or known[0].retired_at is not None:
                    raise UsageError(f"{signer.method_id} is not a current external key")
            elif public_key is None:
                raise UsageError(
                    f"{signer.method_id} is not a key of {self.kernel.did}: "
                    "pass signer_public_key to register it"
                )
            else:
                fragment = did_web_method_id(self.kernel.did, signer.method_id).split("#", 1)[1]
                self._add_key(session, SYSTEM_ACTOR, fragment, public_key, storage="external")
        elif not keys:
            private_key = self._new_key_file("key-1", self.kernel.config.key_type)
            self._add_key(session, SYSTEM_ACTOR, "key-1", private_key.public_key, "file")
        self._publish_registry(session)

    def _method(self, key: SigningKey) -> str:
        return self.kernel.method_id(key.fragment)

    def _add_key(
        self, session: Session, actor: Actor, fragment: str, public_key: PublicKey, storage: str
    ) -> SigningKey:
        now = self.kernel.now()
        repo.retire_current(session, now)
        row = repo.insert_key(
            session,
            fragment=fragment,
            key_type=public_key.key_type.value,
            public_key_multibase=public_key.to_multibase(),
            storage=storage,
            now=now,
        )
        audit(session, actor, "key.add", self._method(row), now, storage=storage)
        return row

    def _publish_registry(self, session: Session) -> None:
        entry_id = self.kernel.config.registry_entry_id
        if entry_id is None:
            return
        from vic.vc.cborld.registry import RegistryEntry, authority_entry

        now = self.kernel.now()
        latest = repo.latest_registry_version(session)
        previous = RegistryEntry.from_json(json.loads(latest.entry_json)) if latest else None
        entry = authority_entry(
            entry_id,
            did=self.kernel.did,
            verification_methods=[self._method(k) for k in repo.all_keys(session)],
            status_base_urls=[self.kernel.status_base],
            previous=previous,
        )
        if previous is None or entry.version != previous.version:
            repo.add_registry_version(
                session,
                version=entry.version,
                entry_id=entry.entry_id,
                entry_json=dumps(entry.to_json()),
                now=now,
            )
            audit(
                session,
                SYSTEM_ACTOR,
                "registry.publish",
                f"registry:{entry_id}",
                now,
                version=entry.version,
            )

    def did_document(self) -> dict[str, Any]:
        """The authority's DID document: every key it ever signed with, all in assertionMethod."""

        def work(session: Session) -> list[tuple[str, PublicKey]]:
            return [
                (r.fragment, PublicKey.from_multibase(r.public_key_multibase))
                for r in repo.all_keys(session)
            ]

        return build_did_web_document(self.kernel.did, self.kernel.run(work, readonly=True))

    def keys(self) -> list[KeyInfo]:
        """The authority's keys, oldest first."""

        def work(session: Session) -> list[KeyInfo]:
            return [
                KeyInfo(
                    method_id=self._method(r),
                    fragment=r.fragment,
                    key_type=r.key_type,
                    public_key_multibase=r.public_key_multibase,
                    created_at=r.created_at,
                    retired_at=r.retired_at,
                    external=r.storage == "external",
                )
                for r in repo.all_keys(session)
            ]

        return self.kernel.run(work, readonly=True)

    def current_method_id(self) -> str:
        """The verification method new signatures use."""
        return self.kernel.run(lambda s: self._method(repo.current_key(s)), readonly=True)

    def rotate_key(self, actor: Actor, *, key_type: KeyType | None = None) -> KeyInfo:
        """Create a new file key ``#key-N`` and make it current; the previous key retires.

        New marks and status lists are signed with the new key. The old keys stay in the DID
        document and in ``assertionMethod`` (marks they signed keep verifying), and the registry
        entry appends the new method. The retired private key file moves to ``keys/retired/``.
        """
        require_role(actor, Role.ADMIN, Role.SYSTEM)
        kind = key_type or self.kernel.config.key_type

        def work(session: Session) -> tuple[str, PrivateKey, str | None, int]:
            self.kernel.database.lock(session)  # one rotation at a time (PostgreSQL)
            taken = repo.fragments(session)
            number = len(taken) + 1
            while f"key-{number}" in taken:
                number += 1
            fragment = f"key-{number}"
            previous = repo.current_key(session)
            private_key = self._new_key_file(fragment, kind)
            row = self._add_key(session, actor, fragment, private_key.public_key, "file")
            self._publish_registry(session)
            old = previous.fragment if previous.storage == "file" else None
            return fragment, private_key, old, row.id

        fragment, private_key, old, row_id = self.kernel.run(work)
        self.kernel.remember_signer(
            row_id, FileSigner(self.kernel.method_id(fragment), private_key)
        )
        if old is not None:
            self.kernel.key_files.retire(old)
        return next(k for k in self.keys() if k.fragment == fragment)

    def _new_key_file(self, fragment: str, key_type: KeyType) -> PrivateKey:
        """The key of a new method: a new key file, or the file an interrupted run left."""
        method_id = self.kernel.method_id(fragment)
        files = self.kernel.key_files
        if not files.path(fragment).exists():
            private_key = PrivateKey.generate(key_type)
            try:
                files.write(fragment, private_key, method_id=method_id)
                return private_key
            except FileExistsError:
                pass
        return files.read(fragment, method_id=method_id).private_key

    def registry_entry(self) -> list[dict[str, Any]]:
        """Every published version of the authority's CBOR-LD registry entry, oldest first (the
        last is current). Append-only: each version keeps every code of the one before.

        :raises UsageError: no ``registry_entry_id`` is configured.
        """
        if self.kernel.config.registry_entry_id is None:
            raise UsageError("no registry_entry_id is configured")
        texts = self.kernel.run(repo.registry_versions, readonly=True)
        return [json.loads(text) for text in texts]
