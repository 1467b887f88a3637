"""The generic VC-API: sign any valid VC 2.0 or 1.1 credential of the authority, set its status
bits, fetch a credential by id. Credentials have a status index space of their own
(``{status_base}/vcapi/{purpose}/{n}``)."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from vic.contexts.errors import (
    ConflictError,
    RecordNotFoundError,
    RefusedError,
    UsageError,
)
from vic.issuer.db.models import Credential, StatusEntry
from vic.issuer.domain import Actor, IssuedCredential, Role, StatusSpace
from vic.issuer.kernel import Kernel
from vic.issuer.marks import ToSign
from vic.issuer.records import audit, dumps, require_role
from vic.issuer.repositories import credentials as repo
from vic.issuer.repositories import keys as keys_repo
from vic.issuer.status import PURPOSES, allocate, list_url, set_bit
from vic.vc.datamodel import check_credential
from vic.vc.jsonld import expand
from vic.vc.mark import new_mark_id
from vic.vc.status import StatusPurpose

__all__ = ["VcApiService"]


class VcApiService:
    """The generic VC-API (see the module doc)."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def issue_credential(
        self,
        actor: Actor,
        credential: Mapping[str, Any],
        *,
        with_status: bool = False,
        purposes: Sequence[StatusPurpose] = PURPOSES,
    ) -> IssuedCredential:
        """Sign any valid VC 2.0 or 1.1 credential (VC-API ``/credentials/issue``).

        Its issuer must be the authority's DID. A credential without ``id`` gets a ``urn:uuid``
        one (the VC-API finds credentials by id). ``with_status`` adds a BitstringStatusListEntry
        per purpose (VC 2.0 only), in lists of 131,072 at ``{status_base}/vcapi/{purpose}/{n}``,
        an index space of their own.

        :raises DataModelError, ValidityRangeError: the credential breaks the data model.
        :raises RefusedError: ``ISSUER_MISMATCH``, ``CREDENTIAL_HAS_PROOF``,
            ``CREDENTIAL_HAS_STATUS``, ``STATUS_NEEDS_VC2``.
        :raises ConflictError: ``CREDENTIAL_EXISTS``.
        :raises JsonLdError: the credential does not canonicalize (undefined terms...).
        """
        require_role(actor, Role.ADMIN, Role.SYSTEM, Role.OFFICE)
        did = self.kernel.did
        info = check_credential(credential)
        if info.issuer != did:
            raise RefusedError(
                f"the issuer must be {did}, not {info.issuer}", code="ISSUER_MISMATCH"
            )
        if "proof" in credential:
            raise RefusedError("the credential is already signed", code="CREDENTIAL_HAS_PROOF")
        # JSON-LD safety (undefined terms, relative IRIs) before the id is looked up: a reused
        # id on a credential that would not sign is refused for that (4xx), never 409.
        expand(credential)
        chosen = tuple(dict.fromkeys(StatusPurpose(p) for p in purposes))
        if with_status:
            if info.version != 2:
                raise RefusedError(
                    "status entries are BitstringStatusListEntry, defined for VC 2.0 only",
                    code="STATUS_NEEDS_VC2",
                )
            if "credentialStatus" in credential:
                raise RefusedError(
                    "the credential already has a status", code="CREDENTIAL_HAS_STATUS"
                )
            if not chosen or any(p not in PURPOSES for p in chosen):
                raise UsageError("status purposes are revocation and/or suspension")
        document = copy.deepcopy(dict(credential))
        document.setdefault("id", new_mark_id())
        credential_id = str(document["id"])

        def work(session: Session) -> ToSign:
            if repo.exists(session, credential_id):
                raise ConflictError(f"{credential_id} was issued", code="CREDENTIAL_EXISTS")
            now = self.kernel.now()
            entry = None
            if with_status:
                entry = allocate(session, StatusSpace.VCAPI, now)[0]
                entries = [
                    self._status_entry(purpose, entry.list_index, entry.position)
                    for purpose in chosen
                ]
                document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
            text = dumps(document)
            row = repo.add_pending(
                session,
                credential_id=credential_id,
                status_entry_id=entry.entry_id if entry else None,
                purposes=",".join(p.value for p in chosen) if with_status else "",
                unsigned=text,
                created_at=now,
                actor_id=actor.id,
            )
            audit(
                session,
                actor,
                "credential.allocate",
                f"credential:{credential_id}",
                now,
                status=with_status,
            )
            return ToSign(row.id, text, keys_repo.current_key(session).id)

        return self.finish_credential(actor, self.kernel.run(work))

    def _status_entry(
        self, purpose: StatusPurpose, list_index: int, position: int
    ) -> dict[str, Any]:
        url = list_url(self.kernel.status_base, StatusSpace.VCAPI, purpose, list_index)
        return {
            "id": f"{url}#{position}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose.value,
            "statusListIndex": str(position),
            "statusListCredential": url,
        }

    def finish_credential(self, actor: Actor, plan: ToSign) -> IssuedCredential:
        """Sign a pending credential and store it (a failed signature discards it)."""
        key_id = self.kernel.current_key_id()  # a key retired since the plan is destroyed
        try:
            signed = self.kernel.sign(json.loads(plan.unsigned), key_id)
        except BaseException:
            self.kernel.run(lambda s: self._discard(s, actor, plan.row_id))
            raise
        text = dumps(signed)

        def store(session: Session) -> IssuedCredential:
            row = repo.for_update(session, plan.row_id)
            if row.state == "pending":
                now = self.kernel.now()
                row.state, row.credential, row.issued_at = "issued", text, now
                row.signing_key_id = key_id
                audit(session, actor, "credential.issue", f"credential:{row.credential_id}", now)
            entry = session.get(StatusEntry, row.status_entry_id) if row.status_entry_id else None
            stored = json.loads(row.credential or text)
            return IssuedCredential(
                credential_id=row.credential_id,
                credential=stored,
                status_list_index=entry.list_index if entry else None,
                status_position=entry.position if entry else None,
                purposes=tuple(StatusPurpose(p) for p in row.purposes.split(",") if p),
            )

        return self.kernel.run(store)

    def _discard(self, session: Session, actor: Actor, row_id: int) -> None:
        row = session.get_one(Credential, row_id)
        if row.state == "pending":
            row.state = "discarded"
            audit(
                session,
                actor,
                "credential.discard",
                f"credential:{row.credential_id}",
                self.kernel.now(),
            )

    def update_status(
        self, actor: Actor, credential_id: str, purpose: StatusPurpose, value: bool
    ) -> bool:
        """Set or clear a status bit of a VC-API credential (VC-API ``/credentials/status``).
        Returns whether the bit changed. Revocation is final.

        :raises RecordNotFoundError: ``CREDENTIAL_NOT_FOUND``.
        :raises RefusedError: ``NO_STATUS`` (issued without status, or not with this purpose),
            ``REVOCATION_IS_FINAL``.
        """
        require_role(actor, Role.ADMIN, Role.SYSTEM, Role.OFFICE)
        purpose = StatusPurpose(purpose)

        def work(session: Session) -> bool:
            row = repo.issued(session, credential_id, lock=True)
            if row is None:
                raise RecordNotFoundError(
                    f"no credential {credential_id}", code="CREDENTIAL_NOT_FOUND"
                )
            if row.status_entry_id is None or purpose.value not in row.purposes.split(","):
                raise RefusedError(
                    f"the credential has no {purpose.value} status", code="NO_STATUS"
                )
            entry = session.get_one(StatusEntry, row.status_entry_id)
            if purpose is StatusPurpose.REVOCATION and entry.revoked and not value:
                raise RefusedError("a revoked credential stays revoked", code="REVOCATION_IS_FINAL")
            changed = set_bit(session, entry.id, purpose, value)
            if changed:
                audit(
                    session,
                    actor,
                    "credential.status",
                    f"credential:{credential_id}",
                    self.kernel.now(),
                    purpose=purpose.value,
                    value=value,
                )
            return changed

        return self.kernel.run(work)

    def get_credential(self, credential_id: str) -> dict[str, Any]:
        """A credential this issuer issued, by id: a VC-API credential, or a mark by its
        ``urn:uuid`` id (kept by the issuer even when the mark does not carry it).

        :raises RecordNotFoundError: ``CREDENTIAL_NOT_FOUND``.
        """
        text = self.kernel.run(lambda s: repo.issued_text(s, credential_id), readonly=True)
        if text is None:
            raise RecordNotFoundError(f"no credential {credential_id}", code="CREDENTIAL_NOT_FOUND")
        document: dict[str, Any] = json.loads(text)
        return document
