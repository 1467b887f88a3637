"""Status index allocation and status bits in the database (docs/storage.md, "Status").

Two index spaces (:class:`~vic.issuer.domain.StatusSpace`): marks (terse entries; lists of 2^26,
at most 64, so the terse index ``list * 2^26 + position`` fits 32 bits) and generic VC-API
credentials (lists of 131,072). Each list has a row in ``status_list`` with an allocation counter.

**Allocation never hands out an index twice.** The n-th allocation in a list increments its
counter (``UPDATE ... SET allocated = allocated + 1 ... RETURNING``: a row lock on PostgreSQL, the
database lock on SQLite) and takes the position ``permute(n)``, a keyed bijection of
``[0, capacity)`` (a Feistel network with cycle walking, keyed by the list's random
``permutation_key``). Distinct counters give distinct positions by construction; the unique
constraint on (space, list, position) makes the database refuse a duplicate all the same.
Positions look random (group privacy: neighbours in issuance order are not neighbours in the list)
and every position of a list is used before the next list opens.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vic.contexts.errors import RefusedError, UsageError
from vic.issuer.db.models import StatusEntry, StatusList
from vic.issuer.db.prepared import Prepared, PreparedIn
from vic.issuer.domain import StatusSpace
from vic.issuer.repositories import bulk
from vic.vc.status import MIN_LIST_LENGTH, TERSE_LIST_LENGTH, StatusPurpose

__all__ = [
    "SPACES",
    "Allocation",
    "SpaceSpec",
    "allocate",
    "ensure_first_lists",
    "list_url",
    "permute",
    "set_bit",
    "set_bits",
]

FEISTEL_ROUNDS: Final = 8


@dataclass(frozen=True)
class SpaceSpec:
    """An index space: its list length and how many lists it may have."""

    space: StatusSpace
    capacity: int
    max_lists: int


SPACES: Final = {
    StatusSpace.MARK: SpaceSpec(StatusSpace.MARK, TERSE_LIST_LENGTH, 2**32 // TERSE_LIST_LENGTH),
    StatusSpace.VCAPI: SpaceSpec(StatusSpace.VCAPI, MIN_LIST_LENGTH, 2**31 - 1),
}

PURPOSES: Final = (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION)


def list_url(status_base: str, space: StatusSpace, purpose: StatusPurpose, list_index: int) -> str:
    """The URL of a status list: ``{base}/{purpose}/{n}`` or ``{base}/vcapi/{purpose}/{n}``."""
    if space is StatusSpace.MARK:
        return f"{status_base}/{purpose.value}/{list_index}"
    return f"{status_base}/vcapi/{purpose.value}/{list_index}"


def permute(sequence: int, *, key: bytes, capacity: int) -> int:
    """The position of the ``sequence``-th allocation: a keyed bijection of ``[0, capacity)``.

    A balanced Feistel network on the smallest even number of bits covering ``capacity``
    (8 rounds, BLAKE2b keyed with ``key`` as the round function), with cycle walking for
    capacities that are not a power of 4.

    :raises UsageError: ``sequence`` outside ``[0, capacity)``, or a capacity below 2.
    """
    if capacity < 2 or not 0 <= sequence < capacity:
        raise UsageError(f"sequence {sequence} is outside [0, {capacity})")
    bits = (capacity - 1).bit_length()
    bits += bits % 2
    half = bits // 2
    mask = (1 << half) - 1
    value = sequence
    while True:
        left, right = value >> half, value & mask
        for round_number in range(FEISTEL_ROUNDS):
            digest = hashlib.blake2b(
                right.to_bytes(8, "big") + bytes([round_number]), key=key, digest_size=8
            ).digest()
            left, right = right, left ^ (int.from_bytes(digest, "big") & mask)
        value = (left << half) | right
        if value < capacity:
            return value


def _insert_list(session: Session, spec: SpaceSpec, list_index: int, now: datetime) -> None:
    values = {
        "space": spec.space.value,
        "list_index": list_index,
        "capacity": spec.capacity,
        "allocated": 0,
        "permutation_key": os.urandom(16).hex(),
        "revocation_version": 0,
        "suspension_version": 0,
        "created_at": now,
    }
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(StatusList).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(StatusList).values(values).on_conflict_do_nothing())


def ensure_first_lists(session: Session, now: datetime) -> None:
    """Create list 0 of every space if it does not exist (so it can be published at once)."""
    for spec in SPACES.values():
        _insert_list(session, spec, 0, now)


@dataclass(frozen=True)
class Allocation:
    """An allocated status index: its entry row, list and position."""

    entry_id: int
    list_index: int
    position: int


_LISTS = StatusList.__table__
assert isinstance(_LISTS, Table)
_TAKE_BLOCK: Final = Prepared(
    update(_LISTS)
    .where(
        _LISTS.c.id
        == select(_LISTS.c.id)
        .where(_LISTS.c.space == bindparam("list_space"), _LISTS.c.allocated < _LISTS.c.capacity)
        .order_by(_LISTS.c.list_index)
        .limit(1)
        .scalar_subquery(),
        _LISTS.c.allocated + bindparam("block") <= _LISTS.c.capacity,
    )
    .values(allocated=_LISTS.c.allocated + bindparam("block"))
    .returning(_LISTS.c.allocated, _LISTS.c.list_index, _LISTS.c.permutation_key)
)
"""A block of the first open list's counter, if that list has room for all of it."""


