"""Verifying with the service's settings, and from the result to the service's answer.

VC-API semantics, which the W3C suites rely on: a credential that verifies answers 200 with the
result; one that does not answers 4xx — 400 when the input could not be read as a credential
(PARSING_ERROR), 422 otherwise — with an RFC 9457 problem document whose ``result`` member holds
the whole result. Never 200 with ``verified: false``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol, TypeVar

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.types import Send

from vic.contexts.errors import ParsingError, VicError
from vic.httpkit.problems import PROBLEM_MEDIA_TYPE
from vic.verifier.presentation import PresentationResult
from vic.verifier.result import Check, CheckName, Status, VerificationResult
from vic.verifier.service.models import VerifyOptions
from vic.verifier.service.settings import VerifierSettings
from vic.verifier.status import FetchedStatusList, StatusListSource
from vic.verifier.verify import verify_credential

__all__ = [
    "ANY_ISSUER_WARNING",
    "respond",
    "result_body",
    "run_verification",
    "send_answer",
    "status_code",
    "verify",
    "warnings",
]

_T = TypeVar("_T")


async def run_verification(
    settings: VerifierSettings, function: Callable[..., _T], *args: Any
) -> _T:
    """``function(*args)``: in a worker thread, so that a status list fetch or a did:web
    resolution never stalls the event loop; in the event loop itself when the settings say the
    sources never wait on the network (:attr:`VerifierSettings.verify_in_loop`: no hand-off)."""
    if settings.verify_in_loop:
        return function(*args)
    return await run_in_threadpool(function, *args)


def _verify_now(
    settings: VerifierSettings,
    credential: dict[str, Any] | str,
    options: VerifyOptions,
    status_source: StatusListSource | None,
) -> VerificationResult:
    return verify_credential(
        credential,
        trust=settings.trust,
        resolver=settings.resolver,
        loader=settings.loader,
        clock=settings.clock,
        status_source=status_source,
        check_status_lists=options.checks_status,
        registry=settings.registry,
    )


class _InMemoryProbe:
    """The lists a worker holds in memory, noting whether one was asked for and not there."""

    def __init__(self, source: StatusListSource) -> None:
        self._source = source
        self.missed = False

    def get(self, url: str) -> Mapping[str, Any] | FetchedStatusList | None:
        found = self._source.get(url)
        if found is None:
            self.missed = True
        return found


async def verify(
    settings: VerifierSettings, credential: dict[str, Any] | str, options: VerifyOptions
) -> VerificationResult:
    """Verify a credential (JSON, or QR text) completely with the service's settings.

    In the event loop when nothing can wait (:attr:`VerifierSettings.verify_in_loop`); else,
    with :attr:`VerifierSettings.status_in_memory` and the default resolver and loader, in the
    event loop first with the status lists in memory, and again in a worker thread with the
    status source when one of them was not there (the first answer is dropped); else in a
    worker thread.
    """
    source = settings.status_source
    if settings.verify_in_loop:
        return _verify_now(settings, credential, options, source)
    memory = settings.status_in_memory
    if memory is not None and settings.resolver is None and settings.loader is None:
        probe = _InMemoryProbe(memory)
        result = _verify_now(settings, credential, options, probe)
        if not probe.missed:
            return result
    return await run_in_threadpool(_verify_now, settings, credential, options, source)


def respond(code: int, body: dict[str, Any]) -> JSONResponse:
    """The answer: JSON for 200, a problem document otherwise."""
    media = "application/json" if code == 200 else PROBLEM_MEDIA_TYPE
    return JSONResponse(body, status_code=code, media_type=media)


_RENDER: Final = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
).encode
"""What :class:`JSONResponse` renders a body with (``json.dumps`` with these arguments), built
once instead of once a response."""
_MEDIA: Final = {200: b"application/json"}
_PROBLEM: Final = PROBLEM_MEDIA_TYPE.encode("latin-1")


async def send_answer(code: int, body: dict[str, Any], send: Send) -> None:
    """Send :func:`respond`'s answer as its ASGI messages, byte for byte, without building a
    response object (the lean path of the hot routes; tests/verifier_service/test_answers.py
    compares the two)."""
    content = _RENDER(body).encode("utf-8")
    headers = [
        (b"content-length", str(len(content)).encode("latin-1")),
        (b"content-type", _MEDIA.get(code, _PROBLEM)),
    ]
    await send({"type": "http.response.start", "status": code, "headers": headers})
    await send({"type": "http.response.body", "body": content})


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
