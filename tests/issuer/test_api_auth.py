"""Authentication and scopes: every operation that takes a token refuses a missing, malformed,
wrong, expired, revoked or under-scoped one with the right problem; tokens are stored hashed.

The operations and the scopes each accepts are read from the app itself (its routes and its
OpenAPI security requirements), so a route added later is in the matrix without editing it.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.issuer.helpers import (
    BASE_URL,
    OFFICE,
    POSTGRES_ENV,
    STATION_CODE,
    Clock,
    backend,
    make_vin,
)
from tests.issuer.test_api_support import (  # noqa: F401 - api_fixture is a fixture
    PROBLEM,
    Api,
    Client,
    api_fixture,
    open_api,
)
from vic.contexts.errors import PermissionDeniedError, RecordNotFoundError, UsageError
from vic.issuer.db.models import ApiToken
from vic.issuer.domain import Actor, Role
from vic.issuer.tokens import (
    AuthenticationError,
    Scope,
    authenticate,
    create_token,
    get_token,
    list_tokens,
    revoke_token,
)

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PATH_VALUES = {
    "vin": make_vin(1),
    "number": "0000000001",
    "credential_id": "urn:uuid:3f0d3a54-0000-4000-8000-000000000001",
    "account": "acct-1",
    "code": STATION_CODE,
    "token_id": "0123456789abcdef",
    "name": "eddsa",
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    scopes: frozenset[str]

    @property
    def url(self) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Matrix:
    """One app for the whole matrix (refused requests change nothing), with the tokens."""

    app: Any
    client: Client
    clock: Clock
    tokens: dict[str, str]


@contextmanager
def opened_matrix(name: str = "sqlite") -> Iterator[Matrix]:
    """An app with a token of each scope, a revoked one, an expired one and a wrong secret."""
    clock = Clock()
    with backend(name) as where, tempfile.TemporaryDirectory() as data:
        issuer, app, tokens = open_api(Path(data) / "data", where, clock)
        try:
            text, info = create_token(issuer, role=Scope.OFFICE, label="revoked")
            revoke_token(issuer, info.token_id)
            tokens["revoked"] = text
            tokens["expired"] = create_token(
                issuer, role=Scope.ADMIN, label="expiring", expires=timedelta(minutes=1)
            )[0]
            tokens["owner"] = create_token(
                issuer, role=Scope.OWNER, subject="acct-1", label="owner"
            )[0]
            admin = tokens["admin"]
            flipped = "1" if admin[-1] == "0" else "0"
            tokens["wrong-secret"] = admin[:-1] + flipped  # the right token id, another secret
            clock.advance(minutes=2)
            with Client(app, base_url=BASE_URL) as client:
                yield Matrix(app, client, clock, tokens)
        finally:
            issuer.close()


def openapi() -> dict[str, Any]:
    """The app's own OpenAPI document: its routes and their security requirements."""
    with opened_matrix() as matrix:
        spec: dict[str, Any] = matrix.client.get("/openapi.json").json()
    return spec


def operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation of the app that needs a token, with the scopes it accepts."""
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            security = operation.get("security")
            if security:
                (requirement,) = security
                found.append(Operation(method.upper(), path, frozenset(requirement["bearerToken"])))
    return found


SPEC = openapi()
OPERATIONS = operations(SPEC)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def matrix(request: pytest.FixtureRequest) -> Iterator[Matrix]:
    if request.param == "postgres" and not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://...)")
    with opened_matrix(request.param) as opened:
        yield opened


def call(matrix: Matrix, operation: Operation, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    body = {"json": {}} if operation.method in WRITES else {}
    return matrix.client.request(operation.method, operation.url, headers=headers, **body)


def assert_problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_matrix_covers_every_write() -> None:
    public_writes = [
        f"{method.upper()} {path}"
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method.upper() in WRITES and not operation.get("security")
    ]
    # The OpenID4VCI protocol endpoints authorize with the pre-authorized code, the access token
    # and the key proof instead of a vic token (tests/issuer/test_oid4vci_errors.py).
    assert public_writes == [
        "POST /oid4vci/token",
        "POST /oid4vci/nonce",
        "POST /oid4vci/credential",
        "POST /oid4vci/notification",
        # A one-time sign-in link's code is its own credential (tests/issuer/test_owner_links.py).
        "POST /owner-links/redeem",
    ]
    writes = [op for op in OPERATIONS if op.method in WRITES]
    assert len(writes) >= 19
    paths = {str(op) for op in writes}
    for expected in (
        "POST /vehicles",
        "POST /inspections",
        "POST /credentials/issue",
        "POST /credentials/status",
        "POST /marks/{number}/suspension",
        "POST /vehicles/{vin}/exemption-applications",
        "POST /vehicles/{vin}/paper-orders",
        "POST /tokens",
    ):
        assert expected in paths
    assert all(op.scopes for op in OPERATIONS)


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (None, "TOKEN_MISSING"),
        ("not-a-vic-token", "TOKEN_INVALID"),
        ("vic_" + "0" * 80, "TOKEN_INVALID"),
        ("wrong-secret", "TOKEN_INVALID"),
        ("expired", "TOKEN_EXPIRED"),
        ("revoked", "TOKEN_REVOKED"),
    ],
)
@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_no_usable_token_is_401(
    matrix: Matrix, operation: Operation, token: str | None, code: str
) -> None:
    text = matrix.tokens.get(token, token) if token is not None else None
    assert_problem(call(matrix, operation, text), 401, code)


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_a_token_without_the_scope_is_403(matrix: Matrix, operation: Operation) -> None:
    refused = [s for s in ("station", "office", "owner") if s not in operation.scopes]
    if "admin" in operation.scopes:
        assert refused == ["station", "office", "owner"]
    for scope in refused:
        assert_problem(call(matrix, operation, matrix.tokens[scope]), 403, "INSUFFICIENT_SCOPE")
    for scope in operation.scopes:  # the accepted scopes get past authentication
        response = call(matrix, operation, matrix.tokens[scope])
        assert response.status_code not in (401, 500), response.text
        if response.status_code == 403:
            assert response.json()["code"] != "INSUFFICIENT_SCOPE"


def test_an_admin_token_passes_every_scope_check(matrix: Matrix) -> None:
    for operation in OPERATIONS:
        response = call(matrix, operation, matrix.tokens["admin"])
        assert response.status_code not in (401, 403, 500), (str(operation), response.text)


def test_the_bearer_scheme_is_the_only_one(matrix: Matrix) -> None:
    response = matrix.client.post(
        "/vehicles", json={}, headers={"Authorization": f"Basic {matrix.tokens['admin']}"}
    )
    assert_problem(response, 401, "TOKEN_MISSING")


# --- the token store --------------------------------------------------------------------------


def test_tokens_are_stored_hashed_and_shown_once(api: Api) -> None:
    text, info = create_token(
        api.issuer, role="office", label="front desk", actor=Actor("admin-1", Role.ADMIN)
    )
    assert re.fullmatch(r"vic_[0-9a-f]{80}", text)
    assert text[4:20] == info.token_id
    with api.issuer.database.read() as session:
        row = session.execute(
            select(ApiToken).where(ApiToken.token_id == info.token_id)
        ).scalar_one()
        stored = {c.key: getattr(row, c.key) for c in ApiToken.__table__.columns}
    assert stored["digest"] == hashlib.sha256(text.encode()).hexdigest()
    assert all(text[20:] not in str(value) for value in stored.values())
    assert info in list_tokens(api.issuer)
    assert get_token(api.issuer, info.token_id) == info
    actor = authenticate(api.issuer, text)
    assert actor.id == f"token:{info.token_id}"
    assert actor.role is Role.OFFICE
    (created,) = api.issuer.audit_log(target=f"token:{info.token_id}")
    assert created.action == "token.create"
    assert created.actor_id == "admin-1"
    assert created.detail["label"] == "front desk"

    revoked = revoke_token(api.issuer, info.token_id)
    assert revoked.revoked_at is not None
    assert revoke_token(api.issuer, info.token_id) == revoked  # again: nothing changes
    with pytest.raises(AuthenticationError) as caught:
        authenticate(api.issuer, text)
    assert caught.value.code == "TOKEN_REVOKED"
    assert [a.action for a in api.issuer.audit_log(target=f"token:{info.token_id}")] == [
        "token.revoke",
        "token.create",
    ]


def test_bound_tokens_act_for_their_station_or_owner(api: Api) -> None:
    station = authenticate(api.issuer, api.token(Scope.STATION, STATION_CODE))
    assert station.role is Role.STATION
    assert station.station == STATION_CODE
    owner = authenticate(api.issuer, api.token(Scope.OWNER, "acct-9"))
    assert owner.role is Role.OWNER
    assert owner.account == "acct-9"


def test_tokens_expire_on_the_issuer_clock(api: Api) -> None:
    text = api.token(Scope.OFFICE, expires=timedelta(hours=1))
    assert authenticate(api.issuer, text).role is Role.OFFICE
    api.clock.advance(minutes=59)
    assert (
        api.post("/marks/1/suspension", headers={"Authorization": f"Bearer {text}"}).status_code
        == 404
    )
    api.clock.advance(minutes=1)
    with pytest.raises(AuthenticationError) as caught:
        authenticate(api.issuer, text)
    assert caught.value.code == "TOKEN_EXPIRED"


@pytest.mark.parametrize(
    ("options", "error", "code"),
    [
        ({"role": "root"}, UsageError, "INVALID_TOKEN_REQUEST"),
        ({"role": "station"}, UsageError, "INVALID_TOKEN_REQUEST"),
        ({"role": "station", "subject": "999"}, RecordNotFoundError, "STATION_NOT_FOUND"),
        ({"role": "owner", "subject": "has space"}, UsageError, "INVALID_TOKEN_REQUEST"),
        ({"role": "office", "subject": "x"}, UsageError, "INVALID_TOKEN_REQUEST"),
        ({"role": "office", "label": ""}, UsageError, "INVALID_TOKEN_REQUEST"),
        ({"role": "office", "expires": timedelta(0)}, UsageError, "INVALID_EXPIRY"),
        ({"role": "office", "actor": OFFICE}, PermissionDeniedError, "ROLE_NOT_ALLOWED"),
    ],
)
def test_bad_token_requests_are_refused(
    api: Api, options: dict[str, Any], error: type[Exception], code: str
) -> None:
    arguments: dict[str, Any] = {"label": "x", **options}
    with pytest.raises(error) as caught:
        create_token(api.issuer, **arguments)
    assert getattr(caught.value, "code", None) == code
    assert [t.label for t in list_tokens(api.issuer)] == ["admin", "office", "st"]


def test_a_token_over_http_and_its_problems(api: Api) -> None:
    created = api.post(
        "/tokens",
        "admin",
        json={"scope": "owner", "subject": "acct-5", "label": "app", "expiresInSeconds": 3600},
    )
    assert created.status_code == 201
    info = created.json()["info"]
    assert info["expiresAt"] is not None
    missing = api.post("/tokens", "admin", json={"scope": "station", "label": "x"})
    assert_problem(missing, 400, "INVALID_TOKEN_REQUEST")
    assert_problem(api.delete("/tokens/0123456789abcdef", "admin"), 404, "TOKEN_NOT_FOUND")
    assert_problem(
        api.post("/tokens", "admin", json={"scope": "office", "label": "x", "extra": 1}),
        422,
        "INVALID_REQUEST",
    )
