"""The two transactions of issuing marks, and revoking them (docs/issuer.md, "Issuing").

1. :func:`create_pending` (inside the event's transaction): allocate the terse status indexes,
   build the unsigned marks, and store them as *pending* rows under the events' idempotency keys.
2. The engine signs the pending marks outside any transaction.
3. :func:`store_signed` (a second, short transaction): lock the vehicles, store the signed marks,
   and settle which mark of each vehicle is current. The newest mark (the highest row id, i.e.
   the event that allocated last) is current; the one it replaces is revoked (superseded) in this
   same transaction. A mark that arrives after a newer one was stored is stored revoked
   (superseded by the newer one); a mark of a vehicle cancelled meanwhile is stored revoked
   (cancelled).

A crash between 1 and 3 leaves pending rows: retrying the event (same idempotency key) or
:meth:`vic.issuer.engine.Issuer.resume_pending` signs and stores them; nothing is issued twice.

Everything here works on many marks at once with set-based statements (one allocation, one
insert, one update per batch), so a batch of events costs a few statements, not a few per mark.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from vic.contexts.errors import ConflictError, RefusedError
from vic.issuer.db.models import AuditEntry, Mark, SigningKey, Vehicle
from vic.issuer.db.prepared import PreparedIn
from vic.issuer.domain import Actor, IssuanceReason, IssuedMark, RevocationReason, StatusSpace
from vic.issuer.records import Context, audit_rows, dumps, insert_audit_rows, mark_result
from vic.issuer.repositories import bulk
from vic.issuer.repositories.keys import current_key_id
from vic.issuer.status import Allocation, allocate, set_bits
from vic.vc.mark import InspectionBasis, TerseStatus, VehicleSubject, build_mark, new_mark_id
from vic.vc.status import TERSE_LIST_LENGTH, StatusPurpose

__all__ = [
    "Done",
    "NewMark",
    "PendingRequest",
    "Plan",
    "Revocation",
    "Signed",
    "ToSign",
    "create_pending",
    "insert_pending",
    "pending_marks",
    "pending_rows",
    "replay",
    "revoke",
    "settle",
    "store_signed",
]


@dataclass(frozen=True)
class ToSign:
    """A pending mark (or VC-API credential) the engine must sign and store."""

    row_id: int
    unsigned: str
    key_id: int


@dataclass(frozen=True)
class Done:
    """The event had already been issued: its mark, as stored."""

    mark: IssuedMark


Plan = ToSign | Done


@dataclass(frozen=True)
class PendingRequest:
    """A mark to allocate for an event."""

    vehicle_id: int
    subject: VehicleSubject
    reason: IssuanceReason
    valid_until: datetime
    event_key: str
    inspection_id: int | None = None
    exemption_id: int | None = None


@dataclass(frozen=True)
class Signed:
    """A signed pending mark, ready to store."""

    row_id: int
    text: str
    key_id: int


@dataclass(frozen=True)
class Revocation:
    """A mark to revoke and why."""

    mark_id: int
    number: int
    status_entry_id: int
    reason: RevocationReason
    superseded_by_id: int | None = None
    superseded_by_number: int | None = None


_MARK_BY_EVENT_KEY = select(Mark).where(Mark.event_key == bindparam("event_key"))


def replay(
    session: Session, ctx: Context, event_key: str, vehicle_id: int, reason: IssuanceReason
) -> Plan | None:
    """The existing mark of the event ``event_key``, if it was processed before.

    :raises ConflictError: ``EVENT_KEY_REUSED`` when the key names another vehicle or event.
    """
    mark = session.execute(_MARK_BY_EVENT_KEY, {"event_key": event_key}).scalar_one_or_none()
    if mark is None:
        return None
    if mark.vehicle_id != vehicle_id or mark.reason != reason.value:
        raise ConflictError(
            f"the event key {event_key!r} was used for another event",
            code="EVENT_KEY_REUSED",
            event_key=event_key,
        )
    if mark.state == "pending":
        return ToSign(mark.id, mark.unsigned, current_key_id(session))
    return Done(mark_result(session, mark, did=ctx.did, issued_now=False))


def create_pending(
    session: Session, ctx: Context, actor: Actor, requests: Sequence[PendingRequest]
) -> list[ToSign]:
    """Allocate a status index per request and store the unsigned marks as pending.

    :raises RefusedError: ``VALIDITY_ENDED`` when a request's validity has already ended.
    """
    if not requests:
        return []
    now = ctx.now().replace(microsecond=0)
    for request in requests:
        if request.valid_until < now:
            raise RefusedError(
                f"the validity this event grants ended on {request.valid_until.isoformat()}",
                code="VALIDITY_ENDED",
            )
    key_id = current_key_id(session)
    allocations = allocate(session, StatusSpace.MARK, now, len(requests))
    return insert_pending(session, pending_rows(ctx, actor, requests, allocations, now), key_id)


def pending_rows(
    ctx: Context,
    actor: Actor,
    requests: Sequence[PendingRequest],
    allocations: Sequence[Allocation],
    now: datetime,
) -> list[dict[str, Any]]:
    """The pending mark rows of ``requests`` with their allocated status indexes: each row's
    unsigned mark built (valid from ``now``, without microseconds) and serialised. Touches no
    database: the batch path builds them outside its write transaction."""
    return [row for row, _ in pending_marks(ctx, actor, requests, allocations, now)]


def pending_marks(
    ctx: Context,
    actor: Actor,
    requests: Sequence[PendingRequest],
    allocations: Sequence[Allocation],
    now: datetime,
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """:func:`pending_rows`, each with the unsigned mark its ``unsigned`` column serialises (a
    new object, the caller's own)."""
    rows: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for request, allocation in zip(requests, allocations, strict=True):
        number = allocation.list_index * TERSE_LIST_LENGTH + allocation.position
        credential_id = new_mark_id()
        unsigned = build_mark(
            issuer=ctx.did,
            subject=request.subject,
            valid_from=now,
            valid_until=request.valid_until,
            status=TerseStatus(ctx.status_base, number),
            mark_id=credential_id if ctx.config.mark_id_in_credential else None,
        )
        row = {
            "number": number,
            "credential_id": credential_id,
            "vehicle_id": request.vehicle_id,
            "status_entry_id": allocation.entry_id,
            "event_key": request.event_key,
            "reason": request.reason.value,
            "basis": request.subject.inspection_basis.value,
            "inspection_id": request.inspection_id,
            "exemption_id": request.exemption_id,
            "state": "pending",
            "is_current": False,
            "unsigned": dumps(unsigned),
            "credential": None,
            "signing_key_id": None,
            "valid_from": now,
            "valid_until": request.valid_until,
            "created_at": now,
            "actor_id": actor.id,
        }
        rows.append((row, unsigned))
    return rows


def insert_pending(session: Session, rows: Sequence[dict[str, Any]], key_id: int) -> list[ToSign]:
    """Insert pending mark rows (:func:`pending_rows`) in one statement; what to sign, in
    order (with the key of row ``key_id``)."""
    ids = bulk.insert_rows_returning_ids(session, Mark, rows, key=("number",))
    return [ToSign(row_id, row["unsigned"], key_id) for row_id, row in zip(ids, rows, strict=True)]


def revoke(session: Session, ctx: Context, actor: Actor, revocations: Sequence[Revocation]) -> None:
    """Revoke marks: not current any more, the reason recorded, the revocation bit set."""
    if revocations:
        insert_audit_rows(session, audit_rows(actor, ctx.now(), _revoke(session, ctx, revocations)))


def _revoke(
    session: Session, ctx: Context, revocations: Sequence[Revocation]
) -> list[tuple[str, str, dict[str, Any]]]:
    """:func:`revoke` but the audit rows, returned (action, target, detail)."""
    if not revocations:
        return []
    now = ctx.now()
    bulk.update_rows_by_id(
        session,
        Mark,
        [
            {
                "id": r.mark_id,
                "is_current": False,
                "revoked_at": now,
                "revocation_reason": r.reason.value,
                "superseded_by_id": r.superseded_by_id,
            }
            for r in revocations
        ],
    )
    set_bits(session, [r.status_entry_id for r in revocations], StatusPurpose.REVOCATION, True)
    rows = []
    for r in revocations:
        detail: dict[str, Any] = {"reason": r.reason.value}
        if r.superseded_by_number is not None:
            detail["superseded_by"] = r.superseded_by_number
        rows.append(("mark.revoke", f"mark:{r.number}", detail))
    return rows


_MARK_COLUMNS = (
    Mark.id,
    Mark.state,
    Mark.vehicle_id,
    Mark.number,
    Mark.status_entry_id,
    Mark.reason,
    Mark.basis,
    Mark.valid_from,
    Mark.valid_until,
    Mark.event_key,
    Mark.credential,
    Mark.signing_key_id,
    Mark.issued_at,
    Mark.is_current,
    Mark.revocation_reason,
)


# store_signed's statements, built once (building them per call cost more than running them),
# run on the driver's cursor (vic.issuer.db.prepared)
_LOCK_VEHICLES_OF_MARKS = PreparedIn(
    lambda row_ids: (
        select(Vehicle.id, Vehicle.vin, Vehicle.cancelled_at)
        .where(Vehicle.id.in_(select(Mark.vehicle_id).where(Mark.id.in_(row_ids))))
        .order_by(Vehicle.id)
        .with_for_update()
    ),  # the vehicles only (not the subquery's marks)
    "row_ids",
)
_LOCK_MARKS = PreparedIn(
    lambda row_ids: (
        select(*_MARK_COLUMNS).where(Mark.id.in_(row_ids)).order_by(Mark.id).with_for_update()
    ),
    "row_ids",
)
_KEYS_BY_ID = PreparedIn(
    lambda key_ids: select(SigningKey.id, SigningKey.fragment, SigningKey.retired_at).where(
        SigningKey.id.in_(key_ids)
    ),
    "key_ids",
)
_LOCK_CURRENT_MARKS = PreparedIn(
    lambda vehicle_ids: (
        select(Mark.id, Mark.vehicle_id, Mark.number, Mark.status_entry_id)
        .where(Mark.vehicle_id.in_(vehicle_ids), Mark.is_current)
        .order_by(Mark.vehicle_id)
        .with_for_update()
    ),
    "vehicle_ids",
)


def store_signed(
    session: Session, ctx: Context, actor: Actor, signed: Sequence[Signed]
) -> list[IssuedMark | None]:
    """Store signed pending marks and settle the vehicles' current marks.

    Returns, per input, the issued mark, or None when its key was retired since it was signed
    (the caller signs again with the current key: a retired key signs nothing new). A mark that
    another process stored first comes back as stored, with ``issued_now`` False.
    """
    if not signed:
        return []
    now = ctx.now()
    row_ids = [s.row_id for s in signed]
    # Lock order, as everywhere: vehicles, then marks, then status lists.
    vehicles = {row.id: row for row in _LOCK_VEHICLES_OF_MARKS.named(session, row_ids)}
    marks = {row.id: row for row in _LOCK_MARKS.named(session, row_ids)}
    key_ids = {s.key_id for s in signed} | {
        m.signing_key_id for m in marks.values() if m.signing_key_id is not None
    }
    keys = {row.id: row for row in _KEYS_BY_ID.named(session, sorted(key_ids))}
    storing = [
        s
        for s in signed
        if marks[s.row_id].state == "pending" and keys[s.key_id].retired_at is None
    ]
    stored_ids = {s.row_id for s in storing}
    revocations: list[Revocation] = []
    winners: set[int] = set()
    if storing:
        bulk.update_rows_by_id(
            session,
            Mark,
            [
                {
                    "id": s.row_id,
                    "credential": s.text,
                    "state": "issued",
                    "issued_at": now,
                    "signing_key_id": s.key_id,
                }
                for s in storing
            ],
        )
        revocations, winners = settle(
            session,
            ctx,
            actor,
            [
                NewMark(
                    s.row_id,
                    marks[s.row_id].vehicle_id,
                    marks[s.row_id].number,
                    marks[s.row_id].status_entry_id,
                    marks[s.row_id].reason,
                    marks[s.row_id].event_key,
                    keys[s.key_id].fragment,
                )
                for s in storing
            ],
            {i: (row.vin, row.cancelled_at is not None) for i, row in vehicles.items()},
            now,
        )
    revoked = {r.mark_id: r.reason for r in revocations}
    results: list[IssuedMark | None] = []
    for s in signed:
        row = marks[s.row_id]
        if s.row_id in stored_ids:
            results.append(
                IssuedMark(
                    number=row.number,
                    credential=json.loads(s.text),
                    vin=vehicles[row.vehicle_id].vin,
                    reason=IssuanceReason(row.reason),
                    basis=InspectionBasis(row.basis),
                    valid_from=row.valid_from,
                    valid_until=row.valid_until,
                    method_id=f"{ctx.did}#{keys[s.key_id].fragment}",
                    issued_at=now,
                    issued_now=True,
                    current=s.row_id in winners,
                    revocation_reason=revoked.get(s.row_id),
                )
            )
        elif row.state != "pending":
            results.append(
                mark_result(session, session.get_one(Mark, s.row_id), did=ctx.did, issued_now=False)
            )
        else:
            results.append(None)
    return results


@dataclass(frozen=True)
class NewMark:
    """A mark just stored as issued (its row updated or inserted so), for :func:`settle`."""

    row_id: int
    vehicle_id: int
    number: int
    status_entry_id: int
    reason: str
    event_key: str
    method: str
    """The fragment of the key that signed it."""


def settle(
    session: Session,
    ctx: Context,
    actor: Actor,
    stored: Sequence[NewMark],
    vehicles: Mapping[int, tuple[str, bool]],
    now: datetime,
) -> tuple[list[Revocation], set[int]]:
    """Settle the current marks of the vehicles of marks just stored as issued: lock each
    vehicle's current mark; the newest mark (highest row id) of a vehicle is current, the others
    are revoked (superseded by it), and every new mark of a cancelled vehicle is revoked
    (cancelled); one ``mark.issue`` audit row per stored mark, in order, then the revocations
    (:func:`revoke`). ``vehicles`` holds each vehicle's VIN and whether it is cancelled, read in
    this transaction with the vehicle locked; ``now`` is the moment of the audit rows. Returns
    the revocations and the new current marks."""
    by_id = {m.row_id: m for m in stored}
    stored_by_vehicle: dict[int, list[int]] = {}
    for i in sorted(by_id):
        stored_by_vehicle.setdefault(by_id[i].vehicle_id, []).append(i)
    touched = sorted(stored_by_vehicle)
    currents = {row.vehicle_id: row for row in _LOCK_CURRENT_MARKS.named(session, touched)}
    numbers = {i: m.number for i, m in by_id.items()}
    entries = {i: m.status_entry_id for i, m in by_id.items()}
    for held in currents.values():
        numbers[held.id], entries[held.id] = held.number, held.status_entry_id
    revocations: list[Revocation] = []
    winners: set[int] = set()
    for vehicle_id in touched:
        new = stored_by_vehicle[vehicle_id]
        current = currents.get(vehicle_id)
        if vehicles[vehicle_id][1]:
            revocations += [
                Revocation(i, numbers[i], entries[i], RevocationReason.CANCELLED) for i in new
            ]
            continue
        candidates = new + ([current.id] if current is not None else [])
        winner = max(candidates)
        revocations += [
            Revocation(
                i,
                numbers[i],
                entries[i],
                RevocationReason.SUPERSEDED,
                superseded_by_id=winner,
                superseded_by_number=numbers[winner],
            )
            for i in sorted(candidates)
            if i != winner
        ]
        if winner in by_id:
            winners.add(winner)
    issued = [
        (
            "mark.issue",
            f"mark:{m.number}",
            {
                "vin": vehicles[m.vehicle_id][0],
                "reason": m.reason,
                "event": m.event_key,
                "method": m.method,
            },
        )
        for m in stored
    ]
    revoked = _revoke(session, ctx, revocations)  # the old current marks first: one per vehicle
    bulk.insert_rows(session, AuditEntry, audit_rows(actor, now, issued + revoked))  # one INSERT
    if winners:
        bulk.update_rows_by_id(
            session, Mark, [{"id": i, "is_current": True} for i in sorted(winners)]
        )
    return revocations, winners
