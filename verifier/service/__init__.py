"""The verifier's HTTP service (FastAPI): VC-API verify, QR verify, and the page that scans.

Imported only by ``vic serve verifier`` and by embedders who want the service: never by
:mod:`vic.verifier` itself, which stays light. ``create_app(settings)`` builds the app around
injected :class:`VerifierSettings` (trust list, status source, resolver, clock, limits);
``serve(...)`` runs it with uvicorn. docs/verifier-service.md describes the routes.
"""

from __future__ import annotations

from vic.verifier.service.app import create_app
from vic.verifier.service.run import ServeOptions, app_from_environment, serve
from vic.verifier.service.settings import AnyIssuer, VerifierSettings

__all__ = [
    "AnyIssuer",
    "ServeOptions",
    "VerifierSettings",
    "app_from_environment",
    "create_app",
    "serve",
]
