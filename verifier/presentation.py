"""Verify a Verifiable Presentation: its shape, the holder's proof (purpose ``authentication``,
the verifier's ``challenge`` and ``domain``), that the holder made it, and every credential it
embeds (each through :func:`verify_credential`, with the same trust list, clock and sources).

    result = verify_presentation(vp, trust=trust, challenge=issued_challenge, domain=my_origin)
    result.status        # the presentation's own failure, else the first credential status
    result.credentials   # one VerificationResult per embedded credential
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from vic.contexts.errors import ProofVerificationError, VicError
from vic.contexts.loader import DocumentLoader
from vic.did.resolver import Resolver
from vic.vc.dates import DEFAULT_CLOCK_SKEW, Clock, check_skew, system_clock
from vic.vc.jsonio import check_depth, parse_json_object
from vic.vc.presentation import PRESENTATION_PURPOSE, check_presentation
from vic.vc.proofs import verify_proofs
from vic.verifier.result import Check, CheckName, Status, VerificationResult
from vic.verifier.trust import TrustList
from vic.verifier.verify import StatusListSource, verify_credential

if TYPE_CHECKING:
    from vic.vc.cborld import Registry

__all__ = ["PresentationResult", "verify_presentation"]

_ORDER = list(Status)


@dataclass(frozen=True)
class PresentationResult:
    """The presentation's own checks and one result per embedded credential."""

    checks: tuple[Check, ...]
    credentials: tuple[VerificationResult, ...] = ()
    presentation: dict[str, Any] | None = None
    holder: str | None = None

    @property
    def status(self) -> Status:
        """The presentation's own failure first (MALFORMED, INVALID_PROOF), else the first
        status, in the order of :class:`Status`, of the credentials (VALID when all are)."""
        own = [c.status for c in self.checks if c.status is not None]
        if not self.checks:
            return Status.MALFORMED
        if own:
            return min(own, key=_ORDER.index)
        return min((r.status for r in self.credentials), key=_ORDER.index, default=Status.VALID)

    @property
    def verified(self) -> bool:
        """True when the holder's proof verified, no check failed and every credential verified."""
        proof_passed = any(c.name is CheckName.PROOF and c.passed for c in self.checks)
        own = all(c.passed is not False for c in self.checks)
        return proof_passed and own and all(r.verified for r in self.credentials)

    @property
    def errors(self) -> tuple[VicError, ...]:
        """The presentation's errors, then each credential's."""
        own = tuple(c.error for c in self.checks if c.error is not None)
        return own + tuple(e for r in self.credentials for e in r.errors)

    def check(self, name: CheckName) -> Check | None:
        """The presentation check called ``name``, if it ran."""
        return next((c for c in self.checks if c.name is name), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (each credential as ``VerificationResult.to_dict``)."""
        return {
            "verified": self.verified,
            "status": self.status.value,
            "holder": self.holder,
            "checks": [c.to_dict() for c in self.checks],
            "errors": [e.to_dict() for e in self.errors],
            "credentials": [r.to_dict() for r in self.credentials],
        }


def verify_presentation(
    presentation: Mapping[str, Any] | bytes | str,
    *,
    trust: TrustList,
    challenge: str | None,
    domain: str | None = None,
    resolver: Resolver | None = None,
    loader: DocumentLoader | None = None,
    clock: Clock = system_clock,
    status_source: StatusListSource | None = None,
    check_status_lists: bool = True,
    registry: Registry | None = None,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    require_holder_proof: bool = True,
) -> PresentationResult:
    """Verify a presentation and the credentials it embeds; report every check.

    ``challenge`` is the nonce the verifier gave the holder and must be passed explicitly: a
    string that the proof must carry, or None to accept any (replayable; only for callers who
    bind the presentation otherwise). ``domain``, when given, must be among the proof's domains.
    The holder's proof must have the purpose ``authentication``, be created no later than the
    clock plus ``clock_skew``, and be made by a verification method of ``holder`` (when the
    presentation names one). Credentials are verified even when the presentation fails, so that
    the result says what was presented; the status is the presentation's failure first.
    """
    skew = check_skew(clock_skew)
    try:
        document = _parse(presentation)
    except VicError as exc:
        return PresentationResult((Check.failed(CheckName.PARSE, exc),))
    checks: list[Check] = [Check.ok(CheckName.PARSE, format="json")]
    try:
        info = check_presentation(document)
    except VicError as exc:
        checks.append(Check.failed(CheckName.DATA_MODEL, exc))
        return PresentationResult(tuple(checks), (), document)
    checks.append(Check.ok(CheckName.DATA_MODEL, credentials=len(info.credentials)))
    resolver = resolver or trust.resolver()

    if "proof" not in document and not require_holder_proof:
        checks.append(Check.skipped(CheckName.PROOF, "the presentation is not signed"))
    else:
        proofs = verify_proofs(
            document,
            resolver=resolver,
            loader=loader,
            clock=clock,
            expected_purpose=PRESENTATION_PURPOSE,
            domain=domain,
            challenge=challenge,
            clock_skew=skew,
            reject_future=True,
        )
        detail = [p.to_dict() for p in proofs.proofs]
        if not proofs.verified:
            checks.append(Check.failed(CheckName.PROOF, proofs.errors[0], proofs=detail))
        else:
            checks.append(Check.ok(CheckName.PROOF, proofs=detail))
            controllers = {p.controller for p in proofs.proofs}
            checks.append(_holder_binding(info.holder, controllers))

    results = tuple(
        verify_credential(
            credential,
            trust=trust,
            resolver=resolver,
            loader=loader,
            clock=clock,
            status_source=status_source,
            check_status_lists=check_status_lists,
            registry=registry,
            clock_skew=skew,
        )
        for credential in info.credentials
    )
    return PresentationResult(tuple(checks), results, document, info.holder)


def _parse(presentation: Mapping[str, Any] | bytes | str) -> dict[str, Any]:
    if isinstance(presentation, Mapping):
        document = dict(presentation)
        check_depth(document)
        return document
    return parse_json_object(presentation)


def _holder_binding(holder: str | None, controllers: set[str | None]) -> Check:
    if holder is None:
        return Check.skipped(CheckName.HOLDER_BINDING, "the presentation names no holder")
    if holder in controllers:
        return Check.ok(CheckName.HOLDER_BINDING, holder=holder)
    error = ProofVerificationError(
        "the presentation was not signed by a verification method its holder controls",
        code="HOLDER_MISMATCH",
        holder=holder,
    )
    return Check.failed(CheckName.HOLDER_BINDING, error)
