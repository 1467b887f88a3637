"""Bearer tokens of the issuer's HTTP service: created, stored hashed, checked, revoked.

A token is ``vic_`` followed by 80 lowercase hex digits: 16 for its **token id** (public: it
names the token in the audit log, in listings and in revocations) and 64 for its **secret**
(256 random bits). The database keeps only the SHA-256 of the whole token text; the token itself
is shown once, when it is created. Checking a token looks its row up by token id and compares
digests in constant time (:func:`hmac.compare_digest`).

Every token has a **scope** (:class:`Scope`), which is the role of the
:class:`~vic.issuer.domain.Actor` it authenticates as:

- ``station``: reports inspections, bound to one station code (``subject``);
- ``office``: registrations, transfers, changes, cancellations, suspensions, filings, VC-API;
- ``owner``: bound to one owner account id (``subject``): that owner's own and filed vehicles;
- ``admin``: everything, including stations, keys and tokens.

Tokens may expire (``expires``) and may be revoked; neither is ever deleted. Creating and revoking
tokens is audited (``token.create``, ``token.revoke``) like every other write.

Every function takes where the tokens live: the issuer's :class:`~vic.issuer.kernel.Kernel` (its
database and clock), the :class:`~vic.issuer.engine.Issuer` facade (its kernel), or a bare
``Database`` (the system clock).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from vic.contexts.errors import (
    AuthenticationError,
    PermissionDeniedError,
    RecordNotFoundError,
    UsageError,
)
from vic.issuer.db.engine import Database
from vic.issuer.db.models import ApiToken, Station
from vic.issuer.domain import Actor, Role
from vic.issuer.engine import Issuer
from vic.issuer.kernel import SYSTEM_ACTOR, Kernel
from vic.issuer.records import audit
from vic.vc.dates import system_clock

__all__ = [
    "TOKEN_PREFIX",
    "AuthenticationError",
    "Scope",
    "TokenInfo",
    "TokenStore",
    "actor_for",
    "actor_reader",
    "authenticate",
    "authenticate_all",
    "create_token",
    "get_token",
    "list_tokens",
    "read_actors",
    "revoke_token",
]

TOKEN_PREFIX: Final = "vic_"
_ID_HEX: Final = 16
_SECRET_BYTES: Final = 32
_TOKEN_RE: Final = re.compile(
    rf"{TOKEN_PREFIX}([0-9a-f]{{{_ID_HEX}}})([0-9a-f]{{{_SECRET_BYTES * 2}}})"
)
_TOKEN_ID_RE: Final = re.compile(rf"[0-9a-f]{{{_ID_HEX}}}")
_LABEL_RE: Final = re.compile(r"[^\x00-\x1f\x7f]{1,200}")
_SUBJECT_RE: Final = re.compile(r"[^\s\x00-\x1f\x7f]{1,128}")
_DUMMY_DIGEST: Final = hashlib.sha256(b"vic: no such token").hexdigest()

TokenStore = Kernel | Issuer | Database
"""Where tokens live: an issuer's kernel (or the facade holding it), or its database."""


class Scope(StrEnum):
    """What a token may do: the role of the actor it authenticates as."""

    STATION = "station"
    OFFICE = "office"
    OWNER = "owner"
    ADMIN = "admin"


_ROLES: Final = {
    Scope.STATION: Role.STATION,
    Scope.OFFICE: Role.OFFICE,
    Scope.OWNER: Role.OWNER,
    Scope.ADMIN: Role.ADMIN,
}


@dataclass(frozen=True)
class TokenInfo:
    """A token as stored (never its secret)."""

    token_id: str
    scope: Scope
    subject: str | None
    label: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


def _where(issuer_or_db: TokenStore) -> tuple[Database, Callable[[], datetime]]:
    if isinstance(issuer_or_db, Issuer):
        issuer_or_db = issuer_or_db.kernel
    if isinstance(issuer_or_db, Kernel):
        return issuer_or_db.database, issuer_or_db.config.clock
    if isinstance(issuer_or_db, Database):
        return issuer_or_db, system_clock
    raise UsageError(
        "tokens live in an issuer's database (pass its Kernel, the Issuer or its Database)"
    )


