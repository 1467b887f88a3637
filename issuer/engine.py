"""The issuer: one facade over the services, for the HTTP service, the command line and the
batch importer.

``Issuer.open(IssuerConfig(...))`` opens (and migrates) the database, loads the signing key
(creating ``#key-1`` on first use) and publishes the registry entry from the database. Every
domain action takes an :class:`~vic.issuer.domain.Actor` (who, for the audit log) and returns a
typed
result; a refusal raises a :class:`~vic.contexts.errors.DomainError` with a stable code. Every write
records an audit row in the write's own transaction. docs/issuer.md is the guide.

The work is done by the services over one :class:`~vic.issuer.kernel.Kernel` (the kernel module says
how they fit together): :attr:`Issuer.keys_service`, :attr:`~Issuer.issuance`,
:attr:`~Issuer.delivery`, :attr:`~Issuer.vehicles`, :attr:`~Issuer.status_lists`,
:attr:`~Issuer.vcapi`. Each method here delegates to one of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from vic.contexts.errors import VicError
from vic.did.keys import KeyType, PublicKey
from vic.issuer.config import IssuerConfig
from vic.issuer.db.engine import Database
from vic.issuer.domain import (
    Actor,
    Delivery,
    FilingInfo,
    InspectionOutcome,
    InspectionReport,
    IssuedCredential,
    IssuedMark,
    KeyInfo,
    MarkStatus,
    PaperOrderInfo,
    PaperReason,
    PublishedStatusList,
    StationInfo,
    StatusSpace,
    VehicleChange,
    VehicleInfo,
    VehicleRegistration,
)
from vic.issuer.kernel import SYSTEM_ACTOR, AuditRecord, Kernel
from vic.issuer.keys import Signer
from vic.issuer.services.delivery import DeliveryService
from vic.issuer.services.issuance import IssuanceService
from vic.issuer.services.keys import KeysService
from vic.issuer.services.status_lists import StatusListsService
from vic.issuer.services.vcapi import VcApiService
from vic.issuer.services.vehicles import VehiclesService
from vic.issuer.status import PURPOSES, ensure_first_lists
from vic.vc.status import StatusPurpose

__all__ = ["SYSTEM_ACTOR", "AuditRecord", "Issuer"]


class Issuer:
    """The traffic authority's issuer (see the module doc). Open it with :meth:`open`."""

    def __init__(self, kernel: Kernel) -> None:
        """Use :meth:`open`."""
        self.kernel = kernel
        self.config = kernel.config
        self.keys_service = KeysService(kernel)
        self.vcapi = VcApiService(kernel)
        self.issuance = IssuanceService(kernel, self.vcapi.finish_credential)
        self.delivery = DeliveryService(kernel)
        self.vehicles = VehiclesService(kernel)
        self.status_lists = StatusListsService(kernel)

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
        kernel = Kernel.open(config, signer=signer)
        issuer = cls(kernel)
        try:

            def bootstrap(session: Session) -> None:
                kernel.database.lock(session)  # one bootstrap at a time (PostgreSQL)
                ensure_first_lists(session, kernel.now())
                issuer.keys_service.bootstrap(session, signer, signer_public_key)

            kernel.run(bootstrap)
            kernel.signer_for(kernel.current_key_id())  # fail now if the key cannot be read
        except BaseException:
            kernel.close()
            raise
        return issuer

    def close(self) -> None:
        """Release the database connections."""
        self.kernel.close()

    def __enter__(self) -> Issuer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def database(self) -> Database:
        """The open database (for tools and tests; the services' methods are the API)."""
        return self.kernel.database

    @property
    def did(self) -> str:
        """The authority's did:web."""
        return self.kernel.did

    @property
    def status_base(self) -> str:
        """The base URL of the marks' status lists (``terseStatusListBaseUrl``)."""
        return self.kernel.status_base

    # --- keys: KeysService -----------------------------------------------------------------------

    def did_document(self) -> dict[str, Any]:
        """See :meth:`KeysService.did_document`."""
        return self.keys_service.did_document()

    def keys(self) -> list[KeyInfo]:
        """See :meth:`KeysService.keys`."""
        return self.keys_service.keys()

    def current_method_id(self) -> str:
        """See :meth:`KeysService.current_method_id`."""
        return self.keys_service.current_method_id()

    def compromise_key(self, actor: Actor, fragment: str) -> list[IssuedMark]:
        """Declare the key ``#fragment`` compromised and re-issue every current mark it signed.

        Its method leaves the DID document (a verifier that refreshes the document, or a trust
        list pinning the new one, refuses everything it signed: VERIFICATION_METHOD_NOT_FOUND),
        its private key file is destroyed, the status lists it signed are signed again with the
        current key (rotated first if the compromised key is current), and each vehicle whose
        current mark it signed gets a new mark (reason ``reissue``, same validity; the old mark is
        revoked as superseded). Returns the new marks. Repeating it re-issues nothing twice.
        """
        vins = self.keys_service.compromise_key(actor, fragment)
        self.status_lists.forget_published()
        return [
            self.issuance.reissue_mark(actor, vin, event_key=f"compromise:{fragment}:{vin}")
            for vin in vins
        ]

    def rotate_key(self, actor: Actor, *, key_type: KeyType | None = None) -> KeyInfo:
        """See :meth:`KeysService.rotate_key`."""
        return self.keys_service.rotate_key(actor, key_type=key_type)

    def registry_entry(self) -> list[dict[str, Any]]:
        """See :meth:`KeysService.registry_entry`."""
        return self.keys_service.registry_entry()

    def current_signer(self) -> Signer:
        """See :meth:`Kernel.current_signer`."""
        return self.kernel.current_signer()

    # --- issuing: IssuanceService ----------------------------------------------------------------

    def register_vehicle(
        self, actor: Actor, registration: VehicleRegistration, *, event_key: str | None = None
    ) -> IssuedMark:
        """See :meth:`IssuanceService.register_vehicle`."""
        return self.issuance.register_vehicle(actor, registration, event_key=event_key)

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
        """See :meth:`IssuanceService.transfer_vehicle`."""
        return self.issuance.transfer_vehicle(
            actor,
            vin,
            new_owner=new_owner,
            event_key=event_key,
            plate=plate,
            plate_type_code=plate_type_code,
        )

    def change_vehicle(
        self, actor: Actor, vin: str, change: VehicleChange, *, event_key: str
    ) -> IssuedMark:
        """See :meth:`IssuanceService.change_vehicle`."""
        return self.issuance.change_vehicle(actor, vin, change, event_key=event_key)

    def reissue_mark(self, actor: Actor, vin: str, *, event_key: str) -> IssuedMark:
        """See :meth:`IssuanceService.reissue_mark`."""
        return self.issuance.reissue_mark(actor, vin, event_key=event_key)

    def report_inspection(self, actor: Actor, report: InspectionReport) -> InspectionOutcome:
        """See :meth:`IssuanceService.report_inspection`."""
        return self.issuance.report_inspection(actor, report)

    def report_inspections(
        self, actor: Actor, reports: Sequence[InspectionReport]
    ) -> list[InspectionOutcome | VicError]:
        """See :meth:`IssuanceService.report_inspections`."""
        return self.issuance.report_inspections(actor, reports)

    def apply_for_exemption(self, actor: Actor, vin: str) -> IssuedMark:
        """See :meth:`IssuanceService.apply_for_exemption`."""
        return self.issuance.apply_for_exemption(actor, vin)

    def resume_pending(self, actor: Actor = SYSTEM_ACTOR) -> list[IssuedMark]:
        """See :meth:`IssuanceService.resume_pending`."""
        return self.issuance.resume_pending(actor)

    # --- marks: DeliveryService ------------------------------------------------------------------

    def mark(self, number: int) -> IssuedMark:
        """See :meth:`DeliveryService.mark`."""
        return self.delivery.mark(number)

    def mark_status(self, number: int) -> MarkStatus:
        """See :meth:`DeliveryService.mark_status`."""
        return self.delivery.mark_status(number)

    def current_mark(self, vin: str) -> IssuedMark | None:
        """See :meth:`DeliveryService.current_mark`."""
        return self.delivery.current_mark(vin)

    def download_mark(self, actor: Actor, vin: str) -> IssuedMark:
        """See :meth:`DeliveryService.download_mark`."""
        return self.delivery.download_mark(actor, vin)

    def order_paper_mark(
        self, actor: Actor, vin: str, *, reason: PaperReason, delivery: Delivery
    ) -> PaperOrderInfo:
        """See :meth:`DeliveryService.order_paper_mark`."""
        return self.delivery.order_paper_mark(actor, vin, reason=reason, delivery=delivery)

    def paper_orders(self, vin: str) -> list[PaperOrderInfo]:
        """See :meth:`DeliveryService.paper_orders`."""
        return self.delivery.paper_orders(vin)

    # --- vehicles, owners, stations: VehiclesService ---------------------------------------------

    def vehicle(self, actor: Actor, vin: str) -> VehicleInfo:
        """See :meth:`VehiclesService.vehicle`."""
        return self.vehicles.vehicle(actor, vin)

    def vehicles_of(self, account: str) -> list[VehicleInfo]:
        """See :meth:`VehiclesService.vehicles_of`."""
        return self.vehicles.vehicles_of(account)

    def record_casualty_accident(self, actor: Actor, vin: str, *, on: date) -> VehicleInfo:
        """See :meth:`VehiclesService.record_casualty_accident`."""
        return self.vehicles.record_casualty_accident(actor, vin, on=on)

    def add_filing(self, actor: Actor, vin: str, account: str) -> FilingInfo:
        """See :meth:`VehiclesService.add_filing`."""
        return self.vehicles.add_filing(actor, vin, account)

    def end_filing(self, actor: Actor, vin: str, account: str) -> FilingInfo | None:
        """See :meth:`VehiclesService.end_filing`."""
        return self.vehicles.end_filing(actor, vin, account)

    def cancel_registration(self, actor: Actor, vin: str) -> MarkStatus | None:
        """See :meth:`VehiclesService.cancel_registration`."""
        return self.vehicles.cancel_registration(actor, vin)

    def add_station(self, actor: Actor, code: str, name: str) -> StationInfo:
        """See :meth:`VehiclesService.add_station`."""
        return self.vehicles.add_station(actor, code, name)

    def set_station_active(self, actor: Actor, code: str, active: bool) -> StationInfo:
        """See :meth:`VehiclesService.set_station_active`."""
        return self.vehicles.set_station_active(actor, code, active)

    def stations(self) -> list[StationInfo]:
        """See :meth:`VehiclesService.stations`."""
        return self.vehicles.stations()

    def audit_log(self, *, target: str | None = None, limit: int = 100) -> list[AuditRecord]:
        """See :meth:`Kernel.audit_log`."""
        return self.kernel.audit_log(target=target, limit=limit)

    # --- status lists: StatusListsService --------------------------------------------------------

    def status_list(
        self, purpose: StatusPurpose, list_index: int, space: StatusSpace = StatusSpace.MARK
    ) -> PublishedStatusList:
        """See :meth:`StatusListsService.status_list`."""
        return self.status_lists.status_list(purpose, list_index, space)

    def status_list_url(
        self, purpose: StatusPurpose, list_index: int, space: StatusSpace = StatusSpace.MARK
    ) -> str:
        """See :meth:`StatusListsService.status_list_url`."""
        return self.status_lists.status_list_url(purpose, list_index, space)

    def suspend_mark(self, actor: Actor, number: int) -> MarkStatus:
        """See :meth:`StatusListsService.suspend_mark`."""
        return self.status_lists.suspend_mark(actor, number)

    def unsuspend_mark(self, actor: Actor, number: int) -> MarkStatus:
        """See :meth:`StatusListsService.unsuspend_mark`."""
        return self.status_lists.unsuspend_mark(actor, number)

    # --- the generic VC-API: VcApiService --------------------------------------------------------

    def issue_credential(
        self,
        actor: Actor,
        credential: Mapping[str, Any],
        *,
        with_status: bool = False,
        purposes: Sequence[StatusPurpose] = PURPOSES,
    ) -> IssuedCredential:
        """See :meth:`VcApiService.issue_credential`."""
        return self.vcapi.issue_credential(
            actor, credential, with_status=with_status, purposes=purposes
        )

    def update_status(
        self, actor: Actor, credential_id: str, purpose: StatusPurpose, value: bool
    ) -> bool:
        """See :meth:`VcApiService.update_status`."""
        return self.vcapi.update_status(actor, credential_id, purpose, value)

    def get_credential(self, credential_id: str) -> dict[str, Any]:
        """See :meth:`VcApiService.get_credential`."""
        return self.vcapi.get_credential(credential_id)
