"""The lean path of the single-event routes: ``POST /vehicles/{vin}/transfers``,
``POST /vehicles/{vin}/changes`` and ``POST /inspections``.

FastAPI stays the app: its routes, the OpenAPI document, validation and the exception handlers
are untouched. :class:`HotEvents` is pure ASGI middleware placed just inside the strict body
middleware (:class:`~vic.httpkit.bodies.StrictJsonBodies`, which has capped, checked and parsed
the body) and answers the requests an office mostly sends without FastAPI's per-request
machinery (routing, its dependencies each on a thread of their own, reading and validating the
body and the answer through its generic layers). The token checks and the transfers and changes
wait on the event loop for their group (:meth:`~vic.issuer.groupcommit.GroupCommit.submit_async`:
one thread hand-off per group, not per request); an inspection report takes one hand-off to a
worker thread for its token check and its report. It answers a request only when all of these
hold:

* ``POST`` to ``{prefix}/vehicles/{vin}/transfers``, ``.../changes`` or ``{prefix}/inspections``
  (no ``root_path``), the VIN of the path matching the route's pattern;
* a JSON body the strict middleware parsed (:data:`~vic.httpkit.bodies.PARSED_JSON_KEY`) that
  the route's model (:class:`TransferRequest`, :class:`VehicleChangeRequest`,
  :class:`InspectionRequest`) accepts;
* an ``Authorization`` header read as FastAPI's ``HTTPBearer`` reads it, whose token
  :func:`~vic.issuer.tokens.authenticate` accepts, of a role the route accepts (office, or
  station for inspections; admin passes every scope). The checks of concurrent requests are
  read together (:func:`~vic.issuer.tokens.authenticate_all`, one read transaction per
  :class:`~vic.issuer.groupcommit.GroupCommit` group): every request's token is read after the
  request arrived and nothing about a token is kept between groups, so a token revoked (by this
  process or another) fails every request that arrives after the revocation committed.

It then calls the engine as the route does and sends the bytes the route would (the
:class:`MarkOut` or :class:`InspectionOut` JSON, 201 or 200); a vic error the engine raises is
answered by :func:`~vic.httpkit.problems.problem_response`, as the app's handler answers it, and
anything else propagates to the app's last-resort handler, as from a route. Everything else —
no token, a refused token or scope, a body or VIN the route refuses, another media type — goes
on to the FastAPI app unchanged, which answers it as before (the token check is a read: checking
it again there changes nothing). tests/issuer/test_api_hot.py sends the same requests to an app
with and without the lean path and compares status, headers, body, the stored rows and the
request counters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import anyio.to_thread
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from vic.contexts.errors import VicError
from vic.httpkit.bodies import PARSED_JSON_KEY
from vic.httpkit.problems import problem_response
from vic.issuer.api import events
from vic.issuer.api.models import (
    VIN_PATTERN,
    InspectionRequest,
    TransferRequest,
    VehicleChangeRequest,
)
from vic.issuer.domain import Actor, Role
from vic.issuer.engine import Issuer
from vic.issuer.events import BearerEvent, Event, NotAuthorized
from vic.issuer.groupcommit import GroupCommit
from vic.issuer.tokens import AuthenticationError, actor_reader, authenticate_all

__all__ = ["HOT_ROUTES", "HotEvents"]

_VIN: Final = re.compile(VIN_PATTERN)
_ROUTE_KEY: Final = "vic.route"  # where CountRequests finds the route template (routes/ops.py)


_Answer = tuple[int, BaseModel]
"""The route's status and response model."""


def _transfer(issuer: Issuer, actor: Actor, vin: str | None, body: Any) -> _Answer:
    assert vin is not None
    return events.transfer(issuer, actor, vin, body)


def _change(issuer: Issuer, actor: Actor, vin: str | None, body: Any) -> _Answer:
    assert vin is not None
    return events.change(issuer, actor, vin, body)


def _inspection(issuer: Issuer, actor: Actor, _vin: str | None, body: Any) -> _Answer:
    return events.report_inspection(issuer, actor, body)


def _transfer_event(issuer: Issuer, actor: Actor, vin: str | None, body: Any) -> Event:
    assert vin is not None
    return events.transfer_event(issuer, actor, vin, body)


def _change_event(issuer: Issuer, actor: Actor, vin: str | None, body: Any) -> Event:
    assert vin is not None
    return events.change_event(issuer, actor, vin, body)


_Call = Callable[[Issuer, Actor, str | None, Any], _Answer]
_MakeEvent = Callable[[Issuer, Actor, str | None, Any], Event]


