"""The verifier's result: every check reported, ``verified`` and ``status`` derived from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from vic.contexts.errors import VicError
from vic.vc.frozen import frozen

_new_object = object.__new__

if TYPE_CHECKING:
    from vic.verifier.summary import MarkSummary

__all__ = ["Check", "CheckName", "Status", "VerificationResult"]


class Status(StrEnum):
    """The one-word outcome, the first that applies in this order (docs/cli.md)."""

    MALFORMED = "MALFORMED"
    INVALID_PROOF = "INVALID_PROOF"
    UNTRUSTED_ISSUER = "UNTRUSTED_ISSUER"
    REVOKED = "REVOKED"
    SUSPENDED = "SUSPENDED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    STATUS_UNAVAILABLE = "STATUS_UNAVAILABLE"
    VALID = "VALID"

    @property
    def exit_code(self) -> int:
        """The ``vic verify`` exit code: 0 valid, 2 malformed, 1 otherwise."""
        if self is Status.VALID:
            return 0
        return 2 if self is Status.MALFORMED else 1


class CheckName(StrEnum):
    """The checks a verification runs, in order."""

    PARSE = "parse"
    DATA_MODEL = "dataModel"
    MARK = "mark"
    PROOF = "proof"
    ISSUER_BINDING = "issuerBinding"
    TRUST = "trust"
    REVOCATION = "revocation"
    SUSPENSION = "suspension"
    VALIDITY = "validity"
    STATUS = "status"
    HOLDER_BINDING = "holderBinding"
    """A presentation's proof was made by its holder."""


# Which Status a failed check means. STATUS covers "could not learn the status".
_STATUS_OF_FAILURE = {
    CheckName.PARSE: Status.MALFORMED,
    CheckName.DATA_MODEL: Status.MALFORMED,
    CheckName.MARK: Status.MALFORMED,
    CheckName.PROOF: Status.INVALID_PROOF,
    CheckName.ISSUER_BINDING: Status.INVALID_PROOF,
    CheckName.HOLDER_BINDING: Status.INVALID_PROOF,
    CheckName.TRUST: Status.UNTRUSTED_ISSUER,
    CheckName.REVOCATION: Status.REVOKED,
    CheckName.SUSPENSION: Status.SUSPENDED,
    CheckName.STATUS: Status.STATUS_UNAVAILABLE,
}
_ORDER = list(Status)


@dataclass(frozen=True)
class Check:
    """One check: passed, failed (with the error) or skipped (``passed`` is None)."""

    name: CheckName
    passed: bool | None
    error: VicError | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    failure_status: Status | None = None
    """Overrides the status a failure maps to (the validity check: EXPIRED or NOT_YET_VALID)."""

    @classmethod
    def ok(cls, name: CheckName, **detail: Any) -> Check:
        """A passed check."""
        return cls.passed_with(name, detail)

    @classmethod
    def passed_with(cls, name: CheckName, detail: dict[str, Any]) -> Check:
        """``Check.ok(name, **detail)``, ``detail`` itself (the caller's fresh dict) kept."""
        # what _check does, inline: about ten of these per verification (item by item: the
        # keyword arguments of an update would build a second dict)
        check = _new_object(cls)
        fields = check.__dict__
        fields["name"] = name
        fields["passed"] = True
        fields["error"] = None
        fields["detail"] = detail
        fields["failure_status"] = None
        return check

    @classmethod
    def failed(
        cls, name: CheckName, error: VicError, status: Status | None = None, **detail: Any
    ) -> Check:
        """A failed check."""
        return _check(cls, name, False, error, detail, status)

    @classmethod
    def skipped(cls, name: CheckName, reason: str) -> Check:
        """A check not run, and why (``--skip-status``, nothing to check)."""
        return _check(cls, name, None, None, {"skipped": reason}, None)

    @property
    def status(self) -> Status | None:
        """The status this check imposes when it failed."""
        if self.passed is not False:
            return None
        return self.failure_status or _STATUS_OF_FAILURE.get(self.name, Status.MALFORMED)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        out: dict[str, Any] = {"check": self.name.value, "passed": self.passed}
        if self.detail:
            out["detail"] = self.detail
        if self.error is not None:
            out["error"] = self.error.to_dict()
        return out


def _check(
    cls: type[Check],
    name: CheckName,
    passed: bool | None,
    error: VicError | None,
    detail: dict[str, Any],
    failure_status: Status | None,
) -> Check:
    """``cls(name, passed, error, detail, failure_status)``, the same object made by
    :func:`~vic.vc.frozen.frozen` (a verification makes about ten)."""
    return frozen(
        cls,
        name=name,
        passed=passed,
        error=error,
        detail=detail,
        failure_status=failure_status,
    )


@dataclass(frozen=True)
class VerificationResult:
    """The result of verifying one credential. Never a bare bool: read ``checks``."""

    checks: tuple[Check, ...]
    credential: dict[str, Any] | None = None
    summary: MarkSummary | None = None
    """For a mark whose proof verified: plate, types, VIN, valid-until month, issuer names."""

    @property
    def status(self) -> Status:
        """The first status, in the order of :class:`Status`, that a failed check imposes."""
        failures = [c.status for c in self.checks if c.status is not None]
        if not self.checks:
            return Status.MALFORMED
        return min(failures, key=_ORDER.index) if failures else Status.VALID

    @property
    def verified(self) -> bool:
        """True when no check failed (and at least the proof check passed)."""
        proof_passed = any(c.name is CheckName.PROOF and c.passed for c in self.checks)
        return proof_passed and all(c.passed is not False for c in self.checks)

    @property
    def errors(self) -> tuple[VicError, ...]:
        """The errors of the failed checks, in check order."""
        return tuple(c.error for c in self.checks if c.error is not None)

    def check(self, name: CheckName) -> Check | None:
        """The check called ``name``, if it ran."""
        return next((c for c in self.checks if c.name is name), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by ``vic verify --json``."""
        return {
            "verified": self.verified,
            "status": self.status.value,
            "checks": [c.to_dict() for c in self.checks],
            "errors": [e.to_dict() for e in self.errors],
            "summary": self.summary.to_dict() if self.summary is not None else None,
            "credential": self.credential,
        }
