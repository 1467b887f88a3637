"""POST /qr/verify: QR text as JSON or text/plain, a photo or PDF; bad inputs are problems."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.authority import Authority
from tests.verifier_service.conftest import make_settings, qr_png, qr_text
from vic.verifier.service import create_app

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def text(authority: Authority, mark: dict[str, Any]) -> str:
    return qr_text(mark, authority.trust())


def test_qr_text_as_json(client: TestClient, text: str) -> None:
    response = client.post("/qr/verify", json={"text": text})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "VALID"
    assert result["summary"]["plate"] == "鄂L12345"
    assert result["credential"]["credentialSubject"]["vehicleIdentificationNumber"]


def test_qr_text_as_plain_text(client: TestClient, text: str) -> None:
    response = client.post(
        "/qr/verify", content=f"  {text}\n".encode(), headers={"content-type": "text/plain"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "VALID"


def test_a_photo_of_the_qr(client: TestClient, text: str) -> None:
    response = client.post(
        "/qr/verify", content=qr_png(text), headers={"content-type": "image/png"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["plate"] == "鄂L12345"


def test_a_jpeg_photo_of_the_qr(client: TestClient, text: str) -> None:
    picture = Image.open(io.BytesIO(qr_png(text))).convert("RGB")
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90)
    response = client.post(
        "/qr/verify", content=out.getvalue(), headers={"content-type": "image/jpeg"}
    )
    assert response.status_code == 200, response.text


def test_a_revoked_mark_is_422_with_the_credential(
    client: TestClient, authority: Authority, revoked_mark: dict[str, Any]
) -> None:
    response = client.post("/qr/verify", json={"text": qr_text(revoked_mark, authority.trust())})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "REVOKED"
    assert problem["result"]["status"] == "REVOKED"
    assert problem["result"]["credential"]["id"] == revoked_mark["id"]


def test_unknown_status_is_422_status_unavailable(
    authority: Authority, mark: dict[str, Any], text: str
) -> None:
    with TestClient(create_app(make_settings(authority, None))) as client:
        response = client.post("/qr/verify", json={"text": text})
    assert response.status_code == 422
    assert response.json()["result"]["status"] == "STATUS_UNAVAILABLE"


def test_a_photo_without_a_qr_code(client: TestClient) -> None:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 160, 90)).save(out, format="PNG")
    response = client.post(
        "/qr/verify", content=out.getvalue(), headers={"content-type": "image/png"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "NO_QR_FOUND"


def test_an_image_that_is_not_an_image(client: TestClient) -> None:
    response = client.post(
        "/qr/verify", content=b"GIF89a but not really", headers={"content-type": "image/gif"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_IMAGE"


def test_a_qr_of_something_else_entirely(client: TestClient) -> None:
    png = qr_png("https://example.com/menu")
    response = client.post("/qr/verify", content=png, headers={"content-type": "image/png"})
    assert response.status_code == 422
    assert response.json()["code"] == "QR_NOT_A_CREDENTIAL"
    assert "https://example.com/menu" in response.json()["detail"]


def test_broken_qr_text_is_malformed(client: TestClient, text: str) -> None:
    response = client.post("/qr/verify", json={"text": text[:-7]})
    assert response.status_code == 400
    assert response.json()["result"]["status"] == "MALFORMED"


def test_text_that_is_not_utf8(client: TestClient) -> None:
    response = client.post(
        "/qr/verify", content=b"VC1-\xff\xfe", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_TEXT"


def test_empty_or_wrong_json_bodies(client: TestClient) -> None:
    for payload in [{}, {"text": ""}, {"text": 7}, {"text": "VC1-R", "more": 1}]:
        response = client.post("/qr/verify", json=payload)
        assert response.status_code == 422, payload
        assert response.json()["code"] == "INVALID_REQUEST"


def test_unsupported_media_type(client: TestClient) -> None:
    response = client.post(
        "/qr/verify", content=b"<svg/>", headers={"content-type": "image/svg+xml"}
    )
    assert response.status_code == 415
    assert response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_two_content_types_are_refused(client: TestClient, text: str) -> None:
    response = client.post(
        "/qr/verify",
        content=qr_png(text),
        headers=[("content-type", "image/png"), ("content-type", "application/json")],
    )
    assert response.status_code == 400
    assert response.json()["code"] == "AMBIGUOUS_CONTENT_TYPE"


def test_an_oversized_photo_is_413(authority: Authority) -> None:
    app = create_app(make_settings(authority, [], max_image_bytes=50_000))
    with TestClient(app) as client:
        response = client.post(
            "/qr/verify", content=b"\x89PNG" + bytes(60_000), headers={"content-type": "image/png"}
        )
    assert response.status_code == 413
    assert response.json()["code"] == "INPUT_TOO_LARGE"


def test_images_have_a_larger_cap_than_json(authority: Authority, text: str) -> None:
    """A photo may exceed the JSON cap; JSON may not."""
    app = create_app(make_settings(authority, [], max_json_bytes=2_000))
    png = qr_png(text)
    assert len(png) > 2_000
    with TestClient(app) as client:
        photo = client.post("/qr/verify", content=png, headers={"content-type": "image/png"})
        assert photo.status_code != 413
        json_body = client.post("/qr/verify", json={"text": text + " " * 3000})
        assert json_body.status_code == 413
