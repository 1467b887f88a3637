"""OpenID4VCI under concurrency: a pre-authorized code is redeemed once however many wallets race
for it, the tx_code guess cap holds when guesses arrive together (no lost updates), and a nonce
serves one credential request; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select

from tests.issuer.helpers import ADMIN, BASE_URL, Backend, Clock, config, registration
from tests.issuer.oid4vci_wallet import compact
from vic.did.key import did_key
from vic.did.keys import KeyType, PrivateKey
from vic.issuer.db.models import Oid4vciOffer
from vic.issuer.engine import Issuer
from vic.issuer.oid4vci.errors import OAuthError
from vic.issuer.oid4vci.metadata import LDP_VC, PRE_AUTHORIZED_GRANT
from vic.issuer.services.oid4vci import Oid4vciService

RACERS = 8


def outcome(service: Oid4vciService, code: str, tx_code: str | None) -> str:
    params = [("grant_type", PRE_AUTHORIZED_GRANT), ("pre-authorized_code", code)]
    if tx_code is not None:
        params.append(("tx_code", tx_code))
    try:
        service.token(params)
    except OAuthError as exc:
        return exc.code
    return "OK"


def open_service(tmp_path: Path, database: Backend, clock: Clock) -> tuple[Issuer, Oid4vciService]:
    issuer = Issuer.open(config(tmp_path / "data", database, clock))
    service = Oid4vciService(issuer.kernel, issuer_id=BASE_URL, authority_name={"en": "test"})
    return issuer, service


def test_a_code_is_redeemed_once_under_a_race(
    tmp_path: Path, database: Backend, clock: Clock
) -> None:
    issuer, service = open_service(tmp_path, database, clock)
    try:
        mark = issuer.register_vehicle(ADMIN, registration(1), event_key="r-1")
        offer = service.create_offer(ADMIN, mark.vin)
        code = offer.offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
        with ThreadPoolExecutor(RACERS) as pool:
            results = list(pool.map(lambda _: outcome(service, code, offer.tx_code), range(RACERS)))
        assert results.count("OK") == 1, results
        assert set(results) == {"OK", "PRE_AUTHORIZED_CODE_USED"}
    finally:
        issuer.close()


def test_the_guess_cap_holds_when_guesses_arrive_together(
    tmp_path: Path, database: Backend, clock: Clock
) -> None:
    issuer, service = open_service(tmp_path, database, clock)
    try:
        mark = issuer.register_vehicle(ADMIN, registration(2), event_key="r-2")
        offer = service.create_offer(ADMIN, mark.vin)
        assert offer.tx_code is not None
        code = offer.offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
        wrong = [f"{(int(offer.tx_code) + n) % 10**6:06d}" for n in range(1, 13)]
        with ThreadPoolExecutor(RACERS) as pool:
            results = list(pool.map(lambda guess: outcome(service, code, guess), wrong))
        cap = service.settings.tx_code_attempts
        assert results.count("TX_CODE_WRONG") == cap, results
        assert results.count("TX_CODE_LOCKED") == len(wrong) - cap
        with issuer.database.read() as session:
            stored = session.execute(select(Oid4vciOffer)).scalar_one()
            assert stored.tx_code_failures == cap
            assert stored.redeemed_at is None
        assert outcome(service, code, offer.tx_code) == "TX_CODE_LOCKED"
    finally:
        issuer.close()


def test_a_nonce_is_used_once_under_a_race(tmp_path: Path, database: Backend, clock: Clock) -> None:
    issuer, service = open_service(tmp_path, database, clock)
    try:
        mark = issuer.register_vehicle(ADMIN, registration(3), event_key="r-3")
        offer = service.create_offer(ADMIN, mark.vin, tx_code=False)
        code = offer.offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
        access = service.token(
            [("grant_type", PRE_AUTHORIZED_GRANT), ("pre-authorized_code", code)]
        )
        nonce = service.nonce()
        holder = PrivateKey.generate(KeyType.P256)
        kid = f"{did_key(holder.public_key)}#{did_key(holder.public_key).removeprefix('did:key:')}"

        def request(_: int) -> str:
            proof = compact(
                {"typ": "openid4vci-proof+jwt", "alg": "ES256", "kid": kid},
                {"aud": BASE_URL, "iat": int(clock().timestamp()), "nonce": nonce},
                holder,
            )
            body = json.dumps(
                {"credential_configuration_id": LDP_VC, "proofs": {"jwt": [proof]}}
            ).encode()
            try:
                service.credential(f"Bearer {access['access_token']}", body)
            except OAuthError as exc:
                return exc.code
            return "OK"

        with ThreadPoolExecutor(RACERS) as pool:
            results = list(pool.map(request, range(RACERS)))
        assert results.count("OK") == 1, results
        assert set(results) == {"OK", "NONCE_USED"}
    finally:
        issuer.close()
