"""The service's response bodies (JSON members in camelCase, like the credentials), built from
the services' typed results with ``Model.of(result)``. Request bodies and the shared field
types are in :mod:`vic.issuer.api.models`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from vic.issuer.api.models import OutModel, SignedCredential
from vic.issuer.domain import (
    Delivery,
    FilingInfo,
    InspectionOutcome,
    IssuanceReason,
    IssuedMark,
    KeyInfo,
    MarkStatus,
    PaperOrderInfo,
    PaperReason,
    RevocationReason,
    StationInfo,
    VehicleInfo,
    format_mark_number,
)
from vic.issuer.policy import UseCategory
from vic.issuer.repositories.audit import AuditRecord
from vic.issuer.tokens import Scope, TokenInfo
from vic.vc.mark import InspectionBasis

__all__ = [
    "AuditEntryOut",
    "CancellationOut",
    "CredentialOut",
    "FilingOut",
    "InspectionOut",
    "KeyOut",
    "MarkOut",
    "MarkStatusOut",
    "PaperOrderOut",
    "PublicMarkStatusOut",
    "StationOut",
    "StatusUpdateOut",
    "StatusUpdateResult",
    "TokenCreatedOut",
    "TokenOut",
    "VehicleOut",
]


class MarkOut(OutModel):
    """An issued mark and what the issuer knows about it."""

    number: int = Field(description="The mark number (its terse status index).")
    number_text: str = Field(description="The printed mark number, 10 digits.")
    vin: str
    reason: IssuanceReason
    basis: InspectionBasis
    valid_from: datetime
    valid_until: datetime
    verification_method: str
    issued_at: datetime
    issued_now: bool = Field(description="False when an earlier request issued it.")
    current: bool
    revocation_reason: RevocationReason | None = None
    credential: SignedCredential

    @classmethod
    def of(cls, mark: IssuedMark) -> MarkOut:
        return cls(
            number=mark.number,
            number_text=mark.number_text,
            vin=mark.vin,
            reason=mark.reason,
            basis=mark.basis,
            valid_from=mark.valid_from,
            valid_until=mark.valid_until,
            verification_method=mark.method_id,
            issued_at=mark.issued_at,
            issued_now=mark.issued_now,
            current=mark.current,
            revocation_reason=mark.revocation_reason,
            credential=mark.credential,
        )


class PublicMarkStatusOut(OutModel):
    """What anyone may learn about a mark number: current, or why not."""

    number: int
    number_text: str
    state: Literal["issued", "pending"]
    current: bool
    revoked: bool
    revocation_reason: RevocationReason | None = Field(
        description="superseded (a newer mark was issued) or cancelled (the registration was)."
    )
    revoked_at: datetime | None
    superseded_by: int | None = Field(description="The number of the mark that replaced it.")
    suspended: bool
    valid_until: datetime

    @classmethod
    def of(cls, status: MarkStatus) -> PublicMarkStatusOut:
        return cls(
            number=status.number,
            number_text=format_mark_number(status.number),
            state="pending" if status.state == "pending" else "issued",
            current=status.current,
            revoked=status.revoked,
            revocation_reason=status.revocation_reason,
            revoked_at=status.revoked_at,
            superseded_by=status.superseded_by,
            suspended=status.suspended,
            valid_until=status.valid_until,
        )


class MarkStatusOut(PublicMarkStatusOut):
    """A mark's status for the authority's staff: with the vehicle and the issuance reason."""

    vin: str
    reason: IssuanceReason

    @classmethod
    def of(cls, status: MarkStatus) -> MarkStatusOut:
        public = PublicMarkStatusOut.of(status)
        return cls(**public.model_dump(), vin=status.vin, reason=status.reason)


class CancellationOut(OutModel):
    """A cancelled registration and the mark it revoked (none if it had none or was already
    cancelled)."""

    vin: str
    cancelled: Literal[True] = True
    revoked_mark: MarkStatusOut | None


class InspectionOut(OutModel):
    """A recorded inspection: a passed one comes with its mark."""

    station: str
    report_number: str
    vin: str
    passed: bool
    recorded_now: bool = Field(description="False when the report was recorded before.")
    mark: MarkOut | None

    @classmethod
    def of(cls, outcome: InspectionOutcome) -> InspectionOut:
        return cls(
            station=outcome.station,
            report_number=outcome.report_number,
            vin=outcome.vin,
            passed=outcome.passed,
            recorded_now=outcome.recorded_now,
            mark=MarkOut.of(outcome.mark) if outcome.mark else None,
        )


class VehicleOut(OutModel):
    """A vehicle as the issuer records it."""

    vin: str
    plate: str
    plate_type_code: str
    vehicle_type_code: str
    use_category: UseCategory
    seats: int
    first_registration: date
    is_van: bool
    casualty_accident: bool
    owner: str
    cancelled: bool
    current_mark: int | None
    via_filing: bool

    @classmethod
    def of(cls, info: VehicleInfo) -> VehicleOut:
        return cls(**{name: getattr(info, name) for name in cls.model_fields})


class PaperOrderOut(OutModel):
    """A paper order of the current (unchanged) mark."""

    order_id: int
    reason: PaperReason
    delivery: Delivery
    mark: MarkOut

    @classmethod
    def of(cls, order: PaperOrderInfo) -> PaperOrderOut:
        return cls(
            order_id=order.order_id,
            reason=order.reason,
            delivery=order.delivery,
            mark=MarkOut.of(order.mark),
        )


class FilingOut(OutModel):
    """A filing: ``owner`` may see the vehicle."""

    vin: str
    owner: str
    created_at: datetime
    ended_at: datetime | None

    @classmethod
    def of(cls, info: FilingInfo) -> FilingOut:
        return cls(
            vin=info.vin, owner=info.owner, created_at=info.created_at, ended_at=info.ended_at
        )


class StationOut(OutModel):
    """An inspection station."""

    code: str
    name: str
    active: bool

    @classmethod
    def of(cls, info: StationInfo) -> StationOut:
        return cls(code=info.code, name=info.name, active=info.active)


class KeyOut(OutModel):
    """A key of the authority's DID document."""

    verification_method: str
    fragment: str
    key_type: str
    public_key_multibase: str
    created_at: datetime
    retired_at: datetime | None
    external: bool

    @classmethod
    def of(cls, info: KeyInfo) -> KeyOut:
        return cls(
            verification_method=info.method_id,
            fragment=info.fragment,
            key_type=info.key_type,
            public_key_multibase=info.public_key_multibase,
            created_at=info.created_at,
            retired_at=info.retired_at,
            external=info.external,
        )


