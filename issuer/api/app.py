"""The app factory: one :class:`~vic.issuer.engine.Issuer` behind a FastAPI app.

:func:`create_app` mounts the public documents at the paths of the URLs the issuer publishes
(the did:web document, the status lists, the contexts), and the authenticated API (VC-API,
domain, downloads, administration) under the path of the public base URL. Every error is an
RFC 9457 problem document (:mod:`vic.httpkit.problems`); request bodies are capped and read
once, strictly (:mod:`vic.httpkit.bodies`); the OpenAPI document describes every operation, its
security requirement (the scopes it accepts) and its problem responses.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Final
from urllib.parse import urlsplit

import anyio.to_thread
from fastapi import FastAPI, Request, Response

from vic.contexts.errors import UsageError
from vic.httpkit.apidocs import install_api_docs
from vic.httpkit.bodies import DEFAULT_MAX_BODY_BYTES, StrictJsonBodies
from vic.httpkit.head import HeadAsGet
from vic.httpkit.openapi import install_openapi
from vic.httpkit.problems import install_problem_handlers
from vic.issuer.api.auth import api_key_digest
from vic.issuer.api.deps import ApiSettings
from vic.issuer.api.hot import HotEvents
from vic.issuer.api.routes import (
    admin,
    marks,
    named,
    oid4vci,
    ops,
    owner,
    public,
    vcapi,
    vehicles,
)
from vic.issuer.config import IssuerConfig
from vic.issuer.engine import Issuer
from vic.issuer.monitoring import RequestCounters
from vic.issuer.named import NamedIssuer, NamedIssuerSpec, open_named_issuers
from vic.issuer.oid4vci.errors import OAuthError
from vic.issuer.services.oid4vci import Oid4vciService
from vic.issuer.vcjwt import vc_jwt_signer

_log = logging.getLogger("vic.issuer")

__all__ = [
    "AUTHORITY_NAME_EN_ENV",
    "AUTHORITY_NAME_ZH_ENV",
    "DEFAULT_AUTHORITY_NAME",
    "create_app",
    "create_app_from_config",
]

AUTHORITY_NAME_ZH_ENV: Final = "VIC_AUTHORITY_NAME_ZH"
AUTHORITY_NAME_EN_ENV: Final = "VIC_AUTHORITY_NAME_EN"
DEFAULT_AUTHORITY_NAME: Final = {"zh-CN": "公安交通管理部门", "en": "Traffic Administration"}
"""The printed mark's authority line when none is configured (set the real name in deployment)."""

_TAGS: Final = [
    {"name": "VC-API", "description": "W3C VC-API (VCALM) issuer endpoints."},
    {"name": "Vehicles", "description": "Registrations, transfers, changes, cancellations."},
    {"name": "Inspections", "description": "Stations report inspections; a pass issues a mark."},
    {"name": "Exemptions", "description": "Owners apply for the mark without inspection."},
    {"name": "Paper marks", "description": "A lost or damaged paper mark: an order, no new mark."},
    {"name": "Downloads", "description": "The current mark as JSON, QR text, PNG, SVG, PDF."},
    {"name": "Marks", "description": "A mark's status (public) and its suspension."},
    {"name": "Status lists", "description": "Signed Bitstring Status Lists, cacheable."},
    {"name": "Public documents", "description": "did:web document, contexts, registry, schema."},
    {"name": "Administration", "description": "Stations, keys, tokens, the audit log."},
    {
        "name": "OpenID4VCI",
        "description": "Wallets receive the mark: metadata, offers (pre-authorized code), "
        "token, nonce, credential. Errors here are OAuth error responses.",
    },
    {"name": "Monitoring", "description": "Liveness, readiness, Prometheus metrics."},
]

_DESCRIPTION: Final = """The issuer of China's electronic vehicle inspection marks as W3C
Verifiable Credentials 2.0. Writes need a bearer token whose scope (station, office, owner,
admin) the operation accepts; the public documents need none. Every error is an RFC 9457 problem
document (`application/problem+json`) with a VC 2.0 error type and vic's stable `code`."""


