"""What a verifier service is configured with: trust, status, clock and limits, all injected."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Final

from vic.contexts.errors import VicError
from vic.contexts.loader import DocumentLoader
from vic.did.resolver import Resolver
from vic.vc.dates import Clock, system_clock
from vic.verifier.trust import TrustedIssuer, TrustList
from vic.verifier.verify import StatusListSource

if TYPE_CHECKING:
    from vic.vc.cborld import Registry

__all__ = [
    "DEFAULT_MAX_IMAGE_BYTES",
    "DEFAULT_MAX_JSON_BYTES",
    "AnyIssuer",
    "VerifierSettings",
]

DEFAULT_MAX_JSON_BYTES: Final = 1 << 20
"""A JSON request body larger than 1 MiB is refused (a credential is a few kB)."""

DEFAULT_MAX_IMAGE_BYTES: Final = 12 << 20
"""An uploaded photo larger than 12 MiB is refused (a phone photo is a few MB)."""


class AnyIssuer(TrustList):
    """A trust list that trusts every issuer: the interop test mode (``--any-issuer``).

    The W3C suites sign with throw-away did:key issuers that no trust list names. In this mode
    the trust check passes for every issuer, a proof need not be made by a method the issuer
    controls (the binding check is skipped), and every answer carries the warning ``ANY_ISSUER``.
    Never use it where people rely on the verdict.
    """

    def trusts(self, issuer: str) -> bool:
        """Every issuer is trusted."""
        return True

    def get(self, issuer: str) -> TrustedIssuer | None:
        """The configured entry of ``issuer``, else an entry without a name or pinned document."""
        return super().get(issuer) or TrustedIssuer(issuer)

    def binds_issuers(self) -> bool:
        """No: the suites' vectors are signed by did:keys for issuers that are https URLs. The
        proof itself must still verify; the issuer-binding check is reported as skipped."""
        return False


@dataclass(frozen=True)
class VerifierSettings:
    """The verifier service's dependencies and limits.

    :param trust: the issuers the service accepts (their pinned DID documents and registry
        entries); an :class:`AnyIssuer` list accepts every issuer (interop tests only).
    :param status_source: where status lists come from (a cache over the guarded fetcher in
        deployment, files or loopback in tests); without one a credential with a status is
        STATUS_UNAVAILABLE.
    :param resolver: DID resolver (default: the trust list's pinned documents, did:key, did:jwk).
    :param loader: JSON-LD document loader (default: the bundled contexts only).
    :param clock: the service's clock.
    :param challenge_secret: the key that makes ``/challenges`` answers verifiable by every
        worker of one deployment (random per process when not given).
    :param verify_in_loop: verify in the event loop instead of handing each verification to a
        worker thread. Only for sources that never wait on the network (``--offline``: status
        lists from files and the local cache, DIDs from the trust list, did:key, did:jwk): the
        hand-off is what keeps a status list fetch from stalling every other request.
    :param status_in_memory: the status lists the service holds in memory (its files, fresh
        cached copies): a source that never waits. With it (and the default resolver and
        loader) a credential is verified in the event loop when every list it needs is there,
        and again in a worker thread with ``status_source`` when one is not (``vic serve
        verifier`` online).
    """

    trust: TrustList
    status_source: StatusListSource | None = None
    resolver: Resolver | None = None
    loader: DocumentLoader | None = None
    clock: Clock = system_clock
    max_json_bytes: int = DEFAULT_MAX_JSON_BYTES
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    challenge_ttl: timedelta = timedelta(minutes=5)
    challenge_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    verify_in_loop: bool = False
    status_in_memory: StatusListSource | None = None

    @cached_property
    def registry(self) -> Registry | None:
        """The trust list's CBOR-LD registry, built once: a pure function of the trust list,
        which does not change (the library would build it again for every verification). None
        when it cannot be built: each verification then reports why, as the library does."""
        try:
            return self.trust.registry()
        except VicError:
            return None

    @property
    def any_issuer(self) -> bool:
        """Whether every issuer is accepted (the interop test mode)."""
        return isinstance(self.trust, AnyIssuer)
