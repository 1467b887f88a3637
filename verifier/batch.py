"""Many credentials in one call: :func:`verify_credentials`.

A rental desk or an insurer's back office verifies marks in bulk. The batch does, once for the
whole call, what :func:`vic.verifier.verify.verify_credential` would otherwise do per credential:
build
the CBOR-LD registry and the resolver of the trust list, and ask the status source for each status
list (a list shared by many marks is fetched once per batch; what the source returns is verified
for each credential exactly as in a single call). Every result is the one
:func:`verify_credential` gives for that credential alone (tests/verifier/test_batch.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from vic.contexts.loader import DocumentLoader
from vic.did.resolver import Resolver
from vic.vc.dates import DEFAULT_CLOCK_SKEW, Clock, system_clock
from vic.verifier.result import VerificationResult
from vic.verifier.trust import TrustList
from vic.verifier.verify import StatusListSource, verify_credential

if TYPE_CHECKING:
    from vic.vc.cborld import Registry

__all__ = ["verify_credentials"]

_MISSING = object()


class _OncePerBatch:
    """A status source that asks the caller's source once per URL (for one batch only)."""

    def __init__(self, source: StatusListSource) -> None:
        self._source = source
        self._seen: dict[str, Any] = {}

    def get(self, url: str) -> Mapping[str, Any] | None:
        found = self._seen.get(url, _MISSING)
        if found is _MISSING:
            found = self._seen[url] = self._source.get(url)
        result: Mapping[str, Any] | None = found
        return result


def verify_credentials(
    credentials: Iterable[Mapping[str, Any] | bytes | str],
    *,
    trust: TrustList,
    resolver: Resolver | None = None,
    loader: DocumentLoader | None = None,
    clock: Clock = system_clock,
    status_source: StatusListSource | None = None,
    check_status_lists: bool = True,
    registry: Registry | None = None,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> list[VerificationResult]:
    """Verify each credential (as :func:`verify_credential` would) and return the results in
    order. The arguments are those of :func:`verify_credential`, shared by the whole batch."""
    registry = registry or trust.registry()
    resolver = resolver or trust.resolver()
    source = _OncePerBatch(status_source) if status_source is not None else None
    return [
        verify_credential(
            credential,
            trust=trust,
            resolver=resolver,
            loader=loader,
            clock=clock,
            status_source=source,
            check_status_lists=check_status_lists,
            registry=registry,
            clock_skew=clock_skew,
        )
        for credential in credentials
    ]
