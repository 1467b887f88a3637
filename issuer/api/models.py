"""The service's request bodies and the field types all its bodies share (JSON members in
camelCase, like the credentials). Response bodies are in :mod:`vic.issuer.api.responses`.

Requests are checked here for shape (types, lengths, patterns, ranges); the engine then checks
meaning (a VIN's check digit, a plate's form, the policy's facts) with vic's stable codes.
Credentials travel as plain JSON objects, exactly as signed and stored.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

from vic.issuer.domain import (
    Delivery,
    PaperReason,
)
from vic.issuer.policy import UseCategory
from vic.issuer.tokens import Scope

__all__ = [
    "MARK_NUMBER_PATTERN",
    "VIN_PATTERN",
    "AccidentRequest",
    "FilingRequest",
    "InspectionRequest",
    "IssueCredentialRequest",
    "IssueOptions",
    "KeyRotationRequest",
    "OutModel",
    "PaperOrderRequest",
    "SignedCredential",
    "StationRequest",
    "StationUpdate",
    "StatusEntryRequest",
    "StatusUpdateRequest",
    "TokenRequest",
    "TransferRequest",
    "VehicleChangeRequest",
    "VehicleRegistrationRequest",
]

VIN_PATTERN: Final = r"^[0-9A-HJ-NPR-Za-hj-npr-z]{17}$"
"""17 characters of the VIN alphabet (the engine checks the check digit)."""
MARK_NUMBER_PATTERN: Final = r"^[0-9]{1,10}$"
TEXT_ID_PATTERN: Final = r"^[^\s\x00-\x1f\x7f]+$"
"""An identifier: printable characters, no spaces (owner accounts, station codes, keys)."""
TEXT_PATTERN: Final = r"^[^\x00-\x1f\x7f]+$"
"""Free text on one line (names, labels)."""

EARLIEST_DAY: Final = date(1950, 1, 1)
LATEST_DAY: Final = date(2199, 12, 31)

AccountId = Annotated[
    str, Field(min_length=1, max_length=128, pattern=TEXT_ID_PATTERN, examples=["acct-40"])
]
StationCode = Annotated[
    str, Field(min_length=1, max_length=32, pattern=TEXT_ID_PATTERN, examples=["420100-01"])
]
EventKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=TEXT_ID_PATTERN,
        description="The office's transaction number: repeating a request with the same key "
        "returns the mark it issued instead of issuing another.",
    ),
]
Vin = Annotated[str, Field(pattern=VIN_PATTERN, examples=["LSVAU2A36N2183457"])]
Plate = Annotated[
    str, Field(min_length=1, max_length=24, pattern=TEXT_PATTERN, examples=["鄂L12345"])
]
PlateTypeCode = Annotated[str, Field(pattern=r"^[0-9]{2}$", examples=["02"])]
VehicleTypeCode = Annotated[str, Field(pattern=r"^[A-Z][0-9A-Z]{2}$", examples=["K33"])]
Day = Annotated[
    date,
    Field(
        ge=EARLIEST_DAY,
        le=LATEST_DAY,
        description=f"A calendar day (China Standard Time), {EARLIEST_DAY} to {LATEST_DAY}.",
    ),
]

_VC_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "description": "A signed verifiable credential (VC 2.0 or 1.1, JSON-LD with a Data "
    "Integrity proof), exactly as issued.",
    "required": ["@context", "type", "issuer", "credentialSubject", "proof"],
    "properties": {
        "@context": {},
        "type": {},
        "issuer": {},
        "credentialSubject": {},
        "proof": {},
    },
    "additionalProperties": True,
}
SignedCredential = Annotated[dict[str, Any], WithJsonSchema(_VC_SCHEMA)]

_UNSIGNED_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "description": "A credential to sign (VC 2.0 or 1.1, without proof); its issuer is the "
    "authority's DID.",
    "additionalProperties": True,
}
UnsignedCredential = Annotated[dict[str, Any], WithJsonSchema(_UNSIGNED_SCHEMA)]


class ApiModel(BaseModel):
    """camelCase JSON members; unknown members refused."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class OutModel(BaseModel):
    """A response body (camelCase JSON members)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


# --- requests ------------------------------------------------------------------------------------


class VehicleRegistrationRequest(ApiModel):
    """A registration (注册登记): the vehicle and its owner; the mark comes with it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "vin": "LSVAU2A36N2183457",
                    "plate": "鄂L12345",
                    "plateTypeCode": "02",
                    "vehicleTypeCode": "K33",
                    "useCategory": "small_non_operating_passenger",
                    "seats": 5,
                    "firstRegistration": "2026-11-20",
                    "owner": "acct-12345",
                }
            ]
        }
    )

    vin: Vin
    plate: Plate
    plate_type_code: PlateTypeCode
    vehicle_type_code: VehicleTypeCode
    use_category: UseCategory
    seats: int = Field(ge=1, le=99)
    first_registration: Day
    owner: AccountId
    is_van: bool = False
    casualty_accident: bool = False
    casualty_accident_date: Day | None = None
    valid_until: str | None = Field(
        default=None,
        pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$",
        description="Importing a vehicle registered elsewhere: the month (YYYY-MM) its current "
        "inspection is valid until. Normally absent: the policy computes it.",
    )
    event_key: EventKey | None = Field(
        default=None,
        description="Default registration:{VIN} (a repeated registration returns its mark).",
    )


