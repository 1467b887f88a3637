"""Publishing status lists: build the bitstring from the database, sign it, cache it.

A published list is a signed ``BitstringStatusListCredential`` with ``validUntil`` (now +
``status_list_validity``) and ``ttl`` (``status_list_ttl``), served with a strong ETag (a hash of
the exact bytes) and ``Cache-Control: public, max-age=<ttl>``.

The signed list is reused until a bit of its purpose changes (each change bumps the list's
version in the same transaction as the bit) or half of its validity has passed. The reusable copy
is kept in memory and in ``status_publication``, so several processes (or a restart) share it.
The version and the bits are read in one snapshot (REPEATABLE READ on PostgreSQL, a read
transaction on SQLite), so a list never carries a version newer than its bits.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vic.contexts.errors import RecordNotFoundError
from vic.issuer.db.engine import Database
from vic.issuer.db.models import StatusList, StatusPublication
from vic.issuer.domain import PublishedStatusList, StatusSpace
from vic.issuer.listbits import read_list_bits
from vic.issuer.records import Context, dumps
from vic.issuer.repositories.keys import current_key
from vic.issuer.status import PURPOSES, list_url
from vic.vc.status import Bitstring, StatusPurpose, build_status_list_credential

__all__ = ["StatusPublisher"]

Sign = Callable[[dict[str, Any], int], dict[str, Any]]
"""Sign a document with the key of the given row id (the engine's signing function)."""


@dataclass(frozen=True)
class _Cached:
    published: PublishedStatusList
    refresh_at: datetime


@dataclass(frozen=True)
class _Bits:
    version: int
    capacity: int
    raw: bytearray
    key_id: int


class StatusPublisher:
    """Builds, signs and caches the issuer's status lists."""

    def __init__(self, database: Database, ctx: Context, sign: Sign) -> None:
        self._database = database
        self._ctx = ctx
        self._sign = sign
        self._cache: dict[tuple[str, str, int], _Cached] = {}
        self._lock = threading.Lock()

    def publish(
        self, purpose: StatusPurpose, list_index: int, space: StatusSpace
    ) -> PublishedStatusList:
        """The signed list, from the cache when its bits have not changed.

        :raises RecordNotFoundError: ``STATUS_LIST_NOT_FOUND`` (a purpose other than revocation
            and suspension, or a list that was never opened).
        """
        purpose = StatusPurpose(purpose)
        space = StatusSpace(space)
        if purpose not in PURPOSES or isinstance(list_index, bool) or list_index < 0:
            raise RecordNotFoundError(
                f"there is no {purpose.value} list {list_index}", code="STATUS_LIST_NOT_FOUND"
            )
        key = (space.value, purpose.value, list_index)
        now = self._ctx.now()

        def read(session: Session) -> PublishedStatusList | _Bits:
            row = session.execute(
                select(StatusList).where(
                    StatusList.space == space.value, StatusList.list_index == list_index
                )
            ).scalar_one_or_none()
            if row is None:
                raise RecordNotFoundError(
                    f"status list {space.value}/{purpose.value}/{list_index} does not exist",
                    code="STATUS_LIST_NOT_FOUND",
                )
            version = (
                row.revocation_version
                if purpose is StatusPurpose.REVOCATION
                else row.suspension_version
            )
            with self._lock:
                cached = self._cache.get(key)
            if (
                cached is not None
                and cached.published.version == version
                and now < cached.refresh_at
            ):
                return cached.published
            stored = session.execute(
                select(StatusPublication).where(
                    StatusPublication.space == space.value,
                    StatusPublication.purpose == purpose.value,
                    StatusPublication.list_index == list_index,
                )
            ).scalar_one_or_none()
            if stored is not None and stored.version == version:
                refresh_at = self._refresh_at(stored.valid_until)
                if now < refresh_at:
                    published = self._from_body(stored.body, version, stored.etag)
                    with self._lock:
                        self._cache[key] = _Cached(published, refresh_at)
                    return published
            raw = read_list_bits(session, space, list_index, purpose, row.capacity)
            return _Bits(version, row.capacity, raw, current_key(session).id)

        result = self._database.run(read, readonly=True)
        if isinstance(result, PublishedStatusList):
            return result
        published = self._build(purpose, list_index, space, result, now)
        self._store(space, purpose, list_index, published, result.key_id, now)
        with self._lock:
            self._cache[key] = _Cached(published, self._refresh_at(published.valid_until))
        return published

    def _refresh_at(self, valid_until: datetime) -> datetime:
        return valid_until - self._ctx.config.status_list_validity / 2

    def _build(
        self,
        purpose: StatusPurpose,
        list_index: int,
        space: StatusSpace,
        bits: _Bits,
        now: datetime,
    ) -> PublishedStatusList:
        config = self._ctx.config
        bitstring = Bitstring.from_bytes(bits.raw, minimum=bits.capacity)
        now = now.replace(microsecond=0)
        unsigned = build_status_list_credential(
            id=list_url(self._ctx.status_base, space, purpose, list_index),
            issuer=self._ctx.did,
            purpose=purpose,
            bitstring=bitstring,
            valid_from=now,
            valid_until=now + config.status_list_validity,
            ttl_ms=int(config.status_list_ttl.total_seconds() * 1000),
        )
        signed = self._sign(unsigned, bits.key_id)
        body = dumps(signed)
        return self._from_body(body, bits.version, _etag(body))

    def _from_body(self, body: str, version: int, etag: str) -> PublishedStatusList:
        credential = json.loads(body)
        valid_until = datetime.fromisoformat(credential["validUntil"].replace("Z", "+00:00"))
        return PublishedStatusList(
            url=credential["id"],
            credential=credential,
            body=body.encode("utf-8"),
            etag=etag,
            max_age=int(self._ctx.config.status_list_ttl.total_seconds()),
            valid_until=valid_until,
            version=version,
        )

    def _store(
        self,
        space: StatusSpace,
        purpose: StatusPurpose,
        list_index: int,
        published: PublishedStatusList,
        key_id: int,
        now: datetime,
    ) -> None:
        values = {
            "space": space.value,
            "purpose": purpose.value,
            "list_index": list_index,
            "version": published.version,
            "signing_key_id": key_id,
            "valid_until": published.valid_until,
            "etag": published.etag,
            "body": published.body.decode("utf-8"),
            "created_at": now,
        }
        update = {k: v for k, v in values.items() if k not in ("space", "purpose", "list_index")}
        index = ["space", "purpose", "list_index"]
        newer = StatusPublication.version <= published.version

        def store(session: Session) -> None:
            if session.get_bind().dialect.name == "postgresql":
                pg = postgresql.insert(StatusPublication).values(values)
                session.execute(
                    pg.on_conflict_do_update(index_elements=index, set_=update, where=newer)
                )
            else:
                lite = sqlite.insert(StatusPublication).values(values)
                session.execute(
                    lite.on_conflict_do_update(index_elements=index, set_=update, where=newer)
                )

        self._database.run(store)

    def forget(self) -> None:
        """Drop the in-memory copies (the stored ones stay)."""
        with self._lock:
            self._cache.clear()


def _etag(body: str) -> str:
    return '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:40] + '"'
