"""One-time sign-in links to the owner page, and the page's own files."""

from __future__ import annotations

from tests.issuer.helpers import BASE_URL, make_vin
from tests.issuer.test_api_support import Api, api_fixture  # noqa: F401 - a fixture


def test_a_one_time_link_signs_the_owner_in_once(api: Api) -> None:
    api.register(110)
    made = api.post("/owner-links", "office", json={"account": "acct-110"})
    assert made.status_code == 201, made.text
    link = made.json()
    assert link["url"].startswith(f"{BASE_URL}/owner/#link=")
    code = link["url"].split("#link=")[1]

    redeemed = api.post("/owner-links/redeem", json={"code": code})
    assert redeemed.status_code == 200, redeemed.text
    assert redeemed.headers["cache-control"] == "no-store"
    session = redeemed.json()
    assert session["account"] == "acct-110"
    assert session["expiresAt"] is not None
    headers = {"Authorization": f"Bearer {session['token']}"}
    vehicles = api.client.get("/vehicles", headers=headers)
    assert [v["vin"] for v in vehicles.json()] == [make_vin(110)]

    again = api.post("/owner-links/redeem", json={"code": code})
    assert again.status_code == 401
    assert again.json()["code"] == "LINK_INVALID"


def test_links_expire_and_only_offices_make_them(api: Api) -> None:
    code = api.post("/owner-links", "office", json={"account": "acct-111"}).json()["url"]
    code = code.split("#link=")[1]
    api.clock.advance(hours=24, seconds=1)
    expired = api.post("/owner-links/redeem", json={"code": code})
    assert expired.status_code == 401
    assert expired.json()["code"] == "LINK_INVALID"
    unknown = api.post("/owner-links/redeem", json={"code": "A" * 43})
    assert unknown.json()["code"] == "LINK_INVALID"
    assert api.post("/owner-links/redeem", json={"code": "short"}).status_code == 422
    owner = api.post("/owner-links", "owner:acct-111", json={"account": "acct-111"})
    assert owner.status_code == 403
    assert api.post("/owner-links", json={"account": "acct-111"}).status_code == 401
    spaced = api.post("/owner-links", "office", json={"account": "a b"})
    assert spaced.status_code == 422


def test_the_page_and_its_files(api: Api) -> None:
    page = api.client.get("/owner/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert 'src="static/owner.js"' in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from elsewhere
    for name, media in (("owner.js", "text/javascript"), ("owner.css", "text/css")):
        response = api.client.get(f"/owner/static/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)
        assert "https://" not in response.text
    assert api.client.get("/owner/static/../app.py").status_code == 404
    assert api.client.get("/owner/static/owner.html").status_code == 404
    moved = api.client.get("/owner", follow_redirects=False)
    assert moved.status_code == 308
    assert moved.headers["location"].endswith("/owner/")
