"""POST /presentations/verify: the holder's proof with this service's challenge, then each mark."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.authority import Authority, clock
from vic.did.key import did_key_method_id
from vic.did.keys import KeyType, PrivateKey
from vic.vc.presentation import create_presentation

DOMAIN = "https://verifier.example"


@pytest.fixture(scope="module")
def holder() -> PrivateKey:
    return PrivateKey.generate(KeyType.ED25519)


def present(holder: PrivateKey, marks: list[dict[str, Any]], challenge: str) -> dict[str, Any]:
    return create_presentation(
        marks,
        key=holder,
        verification_method=did_key_method_id(holder.public_key),
        challenge=challenge,
        domain=DOMAIN,
        clock=clock,
    )


def challenge_of(client: TestClient) -> str:
    response = client.post("/challenges")
    assert response.status_code == 200
    challenge: str = response.json()["challenge"]
    return challenge


def ask(client: TestClient, vp: dict[str, Any], challenge: str | None, **options: Any) -> Any:
    options.setdefault("domain", DOMAIN)
    if challenge is not None:
        options["challenge"] = challenge
    return client.post(
        "/presentations/verify", json={"verifiablePresentation": vp, "options": options}
    )


def test_a_presented_mark_verifies_once(
    client: TestClient, holder: PrivateKey, mark: dict[str, Any]
) -> None:
    challenge = challenge_of(client)
    vp = present(holder, [mark], challenge)
    response = ask(client, vp, challenge)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["verified"] is True
    assert result["holder"] == vp["holder"]
    assert result["credentials"][0]["status"] == "VALID"
    assert result["credentials"][0]["summary"]["plate"] == "鄂L12345"
    replay = ask(client, vp, challenge)
    assert replay.status_code == 422
    assert replay.json()["code"] == "CHALLENGE_REUSED"


def test_a_wrong_challenge_is_refused(
    client: TestClient, holder: PrivateKey, mark: dict[str, Any]
) -> None:
    issued = challenge_of(client)
    other = challenge_of(client)
    response = ask(client, present(holder, [mark], other), issued)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "INVALID_CHALLENGE"
    assert problem["result"]["status"] == "INVALID_PROOF"


def test_a_challenge_this_service_never_issued(
    client: TestClient, holder: PrivateKey, mark: dict[str, Any]
) -> None:
    response = ask(client, present(holder, [mark], "c0ffee"), "c0ffee")
    assert response.status_code == 422
    assert response.json()["code"] == "UNKNOWN_CHALLENGE"


def test_the_challenge_is_required(
    client: TestClient, holder: PrivateKey, mark: dict[str, Any]
) -> None:
    response = ask(client, present(holder, [mark], "c0ffee"), None)
    assert response.status_code == 422
    assert response.json()["code"] == "CHALLENGE_REQUIRED"


def test_a_wrong_domain_is_refused(
    client: TestClient, holder: PrivateKey, mark: dict[str, Any]
) -> None:
    challenge = challenge_of(client)
    response = ask(
        client, present(holder, [mark], challenge), challenge, domain="https://x.example"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "INVALID_DOMAIN"


def test_a_revoked_mark_in_a_good_presentation(
    client: TestClient, holder: PrivateKey, revoked_mark: dict[str, Any]
) -> None:
    challenge = challenge_of(client)
    response = ask(client, present(holder, [revoked_mark], challenge), challenge)
    assert response.status_code == 422
    result = response.json()["result"]
    assert result["status"] == "REVOKED"
    assert result["credentials"][0]["status"] == "REVOKED"


def test_a_presentation_that_is_not_one(client: TestClient) -> None:
    challenge = challenge_of(client)
    response = ask(client, {"type": "VerifiablePresentation"}, challenge)
    assert response.status_code == 422
    assert response.json()["result"]["status"] == "MALFORMED"


def test_a_holder_who_is_someone_else(
    client: TestClient, holder: PrivateKey, mark: dict[str, Any], authority: Authority
) -> None:
    challenge = challenge_of(client)
    vp = present(holder, [mark], challenge)
    vp["holder"] = authority.did
    response = ask(client, vp, challenge)
    assert response.status_code == 422
    assert response.json()["result"]["verified"] is False


def test_interop_mode_accepts_a_challenge_it_did_not_issue(
    authority: Authority,
    status_lists: list[dict[str, Any]],
    holder: PrivateKey,
    mark: dict[str, Any],
) -> None:
    from tests.verifier_service.conftest import make_settings
    from vic.verifier.service import create_app
    from vic.verifier.service.settings import AnyIssuer

    settings = make_settings(authority, status_lists, trust=AnyIssuer())
    with TestClient(create_app(settings), raise_server_exceptions=False) as interop:
        response = ask(interop, present(holder, [mark], "suite-made"), "suite-made")
        assert response.status_code == 200, response.text
        assert response.json()["warnings"][0]["code"] == "ANY_ISSUER"
        wrong = ask(interop, present(holder, [mark], "suite-made"), "another")
        assert wrong.status_code == 422
        assert wrong.json()["code"] == "INVALID_CHALLENGE"
