"""A status list's bits, read from the database in bulk (for publishing; docs/storage.md).

Publishing a list needs the set positions of one purpose of one list: up to millions of rows.
Fetching them one row at a time and setting one bit per Python step took most of the time of
publishing a 2^26-entry list with a million bits set. :func:`read_list_bits` instead asks the
database for each range of :data:`CHUNK` positions as one text value (``group_concat`` on SQLite,
``string_agg`` on PostgreSQL, over the partial index of set bits), parses it into an integer array
in C (numpy, imported on first use) and sets the bits with one scatter and one pack per range.

The result is byte-identical to :func:`read_list_bits_general` (one row and one bit at a time,
the path for any other database), which tests/issuer/test_listbits.py checks on random, empty,
full and edge sets. A range whose parsed positions do not match the count the database gives in
the same statement, or fall outside the range, is read again by the general path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import ColumnElement, ColumnExpressionArgument, Text, cast, func, select
from sqlalchemy.orm import Session

from vic.contexts.errors import UsageError
from vic.issuer.db.models import StatusEntry
from vic.issuer.domain import StatusSpace
from vic.vc.status import StatusPurpose

if TYPE_CHECKING:
    import numpy as np

__all__ = ["CHUNK", "read_list_bits", "read_list_bits_general"]

CHUNK: Final = 2**22
"""Positions per query: a 2^26-entry list is read in 16 ranges (at most ~33 MB of text each)."""


def read_list_bits(
    session: Session,
    space: StatusSpace,
    list_index: int,
    purpose: StatusPurpose,
    capacity: int,
    *,
    chunk: int = CHUNK,
) -> bytearray:
    """The bits of one purpose of a list: ``capacity // 8`` bytes, position 0 the most
    significant bit of byte 0, in the caller's transaction (one snapshot).

    :raises UsageError: ``capacity`` or ``chunk`` is not a positive multiple of 8.
    """
    import numpy as np  # on first use: it would add ~100 ms to every import of the issuer

    _check(capacity, chunk)
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return read_list_bits_general(session, space, list_index, purpose, capacity)
    out = bytearray(capacity // 8)
    for start in range(0, capacity, chunk):
        end = min(start + chunk, capacity)
        positions = _positions_in_bulk(session, dialect, space, list_index, purpose, start, end)
        if positions is None:  # not understood: this range by the general path
            positions = np.fromiter(
                _positions(session, space, list_index, purpose, start, end), dtype=np.int64
            )
        if positions.size:
            bits = np.zeros(end - start, dtype=np.bool_)
            bits[positions - start] = True
            out[start // 8 : end // 8] = np.packbits(bits).tobytes()
    return out


def read_list_bits_general(
    session: Session,
    space: StatusSpace,
    list_index: int,
    purpose: StatusPurpose,
    capacity: int,
) -> bytearray:
    """:func:`read_list_bits` one row and one bit at a time (the reference, any database)."""
    _check(capacity, 8)
    out = bytearray(capacity // 8)
    for position in _positions(session, space, list_index, purpose, 0, capacity):
        out[position >> 3] |= 0x80 >> (position & 7)
    return out


def _check(capacity: int, chunk: int) -> None:
    for name, value in (("capacity", capacity), ("chunk", chunk)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value % 8:
            raise UsageError(f"{name} must be a positive multiple of 8, not {value!r}")


def _where(
    space: StatusSpace, list_index: int, purpose: StatusPurpose, start: int, end: int
) -> tuple[ColumnExpressionArgument[bool], ...]:
    flag = StatusEntry.revoked if purpose is StatusPurpose.REVOCATION else StatusEntry.suspended
    return (
        StatusEntry.space == space.value,
        StatusEntry.list_index == list_index,
        flag,  # as written in the partial indexes ix_status_entry_revoked / _suspended
        StatusEntry.position >= start,
        StatusEntry.position < end,
    )


def _positions(
    session: Session,
    space: StatusSpace,
    list_index: int,
    purpose: StatusPurpose,
    start: int,
    end: int,
) -> list[int]:
    where = _where(space, list_index, purpose, start, end)
    return list(session.execute(select(StatusEntry.position).where(*where)).scalars())


def _positions_in_bulk(
    session: Session,
    dialect: str,
    space: StatusSpace,
    list_index: int,
    purpose: StatusPurpose,
    start: int,
    end: int,
) -> np.ndarray[Any, np.dtype[np.int64]] | None:
    """The set positions in ``[start, end)`` as one array, or None when the text the database
    returned does not parse to exactly the positions it counted, all in the range."""
    import numpy as np

    joined: ColumnElement[str]
    if dialect == "sqlite":
        joined = func.group_concat(StatusEntry.position, ",")
    else:
        joined = func.string_agg(cast(StatusEntry.position, Text), ",")
    where = _where(space, list_index, purpose, start, end)
    count, text = session.execute(select(func.count(), joined).where(*where)).one()
    if not count:
        return np.zeros(0, dtype=np.int64)
    if not isinstance(text, str):
        return None
    try:
        positions = np.fromstring(text, dtype=np.int64, sep=",")
    except (ValueError, DeprecationWarning):  # numpy warns (and will raise) on unparsed text
        return None
    if positions.size != count or positions.min() < start or positions.max() >= end:
        return None
    return positions
