"""The issuer's HTTP service (FastAPI): VC-API, domain routes, downloads, public documents.

``create_app(issuer)`` serves an open :class:`~vic.issuer.engine.Issuer`;
``create_app_from_config(config)`` opens one and closes it on shutdown; ``serve(config)`` runs
it with uvicorn, in one process or in ``workers`` (:mod:`vic.issuer.api.workers`).
docs/issuer-api.md describes the routes, tokens, scopes and errors.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Final

from vic.contexts.errors import UsageError
from vic.issuer.api.app import create_app, create_app_from_config
from vic.issuer.config import IssuerConfig
from vic.issuer.named import NamedIssuer, NamedIssuerSpec

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "create_app",
    "create_app_from_config",
    "is_loopback",
    "serve",
]

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8080


def serve(
    config: IssuerConfig,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    public_base_url: str | None = None,
    issue_with_status: bool = False,
    vc_api_key: str | None = None,
    unauthenticated_issue: bool = False,
    named_issuers: Sequence[NamedIssuerSpec] = (),
    workers: int = 1,
) -> None:
    """Run the service with uvicorn until interrupted (``vic serve issuer``).

    Loopback by default: put a TLS-terminating proxy in front for the https public base URL.
    With ``workers`` above 1, that many processes serve, each on a socket of its own
    (``SO_REUSEPORT``); the start-up steps (migrations, keys, pending marks) run once, before
    they start (:mod:`vic.issuer.api.workers`).

    :raises UsageError: ``UNAUTHENTICATED_NOT_LOOPBACK`` (``unauthenticated_issue`` on an
        address that is not loopback); ``INVALID_WORKERS`` (``workers`` below 1);
        ``CANNOT_LISTEN`` (``workers`` above 1 and the address is taken); see
        :func:`create_app`.
    """
    import uvicorn

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UsageError(
            f"workers must be a whole number of at least 1, not {workers!r}",
            code="INVALID_WORKERS",
        )
    if unauthenticated_issue:
        if not is_loopback(host):
            raise UsageError(
                f"--unauthenticated-issue serves only on a loopback address, not {host}",
                code="UNAUTHENTICATED_NOT_LOOPBACK",
            )
        print(
            "vic: WARNING: the VC-API issue and status routes need NO authentication "
            f"(--unauthenticated-issue): anyone who can reach {host}:{port} signs as the "
            "authority. For the W3C test suites on this machine only.",
            file=sys.stderr,
        )
    base = public_base_url or config.public_base_url

    def announce(named: Mapping[str, NamedIssuer]) -> None:
        for one in named.values():
            print(
                f"vic: issuer {one.name} ({one.cryptosuite}) {one.did} at "
                f"{base}/issuers/{one.name}/credentials/issue",
                file=sys.stderr,
            )

    settings: dict[str, Any] = {"proxy_headers": True, "forwarded_allow_ips": "127.0.0.1"}
    if workers > 1:
        from vic.issuer.api.workers import WorkerOptions, serve_workers

        options = WorkerOptions(
            config,
            public_base_url=public_base_url,
            issue_with_status=issue_with_status,
            vc_api_key=vc_api_key,
            unauthenticated_issue=unauthenticated_issue,
            named_issuers=tuple(named_issuers),
        )
        serve_workers(
            options,
            host=host,
            port=port,
            workers=workers,
            announce=announce,
            uvicorn_settings=settings,
        )
        return
    app = create_app_from_config(
        config,
        public_base_url=public_base_url,
        issue_with_status=issue_with_status,
        vc_api_key=vc_api_key,
        unauthenticated_issue=unauthenticated_issue,
        named_issuers=named_issuers,
    )
    announce(app.state.named_issuers)
    uvicorn.run(app, host=host, port=port, **settings)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
