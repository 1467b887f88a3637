"""The authority's identity: its DID document, signing keys and their rotation, and the
versions of its CBOR-LD registry entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from vic.contexts.errors import KeyTypeMismatchError, RecordNotFoundError, UsageError
from vic.did.keys import KeyType, PrivateKey, PublicKey
from vic.did.web import build_did_web_document, did_web_method_id
from vic.issuer.db.models import SigningKey
from vic.issuer.domain import Actor, KeyInfo, Role
from vic.issuer.kernel import SYSTEM_ACTOR, Kernel
from vic.issuer.keys import FileSigner, Signer
from vic.issuer.records import audit, dumps, require_role
from vic.issuer.repositories import keys as repo
from vic.vc.suites import suite_named

__all__ = ["COMPROMISED", "KeysService"]

COMPROMISED = "compromised"
"""The ``storage`` of a key declared compromised (its private key is destroyed, whatever it was
stored in; its method is no longer in the DID document)."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
        # retired private keys are destroyed, also those an older vic archived or a crash left
        files = self.kernel.key_files
        files.destroy_archived()
        for key in keys:
            if key.retired_at is not None and key.storage != "external":
                files.retire(key.fragment)

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

        def work(session: Session) -> tuple[list[tuple[str, PublicKey]], dict[str, datetime]]:
            rows = [r for r in repo.all_keys(session) if r.storage != COMPROMISED]
            methods = [(r.fragment, PublicKey.from_multibase(r.public_key_multibase)) for r in rows]
            retired = {r.fragment: _aware(r.retired_at) for r in rows if r.retired_at is not None}
            return methods, retired

        methods, retired = self.kernel.run(work, readonly=True)
        return build_did_web_document(self.kernel.did, methods, retired=retired)

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
                    compromised=r.storage == COMPROMISED,
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
        document and in ``assertionMethod`` (marks they signed keep verifying), each with the
        moment it retired (``retired``: a verifier refuses a credential of it dated later), and
        the registry entry appends the new method. The retired private key file is destroyed.

        :raises KeyTypeMismatchError: the configured cryptosuite cannot sign with ``key_type``.
        """
        require_role(actor, Role.ADMIN, Role.SYSTEM)
        kind = key_type or self.kernel.config.key_type
        suite = suite_named(self.kernel.config.cryptosuite)
        if kind not in suite.key_types:
            # a key the cryptosuite cannot use would stop all issuance and status list signing
            allowed = ", ".join(sorted(k.value for k in suite.key_types))
            raise KeyTypeMismatchError(
                f"{self.kernel.config.cryptosuite} signs with {allowed} keys, not {kind.value}: "
                "the rotation is refused (change the cryptosuite and key type together in the "
                "issuer's configuration)",
                key_type=kind.value,
                cryptosuite=self.kernel.config.cryptosuite,
            )

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
        self.kernel.forget_retired_signers(row_id)
        if old is not None:
            self.kernel.key_files.retire(old)
        return next(k for k in self.keys() if k.fragment == fragment)

    def compromise_key(self, actor: Actor, fragment: str) -> list[str]:
        """Declare the key ``#fragment`` compromised: remove its method from the DID document,
        destroy its private key file and the status lists it signed (they are signed again by
        the current key when next asked for), rotating first if it is the current key. Returns
        the VINs whose current mark it signed, for the caller to re-issue. Safe to repeat.

        :raises RecordNotFoundError: ``KEY_NOT_FOUND``.
        """
        require_role(actor, Role.ADMIN, Role.SYSTEM)
        current = self.kernel.run(lambda s: repo.current_key(s).fragment, readonly=True)
        if current == fragment:
            self.rotate_key(actor)

        def work(session: Session) -> list[str]:
            self.kernel.database.lock(session)
            row = next((k for k in repo.all_keys(session) if k.fragment == fragment), None)
            if row is None:
                raise RecordNotFoundError(f"no key #{fragment}", code="KEY_NOT_FOUND")
            if row.retired_at is None:  # pragma: no cover - rotated above
                raise UsageError(f"#{fragment} is still the current key")
            if row.storage != COMPROMISED:
                row.storage = COMPROMISED
                audit(session, actor, "key.compromise", self._method(row), self.kernel.now())
            repo.forget_publications(session, row.id)
            return repo.vins_of_current_marks(session, row.id)

        vins = self.kernel.run(work)
        self.kernel.forget_retired_signers(self.kernel.current_key_id())
        self.kernel.key_files.retire(fragment)
        return vins

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
