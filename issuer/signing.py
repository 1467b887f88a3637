"""The second step of issuing: sign pending marks outside any transaction, then store them in
one short transaction (:func:`vic.issuer.marks.store_signed`; docs/issuer.md, "Issuing").

:func:`sign_and_store` takes the pending marks of one event, of a batch, or of a group of
single events of several actors (group commit): one store transaction for them all.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence

from sqlalchemy.orm import Session

from vic.issuer.domain import Actor, IssuedMark
from vic.issuer.kernel import Kernel
from vic.issuer.marks import Signed, ToSign, store_signed
from vic.issuer.records import Context, dumps

__all__ = ["sign_and_store"]


def sign_and_store(kernel: Kernel, plans: Sequence[tuple[Actor, ToSign]]) -> dict[int, IssuedMark]:
    """Sign pending marks of several actors and store them all in one transaction (each
    actor's in one :func:`~vic.issuer.marks.store_signed`, audited as theirs); the issued
    marks by pending row id."""
    unique: dict[int, tuple[Actor, ToSign]] = {}
    for actor, plan in plans:
        unique.setdefault(plan.row_id, (actor, plan))
    # A plan whose key this process no longer signs with (retired, e.g. a pending mark left
    # before a rotation) is signed with the current key; a key retired by another process
    # meanwhile is caught by store_signed, which refuses it (None): signed again below.
    current: int | None = None
    todo: list[tuple[Actor, ToSign]] = []
    for actor, plan in unique.values():
        if not kernel.signs_with(plan.key_id):
            current = current or kernel.current_key_id()
            plan = ToSign(plan.row_id, plan.unsigned, current)
        todo.append((actor, plan))
    results: dict[int, IssuedMark] = {}
    while todo:
        signed = [
            (
                actor,
                Signed(
                    plan.row_id,
                    dumps(
                        kernel.sign(
                            json.loads(plan.unsigned),
                            plan.key_id,
                            include_created=kernel.config.proof_created,
                        )
                    ),
                    plan.key_id,
                ),
            )
            for actor, plan in todo
        ]
        stored = kernel.run(functools.partial(_store_all, ctx=kernel.ctx, signed=signed))
        retry: list[tuple[Actor, ToSign]] = []
        key_id: int | None = None
        for actor, plan in todo:
            result = stored[plan.row_id]
            if result is not None:
                results[plan.row_id] = result
                continue
            key_id = key_id or kernel.current_key_id()  # rotated meanwhile: the new key
            retry.append((actor, ToSign(plan.row_id, plan.unsigned, key_id)))
        todo = retry
    return results


def _store_all(
    session: Session, *, ctx: Context, signed: Sequence[tuple[Actor, Signed]]
) -> dict[int, IssuedMark | None]:
    """Store signed marks of several actors in one transaction: one
    :func:`~vic.issuer.marks.store_signed` per actor (their audit rows name them)."""
    by_actor: dict[Actor, list[Signed]] = {}
    for actor, each in signed:
        by_actor.setdefault(actor, []).append(each)
    stored: dict[int, IssuedMark | None] = {}
    for actor, group in by_actor.items():
        for each, result in zip(group, store_signed(session, ctx, actor, group), strict=True):
            stored[each.row_id] = result
    return stored
