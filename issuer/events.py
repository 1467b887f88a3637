"""The first transaction of a group of single events (group commit, :mod:`vic.issuer.groupcommit`).

An event's work (a transfer, a change, a re-issue, an exemption application) applies its rules
and writes in the caller's transaction and returns what to issue: a :class:`PendingRequest`
(allocate a status index, store the pending mark), a plan (the event was processed before), or a
refusal to raise once its record is committed. :func:`plan_events` runs the works of a group in
one transaction, each in a savepoint of its own when ``isolate`` (a refused event writes nothing
and refuses nobody else), and creates the pending marks of the group with one
:func:`~vic.issuer.marks.create_pending` per actor instead of one per event.

The audit rows of the group's events are inserted in one statement at the end
(:func:`~vic.issuer.records.audits_together`; a refused event's rows go with its savepoint).

An event sees every earlier event of the group as if they had run one after the other: before an
event whose vehicle or idempotency key is among the requests not created yet, those are created
(so it finds the pending mark of its vehicle, or of its key, exactly as it would alone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from vic.contexts.errors import RefusedError, VicError
from vic.issuer.domain import Actor
from vic.issuer.marks import PendingRequest, Plan, create_pending
from vic.issuer.records import Context, audits_together

__all__ = ["Event", "EventPlan", "Refusal", "check_validity", "plan_events"]


@dataclass(frozen=True)
class Refusal:
    """A refusal to raise after its record is committed (e.g. a refused exemption)."""

    error: RefusedError


EventPlan = Plan | Refusal | VicError
"""What the first transaction decided for one event: sign and store, done before, refused."""


@dataclass(frozen=True)
class Event:
    """A single event: who, its vehicle (VIN as stored), the idempotency key when known before
    the work runs, and the work of its first transaction."""

    actor: Actor
    vin: str
    event_key: str | None
    work: Callable[[Session], PendingRequest | Plan | Refusal]


def check_validity(ctx: Context, request: PendingRequest) -> PendingRequest:
    """``request``, if the validity it grants has not ended (as :func:`create_pending` checks).

    :raises RefusedError: ``VALIDITY_ENDED``.
    """
    if request.valid_until < ctx.now().replace(microsecond=0):
        raise RefusedError(
            f"the validity this event grants ended on {request.valid_until.isoformat()}",
            code="VALIDITY_ENDED",
        )
    return request


def plan_events(
    session: Session, *, ctx: Context, events: Sequence[Event], isolate: bool
) -> list[EventPlan]:
    """The first transaction of ``events`` (module doc). Without ``isolate`` (an event alone)
    an event's error propagates and rolls the transaction back."""
    with audits_together(session) as audit_rows:
        return _plan_events(session, ctx, events, isolate, audit_rows)


def _plan_events(
    session: Session,
    ctx: Context,
    events: Sequence[Event],
    isolate: bool,
    audit_rows: list[dict[str, Any]],
) -> list[EventPlan]:
    plans: list[EventPlan | PendingRequest] = []
    deferred: list[int] = []
    touched: set[str] = set()

    def create_deferred() -> None:
        by_actor: dict[Actor, list[int]] = {}
        for index in deferred:
            by_actor.setdefault(events[index].actor, []).append(index)
        for actor, indexes in by_actor.items():
            requests = [plans[i] for i in indexes]
            assert all(isinstance(r, PendingRequest) for r in requests)
            created = create_pending(session, ctx, actor, requests)  # type: ignore[arg-type]
            for index, plan in zip(indexes, created, strict=True):
                plans[index] = plan
        deferred.clear()
        touched.clear()

    for event in events:
        if event.vin in touched or (event.event_key is not None and event.event_key in touched):
            create_deferred()
        planned: PendingRequest | Plan | Refusal
        if isolate:
            audited = len(audit_rows)
            try:
                with session.begin_nested():
                    planned = event.work(session)
            except VicError as error:
                del audit_rows[audited:]  # rolled back with the savepoint
                plans.append(error)
                continue
        else:
            planned = event.work(session)
        if isinstance(planned, PendingRequest):
            deferred.append(len(plans))
            touched.update((event.vin, planned.event_key))
        plans.append(planned)
    create_deferred()
    result: list[EventPlan] = []
    for plan in plans:
        assert not isinstance(plan, PendingRequest)  # created above
        result.append(plan)
    return result
