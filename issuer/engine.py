"""The issuer engine: one facade for the HTTP service, the command line and the batch importer.

``Issuer.open(IssuerConfig(...))`` opens (and migrates) the database, loads the signing key
(creating ``#key-1`` on first use) and publishes the DID document and registry entry from the
database. Every domain action takes an :class:`~issuer.domain.Actor` (who, for the audit log) and
returns a typed result; a refusal raises a :class:`~contexts.errors.DomainError` with a stable
code. Every write records an audit row in the write's own transaction. docs/issuer.md is the
guide.

Issuing a mark is two short transactions around the signature (see :mod:`issuer.marks`): the
event and a pending mark (with its status index) first, the signed mark and the revocation of the
previous one second. Every event carries an idempotency key, so a repeated or retried event
returns its mark instead of issuing another, and a crash between the two leaves a pending mark
that the retry (or :meth:`Issuer.resume_pending`) finishes.
"""

from __future__ import annotations

import copy
import functools
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vic.contexts.errors import (
    ConflictError,
    PermissionDeniedError,
    RecordNotFoundError,
    RefusedError,
    UsageError,
    VicError,
)
from vic.did.keys import KeyType, PrivateKey, PublicKey
from vic.did.web import build_did_web_document, did_web_method_id
from vic.issuer.batch import plan_inspections
from vic.issuer.config import IssuerConfig
from vic.issuer.db.engine import Database, open_database
from vic.issuer.db.models import (
    AuditEntry,
    Credential,
    ExemptionApplication,
    Filing,
    Inspection,
    Mark,
    Owner,
    PaperOrder,
    RegistryVersion,
    SigningKey,
    Station,
    StatusEntry,
    Vehicle,
)
from vic.issuer.domain import (
    Actor,
    Delivery,
    FilingInfo,
    InspectionOutcome,
    InspectionReport,
    IssuanceReason,
    IssuedCredential,
    IssuedMark,
    KeyInfo,
    MarkStatus,
    PaperOrderInfo,
    PaperReason,
    PublishedStatusList,
    RevocationReason,
    Role,
    StationInfo,
    StatusSpace,
    VehicleChange,
    VehicleInfo,
    VehicleRegistration,
)
from vic.issuer.keys import FileSigner, KeyFiles, Signer
from vic.issuer.marks import (
    Done,
    PendingRequest,
    Plan,
    Revocation,
    Signed,
    ToSign,
    create_pending,
    replay,
    revoke,
    store_signed,
)
from vic.issuer.policy import ExemptionCode, exemption_allowed, next_due
from vic.issuer.publish import StatusPublisher
from vic.issuer.records import (
    Context,
    audit,
    current_key,
    current_mark,
    dumps,
    latest_mark,
    mark_result,
    mark_status,
    may_see,
    owner_for,
    require_role,
    vehicle_by_vin,
    vehicle_facts,
    vehicle_info,
    vehicle_subject,
    year_month,
)
from vic.issuer.status import PURPOSES, allocate, ensure_first_lists, list_url, set_bit
from vic.vc.datamodel import check_credential
from vic.vc.mark import InspectionBasis, new_mark_id, valid_until_for_month
from vic.vc.proofs import add_proof
from vic.vc.status import StatusPurpose

__all__ = ["AuditRecord", "Issuer"]

SYSTEM_ACTOR = Actor("issuer", Role.SYSTEM)


@dataclass(frozen=True)
class AuditRecord:
    """One row of the audit log."""

    at: datetime
    actor_id: str
    actor_role: str
    action: str
    target: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class _Refusal:
    """A refusal to raise after its record is committed (e.g. a refused exemption)."""

    error: RefusedError


