"""Status lists as served: at the URLs the marks name, with ETag and Cache-Control, 304 on
If-None-Match, and bits that an independent reading of the Bitstring Status List spec finds."""

from __future__ import annotations

from typing import Any

from tests.issuer.helpers import BASE_URL, DID, make_vin
from tests.issuer.test_api_support import (  # noqa: F401 - api_fixture is a fixture
    PROBLEM,
    Api,
    api_fixture,
    bit,
    bits_of,
)

MARK_LIST_BITS = 2**26
VCAPI_LIST_BITS = 131_072


def mark_list_url(purpose: str, mark: dict[str, Any]) -> tuple[str, int]:
    """The list URL and bit of a mark, expanded from its terse entry as VC Barcodes says."""
    status = mark["credentialStatus"]
    assert status["type"] == "TerseBitstringStatusListEntry"
    index = status["terseStatusListIndex"]
    url = f"{status['terseStatusListBaseUrl']}/{purpose}/{index // MARK_LIST_BITS}"
    return url, index % MARK_LIST_BITS


def test_lists_are_served_where_the_marks_point(api: Api) -> None:
    mark = api.register(80)["credential"]
    url, position = mark_list_url("revocation", mark)
    assert url.startswith(f"{BASE_URL}/status/revocation/")
    response = api.client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vc+ld+json"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["access-control-allow-origin"] == "*"
    etag = response.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    credential = response.json()
    assert credential["id"] == url
    assert credential["issuer"] == DID
    assert "BitstringStatusListCredential" in credential["type"]
    assert credential["credentialSubject"]["statusPurpose"] == "revocation"
    raw = bits_of(credential)
    assert len(raw) * 8 == MARK_LIST_BITS
    assert bit(raw, position) == 0

    as_json = api.client.get(url, headers={"Accept": "application/json"})
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.content == response.content


def test_if_none_match_gives_304_until_a_bit_changes(api: Api) -> None:
    first = api.register(81)
    url, position = mark_list_url("revocation", first["credential"])
    etag = api.client.get(url).headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        cached = api.client.get(url, headers={"If-None-Match": header})
        assert cached.status_code == 304
        assert cached.content == b""
        assert cached.headers["etag"] == etag
        assert cached.headers["cache-control"] == "public, max-age=300"
    assert api.client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200

    report = {"reportNumber": "R-81", "vin": make_vin(81), "inspectedOn": "2026-11-24"}
    second = api.post("/inspections", "station", json={**report, "passed": True}).json()["mark"]
    changed = api.client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    raw = bits_of(changed.json())
    assert bit(raw, position) == 1  # the first mark: superseded
    second_url, second_position = mark_list_url("revocation", second["credential"])
    assert bit(bits_of(api.client.get(second_url).json()), second_position) == 0


def test_the_set_bits_are_exactly_the_revoked_and_suspended_marks(api: Api) -> None:
    marks = [api.register(n) for n in range(82, 87)]
    api.post(f"/vehicles/{make_vin(83)}/cancellation", "office")
    api.post(
        f"/vehicles/{make_vin(84)}/transfers",
        "office",
        json={"newOwner": "acct-99", "eventKey": "T-84"},
    )
    api.post(f"/marks/{marks[2]['number']}/suspension", "office")  # vehicle 84's old mark
    api.post(f"/marks/{marks[4]['number']}/suspension", "office")
    revoked = {marks[1]["number"], marks[2]["number"]}
    suspended = {marks[2]["number"], marks[4]["number"]}
    for purpose, expected in (("revocation", revoked), ("suspension", suspended)):
        raw = bits_of(api.client.get(f"{BASE_URL}/status/{purpose}/0").json())
        assert sum(bin(byte).count("1") for byte in raw) == len(expected)
        for mark in marks:
            _url, position = mark_list_url(purpose, mark["credential"])
            assert bit(raw, position) == (mark["number"] in expected), (purpose, mark["number"])


def test_vcapi_lists_have_their_own_index_space(api: Api) -> None:
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": DID,
        "credentialSubject": {"id": "did:example:1"},
    }
    issued = api.post(
        "/credentials/issue",
        "office",
        json={
            "credential": credential,
            "options": {"credentialStatus": {"type": "BitstringStatusListEntry"}},
        },
    ).json()["verifiableCredential"]
    entries = issued["credentialStatus"]
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    for entry in entries:
        url = entry["statusListCredential"]
        assert url == f"{BASE_URL}/status/vcapi/{entry['statusPurpose']}/0"
        served = api.client.get(url)
        assert served.status_code == 200
        raw = bits_of(served.json())
        assert len(raw) * 8 == VCAPI_LIST_BITS
        assert bit(raw, int(entry["statusListIndex"])) == 0


def test_unknown_lists_are_404_problems(api: Api) -> None:
    for url in ("/status/revocation/5", "/status/message/0", "/status/vcapi/suspension/9"):
        response = api.client.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["code"] == "STATUS_LIST_NOT_FOUND"
    for url in ("/status/revoked/0", "/status/revocation/-1", "/status/revocation/4294967296"):
        response = api.client.get(url)
        assert response.status_code == 422
        assert response.json()["code"] == "INVALID_REQUEST"
