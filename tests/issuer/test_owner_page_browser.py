"""The owner page in a real browser: Debian's chromium driven by Playwright.

An owner signs in with a one-time link (and with a pasted token), sees their own and filed
vehicles with each mark's validity, downloads the mark, prints the PDF, gets a wallet offer QR
(which a wallet then redeems), applies for the exemption mark, orders a paper mark; zh-CN and
English. Each state is photographed into the test's tmp folder (and ``$VIC_SCREENSHOT_DIR``
when set). Skips only when chromium or Playwright is missing (CI installs both).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.issuer.helpers import ADMIN, START, Clock, make_vin, registration
from tests.issuer.oid4vci_wallet import Wallet
from tests.issuer.test_api_flow import car_body
from vic.issuer.api import create_app
from vic.issuer.config import IssuerConfig
from vic.issuer.engine import Issuer
from vic.issuer.tokens import Scope, create_token
from vic.vc.qrimage import read_qr_image

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 412, "height": 915}

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
expect = sync_api.expect
# A busy CI machine renders slowly: waiting assertions wait 20 s (Playwright's default is 5 s).
expect.set_options(timeout=20_000)
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)


@dataclass
class Site:
    base: str
    issuer: Issuer
    office: str
    clock: Clock
    slow: dict[str, float]  # request path -> seconds the server waits before answering


def delayed(app: Any, slow: dict[str, float]) -> Any:
    """The app, answering the paths in ``slow`` that many seconds late (as on a busy server)."""

    async def wrapper(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] in slow:
            await asyncio.sleep(slow[scope["path"]])
        await app(scope, receive, send)

    return wrapper


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    import uvicorn

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    clock = Clock(START)
    issuer = Issuer.open(
        IssuerConfig(data_dir=tmp_path_factory.mktemp("issuer"), public_base_url=base, clock=clock)
    )
    office, _info = create_token(issuer, role=Scope.OFFICE, label="desk")
    slow: dict[str, float] = {}
    server = uvicorn.Server(
        uvicorn.Config(
            delayed(create_app(issuer), slow), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server thread died"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    site = Site(base, issuer, office, clock, slow)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {office}"}) as http:
        # acct-1's own new car, acct-1's car due for its exemption mark (its mark ran out in
        # 2026-11), and acct-2's car filed with acct-1.
        issuer.register_vehicle(ADMIN, registration(1, owner="acct-1"), event_key="r-1")
        assert http.post("/vehicles", json=car_body(2, owner="acct-1")).status_code == 201
        issuer.register_vehicle(ADMIN, registration(3, owner="acct-2"), event_key="r-3")
        filed = http.post(f"/vehicles/{make_vin(3)}/filings", json={"account": "acct-1"})
        assert filed.status_code == 201, filed.text
    try:
        yield site
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        issuer.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    outside: list[str] = []

    def note(request: Any) -> None:
        if not request.url.startswith((site.base, "data:", "blob:")):
            outside.append(request.url)

    page.on("request", note)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    assert outside == [], "the page asked for something outside the issuer"
    assert errors == [], "the page's script failed"
    context.close()


def shoot(page: Any, tmp_path: Path, name: str) -> None:
    target = tmp_path / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    extra = os.environ.get("VIC_SCREENSHOT_DIR")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(target, Path(extra) / target.name)


def link_for(site: Site, account: str) -> str:
    response = httpx.post(
        f"{site.base}/owner-links",
        json={"account": account},
        headers={"Authorization": f"Bearer {site.office}"},
    )
    assert response.status_code == 201, response.text
    url: str = response.json()["url"]
    return url


def card(page: Any, number: int) -> Any:
    return page.locator(f'li.vehicle[data-vin="{make_vin(number)}"]')


def test_sign_in_with_a_link_and_see_the_vehicles(page: Any, site: Site, tmp_path: Path) -> None:
    page.goto(f"{site.base}/owner/")
    page.wait_for_selector("#signin:not([hidden])")
    assert page.locator("h1").inner_text() == "我的机动车检验标志"
    shoot(page, tmp_path, "owner-1-signin-zh")

    page.goto(link_for(site, "acct-1"))
    expect(page.locator(".validity[data-state]")).to_have_count(3)
    assert "#link=" not in page.url  # the code leaves the address bar
    assert page.locator("#account-id").inner_text() == "acct-1"
    states = {n: card(page, n).locator(".validity").get_attribute("data-state") for n in (1, 2, 3)}
    assert states == {1: "valid", 2: "expired", 3: "valid"}
    assert card(page, 1).locator(".validity").inner_text() == "有效"
    assert card(page, 3).locator(".filed").is_visible()
    assert not card(page, 1).locator(".filed").is_visible()
    assert card(page, 1).locator(".until").inner_text() == "2028-11-30"
    shoot(page, tmp_path, "owner-2-vehicles-zh")

    page.click("button[data-lang=en]")
    assert page.locator("h1").inner_text() == "My vehicle inspection marks"
    assert card(page, 2).locator(".validity").inner_text() == "Expired"
    assert page.locator("#message").inner_text() == "Signed in with a one-time link."
    shoot(page, tmp_path, "owner-3-vehicles-en")

    # The link was used: opening it again signs nobody in.
    page.click("#signout")
    page.goto("about:blank")
    url = link_for(site, "acct-1")
    page.goto(url)
    page.wait_for_selector("li.vehicle")
    page.evaluate("sessionStorage.clear()")
    # The first redemption's message is still shown: wait for the refusal itself, even when the
    # server answers late (a second's delay here made the old wait-for-any-message fail).
    site.slow["/owner-links/redeem"] = 1.0
    try:
        page.goto(url)
        expect(page.locator("#message")).to_contain_text("LINK_INVALID", timeout=20_000)
    finally:
        site.slow.clear()
    expect(page.locator("#signin")).to_be_visible()


def sign_in_with_token(page: Any, site: Site, account: str) -> None:
    token, _info = create_token(site.issuer, role=Scope.OWNER, subject=account, label="test")
    page.goto(f"{site.base}/owner/")
    page.fill("#token", token)
    page.click("#signin-form button[type=submit]")
    expect(page.locator(".validity[data-state]")).to_have_count(3)


def test_download_print_and_wallet_offer(page: Any, site: Site, tmp_path: Path) -> None:
    sign_in_with_token(page, site, "acct-1")
    mark = site.issuer.current_mark(make_vin(1))
    assert mark is not None
    with page.expect_download() as download:
        card(page, 1).locator("[data-action=download]").click()
    saved = Path(download.value.path())
    assert download.value.suggested_filename == f"mark-{mark.number_text}.json"
    assert json.loads(saved.read_text()) == mark.credential
    with page.expect_download() as download:
        card(page, 1).locator("[data-action=pdf]").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename.endswith(".pdf")

    card(page, 1).locator("[data-action=offer]").click()
    offer = card(page, 1).locator(".offer")
    offer.wait_for(state="visible")
    expect(offer.locator(".offer-qr")).to_have_attribute("src", re.compile("^data:image/png"))
    tx_code = offer.locator(".tx-code").inner_text()
    assert len(tx_code) == 6
    assert tx_code.isdigit()
    uri = offer.locator(".offer-uri").input_value()
    source = offer.locator(".offer-qr").get_attribute("src")
    png = base64.b64decode(source.removeprefix("data:image/png;base64,"))
    assert read_qr_image(png) == uri
    shoot(page, tmp_path, "owner-4-wallet-offer")

    # A wallet redeems what the page shows.
    with httpx.Client(base_url=site.base) as http:
        wallet = Wallet(http, site.clock, audience=site.base)
        received = wallet.receive(uri, tx_code)
        assert received.status_code == 200, received.text
        assert received.json()["credentials"][0]["credential"] == mark.credential


def test_exemption_and_paper_order(page: Any, site: Site, tmp_path: Path) -> None:
    sign_in_with_token(page, site, "acct-1")
    page.click("button[data-lang=zh-CN]")
    # The new car is too early for an exemption: the refusal says why.
    card(page, 1).locator("[data-action=exempt]").click()
    refused = card(page, 1).locator(".result.bad")
    refused.wait_for(state="visible")
    assert "TOO_EARLY" in refused.inner_text()
    assert "申请期尚未开始" in refused.inner_text()
    # The car due for its exemption mark gets it: the badge turns valid.
    card(page, 2).locator("[data-action=exempt]").click()
    done = card(page, 2).locator(".result:not(.bad)")
    done.wait_for(state="visible")
    assert "已签发免检标志" in done.inner_text()
    expect(card(page, 2).locator(".validity")).to_have_attribute("data-state", "valid")
    assert card(page, 2).locator(".until").inner_text() == "2028-11-30"
    shoot(page, tmp_path, "owner-5-exemption")

    card(page, 3).locator("[data-action=paper]").click()
    form = card(page, 3).locator(".paper-form")
    form.wait_for(state="visible")
    form.locator("select[name=reason]").select_option("damaged")
    form.locator("select[name=delivery]").select_option("pickup")
    shoot(page, tmp_path, "owner-6-paper-form")
    form.locator("button[type=submit]").click()
    ordered = card(page, 3).locator(".result")
    ordered.wait_for(state="visible")
    assert "已登记补领申请" in ordered.inner_text()
    (order,) = site.issuer.paper_orders(make_vin(3))
    assert str(order.order_id) in ordered.inner_text()
    assert order.reason.value == "damaged"
    shoot(page, tmp_path, "owner-7-paper-ordered")


def test_a_bad_token(page: Any, site: Site, tmp_path: Path) -> None:
    page.goto(f"{site.base}/owner/")
    page.click("button[data-lang=en]")
    page.fill("#token", "vic_" + "0" * 80)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#message:not([hidden])")
    assert "not valid" in page.locator("#message").inner_text()
    assert page.locator("#signin").is_visible()
    shoot(page, tmp_path, "owner-8-bad-token")