class TransferRequest(ApiModel):
    """A transfer of ownership (转移登记), optionally with a new plate."""

    new_owner: AccountId
    event_key: EventKey
    plate: Plate | None = None
    plate_type_code: PlateTypeCode | None = None


class VehicleChangeRequest(ApiModel):
    """A change of registration (变更登记): the members given replace the vehicle's."""

    event_key: EventKey
    plate: Plate | None = None
    plate_type_code: PlateTypeCode | None = None
    vehicle_type_code: VehicleTypeCode | None = None
    use_category: UseCategory | None = None
    seats: int | None = Field(default=None, ge=1, le=99)
    is_van: bool | None = None


class InspectionRequest(ApiModel):
    """A station's report of an on-site inspection; (station, reportNumber) identifies it."""

    station: StationCode | None = Field(
        default=None, description="Default: the station the token is bound to."
    )
    report_number: str = Field(min_length=1, max_length=64, pattern=TEXT_ID_PATTERN)
    vin: Vin
    inspected_on: Day
    passed: bool


class PaperOrderRequest(ApiModel):
    """A paper copy of the current mark (lost or damaged): no new mark is issued."""

    reason: PaperReason
    delivery: Delivery


class FilingRequest(ApiModel):
    """File a vehicle for an owner who is not its owner of record (备案)."""

    account: AccountId


class AccidentRequest(ApiModel):
    """An accident with casualties (it bars the exemption)."""

    on: Day


class StationRequest(ApiModel):
    """A new inspection station."""

    code: StationCode
    name: str = Field(min_length=1, max_length=200, pattern=TEXT_PATTERN)


class StationUpdate(ApiModel):
    """Activate or deactivate a station."""

    active: bool


class KeyRotationRequest(ApiModel):
    """Rotate the signing key: a new key becomes current, the old one retires."""

    key_type: Literal["P-256", "P-384", "Ed25519"] | None = Field(
        default=None, description="Default: the configured key type."
    )


class TokenRequest(ApiModel):
    """A new bearer token."""

    scope: Scope
    subject: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        pattern=TEXT_ID_PATTERN,
        description="The station code (station tokens) or the owner's account id (owner "
        "tokens); none for office and admin tokens.",
    )
    label: str = Field(min_length=1, max_length=200, pattern=TEXT_PATTERN)
    expires_in_seconds: int | None = Field(
        default=None, ge=60, le=10 * 366 * 86400, description="Lifetime; default: no expiry."
    )


class IssueOptions(BaseModel):
    """VC-API issue options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    credentialId: str | None = Field(
        default=None,
        min_length=1,
        max_length=2048,
        pattern=TEXT_ID_PATTERN,
        description="The credential's id when credential.id is absent (set as credential.id).",
    )
    mandatoryPointers: list[str] | None = Field(
        default=None,
        max_length=0,
        description="Selective disclosure is not offered: must be absent or empty.",
    )
    credentialStatus: StatusOption | None = Field(
        default=None,
        description="Ask for a BitstringStatusListEntry (per purpose) in the signed credential.",
    )


class StatusOption(BaseModel):
    """Which status entries to add at issuance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["BitstringStatusListEntry"]
    statusPurpose: (
        Literal["revocation", "suspension"] | list[Literal["revocation", "suspension"]] | None
    ) = Field(default=None, description="Default: revocation and suspension.")


class IssueCredentialRequest(BaseModel):
    """VC-API ``POST /credentials/issue``."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "credential": {
                        "@context": [
                            "https://www.w3.org/ns/credentials/v2",
                            "https://www.w3.org/ns/credentials/examples/v2",
                        ],
                        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
                        "issuer": "did:web:demo.vic.example",
                        "validFrom": "2026-01-01T00:00:00Z",
                        "credentialSubject": {
                            "id": "did:example:abcdefgh",
                            "alumniOf": "The School of Examples",
                        },
                    },
                    "options": {"credentialStatus": {"type": "BitstringStatusListEntry"}},
                }
            ]
        },
    )

    credential: UnsignedCredential
    options: IssueOptions | None = None


class StatusEntryRequest(BaseModel):
    """The status entry to update (VC-API): by purpose, optionally naming the list entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str | None = Field(
        default=None,
        max_length=64,
        description="BitstringStatusListEntry (or BitstringStatusList).",
    )
    statusPurpose: Literal["revocation", "suspension"] | None = None
    status: bool | Literal["revoked", "suspended", "unsuspended"] | None = Field(
        default=None,
        description="The new value of this entry's bit (overrides the request's status); the "
        "words revoked, suspended and unsuspended also name the purpose.",
    )
    id: str | None = Field(default=None, max_length=2048)
    statusListIndex: str | None = Field(default=None, max_length=16)
    statusListCredential: str | None = Field(default=None, max_length=2048)


class StatusUpdateRequest(BaseModel):
    """VC-API ``POST /credentials/status``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    credentialId: str = Field(min_length=1, max_length=2048, pattern=TEXT_ID_PATTERN)
    credentialStatus: StatusEntryRequest | list[StatusEntryRequest] = Field(
        description="The entry to update, or a list of entries."
    )
    status: bool | None = Field(default=None, description="The new value (default: true, set).")
    indexAllocator: str | None = Field(
        default=None, max_length=2048, description="Accepted and ignored."
    )


IssueOptions.model_rebuild()
