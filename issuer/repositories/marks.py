"""Marks by number, pending marks, paper orders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vic.contexts.errors import RecordNotFoundError
from vic.issuer.db.models import Mark, PaperOrder

__all__ = ["add_paper_order", "mark_by_number", "paper_orders_of", "pending"]


def mark_by_number(session: Session, number: int, *, lock: bool = False) -> Mark:
    """The mark with this number (locked for update when asked).

    :raises RecordNotFoundError: ``MARK_NOT_FOUND``.
    """
    statement = select(Mark).where(Mark.number == number)
    if lock:
        statement = statement.with_for_update()
    mark = session.execute(statement).scalar_one_or_none()
    if mark is None:
        raise RecordNotFoundError(f"no mark number {number}", code="MARK_NOT_FOUND")
    return mark


def pending(session: Session) -> list[tuple[int, str]]:
    """Row id and unsigned text of every pending mark, oldest first."""
    rows = session.execute(
        select(Mark.id, Mark.unsigned).where(Mark.state == "pending").order_by(Mark.id)
    ).all()
    return [(row_id, unsigned) for row_id, unsigned in rows]


def add_paper_order(
    session: Session,
    *,
    mark_id: int,
    vehicle_id: int,
    owner_id: int,
    reason: str,
    delivery: str,
    now: datetime,
) -> PaperOrder:
    """Store a paper order (flushed: its id is known)."""
    order = PaperOrder(
        mark_id=mark_id,
        vehicle_id=vehicle_id,
        owner_id=owner_id,
        reason=reason,
        delivery=delivery,
        state="ordered",
        created_at=now,
    )
    session.add(order)
    session.flush()
    return order


def paper_orders_of(session: Session, vehicle_id: int) -> list[tuple[PaperOrder, Mark]]:
    """A vehicle's paper orders with their marks, oldest first."""
    orders = session.execute(
        select(PaperOrder).where(PaperOrder.vehicle_id == vehicle_id).order_by(PaperOrder.id)
    ).scalars()
    return [(o, session.get_one(Mark, o.mark_id)) for o in orders]
