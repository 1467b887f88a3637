"""GET /vehicles/{vin}/mark.jwt: the current mark secured as a vc+jwt (VC-JOSE-COSE)."""

from __future__ import annotations

import json

from tests.issuer.helpers import DID, make_vin
from tests.issuer.test_api_flow import verify
from tests.issuer.test_api_support import Api, api_fixture  # noqa: F401 - a fixture
from vic.vc.jose import decode_jws
from vic.verifier.result import Status


def test_the_mark_downloads_as_a_vc_jwt_that_verifies(api: Api) -> None:
    issued = api.register(41)
    vin = make_vin(41)
    response = api.get(f"/vehicles/{vin}/mark.jwt", "owner:acct-41")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vc+jwt"
    assert response.headers["cache-control"] == "no-store"
    token = response.text
    jws = decode_jws(token)
    assert dict(jws.header) == {
        "alg": "ES256",
        "kid": f"{DID}#key-1",
        "typ": "vc+jwt",
        "cty": "vc",
    }
    unsigned = {k: v for k, v in issued["credential"].items() if k != "proof"}
    assert json.loads(jws.payload) == unsigned
    assert verify(api, token) is Status.VALID


def test_only_the_owner_or_the_office_downloads_it(api: Api) -> None:
    api.register(42)
    vin = make_vin(42)
    assert api.get(f"/vehicles/{vin}/mark.jwt").status_code == 401
    assert api.get(f"/vehicles/{vin}/mark.jwt", "owner:acct-99").status_code == 403
    assert api.get(f"/vehicles/{vin}/mark.jwt", "office").status_code == 200
