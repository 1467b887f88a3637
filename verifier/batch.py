"""Many credentials in one call: :func:`verify_credentials`.

A rental desk or an insurer's back office verifies marks in bulk. The batch does, once for the
whole call, what :func:`vic.verifier.verify.verify_credential` would otherwise do per credential:
build the CBOR-LD registry and the resolver of the trust list, read the clock (one "now" for the
whole batch), ask the status source for each status list (a list shared by many marks is
fetched once per batch) and verify and decode each list once per issuer
(:class:`VerifiedOncePerBatch`; a list that fails is verified again for each credential that
names it, as single calls would). Every result is the one :func:`verify_credential` gives for
that credential alone at that moment (tests/verifier/test_batch.py).

``workers=N`` fans the batch out over N worker processes (:class:`vic.verifier.pool.
BatchVerifier`, started for the call and stopped after it); a caller with many batches keeps one
``BatchVerifier`` open instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from vic.contexts.errors import VicError
from vic.contexts.loader import DocumentLoader
from vic.did.resolver import Resolver
from vic.vc.contextpolicy import DEFAULT_CONTEXT_POLICY, ContextPolicy
from vic.vc.dates import DEFAULT_CLOCK_SKEW, Clock, system_clock
from vic.verifier import status
from vic.verifier.result import VerificationResult
from vic.verifier.status import FetchedStatusList
from vic.verifier.trust import TrustList
from vic.verifier.verify import StatusListSource, verify_credential

if TYPE_CHECKING:
    from vic.vc.cborld import Registry
    from vic.vc.status import StatusList

__all__ = ["verify_credentials"]

_MISSING = object()

Credential = Mapping[str, Any] | bytes | str


class OncePerBatch:
    """A status source that asks the caller's source once per URL (for one batch only).

    An answer (None included) is kept for the batch; an exception is not (the next credential
    that names the list asks again, as single calls would). A bare credential is wrapped once as
    the single call wraps it (a ``FetchedStatusList`` from a "file"), with its digest computed
    once for the batch rather than once per credential that names it."""

    def __init__(self, source: StatusListSource) -> None:
        self._source = source
        self._seen: dict[str, Any] = {}

    def get(self, url: str) -> Mapping[str, Any] | FetchedStatusList | None:
        found = self._seen.get(url, _MISSING)
        if found is _MISSING:
            found = self._source.get(url)
            if isinstance(found, Mapping):
                found = FetchedStatusList(found, "file", digest=_digest(found))
            self._seen[url] = found
        result: Mapping[str, Any] | FetchedStatusList | None = found
        return result


class VerifiedOncePerBatch:
    """:func:`~vic.verifier.status.verified_status_list` once per list and issuer for one batch
    (its resolver, loader, clock and skew are the batch's, the same for every call).

    A list is the very :class:`FetchedStatusList` object the batch's source gave (kept here,
    so that its ``id`` stays its own); a decoded list is kept for the batch, an exception is
    not (the next credential that names the list verifies it again, as a single call would).
    The process-wide memo of ``verified_status_list`` already answers a known list without
    verifying it again; this skips its key (digest, resolved methods) and lock per entry."""

    def __init__(self) -> None:
        self._done: dict[tuple[int, str], tuple[FetchedStatusList, StatusList]] = {}

    def __call__(
        self,
        fetched: FetchedStatusList,
        *,
        issuer: str,
        resolver: Resolver,
        loader: DocumentLoader | None,
        clock: Clock,
        skew: timedelta,
    ) -> StatusList:
        key = (id(fetched), issuer)
        found = self._done.get(key)
        if found is not None:
            return found[1]
        decoded = status.verified_status_list(
            fetched, issuer=issuer, resolver=resolver, loader=loader, clock=clock, skew=skew
        )
        self._done[key] = (fetched, decoded)
        return decoded


def _digest(credential: Mapping[str, Any]) -> str:
    """The list's digest, or "" (computed where needed, as a single call does) when the
    credential is not JSON."""
    try:
        return status.credential_digest(credential)
    except (TypeError, ValueError):
        return ""


def frozen_clock(now: datetime) -> Clock:
    """A clock that always says ``now`` (the batch's one reading of the caller's clock)."""

    def clock() -> datetime:
        return now

    return clock


def verify_credentials(
    credentials: Iterable[Credential],
    *,
    trust: TrustList,
    resolver: Resolver | None = None,
    loader: DocumentLoader | None = None,
    clock: Clock = system_clock,
    status_source: StatusListSource | None = None,
    check_status_lists: bool = True,
    registry: Registry | None = None,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    context_policy: ContextPolicy = DEFAULT_CONTEXT_POLICY,
    workers: int | None = None,
) -> list[VerificationResult]:
    """Verify each credential (as :func:`verify_credential` would) and return the results in
    order. The arguments are those of :func:`verify_credential`, shared by the whole batch;
    ``clock`` is read once, and the whole batch is verified at that moment.

    ``workers`` (default: none, the caller's process and thread) verifies the batch in that many
    worker processes started for this call and stopped after it
    (:class:`vic.verifier.pool.BatchVerifier`, whose documentation says what must cross the
    process boundary); a batch of fewer than 16 credentials, or ``workers`` of 1, stays in this
    process. The results are the same.

    :raises UsageError: ``BATCH_NOT_PORTABLE`` with ``workers``, when the trust list, resolver,
        loader, registry or context policy cannot be sent to a worker process.
    """
    if workers is not None and workers > 1:
        from vic.verifier.pool import BatchVerifier

        pool = BatchVerifier(
            trust=trust,
            workers=workers,
            resolver=resolver,
            loader=loader,
            registry=registry,
            clock_skew=clock_skew,
            context_policy=context_policy,
        )
        try:  # the workers start only for a batch large enough (BatchVerifier's min_batch)
            return pool.verify(
                credentials,
                clock=clock,
                status_source=status_source,
                check_status_lists=check_status_lists,
            )
        finally:
            pool.close()
    source = OncePerBatch(status_source) if status_source is not None else None
    return verify_each(
        credentials,
        trust=trust,
        resolver=resolver or trust.resolver(),
        loader=loader,
        now=clock(),
        status_source=source,
        check_status_lists=check_status_lists,
        registry=registry,
        clock_skew=clock_skew,
        context_policy=context_policy,
    )


def verify_each(
    credentials: Iterable[Credential],
    *,
    trust: TrustList,
    resolver: Resolver,
    loader: DocumentLoader | None,
    now: datetime,
    status_source: StatusListSource | None,
    check_status_lists: bool,
    registry: Registry | None,
    clock_skew: timedelta,
    context_policy: ContextPolicy,
) -> list[VerificationResult]:
    """The batch's loop, in this process: each credential verified at ``now`` (the worker
    processes of :mod:`vic.verifier.pool` run the same loop)."""
    clock = frozen_clock(now)
    verify_list = VerifiedOncePerBatch()
    items = list(credentials)
    if registry is None and any(_may_be_vc1(c) for c in items):
        # once for the batch (a single call builds it per VC1 text); a trust list whose entries
        # conflict fails each VC1 text's parse check, as in single calls
        with contextlib.suppress(VicError):
            registry = trust.registry()
    return [
        verify_credential(
            credential,
            trust=trust,
            resolver=resolver,
            loader=loader,
            clock=clock,
            status_source=status_source,
            check_status_lists=check_status_lists,
            registry=registry,
            clock_skew=clock_skew,
            context_policy=context_policy,
            verify_list=verify_list,
        )
        for credential in items
    ]


def _may_be_vc1(credential: Credential) -> bool:
    """Whether the credential may need the CBOR-LD registry (a text or bytes, not JSON)."""
    return not isinstance(credential, Mapping)
