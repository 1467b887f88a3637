"""The wallet's commands over a fake issuer: status, refresh, export, print, present."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.authority import NOW, Authority, clock
from tests.wallet.conftest import later_mark
from tests.wallet.fake_issuer import ISSUER, FakeIssuer
from vic.contexts.errors import UsageError
from vic.verifier import StaticStatusLists, Status, verify_credential
from vic.wallet.service import Wallet


def serve_lists(fake: FakeIssuer, authority: Authority, mark: dict[str, Any], **bits: bool) -> None:
    for credential in authority.status_lists(mark, **bits):
        fake.status_lists[credential["id"]] = credential


def test_show_offline_then_online_then_last_known_with_age(
    tmp_path: Path, fake: FakeIssuer, authority: Authority, mark: dict[str, Any]
) -> None:
    now = [NOW]
    with Wallet(tmp_path, http=fake, clock=lambda: now[0]) as wallet:
        stored, _ = wallet.receive_data(json.dumps(mark), source="file")
        view = wallet.show(stored.vin)
        assert (view.status, view.status_source) == ("VALID", "dates")
        serve_lists(fake, authority, mark)
        online = wallet.show(stored.vin, online=True)
        assert (online.status, online.status_source) == ("VALID", "online")
        assert {entry["signature"] for entry in online.detail["lists"]} == {"verified"}
        serve_lists(fake, authority, mark, revoked=True)
        now[0] = NOW.replace(hour=9)
        assert wallet.show(stored.vin, online=True).status == "REVOKED"
        fake.status_lists.clear()  # the issuer is gone: the wallet answers from what it knew
        now[0] = NOW.replace(hour=11)
        unknown = wallet.show(stored.vin, online=True)
        assert unknown.status == "UNKNOWN"
        assert unknown.detail["errors"][0]["code"] == "STATUS_UNAVAILABLE"
        offline = wallet.show(stored.vin)
        assert (offline.status, offline.status_source) == ("REVOKED", "last-known")
        assert offline.status_age_seconds == 2 * 3600


def test_a_forged_status_list_is_not_believed(
    wallet: Wallet, fake: FakeIssuer, authority: Authority, mark: dict[str, Any]
) -> None:
    stored, _ = wallet.receive_data(json.dumps(mark), source="file")
    other = Authority()
    for credential in other.status_lists(mark, revoked=True):
        fake.status_lists[credential["id"]] = {**credential, "issuer": authority.did}
    view = wallet.show(stored.vin, online=True)
    assert view.status == "UNKNOWN"
    assert {e["code"] for e in view.detail["errors"]} == {"STATUS_LIST_INVALID_PROOF"}


def test_refresh_replaces_a_superseded_mark_by_download(
    wallet: Wallet, fake: FakeIssuer, authority: Authority, mark: dict[str, Any]
) -> None:
    stored, _ = wallet.receive_data(json.dumps(mark), source="file")
    serve_lists(fake, authority, mark)
    [outcome] = wallet.refresh()
    assert outcome.outcome == "not-needed"
    serve_lists(fake, authority, mark, revoked=True)
    newer = later_mark(authority)
    fake.credentials = [newer]
    [failed] = wallet.refresh()
    assert (failed.outcome, failed.reason) == ("failed", "revoked")
    assert failed.error is not None
    assert failed.error["code"] == "REFRESH_UNAVAILABLE"
    [refused] = wallet.refresh(token="not-the-owner", issuer_url=ISSUER)
    assert refused.error is not None
    assert (refused.error["code"], refused.error["detail"]["status"]) == ("REFRESH_REFUSED", 401)
    assert wallet.get(stored.vin).number == stored.number
    [outcome] = wallet.refresh(token=fake.owner_token, issuer_url=ISSUER)
    assert (outcome.outcome, outcome.reason, outcome.via) == ("replaced", "revoked", "download")
    current = wallet.get(stored.vin)
    assert current.number == outcome.new_number
    assert current.credential_id == newer["id"]
    assert wallet.get(str(stored.number)).replaced_by == current.number


def test_refresh_with_the_issuers_refresh_token(
    wallet: Wallet, fake: FakeIssuer, authority: Authority, mark: dict[str, Any]
) -> None:
    fake.refresh_tokens = True
    fake.credentials = [mark, later_mark(authority)]
    [(stored, _)] = wallet.receive_offer(fake.offer_uri(), tx_code="493536")
    assert stored.refresh_token
    serve_lists(fake, authority, mark, suspended=True)
    [outcome] = wallet.refresh()
    assert (outcome.outcome, outcome.reason, outcome.via) == (
        "replaced",
        "suspended",
        "oid4vci-refresh-token",
    )
    assert len(fake.proofs) == 2


def test_refresh_of_a_mark_near_its_end_when_the_issuer_has_nothing_newer(
    tmp_path: Path, fake: FakeIssuer, authority: Authority, mark: dict[str, Any]
) -> None:
    end = NOW.replace(year=NOW.year + 2, day=20)
    with Wallet(tmp_path, http=fake, clock=lambda: end) as wallet:
        stored, _ = wallet.receive_data(json.dumps(mark), source="file")
        serve_lists(fake, authority, mark, valid_from=NOW)
        [outcome] = wallet.refresh(token=fake.owner_token, issuer_url=ISSUER)
    assert (outcome.outcome, outcome.reason) == ("up-to-date", "near-end")
    assert outcome.number == stored.number


def test_exported_file_and_png_verify(
    wallet: Wallet, tmp_path: Path, authority: Authority, mark: dict[str, Any]
) -> None:
    stored, _ = wallet.receive_data(json.dumps(mark), source="file")
    suffix, data = wallet.export_file(stored)
    assert suffix == ".json"
    lists = StaticStatusLists(authority.status_lists(mark))
    result = verify_credential(data, trust=authority.trust(), clock=clock, status_source=lists)
    assert result.status is Status.VALID
    from vic.vc.qrimage import read_qr_image, render_png

    png = tmp_path / "mark.png"
    render_png(wallet.barcode(stored), png)
    text = read_qr_image(png.read_bytes())
    result = verify_credential(text, trust=authority.trust(), clock=clock, status_source=lists)
    assert result.status is Status.VALID


def test_receive_from_qr_text_and_image(
    wallet: Wallet, tmp_path: Path, mark: dict[str, Any]
) -> None:
    from vic.vc.barcode import encode_barcode
    from vic.vc.cborld import Registry
    from vic.vc.qrimage import render_png

    text = encode_barcode(mark, Registry())
    stored, new = wallet.receive_data(text, source="text")
    assert (stored.format, stored.barcode, new) == ("vc1-barcode", text, True)
    png = tmp_path / "qr.png"
    render_png(text, png)
    again, new = wallet.receive_data(png.read_bytes(), source="file")
    assert (again.number, new) == (stored.number, False)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"hello", "NOT_A_MARK_INPUT"),
        (b"\xff\xfe\x00", "NOT_A_MARK_INPUT"),
        (b'{"a": 1}', "INVALID_CONTEXT"),
        (b"VC1-Rnotbase45!!", "INVALID_BASE45"),
        (b"eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln", "INVALID_JWT"),
    ],
)
def test_bad_inputs_store_nothing(wallet: Wallet, data: bytes, code: str) -> None:
    from vic.contexts.errors import VicError

    with pytest.raises(VicError) as caught:
        wallet.receive_data(data, source="file")
    assert caught.value.code == code
    assert wallet.marks() == []


def test_print_pdf_holds_the_verifiable_qr(
    wallet: Wallet, authority: Authority, mark: dict[str, Any]
) -> None:
    from vic.vc.qrimage import read_qr_pdf

    stored, _ = wallet.receive_data(json.dumps(mark), source="file")
    pdf = wallet.pdf(stored)
    assert pdf.startswith(b"%PDF-")
    text = read_qr_pdf(pdf)
    lists = StaticStatusLists(authority.status_lists(mark))
    result = verify_credential(text, trust=authority.trust(), clock=clock, status_source=lists)
    assert result.status is Status.VALID


def test_present_is_accepted_by_the_verifier(
    wallet: Wallet, authority: Authority, mark: dict[str, Any]
) -> None:
    from vic.verifier.presentation import verify_presentation

    stored, _ = wallet.receive_data(json.dumps(mark), source="file")
    vp = wallet.present([stored.vin], challenge="c-123", domain="rental.example")
    assert vp["holder"] == wallet.holder().did
    lists = StaticStatusLists(authority.status_lists(mark))
    result = verify_presentation(
        vp,
        trust=authority.trust(),
        challenge="c-123",
        domain="rental.example",
        clock=clock,
        status_source=lists,
    )
    assert result.verified, result.to_dict()
    wrong = verify_presentation(
        vp, trust=authority.trust(), challenge="other", clock=clock, status_source=lists
    )
    assert not wrong.verified


def test_a_list_published_this_second_is_not_too_new(
    wallet: Wallet, fake: FakeIssuer, authority: Authority, mark: dict[str, Any]
) -> None:
    from datetime import timedelta

    stored, _ = wallet.receive_data(json.dumps(mark), source="file")
    serve_lists(fake, authority, mark, valid_from=NOW + timedelta(seconds=1))
    assert wallet.show(stored.vin, online=True).status == "VALID"


def test_refresh_decides_nothing_when_the_status_is_unknown(
    wallet: Wallet, fake: FakeIssuer, authority: Authority, mark: dict[str, Any]
) -> None:
    stored, _ = wallet.receive_data(json.dumps(mark), source="file")
    fake.credentials = [later_mark(authority)]
    [outcome] = wallet.refresh(token=fake.owner_token, issuer_url=ISSUER)  # no lists served
    assert (outcome.outcome, outcome.reason) == ("unchecked", "status-unknown")
    assert wallet.get(stored.vin).number == stored.number
    [forced] = wallet.refresh(force=True, token=fake.owner_token, issuer_url=ISSUER)
    assert (forced.outcome, forced.reason) == ("replaced", "forced")


def test_a_vc_jwt_mark_is_received_exported_and_presented(
    wallet: Wallet, tmp_path: Path, authority: Authority, mark: dict[str, Any]
) -> None:
    from vic.vc.jose import sign_jwt

    unsigned = {k: v for k, v in mark.items() if k != "proof"}
    token = sign_jwt(unsigned, authority.key, authority.method)
    stored, new = wallet.receive_data(token.encode() + b"\n", source="file")
    assert (stored.format, stored.vin, new) == ("jwt_vc_json", "LSVAU2A36N2183457", True)
    suffix, data = wallet.export_file(stored)
    assert (suffix, data) == (".jwt", token.encode() + b"\n")
    lists = StaticStatusLists(authority.status_lists(mark))
    result = verify_credential(data, trust=authority.trust(), clock=clock, status_source=lists)
    assert result.status is Status.VALID, result.to_dict()
    with pytest.raises(UsageError) as caught:
        wallet.barcode(stored)
    assert caught.value.code == "NO_QR_FOR_FORMAT"
    vp = wallet.present([str(stored.number)], challenge="n-1", domain="x.example")
    [enveloped] = vp["verifiableCredential"]
    assert enveloped["type"] == "EnvelopedVerifiableCredential"
    assert enveloped["id"] == f"data:application/vc+jwt,{token}"


def test_refresh_never_stores_a_mark_of_another_vehicle(
    wallet: Wallet, fake: FakeIssuer, authority: Authority, mark: dict[str, Any]
) -> None:
    from vic.vc.mark import InspectionBasis, VehicleSubject, build_mark, valid_until_for_month

    stored, _ = wallet.receive_data(json.dumps(mark), source="file")
    serve_lists(fake, authority, mark, revoked=True)
    other = VehicleSubject("鄂L54321", "02", "K33", "LSVAU2A31N0000770", InspectionBasis.ON_SITE)
    unsigned = build_mark(
        issuer=authority.did,
        subject=other,
        valid_from=NOW,
        valid_until=valid_until_for_month(NOW.year + 2, NOW.month),
    )
    fake.credentials = [authority.sign(unsigned)]
    [outcome] = wallet.refresh(token=fake.owner_token, issuer_url=ISSUER)
    assert outcome.error is not None
    assert (outcome.outcome, outcome.error["code"]) == ("failed", "REFRESH_WRONG_VEHICLE")
    assert [v.mark.number for v in wallet.marks(include_replaced=True)] == [stored.number]
