"""The roadside page in a real browser: Debian's chromium driven by Playwright.

Each state is photographed into the test's tmp folder (and into ``$VIC_SCREENSHOT_DIR`` when
set, to look at by eye). Skips only when chromium or Playwright is missing (CI installs both).
"""

from __future__ import annotations

import io
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.authority import Authority
from tests.verifier_service.conftest import make_settings, qr_png, qr_text
from vic.vc.status import TERSE_LIST_LENGTH
from vic.verifier.service import AnyIssuer, create_app

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
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` under uvicorn on a free loopback port, in a thread."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server thread died"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(authority: Authority, status_lists: list[dict[str, Any]]) -> Iterator[str]:
    with serving(create_app(make_settings(authority, status_lists))) as base:
        yield base


@pytest.fixture(scope="module")
def files(
    tmp_path_factory: pytest.TempPathFactory,
    authority: Authority,
    mark: dict[str, Any],
    revoked_mark: dict[str, Any],
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("inputs")
    trust = authority.trust()
    unknown = authority.mark(index=TERSE_LIST_LENGTH + 5)  # a list the verifier cannot get
    out = {}
    for name, credential in [("valid", mark), ("revoked", revoked_mark), ("unknown", unknown)]:
        path = folder / f"{name}.png"
        path.write_bytes(qr_png(qr_text(credential, trust)))
        out[name] = path
    photo = Image.new("RGB", (1200, 900), (90, 120, 80))
    for x in range(0, 1200, 60):
        photo.paste((200, 200, 190), (x, 300, x + 30, 600))  # a fence: no QR code here
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG")
    out["no_qr"] = folder / "street.jpg"
    out["no_qr"].write_bytes(buffer.getvalue())
    out["valid_text"] = folder / "valid.txt"
    out["valid_text"].write_text(qr_text(mark, trust))
    return out


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    with sync_api.sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    outside: list[str] = []

    def note(request: Any) -> None:
        if not request.url.startswith((server, "data:", "blob:")):
            outside.append(request.url)

    page.on("request", note)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/")
    yield page
    assert outside == [], "the page asked for something outside the verifier"
    assert errors == [], "the page's script failed"
    context.close()


def shoot(page: Any, tmp_path: Path, name: str) -> None:
    target = tmp_path / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    extra = os.environ.get("VIC_SCREENSHOT_DIR")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(target, Path(extra) / target.name)


def upload(page: Any, path: Path) -> None:
    page.set_input_files("#upload", str(path))
    page.wait_for_selector("#verdict:not([hidden]), #message:not([hidden])")


def test_a_valid_mark_is_green_with_the_plate(
    page: Any, files: dict[str, Path], tmp_path: Path
) -> None:
    assert page.get_attribute("#photo", "capture") == "environment"
    upload(page, files["valid"])
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-status") == "VALID"
    assert "green" in (verdict.get_attribute("class") or "")
    assert page.text_content("#verdict-word") == "有效"
    assert page.text_content("#fact-plate") == "鄂L12345"
    assert "K33" in (page.text_content("#fact-vehicle-type") or "")
    assert page.text_content("#fact-valid-until") == "2028年11月"
    assert page.text_content("#fact-issuer") == "Test authority"
    shoot(page, tmp_path, "1-valid-zh")


def test_a_superseded_mark_is_red_with_the_reason(
    page: Any, files: dict[str, Path], tmp_path: Path
) -> None:
    upload(page, files["revoked"])
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-status") == "REVOKED"
    assert "red" in (verdict.get_attribute("class") or "")
    assert page.text_content("#verdict-word") == "已作废"
    assert "新标志取代" in (page.text_content("#verdict-reason") or "")
    assert page.text_content("#fact-plate") == "鄂L12345"
    shoot(page, tmp_path, "2-revoked-zh")


def test_unknown_status_is_amber(page: Any, files: dict[str, Path], tmp_path: Path) -> None:
    upload(page, files["unknown"])
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-status") == "STATUS_UNAVAILABLE"
    assert "amber" in (verdict.get_attribute("class") or "")
    assert page.text_content("#verdict-word") == "状态未知"
    shoot(page, tmp_path, "3-unknown-zh")


def test_a_photo_without_a_qr_code_says_so(
    page: Any, files: dict[str, Path], tmp_path: Path
) -> None:
    upload(page, files["no_qr"])
    assert page.is_hidden("#verdict")
    message = page.locator("#message")
    assert message.get_attribute("data-code") == "NO_QR_FOUND"
    assert "未找到二维码" in (message.text_content() or "")
    shoot(page, tmp_path, "4-no-qr-zh")


def test_the_language_switch(page: Any, files: dict[str, Path], tmp_path: Path) -> None:
    upload(page, files["revoked"])
    page.click("#lang-en")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.text_content("#verdict-word") == "REVOKED"
    assert "replaced by a newer mark" in (page.text_content("#verdict-reason") or "")
    assert page.text_content("h1") == "Vehicle inspection mark check"
    assert page.text_content("#fact-valid-until") == "November 2028"
    shoot(page, tmp_path, "5-revoked-en")
    page.reload()  # the choice is remembered
    assert page.text_content("h1") == "Vehicle inspection mark check"
    page.click("#lang-zh")
    assert page.text_content("h1") == "机动车检验标志核验"


def test_pasted_text(page: Any, files: dict[str, Path], tmp_path: Path) -> None:
    page.click("#lang-en")
    page.fill("#paste", files["valid_text"].read_text())
    page.click("#verify-text")
    page.wait_for_selector("#verdict:not([hidden])")
    assert page.text_content("#verdict-word") == "VALID"
    assert page.text_content("#fact-plate") == "鄂L12345"
    shoot(page, tmp_path, "6-valid-en-pasted")


def test_the_docs_page_draws_the_api(browser: Any, server: str, tmp_path: Path) -> None:
    page = browser.new_page()
    page.goto(f"{server}/docs")
    page.wait_for_selector("h2")
    text = page.text_content("main") or ""
    for route in ["/credentials/verify", "/presentations/verify", "/challenges", "/qr/verify"]:
        assert route in text
    shoot(page, tmp_path, "7-docs")
    page.close()


def y4m(png: bytes, width: int = 640, height: int = 480) -> bytes:
    """One grey video frame (YUV 4:2:0) showing the QR image, for chromium's fake camera."""
    code = Image.open(io.BytesIO(png)).convert("L")
    side = min(width, height) - 40
    code = code.resize((side, side), Image.Resampling.NEAREST)
    frame = Image.new("L", (width, height), 200)
    frame.paste(code, ((width - side) // 2, (height - side) // 2))
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode("ascii")
    return header + b"FRAME\n" + frame.tobytes() + chroma + chroma


def test_live_camera_scanning(
    playwright: Any, server: str, files: dict[str, Path], tmp_path: Path
) -> None:
    """The camera button decodes frames with the vendored jsQR (chromium's fake camera shows
    the QR code of the valid mark) and verifies what it read."""
    video = tmp_path / "camera.y4m"
    video.write_bytes(y4m(files["valid"].read_bytes()))
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS + camera)
    try:
        context = browser.new_context(viewport=PHONE, locale="en-GB")
        page = context.new_page()
        page.goto(f"{server}/")
        assert page.text_content("h1") == "Vehicle inspection mark check"
        page.click("#scan")
        page.wait_for_selector("#verdict:not([hidden])", timeout=20_000)
        assert page.locator("#verdict").get_attribute("data-status") == "VALID"
        assert page.text_content("#fact-plate") == "鄂L12345"
        assert page.is_hidden("#camera")  # the camera stops once a code is read
        shoot(page, tmp_path, "8-camera-valid-en")
    finally:
        browser.close()


def test_the_interop_mode_is_announced(
    browser: Any, authority: Authority, status_lists: list[dict[str, Any]], tmp_path: Path
) -> None:
    app = create_app(make_settings(authority, status_lists, trust=AnyIssuer()))
    with serving(app) as base:
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{base}/")
        assert page.is_visible("#test-mode")
        assert "测试模式" in (page.text_content("#test-mode") or "")
        shoot(page, tmp_path, "9-any-issuer-zh")
        context.close()
