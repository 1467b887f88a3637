"""The service's happy paths, end to end over HTTP: register → download every format → verify
with what the service publishes; inspections supersede; exemptions; paper; suspension;
transfers, changes, cancellations; filings; public documents; administration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.issuer.helpers import BASE_URL, DID, STATION_CODE, Clock, make_vin, registration
from tests.issuer.test_api_support import (  # noqa: F401 - api_fixture is a fixture
    PROBLEM,
    Api,
    Client,
    api_fixture,
    registration_body,
)
from vic.contexts.loader import VEHICLE_INSPECTION_V1, context_bytes
from vic.issuer.api import create_app
from vic.issuer.config import IssuerConfig
from vic.issuer.engine import Issuer
from vic.issuer.tokens import create_token
from vic.vc.barcode import decode_barcode
from vic.vc.cborld import Registry, RegistryEntry
from vic.vc.qrimage import read_qr_image, read_qr_pdf
from vic.vc.status import StatusPurpose
from vic.verifier.result import Status
from vic.verifier.verify import verify_credential


def verify(api: Api, credential: Any) -> Status:
    """The verifier's status for ``credential`` with only what the service serves: did.json and
    registry entry pinned in the trust list, status lists fetched from the service."""
    result = verify_credential(
        credential, trust=api.trust(), status_source=api.mark_lists(), clock=api.clock
    )
    return result.status


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert body["type"].startswith("https://")
    return body


def test_register_then_download_every_format(api: Api) -> None:
    issued = api.register(40)
    assert issued["issuedNow"] is True
    assert issued["vin"] == make_vin(40)
    assert issued["reason"] == "registration"
    assert issued["credential"]["issuer"] == DID
    vin = make_vin(40)

    as_vc = api.get(f"/vehicles/{vin}/mark", "owner:acct-40")
    assert as_vc.status_code == 200
    assert as_vc.headers["content-type"] == "application/vc+ld+json"
    assert as_vc.headers["cache-control"] == "no-store"
    mark = as_vc.json()
    assert mark == issued["credential"]
    as_json = api.get(
        f"/vehicles/{vin}/mark", "owner:acct-40", headers={"Accept": "application/json"}
    )
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json() == mark

    text_response = api.get(f"/vehicles/{vin}/mark.txt", "owner:acct-40")
    assert text_response.status_code == 200
    assert text_response.headers["content-type"].startswith("text/plain")
    text = text_response.text
    assert text.startswith("VC1-R")

    png = api.get(f"/vehicles/{vin}/mark.png", "owner:acct-40")
    assert png.headers["content-type"] == "image/png"
    assert read_qr_image(png.content) == text
    svg = api.get(f"/vehicles/{vin}/mark.svg", "owner:acct-40", params={"scale": 4})
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.startswith("<?xml")
    assert "<svg" in svg.text
    pdf = api.get(f"/vehicles/{vin}/mark.pdf", "owner:acct-40")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert read_qr_pdf(pdf.content) == text

    # The text decodes, with the served registry entry, to the very mark; it verifies with
    # the served did.json and status lists.
    entry = RegistryEntry.from_json(api.client.get("/cborld/registry-entry.json").json())
    assert entry.entry_id == 15601
    decoded = decode_barcode(text, Registry([entry]))
    assert decoded == mark
    assert verify(api, text) is Status.VALID
    assert verify(api, decoded) is Status.VALID

    # A re-download is the same mark: nothing is issued, every download is audited.
    again = api.get(f"/vehicles/{vin}/mark", "office")
    assert again.json() == mark
    assert api.get(f"/vehicles/{vin}/mark.pdf", "owner:acct-40").content == pdf.content
    staff = api.get(f"/marks/{issued['number']}", "office").json()
    assert staff["credential"] == mark
    assert staff["current"] is True
    downloads = api.issuer.audit_log(target=f"mark:{issued['number']}")
    assert sum(1 for a in downloads if a.action == "mark.download") == 8
    assert all(a.actor_id.startswith("token:") for a in downloads)
    repeated = api.post("/vehicles", "office", json=registration_body(40))
    assert repeated.status_code == 200
    assert repeated.json()["number"] == issued["number"]
    assert repeated.json()["issuedNow"] is False


def test_an_inspection_supersedes_the_previous_mark(api: Api) -> None:
    first = api.register(41)
    report = {
        "reportNumber": "R-41",
        "vin": make_vin(41),
        "inspectedOn": "2026-11-24",
        "passed": True,
    }
    response = api.post("/inspections", "station", json=report)
    assert response.status_code == 201, response.text
    outcome = response.json()
    assert outcome["station"] == STATION_CODE
    assert outcome["recordedNow"] is True
    second = outcome["mark"]
    assert second["reason"] == "inspection"
    assert second["number"] != first["number"]

    assert verify(api, first["credential"]) is Status.REVOKED
    assert verify(api, second["credential"]) is Status.VALID
    status = api.get(f"/marks/{first['numberText']}/status").json()
    assert status["revoked"] is True
    assert status["current"] is False
    assert status["revocationReason"] == "superseded"
    assert status["supersededBy"] == second["number"]
    assert "vin" not in status  # the public status tells nothing about the vehicle
    current = api.get(f"/marks/{second['number']}/status").json()
    assert current["current"] is True
    assert current["revoked"] is False

    repeated = api.post("/inspections", "station", json=report)
    assert repeated.status_code == 200
    assert repeated.json()["recordedNow"] is False
    assert repeated.json()["mark"]["number"] == second["number"]
    failed = api.post(
        "/inspections", "station", json={**report, "reportNumber": "R-41b", "passed": False}
    )
    assert failed.status_code == 201
    assert failed.json()["mark"] is None


def test_a_station_reports_for_its_own_station_only(api: Api) -> None:
    api.register(42)
    report = {"reportNumber": "R-42", "vin": make_vin(42), "inspectedOn": "2026-11-24"}
    problem(
        api.post("/inspections", "station", json={**report, "passed": True, "station": "9"}),
        403,
        "STATION_MISMATCH",
    )
    problem(
        api.post(
            "/inspections", "station", json={**report, "passed": True, "inspectedOn": "2026-12-24"}
        ),
        422,
        "INSPECTION_IN_FUTURE",
    )
    problem(
        api.post("/inspections", "admin", json={**report, "passed": True}), 400, "STATION_REQUIRED"
    )
    by_admin = api.post(
        "/inspections", "admin", json={**report, "passed": True, "station": STATION_CODE}
    )
    assert by_admin.status_code == 201


def car_body(number: int, **facts: Any) -> dict[str, Any]:
    """A private car registered two years ago, due this month (2026-11): exemption time."""
    return registration_body(number, firstRegistration="2024-11-10", validUntil="2026-11", **facts)


def test_exemption_applications_over_http(api: Api) -> None:
    for number, facts, code in (
        (50, {"isVan": True}, "VAN"),
        (51, {"casualtyAccident": True}, "CASUALTY_ACCIDENT"),
    ):
        assert api.post("/vehicles", "office", json=car_body(number, **facts)).status_code == 201
        refused = problem(
            api.post(
                f"/vehicles/{make_vin(number)}/exemption-applications", f"owner:acct-{number}"
            ),
            422,
            code,
        )
        assert refused["title"] == "RANGE_ERROR"
    new_car = api.register(52)  # registered days ago: too early for the exemption
    problem(
        api.post(f"/vehicles/{make_vin(52)}/exemption-applications", "owner:acct-52"),
        422,
        "TOO_EARLY",
    )
    assert new_car["current"]

    before = api.post("/vehicles", "office", json=car_body(53)).json()
    granted = api.post(f"/vehicles/{make_vin(53)}/exemption-applications", "owner:acct-53")
    assert granted.status_code == 201, granted.text
    mark = granted.json()
    assert mark["basis"] == "Exempt"
    assert mark["credential"]["credentialSubject"]["inspectionBasis"] == "Exempt"
    assert mark["credential"]["validUntil"] == "2028-11-30T15:59:59Z"
    assert verify(api, mark["credential"]) is Status.VALID
    assert verify(api, before["credential"]) is Status.REVOKED
    again = api.post(f"/vehicles/{make_vin(53)}/exemption-applications", "owner:acct-53")
    assert again.status_code == 200
    assert again.json()["number"] == mark["number"]
    problem(
        api.post(f"/vehicles/{make_vin(53)}/exemption-applications", "owner:acct-99"),
        403,
        "NOT_OWNER",
    )


def test_a_paper_order_prints_the_same_mark(api: Api) -> None:
    issued = api.register(54)
    response = api.post(
        f"/vehicles/{make_vin(54)}/paper-orders",
        "owner:acct-54",
        json={"reason": "lost", "delivery": "mail"},
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["reason"] == "lost"
    assert order["delivery"] == "mail"
    assert order["mark"]["number"] == issued["number"]
    assert order["mark"]["credential"] == issued["credential"]
    assert order["mark"]["issuedNow"] is False
    assert [o.order_id for o in api.issuer.paper_orders(make_vin(54))] == [order["orderId"]]
    problem(
        api.post(
            f"/vehicles/{make_vin(54)}/paper-orders",
            "owner:acct-54",
            json={"reason": "stolen", "delivery": "mail"},
        ),
        422,
        "INVALID_REQUEST",
    )


def test_suspension_and_its_lifting(api: Api) -> None:
    issued = api.register(55)
    suspended = api.post(f"/marks/{issued['numberText']}/suspension", "office")
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["suspended"] is True
    assert suspended.json()["vin"] == make_vin(55)
    assert verify(api, issued["credential"]) is Status.SUSPENDED
    assert api.get(f"/marks/{issued['number']}/status").json()["suspended"] is True
    lifted = api.delete(f"/marks/{issued['numberText']}/suspension", "office")
    assert lifted.json()["suspended"] is False
    assert verify(api, issued["credential"]) is Status.VALID
    actions = [a.action for a in api.issuer.audit_log(target=f"mark:{issued['number']}")]
    assert "mark.suspend" in actions
    assert "mark.unsuspend" in actions


def test_transfer_change_and_cancellation(api: Api) -> None:
    first = api.register(56)
    vin = make_vin(56)
    transferred = api.post(
        f"/vehicles/{vin}/transfers", "office", json={"newOwner": "acct-57", "eventKey": "T-1"}
    )
    assert transferred.status_code == 201, transferred.text
    second = transferred.json()
    assert second["reason"] == "transfer"
    assert api.get(f"/vehicles/{vin}", "owner:acct-57").json()["owner"] == "acct-57"
    problem(api.get(f"/vehicles/{vin}/mark", "owner:acct-56"), 403, "NOT_OWNER")
    assert api.get(f"/vehicles/{vin}/mark", "owner:acct-57").json() == second["credential"]

    changed = api.post(
        f"/vehicles/{vin}/changes", "office", json={"eventKey": "C-1", "plate": "鄂A99999"}
    )
    assert changed.status_code == 201, changed.text
    third = changed.json()
    assert third["credential"]["credentialSubject"]["registrationNumber"] == "鄂A99999"
    problem(
        api.post(f"/vehicles/{vin}/changes", "office", json={"eventKey": "C-2"}),
        400,
        "USAGE_ERROR",
    )

    cancelled = api.post(f"/vehicles/{vin}/cancellation", "office")
    assert cancelled.status_code == 200, cancelled.text
    revoked = cancelled.json()["revokedMark"]
    assert revoked["number"] == third["number"]
    assert revoked["revocationReason"] == "cancelled"
    assert api.get(f"/marks/{third['number']}/status").json()["revocationReason"] == "cancelled"
    for mark in (first, second, third):
        assert verify(api, mark["credential"]) is Status.REVOKED
    problem(api.get(f"/vehicles/{vin}/mark", "owner:acct-57"), 422, "VEHICLE_CANCELLED")
    assert api.post(f"/vehicles/{vin}/cancellation", "office").json()["revokedMark"] is None


def test_owners_see_their_own_and_filed_vehicles_only(api: Api) -> None:
    api.register(60)
    vin = make_vin(60)
    problem(api.get(f"/vehicles/{vin}/mark", "owner:acct-61"), 403, "NOT_OWNER")
    problem(api.get(f"/vehicles/{vin}/mark.png", "owner:acct-61"), 403, "NOT_OWNER")
    problem(api.get(f"/vehicles/{vin}", "owner:acct-61"), 403, "NOT_OWNER")
    problem(api.get("/vehicles", "owner:acct-61", params={"owner": "acct-60"}), 403, "NOT_OWNER")
    assert api.get("/vehicles", "owner:acct-61").json() == []

    filed = api.post(f"/vehicles/{vin}/filings", "office", json={"account": "acct-61"})
    assert filed.status_code == 201, filed.text
    assert api.get(f"/vehicles/{vin}/mark", "owner:acct-61").status_code == 200
    (listed,) = api.get("/vehicles", "owner:acct-61").json()
    assert listed["viaFiling"] is True
    assert [
        v["vin"] for v in api.get("/vehicles", "office", params={"owner": "acct-60"}).json()
    ] == [vin]
    problem(api.get("/vehicles", "office"), 400, "OWNER_REQUIRED")

    ended = api.delete(f"/vehicles/{vin}/filings/acct-61", "owner:acct-61")
    assert ended.status_code == 200
    assert ended.json()["endedAt"] is not None
    problem(api.get(f"/vehicles/{vin}/mark", "owner:acct-61"), 403, "NOT_OWNER")
    problem(api.delete(f"/vehicles/{vin}/filings/acct-61", "office"), 404, "FILING_NOT_FOUND")

    accident = api.post(f"/vehicles/{vin}/accidents", "office", json={"on": "2026-05-01"})
    assert accident.json()["casualtyAccident"] is True


def test_domain_refusals_are_problems(api: Api) -> None:
    api.register(62)
    problem(
        api.post("/vehicles", "office", json=registration_body(63, plate=registration(62).plate)),
        409,
        "PLATE_IN_USE",
    )
    problem(
        api.post("/vehicles", "office", json=registration_body(64, vin="LSVAU2A30N0000649")),
        422,
        "INVALID_VIN_CHECK_DIGIT",
    )
    problem(
        api.post("/vehicles", "office", json=registration_body(65, firstRegistration="2027-01-01")),
        400,
        "USAGE_ERROR",
    )
    problem(api.get(f"/vehicles/{make_vin(66)}/mark", "office"), 404, "VEHICLE_NOT_FOUND")
    problem(api.get("/marks/4294967296/status"), 400, "USAGE_ERROR")
    problem(api.get("/marks/7/status"), 404, "MARK_NOT_FOUND")


def test_public_documents(api: Api) -> None:
    did = api.client.get("/.well-known/did.json")
    assert did.status_code == 200
    assert did.json() == api.issuer.did_document()
    assert did.headers["access-control-allow-origin"] == "*"
    context = api.client.get("/contexts/vehicle-inspection/v1")
    assert context.headers["content-type"] == "application/ld+json"
    assert context.content == context_bytes(VEHICLE_INSPECTION_V1)
    problem(api.client.get("/contexts/vehicle-inspection/v9"), 404, "CONTEXT_NOT_FOUND")
    schema = api.client.get("/schemas/vehicle-subject-v1.json")
    assert schema.headers["content-type"] == "application/schema+json"
    assert (
        schema.json()["$id"]
        == "https://w3id.org/vehicle-inspection/schemas/vehicle-subject-v1.json"
    )
    entry = api.client.get("/cborld/registry-entry.json")
    assert entry.json() == api.issuer.registry_entry()[-1]
    etag = entry.headers["etag"]
    assert (
        api.client.get("/cborld/registry-entry.json", headers={"If-None-Match": etag}).status_code
        == 304
    )
    openapi = api.client.get("/openapi.json").json()
    assert "bearerToken" in openapi["components"]["securitySchemes"]
    assert "Problem" in openapi["components"]["schemas"]
    docs = api.client.get("/docs")  # served from the package: works offline, no CDN
    assert docs.status_code == 200
    assert 'data-openapi="/openapi.json"' in docs.text
    assert "cdn" not in docs.text.lower()
    assert api.client.get("/docs/docs.js").status_code == 200


def test_administration(api: Api) -> None:
    added = api.post("/stations", "admin", json={"code": "420100-02", "name": "第二检测站"})
    assert added.status_code == 201, added.text
    problem(
        api.post("/stations", "admin", json={"code": "420100-02", "name": "x"}),
        409,
        "STATION_EXISTS",
    )
    assert [s["code"] for s in api.get("/stations", "office").json()] == [STATION_CODE, "420100-02"]

    created = api.post(
        "/tokens", "admin", json={"scope": "station", "subject": "420100-02", "label": "lane 1"}
    )
    assert created.status_code == 201, created.text
    token, info = created.json()["token"], created.json()["info"]
    assert token.startswith("vic_")
    assert token not in json.dumps(api.get("/tokens", "admin").json())
    api.register(70)
    report = {
        "reportNumber": "R-70",
        "vin": make_vin(70),
        "inspectedOn": "2026-11-24",
        "passed": True,
    }
    by_new_station = api.client.post(
        "/inspections", json=report, headers={"Authorization": f"Bearer {token}"}
    )
    assert by_new_station.status_code == 201
    assert by_new_station.json()["station"] == "420100-02"

    deactivated = api.client.patch(
        "/stations/420100-02", json={"active": False}, headers=api.auth("admin")
    )
    assert deactivated.json()["active"] is False
    problem(
        api.client.post(
            "/inspections",
            json={**report, "reportNumber": "R-71"},
            headers={"Authorization": f"Bearer {token}"},
        ),
        422,
        "UNKNOWN_STATION",
    )
    revoked = api.delete(f"/tokens/{info['tokenId']}", "admin")
    assert revoked.json()["revokedAt"] is not None
    problem(
        api.client.post("/inspections", json=report, headers={"Authorization": f"Bearer {token}"}),
        401,
        "TOKEN_REVOKED",
    )

    rotated = api.post("/keys", "admin", json={})
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["fragment"] == "key-2"
    assert [k["retiredAt"] is None for k in api.get("/keys", "admin").json()] == [False, True]
    new_mark = api.register(71)
    assert new_mark["verificationMethod"] == f"{DID}#key-2"
    assert verify(api, new_mark["credential"]) is Status.VALID
    text = api.get(f"/vehicles/{make_vin(71)}/mark.txt", "office").text
    assert verify(api, text) is Status.VALID  # the registry entry appended key-2

    log = api.get("/audit", "admin", params={"target": f"token:{info['tokenId']}"}).json()
    assert [a["action"] for a in log] == ["token.revoke", "token.create"]
    assert log[0]["actorId"].startswith("token:")
    assert BASE_URL.startswith("https://")


def test_a_base_url_with_a_port_and_a_path(tmp_path: Path, clock: Clock) -> None:
    """did:web with a path puts did.json under it; the lists and the API follow the base URL."""
    base = "https://vic.example.cn:8443/authorities/hubei"
    issuer = Issuer.open(
        IssuerConfig(data_dir=tmp_path / "data", public_base_url=base, clock=clock)
    )
    try:
        with Client(create_app(issuer), base_url="https://vic.example.cn:8443") as client:
            did = client.get("/authorities/hubei/did.json")
            assert did.status_code == 200
            assert did.json()["id"] == "did:web:vic.example.cn%3A8443:authorities:hubei"
            assert client.get("/.well-known/did.json").status_code == 404
            listed = client.get("/authorities/hubei/status/revocation/0").json()
            assert listed["id"] == f"{base}/status/revocation/0"
            assert listed["id"] == issuer.status_list_url(StatusPurpose.REVOCATION, 0)
            assert client.get("/authorities/hubei/openapi.json").status_code == 200
            token = create_token(issuer, role="office", label="x")[0]
            response = client.post(
                "/authorities/hubei/vehicles",
                json=registration_body(1),
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 201, response.text
            assert response.json()["credential"]["issuer"] == did.json()["id"]
            assert client.get("/authorities/hubei/cborld/registry-entry.json").status_code == 404
    finally:
        issuer.close()
