"""Events that issue marks: registration, inspection reports, the exemption, transfer, change
and re-issue; the two transactions around each signature; resuming pending marks.

Issuing a mark is two short transactions around the signature (see :mod:`vic.issuer.marks`): the
event and a pending mark (with its status index) first, the signed mark and the revocation of
the previous one second. Every event carries an idempotency key, so a repeated or retried event
returns its mark instead of issuing another, and a crash between the two leaves a pending mark
that the retry (or :meth:`IssuanceService.resume_pending`) finishes.

Inspection reports have one code path: a single report is a batch of one
(:func:`vic.issuer.batch.plan_inspections` holds the rules).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from vic.contexts.errors import (
    RefusedError,
    VicError,
)
from vic.issuer import eventrows
from vic.issuer.batch import InspectionPlan, inspection_outcomes, plan_inspections
from vic.issuer.batchfast import report_batch
from vic.issuer.db.models import Mark, Owner, Vehicle
from vic.issuer.domain import (
    Actor,
    InspectionOutcome,
    InspectionReport,
    IssuanceReason,
    IssuedMark,
    Role,
    VehicleChange,
    VehicleRegistration,
)
from vic.issuer.eventrows import LatestMark, VehicleRecord
from vic.issuer.events import (
    BearerEvent,
    Event,
    EventPlan,
    Refusal,
    check_validity,
    plan_group,
)
from vic.issuer.groupcommit import GroupCommit
from vic.issuer.kernel import SYSTEM_ACTOR, Kernel
from vic.issuer.marks import (
    Done,
    PendingRequest,
    Plan,
    ToSign,
    replay,
)
from vic.issuer.policy import ExemptionCode, exemption_allowed
from vic.issuer.records import (
    audit,
    latest_mark,
    owner_id_for,
    require_role,
    vehicle_by_vin,
    vehicle_facts,
    vehicle_subject,
    visible_vehicle,
    year_month,
)
from vic.issuer.registrations import RegistrationOutcome, check_plate_free, plan_registrations
from vic.issuer.repositories import credentials as credentials_repo
from vic.issuer.repositories import keys as keys_repo
from vic.issuer.repositories import marks as marks_repo
from vic.issuer.repositories import vehicles as vehicles_repo
from vic.issuer.signing import sign_and_store
from vic.vc.mark import InspectionBasis, VehicleSubject, valid_until_for_month

__all__ = ["IssuanceService", "RegistrationOutcome"]


class IssuanceService:
    """Events that issue marks (see the module doc).

    :param finish_credential: signs and stores a pending VC-API credential (the VC-API
        service's), for :meth:`resume_pending`.
    """

    def __init__(self, kernel: Kernel, finish_credential: Callable[[Actor, ToSign], Any]) -> None:
        self.kernel = kernel
        self._finish_credential = finish_credential
        self._events: GroupCommit[Event | BearerEvent, IssuedMark] = GroupCommit(self._run_events)
        self.event_rows = True
        """Transfers, changes and re-issues run on Core rows (:mod:`vic.issuer.eventrows`);
        off, on ORM objects (the general path the differential tests compare with)."""
        self._reports: GroupCommit[tuple[Actor, InspectionReport], InspectionOutcome] = GroupCommit(
            self._run_reports
        )

    # --- the second transaction ------------------------------------------------------------------

    def finish(self, actor: Actor, plan: ToSign) -> IssuedMark:
        """Sign a pending mark and store it (the second transaction)."""
        return self.finish_many(actor, [plan])[0]

    def finish_many(self, actor: Actor, plans: Sequence[ToSign]) -> list[IssuedMark]:
        """Sign pending marks and store them in one transaction (re-signing any whose key was
        retired meanwhile). A pending mark named twice is signed and stored once."""
        issued = self.finish_all([(actor, plan) for plan in plans])
        return [issued[plan.row_id] for plan in plans]

    def finish_all(self, plans: Sequence[tuple[Actor, ToSign]]) -> dict[int, IssuedMark]:
        """See :func:`vic.issuer.signing.sign_and_store`."""
        return sign_and_store(self.kernel, plans)

    def _pending(
        self,
        vehicle: Vehicle | VehicleRecord,
        *,
        reason: IssuanceReason,
        basis: InspectionBasis,
        valid_until: datetime,
        event_key: str,
        exemption_id: int | None = None,
        subject: VehicleSubject | None = None,
    ) -> PendingRequest:
        """The mark to allocate for ``vehicle`` (``subject``: its subject with ``basis``, when
        the caller built it already)."""
        request = PendingRequest(
            vehicle_id=vehicle.id,
            subject=subject if subject is not None else vehicle_subject(vehicle, basis),
            reason=reason,
            valid_until=valid_until,
            event_key=event_key,
            exemption_id=exemption_id,
        )
        return check_validity(self.kernel.ctx, request)

    def _issue(
        self,
        actor: Actor,
        vin: str,
        event_key: str | None,
        work: Callable[[Session], PendingRequest | Plan | Refusal],
    ) -> IssuedMark:
        """Run a single event's first transaction (``work``), sign, store: in a group with the
        events other threads submit meanwhile (group commit, :mod:`vic.issuer.groupcommit`)."""
        return self._events.submit(Event(actor, vin.strip().upper(), event_key, work))

    def run_event(self, event: Event) -> IssuedMark:
        """Run a single event made by :meth:`transfer_event` or :meth:`change_event`."""
        return self._events.submit(event)

    async def issue_async(self, event: Event | BearerEvent) -> IssuedMark:
        """Run a single event made by :meth:`transfer_event` or :meth:`change_event` from an
        asyncio event loop: in the same groups as :meth:`transfer_vehicle` and the others, with
        no thread of its own (:meth:`GroupCommit.submit_async`). A :class:`BearerEvent`'s actor
        is read in the group's first transaction (:func:`~vic.issuer.events.plan_group`).

        :raises NotAuthorized: a bearer event's token was refused, or its actor may not do it.
        """
        return await self._events.submit_async(event)

    def _run_events(self, items: list[Event | BearerEvent]) -> list[IssuedMark | BaseException]:
        """A group of single events: their first transactions as one (:mod:`vic.issuer.events`),
        their marks signed and stored in one second transaction. The first transaction runs
        without a savepoint per event; if an event raises a domain error, it is rolled back and
        run again with each event in a savepoint, so the refused one writes nothing (the same
        rows as one after the other). If the group fails as a whole
        (not a domain refusal), each event runs again alone, so only the culprit fails; its
        idempotency key makes that safe. If only the second transaction fails, the first stands
        (refusals and records are not written twice) and each event's mark is finished alone."""
        ctx = self.kernel.ctx
        if len(items) == 1:  # alone: no savepoint needed, its error rolls everything back
            planned = self.kernel.run(
                functools.partial(plan_group, ctx=ctx, items=items, isolate=False)
            )
            return self._settle_group(planned)
        try:
            try:  # usually nobody is refused: no savepoint per event
                planned = self.kernel.run(
                    functools.partial(plan_group, ctx=ctx, items=items, isolate=False)
                )
            except VicError:  # someone was (all rolled back): each event in a savepoint
                planned = self.kernel.run(
                    functools.partial(plan_group, ctx=ctx, items=items, isolate=True)
                )
        except Exception:
            return [self._alone(item) for item in items]
        try:
            return self._settle_group(planned)
        except Exception:  # the first transaction stands: finish each event's mark alone
            return [self._settle_alone(*one) if isinstance(one, tuple) else one for one in planned]

    def _settle_group(
        self, planned: Sequence[tuple[Event, EventPlan] | BaseException]
    ) -> list[IssuedMark | BaseException]:
        """:meth:`_settle` of the events that ran; the others' errors."""
        ran = [one for one in planned if isinstance(one, tuple)]
        settled = iter(self._settle([e for e, _ in ran], [p for _, p in ran]) if ran else ())
        return [next(settled) if isinstance(one, tuple) else one for one in planned]

    def _settle_alone(self, event: Event, plan: EventPlan) -> IssuedMark | BaseException:
        try:
            return self._settle([event], [plan])[0]
        except Exception as error:
            return error

    def _alone(self, item: Event | BearerEvent) -> IssuedMark | BaseException:
        try:
            return self._run_events([item])[0]
        except Exception as error:
            return error

    def _settle(
        self, events: Sequence[Event], plans: Sequence[EventPlan]
    ) -> list[IssuedMark | BaseException]:
        """Finish the events' pending marks (one transaction); each event's result."""
        issued = self.finish_all(
            [(e.actor, p) for e, p in zip(events, plans, strict=True) if isinstance(p, ToSign)]
        )
        told: set[int] = set()  # an event repeated in the group was not issued "now" twice
        results: list[IssuedMark | BaseException] = []
        for plan in plans:
            if isinstance(plan, VicError):
                results.append(plan)
            elif isinstance(plan, Refusal):
                results.append(plan.error)
            elif isinstance(plan, Done):
                results.append(plan.mark)
            else:
                mark = issued[plan.row_id]
                results.append(mark if plan.row_id not in told else replace(mark, issued_now=False))
                told.add(plan.row_id)
        return results

    # --- registration and the events that keep the validity -------------------------------------

    def register_vehicle(
        self, actor: Actor, registration: VehicleRegistration, *, event_key: str | None = None
    ) -> IssuedMark:
        """Register a vehicle and issue its first mark (the mark comes with the registration).

        A batch of one of :meth:`register_vehicles`. The validity is what the policy grants on
        the day (``next_due``), or ``registration.valid_until`` for an imported vehicle.
        Idempotency key: ``event_key``, by default ``registration:{VIN}``.

        :raises ConflictError: ``VEHICLE_EXISTS``, ``PLATE_IN_USE``, ``EVENT_KEY_REUSED`` (also
            a retried registration whose facts differ from those registered: it is not a retry).
        :raises RefusedError: ``VALIDITY_ENDED`` (an imported validity in the past).
        :raises UsageError: a first registration after today.
        """
        require_role(actor, Role.OFFICE, Role.SYSTEM)
        key = event_key or f"registration:{registration.vin}"
        (outcome,) = self.register_vehicles(actor, [(registration, key)])
        if isinstance(outcome, VicError):
            raise outcome
        return outcome.mark

    def register_vehicles(
        self, actor: Actor, registrations: Sequence[VehicleRegistration | tuple[Any, str]]
    ) -> list[RegistrationOutcome | VicError]:
        """Register many vehicles at once: two transactions for the whole batch.

        Each item is a registration (idempotency key ``registration:{VIN}``) or a pair
        (registration, event key). Each gets an outcome (its mark, and whether it was issued now
        or replayed) or the error that refused it; a refused registration writes nothing, the
        others go through. A registration repeated within the batch shares the first one's
        outcome.
        """
        require_role(actor, Role.OFFICE, Role.SYSTEM)
        items: list[tuple[VehicleRegistration, str]] = [
            item if isinstance(item, tuple) else (item, f"registration:{item.vin}")
            for item in registrations
        ]
        plans = self.kernel.run(
            functools.partial(plan_registrations, ctx=self.kernel.ctx, actor=actor, items=items)
        )
        to_sign = {p.row_id: p for p in plans if isinstance(p, ToSign)}
        issued = dict(zip(to_sign, self.finish_many(actor, list(to_sign.values())), strict=True))
        outcomes: list[RegistrationOutcome | VicError] = []
        told: set[int] = set()  # a repeat within the batch was not issued "now" a second time
        for plan in plans:
            if isinstance(plan, VicError):
                outcomes.append(plan)
            elif isinstance(plan, Done):
                outcomes.append(RegistrationOutcome(plan.mark, issued_now=False))
            else:
                first = plan.row_id not in told
                told.add(plan.row_id)
                outcomes.append(RegistrationOutcome(issued[plan.row_id], issued_now=first))
        return outcomes

    def _same_validity(
        self,
        actor: Actor,
        vin: str,
        *,
        event_key: str,
        reason: IssuanceReason,
        update: Callable[[Session, Vehicle | VehicleRecord, datetime], dict[str, Any]],
        owner: str | None = None,
    ) -> Event:
        """An event that re-issues the mark with the current validity (transfer, change...):
        on Core rows (:mod:`vic.issuer.eventrows`), or on ORM objects when
        :attr:`event_rows` is off (the general path, for the differential tests). ``owner``:
        the account the event makes the owner (read with the vehicle on SQLite)."""
        ctx = self.kernel.ctx

        def keep_validity(
            session: Session,
            vehicle: Vehicle | VehicleRecord,
            latest: Mark | LatestMark | None,
            before: dict[str, Any],
        ) -> PendingRequest:
            if vehicle.cancelled_at is not None:
                raise RefusedError(
                    f"the registration of {vehicle.vin} is cancelled", code="VEHICLE_CANCELLED"
                )
            now = ctx.now()
            if latest is None or latest.valid_until < now:
                raise RefusedError(
                    f"{vehicle.vin} has no valid inspection: it needs one first",
                    code="INSPECTION_OVERDUE",
                )
            detail = update(session, vehicle, now)
            vehicle.updated_at = now
            basis = InspectionBasis(latest.basis)
            subject = vehicle_subject(vehicle, basis)  # the changed fields hold
            vehicle_facts(vehicle)
            if isinstance(vehicle, VehicleRecord):
                eventrows.save_vehicle(session, vehicle, before)
            audit(
                session,
                actor,
                f"vehicle.{reason.value}",
                f"vehicle:{vehicle.vin}",
                now,
                event=event_key,
                **detail,
            )
            return self._pending(
                vehicle,
                reason=reason,
                basis=basis,
                valid_until=latest.valid_until,
                event_key=event_key,
                subject=subject,  # the vehicle is as it was checked
            )

        def work(session: Session) -> PendingRequest | Plan:
            if not self.event_rows:
                vehicle = vehicle_by_vin(session, vin, lock=True, active=False)
                replayed = replay(session, ctx, event_key, vehicle.id, reason)
                if replayed is not None:
                    return replayed
                return keep_validity(session, vehicle, latest_mark(session, vehicle.id), {})
            record, latest, stored = eventrows.vehicle_for_event(
                session, vin, event_key, owner=owner
            )
            if stored:
                replayed = replay(session, ctx, event_key, record.id, reason)
                assert replayed is not None  # the key is stored
                return replayed
            return keep_validity(session, record, latest, record.values())

        return Event(actor, vin.strip().upper(), event_key, work)

    def transfer_vehicle(
        self,
        actor: Actor,
        vin: str,
        *,
        new_owner: str,
        event_key: str,
        plate: str | None = None,
        plate_type_code: str | None = None,
    ) -> IssuedMark:
        """Transfer a vehicle to ``new_owner`` (optionally with a new plate); issue a new mark
        with the current validity. The previous owner's filings for the vehicle end.

        :param event_key: the office's transaction number (the idempotency key).
        :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
        :raises RefusedError: ``VEHICLE_CANCELLED``, ``INSPECTION_OVERDUE``.
        :raises ConflictError: ``PLATE_IN_USE``, ``EVENT_KEY_REUSED``.
        """
        return self._events.submit(
            self.transfer_event(
                actor,
                vin,
                new_owner=new_owner,
                event_key=event_key,
                plate=plate,
                plate_type_code=plate_type_code,
            )
        )

    def transfer_event(
        self,
        actor: Actor,
        vin: str,
        *,
        new_owner: str,
        event_key: str,
        plate: str | None = None,
        plate_type_code: str | None = None,
    ) -> Event:
        """The event :meth:`transfer_vehicle` runs (its checks of the actor and the new owner
        done), for :meth:`issue_async`."""
        require_role(actor, Role.OFFICE, Role.SYSTEM)
        Actor(new_owner, Role.OWNER)  # the same id rules

        def update(
            session: Session, vehicle: Vehicle | VehicleRecord, now: datetime
        ) -> dict[str, Any]:
            if plate is not None or plate_type_code is not None:
                vehicle.plate = plate or vehicle.plate
                vehicle.plate_type_code = plate_type_code or vehicle.plate_type_code
                subject = vehicle_subject(vehicle, InspectionBasis.ON_SITE)
                vehicle.plate = subject.registration_number
                with session.no_autoflush:  # not the new plate first: its unique index
                    check_plate_free(session, vehicle.plate, vehicle.plate_type_code, vehicle.id)
            if isinstance(vehicle, VehicleRecord):  # what the event's read found, on SQLite
                vehicle.owner_id = eventrows.owner_id(session, vehicle, new_owner, now)
                eventrows.end_open_filings(session, vehicle.id, now, known=vehicle.open_filings)
            else:
                vehicle.owner_id = owner_id_for(session, new_owner, now)
                vehicles_repo.end_open_filings(session, vehicle.id, now)
            return {"owner": new_owner, "plate": vehicle.plate}

        return self._same_validity(
            actor,
            vin,
            event_key=f"transfer:{event_key}",
            reason=IssuanceReason.TRANSFER,
            update=update,
            owner=new_owner,
        )

    def change_vehicle(
        self, actor: Actor, vin: str, change: VehicleChange, *, event_key: str
    ) -> IssuedMark:
        """Change a vehicle's registration; issue a new mark with the current validity.

        :raises MarkShapeError: the changed plate, plate type or vehicle type is invalid.
        :raises UsageError: the changed facts are impossible (seats of a small car...).
        :raises RefusedError, ConflictError: as :meth:`transfer_vehicle`.
        """
        return self._events.submit(self.change_event(actor, vin, change, event_key=event_key))

    def change_event(
        self, actor: Actor, vin: str, change: VehicleChange, *, event_key: str
    ) -> Event:
        """The event :meth:`change_vehicle` runs (the actor checked), for :meth:`issue_async`."""
        require_role(actor, Role.OFFICE, Role.SYSTEM)

        def update(
            session: Session, vehicle: Vehicle | VehicleRecord, now: datetime
        ) -> dict[str, Any]:
            changed: dict[str, Any] = {}
            for name in ("plate", "plate_type_code", "vehicle_type_code", "seats", "is_van"):
                value = getattr(change, name)
                if value is not None:
                    setattr(vehicle, name, value)
                    changed[name] = value
            if change.use_category is not None:
                vehicle.use_category = change.use_category.value
                changed["use_category"] = change.use_category.value
            vehicle.plate = vehicle_subject(vehicle, InspectionBasis.ON_SITE).registration_number
            if change.plate is not None or change.plate_type_code is not None:
                with session.no_autoflush:  # not the new plate first: its unique index
                    check_plate_free(session, vehicle.plate, vehicle.plate_type_code, vehicle.id)
            return changed

        return self._same_validity(
            actor,
            vin,
            event_key=f"change:{event_key}",
            reason=IssuanceReason.CHANGE,
            update=update,
        )

    def reissue_mark(self, actor: Actor, vin: str, *, event_key: str) -> IssuedMark:
        """Re-issue the vehicle's mark with the same validity and a new status index (e.g. after
        a key compromise: the new mark is signed with the current key)."""
        require_role(actor, Role.ADMIN, Role.SYSTEM)
        return self._events.submit(
            self._same_validity(
                actor,
                vin,
                event_key=f"reissue:{event_key}",
                reason=IssuanceReason.REISSUE,
                update=lambda _s, _v, _n: {},
            )
        )

    # --- inspections ---------------------------------------------------------------------------

    def report_inspection(self, actor: Actor, report: InspectionReport) -> InspectionOutcome:
        """Record a station's inspection; a passed one issues a mark, a failed one nothing.

        The validity is the policy's ``next_due`` from the inspection day and the vehicle's
        current validity. Idempotency key: (station, report number); repeating a report returns
        its outcome. A batch of one: :meth:`report_inspections` applies the rules.

        :raises RefusedError: ``UNKNOWN_STATION`` (unknown or inactive station),
            ``VEHICLE_CANCELLED``, ``INSPECTION_IN_FUTURE``, ``VALIDITY_ENDED``.
        :raises PermissionDeniedError: ``STATION_MISMATCH`` (a station token reporting for
            another station), ``ROLE_NOT_ALLOWED``.
        :raises ConflictError: ``EVENT_KEY_REUSED`` (the report number with other facts).
        :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
        """
        require_role(actor, Role.STATION, Role.SYSTEM)
        return self._reports.submit((actor, report))

    def report_inspections(
        self, actor: Actor, reports: Sequence[InspectionReport]
    ) -> list[InspectionOutcome | VicError]:
        """Report many inspections at once: two transactions for the whole batch.

        Each report gets an outcome, or the domain error that refused it (that report writes
        nothing; the others go through). Much faster per mark than single reports (a few
        statements per batch, not per mark).
        """
        require_role(actor, Role.STATION, Role.SYSTEM)
        accepted = [r for r in reports if actor.station in (None, r.station)]
        done = report_batch(self.kernel, actor, accepted) if accepted else None
        if done is None:  # a repeat, a conflict, a failure: the general path
            return self._report_groups([(actor, list(reports))])[0]
        plans, issued = done
        return inspection_outcomes(actor, reports, accepted, plans, issued)

    def _run_reports(
        self, items: list[tuple[Actor, InspectionReport]]
    ) -> list[InspectionOutcome | BaseException]:
        """A group of single reports (group commit): one batch per actor, all in the same two
        transactions. If the group fails as a whole (not a domain refusal), each report runs
        again alone, so only the culprit fails; its idempotency key makes that safe."""
        by_actor: dict[Actor, list[int]] = {}
        for index, (actor, _) in enumerate(items):
            by_actor.setdefault(actor, []).append(index)
        try:
            groups = self._report_groups(
                [(actor, [items[i][1] for i in indexes]) for actor, indexes in by_actor.items()]
            )
        except Exception:
            if len(items) == 1:
                raise
            return [self._report_alone(actor, report) for actor, report in items]
        placed: dict[int, InspectionOutcome | VicError] = {}
        for indexes, outcomes in zip(by_actor.values(), groups, strict=True):
            placed.update(zip(indexes, outcomes, strict=True))
        return [placed[index] for index in range(len(items))]

    def _report_alone(
        self, actor: Actor, report: InspectionReport
    ) -> InspectionOutcome | BaseException:
        try:
            return self._run_reports([(actor, report)])[0]
        except Exception as error:
            return error

    def _report_groups(
        self, groups: Sequence[tuple[Actor, list[InspectionReport]]]
    ) -> list[list[InspectionOutcome | VicError]]:
        """Batches of reports of several actors in the same two transactions."""
        ctx = self.kernel.ctx
        accepted = [
            [r for r in reports if actor.station in (None, r.station)] for actor, reports in groups
        ]

        def plan(session: Session) -> list[list[InspectionPlan]]:
            return [
                plan_inspections(session, ctx, actor, reports) if reports else []
                for (actor, _), reports in zip(groups, accepted, strict=True)
            ]

        plans = self.kernel.run(plan) if any(accepted) else [[] for _ in groups]
        issued = self.finish_all(
            [
                (actor, p.sign)
                for (actor, _), group in zip(groups, plans, strict=True)
                for p in group
                if p.sign is not None
            ]
        )
        return [
            inspection_outcomes(actor, reports, accepted_reports, group, issued)
            for (actor, reports), accepted_reports, group in zip(
                groups, accepted, plans, strict=True
            )
        ]

    # --- the exemption -------------------------------------------------------------------------

    def apply_for_exemption(self, actor: Actor, vin: str) -> IssuedMark:
        """An owner's application for the mark without on-site inspection (免检).

        The policy decides on today's date with the vehicle's current validity. The application
        is recorded, granted or refused. Applying again once the mark is issued returns it.

        :raises RefusedError: the policy's code: ``VAN``, ``CASUALTY_ACCIDENT``, ``TOO_OLD``,
            ``TOO_MANY_SEATS``, ``NOT_ELIGIBLE_CATEGORY``, ``NOT_IN_APPLICATION_YEAR``,
            ``TOO_EARLY``... (:class:`vic.issuer.policy.ExemptionCode`); ``VEHICLE_CANCELLED``.
        :raises PermissionDeniedError: ``NOT_OWNER`` (neither the owner nor a filing).
        """
        require_role(actor, Role.OWNER, Role.OFFICE, Role.SYSTEM)
        ctx = self.kernel.ctx
        today = ctx.today()

        def work(session: Session) -> PendingRequest | Plan | Refusal:
            vehicle, acting = visible_vehicle(session, actor, vin, lock=True)
            latest = latest_mark(session, vehicle.id)
            decision = exemption_allowed(
                vehicle_facts(vehicle),
                on=today,
                current_valid_until=year_month(latest.valid_until) if latest else None,
            )
            if (
                decision.code is ExemptionCode.TOO_EARLY
                and latest is not None
                and latest.reason == IssuanceReason.EXEMPTION.value
                and latest.revoked_at is None
            ):  # the exemption mark of this period is already issued (or pending)
                replayed = replay(
                    session, ctx, latest.event_key, vehicle.id, IssuanceReason.EXEMPTION
                )
                if replayed is not None:
                    return replayed
            now = ctx.now()
            application = vehicles_repo.add_exemption_application(
                session,
                vehicle_id=vehicle.id,
                owner_id=(acting or session.get_one(Owner, vehicle.owner_id)).id,
                applied_on=today,
                due_month=f"{decision.due[0]:04d}-{decision.due[1]:02d}" if decision.due else None,
                allowed=decision.allowed,
                code=decision.code.value,
                regime=decision.regime,
                created_at=now,
            )
            audit(
                session,
                actor,
                "exemption.apply",
                f"vehicle:{vehicle.vin}",
                now,
                allowed=decision.allowed,
                code=decision.code.value,
                regime=decision.regime,
            )
            if not decision.allowed or decision.valid_until_month is None:
                return Refusal(
                    RefusedError(decision.message, code=decision.code.value, regime=decision.regime)
                )
            assert decision.due is not None
            return self._pending(
                vehicle,
                reason=IssuanceReason.EXEMPTION,
                basis=InspectionBasis.EXEMPT,
                valid_until=valid_until_for_month(*decision.valid_until_month),
                event_key=f"exemption:{vehicle.vin}:{decision.due[0]:04d}-{decision.due[1]:02d}",
                exemption_id=application.id,
            )

        return self._issue(actor, vin, None, work)

    # --- after a crash ---------------------------------------------------------------------------

    def resume_pending(self, actor: Actor = SYSTEM_ACTOR) -> list[IssuedMark]:
        """Finish every pending mark (and VC-API credential) left by a crash between the two
        transactions; returns the marks issued. Safe to run while the issuer is in use."""
        require_role(actor, Role.SYSTEM)

        def pending(session: Session) -> tuple[list[ToSign], list[ToSign]]:
            key = keys_repo.current_key(session).id
            return (
                [ToSign(row_id, text, key) for row_id, text in marks_repo.pending(session)],
                [ToSign(row_id, text, key) for row_id, text in credentials_repo.pending(session)],
            )

        marks, credentials = self.kernel.run(pending, readonly=True)
        issued = [self.finish(actor, plan) for plan in marks]
        for plan in credentials:
            self._finish_credential(actor, plan)
        return issued