def _now(clock: Callable[[], datetime]) -> datetime:
    return clock().astimezone(UTC)


def _digest(token_text: str) -> str:
    return hashlib.sha256(token_text.encode("ascii")).hexdigest()


_TOKEN_TABLE: Final = ApiToken.__table__
_TOKEN_COLUMNS: Final = tuple(
    _TOKEN_TABLE.c[name]
    for name in (
        "token_id",
        "digest",
        "role",
        "subject",
        "label",
        "created_at",
        "created_by",
        "expires_at",
        "revoked_at",
    )
)
_TOKEN_BY_ID: Final = select(*_TOKEN_COLUMNS).where(
    _TOKEN_TABLE.c.token_id == bindparam("token_id")
)
"""The lookup of every authenticated request: a Core statement built once (no ORM entity)."""
_TOKENS_BY_IDS: Final = select(*_TOKEN_COLUMNS).where(
    _TOKEN_TABLE.c.token_id.in_(bindparam("token_ids", expanding=True))
)
"""The lookup of the checks of concurrent requests (:func:`authenticate_all`)."""


def _info(row: ApiToken | Row[Any]) -> TokenInfo:
    return TokenInfo(
        token_id=row.token_id,
        scope=Scope(row.role),
        subject=row.subject,
        label=row.label,
        created_at=row.created_at,
        created_by=row.created_by,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def actor_for(info: TokenInfo) -> Actor:
    """The actor a token authenticates as: its id ``token:{token_id}``, its scope's role, and
    its station or owner account."""
    return Actor(
        f"token:{info.token_id}",
        _ROLES[info.scope],
        account=info.subject if info.scope is Scope.OWNER else None,
        station=info.subject if info.scope is Scope.STATION else None,
    )


def _expiry(expires: datetime | timedelta | None, now: datetime) -> datetime | None:
    if expires is None:
        return None
    if isinstance(expires, timedelta):
        if expires <= timedelta(0):
            raise UsageError("a token's lifetime must be positive", code="INVALID_EXPIRY")
        return now + expires
    if not isinstance(expires, datetime) or expires.tzinfo is None:
        raise UsageError("expires is an aware datetime or a timedelta", code="INVALID_EXPIRY")
    at = expires.astimezone(UTC)
    if at <= now:
        raise UsageError("the token would be expired already", code="INVALID_EXPIRY")
    return at


def create_token(
    issuer_or_db: TokenStore,
    *,
    role: Scope | str,
    subject: str | None = None,
    expires: datetime | timedelta | None = None,
    label: str,
    actor: Actor = SYSTEM_ACTOR,
) -> tuple[str, TokenInfo]:
    """Create a token; return its text (shown only now: it is not stored) and its info.

    :param role: the token's scope: ``station``, ``office``, ``owner`` or ``admin``.
    :param subject: the station code (``station``, required; the station must exist) or the
        owner's account id (``owner``, required); none for ``office`` and ``admin``.
    :param expires: when the token stops working: an aware datetime, or a lifetime from now.
    :param label: what the token is for (1-200 characters), e.g. "station 420100-01, lane 2".
    :param actor: who creates it, for the audit log (the command line by default).
    :raises UsageError: a bad scope, subject, label or expiry (``INVALID_TOKEN_REQUEST``,
        ``INVALID_EXPIRY``).
    :raises PermissionDeniedError: ``ROLE_NOT_ALLOWED`` (only admins and the system create
        tokens).
    :raises RecordNotFoundError: ``STATION_NOT_FOUND``.
    """
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise PermissionDeniedError("only administrators create tokens", code="ROLE_NOT_ALLOWED")
    try:
        scope = Scope(role)
    except ValueError:
        raise UsageError(
            f"a token's scope is one of {', '.join(s.value for s in Scope)}, not {role!r}",
            code="INVALID_TOKEN_REQUEST",
        ) from None
    if scope in (Scope.STATION, Scope.OWNER):
        if not isinstance(subject, str) or not _SUBJECT_RE.fullmatch(subject):
            raise UsageError(
                f"a {scope.value} token needs its "
                f"{'station code' if scope is Scope.STATION else 'owner account id'} as subject "
                "(1-128 printable characters without spaces)",
                code="INVALID_TOKEN_REQUEST",
            )
        if scope is Scope.STATION and len(subject) > 32:
            raise UsageError(
                "a station code has at most 32 characters", code="INVALID_TOKEN_REQUEST"
            )
    elif subject is not None:
        raise UsageError(
            f"a {scope.value} token is bound to no subject", code="INVALID_TOKEN_REQUEST"
        )
    if not isinstance(label, str) or not _LABEL_RE.fullmatch(label):
        raise UsageError(
            "a token's label has 1-200 characters and no control characters",
            code="INVALID_TOKEN_REQUEST",
        )
    database, clock = _where(issuer_or_db)
    now = _now(clock)
    expires_at = _expiry(expires, now)
    token_id = secrets.token_hex(_ID_HEX // 2)
    token_text = f"{TOKEN_PREFIX}{token_id}{secrets.token_hex(_SECRET_BYTES)}"

    def work(session: Session) -> TokenInfo:
        if (
            scope is Scope.STATION
            and session.execute(select(Station.id).where(Station.code == subject)).first() is None
        ):
            raise RecordNotFoundError(f"no station {subject}", code="STATION_NOT_FOUND")
        row = ApiToken(
            token_id=token_id,
            digest=_digest(token_text),
            role=scope.value,
            subject=subject,
            label=label,
            created_at=now,
            created_by=actor.id,
            expires_at=expires_at,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            actor,
            "token.create",
            f"token:{token_id}",
            now,
            scope=scope.value,
            subject=subject,
            label=label,
            expires=expires_at,
        )
        return _info(row)

    return token_text, database.run(work)


def _row(session: Session, token_id: str, *, lock: bool = False) -> ApiToken:
    if not isinstance(token_id, str) or not _TOKEN_ID_RE.fullmatch(token_id):
        raise RecordNotFoundError(f"no token {token_id!r}", code="TOKEN_NOT_FOUND")
    statement = select(ApiToken).where(ApiToken.token_id == token_id)
    if lock:
        statement = statement.with_for_update()
    row = session.execute(statement).scalar_one_or_none()
    if row is None:
        raise RecordNotFoundError(f"no token {token_id}", code="TOKEN_NOT_FOUND")
    return row


def revoke_token(
    issuer_or_db: TokenStore, token_id: str, *, actor: Actor = SYSTEM_ACTOR
) -> TokenInfo:
    """Revoke a token (from now on it authenticates nobody). Revoking again changes nothing.

    :raises RecordNotFoundError: ``TOKEN_NOT_FOUND``.
    :raises PermissionDeniedError: ``ROLE_NOT_ALLOWED``.
    """
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise PermissionDeniedError("only administrators revoke tokens", code="ROLE_NOT_ALLOWED")
    database, clock = _where(issuer_or_db)

    def work(session: Session) -> TokenInfo:
        row = _row(session, token_id, lock=True)
        if row.revoked_at is None:
            now = _now(clock)
            row.revoked_at = now
            audit(session, actor, "token.revoke", f"token:{row.token_id}", now)
        return _info(row)

    return database.run(work)


def get_token(issuer_or_db: TokenStore, token_id: str) -> TokenInfo:
    """A token's info by token id.

    :raises RecordNotFoundError: ``TOKEN_NOT_FOUND``.
    """
    database, _clock = _where(issuer_or_db)
    return database.run(lambda s: _info(_row(s, token_id)), readonly=True)


def list_tokens(issuer_or_db: TokenStore) -> list[TokenInfo]:
    """Every token, oldest first (revoked and expired ones too)."""
    database, _clock = _where(issuer_or_db)

    def work(session: Session) -> list[TokenInfo]:
        rows = session.execute(select(ApiToken).order_by(ApiToken.id)).scalars()
        return [_info(row) for row in rows]

    return database.run(work, readonly=True)


def authenticate(issuer_or_db: TokenStore, token_text: str | None) -> Actor:
    """The actor a bearer token authenticates as.

    :raises AuthenticationError: ``TOKEN_MISSING``, ``TOKEN_INVALID`` (malformed, unknown, or
        a wrong secret), ``TOKEN_EXPIRED``, ``TOKEN_REVOKED``.
    """
    token_id = _token_id(token_text)
    database, clock = _where(issuer_or_db)
    row = database.run(
        lambda session: session.execute(_TOKEN_BY_ID, {"token_id": token_id}).one_or_none(),
        readonly=True,
    )
    return _accept(str(token_text), row, clock)


def authenticate_all(
    issuer_or_db: TokenStore, token_texts: Sequence[str | None]
) -> list[Actor | AuthenticationError]:
    """:func:`authenticate` for each of several bearer tokens (concurrent requests' checks),
    their rows read in one transaction: the actor of each, or the error :func:`authenticate`
    raises for it. Nothing is remembered between calls: each reads the tokens as they are now."""
    database, clock = _where(issuer_or_db)
    if not any(_well_formed(text) for text in token_texts):
        return _check_all(token_texts, {}, clock)
    return database.run(lambda session: read_actors(session, token_texts, clock), readonly=True)


def actor_reader(
    issuer_or_db: TokenStore,
) -> Callable[[Session, Sequence[str]], list[Actor | AuthenticationError]]:
    """:func:`read_actors` with the issuer's clock: what a
    :class:`~vic.issuer.events.BearerEvent` reads its actor with, in its group's transaction."""
    _database, clock = _where(issuer_or_db)

    def read(session: Session, token_texts: Sequence[str]) -> list[Actor | AuthenticationError]:
        return read_actors(session, token_texts, clock)

    return read


def read_actors(
    session: Session, token_texts: Sequence[str | None], clock: Callable[[], datetime]
) -> list[Actor | AuthenticationError]:
    """:func:`authenticate_all` in the caller's transaction (``session``): the rows of the
    well-formed tokens in one statement, read now."""
    wanted = sorted({token_id for text in token_texts if (token_id := _well_formed(text))})
    rows: dict[str, Row[Any]] = {}
    if wanted:
        found = session.execute(_TOKENS_BY_IDS, {"token_ids": wanted})
        rows = {row.token_id: row for row in found}
    return _check_all(token_texts, rows, clock)


def _well_formed(token_text: str | None) -> str | None:
    """The token id of a well-formed token text, or None."""
    try:
        return _token_id(token_text)
    except AuthenticationError:
        return None


def _check_all(
    token_texts: Sequence[str | None], rows: dict[str, Row[Any]], clock: Callable[[], datetime]
) -> list[Actor | AuthenticationError]:
    """Each token's actor or its error, given the rows read of the well-formed ones."""
    checked: list[Actor | AuthenticationError] = []
    for text in token_texts:
        try:
            checked.append(_accept(str(text), rows.get(_token_id(text)), clock))
        except AuthenticationError as exc:
            checked.append(exc)
    return checked


def _token_id(token_text: str | None) -> str:
    """The token id of a well-formed token text.

    :raises AuthenticationError: ``TOKEN_MISSING``, ``TOKEN_INVALID`` (not a vic token).
    """
    if not token_text:
        raise AuthenticationError("a bearer token is required", code="TOKEN_MISSING")
    match = _TOKEN_RE.fullmatch(token_text) if isinstance(token_text, str) else None
    if match is None:
        raise AuthenticationError("the bearer token is not a vic token", code="TOKEN_INVALID")
    return match.group(1)


def _accept(token_text: str, row: Row[Any] | None, clock: Callable[[], datetime]) -> Actor:
    """The actor of a well-formed token whose row (None: unknown) was just read.

    :raises AuthenticationError: ``TOKEN_INVALID``, ``TOKEN_REVOKED``, ``TOKEN_EXPIRED``.
    """
    stored = row.digest if row is not None else _DUMMY_DIGEST
    if not hmac.compare_digest(stored, _digest(token_text)) or row is None:
        raise AuthenticationError("the bearer token is not known", code="TOKEN_INVALID")
    info = _info(row)
    if info.revoked_at is not None:
        raise AuthenticationError("the bearer token was revoked", code="TOKEN_REVOKED")
    if info.expires_at is not None and _now(clock) >= info.expires_at:
        raise AuthenticationError("the bearer token has expired", code="TOKEN_EXPIRED")
    return actor_for(info)
