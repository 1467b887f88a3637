"""OpenID4VCI and OAuth 2.0 errors: the ``error`` code the protocol names, and vic's stable code.

The token endpoint answers RFC 6749 §5.2 errors (``invalid_request``, ``invalid_grant``,
``unsupported_grant_type``...), the credential endpoint OpenID4VCI 1.0 §8.3.1.2 errors
(``invalid_credential_request``, ``unknown_credential_configuration``, ``invalid_proof``,
``invalid_nonce``, ``credential_request_denied``) and RFC 6750 ``invalid_token`` (401). The
body is ``{"error", "error_description", "code"}``: ``code`` is vic's stable code
(docs/errors.md) for the same failure, finer than the protocol's.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

from vic.contexts.errors import DomainError

__all__ = ["OAUTH_ERRORS", "OAuthError"]

OAUTH_ERRORS: Final = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unsupported_grant_type",
        "invalid_token",
        "invalid_credential_request",
        "unknown_credential_configuration",
        "unknown_credential_identifier",
        "invalid_proof",
        "invalid_nonce",
        "credential_request_denied",
        "invalid_notification_id",
        "invalid_notification_request",
    }
)
"""The protocol error codes vic answers with."""


class OAuthError(DomainError):
    """A refused OpenID4VCI / OAuth request.

    :param error: the protocol's ``error`` code (one of :data:`OAUTH_ERRORS`).
    :param status: the HTTP status (400, or 401 for ``invalid_token``).
    """

    default_code: ClassVar[str] = "OID4VCI_ERROR"

    def __init__(
        self, error: str, message: str, *, code: str, status: int = 400, **detail: Any
    ) -> None:
        if error not in OAUTH_ERRORS:
            raise ValueError(f"not an OAuth/OpenID4VCI error code: {error!r}")
        super().__init__(message, code=code, **detail)
        self.error = error
        self.status = status

    def to_oauth(self) -> dict[str, str]:
        """The error response body."""
        return {"error": self.error, "error_description": self.message, "code": self.code}
