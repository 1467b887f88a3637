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

A group may also hold :class:`BearerEvent` items (the HTTP service's lean path): events whose
actor is the bearer of a token, which :func:`plan_group` reads in the same first transaction,
the tokens of the whole group in one statement, before any event's work. So every token is read
after its request arrived (the group's transaction starts after its items queued), nothing about
a token is kept, and an item whose token is refused, or whose actor may not do the event, runs
nothing: its caller hears :class:`NotAuthorized`.
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

__all__ = [
    "BearerEvent",
    "Event",
    "EventPlan",
    "NotAuthorized",
    "ReadActors",
    "Refusal",
    "check_validity",
    "plan_events",
    "plan_group",
]


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


ReadActors = Callable[[Session, Sequence[str]], Sequence[Actor | VicError]]
"""Reads the actors of bearer tokens in the caller's transaction: for each token its actor, or
the error refusing it (e.g. :func:`vic.issuer.tokens.read_actors`)."""


@dataclass(frozen=True)
class BearerEvent:
    """A single event whose actor is the bearer of ``token``, read in the group's first
    transaction (module doc): ``read`` reads the actors of the group's tokens (one call for all
    the items sharing it), ``make`` gives the event of an actor, or None where the actor may not
    do it (a scope the route does not accept). ``make``'s :class:`VicError` is the item's."""

    token: str
    read: ReadActors
    make: Callable[[Actor], Event | None]


class NotAuthorized(Exception):
    """A :class:`BearerEvent` that did not run: its token was refused (``error``, with the
    reason) or its actor may not do the event (``error`` None). Nothing was written for it."""

    def __init__(self, error: VicError | None) -> None:
        super().__init__(str(error) if error is not None else "not allowed")
        self.error = error


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


def plan_group(
    session: Session, *, ctx: Context, items: Sequence[Event | BearerEvent], isolate: bool
) -> list[tuple[Event, EventPlan] | VicError | NotAuthorized]:
    """:func:`plan_events` of a group that may hold :class:`BearerEvent` items: their tokens
    read first (module doc); each item's event and plan, or why it did not run."""
    events = _bearers(session, items)
    ready = [event for event in events if isinstance(event, Event)]
    plans = iter(plan_events(session, ctx=ctx, events=ready, isolate=isolate) if ready else ())
    return [(event, next(plans)) if isinstance(event, Event) else event for event in events]


def _bearers(
    session: Session, items: Sequence[Event | BearerEvent]
) -> list[Event | VicError | NotAuthorized]:
    """Each item's event: the bearer events' actors read (one ``read`` per reader)."""
    readers: dict[ReadActors, list[tuple[int, BearerEvent]]] = {}
    for index, item in enumerate(items):
        if isinstance(item, BearerEvent):
            readers.setdefault(item.read, []).append((index, item))
    events: list[Event | VicError | NotAuthorized] = [
        item if isinstance(item, Event) else NotAuthorized(None) for item in items
    ]
    for read, bearers in readers.items():
        actors = read(session, [bearer.token for _, bearer in bearers])
        for (index, bearer), actor in zip(bearers, actors, strict=True):
            if isinstance(actor, VicError):
                events[index] = NotAuthorized(actor)
                continue
            try:
                event = bearer.make(actor)
            except VicError as error:
                events[index] = error
                continue
            events[index] = event if event is not None else NotAuthorized(None)
    return events


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