def allocate(
    session: Session, space: StatusSpace, now: datetime, count: int = 1
) -> list[Allocation]:
    """Allocate the next ``count`` status indexes of ``space`` in the caller's transaction.

    One ``UPDATE ... RETURNING`` per list touched takes a block of the list's counter; the
    positions are the counter values permuted; the entries are inserted in one statement.

    :raises RefusedError: ``STATUS_SPACE_EXHAUSTED`` when every list of the space is full.
    """
    spec = SPACES[space]
    taken: list[tuple[int, int]] = []
    # The usual case in one statement: the first open list has room for the whole block.
    rows = _TAKE_BLOCK.all(session, {"list_space": space.value, "block": count})
    if rows:
        end, list_index, key = rows[0]
        secret = bytes.fromhex(key)
        taken.extend(
            (list_index, permute(sequence, key=secret, capacity=spec.capacity))
            for sequence in range(end - count, end)
        )
    while len(taken) < count:
        open_list = session.execute(
            select(StatusList.id, StatusList.capacity - StatusList.allocated)
            .where(StatusList.space == space.value, StatusList.allocated < StatusList.capacity)
            .order_by(StatusList.list_index)
            .limit(1)
        ).one_or_none()
        if open_list is None:
            last = session.execute(
                select(func.max(StatusList.list_index)).where(StatusList.space == space.value)
            ).scalar_one_or_none()
            following = 0 if last is None else last + 1
            if following >= spec.max_lists:
                raise RefusedError(
                    f"every status list of the {space.value} space is full",
                    code="STATUS_SPACE_EXHAUSTED",
                )
            _insert_list(session, spec, following, now)
            continue
        list_id, free = open_list
        block = min(count - len(taken), free)
        row = session.execute(
            update(StatusList)
            .where(StatusList.id == list_id, StatusList.allocated + block <= StatusList.capacity)
            .values(allocated=StatusList.allocated + block)
            .returning(StatusList.allocated, StatusList.list_index, StatusList.permutation_key)
        ).one_or_none()
        if row is None:  # another transaction took part of the list since the select
            continue
        end, list_index, key = row
        secret = bytes.fromhex(key)
        taken.extend(
            (list_index, permute(sequence, key=secret, capacity=spec.capacity))
            for sequence in range(end - block, end)
        )
    ids = bulk.insert_rows_returning_ids(
        session,
        StatusEntry,
        [
            {
                "space": space.value,
                "list_index": list_index,
                "position": position,
                "revoked": False,
                "suspended": False,
                "created_at": now,
            }
            for list_index, position in taken
        ],
        key=("space", "list_index", "position"),
    )
    return [
        Allocation(entry_id, list_index, position)
        for entry_id, (list_index, position) in zip(ids, taken, strict=True)
    ]


_ENTRIES = StatusEntry.__table__
assert isinstance(_ENTRIES, Table)
_SET_BITS: Final = {
    revocation: PreparedIn(
        lambda ids, column=column: (
            update(_ENTRIES)  # type: ignore[misc]
            .where(_ENTRIES.c.id.in_(ids), _ENTRIES.c[column] != bindparam("bit"))
            .values({column: bindparam("bit")})
            .returning(_ENTRIES.c.space, _ENTRIES.c.list_index)
        ),
        "ids",
    )
    for revocation, column in ((True, "revoked"), (False, "suspended"))
}
"""By purpose (revocation or not): set a bit of entries, the lists of those it changed."""
_BUMP_VERSION: Final = {
    revocation: Prepared(
        update(_LISTS)
        .where(
            _LISTS.c.space == bindparam("list_space"),
            _LISTS.c.list_index == bindparam("list_number"),
        )
        .values({column: _LISTS.c[column] + 1})
    )
    for revocation, column in ((True, "revocation_version"), (False, "suspension_version"))
}


def set_bits(
    session: Session, entry_ids: Iterable[int], purpose: StatusPurpose, value: bool
) -> int:
    """Set (or clear) a status bit of several entries; bump the version of each list touched,
    in the caller's transaction. Returns how many bits changed."""
    if purpose not in PURPOSES:
        raise UsageError(f"the issuer keeps revocation and suspension bits, not {purpose.value}")
    ids = sorted(set(entry_ids))
    if not ids:
        return 0
    revocation = purpose is StatusPurpose.REVOCATION
    changed = [tuple(row) for row in _SET_BITS[revocation].named(session, ids, {"bit": value})]
    for space, list_index in sorted(set(changed)):
        _BUMP_VERSION[revocation].all(session, {"list_space": space, "list_number": list_index})
    return len(changed)


def set_bit(session: Session, entry_id: int, purpose: StatusPurpose, value: bool) -> bool:
    """Set one status bit; whether it changed."""
    return set_bits(session, [entry_id], purpose, value) > 0
