"""The API documentation page of the shared kit: local files only, any OpenAPI URL."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from vic.httpkit.apidocs import install_api_docs


def app(prefix: str) -> FastAPI:
    service = FastAPI(
        title='a <"service">', docs_url=None, redoc_url=None, openapi_url=f"{prefix}/openapi.json"
    )
    install_api_docs(service, docs_url=f"{prefix}/docs", openapi_url=f"{prefix}/openapi.json")
    return service


def test_the_page_names_its_document_and_loads_only_local_files() -> None:
    client = TestClient(app("/api/v1"))
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert 'data-openapi="/api/v1/openapi.json"' in page.text
    assert 'src="/api/v1/docs/docs.js"' in page.text
    assert "http" not in page.text.replace('lang="en"', "")
    assert "a &lt;&quot;service&quot;&gt; — API" in page.text  # the title is escaped
    script = client.get("/api/v1/docs/docs.js")
    assert script.status_code == 200
    assert "dataset.openapi" in script.text
    assert "innerHTML" not in script.text  # the page is built with DOM nodes and text only
    assert client.get("/api/v1/docs/docs.css").status_code == 200


def test_the_page_is_not_in_the_openapi_document() -> None:
    spec = TestClient(app("")).get("/openapi.json").json()
    assert spec["paths"] == {}
