"""The wallet against vic's own issuer app (in-process, through httpx): both formats, the
tx_code, the refresh by download, and a wrong tx_code that leaves the store as it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.issuer.helpers import Backend, Clock, make_vin
from tests.issuer.test_api_flow import verify
from tests.issuer.test_api_support import Api, Client, open_api
from vic.contexts.errors import IssuanceProtocolError
from vic.verifier.result import Status
from vic.wallet.http import HttpxClient
from vic.wallet.service import Wallet


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    clock = Clock()
    issuer, app, tokens = open_api(tmp_path / "data", Backend("sqlite", None, None), clock)
    try:
        with Client(app, base_url="https://demo.vic.example") as client:
            yield Api(issuer, app, client, clock, tokens)
    finally:
        issuer.close()


@pytest.fixture
def wallet(tmp_path: Path, api: Api) -> Iterator[Wallet]:
    with Wallet(tmp_path / "wallet", http=HttpxClient(api.client), clock=api.clock) as opened:
        yield opened


def offer(api: Api, number: int, **body: Any) -> dict[str, Any]:
    response = api.post(f"/vehicles/{make_vin(number)}/offers", f"owner:acct-{number}", json=body)
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


@pytest.mark.parametrize("kind", ["ldp_vc", "jwt_vc_json"])
def test_both_formats(api: Api, wallet: Wallet, kind: str) -> None:
    issued = api.register(81)
    made = offer(api, 81, format=kind)
    [(stored, new)] = wallet.receive_offer(made["offerUri"], tx_code=made["txCode"])
    assert (stored.format, stored.vin, new) == (kind, make_vin(81), True)
    assert stored.issuer == "did:web:demo.vic.example"
    assert wallet.issuer_names(stored.issuer)["zh-CN"] != stored.issuer  # from the metadata
    suffix, data = wallet.export_file(stored)
    assert suffix == (".json" if kind == "ldp_vc" else ".jwt")
    if kind == "ldp_vc":
        assert stored.document == issued["credential"]
    assert verify(api, data.decode()) is Status.VALID


def test_a_wrong_tx_code_then_the_right_one(api: Api, wallet: Wallet) -> None:
    api.register(82)
    made = offer(api, 82)
    store = wallet.folder / "wallet.sqlite"
    before = store.read_bytes()
    wrong = "".join(str((int(d) + 1) % 10) for d in made["txCode"])
    with pytest.raises(IssuanceProtocolError) as caught:
        wallet.receive_offer(made["offerUri"], tx_code=wrong)
    assert (caught.value.code, caught.value.detail["error"]) == ("TOKEN_REJECTED", "invalid_grant")
    assert store.read_bytes() == before
    [(stored, _)] = wallet.receive_offer(made["offerUri"], tx_code=made["txCode"])
    assert stored.number == 1
    with pytest.raises(IssuanceProtocolError) as used:  # the offer is single-use
        wallet.receive_offer(made["offerUri"], tx_code=made["txCode"])
    assert used.value.code in ("OFFER_INVALID", "TOKEN_REJECTED")
    assert [v.mark.number for v in wallet.marks()] == [1]


def test_an_offer_by_value_without_tx_code(api: Api, wallet: Wallet) -> None:
    api.register(83)
    made = offer(api, 83, txCode=False, byReference=False)
    assert made["txCode"] is None
    [(stored, _)] = wallet.receive_offer(made["offerUri"])
    assert stored.vin == make_vin(83)


def test_the_wallets_qr_is_as_short_as_the_issuers(api: Api, wallet: Wallet) -> None:
    from vic.vc.qrimage import qr_version

    api.register(84)
    made = offer(api, 84)
    [(stored, _)] = wallet.receive_offer(made["offerUri"], tx_code=made["txCode"])
    served = api.get(f"/vehicles/{make_vin(84)}/mark.txt", "owner:acct-84").text
    text = wallet.barcode(stored)
    assert (len(text), qr_version(text)) == (len(served), qr_version(served))
    assert qr_version(text) <= 10
    # the entry is kept: a wallet opened again (without the network) makes the same QR text
    wallet.close()
    with Wallet(wallet.folder, clock=api.clock) as again:
        assert again.barcode(again.get(make_vin(84))) == text
