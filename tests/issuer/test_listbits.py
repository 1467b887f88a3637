"""Reading a status list's bits in bulk (issuer/listbits.py) against the general path, one row and
one bit at a time: random sets, empty, full, chunk and list edges, other lists and purposes, the
fallback when the database's text is not understood, and the published list built from it."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

import numpy as np
import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from tests.issuer.helpers import START, Clock, assert_verifies, parse_list
from tests.workcount import counted_calls
from vic.contexts.errors import UsageError
from vic.issuer import listbits
from vic.issuer.db.models import StatusEntry
from vic.issuer.domain import StatusSpace
from vic.issuer.engine import Issuer
from vic.issuer.listbits import CHUNK, read_list_bits, read_list_bits_general
from vic.vc.status import MIN_LIST_LENGTH, TERSE_LIST_LENGTH, Bitstring, StatusPurpose

REVOCATION, SUSPENSION = StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION
MARK, VCAPI = StatusSpace.MARK, StatusSpace.VCAPI


def _insert(
    issuer: Issuer,
    positions: Iterable[int],
    *,
    space: StatusSpace = MARK,
    list_index: int = 0,
    revoked: bool = True,
    suspended: bool = False,
) -> None:
    rows = [
        {
            "space": space.value,
            "list_index": list_index,
            "position": position,
            "revoked": revoked,
            "suspended": suspended,
            "created_at": START,
        }
        for position in positions
    ]
    with issuer.database.write() as session:
        for start in range(0, len(rows), 20_000):
            session.execute(insert(StatusEntry), rows[start : start + 20_000])


def _expected(positions: Iterable[int], capacity: int) -> bytes:
    bits = Bitstring(capacity, minimum=8)
    for position in positions:
        bits.set(position)
    return bits.to_bytes()


def _both(
    issuer: Issuer,
    purpose: StatusPurpose,
    capacity: int,
    *,
    space: StatusSpace = MARK,
    chunk: int = CHUNK,
    fallback: bool = False,
) -> tuple[bytes, bytes]:
    """The bits read in bulk and row by row, in one snapshot; ``fallback``: whether the bulk path
    is expected to decline some range (else it must read every range itself)."""
    general_reads = []
    row_by_row = listbits._positions

    def counted(*args: Any) -> list[int]:
        general_reads.append(args)
        return row_by_row(*args)

    def read(session: Session) -> tuple[bytes, bytes]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(listbits, "_positions", counted)
            bulk = read_list_bits(session, space, 0, purpose, capacity, chunk=chunk)
        general = read_list_bits_general(session, space, 0, purpose, capacity)
        return bytes(bulk), bytes(general)

    result = issuer.database.run(read, readonly=True)
    assert bool(general_reads) is fallback
    return result


EDGES = [0, 1, 7, 8, CHUNK - 1, CHUNK, CHUNK + 1, TERSE_LIST_LENGTH - 8, TERSE_LIST_LENGTH - 1]


@pytest.mark.parametrize("seed", [1, 2])
def test_random_sets_and_edges_read_the_same_bits_as_the_general_path(
    issuer: Issuer, seed: int
) -> None:
    rng = random.Random(seed)
    revoked = set(rng.sample(range(TERSE_LIST_LENGTH), 3000)) | set(EDGES)
    suspended = set(rng.sample(range(TERSE_LIST_LENGTH), 500)) - revoked
    _insert(issuer, revoked)
    _insert(issuer, suspended, revoked=False, suspended=True)
    # the same positions in another list and another space never leak in
    _insert(issuer, rng.sample(range(TERSE_LIST_LENGTH), 500), list_index=1, suspended=True)
    _insert(issuer, rng.sample(range(MIN_LIST_LENGTH), 500), space=VCAPI, suspended=True)
    for purpose, positions in ((REVOCATION, revoked), (SUSPENSION, suspended)):
        bulk, general = _both(issuer, purpose, TERSE_LIST_LENGTH)
        assert bulk == general == _expected(positions, TERSE_LIST_LENGTH)


def test_empty_and_full_lists_at_any_chunk_size(issuer: Issuer) -> None:
    chunks = [1024, 65_536, MIN_LIST_LENGTH, CHUNK]
    for chunk in chunks:
        bulk, general = _both(issuer, REVOCATION, MIN_LIST_LENGTH, space=VCAPI, chunk=chunk)
        assert bulk == general == bytes(MIN_LIST_LENGTH // 8)
    _insert(issuer, range(MIN_LIST_LENGTH), space=VCAPI)
    for chunk in chunks:
        bulk, general = _both(issuer, REVOCATION, MIN_LIST_LENGTH, space=VCAPI, chunk=chunk)
        assert bulk == general == b"\xff" * (MIN_LIST_LENGTH // 8)
        bulk, general = _both(issuer, SUSPENSION, MIN_LIST_LENGTH, space=VCAPI, chunk=chunk)
        assert bulk == general == bytes(MIN_LIST_LENGTH // 8)


def test_one_byte_chunks_and_positions_past_the_capacity(issuer: Issuer) -> None:
    _insert(issuer, [*range(0, 1024, 3), 1024, 1031, 5000], space=VCAPI)
    bulk, general = _both(issuer, REVOCATION, 1024, space=VCAPI, chunk=8)
    assert bulk == general == _expected(range(0, 1024, 3), 1024)


def test_text_that_does_not_parse_to_the_counted_positions_is_read_again_generally(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    positions = random.Random(3).sample(range(MIN_LIST_LENGTH), 2000)
    _insert(issuer, positions, space=VCAPI)
    parse = np.fromstring
    lossy = []

    def drop_one(text: str, **options: object) -> np.ndarray:
        lossy.append(text)
        return parse(text, **options)[1:]  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(np, "fromstring", drop_one)
    bulk, general = _both(
        issuer, REVOCATION, MIN_LIST_LENGTH, space=VCAPI, chunk=16_384, fallback=True
    )
    assert lossy  # the bulk path was taken, and declined
    assert bulk == general == _expected(positions, MIN_LIST_LENGTH)


def test_the_bulk_read_does_the_same_python_work_for_any_number_of_bits(issuer: Issuer) -> None:
    def calls() -> int:
        with issuer.database.read() as session, counted_calls() as count:
            read_list_bits(session, MARK, 0, REVOCATION, TERSE_LIST_LENGTH)
        return count.calls

    rng = random.Random(5)
    _insert(issuer, rng.sample(range(0, TERSE_LIST_LENGTH, 2), 100))
    calls()  # statements compiled and cached, numpy imported
    few = calls()
    _insert(issuer, rng.sample(range(1, TERSE_LIST_LENGTH, 2), 20_000))
    # a path with a Python step per row or per bit would make 20,000 calls more; the driver's
    # bookkeeping varies by a few
    assert calls() < few + 200


@pytest.mark.parametrize("bad", [0, 7, -8, True, 8.0])
def test_capacity_and_chunk_must_be_positive_multiples_of_8(issuer: Issuer, bad: object) -> None:
    def read(session: Session, capacity: object, chunk: object) -> bytearray:
        return read_list_bits(session, MARK, 0, REVOCATION, capacity, chunk=chunk)  # type: ignore[arg-type]

    for capacity, chunk in ((bad, CHUNK), (MIN_LIST_LENGTH, bad)):
        with pytest.raises(UsageError), issuer.database.read() as session:
            read(session, capacity, chunk)


def test_a_dense_published_list_decodes_to_exactly_the_set_bits(
    issuer: Issuer, clock: Clock
) -> None:
    rng = random.Random(4)
    # dense enough for the fastest DEFLATE level (more than 131,072 non-zero bytes)
    revoked = set(rng.sample(range(TERSE_LIST_LENGTH), 136_000)) | set(EDGES)
    _insert(issuer, revoked)
    _insert(issuer, rng.sample(range(TERSE_LIST_LENGTH), 1000), list_index=1)
    published = issuer.status_list(REVOCATION, 0)
    assert_verifies(issuer, published.credential, clock)
    bits = parse_list(published.credential).bitstring
    assert bits.to_bytes() == _expected(revoked, TERSE_LIST_LENGTH)
    assert parse_list(issuer.status_list(SUSPENSION, 0).credential).bitstring.count() == 0
