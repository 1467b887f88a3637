"""The issuer's kernel: what every service shares — the database, the clock, the signer cache and
the audit log. Services hold a kernel; they never hold each other's state.

The shape, from the HTTP route (or CLI command) down to SQL::

    route / command  ->  service method  ->  repository function  ->  SQLAlchemy
    (vic.issuer.api)     (vic.issuer.services.*)  (vic.issuer.repositories.*)

* A **service** (``KeysService(kernel)``, ``IssuanceService(kernel, ...)``...) is one capability
  of the authority. Its methods take an :class:`~vic.issuer.domain.Actor`, check the role, open a
  transaction with :meth:`Kernel.run`, apply the domain rules, record an audit row with
  :func:`~vic.issuer.records.audit` in the same transaction, and return a typed result. It builds no
  SQL: it calls repository functions.
* A **repository function** takes the transaction's ``Session`` and does one query or write
  (``vehicles.plate_holder(session, plate, type)``). It holds no rule beyond the query.
* The **kernel** is built once by :meth:`Kernel.open` and passed to every service; it owns the
  things that must exist once per issuer: the database, the configuration and clock
  (:attr:`ctx`), the key files, and the signers (loaded once, cached by key row id).

A new capability (OpenID4VCI, operators...) is a new module in ``issuer/services/`` whose class
takes the kernel (and any service it builds on), with its queries in ``issuer/repositories/``;
the :class:`~vic.issuer.engine.Issuer` facade may expose it as an attribute.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from vic.contexts.errors import UsageError
from vic.issuer.config import IssuerConfig
from vic.issuer.db.engine import Database, open_database
from vic.issuer.domain import Actor, Role
from vic.issuer.keys import KeyFiles, Signer
from vic.issuer.records import Context
from vic.issuer.repositories import audit as audit_repo
from vic.issuer.repositories import keys as keys_repo
from vic.issuer.repositories.audit import AuditRecord
from vic.vc.proofs import add_proof

__all__ = ["SYSTEM_ACTOR", "AuditRecord", "Kernel"]

SYSTEM_ACTOR = Actor("issuer", Role.SYSTEM)
"""The issuer itself, for what no person asked for (bootstrap, resuming pending marks)."""

T = TypeVar("T")


class Kernel:
    """The database, clock, signer cache and audit log every service shares (module doc)."""

    def __init__(
        self, config: IssuerConfig, database: Database, *, signer: Signer | None = None
    ) -> None:
        """Use :meth:`open` (this does not touch the database)."""
        self.config = config
        self.database = database
        self.ctx = Context(config=config, did=config.did, status_base=config.status_base)
        self.key_files = KeyFiles(config.keys_dir, passphrase=config.passphrase())
        self.external_signer = signer
        self._signers: dict[int, Signer] = {}
        self._signers_lock = threading.Lock()

    @classmethod
    def open(cls, config: IssuerConfig, *, signer: Signer | None = None) -> Kernel:
        """Create the data directory and open (and migrate) the database."""
        config.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(config.data_dir, 0o700)  # whatever existed: it holds the keys and the database
        if config.keys_dir.is_dir():
            os.chmod(config.keys_dir, 0o700)
        database = open_database(config.database, schema=config.database_schema)
        return cls(config, database, signer=signer)

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()

    # --- identity, clock, transactions ----------------------------------------------------------

    @property
    def did(self) -> str:
        """The authority's did:web."""
        return self.ctx.did

    @property
    def status_base(self) -> str:
        """The base URL of the marks' status lists."""
        return self.ctx.status_base

    def now(self) -> datetime:
        """The clock's time, aware UTC."""
        return self.ctx.now()

    def today(self) -> date:
        """Today in China Standard Time (the day of events)."""
        return self.ctx.today()

    def run(self, work: Callable[[Session], T], *, readonly: bool = False) -> T:
        """Run ``work`` in one transaction (retried on lock conflicts; see ``Database.run``)."""
        return self.database.run(work, readonly=readonly)

    def method_id(self, fragment: str) -> str:
        """The verification method id of a key fragment (``did:web:...#key-1``)."""
        return f"{self.did}#{fragment}"

    # --- signing ---------------------------------------------------------------------------------

    def current_key_id(self) -> int:
        """The row id of the key new signatures use."""
        return self.run(keys_repo.current_key_id, readonly=True)

    def current_signer(self) -> Signer:
        """The signer of the current key (for securing formats other than the marks' Data
        Integrity proofs, e.g. vc+jwt deliveries).

        :raises InvalidKeyError: the key file cannot be read.
        """
        return self.signer_for(self.current_key_id())

    def remember_signer(self, key_id: int, signer: Signer) -> None:
        """Cache the signer of a key row (a key just created)."""
        with self._signers_lock:
            self._signers[key_id] = signer

    def forget_retired_signers(self, current_key_id: int) -> None:
        """Drop every cached signer but the current key's (a rotation: nothing else signs)."""
        with self._signers_lock:
            for key_id in [k for k in self._signers if k != current_key_id]:
                del self._signers[key_id]

    def signs_with(self, key_id: int) -> bool:
        """Whether this process signs with key row ``key_id`` (its signer is cached: the key was
        current when last used here; a rotation elsewhere is caught when the mark is stored)."""
        with self._signers_lock:
            return key_id in self._signers

    def signer_for(self, key_id: int) -> Signer:
        """The signer of a key row: its key file (read once) or the external signer.

        :raises UsageError: an external key without its signer; a key file holding another key.
        :raises InvalidKeyError: the key file cannot be read.
        """
        with self._signers_lock:
            signer = self._signers.get(key_id)
        if signer is not None:
            return signer
        row = self.run(lambda s: keys_repo.key_facts(s, key_id), readonly=True)
        method_id = self.method_id(row.fragment)
        if row.storage == "external":
            external = self.external_signer
            if external is None or external.method_id != method_id:
                raise UsageError(f"{method_id} is an external key: open the issuer with its signer")
            signer = external
        else:
            from_file = self.key_files.read(row.fragment, method_id=method_id)
            if from_file.public_key.to_multibase() != row.public_key_multibase:
                raise UsageError(f"the key file of {method_id} holds another key")
            signer = from_file
        self.remember_signer(key_id, signer)
        return signer

    def sign(
        self, document: Mapping[str, Any], key_id: int, *, include_created: bool = True
    ) -> dict[str, Any]:
        """``document`` with a Data Integrity proof by the key of row ``key_id``."""
        signer = self.signer_for(key_id)
        return add_proof(
            document,
            key=signer,
            cryptosuite=self.config.cryptosuite,
            verification_method=signer.method_id,
            include_created=include_created,
            clock=self.config.clock,
        )

    # --- audit -----------------------------------------------------------------------------------

    def audit_log(self, *, target: str | None = None, limit: int = 100) -> list[AuditRecord]:
        """The newest audit rows (of one target, e.g. ``vehicle:{VIN}``), newest first. Rows
        are written by the services, in their own transactions
        (:func:`~vic.issuer.records.audit`)."""
        return self.run(lambda s: audit_repo.newest(s, target=target, limit=limit), readonly=True)
