"""``vic demo``: the main job, end to end on this machine with no network (composes the roles).

For now (the credential core and the QR code) it makes the demo authority did:web:demo.vic.example
with a fresh key, signs a sample inspection mark with a terse status entry, publishes the mark's
two status lists as signed files, writes mark.json, the barcode text (mark.txt), its QR (mark.png)
and trust.json (pinning the authority's DID document and CBOR-LD registry entry), verifies the QR
read back from the PNG as a relying party would, and shows that a tampered copy is rejected and
that a revoked mark reads REVOKED. DESIGN.md §11 says how it grows (the whole issuer story).
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from did.keyfile import write_key_file
from did.keys import KeyType, PrivateKey
from did.web import build_did_web_document
from vc.barcode import encode_barcode
from vc.cborld import Registry
from vc.cborld.registry import bundled_entry
from vc.dates import Clock, format_datetime, system_clock
from vc.mark import (
    InspectionBasis,
    TerseStatus,
    VehicleSubject,
    build_mark,
    valid_until_for_month,
)
from vc.proofs import add_proof
from vc.qrimage import qr_version, read_qr_image, render_png
from vc.status import (
    TERSE_LIST_LENGTH,
    Bitstring,
    StatusPurpose,
    build_status_list_credential,
    expand_terse_entry,
)
from verifier.result import VerificationResult
from verifier.trust import TrustedIssuer, TrustList
from verifier.verify import StaticStatusLists, verify_credential

__all__ = ["DemoReport", "run_demo"]

AUTHORITY = "did:web:demo.vic.example"
KEY_ID = f"{AUTHORITY}#key-1"
STATUS_BASE_URL = "https://demo.vic.example/status"
SAMPLE_VEHICLE = VehicleSubject(
    registration_number="鄂L12345",
    plate_type_code="02",
    vehicle_type_code="K33",
    vin="LSVAU2A36N2183457",
    inspection_basis=InspectionBasis.ON_SITE,
)
CRYPTOSUITE = "ecdsa-rdfc-2019"


@dataclass
class DemoReport:
    """What the demo did, as lines for the terminal, and whether every step came out right."""

    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def say(self, line: str) -> None:
        """Add a line."""
        self.lines.append(line)


def run_demo(out: Path, *, clock: Clock = system_clock) -> DemoReport:
    """Run the demo, writing its files into ``out``.

    :raises VicError: a step failed in a way vic reports (it should not, on a healthy install).
    """
    report = DemoReport()
    out.mkdir(parents=True, exist_ok=True)
    now = clock().astimezone(UTC).replace(microsecond=0)

    key = PrivateKey.generate(KeyType.P256)
    issuer, method = AUTHORITY, KEY_ID
    write_key_file(out / "authority-key.json", key, id=method, controller=issuer, overwrite=True)
    report.say(f"authority     {issuer} (a fresh P-256 key as {method})")

    index = int.from_bytes(os.urandom(4), "big") % TERSE_LIST_LENGTH
    until = valid_until_for_month(now.year + 2, now.month)
    mark = build_mark(
        issuer=issuer,
        subject=SAMPLE_VEHICLE,
        valid_from=now,
        valid_until=until,
        status=TerseStatus(base_url=STATUS_BASE_URL, index=index),
    )
    # No id and no proof `created`: the QR then fits version 10 at level M (docs/qr.md); the
    # printed mark number is the terse status index, which the issuer never reuses.
    signed = add_proof(
        mark, key=key, cryptosuite=CRYPTOSUITE, verification_method=method, include_created=False
    )
    _write_json(out / "mark.json", signed)
    report.say(f"mark          {out / 'mark.json'} ({CRYPTOSUITE}, No. {index:010d})")
    report.say(
        f"vehicle       {SAMPLE_VEHICLE.registration_number}  VIN {SAMPLE_VEHICLE.vin}  "
        f"valid until {format_datetime(until)} (end of {until.year}-{until.month:02d} CST)"
    )

    registry_entry = bundled_entry()
    text = encode_barcode(
        signed, Registry([registry_entry]), registry_entry_id=registry_entry.entry_id
    )
    (out / "mark.txt").write_text(text + "\n", encoding="ascii")
    render_png(text, out / "mark.png", ecc="M")
    report.say(
        f"QR            {out / 'mark.png'}, {out / 'mark.txt'} "
        f"({len(text)} characters, version {qr_version(text, 'M')} at level M)"
    )

    lists = []
    for status in expand_terse_entry(signed["credentialStatus"]):
        unsigned = build_status_list_credential(
            id=status.list_credential,
            issuer=issuer,
            purpose=status.purpose,
            bitstring=Bitstring(TERSE_LIST_LENGTH, minimum=TERSE_LIST_LENGTH),
            valid_from=now,
        )
        status_list = add_proof(
            unsigned,
            key=key,
            cryptosuite=CRYPTOSUITE,
            verification_method=method,
            clock=lambda: now,
        )
        name = f"status-{status.purpose.value}.json"
        _write_json(out / name, status_list)
        lists.append(status_list)
        report.say(f"status list   {out / name} ({status.purpose.value}, bit {status.index})")

    trust = TrustList(
        (
            TrustedIssuer(
                issuer,
                {"en": "Demo traffic authority", "zh-CN": "演示车辆管理所"},
                build_did_web_document(issuer, [(method, key.public_key)]),
                (registry_entry,),
            ),
        )
    )
    _write_json(out / "trust.json", trust.to_json())
    report.say(f"trust list    {out / 'trust.json'} (pins the DID document and registry entry)")

    scanned = read_qr_image(out / "mark.png")
    report.ok &= scanned == text
    result = verify_credential(scanned, trust=trust, status_source=StaticStatusLists(lists))
    report.say(f"verify QR     {_summary(result)} (the text read back from mark.png)")
    report.ok &= result.verified

    tampered = copy.deepcopy(signed)
    tampered["validUntil"] = format_datetime(valid_until_for_month(now.year + 6, now.month))
    forged = verify_credential(tampered, trust=trust, status_source=StaticStatusLists(lists))
    report.say(f"tampered copy {_summary(forged)} (validUntil pushed 4 years out)")
    report.ok &= forged.status.value == "INVALID_PROOF"

    revoked_list = _revoke(lists, signed, key, method, now)
    revoked = verify_credential(signed, trust=trust, status_source=StaticStatusLists(revoked_list))
    report.say(f"after revoke  {_summary(revoked)}")
    report.ok &= revoked.status.value == "REVOKED"
    report.say(
        f"check it yourself: vic verify --trust {out / 'trust.json'} "
        f"--status-list {out / 'status-revocation.json'} "
        f"--status-list {out / 'status-suspension.json'} {out / 'mark.png'}"
    )
    return report


def _revoke(
    lists: list[dict[str, Any]],
    mark: dict[str, Any],
    key: PrivateKey,
    method: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """The demo's status lists with the mark's revocation bit set (and signed again)."""
    revocation, _ = expand_terse_entry(mark["credentialStatus"])
    bits = Bitstring(TERSE_LIST_LENGTH, minimum=TERSE_LIST_LENGTH)
    bits.set(revocation.index)
    unsigned = build_status_list_credential(
        id=revocation.list_credential,
        issuer=mark["issuer"],
        purpose=StatusPurpose.REVOCATION,
        bitstring=bits,
        valid_from=now,
    )
    signed = add_proof(
        unsigned, key=key, cryptosuite=CRYPTOSUITE, verification_method=method, clock=lambda: now
    )
    return [signed, *[s for s in lists if s["id"] != revocation.list_credential]]


def _summary(result: VerificationResult) -> str:
    text = result.status.value
    if result.errors:
        text += f" [{result.errors[0].code}]"
    return text


def _dumps(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


def _write_json(path: Path, document: Any) -> None:
    path.write_text(_dumps(document) + "\n", encoding="utf-8")
