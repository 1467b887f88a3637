"""Batches of inspection reports with the write lock held only for the writes (optimistic).

The general path (:func:`vic.issuer.batch.plan_inspections`, then
:func:`vic.issuer.signing.sign_and_store`) applies the rules, builds the unsigned marks and
stores them as pending in its first write transaction, and stores the signed marks in a second.
On SQLite, whose writers take turns, the rules and the building of the marks inside the first
transaction keep every other process waiting. :func:`report_batch` does the same work in this
order instead:

1. a **read** transaction (no write lock: beside writers on WAL, a snapshot on PostgreSQL): the
   same lookups and the same rules (:func:`vic.issuer.batch.decide`), nothing written;
2. a short write transaction: the current signing key, and the status indexes allocated;
3. outside any transaction: the unsigned marks built and serialised, signed, serialised again;
4. one write transaction: the lookups read again, with the vehicles locked. If they differ
   from the snapshot in any way (a vehicle changed, a report recorded meanwhile, another mark
   allocated, a station closed), nothing is written here and the general path runs the batch
   from the start. Otherwise: the inspections and their audit rows, the marks inserted pending
   and stored at once by :func:`vic.issuer.marks.store_signed` (the same settling of current
   marks, revocations and audit rows as the general path); a mark whose key was retired meanwhile
   also sends the batch to the general path.

Equal lookups give equal decisions (the rules read nothing else), so the rows written are those
the general path writes (tests/issuer/test_batch_fast.py compares them row by row). The only
trace a fallback leaves is the status indexes of step 2, which are never used (an index is never
given out twice). A batch with a report already recorded (a repeat) goes to the general path at
once, as does any failure while signing (the general path records the batch and its pending
marks, as it always did).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from vic.issuer.batch import (
    Decisions,
    InspectionPlan,
    Lookups,
    decide,
    finish_plans,
    look_up,
    record_inspections,
)
from vic.issuer.db.models import SigningKey
from vic.issuer.domain import Actor, InspectionReport, IssuedMark, StatusSpace
from vic.issuer.kernel import Kernel
from vic.issuer.marks import Done, NewMark, ToSign, insert_pending, pending_marks, settle
from vic.issuer.records import dumps
from vic.issuer.repositories.keys import current_key_id
from vic.issuer.status import Allocation, allocate

__all__ = ["report_batch"]

_KEY = select(SigningKey.fragment, SigningKey.retired_at).where(
    SigningKey.id == bindparam("key_id")
)


class _General(Exception):
    """The batch goes to the general path (a repeat, or the snapshot went stale)."""


def _no_replay(_event_key: str, _vehicle_id: int) -> ToSign | Done | None:
    raise _General


def _fingerprint(found: Lookups) -> tuple[Any, ...]:
    """Everything of ``found`` the rules read, as plain values."""
    return (
        {code: (row.id, row.active) for code, row in found.stations.items()},
        {vin: tuple(row) for vin, row in found.vehicles.items()},
        sorted(found.known),
        found.validity,
    )


def report_batch(
    kernel: Kernel, actor: Actor, reports: Sequence[InspectionReport]
) -> tuple[list[InspectionPlan], dict[int, IssuedMark]] | None:
    """Plan, sign and store a batch of reports (module doc): every report's plan and the issued
    marks by pending row id, as the general path gives them; None when the general path must
    run the batch instead (nothing was written but unused status indexes)."""
    ctx = kernel.ctx

    def read(session: Session) -> tuple[tuple[Any, ...], Decisions, dict[int, str]]:
        found = look_up(session, reports, lock=False)
        vins = {v.id: v.vin for v in found.vehicles.values()}
        return _fingerprint(found), decide(ctx, reports, found, _no_replay), vins

    try:
        snapshot, decided, vins = kernel.run(read, readonly=True)
    except _General:
        return None
    if not decided.new_rows:  # refusals only: nothing to write
        return finish_plans(decided, []), {}
    now = decided.now.replace(microsecond=0)
    requests = [request for _, request in decided.requests]

    def reserve(session: Session) -> tuple[int, list[Allocation]]:
        return current_key_id(session), allocate(session, StatusSpace.MARK, now, len(requests))

    key_id, allocations = kernel.run(reserve) if requests else (0, [])
    built = pending_marks(ctx, actor, requests, allocations, now)
    rows = [row for row, _ in built]
    try:  # each unsigned mark is this call's own object: signed as built, not parsed again
        credentials = [
            kernel.sign(unsigned, key_id, include_created=kernel.config.proof_created)
            for _, unsigned in built
        ]
    except Exception:
        return None  # the general path records the batch, then meets the same failure
    texts = [dumps(credential) for credential in credentials]

    def write(session: Session) -> tuple[list[ToSign], str, datetime, set[int], dict[int, Any]]:
        found = look_up(session, reports, lock=True)
        if _fingerprint(found) != snapshot:
            raise _General
        fragment = ""
        if rows:
            key = session.execute(_KEY, {"key_id": key_id}).one()
            if key.retired_at is not None:  # retired meanwhile: a retired key signs nothing new
                raise _General
            fragment = key.fragment
        stored_at = ctx.now()
        inspection_ids = record_inspections(session, actor, reports, decided)
        for (index, _), row, text in zip(decided.requests, rows, texts, strict=True):
            row.update(
                inspection_id=inspection_ids[index],
                state="issued",
                credential=text,
                signing_key_id=key_id,
                issued_at=stored_at,
            )
        signs = insert_pending(session, rows, key_id)
        revocations, winners = settle(
            session,
            ctx,
            actor,
            [
                NewMark(
                    sign.row_id,
                    row["vehicle_id"],
                    row["number"],
                    row["status_entry_id"],
                    row["reason"],
                    row["event_key"],
                    fragment,
                )
                for sign, row in zip(signs, rows, strict=True)
            ],
            {v.id: (v.vin, v.cancelled_at is not None) for v in found.vehicles.values()},
            stored_at,
        )
        return signs, fragment, stored_at, winners, {r.mark_id: r.reason for r in revocations}

    try:
        signs, fragment, stored_at, winners, revoked = kernel.run(write)
    except _General:
        return None
    issued = {
        sign.row_id: IssuedMark(
            number=row["number"],
            credential=credential,
            vin=vins[row["vehicle_id"]],
            reason=request.reason,
            basis=request.subject.inspection_basis,
            valid_from=row["valid_from"],
            valid_until=row["valid_until"],
            method_id=f"{ctx.did}#{fragment}",
            issued_at=stored_at,
            issued_now=True,
            current=sign.row_id in winners,
            revocation_reason=revoked.get(sign.row_id),
        )
        for sign, row, credential, request in zip(signs, rows, credentials, requests, strict=True)
    }
    return finish_plans(decided, signs), issued
