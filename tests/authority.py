"""A test authority: a key, its did:key, sample marks and signed status lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vic.did.key import did_key, did_key_method_id
from vic.did.keys import KeyType, PrivateKey
from vic.vc.mark import (
    InspectionBasis,
    TerseStatus,
    VehicleSubject,
    build_mark,
    valid_until_for_month,
)
from vic.vc.proofs import add_proof
from vic.vc.status import (
    TERSE_LIST_LENGTH,
    Bitstring,
    StatusPurpose,
    build_status_list_credential,
    expand_terse_entry,
)
from vic.verifier.trust import TrustedIssuer, TrustList

NOW = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)
STATUS_BASE = "https://jtgl.example.cn/status"
VEHICLE = VehicleSubject(
    registration_number="鄂L12345",
    plate_type_code="02",
    vehicle_type_code="K33",
    vin="LSVAU2A36N2183457",
    inspection_basis=InspectionBasis.ON_SITE,
)


def clock() -> datetime:
    return NOW


@dataclass
class Authority:
    """An issuer for tests (did:key, so it resolves offline)."""

    key_type: KeyType = KeyType.P256
    cryptosuite: str = "ecdsa-rdfc-2019"
    key: PrivateKey = field(init=False)

    def __post_init__(self) -> None:
        self.key = PrivateKey.generate(self.key_type)

    @property
    def did(self) -> str:
        return did_key(self.key.public_key)

    @property
    def method(self) -> str:
        return did_key_method_id(self.key.public_key)

    def trust(self) -> TrustList:
        return TrustList((TrustedIssuer(self.did, {"en": "Test authority"}),))

    def sign(self, document: dict[str, Any]) -> dict[str, Any]:
        return add_proof(
            document,
            key=self.key,
            cryptosuite=self.cryptosuite,
            verification_method=self.method,
            clock=clock,
        )

    def mark(
        self, *, index: int | None = 77, valid_years: int = 2, status_base: str = STATUS_BASE
    ) -> dict[str, Any]:
        unsigned = build_mark(
            issuer=self.did,
            subject=VEHICLE,
            valid_from=NOW,
            valid_until=valid_until_for_month(NOW.year + valid_years, NOW.month),
            status=TerseStatus(status_base, index) if index is not None else None,
            mark_id="urn:uuid:2f9c6b1e-8a43-4c55-9d0e-3b8f1f2a7c10",
        )
        return self.sign(unsigned)

    def status_lists(
        self,
        mark: dict[str, Any],
        *,
        revoked: bool = False,
        suspended: bool = False,
        valid_from: datetime = NOW,
    ) -> list[dict[str, Any]]:
        """The mark's revocation and suspension lists, signed, with its bits as asked."""
        lists = []
        for entry in expand_terse_entry(mark["credentialStatus"]):
            bits = Bitstring(TERSE_LIST_LENGTH, minimum=TERSE_LIST_LENGTH)
            if (entry.purpose is StatusPurpose.REVOCATION and revoked) or (
                entry.purpose is StatusPurpose.SUSPENSION and suspended
            ):
                bits.set(entry.index)
            unsigned = build_status_list_credential(
                id=entry.list_credential,
                issuer=self.did,
                purpose=entry.purpose,
                bitstring=bits,
                valid_from=valid_from,
            )
            lists.append(self.sign(unsigned))
        return lists
