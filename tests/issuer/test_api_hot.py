"""The lean path of the single-event routes (:mod:`vic.issuer.api.hot`) answers as FastAPI's
routes do, and stores the same rows.

The same scenario runs on two fresh databases (randomness seeded alike), one app with the lean
path and one without; every answer's status, headers and body (the proof value aside: the
signing keys differ) must be identical, and afterwards every table's rows and the request
counters of ``/metrics``. A spy records whether the lean path answered each request or declined
it (FastAPI answered), so each case is known to exercise the path it names. The token checks of
concurrent requests (:func:`vic.issuer.tokens.authenticate_all`) are compared with
:func:`~vic.issuer.tokens.authenticate`, and a revoked token fails at once, whichever process
revoked it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.issuer.helpers import (
    ADMIN,
    BASE_URL,
    STATION_CODE,
    Backend,
    Clock,
    backend,
    config,
    make_vin,
    plate,
    registration,
)
from tests.issuer.test_api_support import Client
from tests.issuer.test_event_rows import _rows, seeded  # noqa: F401 - seeded is a fixture
from vic.httpkit.bodies import PARSED_JSON_KEY
from vic.issuer.api import create_app, hot
from vic.issuer.engine import Issuer
from vic.issuer.tokens import (
    AuthenticationError,
    Scope,
    actor_reader,
    authenticate,
    authenticate_all,
    create_token,
    read_actors,
    revoke_token,
)

Answer = tuple[int, list[tuple[str, str]], Any]

DAY = "2026-11-24"

_PROOF_VALUE = re.compile(rb'"proofValue":"[^"]*"')


def _answer(response: Any) -> Answer:
    """Status, headers (the length aside: the signature's text varies) and body, the proof
    value masked; the length must be the body's."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k != "content-length"]
    assert int(response.headers["content-length"]) == len(response.content)
    return response.status_code, headers, _PROOF_VALUE.sub(b'"proofValue":"-"', response.content)


def _tokens(issuer: Issuer, clock: Clock) -> dict[str, str]:
    made = {
        "office": create_token(issuer, role=Scope.OFFICE, label="office")[0],
        "admin": create_token(issuer, role=Scope.ADMIN, label="admin")[0],
        "station": create_token(issuer, role=Scope.STATION, subject=STATION_CODE, label="st")[0],
        "owner": create_token(issuer, role=Scope.OWNER, subject="acct-1", label="owner")[0],
        "revoked": create_token(issuer, role=Scope.OFFICE, label="gone")[0],
        "expiring": create_token(
            issuer, role=Scope.OFFICE, label="short", expires=timedelta(hours=1)
        )[0],
    }
    revoke_token(issuer, made["revoked"][4:20])
    return made


def _requests(t: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """(path, request options) of every case: answered on the lean path, then declined."""
    office = {"Authorization": f"Bearer {t['office']}"}
    station = {"Authorization": f"Bearer {t['station']}"}

    def transfer(number: int, body: Any, **options: Any) -> tuple[str, dict[str, Any]]:
        options.setdefault("headers", office)
        if isinstance(body, bytes):
            options["content"] = body
        elif body is not None:
            options["json"] = body
        return f"/vehicles/{make_vin(number)}/transfers", options

    def change(number: int, body: Any, **options: Any) -> tuple[str, dict[str, Any]]:
        path, options = transfer(number, body, **options)
        return path.replace("/transfers", "/changes"), options

    def inspect(body: Any, who: str = "station") -> tuple[str, dict[str, Any]]:
        return "/inspections", {"headers": {"Authorization": f"Bearer {t[who]}"}, "json": body}

    wrong_secret = t["office"][:-4] + ("0000" if not t["office"].endswith("0000") else "1111")
    unknown = "vic_" + "0" * 16 + t["office"][20:]
    return [
        # answered on the lean path: issued, replayed, refused by the engine
        transfer(0, {"newOwner": "acct-new", "eventKey": "t1"}),
        transfer(0, {"newOwner": "acct-new", "eventKey": "t1"}),  # replay: 200
        transfer(1, {"newOwner": "acct-new", "eventKey": "t1"}),  # EVENT_KEY_REUSED
        transfer(1, {"newOwner": "acct-p", "eventKey": "t2", "plate": plate(90)}),
        transfer(2, {"newOwner": "acct-q", "eventKey": "t3", "plate": plate(3)}),  # in use
        transfer(2, {"newOwner": "acct-q", "eventKey": "t4", "plate": "X"}),  # INVALID_PLATE
        transfer(2, {"newOwner": "acct-q", "eventKey": "t5", "plateTypeCode": "01"}),
        transfer(77, {"newOwner": "acct-q", "eventKey": "t6"}),  # VEHICLE_NOT_FOUND
        (
            f"/vehicles/{make_vin(3).lower()}/transfers",
            {"headers": office, "json": {"newOwner": "acct-l", "eventKey": "t7"}},
        ),
        (  # a VIN of the right alphabet with a wrong check digit
            f"/vehicles/{make_vin(3)[:8]}X{make_vin(3)[9:]}/transfers",
            {"headers": office, "json": {"newOwner": "acct-l", "eventKey": "t8"}},
        ),
        transfer(
            4,
            {"newOwner": "acct-a", "eventKey": "t9"},
            headers={"Authorization": f"bearer   {t['admin']}  "},
        ),
        transfer(
            4,
            {"newOwner": "acct-b", "eventKey": "t10"},
            headers={
                "Authorization": f"Bearer {t['expiring']}",
                "Content-Type": "application/json; charset=utf-8",
            },
        ),
        change(2, {"eventKey": "c1", "seats": 7}),
        change(2, {"eventKey": "c1", "seats": 7}),  # replay
        change(2, {"eventKey": "c2", "plate": plate(4)}),  # PLATE_IN_USE
        change(2, {"eventKey": "c3", "seats": 40}),  # refused by the policy
        change(2, {"eventKey": "c4", "useCategory": "small_non_operating_passenger"}),
        change(5, {"eventKey": "c5", "isVan": True, "vehicleTypeCode": "K31"}),
        transfer(6, {"newOwner": "acct-z", "eventKey": "t11"}),  # cancelled below: first
        transfer(0, {"newOwner": "acct-y", "eventKey": "t12", "plate": None}),
        change(0, {"eventKey": "c6", "seats": "7"}),  # the model's lax reading, as the route's
        inspect({"reportNumber": "r1", "vin": make_vin(1), "inspectedOn": DAY, "passed": True}),
        inspect({"reportNumber": "r1", "vin": make_vin(1), "inspectedOn": DAY, "passed": True}),
        inspect({"reportNumber": "r1", "vin": make_vin(2), "inspectedOn": DAY, "passed": True}),
        inspect({"reportNumber": "r2", "vin": make_vin(2), "inspectedOn": DAY, "passed": False}),
        inspect(
            {"reportNumber": "r3", "vin": make_vin(3), "inspectedOn": DAY, "passed": True},
            who="admin",
        ),  # STATION_REQUIRED
        inspect(
            {
                "station": STATION_CODE,
                "reportNumber": "r4",
                "vin": make_vin(3),
                "inspectedOn": DAY,
                "passed": True,
            },
            who="admin",
        ),
        inspect(
            {
                "station": "420100-99",
                "reportNumber": "r5",
                "vin": make_vin(3),
                "inspectedOn": DAY,
                "passed": True,
            }
        ),  # STATION_MISMATCH
        inspect({"reportNumber": "r6", "vin": make_vin(77), "inspectedOn": DAY, "passed": True}),
        inspect({"reportNumber": "r7", "vin": make_vin(6), "inspectedOn": DAY, "passed": True}),
        inspect(
            {"reportNumber": "r8", "vin": make_vin(4), "inspectedOn": "2026-12-30", "passed": True}
        ),  # after today
        # declined: FastAPI answers
        transfer(0, {"newOwner": "acct-x", "eventKey": "d1"}, headers={}),  # TOKEN_MISSING
        transfer(
            0,
            {"newOwner": "acct-x", "eventKey": "d1"},
            headers={"Authorization": f"Basic {t['office']}"},
        ),
        transfer(0, {"newOwner": "acct-x", "eventKey": "d1"}, headers={"Authorization": "Bearer "}),
        transfer(
            0,
            {"newOwner": "acct-x", "eventKey": "d1"},
            headers={"Authorization": "Bearer vic_nope"},
        ),
        transfer(
            0,
            {"newOwner": "acct-x", "eventKey": "d1"},
            headers={"Authorization": f"Bearer {wrong_secret}"},
        ),
        transfer(
            0,
            {"newOwner": "acct-x", "eventKey": "d1"},
            headers={"Authorization": f"Bearer {unknown}"},
        ),
        transfer(
            0,
            {"newOwner": "acct-x", "eventKey": "d1"},
            headers={"Authorization": f"Bearer {t['revoked']}"},
        ),
        transfer(
            0,
            {"newOwner": "acct-x", "eventKey": "d1"},
            headers={"Authorization": f"Bearer {t['station']}"},
        ),
        change(
            0, {"eventKey": "d1", "seats": 6}, headers={"Authorization": f"Bearer {t['owner']}"}
        ),
        transfer(0, {"newOwner": "acct-x"}, headers={}),  # no token and a bad body: 401
        transfer(0, {"newOwner": "acct-x"}),  # eventKey missing: 422
        transfer(0, {"newOwner": "acct-x", "eventKey": "d1", "extra": 1}),
        transfer(0, {"newOwner": 7, "eventKey": "d1"}),
        transfer(0, {"newOwner": "bad owner", "eventKey": "d1"}),
        transfer(0, None),  # no body
        transfer(0, b"[1, 2]"),
        transfer(0, b'{"newOwner": "a", "newOwner": "b", "eventKey": "d1"}'),
        transfer(0, b"{not json"),
        transfer(0, b"owner", headers={**office, "Content-Type": "text/plain"}),
        change(0, {"eventKey": "d2", "seats": 0}),
        change(0, {"eventKey": "d2", "useCategory": "spaceship"}),
        ("/vehicles/LSVAU2A30N/transfers", {"headers": office, "json": {"newOwner": "a"}}),
        (f"/vehicles/{make_vin(0)}/transfers/", {"headers": office, "json": {}}),
        (f"/vehicles/{make_vin(0)}/transfers/x", {"headers": office, "json": {}}),
        (f"/vehicles/{make_vin(0)}/transferz", {"headers": office, "json": {}}),
        ("/vehicles//transfers", {"headers": office, "json": {}}),
        inspect(
            {"reportNumber": "d1", "vin": make_vin(1), "inspectedOn": DAY, "passed": True},
            who="office",
        ),
        inspect(
            {"reportNumber": "d1", "vin": make_vin(1), "inspectedOn": "25.11.2026", "passed": True}
        ),
        inspect({"reportNumber": "d1", "vin": "LSVAU", "inspectedOn": DAY, "passed": True}),
        inspect({"reportNumber": "d1", "vin": make_vin(1), "inspectedOn": DAY}),
        ("/inspections/", {"headers": station, "json": {}}),
    ]


def _scenario(tmp_path: Path, where: Backend, *, hot_paths: bool) -> tuple[list[Answer], Any, str]:
    clock = Clock()
    issuer = Issuer.open(config(tmp_path, where, clock))
    try:
        issuer.add_station(ADMIN, STATION_CODE, "武汉市第一检测站")
        for n in range(7):
            issuer.register_vehicle(ADMIN, registration(n))
        tokens = _tokens(issuer, clock)
        app = create_app(issuer, hot_paths=hot_paths)
        answers = []
        with Client(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
            requests = _requests(tokens)
            cancelled = issuer.cancel_registration(ADMIN, make_vin(6))
            assert cancelled is not None
            for path, options in requests:
                answers.append(_answer(client.post(path, **options)))
            clock.advance(hours=2)  # the expiring token has expired
            path, options = requests[11]
            answers.append(_answer(client.post(path, **options)))
            metrics = client.get("/metrics", headers={"Authorization": f"Bearer {tokens['admin']}"})
            assert metrics.status_code == 200
        return answers, _rows(issuer), metrics.text
    finally:
        issuer.close()


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, Any]]:
    """Whether the lean path answered (True) or declined (False) each request it looked at,
    and the request's event key."""
    seen: list[tuple[bool, Any]] = []
    original = hot.HotEvents._answer

    async def spy(self: hot.HotEvents, scope: Any, *args: Any) -> bool:
        done = await original(self, scope, *args)
        body = scope.get(PARSED_JSON_KEY)
        key = body.get("eventKey") or body.get("reportNumber") if isinstance(body, dict) else None
        seen.append((done, key))
        return done

    monkeypatch.setattr(hot.HotEvents, "_answer", spy)
    return seen


def test_the_lean_path_answers_and_stores_as_the_routes_do(
    tmp_path: Path,
    database: Backend,
    seeded: Callable[[int], None],  # noqa: F811 - the fixture
    spied: list[tuple[bool, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the tokens alike too (secrets reads the system's randomness without os.urandom)
    monkeypatch.setattr(secrets, "token_hex", lambda n: os.urandom(n).hex())
    seeded(1)
    plain = _scenario(tmp_path / "plain", database, hot_paths=False)
    assert spied == []
    with backend(database.name) as other:
        seeded(1)
        lean = _scenario(tmp_path / "lean", other, hot_paths=True)
    assert lean[0] == plain[0]
    assert lean[1] == plain[1]
    assert lean[2] == plain[2]
    # the cases exercise what they name: t, c and r keys answered (the last, t10 again, with
    # the token expired: declined), d keys and the rest declined
    answered = [key for done, key in spied if done]
    assert len(answered) == 31, str(spied)
    assert all(key[0] in "tcr" for key in answered)
    assert all(not (key or "d").startswith(("t", "c", "r")) for _done, key in spied[31:-1])
    assert spied[-1] == (False, "t10")
    statuses = [answer[0] for answer in lean[0]]
    assert statuses[:2] == [201, 200]
    codes = {json.loads(a[2])["code"] for a in lean[0] if a[0] >= 400}
    assert {
        "EVENT_KEY_REUSED",
        "PLATE_IN_USE",
        "INVALID_PLATE",
        "VEHICLE_NOT_FOUND",
        "VEHICLE_CANCELLED",
        "STATION_REQUIRED",
        "STATION_MISMATCH",
        "TOKEN_MISSING",
        "TOKEN_INVALID",
        "TOKEN_REVOKED",
        "TOKEN_EXPIRED",
        "INSUFFICIENT_SCOPE",
        "INVALID_REQUEST",
        "DUPLICATE_KEY",
        "INVALID_JSON",
        "UNSUPPORTED_MEDIA_TYPE",
        "ROUTE_NOT_FOUND",
        "USAGE_ERROR",
    } <= codes, str(codes)


def test_checking_many_tokens_at_once_is_checking_each(issuer: Issuer, clock: Clock) -> None:
    tokens = _tokens(issuer, clock)
    texts: list[str | None] = [
        *tokens.values(),
        tokens["office"],
        None,
        "",
        "vic_nope",
        tokens["office"][:-1] + ("0" if tokens["office"][-1] != "0" else "1"),
        "vic_" + "0" * 80,
    ]
    for moment in (0, 2):  # before and after the expiring token expires
        clock.advance(hours=moment)
        expected: list[Any] = []
        for text in texts:
            try:
                expected.append(authenticate(issuer, text))
            except AuthenticationError as exc:
                expected.append((exc.code, str(exc)))
        got = [
            (one.code, str(one)) if isinstance(one, AuthenticationError) else one
            for one in authenticate_all(issuer, texts)
        ]
        assert got == expected
        for read in (  # in the caller's transaction, as a bearer event's group reads them
            lambda session: read_actors(session, texts, clock),
            lambda session: actor_reader(issuer)(session, texts),  # type: ignore[arg-type]
        ):
            in_transaction = [
                (one.code, str(one)) if isinstance(one, AuthenticationError) else one
                for one in issuer.kernel.run(read)
            ]
            assert in_transaction == expected
    assert authenticate_all(issuer, []) == []
    malformed = authenticate_all(issuer, [None, "vic_nope"])  # no read at all
    assert [(type(e), e.code) for e in malformed] == [  # type: ignore[union-attr]
        (AuthenticationError, "TOKEN_MISSING"),
        (AuthenticationError, "TOKEN_INVALID"),
    ]


def test_a_revoked_token_fails_at_once_on_the_lean_path(
    tmp_path: Path, issuer: Issuer, clock: Clock, spied: list[tuple[bool, Any]]
) -> None:
    issuer.register_vehicle(ADMIN, registration(0))
    token, info = create_token(issuer, role=Scope.OFFICE, label="office")
    path = f"/vehicles/{make_vin(0)}/transfers"
    headers = {"Authorization": f"Bearer {token}"}
    with Client(create_app(issuer), base_url=BASE_URL) as client:
        ok = client.post(path, headers=headers, json={"newOwner": "a-1", "eventKey": "k1"})
        assert ok.status_code == 201
        revoke_token(issuer, info.token_id)  # this process
        refused = client.post(path, headers=headers, json={"newOwner": "a-2", "eventKey": "k2"})
        assert refused.status_code == 401
        assert refused.json()["code"] == "TOKEN_REVOKED"
        second, second_info = create_token(issuer, role=Scope.OFFICE, label="second")
        other = Issuer.open(issuer.config)  # another process on the same database
        try:
            revoke_token(other, second_info.token_id)
        finally:
            other.close()
        refused = client.post(
            path,
            headers={"Authorization": f"Bearer {second}"},
            json={"newOwner": "a-3", "eventKey": "k3"},
        )
        assert refused.json()["code"] == "TOKEN_REVOKED"
    assert [done for done, _key in spied] == [True, False, False]


def test_concurrent_requests_on_the_lean_path_each_get_their_own_mark(
    issuer: Issuer, spied: list[tuple[bool, Any]]
) -> None:
    for n in range(4):
        issuer.register_vehicle(ADMIN, registration(n))
    office, _ = create_token(issuer, role=Scope.OFFICE, label="office")
    headers = {"Authorization": f"Bearer {office}"}
    answers: dict[int, Any] = {}
    with Client(create_app(issuer), base_url=BASE_URL) as client:

        def send(n: int) -> None:
            token = headers if n % 3 else {"Authorization": "Bearer vic_nope"}
            answers[n] = client.post(
                f"/vehicles/{make_vin(n % 4)}/transfers",
                headers=token,
                json={"newOwner": f"acct-c{n}", "eventKey": f"c{n}"},
            )

        threads = [threading.Thread(target=send, args=(n,)) for n in range(24)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for n, response in answers.items():
        if n % 3:
            assert response.status_code == 201, response.text
            assert response.json()["vin"] == make_vin(n % 4)
        else:
            assert response.json()["code"] == "TOKEN_INVALID"
    assert len(answers) == 24
    current = {make_vin(n): issuer.current_mark(make_vin(n)) for n in range(4)}
    assert all(mark is not None for mark in current.values())
