"""The app factory of the verifier service."""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI

from vic.httpkit.apidocs import install_api_docs
from vic.httpkit.openapi import install_openapi
from vic.httpkit.problems import install_problem_handlers
from vic.verifier.service.bodies import BodiesByMediaType
from vic.verifier.service.challenges import ChallengeStore
from vic.verifier.service.hot import HotRoutes
from vic.verifier.service.models import QrTextRequest, VerificationProblem
from vic.verifier.service.page import page_router, static_files
from vic.verifier.service.routes import router
from vic.verifier.service.settings import VerifierSettings

__all__ = ["create_app"]

_TAGS: Final = [
    {"name": "VC-API", "description": "W3C VC-API (VCALM) verifier endpoints."},
    {"name": "QR", "description": "The QR code of a mark: its text, a photo, or a PDF."},
]

_DESCRIPTION: Final = """The verifier of China's electronic vehicle inspection marks (W3C
Verifiable Credentials 2.0). A credential that verifies answers 200 with the result; one that
does not answers 400 or 422 with an RFC 9457 problem document (`application/problem+json`) whose
`result` holds the whole verification result. Every other error is a problem document too, with
a VC 2.0 error type and vic's stable `code`. The page at `/` scans a mark with a phone."""


def create_app(settings: VerifierSettings, *, hot_paths: bool = True) -> FastAPI:
    """The verifier's HTTP service: VC-API, ``/qr/verify``, the page at ``/``, ``/docs``.

    ``hot_paths=False`` leaves out the lean path of the verify routes
    (:mod:`vic.verifier.service.hot`): every request then goes through FastAPI (the
    differential tests compare both).
    """
    app = FastAPI(
        title="vic verifier",
        version="1",
        description=_DESCRIPTION,
        openapi_tags=_TAGS,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.verifier_settings = settings
    app.state.challenges = ChallengeStore(
        settings.challenge_secret, settings.challenge_ttl, settings.clock
    )
    install_problem_handlers(app, service="the verifier")
    if hot_paths:
        app.add_middleware(HotRoutes, settings=settings)  # inside the body middleware
    app.add_middleware(
        BodiesByMediaType,
        max_json_bytes=settings.max_json_bytes,
        max_image_bytes=settings.max_image_bytes,
    )
    app.include_router(router)
    app.include_router(page_router)
    app.mount("/static", static_files(), name="static")
    install_api_docs(app, docs_url="/docs", openapi_url="/openapi.json")

    install_openapi(app, models=(VerificationProblem, QrTextRequest))
    return app
