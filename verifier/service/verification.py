"""From a :class:`~vic.verifier.result.VerificationResult` to the service's answer.

VC-API semantics, which the W3C suites rely on: a credential that verifies answers 200 with the
result; one that does not answers 4xx — 400 when the input could not be read as a credential
(PARSING_ERROR), 422 otherwise — with an RFC 9457 problem document whose ``result`` member holds
the whole result. Never 200 with ``verified: false``.
"""

from __future__ import annotations

from typing import Any, Protocol

from vic.contexts.errors import ParsingError, VicError
from vic.verifier.presentation import PresentationResult
from vic.verifier.result import Check, CheckName, Status, VerificationResult
from vic.verifier.service.settings import VerifierSettings

__all__ = ["ANY_ISSUER_WARNING", "result_body", "status_code", "warnings"]

ANY_ISSUER_WARNING = {
    "code": "ANY_ISSUER",
    "message": "this verifier accepts every issuer (interop test mode): the trust check is void",
}


def warnings(settings: VerifierSettings) -> list[dict[str, str]]:
    """The warnings every answer of this service carries."""
    return [dict(ANY_ISSUER_WARNING)] if settings.any_issuer else []


class _Result(Protocol):
    @property
    def verified(self) -> bool: ...
    @property
    def status(self) -> Status: ...
    @property
    def errors(self) -> tuple[VicError, ...]: ...
    def check(self, name: CheckName) -> Check | None: ...


def status_code(result: _Result) -> int:
    """200 when verified; else 400 for input that is not a credential, 422 for the rest."""
    if result.verified:
        return 200
    parse = result.check(CheckName.PARSE)
    first = result.errors[0] if result.errors else None
    if (parse is not None and parse.passed is False) or isinstance(first, ParsingError):
        return 400
    return 422


def result_body(
    result: VerificationResult | PresentationResult,
    settings: VerifierSettings,
    *,
    with_credential: bool = False,
) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body for ``result`` (see the module doc)."""
    body = result.to_dict()
    views = body["credentials"] if isinstance(result, PresentationResult) else [body]
    for view in views:
        if view.get("summary") is None:
            view.pop("summary", None)
        if not with_credential or view.get("credential") is None:
            view.pop("credential", None)
    body["warnings"] = warnings(settings)
    code = status_code(result)
    if code == 200:
        return code, body
    error = result.errors[0] if result.errors else VicError("not verified", code="NOT_VERIFIED")
    problem = error.to_problem(code)
    problem["detail"] = f"{result.status.value}: {error.message}"
    problem["verified"] = False
    problem["result"] = body
    return code, problem