def _prefix(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


def _authority_name(name: Mapping[str, str] | None) -> dict[str, str]:
    if name is None:
        return {
            "zh-CN": os.environ.get(AUTHORITY_NAME_ZH_ENV) or DEFAULT_AUTHORITY_NAME["zh-CN"],
            "en": os.environ.get(AUTHORITY_NAME_EN_ENV) or DEFAULT_AUTHORITY_NAME["en"],
        }
    if not all(isinstance(name.get(tag), str) and name[tag] for tag in ("zh-CN", "en")):
        raise UsageError("authority_name needs a zh-CN and an en name")
    return dict(name)


def create_app(
    issuer: Issuer,
    *,
    public_base_url: str | None = None,
    authority_name: Mapping[str, str] | None = None,
    issue_with_status: bool = False,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    vc_api_key: str | None = None,
    unauthenticated_issue: bool = False,
    named_issuers: Mapping[str, NamedIssuer] | None = None,
    hot_paths: bool = True,
) -> FastAPI:
    """The issuer's HTTP service.

    :param issuer: the open issuer the app serves (the caller closes it).
    :param public_base_url: where this app is reached (default: the issuer's configured public
        base URL). Its path prefixes the API; the public documents keep the paths of the URLs
        the issuer publishes (did:web, status lists), which derive from the configuration.
    :param authority_name: the authority's display names (``zh-CN`` and ``en``) printed on the
        PDF mark; default from ``VIC_AUTHORITY_NAME_ZH`` / ``VIC_AUTHORITY_NAME_EN``, else
        :data:`DEFAULT_AUTHORITY_NAME`.
    :param issue_with_status: ``POST /credentials/issue`` adds BitstringStatusListEntry
        entries (revocation and suspension) to every VC 2.0 credential that has no status,
        without being asked.
    :param max_body_bytes: the largest request body accepted (413 beyond).
    :param vc_api_key: a static key the VC-API routes also accept as the bearer token (at least
        32 characters; only its digest is kept). Domain routes still need vic tokens.
    :param unauthenticated_issue: the VC-API routes need no authentication at all. For the W3C
        suites on loopback only: :func:`vic.issuer.api.serve` refuses it on any other address.
    :param named_issuers: VC-API issuers of their own (``/issuers/{name}/credentials/issue``),
        one per cryptosuite, opened by :func:`vic.issuer.named.open_named_issuers`.
    :param hot_paths: answer the common requests of the single-event routes on their lean path
        (:mod:`vic.issuer.api.hot`; the same answers); False leaves every request to FastAPI
        (the differential tests compare the two).
    :raises UsageError: a bad public base URL or authority name, a weak ``vc_api_key``.
    """
    base = public_base_url or issuer.config.public_base_url
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or base.endswith("/"):
        raise UsageError(
            f"public_base_url must be an http(s) URL without a trailing slash: {base!r}"
        )
    settings = ApiSettings(
        public_base_url=base,
        authority_name=_authority_name(authority_name),
        issue_with_status=issue_with_status,
        vc_api_key_digest=api_key_digest(vc_api_key) if vc_api_key is not None else None,
        unauthenticated_issue=unauthenticated_issue,
    )
    app = FastAPI(
        title="vic issuer",
        version="1",
        description=_DESCRIPTION,
        openapi_tags=_TAGS,
        openapi_url=f"{_prefix(base)}/openapi.json",
        docs_url=None,
        redoc_url=None,
        # Starlette builds its trailing-slash redirect from the request's Host header: a
        # request's Host would choose where the redirect sends a client. No redirect: a 404.
        redirect_slashes=False,
    )
    app.state.issuer = issuer
    app.state.settings = settings
    app.state.named_issuers = dict(named_issuers or {})
    app.state.oid4vci = Oid4vciService(
        issuer.kernel,
        issuer_id=base,
        authority_name=settings.authority_name,
        jwt_signer=vc_jwt_signer(issuer.kernel),
    )
    install_api_docs(app, docs_url=f"{_prefix(base)}/docs", openapi_url=app.openapi_url or "")
    install_problem_handlers(app, service="the issuer")

    async def on_oauth_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, OAuthError)
        return oid4vci.oauth_error_response(exc)

    app.add_exception_handler(OAuthError, on_oauth_error)
    app.add_middleware(ops.RecordRoute)  # innermost: sees the scope the router fills in
    if hot_paths:  # the lean path of the single-event routes, on the strictly parsed body
        app.add_middleware(HotEvents, issuer=issuer, prefix=_prefix(base))
    app.add_middleware(
        StrictJsonBodies,
        max_bytes=max_body_bytes,
        own_errors=frozenset(f"{_prefix(base)}{path}" for path in oid4vci.OWN_ERRORS),
    )
    app.state.request_counters = RequestCounters()
    app.add_middleware(ops.CountRequests, counters=app.state.request_counters)
    app.add_middleware(HeadAsGet)

    prefix = _prefix(base)
    app.include_router(public.did_router(issuer.did))
    app.include_router(public.status_router(issuer.status_base))
    app.include_router(public.context_router(), prefix=prefix)
    app.include_router(public.marks_router(), prefix=prefix)
    app.include_router(vcapi.router, prefix=prefix)
    app.include_router(named.router, prefix=prefix)
    app.include_router(vehicles.router, prefix=prefix)
    app.include_router(marks.router, prefix=prefix)
    app.include_router(admin.router, prefix=prefix)
    app.include_router(oid4vci.well_known_router(base))
    app.include_router(oid4vci.router, prefix=prefix)
    app.include_router(owner.router, prefix=prefix)
    app.include_router(ops.router, prefix=prefix)

    install_openapi(app)
    return app


def create_app_from_config(
    config: IssuerConfig,
    *,
    public_base_url: str | None = None,
    authority_name: Mapping[str, str] | None = None,
    issue_with_status: bool = False,
    vc_api_key: str | None = None,
    unauthenticated_issue: bool = False,
    named_issuers: Sequence[NamedIssuerSpec] = (),
    resume_pending: bool = True,
) -> FastAPI:
    """Open the issuer of ``config`` and serve it; the app closes it when it shuts down.

    ``named_issuers`` are opened from (or first created in) ``{data_dir}/keys/vc-api/``. With
    ``resume_pending`` the app finishes the marks a crash left pending when it starts (False in
    the workers of ``vic serve issuer --workers``: their supervisor did it once).

    :raises UsageError, InvalidKeyError: as :meth:`Issuer.open`.
    """
    issuer = Issuer.open(config)
    try:
        app = create_app(
            issuer,
            public_base_url=public_base_url,
            authority_name=authority_name,
            issue_with_status=issue_with_status,
            vc_api_key=vc_api_key,
            unauthenticated_issue=unauthenticated_issue,
            named_issuers=open_named_issuers(
                config.keys_dir, named_issuers, passphrase=config.passphrase()
            ),
        )
    except BaseException:
        issuer.close()
        raise

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            # marks a crash left pending (allocated, unsigned) are finished before serving:
            # otherwise their vehicles answer NO_CURRENT_MARK until a client retries
            resumed = (
                await anyio.to_thread.run_sync(issuer.resume_pending) if resume_pending else []
            )
            if resumed:
                _log.info("resumed %d pending mark(s) on start-up", len(resumed))
            yield
        finally:
            issuer.close()

    app.router.lifespan_context = lifespan
    return app
