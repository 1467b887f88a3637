"""What the routes receive: the service's settings, its challenges, and a JSON-only guard."""

from __future__ import annotations

from fastapi import Request

from vic.contexts.errors import UnsupportedMediaTypeError
from vic.httpkit.bodies import is_json_media_type
from vic.verifier.service.challenges import ChallengeStore
from vic.verifier.service.settings import VerifierSettings

__all__ = ["challenges_of", "json_only", "settings_of"]


async def settings_of(request: Request) -> VerifierSettings:
    """The settings the app was created with."""
    settings: VerifierSettings = request.app.state.verifier_settings
    return settings


async def challenges_of(request: Request) -> ChallengeStore:
    """The app's challenge store."""
    store: ChallengeStore = request.app.state.challenges
    return store


async def json_only(request: Request) -> None:
    """Refuse a body that is not JSON on a JSON route.

    :raises UnsupportedMediaTypeError: (415) e.g. ``text/plain`` sent to a VC-API route.
    """
    content_type = request.headers.get("content-type")
    if not is_json_media_type(content_type):
        raise UnsupportedMediaTypeError(
            f"this route reads application/json, not {content_type!r}",
        )
