"""The page at /, its static files (vendored jsQR), the docs page and the OpenAPI document."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.authority import Authority
from tests.verifier_service.conftest import make_settings
from vic.verifier.service import AnyIssuer, create_app
from vic.verifier.service.page import STATIC_DIR


def test_the_page_is_served_with_a_strict_policy(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "http" not in policy  # no CDN allowed
    html = response.text
    assert 'capture="environment"' in html
    assert "/static/vendor/jsQR.min.js" in html
    assert "//" not in html.replace("https://", "").split("<body>")[0].replace("http://", "")


def test_static_files_are_served_and_local(client: TestClient) -> None:
    for name in ["app.js", "app.css", "vendor/jsQR.min.js"]:
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
    script = client.get("/static/app.js").text
    assert 'fetch("/qr/verify"' in script
    assert "https://" not in script
    assert client.get("/static/../run.py").status_code == 404


def test_jsqr_is_vendored_with_its_licence() -> None:
    minified = (STATIC_DIR / "vendor" / "jsQR.min.js").read_text()
    assert minified.startswith("/*! jsQR 1.4.0 |")
    assert "Apache License" in (STATIC_DIR / "vendor" / "jsQR.LICENSE").read_text()


def test_the_docs_page_is_local(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert 'data-openapi="/openapi.json"' in response.text
    assert "cdn" not in response.text.lower()
    assert client.get("/docs/docs.js").status_code == 200


def test_the_openapi_document_is_complete(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {
        "/credentials/verify",
        "/presentations/verify",
        "/challenges",
        "/qr/verify",
    }
    schemas = spec["components"]["schemas"]
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            assert op.get("summary"), (path, method)
            assert op.get("description"), (path, method)
            for status, answer in op["responses"].items():
                if status.startswith(("4", "5")):
                    schema = answer["content"]["application/problem+json"]["schema"]
                    refs = [schema] if "$ref" in schema else schema["anyOf"]
                    for ref in refs:
                        assert ref["$ref"].split("/")[-1] in schemas, (path, status)
    qr_body = spec["paths"]["/qr/verify"]["post"]["requestBody"]["content"]
    assert {"application/json", "text/plain", "image/png", "image/jpeg"} <= set(qr_body)
    assert "QrTextRequest" in schemas
    assert "HTTPValidationError" not in schemas


def test_the_page_says_when_every_issuer_is_trusted(authority: Authority) -> None:
    plain = TestClient(create_app(make_settings(authority, []))).get("/")
    assert "<body>" in plain.text
    interop = TestClient(create_app(make_settings(authority, [], trust=AnyIssuer()))).get("/")
    assert '<body data-mode="any-issuer">' in interop.text
