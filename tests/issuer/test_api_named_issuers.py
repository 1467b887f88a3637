"""Named VC-API issuers (one per cryptosuite, each its own did:key) and the check order of the
authority's /credentials/issue (invalid before 409)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.issuer.helpers import BASE_URL, DID, Backend, Clock
from tests.issuer.test_api_support import (
    Api,
    Client,
    api_fixture,  # noqa: F401 - a fixture
    open_api,
)
from tests.issuer.test_api_vcapi import issue, problem, vc2
from vic.contexts.errors import InvalidKeyError, UsageError
from vic.did.keys import KeyType
from vic.did.resolver import DidResolver
from vic.issuer.named import NamedIssuer, NamedIssuerSpec, open_named_issuers
from vic.vc.proofs import verify_proofs

SPECS = [
    "eddsa=eddsa-rdfc-2022",
    "eddsa-jcs=eddsa-jcs-2022",
    "ecdsa=ecdsa-rdfc-2019",
    "ecdsa-p384=ecdsa-rdfc-2019:p384",
    "ecdsa-jcs=ecdsa-jcs-2019:P256",
]
KEY = "k" * 40


@pytest.fixture
def named(tmp_path: Path, database: Backend, clock: Clock) -> Iterator[tuple[Client, Any]]:
    issuers = open_named_issuers(
        tmp_path / "keys", [NamedIssuerSpec.parse(s) for s in SPECS], passphrase=None
    )
    issuer, app, _tokens = open_api(
        tmp_path / "data", database, clock, vc_api_key=KEY, named_issuers=issuers
    )
    try:
        with Client(app, base_url=BASE_URL) as client:
            yield client, issuers
    finally:
        issuer.close()


def credential(issuer: str, **extra: Any) -> dict[str, Any]:
    return {**vc2(id="urn:uuid:0b7b6c1e-5d8a-4f55-9d0e-3b8f1f2a7c10"), "issuer": issuer, **extra}


def post(client: Client, name: str, body: dict[str, Any]) -> Any:
    return client.post(
        f"/issuers/{name}/credentials/issue",
        json=body,
        headers={"Authorization": f"Bearer {KEY}"},
    )


@pytest.mark.parametrize("spec", SPECS)
def test_each_named_issuer_signs_with_its_suite_and_did_key(
    named: tuple[Client, dict[str, NamedIssuer]], spec: str, clock: Clock
) -> None:
    client, issuers = named
    wanted = NamedIssuerSpec.parse(spec)
    one = issuers[wanted.name]
    assert one.did.startswith("did:key:")
    response = post(client, wanted.name, {"credential": credential(one.did)})
    assert response.status_code == 201, response.text
    signed = response.json()["verifiableCredential"]
    assert signed["proof"]["cryptosuite"] == wanted.cryptosuite
    assert signed["proof"]["verificationMethod"] == one.signer.method_id
    assert one.signer.key_type is wanted.key_type
    assert verify_proofs(signed, resolver=DidResolver(), clock=clock).verified


def test_named_issuers_have_distinct_dids(named: tuple[Client, dict[str, NamedIssuer]]) -> None:
    _client, issuers = named
    assert len({one.did for one in issuers.values()}) == len(SPECS)


def test_list_named_issuers(named: tuple[Client, dict[str, NamedIssuer]]) -> None:
    client, issuers = named
    listed = client.get("/issuers").json()
    assert [(row["name"], row["id"]) for row in listed] == [
        (name, one.did) for name, one in issuers.items()
    ]
    assert listed[0]["endpoint"] == f"{BASE_URL}/issuers/eddsa/credentials/issue"


def test_a_named_issuer_re_signs_an_id_it_has_seen(
    named: tuple[Client, dict[str, NamedIssuer]],
) -> None:
    client, issuers = named
    body = {"credential": credential(issuers["eddsa"].did)}
    assert post(client, "eddsa", body).status_code == 201
    assert post(client, "eddsa", body).status_code == 201


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"issuer": DID}, 400, "ISSUER_MISMATCH"),
        ({"undefinedTerm": 1, "@context": ["https://www.w3.org/ns/credentials/v2"]}, 400, None),
        ({"credentialSubject": {}}, 400, "INVALID_SUBJECT"),
        ({"relatedResource": [{"id": "https://www.w3.org/ns/credentials/v2"}]}, 400, None),
        ({"proof": {"type": "DataIntegrityProof"}}, 400, "CREDENTIAL_HAS_PROOF"),
    ],
    ids=["other-issuer", "undefined-term", "empty-subject", "no-digest", "has-proof"],
)
def test_a_named_issuer_refuses_bad_credentials(
    named: tuple[Client, dict[str, NamedIssuer]], change: dict[str, Any], status: int, code: str
) -> None:
    client, issuers = named
    response = post(client, "eddsa", {"credential": {**credential(issuers["eddsa"].did), **change}})
    assert 400 <= response.status_code < 500, response.text
    if code is not None:
        assert response.json()["code"] == code


def test_unknown_name_and_status_option(named: tuple[Client, dict[str, NamedIssuer]]) -> None:
    client, issuers = named
    body = {"credential": credential(issuers["eddsa"].did)}
    assert problem(post(client, "nobody", body), 404, "UNKNOWN_ISSUER")
    asked = {**body, "options": {"credentialStatus": {"type": "BitstringStatusListEntry"}}}
    response = post(client, "eddsa", asked)
    assert 400 <= response.status_code < 500
    assert response.json()["code"] == "STATUS_NOT_KEPT"


def test_named_issuers_need_authentication(named: tuple[Client, dict[str, NamedIssuer]]) -> None:
    client, issuers = named
    body = {"credential": credential(issuers["eddsa"].did)}
    response = client.post("/issuers/eddsa/credentials/issue", json=body)
    assert response.status_code == 401


def test_keys_persist_and_keep_their_type(tmp_path: Path) -> None:
    specs = [NamedIssuerSpec.parse("ecdsa=ecdsa-rdfc-2019:p384")]
    first = open_named_issuers(tmp_path, specs, passphrase="secret passphrase")
    again = open_named_issuers(tmp_path, specs, passphrase="secret passphrase")
    assert first["ecdsa"].did == again["ecdsa"].did
    assert (tmp_path / "vc-api" / "ecdsa.json").stat().st_mode & 0o077 == 0
    assert "secretKeyMultibase" not in (tmp_path / "vc-api" / "ecdsa.json").read_text()
    with pytest.raises(InvalidKeyError) as caught:
        open_named_issuers(
            tmp_path,
            [NamedIssuerSpec.parse("ecdsa=ecdsa-rdfc-2019")],
            passphrase="secret passphrase",
        )
    assert caught.value.code == "KEY_TYPE_MISMATCH"


@pytest.mark.parametrize(
    "text",
    ["", "=eddsa-rdfc-2022", "Eddsa=eddsa-rdfc-2022", "a=bbs-2023", "a=eddsa-rdfc-2022:p256",
     "a=ecdsa-rdfc-2019:ed25519", "a b=eddsa-rdfc-2022", "a"],
)  # fmt: skip
def test_bad_specs_are_refused(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        NamedIssuerSpec.parse(text)
    assert caught.value.code == "INVALID_NAMED_ISSUER"


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    spec = NamedIssuerSpec.parse("a=eddsa-rdfc-2022")
    with pytest.raises(UsageError) as caught:
        open_named_issuers(tmp_path, [spec, spec], passphrase=None)
    assert caught.value.code == "DUPLICATE_NAMED_ISSUER"


def test_default_key_types() -> None:
    assert NamedIssuerSpec.parse("a=ecdsa-jcs-2019").key_type is KeyType.P256
    assert NamedIssuerSpec.parse("a=eddsa-jcs-2022").key_type is KeyType.ED25519


# --- the authority's /credentials/issue: checks before the id-uniqueness check -----------------


@pytest.mark.parametrize(
    "change",
    [
        {"undefinedTerm": 1, "@context": ["https://www.w3.org/ns/credentials/v2"]},
        {"credentialSubject": "not an object"},
        {"relatedResource": ["https://www.w3.org/ns/credentials/v2"]},
        {"credentialSubject": {"id": "relative/iri"}},
    ],
    ids=["undefined-term", "subject-string", "related-strings", "relative-subject"],
)
def test_a_reused_id_on_an_invalid_credential_is_refused_for_the_invalidity(
    api: Api, change: dict[str, Any]
) -> None:
    first = issue(api, vc2(id="urn:uuid:1c2d3e4f-0000-4000-8000-000000000001"))
    assert first.status_code == 201, first.text
    again = issue(api, {**vc2(id="urn:uuid:1c2d3e4f-0000-4000-8000-000000000001"), **change})
    assert 400 <= again.status_code < 500, again.text
    assert again.status_code != 409, again.json()


def test_a_reused_id_on_a_valid_credential_is_409(api: Api) -> None:
    first = issue(api, vc2(id="urn:uuid:1c2d3e4f-0000-4000-8000-000000000002"))
    assert first.status_code == 201
    problem(
        issue(api, vc2(id="urn:uuid:1c2d3e4f-0000-4000-8000-000000000002")),
        409,
        "CREDENTIAL_EXISTS",
    )
