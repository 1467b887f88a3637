"""The signed status lists (published, cached until a bit changes) and mark suspension."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vic.issuer.domain import Actor, MarkStatus, PublishedStatusList, Role, StatusSpace
from vic.issuer.kernel import Kernel
from vic.issuer.publish import StatusPublisher
from vic.issuer.records import audit, mark_status, require_role
from vic.issuer.repositories import marks as marks_repo
from vic.issuer.status import list_url, set_bit
from vic.vc.status import StatusPurpose

__all__ = ["StatusListsService"]


class StatusListsService:
    """Status lists and suspension (see the module doc)."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self._publisher = StatusPublisher(kernel.database, kernel.ctx, kernel.sign)

    def forget_published(self) -> None:
        """Forget the signed lists kept in memory (after a key compromise)."""
        self._publisher.forget()

    def status_list(
        self,
        purpose: StatusPurpose,
        list_index: int,
        space: StatusSpace = StatusSpace.MARK,
    ) -> PublishedStatusList:
        """The signed status list ``{status_base}[/vcapi]/{purpose}/{list_index}`` with its ETag
        and max-age; cached until a bit of it changes.

        :raises RecordNotFoundError: ``STATUS_LIST_NOT_FOUND``.
        """
        return self._publisher.publish(purpose, list_index, space)

    def status_list_url(
        self, purpose: StatusPurpose, list_index: int, space: StatusSpace = StatusSpace.MARK
    ) -> str:
        """The URL a status list is published at."""
        return list_url(
            self.kernel.status_base, StatusSpace(space), StatusPurpose(purpose), list_index
        )

    def _suspension(self, actor: Actor, number: int, value: bool) -> MarkStatus:
        require_role(actor, Role.OFFICE, Role.SYSTEM)

        def work(session: Session) -> MarkStatus:
            mark = marks_repo.mark_by_number(session, number, lock=True)
            if set_bit(session, mark.status_entry_id, StatusPurpose.SUSPENSION, value):
                action = "mark.suspend" if value else "mark.unsuspend"
                audit(session, actor, action, f"mark:{mark.number}", self.kernel.now())
            return mark_status(session, mark)

        return self.kernel.run(work)

    def suspend_mark(self, actor: Actor, number: int) -> MarkStatus:
        """Suspend a mark (its suspension bit); verifiers then see SUSPENDED."""
        return self._suspension(actor, number, True)

    def unsuspend_mark(self, actor: Actor, number: int) -> MarkStatus:
        """Lift a mark's suspension."""
        return self._suspension(actor, number, False)
