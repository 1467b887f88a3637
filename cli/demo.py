"""``vic demo``: the main job, end to end on this machine with no network (composes the roles).

The whole story on the embedded default (SQLite): the demo authority ``did:web:demo.vic.example``
opens its issuer in ``OUT/issuer-data`` (made afresh each run: it is the demo's own), registers a
sample vehicle whose periodic inspection is due, records the passed inspection a station reports,
and the new mark supersedes the registration's. It writes mark.json, the barcode text mark.txt,
the QR mark.png, the printed sticker mark.pdf, the published status lists and trust.json (pinning
the authority's DID document and CBOR-LD registry entry), reads the QR back from the PNG and
verifies it as a relying party would, then transfers the vehicle to a new owner and shows that
the old mark now reads REVOKED (superseded) while the new one (transferred-mark.json) is VALID;
the status lists it writes are those published at the end.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from vic.issuer.config import IssuerConfig
from vic.issuer.domain import Actor, InspectionReport, IssuedMark, Role, VehicleRegistration
from vic.issuer.engine import SYSTEM_ACTOR, Issuer
from vic.issuer.policy import UseCategory
from vic.vc.barcode import encode_barcode
from vic.vc.cborld import Registry, RegistryEntry
from vic.vc.dates import Clock, format_datetime, system_clock
from vic.vc.printing import render_signed_mark_pdf
from vic.vc.qrimage import qr_version, read_qr_image, render_png
from vic.vc.status import StatusPurpose
from vic.verifier.result import VerificationResult
from vic.verifier.trust import TrustedIssuer, TrustList
from vic.verifier.verify import verify_credential

__all__ = ["DemoReport", "run_demo"]

BASE_URL = "https://demo.vic.example"
REGISTRY_ENTRY_ID = 15601
AUTHORITY_NAME = {
    "zh-CN": "演示市公安局交通管理局车辆管理所",
    "en": "Vehicle Administration Office, Demo City Traffic Police",
}
STATION = ("4206001", "演示市机动车检测站 Demo City Inspection Station")
OFFICE = Actor("demo-office", Role.OFFICE)
STATION_ACTOR = Actor("demo-station", Role.STATION, station=STATION[0])
_LIST_URL = re.compile(r"/(revocation|suspension)/(\d+)$")


@dataclass
class DemoReport:
    """What the demo did, as lines for the terminal, and whether every step came out right."""

    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def say(self, line: str) -> None:
        """Add a line."""
        self.lines.append(line)

    def expect(self, result: VerificationResult, status: str, what: str) -> None:
        """Report a verification and whether it came out as ``status``."""
        text = result.status.value
        if result.errors:
            text += f" [{result.errors[0].code}]"
        good = result.status.value == status
        self.ok &= good
        self.say(f"{what:<14}{text}" + ("" if good else f"  (expected {status})"))


class _PublishedLists:
    """The issuer's published status lists, as a verifier's status source would fetch them."""

    def __init__(self, issuer: Issuer) -> None:
        self._issuer = issuer

    def get(self, url: str) -> Mapping[str, Any] | None:
        match = _LIST_URL.search(url)
        if match is None or not url.startswith(self._issuer.status_base):
            return None
        purpose, index = StatusPurpose(match[1]), int(match[2])
        return self._issuer.status_list(purpose, index).credential


def run_demo(out: Path, *, clock: Clock = system_clock) -> DemoReport:
    """Run the demo, writing its files into ``out``.

    :raises VicError: a step failed in a way vic reports (it should not, on a healthy install).
    """
    report = DemoReport()
    out.mkdir(parents=True, exist_ok=True)
    data = out / "issuer-data"
    if data.exists():
        shutil.rmtree(data)
    config = IssuerConfig(
        data_dir=data, public_base_url=BASE_URL, registry_entry_id=REGISTRY_ENTRY_ID, clock=clock
    )
    with Issuer.open(config) as issuer:
        _story(issuer, out, report)
    return report


def _story(issuer: Issuer, out: Path, report: DemoReport) -> None:
    today = issuer.config.clock().date()
    report.say(f"authority     {issuer.did} (SQLite in {issuer.config.data_dir})")
    issuer.add_station(SYSTEM_ACTOR, *STATION)

    # A six-year-old private car whose on-site inspection falls due this month.
    registration = VehicleRegistration(
        vin="LSVAU2A36N2183457",
        plate="鄂L12345",
        plate_type_code="02",
        vehicle_type_code="K33",
        use_category=UseCategory.SMALL_NON_OPERATING_PASSENGER,
        seats=5,
        first_registration=date(today.year - 6, today.month, 1),
        owner="owner-0001",
        valid_until=(today.year, today.month),
    )
    first = issuer.register_vehicle(OFFICE, registration)
    report.say(f"registered    {registration.plate} VIN {registration.vin}: mark {_no(first)}")
    outcome = issuer.report_inspection(
        STATION_ACTOR,
        InspectionReport(
            station=STATION[0],
            report_number=f"{STATION[0]}-{today:%Y%m%d}-0001",
            vin=registration.vin,
            inspected_on=today,
            passed=True,
        ),
    )
    mark = outcome.mark
    if mark is None:
        raise RuntimeError("a passed inspection issued no mark")
    until = mark.valid_until
    report.say(
        f"inspected     passed at station {STATION[0]}: mark {_no(mark)} valid until "
        f"{format_datetime(until)} (end of {until.year}-{until.month:02d} CST)"
    )

    entry = RegistryEntry.from_json(issuer.registry_entry()[-1])
    text = encode_barcode(mark.credential, Registry([entry]), registry_entry_id=entry.entry_id)
    _write_json(out / "mark.json", mark.credential)
    (out / "mark.txt").write_text(text + "\n", encoding="ascii")
    render_png(text, out / "mark.png", ecc="M")
    (out / "mark.pdf").write_bytes(
        render_signed_mark_pdf(
            mark.credential,
            barcode_text=text,
            authority_name=AUTHORITY_NAME,
            mark_number=_no(mark),
        )
    )
    report.say(
        f"wrote         mark.json, mark.txt ({len(text)} characters), mark.png (QR version "
        f"{qr_version(text, 'M')} at M), mark.pdf in {out}"
    )

    trust = TrustList((TrustedIssuer(issuer.did, AUTHORITY_NAME, issuer.did_document(), (entry,)),))
    _write_json(out / "trust.json", trust.to_json())
    lists = _PublishedLists(issuer)
    report.say("wrote         trust.json (pins the DID document and the registry entry)")

    scanned = read_qr_image(out / "mark.png")
    report.ok &= scanned == text
    checked = verify_credential(scanned, trust=trust, status_source=lists)
    report.expect(checked, "VALID", "verify QR")
    previous = verify_credential(first.credential, trust=trust, status_source=lists)
    report.expect(previous, "REVOKED", "first mark")

    transferred = issuer.transfer_vehicle(
        OFFICE, registration.vin, new_owner="owner-0002", event_key=f"transfer:{registration.vin}"
    )
    report.say(f"transferred   to owner-0002: mark {_no(transferred)}")
    old = verify_credential(scanned, trust=trust, status_source=lists)
    report.expect(old, "REVOKED", "scanned mark")
    why = issuer.mark_status(mark.number)
    reason = why.revocation_reason.value if why.revocation_reason else "?"
    report.say(f"issuer says   mark {_no(mark)} {reason} by mark {why.superseded_by:010d}")
    new = verify_credential(transferred.credential, trust=trust, status_source=lists)
    report.expect(new, "VALID", "new mark")
    _write_json(out / "transferred-mark.json", transferred.credential)
    for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION):
        url = issuer.status_list_url(purpose, mark.number >> 26)
        _write_json(out / f"status-{purpose.value}.json", lists.get(url))
    report.say("wrote         transferred-mark.json, the status lists as published now")
    flags = (
        f"--trust {out / 'trust.json'} --status-list {out / 'status-revocation.json'} "
        f"--status-list {out / 'status-suspension.json'}"
    )
    report.say(f"check it yourself: vic verify {flags} {out / 'mark.png'}   (REVOKED)")
    report.say(f"                   vic verify {flags} {out / 'transferred-mark.json'}   (VALID)")


def _no(mark: IssuedMark) -> str:
    return mark.number_text


def _write_json(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