@dataclass(frozen=True)
class _Route:
    template: str
    """The route's path template under the prefix (what the request counters name)."""
    model: type[BaseModel]
    """The body's model."""
    roles: frozenset[Role]
    """The roles whose tokens the route accepts (admin passes every scope)."""
    call: _Call
    """What the route does with the actor, the VIN of the path and the body."""
    event: _MakeEvent | None = None
    """The engine's event of ``call``, run from the event loop (None: ``call`` on a thread)."""


_OFFICE: Final = frozenset({Role.OFFICE, Role.ADMIN})
HOT_ROUTES: Final[dict[str, _Route]] = {
    "transfers": _Route(
        "/vehicles/{vin}/transfers", TransferRequest, _OFFICE, _transfer, _transfer_event
    ),
    "changes": _Route(
        "/vehicles/{vin}/changes", VehicleChangeRequest, _OFFICE, _change, _change_event
    ),
    "inspections": _Route(
        "/inspections", InspectionRequest, frozenset({Role.STATION, Role.ADMIN}), _inspection
    ),
}
"""The routes with a lean path (``POST``): ``/vehicles/{vin}/transfers``, ``.../changes`` (an
office token) and ``/inspections`` (a station token), as the FastAPI routes in
:mod:`vic.issuer.api.routes.vehicles` declare them."""


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


async def _send(status: int, out: BaseModel, send: Send) -> None:
    """The route's answer, byte for byte: its response model's JSON with the route's status."""
    content = out.model_dump_json(by_alias=True).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
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
        self.prefix = prefix
        self.vehicles = f"{prefix}/vehicles/"
        self.inspections = f"{prefix}/inspections"
        self.tokens: GroupCommit[str, Actor] = GroupCommit(
            lambda texts: authenticate_all(issuer, texts)
        )
        """The token checks of concurrent inspection reports, read in one transaction per
        group."""
        self.actors = actor_reader(issuer)
        """How a transfer's or change's token is read in its event group (one reader for all:
        the group reads their tokens in one statement)."""

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
        path: str = scope["path"]
        vin: str | None = None
        if path == self.inspections:
            route = HOT_ROUTES["inspections"]
        elif path.startswith(self.vehicles):
            parts = path[len(self.vehicles) :].split("/")
            if len(parts) != 2 or parts[1] not in HOT_ROUTES or not _VIN.fullmatch(parts[0]):
                return False
            vin, route = parts[0], HOT_ROUTES[parts[1]]
        else:
            return False
        parsed = scope.get(PARSED_JSON_KEY)
        token = _bearer(scope)
        if parsed is None or token is None:
            return False
        try:
            body = route.model.model_validate(parsed)
        except ValidationError:
            return False  # the route answers 422 (after the token check) with FastAPI's errors
        issuer, tokens = self.issuer, self.tokens

        def run() -> _Answer | None:
            try:
                actor = tokens.submit(token)
            except AuthenticationError:
                return None  # the route answers 401 with the same error
            if actor.role not in route.roles:
                return None  # the route answers 403 INSUFFICIENT_SCOPE
            return route.call(issuer, actor, vin, body)

        holder = scope.get(_ROUTE_KEY)
        try:
            if route.event is None:
                answer = await anyio.to_thread.run_sync(run)
            else:
                answer = await self._issue(route, route.event, token, vin, body)
            if answer is None:
                return False
        except VicError as exc:
            self._record(holder, route)
            await problem_response(exc)(scope, receive, send)
            return True
        except BaseException:
            self._record(holder, route)  # as RecordRoute notes the route of a route that failed
            raise
        self._record(holder, route)
        await _send(*answer, send)
        return True

    async def _issue(
        self, route: _Route, make: _MakeEvent, token: str, vin: str | None, body: Any
    ) -> _Answer | None:
        """What ``run`` does, from the event loop, in one group: the token read in the event
        group's first transaction (:class:`~vic.issuer.events.BearerEvent`), then the event;
        None where the route answers (a refused token or scope)."""
        issuer = self.issuer

        def event(actor: Actor) -> Event | None:
            if actor.role not in route.roles:
                return None  # the route answers 403 INSUFFICIENT_SCOPE
            return make(issuer, actor, vin, body)

        try:
            mark = await issuer.issuance.issue_async(BearerEvent(token, self.actors, event))
        except NotAuthorized:
            return None  # the route answers 401 or 403 with the same error
        return events.issued(mark)

    def _record(self, holder: object, route: _Route) -> None:
        """Note the route's template for :class:`~vic.issuer.api.routes.ops.CountRequests`, as
        :class:`~vic.issuer.api.routes.ops.RecordRoute` does for the routes FastAPI answers."""
        if isinstance(holder, dict):
            holder["path"] = f"{self.prefix}{route.template}"
