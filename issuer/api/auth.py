"""Bearer-token authentication and scope checks, as FastAPI security dependencies.

A route that needs a token declares the scopes it accepts::

    actor: Annotated[Actor, Security(authorized, scopes=["office"])]

``admin`` tokens pass every scope check. The accepted scopes appear in the OpenAPI document as
the operation's security requirement (``{"bearerToken": ["office"]}``), which is also where the
tests read them from. A missing, unknown, expired or revoked token is a 401 problem; a valid
token without the scope is a 403 (``INSUFFICIENT_SCOPE``). Authentication runs before the request
body is validated, so an unauthenticated caller learns nothing about the body's rules.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Final

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from vic.contexts.errors import PermissionDeniedError
from vic.issuer.domain import Actor, Role
from vic.issuer.engine import Issuer
from vic.issuer.tokens import AuthenticationError, Scope, authenticate

__all__ = [
    "API_KEY_ACTOR",
    "BEARER_SCHEME",
    "MIN_API_KEY_CHARS",
    "UNAUTHENTICATED_ACTOR",
    "api_key_digest",
    "authorized",
    "bearer",
    "get_issuer",
    "vc_api_authorized",
]

MIN_API_KEY_CHARS: Final = 32
"""The shortest static VC-API key accepted (``vic serve issuer --api-key-file``)."""
API_KEY_ACTOR: Final = Actor("vc-api-key", Role.OFFICE)
"""Who acts when a request presents the instance's static VC-API key (in the audit log)."""
UNAUTHENTICATED_ACTOR: Final = Actor("vc-api-unauthenticated", Role.OFFICE)
"""Who acts on the VC-API of an issuer started with ``--unauthenticated-issue`` (loopback)."""

BEARER_SCHEME: Final = "bearerToken"

bearer = HTTPBearer(
    scheme_name=BEARER_SCHEME,
    bearerFormat="vic_<80 hex digits>",
    description=(
        "A vic token (`vic issuer token create` or `POST /tokens`), sent as "
        "`Authorization: Bearer vic_...`. Its scope is station, office, owner or admin; the "
        "scopes an operation accepts are listed in its security requirement (admin passes all)."
    ),
    auto_error=False,
)


def get_issuer(request: Request) -> Issuer:
    """The issuer the app serves."""
    issuer: Issuer = request.app.state.issuer
    return issuer


def authorized(
    security_scopes: SecurityScopes,
    issuer: Annotated[Issuer, Depends(get_issuer)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """The actor of the request's bearer token, if its scope is one the route accepts.

    :raises AuthenticationError: 401 (``TOKEN_MISSING``, ``TOKEN_INVALID``, ``TOKEN_EXPIRED``,
        ``TOKEN_REVOKED``).
    :raises PermissionDeniedError: 403 ``INSUFFICIENT_SCOPE``.
    """
    if credentials is None:
        raise AuthenticationError(
            "this operation needs a bearer token (Authorization: Bearer vic_...)",
            code="TOKEN_MISSING",
        )
    actor = authenticate(issuer, credentials.credentials)
    accepted = {Scope(s) for s in security_scopes.scopes}
    if actor.role is Role.ADMIN or any(actor.role.value == s.value for s in accepted):
        return actor
    raise PermissionDeniedError(
        f"a {actor.role.value} token may not do this; it needs one of: "
        f"{', '.join(sorted(s.value for s in accepted | {Scope.ADMIN}))}",
        code="INSUFFICIENT_SCOPE",
    )


def api_key_digest(key: str) -> bytes:
    """The SHA-256 digest kept in place of a static VC-API key.

    :raises UsageError: a key shorter than :data:`MIN_API_KEY_CHARS` or with spaces/controls.
    """
    from vic.contexts.errors import UsageError

    if len(key) < MIN_API_KEY_CHARS or any(c.isspace() or ord(c) < 0x20 for c in key):
        raise UsageError(
            f"the VC-API key must be at least {MIN_API_KEY_CHARS} characters without spaces",
            code="WEAK_API_KEY",
        )
    return hashlib.sha256(key.encode("utf-8")).digest()


def vc_api_authorized(
    security_scopes: SecurityScopes,
    request: Request,
    issuer: Annotated[Issuer, Depends(get_issuer)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """The actor of a VC-API call: a vic token as :func:`authorized`, or the instance's ways in.

    An app created with ``vc_api_key_digest`` also accepts that static key as the bearer token
    (as :data:`API_KEY_ACTOR`); one created with ``unauthenticated_issue`` (only ever served on
    loopback) lets every VC-API call in as :data:`UNAUTHENTICATED_ACTOR`. Neither opens any other
    route.
    """
    settings = request.app.state.settings
    if settings.unauthenticated_issue:
        return UNAUTHENTICATED_ACTOR
    digest = settings.vc_api_key_digest
    if digest is not None and credentials is not None:
        given = hashlib.sha256(credentials.credentials.encode("utf-8")).digest()
        if hmac.compare_digest(given, digest):
            return API_KEY_ACTOR
    return authorized(security_scopes, issuer, credentials)
