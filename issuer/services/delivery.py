"""Marks to their holders: reading a mark, the current mark's download, paper orders."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vic.contexts.errors import RefusedError
from vic.issuer.db.models import Mark, Vehicle
from vic.issuer.domain import Actor, Delivery, IssuedMark, MarkStatus, PaperOrderInfo, PaperReason
from vic.issuer.kernel import Kernel
from vic.issuer.records import (
    audit,
    current_mark,
    mark_result,
    mark_status,
    vehicle_by_vin,
    visible_vehicle,
)
from vic.issuer.repositories import marks as marks_repo

__all__ = ["DeliveryService"]


class DeliveryService:
    """Reading marks, downloads and paper orders (see the module doc)."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def mark(self, number: int) -> IssuedMark:
        """The issued mark with this number (any state: current, superseded, cancelled).

        :raises RecordNotFoundError: ``MARK_NOT_FOUND``.
        :raises RefusedError: ``MARK_PENDING`` (allocated, not yet signed).
        """
        did = self.kernel.did

        def work(session: Session) -> IssuedMark:
            mark = marks_repo.mark_by_number(session, number)
            return mark_result(session, mark, did=did, issued_now=False)

        return self.kernel.run(work, readonly=True)

    def mark_status(self, number: int) -> MarkStatus:
        """What the issuer knows of a mark's status, e.g. why it is revoked.

        :raises RecordNotFoundError: ``MARK_NOT_FOUND``.
        """
        return self.kernel.run(
            lambda s: mark_status(s, marks_repo.mark_by_number(s, number)), readonly=True
        )

    def current_mark(self, vin: str) -> IssuedMark | None:
        """The vehicle's current mark (None if it has none).

        :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
        """
        did = self.kernel.did

        def work(session: Session) -> IssuedMark | None:
            vehicle = vehicle_by_vin(session, vin, active=False)
            mark = current_mark(session, vehicle.id)
            return mark_result(session, mark, did=did, issued_now=False) if mark else None

        return self.kernel.run(work, readonly=True)

    def _valid_current(self, session: Session, actor: Actor, vin: str) -> tuple[Vehicle, Mark]:
        vehicle, _ = visible_vehicle(session, actor, vin)
        mark = current_mark(session, vehicle.id)
        if mark is None:
            raise RefusedError(f"{vehicle.vin} has no current mark", code="NO_CURRENT_MARK")
        if mark.valid_until < self.kernel.now():
            raise RefusedError(
                f"the mark of {vehicle.vin} expired: the vehicle needs an inspection",
                code="MARK_EXPIRED",
            )
        return vehicle, mark

    def download_mark(self, actor: Actor, vin: str) -> IssuedMark:
        """The vehicle's current mark, as issued (a re-download issues nothing).

        :raises RefusedError: ``NO_CURRENT_MARK``, ``MARK_EXPIRED``, ``VEHICLE_CANCELLED``.
        :raises PermissionDeniedError: ``NOT_OWNER``.
        :raises RecordNotFoundError: ``VEHICLE_NOT_FOUND``.
        """

        def work(session: Session) -> IssuedMark:
            vehicle, mark = self._valid_current(session, actor, vin)
            audit(
                session,
                actor,
                "mark.download",
                f"mark:{mark.number}",
                self.kernel.now(),
                vin=vehicle.vin,
            )
            return mark_result(session, mark, did=self.kernel.did, issued_now=False)

        return self.kernel.run(work)

    def order_paper_mark(
        self, actor: Actor, vin: str, *, reason: PaperReason, delivery: Delivery
    ) -> PaperOrderInfo:
        """A lost or damaged paper mark: record a paper order (mail or pickup) of the current
        mark. No new mark is issued; the order prints the same one.

        :raises RefusedError, PermissionDeniedError, RecordNotFoundError: as
            :meth:`download_mark`.
        """
        reason, delivery = PaperReason(reason), Delivery(delivery)

        def work(session: Session) -> PaperOrderInfo:
            vehicle, mark = self._valid_current(session, actor, vin)
            now = self.kernel.now()
            order = marks_repo.add_paper_order(
                session,
                mark_id=mark.id,
                vehicle_id=vehicle.id,
                owner_id=vehicle.owner_id,
                reason=reason.value,
                delivery=delivery.value,
                now=now,
            )
            audit(
                session,
                actor,
                "paper.order",
                f"mark:{mark.number}",
                now,
                reason=reason.value,
                delivery=delivery.value,
                order=order.id,
            )
            return PaperOrderInfo(
                order_id=order.id,
                reason=reason,
                delivery=delivery,
                mark=mark_result(session, mark, did=self.kernel.did, issued_now=False),
            )

        return self.kernel.run(work)

    def paper_orders(self, vin: str) -> list[PaperOrderInfo]:
        """The paper orders of a vehicle, oldest first."""
        did = self.kernel.did

        def work(session: Session) -> list[PaperOrderInfo]:
            vehicle = vehicle_by_vin(session, vin, active=False)
            return [
                PaperOrderInfo(
                    order_id=order.id,
                    reason=PaperReason(order.reason),
                    delivery=Delivery(order.delivery),
                    mark=mark_result(session, mark, did=did, issued_now=False),
                )
                for order, mark in marks_repo.paper_orders_of(session, vehicle.id)
            ]

        return self.kernel.run(work, readonly=True)