class Issuer:
    """The traffic authority's issuer (see the module doc). Open it with :meth:`open`."""

    def __init__(
        self, config: IssuerConfig, database: Database, *, signer: Signer | None = None
    ) -> None:
        """Use :meth:`open`."""
        self.config = config
        self._database = database
        self._ctx = Context(config=config, did=config.did, status_base=config.status_base)
        self._keys = KeyFiles(config.keys_dir, passphrase=config.passphrase())
        self._external = signer
        self._signers: dict[int, Signer] = {}
        self._signers_lock = threading.Lock()
        self._publisher = StatusPublisher(database, self._ctx, self._sign_with)

    # --- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        config: IssuerConfig,
        *,
        signer: Signer | None = None,
        signer_public_key: PublicKey | None = None,
    ) -> Issuer:
        """Open the issuer: database (migrated), keys, status lists, registry entry.

        The first open of an empty database creates the file key ``#key-1`` (encrypted when a
        passphrase is configured). With ``signer`` (an HSM or KMS), signatures come from it for
        its method: a method the database knows (external), or a new one registered from
        ``signer_public_key`` as the current key (the previous one retires).

        :raises UsageError: a bad configuration, or an unknown external signer without its
            public key.
        :raises InvalidKeyError: the key file cannot be read (``KEY_PASSPHRASE_REQUIRED``,
            ``KEY_DECRYPTION_FAILED``, ``KEY_FILE_PERMISSIONS``...).
        """
        config.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        database = open_database(config.database, schema=config.database_schema)
        issuer = cls(config, database, signer=signer)
        try:
            issuer._bootstrap(signer, signer_public_key)
            issuer._signer_for(issuer._current_key_id())  # fail now if the key cannot be read
        except BaseException:
            database.dispose()
            raise
        return issuer

    def close(self) -> None:
        """Release the database connections."""
        self._database.dispose()

    def __enter__(self) -> Issuer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def database(self) -> Database:
        """The open database (for tools and tests; the engine's methods are the API)."""
        return self._database

    def _bootstrap(self, signer: Signer | None, signer_public_key: PublicKey | None) -> None:
        def work(session: Session) -> None:
            self._database.lock(session)  # one bootstrap at a time (PostgreSQL)
            now = self._ctx.now()
            ensure_first_lists(session, now)
            keys = session.execute(select(SigningKey)).scalars().all()
            if signer is not None:
                known = [k for k in keys if self._method(k) == signer.method_id]
                if known:
                    if known[0].storage != "external" or known[0].retired_at is not None:
                        raise UsageError(f"{signer.method_id} is not a current external key")
                elif signer_public_key is None:
                    raise UsageError(
                        f"{signer.method_id} is not a key of {self.did}: "
                        "pass signer_public_key to register it"
                    )
                else:
                    self._add_key(
                        session,
                        SYSTEM_ACTOR,
                        self._fragment_of(signer.method_id),
                        signer_public_key,
                        storage="external",
                    )
            elif not keys:
                private_key = self._new_key_file("key-1", self.config.key_type)
                self._add_key(session, SYSTEM_ACTOR, "key-1", private_key.public_key, "file")
            self._publish_registry(session, now)

        self._database.run(work)

    # --- identity and keys -----------------------------------------------------------------------

    @property
    def did(self) -> str:
        """The authority's did:web."""
        return self._ctx.did

    @property
    def status_base(self) -> str:
        """The base URL of the marks' status lists (``terseStatusListBaseUrl``)."""
        return self._ctx.status_base

    def _method(self, key: SigningKey) -> str:
        return f"{self.did}#{key.fragment}"

    def _fragment_of(self, method_id: str) -> str:
        full = did_web_method_id(self.did, method_id)
        return full.split("#", 1)[1]

    def _add_key(
        self, session: Session, actor: Actor, fragment: str, public_key: PublicKey, storage: str
    ) -> SigningKey:
        now = self._ctx.now()
        for key in session.execute(
            select(SigningKey).where(SigningKey.retired_at.is_(None))
        ).scalars():
            key.retired_at = now
        row = SigningKey(
            fragment=fragment,
            key_type=public_key.key_type.value,
            public_key_multibase=public_key.to_multibase(),
            storage=storage,
            created_at=now,
        )
        session.add(row)
        session.flush()
        audit(session, actor, "key.add", self._method(row), now, storage=storage)
        return row

    def _publish_registry(self, session: Session, now: datetime) -> None:
        entry_id = self.config.registry_entry_id
        if entry_id is None:
            return
        from vic.vc.cborld.registry import RegistryEntry, authority_entry

        latest = session.execute(
            select(RegistryVersion).order_by(RegistryVersion.version.desc()).limit(1)
        ).scalar_one_or_none()
        previous = RegistryEntry.from_json(json.loads(latest.entry_json)) if latest else None
        methods = [
            self._method(k)
            for k in session.execute(select(SigningKey).order_by(SigningKey.id)).scalars()
        ]
        entry = authority_entry(
            entry_id,
            did=self.did,
            verification_methods=methods,
            status_base_urls=[self.status_base],
            previous=previous,
        )
        if previous is None or entry.version != previous.version:
            session.add(
                RegistryVersion(
                    version=entry.version,
                    entry_id=entry.entry_id,
                    entry_json=dumps(entry.to_json()),
                    created_at=now,
                )
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
            rows = session.execute(select(SigningKey).order_by(SigningKey.id)).scalars()
            return [(r.fragment, PublicKey.from_multibase(r.public_key_multibase)) for r in rows]

        return build_did_web_document(self.did, self._database.run(work, readonly=True))

    def keys(self) -> list[KeyInfo]:
        """The authority's keys, oldest first."""

        def work(session: Session) -> list[KeyInfo]:
            rows = session.execute(select(SigningKey).order_by(SigningKey.id)).scalars()
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
                for r in rows
            ]

        return self._database.run(work, readonly=True)

    def current_method_id(self) -> str:
        """The verification method new signatures use."""
        return self._database.run(lambda s: self._method(current_key(s)), readonly=True)

    def rotate_key(self, actor: Actor, *, key_type: KeyType | None = None) -> KeyInfo:
        """Create a new file key ``#key-N`` and make it current; the previous key retires.

        New marks and status lists are signed with the new key. The old keys stay in the DID
        document and in ``assertionMethod`` (marks they signed keep verifying), and the registry
        entry appends the new method. The retired private key file moves to ``keys/retired/``.
        """
        require_role(actor, Role.ADMIN, Role.SYSTEM)
        kind = key_type or self.config.key_type

        def work(session: Session) -> tuple[str, PrivateKey, str | None, int]:
            self._database.lock(session)  # one rotation at a time (PostgreSQL)
            taken = set(session.execute(select(SigningKey.fragment)).scalars())
            number = len(taken) + 1
            while f"key-{number}" in taken:
                number += 1
            fragment = f"key-{number}"
            previous = current_key(session)
            private_key = self._new_key_file(fragment, kind)
            row = self._add_key(session, actor, fragment, private_key.public_key, "file")
            self._publish_registry(session, self._ctx.now())
            old = previous.fragment if previous.storage == "file" else None
            return fragment, private_key, old, row.id

        fragment, private_key, old, row_id = self._database.run(work)
        with self._signers_lock:
            self._signers[row_id] = FileSigner(f"{self.did}#{fragment}", private_key)
        if old is not None:
            self._keys.retire(old)
        return next(k for k in self.keys() if k.fragment == fragment)

    def _new_key_file(self, fragment: str, key_type: KeyType) -> PrivateKey:
        """The key of a new method: a new key file, or the file an interrupted run left."""
        method_id = f"{self.did}#{fragment}"
        if not self._keys.path(fragment).exists():
            private_key = PrivateKey.generate(key_type)
            try:
                self._keys.write(fragment, private_key, method_id=method_id)
                return private_key
            except FileExistsError:
                pass
        return self._keys.read(fragment, method_id=method_id).private_key

    def registry_entry(self) -> list[dict[str, Any]]:
        """Every published version of the authority's CBOR-LD registry entry, oldest first (the
        last is current). Append-only: each version keeps every code of the one before.

        :raises UsageError: no ``registry_entry_id`` is configured.
        """
        if self.config.registry_entry_id is None:
            raise UsageError("no registry_entry_id is configured")

        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.execute(select(RegistryVersion).order_by(RegistryVersion.version))
            return [json.loads(r.entry_json) for r in rows.scalars()]

        return self._database.run(work, readonly=True)

    # --- signing ---------------------------------------------------------------------------------

    def _current_key_id(self) -> int:
        return self._database.run(lambda s: current_key(s).id, readonly=True)

    def current_signer(self) -> Signer:
        """The signer of the current key (for securing formats other than the marks' Data
        Integrity proofs, e.g. vc+jwt deliveries).

        :raises InvalidKeyError: the key file cannot be read.
        """
        return self._signer_for(self._current_key_id())

    def _signer_for(self, key_id: int) -> Signer:
        with self._signers_lock:
            signer = self._signers.get(key_id)
        if signer is not None:
            return signer

        def work(session: Session) -> tuple[str, str, str]:
            row = session.get_one(SigningKey, key_id)
            return row.fragment, row.storage, row.public_key_multibase

        fragment, storage, public_multibase = self._database.run(work, readonly=True)
        method_id = f"{self.did}#{fragment}"
        if storage == "external":
            if self._external is None or self._external.method_id != method_id:
                raise UsageError(f"{method_id} is an external key: open the issuer with its signer")
            signer = self._external
        else:
            signer = self._keys.read(fragment, method_id=method_id)
            if signer.public_key.to_multibase() != public_multibase:
                raise UsageError(f"the key file of {method_id} holds another key")
        with self._signers_lock:
            self._signers[key_id] = signer
        return signer

    def _sign_with(
        self, document: Mapping[str, Any], key_id: int, *, include_created: bool = True
    ) -> dict[str, Any]:
        signer = self._signer_for(key_id)
        # add_proof uses only key.key_type and key.sign: a Signer is structurally enough (its
        # annotation says PrivateKey; see docs/issuer.md, "Signers").
        return add_proof(
            document,
            key=signer,
            cryptosuite=self.config.cryptosuite,
            verification_method=signer.method_id,
            include_created=include_created,
            clock=self.config.clock,
        )

    # --- issuing ---------------------------------------------------------------------------------

    def _finish(self, actor: Actor, plan: ToSign) -> IssuedMark:
        """Sign a pending mark and store it (the second transaction)."""
        return self._finish_many(actor, [plan])[0]

    def _finish_many(self, actor: Actor, plans: Sequence[ToSign]) -> list[IssuedMark]:
        """Sign pending marks and store them in one transaction (re-signing any whose key was
        retired meanwhile)."""
        results: dict[int, IssuedMark] = {}
        todo = list(plans)
        while todo:
            signed = [
                Signed(
                    plan.row_id,
                    dumps(
                        self._sign_with(
                            json.loads(plan.unsigned),
                            plan.key_id,
                            include_created=self.config.proof_created,
                        )
                    ),
                    plan.key_id,
                )
                for plan in todo
            ]
            stored = self._database.run(
                functools.partial(store_signed, ctx=self._ctx, actor=actor, signed=signed)
            )
            retry: list[ToSign] = []
            key_id: int | None = None
            for plan, result in zip(todo, stored, strict=True):
                if result is not None:
                    results[plan.row_id] = result
                    continue
                key_id = key_id or self._current_key_id()  # rotated meanwhile: the new key
                retry.append(ToSign(plan.row_id, plan.unsigned, key_id))
            todo = retry
        return [results[plan.row_id] for plan in plans]

    def _pending(
        self,
        session: Session,
        actor: Actor,
        vehicle: Vehicle,
        *,
        reason: IssuanceReason,
        basis: InspectionBasis,
        valid_until: datetime,
        event_key: str,
        inspection_id: int | None = None,
        exemption_id: int | None = None,
    ) -> ToSign:
        request = PendingRequest(
            vehicle_id=vehicle.id,
            subject=vehicle_subject(vehicle, basis),
            reason=reason,
            valid_until=valid_until,
            event_key=event_key,
            inspection_id=inspection_id,
            exemption_id=exemption_id,
        )
        return create_pending(session, self._ctx, actor, [request])[0]

    def _issue(self, actor: Actor, work: Callable[[Session], Plan]) -> IssuedMark:
        plan = self._database.run(work)
        if isinstance(plan, Done):
            return plan.mark
        return self._finish(actor, plan)

    def register_vehicle(
        self, actor: Actor, registration: VehicleRegistration, *, event_key: str | None = None
    ) -> IssuedMark:
        """Register a vehicle and issue its first mark (the mark comes with the registration).

        The validity is what the policy grants on the day (``next_due``), or
        ``registration.valid_until`` for an imported vehicle. Idempotency key: ``event_key``,
        by default ``registration:{VIN}``.

        :raises ConflictError: ``VEHICLE_EXISTS``, ``PLATE_IN_USE``, ``EVENT_KEY_REUSED``.
        :raises RefusedError: ``VALIDITY_ENDED`` (an imported validity in the past).
        :raises UsageError: a first registration after today.
        """
        require_role(actor, Role.OFFICE, Role.SYSTEM)
        key = event_key or f"registration:{registration.vin}"
        today = self._ctx.today()
        if registration.first_registration > today:
            raise UsageError("the first registration is after today")

        def work(session: Session) -> Plan:
            existing = session.execute(
                select(Vehicle).where(Vehicle.vin == registration.vin)
            ).scalar_one_or_none()
            if existing is not None:
                replayed = replay(session, self._ctx, key, existing.id, IssuanceReason.REGISTRATION)
                if replayed is not None:
                    return replayed
                raise ConflictError(
                    f"{registration.vin} is already registered", code="VEHICLE_EXISTS"
                )
            self._check_plate_free(session, registration.plate, registration.plate_type_code)
            now = self._ctx.now()
            owner = owner_for(session, registration.owner, now)
            vehicle = Vehicle(
                vin=registration.vin,
                plate=registration.plate,
                plate_type_code=registration.plate_type_code,
                vehicle_type_code=registration.vehicle_type_code,
                use_category=registration.use_category.value,
                seats=registration.seats,
                first_registration=registration.first_registration,
                is_van=registration.is_van,
                casualty_accident=registration.casualty_accident,
                casualty_accident_date=registration.casualty_accident_date,
                owner_id=owner.id,
                created_at=now,
                updated_at=now,
            )
            session.add(vehicle)
            session.flush()
            if registration.valid_until is not None:
                valid_until = valid_until_for_month(*registration.valid_until)
            else:
                valid_until = next_due(registration.facts(), after=today).valid_until()
            audit(
                session,
                actor,
                "vehicle.register",
                f"vehicle:{vehicle.vin}",
                now,
                plate=vehicle.plate,
                owner=registration.owner,
                event=key,
            )
            return self._pending(
                session,
                actor,
                vehicle,
                reason=IssuanceReason.REGISTRATION,
                basis=InspectionBasis.ON_SITE,
                valid_until=valid_until,
                event_key=key,
            )

        return self._issue(actor, work)

    def _check_plate_free(
        self, session: Session, plate: str, plate_type: str, vehicle_id: int | None = None
    ) -> None:
        other = session.execute(
            select(Vehicle.id).where(
                Vehicle.plate == plate,
                Vehicle.plate_type_code == plate_type,
                Vehicle.cancelled_at.is_(None),
            )
        ).scalar_one_or_none()
        if other is not None and other != vehicle_id:
            raise ConflictError(f"plate {plate} is in use", code="PLATE_IN_USE")

    def _same_validity(
        self,
        actor: Actor,
        vin: str,
        *,
        event_key: str,
        reason: IssuanceReason,
        update: Callable[[Session, Vehicle, datetime], dict[str, Any]],
    ) -> IssuedMark:
        """An event that re-issues the mark with the current validity (transfer, change...)."""

        def work(session: Session) -> Plan:
            vehicle = vehicle_by_vin(session, vin, lock=True, active=False)
            replayed = replay(session, self._ctx, event_key, vehicle.id, reason)
            if replayed is not None:
                return replayed
            if vehicle.cancelled_at is not None:
                raise RefusedError(
                    f"the registration of {vehicle.vin} is cancelled", code="VEHICLE_CANCELLED"
                )
            now = self._ctx.now()
            latest = latest_mark(session, vehicle.id)
            if latest is None or latest.valid_until < now:
                raise RefusedError(
                    f"{vehicle.vin} has no valid inspection: it needs one first",
                    code="INSPECTION_OVERDUE",
                )
            detail = update(session, vehicle, now)
            vehicle.updated_at = now
            vehicle_subject(vehicle, InspectionBasis(latest.basis))  # the changed fields hold
            vehicle_facts(vehicle)
            audit(
                session,
                actor,
                f"vehicle.{reason.value}",
                f"vehicle:{vehicle.vin}",
                now,
                event=event_key,
                **detail,
            )
            return self._pending(
                session,
                actor,
                vehicle,
                reason=reason,
                basis=InspectionBasis(latest.basis),
                valid_until=latest.valid_until,
                event_key=event_key,
            )

        return self._issue(actor, work)

    def transfer_vehicle(
        self,
        actor: Actor,
        vin: str,
        *,
        new_owner: str,
        event_key: str,
        plate: str | None = None,
        plate_type_code: str | None = None,
    ) -> IssuedMark:
        """Transfer a vehicle to ``new_owner`` (optionally with a new plate); issue a new mark
        with the current validity. The previous owner's filings for the vehicle end.

        :param event_key: the office's transaction number (the idempotency key).
        :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
        :raises RefusedError: ``VEHICLE_CANCELLED``, ``INSPECTION_OVERDUE``.
        :raises ConflictError: ``PLATE_IN_USE``, ``EVENT_KEY_REUSED``.
        """
        require_role(actor, Role.OFFICE, Role.SYSTEM)
        Actor(new_owner, Role.OWNER)  # the same id rules

        def update(session: Session, vehicle: Vehicle, now: datetime) -> dict[str, Any]:
            if plate is not None or plate_type_code is not None:
                vehicle.plate = plate or vehicle.plate
                vehicle.plate_type_code = plate_type_code or vehicle.plate_type_code
                subject = vehicle_subject(vehicle, InspectionBasis.ON_SITE)
                vehicle.plate = subject.registration_number
                self._check_plate_free(session, vehicle.plate, vehicle.plate_type_code, vehicle.id)
            vehicle.owner_id = owner_for(session, new_owner, now).id
            for filing in session.execute(
                select(Filing).where(Filing.vehicle_id == vehicle.id, Filing.ended_at.is_(None))
            ).scalars():
                filing.ended_at = now
            return {"owner": new_owner, "plate": vehicle.plate}

        return self._same_validity(
            actor,
            vin,
            event_key=f"transfer:{event_key}",
            reason=IssuanceReason.TRANSFER,
            update=update,
        )

    def change_vehicle(
        self, actor: Actor, vin: str, change: VehicleChange, *, event_key: str
    ) -> IssuedMark:
        """Change a vehicle's registration; issue a new mark with the current validity.

        :raises MarkShapeError: the changed plate, plate type or vehicle type is invalid.
        :raises UsageError: the changed facts are impossible (seats of a small car...).
        :raises RefusedError, ConflictError: as :meth:`transfer_vehicle`.
        """
        require_role(actor, Role.OFFICE, Role.SYSTEM)

        def update(session: Session, vehicle: Vehicle, now: datetime) -> dict[str, Any]:
            changed: dict[str, Any] = {}
            for name in ("plate", "plate_type_code", "vehicle_type_code", "seats", "is_van"):
                value = getattr(change, name)
                if value is not None:
                    setattr(vehicle, name, value)
                    changed[name] = value
            if change.use_category is not None:
                vehicle.use_category = change.use_category.value
                changed["use_category"] = change.use_category.value
            vehicle.plate = vehicle_subject(vehicle, InspectionBasis.ON_SITE).registration_number
            if change.plate is not None or change.plate_type_code is not None:
                self._check_plate_free(session, vehicle.plate, vehicle.plate_type_code, vehicle.id)
            return changed

        return self._same_validity(
            actor,
            vin,
            event_key=f"change:{event_key}",
            reason=IssuanceReason.CHANGE,
            update=update,
        )

    def reissue_mark(self, actor: Actor, vin: str, *, event_key: str) -> IssuedMark:
        """Re-issue the vehicle's mark with the same validity and a new status index (e.g. after
        a key compromise: the new mark is signed with the current key)."""
        require_role(actor, Role.ADMIN, Role.SYSTEM)
        return self._same_validity(
            actor,
            vin,
            event_key=f"reissue:{event_key}",
            reason=IssuanceReason.REISSUE,
            update=lambda _s, _v, _n: {},
        )

    def report_inspection(self, actor: Actor, report: InspectionReport) -> InspectionOutcome:
        """Record a station's inspection; a passed one issues a mark, a failed one nothing.

        The validity is the policy's ``next_due`` from the inspection day and the vehicle's
        current validity. Idempotency key: (station, report number); repeating a report returns
        its outcome.

        :raises RefusedError: ``UNKNOWN_STATION`` (unknown or inactive station),
            ``VEHICLE_CANCELLED``, ``INSPECTION_IN_FUTURE``, ``VALIDITY_ENDED``.
        :raises PermissionDeniedError: ``STATION_MISMATCH`` (a station token reporting for
            another station), ``ROLE_NOT_ALLOWED``.
        :raises ConflictError: ``EVENT_KEY_REUSED`` (the report number with other facts).
        :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
        """
        require_role(actor, Role.STATION, Role.SYSTEM)
        if actor.station is not None and actor.station != report.station:
            raise PermissionDeniedError(
                f"this token reports for station {actor.station}, not {report.station}",
                code="STATION_MISMATCH",
            )
        if report.inspected_on > self._ctx.today():
            raise RefusedError("the inspection day is in the future", code="INSPECTION_IN_FUTURE")
        event_key = f"inspection:{report.station}:{report.report_number}"

        def outcome(mark: IssuedMark | None, vin: str, recorded_now: bool) -> InspectionOutcome:
            return InspectionOutcome(
                station=report.station,
                report_number=report.report_number,
                vin=vin,
                passed=report.passed,
                mark=mark,
                recorded_now=recorded_now,
            )

        def work(session: Session) -> InspectionOutcome | ToSign:
            station = session.execute(
                select(Station).where(Station.code == report.station)
            ).scalar_one_or_none()
            if station is None or not station.active:
                raise RefusedError(
                    f"{report.station} is not a known inspection station", code="UNKNOWN_STATION"
                )
            vehicle = vehicle_by_vin(session, report.vin, lock=True, active=False)
            known = session.execute(
                select(Inspection).where(
                    Inspection.station_id == station.id,
                    Inspection.report_number == report.report_number,
                )
            ).scalar_one_or_none()
            if known is not None:
                if (known.vehicle_id, known.passed, known.inspected_on) != (
                    vehicle.id,
                    report.passed,
                    report.inspected_on,
                ):
                    raise ConflictError(
                        f"report {report.report_number} of {report.station} was recorded with "
                        "other facts",
                        code="EVENT_KEY_REUSED",
                    )
                replayed = replay(
                    session, self._ctx, event_key, vehicle.id, IssuanceReason.INSPECTION
                )
                if isinstance(replayed, ToSign):
                    return replayed
                return outcome(replayed.mark if replayed else None, vehicle.vin, False)
            if vehicle.cancelled_at is not None:
                raise RefusedError(
                    f"the registration of {vehicle.vin} is cancelled", code="VEHICLE_CANCELLED"
                )
            now = self._ctx.now()
            inspection = Inspection(
                station_id=station.id,
                report_number=report.report_number,
                vehicle_id=vehicle.id,
                inspected_on=report.inspected_on,
                passed=report.passed,
                created_at=now,
            )
            session.add(inspection)
            session.flush()
            audit(
                session,
                actor,
                "inspection.report",
                f"vehicle:{vehicle.vin}",
                now,
                station=report.station,
                report=report.report_number,
                passed=report.passed,
            )
            if not report.passed:
                return outcome(None, vehicle.vin, True)
            latest = latest_mark(session, vehicle.id)
            due = next_due(
                vehicle_facts(vehicle),
                after=report.inspected_on,
                current_valid_until=year_month(latest.valid_until) if latest else None,
            )
            return self._pending(
                session,
                actor,
                vehicle,
                reason=IssuanceReason.INSPECTION,
                basis=InspectionBasis.ON_SITE,
                valid_until=due.valid_until(),
                event_key=event_key,
                inspection_id=inspection.id,
            )

        result = self._database.run(work)
        if isinstance(result, InspectionOutcome):
            return result
        mark = self._finish(actor, result)
        return outcome(mark, mark.vin, True)

    def report_inspections(
        self, actor: Actor, reports: Sequence[InspectionReport]
    ) -> list[InspectionOutcome | VicError]:
        """Report many inspections at once: two transactions for the whole batch.

        Each report gets what :meth:`report_inspection` would give it: an outcome, or the domain
        error that refused it (that report writes nothing; the others go through). Much faster
        per mark than single reports (a few statements per batch, not per mark).
        """
        require_role(actor, Role.STATION, Role.SYSTEM)
        reports = list(reports)
        accepted = [r for r in reports if actor.station in (None, r.station)]
        plans = (
            self._database.run(
                functools.partial(plan_inspections, ctx=self._ctx, actor=actor, reports=accepted)
            )
            if accepted
            else []
        )
        to_sign = {p.sign.row_id: p.sign for p in plans if p.sign is not None}
        issued = dict(zip(to_sign, self._finish_many(actor, list(to_sign.values())), strict=True))
        outcomes: list[InspectionOutcome | VicError] = []
        for report, plan in zip(accepted, plans, strict=True):
            if plan.error is not None:
                outcomes.append(plan.error)
                continue
            mark = None
            if plan.sign is not None:
                mark = issued[plan.sign.row_id]
            elif plan.done is not None:
                mark = plan.done.mark
            outcomes.append(
                InspectionOutcome(
                    station=report.station,
                    report_number=report.report_number,
                    vin=plan.vin,
                    passed=report.passed,
                    mark=mark,
                    recorded_now=plan.recorded_now,
                )
            )
        return self._merge(reports, actor, outcomes)

    @staticmethod
    def _merge(
        reports: Sequence[InspectionReport],
        actor: Actor,
        outcomes: list[InspectionOutcome | VicError],
    ) -> list[InspectionOutcome | VicError]:
        merged = iter(outcomes)
        return [
            PermissionDeniedError(
                f"this token reports for station {actor.station}, not {report.station}",
                code="STATION_MISMATCH",
            )
            if actor.station is not None and actor.station != report.station
            else next(merged)
            for report in reports
        ]

    def apply_for_exemption(self, actor: Actor, vin: str) -> IssuedMark:
        """An owner's application for the mark without on-site inspection (免检).

        The policy decides on today's date with the vehicle's current validity. The application
        is recorded, granted or refused. Applying again once the mark is issued returns it.

        :raises RefusedError: the policy's code: ``VAN``, ``CASUALTY_ACCIDENT``, ``TOO_OLD``,
            ``TOO_MANY_SEATS``, ``NOT_ELIGIBLE_CATEGORY``, ``NOT_IN_APPLICATION_YEAR``,
            ``TOO_EARLY``... (:class:`issuer.policy.ExemptionCode`); ``VEHICLE_CANCELLED``.
        :raises PermissionDeniedError: ``NOT_OWNER`` (neither the owner nor a filing).
        """
        require_role(actor, Role.OWNER, Role.OFFICE, Role.SYSTEM)
        today = self._ctx.today()

        def work(session: Session) -> Plan | _Refusal:
            vehicle = vehicle_by_vin(session, vin, lock=True)
            acting = may_see(session, actor, vehicle)
            latest = latest_mark(session, vehicle.id)
            decision = exemption_allowed(
                vehicle_facts(vehicle),
                on=today,
                current_valid_until=year_month(latest.valid_until) if latest else None,
            )
            if (
                decision.code is ExemptionCode.TOO_EARLY
                and latest is not None
                and latest.reason == IssuanceReason.EXEMPTION.value
                and latest.revoked_at is None
            ):  # the exemption mark of this period is already issued (or pending)
                replayed = replay(
                    session, self._ctx, latest.event_key, vehicle.id, IssuanceReason.EXEMPTION
                )
                if replayed is not None:
                    return replayed
            now = self._ctx.now()
            application = ExemptionApplication(
                vehicle_id=vehicle.id,
                owner_id=(acting or session.get_one(Owner, vehicle.owner_id)).id,
                applied_on=today,
                due_month=f"{decision.due[0]:04d}-{decision.due[1]:02d}" if decision.due else None,
                allowed=decision.allowed,
                code=decision.code.value,
                regime=decision.regime,
                created_at=now,
            )
            session.add(application)
            session.flush()
            audit(
                session,
                actor,
                "exemption.apply",
                f"vehicle:{vehicle.vin}",
                now,
                allowed=decision.allowed,
                code=decision.code.value,
                regime=decision.regime,
            )
            if not decision.allowed or decision.valid_until_month is None:
                return _Refusal(
                    RefusedError(decision.message, code=decision.code.value, regime=decision.regime)
                )
            assert decision.due is not None
            return self._pending(
                session,
                actor,
                vehicle,
                reason=IssuanceReason.EXEMPTION,
                basis=InspectionBasis.EXEMPT,
                valid_until=valid_until_for_month(*decision.valid_until_month),
                event_key=f"exemption:{vehicle.vin}:{decision.due[0]:04d}-{decision.due[1]:02d}",
                exemption_id=application.id,
            )

        plan = self._database.run(work)
        if isinstance(plan, _Refusal):
            raise plan.error
        if isinstance(plan, Done):
            return plan.mark
        return self._finish(actor, plan)

    def resume_pending(self, actor: Actor = SYSTEM_ACTOR) -> list[IssuedMark]:
        """Finish every pending mark (and VC-API credential) left by a crash between the two
        transactions; returns the marks issued. Safe to run while the issuer is in use."""
        require_role(actor, Role.SYSTEM)

        def pending(session: Session) -> tuple[list[ToSign], list[ToSign]]:
            key = current_key(session).id
            marks = session.execute(
                select(Mark.id, Mark.unsigned).where(Mark.state == "pending").order_by(Mark.id)
            ).all()
            credentials = session.execute(
                select(Credential.id, Credential.unsigned).where(Credential.state == "pending")
            ).all()
            return (
                [ToSign(row_id, unsigned, key) for row_id, unsigned in marks],
                [ToSign(row_id, unsigned, key) for row_id, unsigned in credentials],
            )

        marks, credentials = self._database.run(pending, readonly=True)
        issued = [self._finish(actor, plan) for plan in marks]
        for plan in credentials:
            self._finish_credential(actor, plan)
        return issued

    # --- marks: reading, downloads, paper, status ------------------------------------------------

    def _mark_by_number(self, session: Session, number: int, *, lock: bool = False) -> Mark:
        statement = select(Mark).where(Mark.number == number)
        if lock:
            statement = statement.with_for_update()
        mark = session.execute(statement).scalar_one_or_none()
        if mark is None:
            raise RecordNotFoundError(f"no mark number {number}", code="MARK_NOT_FOUND")
        return mark

    def mark(self, number: int) -> IssuedMark:
        """The issued mark with this number (any state: current, superseded, cancelled).

        :raises RecordNotFoundError: ``MARK_NOT_FOUND``.
        :raises RefusedError: ``MARK_PENDING`` (allocated, not yet signed).
        """

        def work(session: Session) -> IssuedMark:
            mark = self._mark_by_number(session, number)
            return mark_result(session, mark, did=self.did, issued_now=False)

        return self._database.run(work, readonly=True)

    def mark_status(self, number: int) -> MarkStatus:
        """What the issuer knows of a mark's status, e.g. why it is revoked.

        :raises RecordNotFoundError: ``MARK_NOT_FOUND``.
        """
        return self._database.run(
            lambda s: mark_status(s, self._mark_by_number(s, number)), readonly=True
        )

    def current_mark(self, vin: str) -> IssuedMark | None:
        """The vehicle's current mark (None if it has none).

        :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
        """

        def work(session: Session) -> IssuedMark | None:
            vehicle = vehicle_by_vin(session, vin, active=False)
            mark = current_mark(session, vehicle.id)
            return mark_result(session, mark, did=self.did, issued_now=False) if mark else None

        return self._database.run(work, readonly=True)

    def _valid_current(self, session: Session, actor: Actor, vin: str) -> tuple[Vehicle, Mark]:
        vehicle = vehicle_by_vin(session, vin)
        may_see(session, actor, vehicle)
        mark = current_mark(session, vehicle.id)
        if mark is None:
            raise RefusedError(f"{vehicle.vin} has no current mark", code="NO_CURRENT_MARK")
        if mark.valid_until < self._ctx.now():
            raise RefusedError(
                f"the mark of {vehicle.vin} expired: the vehicle needs an inspection",
                code="MARK_EXPIRED",
            )
        return vehicle, mark

    def download_mark(self, actor: Actor, vin: str) -> IssuedMark:
        """The vehicle's current mark, as issued (a re-download issues nothing).

        :raises RefusedError: ``NO_CURRENT_MARK``, ``MARK_EXPIRED``, ``VEHICLE_CANCELLED``.
        :raises PermissionDeniedError: ``NOT_OWNER``.
        :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
        """

        def work(session: Session) -> IssuedMark:
            vehicle, mark = self._valid_current(session, actor, vin)
            audit(
                session,
                actor,
                "mark.download",
                f"mark:{mark.number}",
                self._ctx.now(),
                vin=vehicle.vin,
            )
            return mark_result(session, mark, did=self.did, issued_now=False)

        return self._database.run(work)

    def order_paper_mark(
        self, actor: Actor, vin: str, *, reason: PaperReason, delivery: Delivery
    ) -> PaperOrderInfo:
        """A lost or damaged paper mark: record a paper order (mail or pickup) of the current
        mark. No new mark is issued; the order prints the same one.

        :raises RefusedError, PermissionDeniedError, RecordNotFoundError: as
            :meth:`download_mark`.
        """
        reason, delivery = PaperReason(reason), Delivery(delivery)

        def work(session: Session) -> PaperOrderInfo:
            vehicle, mark = self._valid_current(session, actor, vin)
            now = self._ctx.now()
            order = PaperOrder(
                mark_id=mark.id,
                vehicle_id=vehicle.id,
                owner_id=vehicle.owner_id,
                reason=reason.value,
                delivery=delivery.value,
                state="ordered",
                created_at=now,
            )
            session.add(order)
            session.flush()
            audit(
                session,
                actor,
                "paper.order",
                f"mark:{mark.number}",
                now,
                reason=reason.value,
                delivery=delivery.value,
                order=order.id,
            )
            return PaperOrderInfo(
                order_id=order.id,
                reason=reason,
                delivery=delivery,
                mark=mark_result(session, mark, did=self.did, issued_now=False),
            )

        return self._database.run(work)

    def paper_orders(self, vin: str) -> list[PaperOrderInfo]:
        """The paper orders of a vehicle, oldest first."""

        def work(session: Session) -> list[PaperOrderInfo]:
            vehicle = vehicle_by_vin(session, vin, active=False)
            orders = session.execute(
                select(PaperOrder)
                .where(PaperOrder.vehicle_id == vehicle.id)
                .order_by(PaperOrder.id)
            ).scalars()
            return [
                PaperOrderInfo(
                    order_id=o.id,
                    reason=PaperReason(o.reason),
                    delivery=Delivery(o.delivery),
                    mark=mark_result(
                        session, session.get_one(Mark, o.mark_id), did=self.did, issued_now=False
                    ),
                )
                for o in orders
            ]

        return self._database.run(work, readonly=True)

    def cancel_registration(self, actor: Actor, vin: str) -> MarkStatus | None:
        """Cancel a vehicle's registration (注销): its current mark is revoked (cancelled).

        Repeating it changes nothing. Returns the revoked mark's status (None if it had none).
        """
        require_role(actor, Role.OFFICE, Role.SYSTEM)

        def work(session: Session) -> MarkStatus | None:
            vehicle = vehicle_by_vin(session, vin, lock=True, active=False)
            if vehicle.cancelled_at is not None:
                return None
            now = self._ctx.now()
            vehicle.cancelled_at = now
            vehicle.updated_at = now
            for filing in session.execute(
                select(Filing).where(Filing.vehicle_id == vehicle.id, Filing.ended_at.is_(None))
            ).scalars():
                filing.ended_at = now
            audit(session, actor, "vehicle.cancel", f"vehicle:{vehicle.vin}", now)
            mark = current_mark(session, vehicle.id, lock=True)
            if mark is None:
                return None
            revoke(
                session,
                self._ctx,
                actor,
                [
                    Revocation(
                        mark.id, mark.number, mark.status_entry_id, RevocationReason.CANCELLED
                    )
                ],
            )
            session.refresh(mark)
            return mark_status(session, mark)

        return self._database.run(work)

    def _suspension(self, actor: Actor, number: int, value: bool) -> MarkStatus:
        require_role(actor, Role.OFFICE, Role.SYSTEM)

        def work(session: Session) -> MarkStatus:
            mark = self._mark_by_number(session, number, lock=True)
            if set_bit(session, mark.status_entry_id, StatusPurpose.SUSPENSION, value):
                action = "mark.suspend" if value else "mark.unsuspend"
                audit(session, actor, action, f"mark:{mark.number}", self._ctx.now())
            return mark_status(session, mark)

        return self._database.run(work)

    def suspend_mark(self, actor: Actor, number: int) -> MarkStatus:
        """Suspend a mark (its suspension bit); verifiers then see SUSPENDED."""
        return self._suspension(actor, number, True)

    def unsuspend_mark(self, actor: Actor, number: int) -> MarkStatus:
        """Lift a mark's suspension."""
        return self._suspension(actor, number, False)

    # --- vehicles, owners, filings, stations -----------------------------------------------------

    def vehicle(self, actor: Actor, vin: str) -> VehicleInfo:
        """A vehicle, for staff, its owner, or an owner who filed it.

        :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
        :raises PermissionDeniedError: ``NOT_OWNER``.
        """

        def work(session: Session) -> VehicleInfo:
            vehicle = vehicle_by_vin(session, vin, active=False)
            acting = may_see(session, actor, vehicle)
            via_filing = acting is not None and acting.id != vehicle.owner_id
            return vehicle_info(session, vehicle, via_filing=via_filing)

        return self._database.run(work, readonly=True)

    def vehicles_of(self, account: str) -> list[VehicleInfo]:
        """The active vehicles an owner sees: those in their name, then those they filed."""

        def work(session: Session) -> list[VehicleInfo]:
            owner = session.execute(
                select(Owner).where(Owner.account_id == account)
            ).scalar_one_or_none()
            if owner is None:
                return []
            own = session.execute(
                select(Vehicle)
                .where(Vehicle.owner_id == owner.id, Vehicle.cancelled_at.is_(None))
                .order_by(Vehicle.id)
            ).scalars()
            filed = session.execute(
                select(Vehicle)
                .join(Filing, Filing.vehicle_id == Vehicle.id)
                .where(
                    Filing.owner_id == owner.id,
                    Filing.ended_at.is_(None),
                    Vehicle.cancelled_at.is_(None),
                )
                .order_by(Vehicle.id)
            ).scalars()
            return [vehicle_info(session, v) for v in own] + [
                vehicle_info(session, v, via_filing=True) for v in filed
            ]

        return self._database.run(work, readonly=True)

    def record_casualty_accident(self, actor: Actor, vin: str, *, on: date) -> VehicleInfo:
        """Record an accident with casualties (it bars the exemption); issues nothing."""
        require_role(actor, Role.OFFICE, Role.SYSTEM)

        def work(session: Session) -> VehicleInfo:
            vehicle = vehicle_by_vin(session, vin, lock=True)
            now = self._ctx.now()
            vehicle.casualty_accident = True
            if vehicle.casualty_accident_date is None or on < vehicle.casualty_accident_date:
                vehicle.casualty_accident_date = on
            vehicle.updated_at = now
            vehicle_facts(vehicle)
            audit(session, actor, "vehicle.accident", f"vehicle:{vehicle.vin}", now, on=on)
            return vehicle_info(session, vehicle)

        return self._database.run(work)

    def add_filing(self, actor: Actor, vin: str, account: str) -> FilingInfo:
        """File a vehicle for an owner who is not its owner of record (they may then see it,
        download its mark and apply for its exemption). Filing again returns the filing.

        Only a registration office files (it checks the papers that justify the filing): an
        owner who could file any VIN for themselves could download any vehicle's mark.
        """
        require_role(actor, Role.OFFICE, Role.SYSTEM)
        Actor(account, Role.OWNER)

        def work(session: Session) -> FilingInfo:
            vehicle = vehicle_by_vin(session, vin)
            now = self._ctx.now()
            owner = owner_for(session, account, now)
            filing = session.execute(
                select(Filing).where(
                    Filing.vehicle_id == vehicle.id,
                    Filing.owner_id == owner.id,
                    Filing.ended_at.is_(None),
                )
            ).scalar_one_or_none()
            if filing is None:
                filing = Filing(vehicle_id=vehicle.id, owner_id=owner.id, created_at=now)
                session.add(filing)
                session.flush()
                audit(session, actor, "filing.add", f"vehicle:{vehicle.vin}", now, owner=account)
            return FilingInfo(vehicle.vin, account, filing.created_at, filing.ended_at)

        return self._database.run(work)

    def end_filing(self, actor: Actor, vin: str, account: str) -> FilingInfo | None:
        """End an owner's filing of a vehicle (None if there was none)."""
        require_role(actor, Role.OFFICE, Role.OWNER, Role.SYSTEM)
        if actor.role is Role.OWNER and actor.account != account:
            raise PermissionDeniedError("owners end their own filings", code="NOT_OWNER")

        def work(session: Session) -> FilingInfo | None:
            vehicle = vehicle_by_vin(session, vin, active=False)
            filing = session.execute(
                select(Filing)
                .join(Owner, Owner.id == Filing.owner_id)
                .where(
                    Filing.vehicle_id == vehicle.id,
                    Owner.account_id == account,
                    Filing.ended_at.is_(None),
                )
            ).scalar_one_or_none()
            if filing is None:
                return None
            now = self._ctx.now()
            filing.ended_at = now
            audit(session, actor, "filing.end", f"vehicle:{vehicle.vin}", now, owner=account)
            return FilingInfo(vehicle.vin, account, filing.created_at, now)

        return self._database.run(work)

    def add_station(self, actor: Actor, code: str, name: str) -> StationInfo:
        """Add an inspection station.

        :raises ConflictError: ``STATION_EXISTS``.
        """
        require_role(actor, Role.ADMIN, Role.SYSTEM)
        Actor(code, Role.STATION)  # the same id rules
        if not name or len(name) > 200:
            raise UsageError("a station name has 1-200 characters")

        def work(session: Session) -> StationInfo:
            if session.execute(select(Station.id).where(Station.code == code)).first():
                raise ConflictError(f"station {code} exists", code="STATION_EXISTS")
            now = self._ctx.now()
            session.add(Station(code=code, name=name, active=True, created_at=now))
            audit(session, actor, "station.add", f"station:{code}", now, name=name)
            return StationInfo(code, name, True)

        return self._database.run(work)

    def set_station_active(self, actor: Actor, code: str, active: bool) -> StationInfo:
        """Activate or deactivate a station (an inactive one's reports are refused).

        :raises RecordNotFoundError: ``STATION_NOT_FOUND``.
        """
        require_role(actor, Role.ADMIN, Role.SYSTEM)

        def work(session: Session) -> StationInfo:
            station = session.execute(
                select(Station).where(Station.code == code)
            ).scalar_one_or_none()
            if station is None:
                raise RecordNotFoundError(f"no station {code}", code="STATION_NOT_FOUND")
            if station.active != active:
                station.active = active
                audit(
                    session,
                    actor,
                    "station.update",
                    f"station:{code}",
                    self._ctx.now(),
                    active=active,
                )
            return StationInfo(station.code, station.name, station.active)

        return self._database.run(work)

    def stations(self) -> list[StationInfo]:
        """Every station, by code."""

        def work(session: Session) -> list[StationInfo]:
            rows = session.execute(select(Station).order_by(Station.code)).scalars()
            return [StationInfo(s.code, s.name, s.active) for s in rows]

        return self._database.run(work, readonly=True)

    def audit_log(self, *, target: str | None = None, limit: int = 100) -> list[AuditRecord]:
        """The newest audit rows (of one target, e.g. ``vehicle:{VIN}`` or ``mark:{number}``),
        newest first."""

        def work(session: Session) -> list[AuditRecord]:
            statement = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
            if target is not None:
                statement = statement.where(AuditEntry.target == target)
            return [
                AuditRecord(
                    a.at, a.actor_id, a.actor_role, a.action, a.target, json.loads(a.detail)
                )
                for a in session.execute(statement).scalars()
            ]

        return self._database.run(work, readonly=True)

    # --- status lists ----------------------------------------------------------------------------

    def status_list(
        self,
        purpose: StatusPurpose,
        list_index: int,
        space: StatusSpace = StatusSpace.MARK,
    ) -> PublishedStatusList:
        """The signed status list ``{status_base}[/vcapi]/{purpose}/{list_index}`` with its ETag
        and max-age; cached until a bit of it changes.

        :raises RecordNotFoundError: ``STATUS_LIST_NOT_FOUND``.
        """
        return self._publisher.publish(purpose, list_index, space)

    def status_list_url(
        self, purpose: StatusPurpose, list_index: int, space: StatusSpace = StatusSpace.MARK
    ) -> str:
        """The URL a status list is published at."""
        return list_url(self.status_base, StatusSpace(space), StatusPurpose(purpose), list_index)

    # --- the generic VC-API ----------------------------------------------------------------------

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
        info = check_credential(credential)
        if info.issuer != self.did:
            raise RefusedError(
                f"the issuer must be {self.did}, not {info.issuer}", code="ISSUER_MISMATCH"
            )
        if "proof" in credential:
            raise RefusedError("the credential is already signed", code="CREDENTIAL_HAS_PROOF")
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
            if session.execute(
                select(Credential.id).where(Credential.credential_id == credential_id)
            ).first():
                raise ConflictError(f"{credential_id} was issued", code="CREDENTIAL_EXISTS")
            now = self._ctx.now()
            entry = None
            if with_status:
                entry = allocate(session, StatusSpace.VCAPI, now)[0]
                entries = [
                    self._status_entry(purpose, entry.list_index, entry.position)
                    for purpose in chosen
                ]
                document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
            text = dumps(document)
            row = Credential(
                credential_id=credential_id,
                status_entry_id=entry.entry_id if entry else None,
                purposes=",".join(p.value for p in chosen) if with_status else "",
                state="pending",
                unsigned=text,
                created_at=now,
                actor_id=actor.id,
            )
            session.add(row)
            session.flush()
            audit(
                session,
                actor,
                "credential.allocate",
                f"credential:{credential_id}",
                now,
                status=with_status,
            )
            return ToSign(row.id, text, current_key(session).id)

        return self._finish_credential(actor, self._database.run(work))

    def _status_entry(
        self, purpose: StatusPurpose, list_index: int, position: int
    ) -> dict[str, Any]:
        url = list_url(self.status_base, StatusSpace.VCAPI, purpose, list_index)
        return {
            "id": f"{url}#{position}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose.value,
            "statusListIndex": str(position),
            "statusListCredential": url,
        }

    def _finish_credential(self, actor: Actor, plan: ToSign) -> IssuedCredential:
        try:
            signed = self._sign_with(json.loads(plan.unsigned), plan.key_id)
        except BaseException:
            self._database.run(lambda s: self._discard_credential(s, actor, plan.row_id))
            raise
        text = dumps(signed)

        def store(session: Session) -> IssuedCredential:
            row = session.execute(
                select(Credential).where(Credential.id == plan.row_id).with_for_update()
            ).scalar_one()
            if row.state == "pending":
                now = self._ctx.now()
                row.state, row.credential, row.issued_at = "issued", text, now
                row.signing_key_id = plan.key_id
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

        return self._database.run(store)

    def _discard_credential(self, session: Session, actor: Actor, row_id: int) -> None:
        row = session.get_one(Credential, row_id)
        if row.state == "pending":
            row.state = "discarded"
            audit(
                session,
                actor,
                "credential.discard",
                f"credential:{row.credential_id}",
                self._ctx.now(),
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
            row = session.execute(
                select(Credential)
                .where(Credential.credential_id == credential_id, Credential.state == "issued")
                .with_for_update()
            ).scalar_one_or_none()
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
                    self._ctx.now(),
                    purpose=purpose.value,
                    value=value,
                )
            return changed

        return self._database.run(work)

    def get_credential(self, credential_id: str) -> dict[str, Any]:
        """A credential this issuer issued, by id: a VC-API credential, or a mark by its
        ``urn:uuid`` id (kept by the issuer even when the mark does not carry it).

        :raises RecordNotFoundError: ``CREDENTIAL_NOT_FOUND``.
        """

        def work(session: Session) -> dict[str, Any]:
            text = session.execute(
                select(Credential.credential).where(
                    Credential.credential_id == credential_id, Credential.state == "issued"
                )
            ).scalar_one_or_none()
            if text is None:
                text = session.execute(
                    select(Mark.credential).where(
                        Mark.credential_id == credential_id, Mark.state == "issued"
                    )
                ).scalar_one_or_none()
            if text is None:
                raise RecordNotFoundError(
                    f"no credential {credential_id}", code="CREDENTIAL_NOT_FOUND"
                )
            document: dict[str, Any] = json.loads(text)
            return document

        return self._database.run(work, readonly=True)
