"""One-time sign-in links for the owner page: an office hands one to an owner (printed, by SMS);
opening it signs the owner in.

:class:`OwnerLinksService` (over the kernel): ``create_link`` stores the SHA-256 of a random
code with the owner's account id and an expiry (:data:`LINK_LIFETIME`); the link is
``<base>/owner/#link=<code>`` (a URL fragment: browsers do not send it to servers or in
``Referer``). ``redeem_link`` uses the code once and returns an owner token
(:mod:`vic.issuer.tokens`) that lives :data:`SESSION_LIFETIME`. Unknown, used and expired codes are
all ``LINK_INVALID`` (401): a guesser learns nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session

from vic.contexts.errors import AuthenticationError, UsageError
from vic.issuer.domain import Actor, Role
from vic.issuer.kernel import Kernel
from vic.issuer.records import audit, require_role
from vic.issuer.repositories import owner_links as links_repo
from vic.issuer.tokens import Scope, TokenInfo, create_token

__all__ = ["LINK_LIFETIME", "SESSION_LIFETIME", "OwnerLinkInfo", "OwnerLinksService"]

LINK_LIFETIME: Final = timedelta(hours=24)
SESSION_LIFETIME: Final = timedelta(hours=8)
_ACCOUNT_MAX: Final = 128
_SIGN_IN: Final = Actor("owner-link", Role.SYSTEM)


@dataclass(frozen=True)
class OwnerLinkInfo:
    """A new link's code (shown once) and when it expires."""

    code: str
    account: str
    expires_at: datetime


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


class OwnerLinksService:
    """One-time sign-in links (see the module doc)."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def create_link(self, actor: Actor, account: str) -> OwnerLinkInfo:
        """A one-time sign-in link for ``account`` (offices and the system).

        :raises PermissionDeniedError: ``ROLE_NOT_ALLOWED``.
        :raises UsageError: ``INVALID_ACCOUNT``.
        """
        require_role(actor, Role.OFFICE, Role.SYSTEM)
        if (
            not isinstance(account, str)
            or not 0 < len(account) <= _ACCOUNT_MAX
            or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in account)
        ):
            raise UsageError("an account id is 1-128 printable characters", code="INVALID_ACCOUNT")
        code = secrets.token_urlsafe(32)

        def work(session: Session) -> datetime:
            now = self.kernel.now()
            expires = now + LINK_LIFETIME
            links_repo.add_link(
                session,
                code_digest=_digest(code),
                account=account,
                now=now,
                created_by=actor.id,
                expires_at=expires,
            )
            audit(session, actor, "owner_link.create", f"owner:{account}", now)
            return expires

        return OwnerLinkInfo(code, account, self.kernel.run(work))

    def redeem_link(self, code: str) -> tuple[str, TokenInfo]:
        """Use a link's code once: a new owner token (its text, shown once, and its info).

        :raises AuthenticationError: ``LINK_INVALID`` (unknown, used or expired).
        """
        if not isinstance(code, str) or not 20 <= len(code) <= 64:
            raise AuthenticationError("this sign-in link is not valid", code="LINK_INVALID")

        def work(session: Session) -> str | None:
            now = self.kernel.now()
            link = links_repo.link_for_update(session, _digest(code))
            if link is None or link.used_at is not None or link.expires_at <= now:
                return None
            link.used_at = now
            audit(session, _SIGN_IN, "owner_link.redeem", f"owner:{link.account_id}", now)
            return link.account_id

        account = self.kernel.run(work)
        if account is None:
            raise AuthenticationError(
                "this sign-in link is not valid (unknown, used or expired): ask the office for "
                "a new one",
                code="LINK_INVALID",
            )
        return create_token(
            self.kernel,
            role=Scope.OWNER,
            subject=account,
            expires=SESSION_LIFETIME,
            label="owner page sign-in (one-time link)",
        )
