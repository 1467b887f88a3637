"""The embeddable verifier: one call from a credential to a result with stable error codes.

    from vic.verifier import TrustList, verify_credential
    result = verify_credential(text, trust=TrustList.read("trust.json"))
    result.status   # Status.VALID, REVOKED, EXPIRED, ...
    result.checks   # every check, passed / failed (with its error and code) / skipped

Importing it is light (no web framework, database or image libraries) and it never touches the
network unless the caller injects something that does.
"""

from typing import TYPE_CHECKING, Any

from vic.verifier.batch import verify_credentials
from vic.verifier.presentation import PresentationResult, verify_presentation
from vic.verifier.result import Check, CheckName, Status, VerificationResult
from vic.verifier.status import (
    ChainedStatusLists,
    FetchedStatusList,
    HttpStatusLists,
    StaticStatusLists,
    StatusListSource,
)
from vic.verifier.summary import MarkSummary
from vic.verifier.trust import TrustedIssuer, TrustList
from vic.verifier.verify import verify_credential

if TYPE_CHECKING:
    from vic.verifier.pool import BatchVerifier

__all__ = [
    "BatchVerifier",
    "ChainedStatusLists",
    "Check",
    "CheckName",
    "FetchedStatusList",
    "HttpStatusLists",
    "MarkSummary",
    "PresentationResult",
    "StaticStatusLists",
    "Status",
    "StatusListSource",
    "TrustList",
    "TrustedIssuer",
    "VerificationResult",
    "verify_credential",
    "verify_credentials",
    "verify_presentation",
]


def __getattr__(name: str) -> Any:
    """``BatchVerifier`` is imported on first use (pickle and the pool are not needed otherwise)."""
    if name == "BatchVerifier":
        from vic.verifier.pool import BatchVerifier

        return BatchVerifier
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
