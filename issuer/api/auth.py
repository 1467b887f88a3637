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

from typing import Annotated, Final

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from vic.contexts.errors import PermissionDeniedError
from vic.issuer.domain import Actor, Role
from vic.issuer.engine import Issuer
from vic.issuer.tokens import AuthenticationError, Scope, authenticate

__all__ = ["BEARER_SCHEME", "authorized", "bearer", "get_issuer"]

BEARER_SCHEME: Final = "bearerToken"

bearer = HTTPBearer(
    scheme_name=BEARER_SCHEME,
    bearerFormat="vic_<80 hex digits>",
    description=(
        "A vic token (`vic token create` or `POST /tokens`), sent as "
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