class TokenOut(OutModel):
    """A bearer token as stored (never its secret)."""

    token_id: str
    scope: Scope
    subject: str | None
    label: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, info: TokenInfo) -> TokenOut:
        return cls(**{name: getattr(info, name) for name in cls.model_fields})


class TokenCreatedOut(OutModel):
    """A new token: ``token`` is shown this once (only its hash is stored)."""

    token: str
    info: TokenOut


class AuditEntryOut(OutModel):
    """One row of the audit log."""

    at: datetime
    actor_id: str
    actor_role: str
    action: str
    target: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, record: AuditRecord) -> AuditEntryOut:
        return cls(
            at=record.at,
            actor_id=record.actor_id,
            actor_role=record.actor_role,
            action=record.action,
            target=record.target,
            detail=record.detail,
        )


class CredentialOut(BaseModel):
    """VC-API: a verifiable credential."""

    verifiableCredential: SignedCredential


class StatusUpdateResult(BaseModel):
    """One updated status entry."""

    type: Literal["BitstringStatusListEntry"] = "BitstringStatusListEntry"
    statusPurpose: Literal["revocation", "suspension"]
    status: bool = Field(description="The bit's value now.")
    changed: bool = Field(description="Whether this request changed it.")


class StatusUpdateOut(BaseModel):
    """VC-API: the result of a status update."""

    credentialId: str
    credentialStatus: list[StatusUpdateResult]
