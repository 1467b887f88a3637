"""The VC-API endpoints: issue any VC 2.0 or 1.1 credential (201), refuse invalid ones with a
problem and a code, update status (the bit flips in the served list), fetch by id."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.issuer.helpers import BASE_URL, DID, Backend, Clock
from tests.issuer.test_api_support import (  # noqa: F401 - api_fixture is a fixture
    PROBLEM,
    Api,
    Client,
    api_fixture,
    bit,
    bits_of,
    open_api,
)
from vic.did.resolver import DidResolver
from vic.issuer.db.models import Mark
from vic.vc.proofs import verify_proofs


def vc2(**extra: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }
    credential.update(extra)
    return credential


def vc11() -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": DID,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh"},
    }


def served_proof_verifies(api: Api, credential: dict[str, Any]) -> bool:
    did_document = api.client.get("/.well-known/did.json").json()
    result = verify_proofs(credential, resolver=DidResolver({DID: did_document}), clock=api.clock)
    return result.verified


def issue(api: Api, credential: dict[str, Any], **options: Any) -> Any:
    body: dict[str, Any] = {"credential": credential}
    if options:
        body["options"] = options
    return api.post("/credentials/issue", "office", json=body)


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def status_bit(api: Api, entry: dict[str, Any]) -> int:
    served = api.client.get(entry["statusListCredential"]).json()
    return bit(bits_of(served), int(entry["statusListIndex"]))


def test_issue_a_vc2_credential(api: Api) -> None:
    response = issue(api, vc2())
    assert response.status_code == 201, response.text
    signed = response.json()["verifiableCredential"]
    assert signed["id"].startswith("urn:uuid:")
    assert signed["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert signed["proof"]["verificationMethod"] == f"{DID}#key-1"
    assert "credentialStatus" not in signed
    assert served_proof_verifies(api, signed)
    fetched = api.get(f"/credentials/{signed['id']}", "office")
    assert fetched.status_code == 200
    assert fetched.json() == {"verifiableCredential": signed}
    problem(issue(api, vc2(id=signed["id"])), 409, "CREDENTIAL_EXISTS")


def test_issue_a_vc11_credential(api: Api) -> None:
    response = issue(api, vc11())
    assert response.status_code == 201, response.text
    signed = response.json()["verifiableCredential"]
    assert signed["@context"][0] == "https://www.w3.org/2018/credentials/v1"
    assert signed["issuanceDate"] == "2026-01-01T00:00:00Z"
    assert served_proof_verifies(api, signed)
    problem(
        issue(api, vc11(), credentialStatus={"type": "BitstringStatusListEntry"}),
        422,
        "STATUS_NEEDS_VC2",
    )


@pytest.mark.parametrize(
    ("credential", "status", "code"),
    [
        (vc2(issuer="did:web:elsewhere.example"), 422, "ISSUER_MISMATCH"),
        ({**vc2(), "issuer": 7}, 422, "INVALID_ISSUER"),
        ({k: v for k, v in vc2().items() if k != "credentialSubject"}, 422, "INVALID_SUBJECT"),
        ({**vc2(), "type": ["AlumniCredential"]}, 422, "INVALID_TYPE"),
        ({**vc2(), "@context": ["https://example.com/unknown"]}, 422, "INVALID_CONTEXT"),
        ({**vc2(), "validUntil": "2025-01-01T00:00:00Z"}, 422, "VALIDITY_RANGE"),
        ({**vc2(), "proof": {"type": "DataIntegrityProof"}}, 422, "CREDENTIAL_HAS_PROOF"),
        (
            {
                **vc2(),
                "@context": ["https://www.w3.org/ns/credentials/v2"],  # no @vocab for the term
                "credentialSubject": {"id": "did:example:1", "notInAnyContext": 1},
            },
            422,
            "UNDEFINED_TERM",
        ),
    ],
)
def test_invalid_credentials_are_problems(
    api: Api, credential: dict[str, Any], status: int, code: str
) -> None:
    body = problem(issue(api, credential), status, code)
    assert body["title"] in ("MALFORMED_VALUE_ERROR", "RANGE_ERROR")
    assert body["type"].startswith("https://www.w3.org/TR/vc-data-model#")


def test_malformed_requests_are_parse_errors(api: Api) -> None:
    headers = {**api.auth("office"), "Content-Type": "application/json"}
    problem(
        api.client.post("/credentials/issue", content=b"{not json", headers=headers),
        400,
        "INVALID_JSON",
    )
    problem(
        api.client.post(
            "/credentials/issue", content=b'{"credential": {}, "credential": {}}', headers=headers
        ),
        400,
        "DUPLICATE_KEY",
    )
    problem(
        api.client.post("/credentials/issue", content=b'{"credential": NaN}', headers=headers),
        400,
        "INVALID_JSON",
    )
    deep = b'{"credential": ' + b'{"a": ' * 40 + b"1" + b"}" * 40 + b"}"
    problem(
        api.client.post("/credentials/issue", content=deep, headers=headers),
        400,
        "NESTING_TOO_DEEP",
    )
    body = problem(
        api.post("/credentials/issue", "office", json={"credential": "x"}), 422, "INVALID_REQUEST"
    )
    assert body["errors"][0]["loc"] == ["body", "credential"]
    problem(
        api.post("/credentials/issue", "office", json={"credential": vc2(), "options": {"x": 1}}),
        422,
        "INVALID_REQUEST",
    )


def test_status_on_request_and_its_updates(api: Api) -> None:
    response = issue(
        api,
        vc2(),
        credentialStatus={"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
    )
    assert response.status_code == 201
    signed = response.json()["verifiableCredential"]
    entry = signed["credentialStatus"]  # one purpose: one entry object
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusListCredential"] == f"{BASE_URL}/status/vcapi/revocation/0"
    assert served_proof_verifies(api, signed)
    assert status_bit(api, entry) == 0

    update = {
        "credentialId": signed["id"],
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
    }  # as the W3C status list test suite sends it: no status means set
    updated = api.post("/credentials/status", "office", json=update)
    assert updated.status_code == 200, updated.text
    assert updated.json() == {
        "credentialId": signed["id"],
        "credentialStatus": [
            {
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "status": True,
                "changed": True,
            }
        ],
    }
    assert status_bit(api, entry) == 1
    again = api.post("/credentials/status", "office", json={**update, "status": True})
    assert again.json()["credentialStatus"][0]["changed"] is False
    problem(
        api.post("/credentials/status", "office", json={**update, "status": False}),
        422,
        "REVOCATION_IS_FINAL",
    )
    problem(
        api.post(
            "/credentials/status",
            "office",
            json={**update, "credentialStatus": {"statusPurpose": "suspension"}},
        ),
        422,
        "NO_STATUS",
    )


def test_suspension_both_request_shapes(api: Api) -> None:
    signed = issue(api, vc2(), credentialStatus={"type": "BitstringStatusListEntry"}).json()[
        "verifiableCredential"
    ]
    revocation, suspension = signed["credentialStatus"]
    assert suspension["statusPurpose"] == "suspension"
    # VCALM: one entry, the new value at the top.
    vcalm = {
        "credentialId": signed["id"],
        "credentialStatus": {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "suspension",
            "statusListIndex": suspension["statusListIndex"],
            "statusListCredential": suspension["statusListCredential"],
        },
        "status": True,
    }
    assert api.post("/credentials/status", "office", json=vcalm).status_code == 200
    assert status_bit(api, suspension) == 1
    assert status_bit(api, revocation) == 0
    # Older VC-API drafts: a list of entries, each with a status word.
    older = {
        "credentialId": signed["id"],
        "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "unsuspended"}],
    }
    lifted = api.post("/credentials/status", "office", json=older)
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["credentialStatus"][0] == {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "status": False,
        "changed": True,
    }
    assert status_bit(api, suspension) == 0

    wrong_index = str((int(suspension["statusListIndex"]) + 1) % 131072)
    mismatched = {
        **vcalm,
        "credentialStatus": {**vcalm["credentialStatus"], "statusListIndex": wrong_index},
    }
    problem(
        api.post("/credentials/status", "office", json=mismatched), 422, "STATUS_ENTRY_MISMATCH"
    )
    problem(
        api.post(
            "/credentials/status",
            "office",
            json={
                "credentialId": signed["id"],
                "credentialStatus": {"type": "StatusList2021Entry", "statusPurpose": "revocation"},
            },
        ),
        422,
        "UNSUPPORTED_STATUS_TYPE",
    )
    problem(
        api.post(
            "/credentials/status",
            "office",
            json={"credentialId": signed["id"], "credentialStatus": {}},
        ),
        422,
        "STATUS_PURPOSE_REQUIRED",
    )
    problem(
        api.post("/credentials/status", "office", json={**vcalm, "credentialId": "urn:uuid:none"}),
        404,
        "CREDENTIAL_NOT_FOUND",
    )
    actions = [a.action for a in api.issuer.audit_log(target=f"credential:{signed['id']}")]
    assert actions.count("credential.status") == 2


def test_credential_id_option_and_lookups(api: Api) -> None:
    chosen = "urn:uuid:0b3a8c7e-2f3b-4d7c-9a51-5d2f2f0b9c11"
    signed = issue(api, vc2(), credentialId=chosen).json()["verifiableCredential"]
    assert signed["id"] == chosen
    assert api.get(f"/credentials/{chosen}", "office").json()["verifiableCredential"] == signed
    problem(
        issue(api, vc2(id="urn:uuid:other"), credentialId=chosen), 422, "CREDENTIAL_ID_MISMATCH"
    )
    problem(api.get("/credentials/urn:uuid:nothing-here", "office"), 404, "CREDENTIAL_NOT_FOUND")
    https_id = "https://demo.vic.example/credentials/alumni/1"
    issued = issue(api, vc2(id=https_id))
    assert issued.status_code == 201
    assert (
        api.get(f"/credentials/{https_id}", "office").json()["verifiableCredential"]["id"]
        == https_id
    )
    mark = api.register(90)
    with api.issuer.database.read() as session:
        kept_id = session.execute(
            select(Mark.credential_id).where(Mark.number == mark["number"])
        ).scalar_one()
    fetched = api.get(f"/credentials/{kept_id}", "office").json()["verifiableCredential"]
    assert fetched == mark["credential"]


@pytest.fixture
def status_app(tmp_path: Path, database: Backend, clock: Clock) -> Iterator[Api]:
    issuer, app, tokens = open_api(tmp_path / "data", database, clock, issue_with_status=True)
    try:
        with Client(app, base_url=BASE_URL) as client:
            yield Api(issuer, app, client, clock, tokens)
    finally:
        issuer.close()


def test_an_app_configured_to_add_status(status_app: Api) -> None:
    signed = issue(status_app, vc2()).json()["verifiableCredential"]
    assert [e["statusPurpose"] for e in signed["credentialStatus"]] == ["revocation", "suspension"]
    old = issue(status_app, vc11())
    assert old.status_code == 201
    assert "credentialStatus" not in old.json()["verifiableCredential"]
    own = {
        "id": "https://x.example/status#1",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "1",
        "statusListCredential": "https://x.example/status",
    }
    kept = issue(status_app, vc2(credentialStatus=own)).json()["verifiableCredential"]
    assert kept["credentialStatus"] == own
