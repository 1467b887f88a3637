"""Monitoring: liveness (``/healthz``), readiness (``/readyz``) and Prometheus metrics
(``/metrics``, admin token), and the middleware that counts requests for them."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vic.httpkit.bodies import StrictJsonRoute
from vic.httpkit.problems import PROBLEM_MEDIA_TYPE, error_responses
from vic.issuer.api.deps import AdminActor, IssuerDep
from vic.issuer.monitoring import (
    PROMETHEUS_CONTENT_TYPE,
    RequestCounters,
    prometheus_text,
    readiness,
    stored_figures,
)

__all__ = ["CountRequests", "RecordRoute", "router"]

router = APIRouter(route_class=StrictJsonRoute, tags=["Monitoring"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    """Always ``{"status": "ok"}`` while the process serves requests."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: database, signing key and status lists",
    responses={503: {"description": "Not ready: the failing checks are named."}},
)
def readyz(issuer: IssuerDep) -> JSONResponse:
    """200 when the database answers, a signing key is usable and no published status list has
    expired; 503 otherwise (a load balancer takes the worker out)."""
    result = readiness(issuer)
    body = {"status": "ready" if result.ready else "not ready", "checks": dict(result.checks)}
    return JSONResponse(body, status_code=200 if result.ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics (admin token)",
    response_class=Response,
    responses={200: {"content": {PROMETHEUS_CONTENT_TYPE: {}}}, **error_responses(401, 403)},
)
def metrics(request: Request, issuer: IssuerDep, _actor: AdminActor) -> Response:
    """Issuance, revocation and status-list figures from the database, and this process's
    request and error counters, in the Prometheus text format."""
    counters: RequestCounters | None = getattr(request.app.state, "request_counters", None)
    return Response(
        prometheus_text(stored_figures(issuer), counters), media_type=PROMETHEUS_CONTENT_TYPE
    )


_ROUTE_KEY = "vic.route"


class RecordRoute:
    """ASGI middleware, innermost: after the router has matched, it notes the route's path
    template (``/vehicles/{vin}``) where :class:`CountRequests` (outermost) finds it, even when a
    middleware between them handed the router a copy of the request scope."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            holder = scope.get(_ROUTE_KEY)
            route = scope.get("route")
            if isinstance(holder, dict) and route is not None:
                holder["path"] = getattr(route, "path", None)


class CountRequests:
    """ASGI middleware: counts each answered request by method, route template and status, and
    each problem response by its stable ``code``."""

    def __init__(self, app: ASGIApp, counters: RequestCounters) -> None:
        self.app = app
        self.counters = counters

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = {"status": 500, "problem": False, "body": b""}
        route: dict[str, Any] = {}
        scope[_ROUTE_KEY] = route  # copies of the scope share this dict: RecordRoute fills it

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                headers = dict(message.get("headers", []))
                state["problem"] = headers.get(b"content-type", b"").startswith(
                    PROBLEM_MEDIA_TYPE.encode()
                )
            elif message["type"] == "http.response.body" and state["problem"]:
                state["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            template = str(route.get("path") or "unmatched")  # bounded: templates, not paths
            code = None
            if state["problem"]:
                try:
                    code = str(json.loads(state["body"]).get("code") or "UNKNOWN")
                except (ValueError, AttributeError):
                    code = "UNKNOWN"
            self.counters.count(scope["method"], template, state["status"], code)
