"""The issuer's HTTP service (FastAPI): VC-API, domain routes, downloads, public documents.

``create_app(issuer)`` serves an open :class:`~issuer.engine.Issuer`;
``create_app_from_config(config)`` opens one and closes it on shutdown; ``serve(config)`` runs
it with uvicorn. docs/issuer-api.md describes the routes, tokens, scopes and errors.
"""

from __future__ import annotations

from typing import Final

from vic.issuer.api.app import create_app, create_app_from_config
from vic.issuer.config import IssuerConfig

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "create_app", "create_app_from_config", "serve"]

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8080


def serve(
    config: IssuerConfig,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    public_base_url: str | None = None,
    issue_with_status: bool = False,
) -> None:
    """Run the service with uvicorn until interrupted (``vic serve issuer``).

    Loopback by default: put a TLS-terminating proxy in front for the https public base URL.
    """
    import uvicorn

    app = create_app_from_config(
        config, public_base_url=public_base_url, issue_with_status=issue_with_status
    )
    uvicorn.run(app, host=host, port=port, proxy_headers=True, forwarded_allow_ips="127.0.0.1")
