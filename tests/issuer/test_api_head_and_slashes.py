"""Issue 8, item 13: HEAD on public documents answers like GET without a body (it was 405), and
a trailing slash is not redirected to wherever the request's Host header says."""

from __future__ import annotations

import pytest

from tests.issuer.helpers import BASE_URL
from tests.issuer.test_api_status import mark_list_url
from tests.issuer.test_api_support import Api, api_fixture  # noqa: F401 - api_fixture is a fixture

DOCUMENTS = [
    "/.well-known/did.json",
    "/contexts/vehicle-inspection/v1",
    "/cborld/registry-entry.json",
]


@pytest.mark.parametrize("path", DOCUMENTS)
def test_head_on_a_public_document_is_get_without_the_body(api: Api, path: str) -> None:
    got = api.client.get(f"{BASE_URL}{path}")
    head = api.client.head(f"{BASE_URL}{path}")
    assert got.status_code == 200
    assert head.status_code == 200
    assert head.content == b""
    for header in ("content-type", "content-length", "etag", "cache-control"):
        assert head.headers.get(header) == got.headers.get(header), header


def test_head_on_a_status_list(api: Api) -> None:
    url, _ = mark_list_url("revocation", api.register(90)["credential"])
    got = api.client.get(url)
    head = api.client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-length"] == str(len(got.content))
    again = api.client.head(url, headers={"If-None-Match": got.headers["etag"]})
    assert again.status_code == 304


def test_head_of_nothing_is_404_without_a_body(api: Api) -> None:
    head = api.client.head(f"{BASE_URL}/contexts/vehicle-inspection/v99")
    assert head.status_code == 404
    assert head.content == b""


def test_head_needs_the_same_authentication_as_get(api: Api) -> None:
    assert (
        api.client.head(f"{BASE_URL}/vehicles").status_code
        == api.client.get(f"{BASE_URL}/vehicles").status_code
    )


@pytest.mark.parametrize("path", ["/.well-known/did.json/", "/contexts/vehicle-inspection/v1/"])
def test_a_trailing_slash_is_not_redirected_by_host(api: Api, path: str) -> None:
    response = api.client.get(
        f"{BASE_URL}{path}", headers={"Host": "evil.example"}, follow_redirects=False
    )
    assert response.status_code == 404
    assert "location" not in response.headers
