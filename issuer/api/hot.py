"""The lean path of the single-event routes: ``POST /vehicles/{vin}/transfers`` and
``POST /vehicles/{vin}/changes``.

FastAPI stays the app: its routes, the OpenAPI document, validation and the exception handlers
are untouched. :class:`HotEvents` is pure ASGI middleware placed just inside the strict body
middleware (:class:`~vic.httpkit.bodies.StrictJsonBodies`, which has capped, checked and parsed
the body) and answers the requests an office mostly sends without FastAPI's per-request
machinery (routing, its dependencies each on a thread of their own, reading and validating the
body and the answer through its generic layers). It answers a request only when all of these
hold, in one hand-off to a worker thread:

* ``POST`` to ``{prefix}/vehicles/{vin}/transfers`` or ``.../changes`` (no ``root_path``), the
  VIN matching the route's pattern;
* a JSON body the strict middleware parsed (:data:`~vic.httpkit.bodies.PARSED_JSON_KEY`) that
  the route's model (:class:`TransferRequest`, :class:`VehicleChangeRequest`) accepts;
* an ``Authorization`` header read as FastAPI's ``HTTPBearer`` reads it, whose token
  :func:`~vic.issuer.tokens.authenticate` accepts, of the office or admin role. The checks of
  concurrent requests are read together (:func:`~vic.issuer.tokens.authenticate_all`, one read
  transaction per :class:`~vic.issuer.groupcommit.GroupCommit` group): every request's token is
  read after the request arrived, nothing about a token is kept between groups, so a token
  revoked (by this process or another) fails every request that arrives after the revocation
  committed.

It then calls the engine as the route does and sends the bytes the route would (the
:class:`MarkOut` JSON, 201 or 200); a vic error the engine raises is answered by
:func:`~vic.httpkit.problems.problem_response`, as the app's handler answers it, and anything else
propagates to the app's last-resort handler, as from a route. Everything else — no token, a
refused token or scope, a body or VIN the route refuses, another media type — goes on to the
FastAPI app unchanged, which answers it as before (the token check is a read: checking it again
there changes nothing). tests/issuer/test_api_hot.py sends the same requests to an app with and
without the lean path and compares status, headers, body and the stored rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

import anyio.to_thread
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from vic.contexts.errors import VicError
from vic.httpkit.bodies import PARSED_JSON_KEY
from vic.httpkit.problems import problem_response
from vic.issuer.api.models import VIN_PATTERN, TransferRequest, VehicleChangeRequest
from vic.issuer.api.responses import MarkOut
from vic.issuer.domain import Actor, IssuedMark, Role, VehicleChange
from vic.issuer.engine import Issuer
from vic.issuer.groupcommit import GroupCommit
from vic.issuer.tokens import AuthenticationError, authenticate_all

__all__ = ["HOT_EVENTS", "HotEvents"]

_VIN: Final = re.compile(VIN_PATTERN)
_ROUTE_KEY: Final = "vic.route"  # where CountRequests finds the route template (routes/ops.py)
_ACCEPTED_ROLES: Final = (Role.OFFICE, Role.ADMIN)  # the routes' scope: office (admin passes all)


def _transfer(issuer: Issuer, actor: Actor, vin: str, body: Any) -> IssuedMark:
    return issuer.transfer_vehicle(
        actor,
        vin,
        new_owner=body.new_owner,
        event_key=body.event_key,
        plate=body.plate,
        plate_type_code=body.plate_type_code,
    )


def _change(issuer: Issuer, actor: Actor, vin: str, body: Any) -> IssuedMark:
    change = VehicleChange(
        plate=body.plate,
        plate_type_code=body.plate_type_code,
        vehicle_type_code=body.vehicle_type_code,
        use_category=body.use_category,
        seats=body.seats,
        is_van=body.is_van,
    )
    return issuer.change_vehicle(actor, vin, change, event_key=body.event_key)


_Event = Callable[[Issuer, Actor, str, Any], IssuedMark]

HOT_EVENTS: Final[dict[str, tuple[type[BaseModel], _Event]]] = {
    "transfers": (TransferRequest, _transfer),
    "changes": (VehicleChangeRequest, _change),
}
"""The routes with a lean path (``POST /vehicles/{vin}/<name>``): the body's model and the call
the route makes."""


def _bearer(scope: Scope) -> str | None:
    """The bearer token as FastAPI's ``HTTPBearer`` reads it (the first ``Authorization``
    header), or None where it would find none."""
    name: bytes
    value: bytes
    for name, value in scope["headers"]:
        if name.lower() == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            credentials = credentials.strip()
            if scheme.lower() != "bearer" or not credentials:
                return None
            return credentials
    return None


async def _send_mark(mark: IssuedMark, send: Send) -> None:
    """The route's answer, byte for byte: its response model's JSON, 201 (issued now) or 200."""
    content = MarkOut.of(mark).model_dump_json(by_alias=True).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 201 if mark.issued_now else 200,
            "headers": [
                (b"content-length", str(len(content)).encode("latin-1")),
                (b"content-type", b"application/json"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


class HotEvents:
    """Answer the common requests of the single-event routes directly (see the module doc).

    :param issuer: the issuer the app serves.
    :param prefix: the path of the public base URL, under which the API's routes are.
    """

    def __init__(self, app: ASGIApp, *, issuer: Issuer, prefix: str) -> None:
        self.app = app
        self.issuer = issuer
        self.prefix = f"{prefix}/vehicles/"
        self.tokens: GroupCommit[str, Actor] = GroupCommit(
            lambda texts: authenticate_all(issuer, texts)
        )
        """The token checks of concurrent requests, read in one transaction per group."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and not scope.get("root_path")
            and scope["path"].startswith(self.prefix)
            and await self._answer(scope, receive, send)
        ):
            return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request and return True, or return False having sent and read nothing."""
        parts = scope["path"][len(self.prefix) :].split("/")
        if len(parts) != 2 or parts[1] not in HOT_EVENTS or not _VIN.fullmatch(parts[0]):
            return False
        vin, name = parts
        model, event = HOT_EVENTS[name]
        parsed = scope.get(PARSED_JSON_KEY)
        token = _bearer(scope)
        if parsed is None or token is None:
            return False
        try:
            body = model.model_validate(parsed)
        except ValidationError:
            return False  # the route answers 422 (after the token check) with FastAPI's errors
        issuer, tokens = self.issuer, self.tokens

        def run() -> IssuedMark | None:
            try:
                actor = tokens.submit(token)
            except AuthenticationError:
                return None  # the route answers 401 with the same error
            if actor.role not in _ACCEPTED_ROLES:
                return None  # the route answers 403 INSUFFICIENT_SCOPE
            return event(issuer, actor, vin, body)

        holder = scope.get(_ROUTE_KEY)
        try:
            mark = await anyio.to_thread.run_sync(run)
            if mark is None:
                return False
        except VicError as exc:
            self._record(holder, name)
            await problem_response(exc)(scope, receive, send)
            return True
        except BaseException:
            self._record(holder, name)  # as RecordRoute notes the route of a route that failed
            raise
        self._record(holder, name)
        await _send_mark(mark, send)
        return True

    def _record(self, holder: object, name: str) -> None:
        """Note the route's template for :class:`~vic.issuer.api.routes.ops.CountRequests`, as
        :class:`~vic.issuer.api.routes.ops.RecordRoute` does for the routes FastAPI answers."""
        if isinstance(holder, dict):
            holder["path"] = f"{self.prefix}{{vin}}/{name}"
