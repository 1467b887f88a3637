"""The OpenID4VCI client against an in-memory conforming issuer; offers good and bad."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.authority import clock
from tests.wallet.fake_issuer import CONFIG, ISSUER, FakeIssuer
from vic.contexts.errors import IssuanceProtocolError
from vic.wallet.oid4vci import PRE_AUTHORIZED_GRANT, parse_offer_uri, well_known_url
from vic.wallet.service import Wallet
from vic.wallet.store import WalletStore


def _offer_uri(offer: Any) -> str:
    return "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer))


def test_receive_by_value_with_tx_code(wallet: Wallet, fake: FakeIssuer) -> None:
    [(stored, new)] = wallet.receive_offer(fake.offer_uri(), tx_code="493536")
    assert new
    assert stored.format == "ldp_vc"
    assert stored.credential_issuer == ISSUER
    assert stored.configuration_id == CONFIG
    assert stored.source == "offer"
    header, claims = fake.proofs[0]
    holder = wallet.holder()
    assert header == {"typ": "openid4vci-proof+jwt", "alg": "ES256", "kid": holder.method}
    assert claims["aud"] == ISSUER
    assert claims["iat"] == int(clock().timestamp())
    assert claims["nonce"].startswith("nonce-")
    assert wallet.issuer_names(stored.issuer)["en"] == "Xiangyang Traffic Police"
    # the steps, in the spec's order
    assert [path.removeprefix(ISSUER) for _, path in fake.requests] == [
        "/.well-known/openid-credential-issuer",
        "/.well-known/oauth-authorization-server",
        "/token",
        "/nonce",
        "/credential",
        "/cborld/registry-entry.json",  # vic's issuers publish one (here: 404, ignored)
    ]


def test_receive_by_reference_without_tx_code(wallet: Wallet, fake: FakeIssuer) -> None:
    fake.tx_code = None
    uri = "openid-credential-offer://?credential_offer_uri=" + quote(f"{ISSUER}/offers/1")
    [(stored, _)] = wallet.receive_offer(uri)
    assert stored.vin == "LSVAU2A36N2183457"
    assert fake.requests[0] == ("GET", f"{ISSUER}/offers/1")


def test_a_stale_nonce_is_retried_once_with_a_fresh_one(wallet: Wallet, fake: FakeIssuer) -> None:
    fake.stale_nonce_once = True
    [(stored, _)] = wallet.receive_offer(fake.offer_uri(), tx_code="493536")
    assert stored.number == 1
    assert [p for _, p in fake.requests].count(f"{ISSUER}/nonce") == 2


def _store_bytes(wallet: Wallet) -> bytes:
    return (wallet.folder / "wallet.sqlite").read_bytes()


@pytest.mark.parametrize(
    ("tx_code", "code", "error"),
    [
        (None, "TX_CODE_REQUIRED", None),
        ("12ab56", "TX_CODE_INVALID", None),
        ("1234", "TX_CODE_INVALID", None),
        ("000000", "TOKEN_REJECTED", "invalid_grant"),
    ],
)
def test_a_wrong_tx_code(
    wallet: Wallet, fake: FakeIssuer, tx_code: str | None, code: str, error: str | None
) -> None:
    before = _store_bytes(wallet)
    with pytest.raises(IssuanceProtocolError) as caught:
        wallet.receive_offer(fake.offer_uri(), tx_code=tx_code)
    assert caught.value.code == code
    assert caught.value.detail.get("error") == error
    assert wallet.marks() == []
    assert _store_bytes(wallet) == before
    if error is None:
        assert not any(p.endswith("/token") for _, p in fake.requests)  # no guess was spent


def test_a_used_code_is_refused(wallet: Wallet, fake: FakeIssuer) -> None:
    wallet.receive_offer(fake.offer_uri(), tx_code="493536")
    with pytest.raises(IssuanceProtocolError) as caught:
        wallet.receive_offer(fake.offer_uri(), tx_code="493536")
    assert (caught.value.code, caught.value.detail["error"]) == ("TOKEN_REJECTED", "invalid_grant")
    assert len(wallet.marks()) == 1


GOOD = {
    "credential_issuer": ISSUER,
    "credential_configuration_ids": [CONFIG],
    "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "c"}},
}


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("", "OFFER_INVALID"),
        ("not a uri at all", "OFFER_INVALID"),
        ("openid-credential-offer://", "OFFER_INVALID"),
        ("openid-credential-offer://?credential_offer=%7Bnot-json", "OFFER_INVALID"),
        ("openid-credential-offer://?credential_offer=%5B%5D", "OFFER_INVALID"),
        ("openid-credential-offer://?credential_offer=%7B%7D", "OFFER_INVALID"),
        ("mailto:x?credential_offer=" + quote(json.dumps(GOOD)), "OFFER_INVALID"),
        (
            _offer_uri(GOOD) + "&credential_offer_uri=" + quote(f"{ISSUER}/offers/1"),
            "OFFER_INVALID",
        ),
        (_offer_uri(GOOD) + "&credential_offer=" + quote(json.dumps(GOOD)), "OFFER_INVALID"),
        (_offer_uri({**GOOD, "credential_configuration_ids": []}), "OFFER_INVALID"),
        (_offer_uri({**GOOD, "credential_configuration_ids": [1]}), "OFFER_INVALID"),
        (_offer_uri({**GOOD, "credential_issuer": "http://issuer.example"}), "INSECURE_URL"),
        (_offer_uri({**GOOD, "credential_issuer": "ftp://issuer.example"}), "INSECURE_URL"),
        (_offer_uri({**GOOD, "grants": {}}), "OFFER_UNSUPPORTED"),
        (_offer_uri({**GOOD, "grants": {PRE_AUTHORIZED_GRANT: {}}}), "OFFER_INVALID"),
        (
            _offer_uri(
                {
                    **GOOD,
                    "grants": {
                        PRE_AUTHORIZED_GRANT: {
                            "pre-authorized_code": "c",
                            "tx_code": {"length": -1},
                        }
                    },
                }
            ),
            "OFFER_INVALID",
        ),
        (
            "openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fevil.example%2Fo",
            "INSECURE_URL",
        ),
        (
            "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fu%3Ap%40h.example%2F",
            "INVALID_URL",
        ),
        ("openid-credential-offer://?credential_offer=" + "A" * 20000, "OFFER_INVALID"),
    ],
)
def test_malformed_offer_uris(uri: str, code: str, tmp_path: Path, fake: FakeIssuer) -> None:
    with pytest.raises(IssuanceProtocolError) as caught:
        parse_offer_uri(uri)
    assert caught.value.code == code
    with Wallet(tmp_path, http=fake, clock=clock) as wallet:
        with pytest.raises(IssuanceProtocolError):
            wallet.receive_offer(uri)
        assert fake.requests == []
    assert WalletStore.open(tmp_path / "wallet.sqlite").marks() == []


def test_loopback_http_is_allowed_for_a_local_issuer() -> None:
    offer, url = parse_offer_uri(
        "openid-credential-offer://?credential_offer_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fo%2F1"
    )
    assert (offer, url) == (None, "http://127.0.0.1:8080/o/1")


def test_well_known_urls_insert_before_the_path() -> None:
    assert well_known_url("https://h.example/tenant/a", "openid-credential-issuer") == (
        "https://h.example/.well-known/openid-credential-issuer/tenant/a"
    )
    assert well_known_url("https://h.example/", "oauth-authorization-server") == (
        "https://h.example/.well-known/oauth-authorization-server"
    )


def test_issuer_metadata_for_another_issuer_is_refused(wallet: Wallet, fake: FakeIssuer) -> None:
    original = fake.metadata

    def other() -> dict[str, Any]:
        return {**original(), "credential_issuer": "https://other.example"}

    fake.metadata = other  # type: ignore[method-assign]
    with pytest.raises(IssuanceProtocolError) as caught:
        wallet.receive_offer(fake.offer_uri(), tx_code="493536")
    assert caught.value.code == "ISSUER_METADATA_INVALID"


def test_a_credential_that_is_not_a_mark_is_not_stored(wallet: Wallet, fake: FakeIssuer) -> None:
    fake.credentials = [{"hello": "world"}]
    with pytest.raises(IssuanceProtocolError) as caught:
        wallet.receive_offer(fake.offer_uri(), tx_code="493536")
    assert caught.value.code == "CREDENTIAL_INVALID"
    assert wallet.marks() == []


def test_a_did_jwk_ed25519_holder(tmp_path: Path, fake: FakeIssuer) -> None:
    from vic.did.keys import KeyType

    with Wallet(tmp_path, http=fake, clock=clock) as wallet:
        holder = wallet.holder(did_method="jwk", key_type=KeyType.ED25519)
        assert holder.did.startswith("did:jwk:")
        wallet.receive_offer(fake.offer_uri(), tx_code="493536")
    header, _ = fake.proofs[0]
    assert (header["alg"], header["kid"]) == ("EdDSA", holder.method)


def test_the_issuer_is_notified_when_the_mark_is_stored(wallet: Wallet, fake: FakeIssuer) -> None:
    seen: list[Any] = []
    original_metadata, original_request = fake.metadata, fake.request

    def metadata() -> dict[str, Any]:
        return {**original_metadata(), "notification_endpoint": f"{ISSUER}/notification"}

    def request(method: str, url: str, **kwargs: Any) -> Any:
        if url == f"{ISSUER}/notification":
            seen.append((kwargs["json"], kwargs["headers"]["Authorization"]))
            from vic.wallet.http import HttpResponse

            return HttpResponse(204, b"")
        response = original_request(method, url, **kwargs)
        if url == f"{ISSUER}/credential" and response.status == 200:
            body = json.loads(response.body)
            body["notification_id"] = "n-1"
            return type(response)(200, json.dumps(body).encode(), response.headers)
        return response

    fake.metadata = metadata  # type: ignore[method-assign]
    fake.request = request  # type: ignore[method-assign]
    wallet.receive_offer(fake.offer_uri(), tx_code="493536")
    [(body, auth)] = seen
    assert body == {"notification_id": "n-1", "event": "credential_accepted"}
    assert auth.startswith("Bearer access-")
