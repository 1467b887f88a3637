"""Errors as RFC 9457 problem details (``application/problem+json``), with vic's stable codes.

Use: ``install_problem_handlers(app, service="the verifier")`` once per FastAPI app;
``problem_response(error)`` where a response is built by hand (middleware);
``error_responses(400, 422)`` in a route's ``responses=`` and ``problem_schema()`` in the OpenAPI
components, so the documentation names the problem document.

Every error a service answers is a problem document built by
:meth:`~vic.contexts.errors.VicError.to_problem`: ``type`` (a VC 2.0 / Data Integrity error type
URL),
``title``, ``status``, ``detail`` and vic's ``code``; request validation errors add ``errors``
(where and why, never the offending input). The HTTP status follows the error family:

=============================================  =====
error                                          HTTP
=============================================  =====
ParsingError, UsageError (bad JSON, arguments) 400
AuthenticationError (no usable token)          401
PermissionDeniedError (scope, owner, station)  403
RecordNotFoundError                            404
ConflictError                                  409
InputTooLargeError                             413
UnsupportedMediaTypeError                      415
everything else (malformed, range, refusal)    422
=============================================  =====
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from vic.contexts.errors import (
    AuthenticationError,
    ConflictError,
    InputTooLargeError,
    InvalidJsonError,
    MalformedValueError,
    ParsingError,
    PermissionDeniedError,
    RecordNotFoundError,
    ServiceBusyError,
    UnsupportedMediaTypeError,
    UsageError,
    VicError,
)

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "Problem",
    "ValidationIssue",
    "error_responses",
    "install_problem_handlers",
    "problem_response",
    "problem_schema",
    "status_for",
]

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"

_log = logging.getLogger("vic.httpkit")

RETRY_AFTER_SECONDS: Final = 5
"""What a 503 (``SERVICE_BUSY``) tells the client to wait before retrying."""

_DESCRIPTIONS: Final = {
    400: "The request cannot be read: not JSON, not an object, duplicate keys, NaN, too deep, "
    "two Content-Type headers (AMBIGUOUS_CONTENT_TYPE), or arguments that cannot work "
    "together (PARSING_ERROR).",
    401: "No usable bearer token: TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_REVOKED.",
    403: "The token may not do this: INSUFFICIENT_SCOPE, NOT_OWNER, STATION_MISMATCH, "
    "ROLE_NOT_ALLOWED.",
    404: "No such record: VEHICLE_NOT_FOUND, MARK_NOT_FOUND, CREDENTIAL_NOT_FOUND, "
    "STATUS_LIST_NOT_FOUND...",
    409: "The request contradicts a record: VEHICLE_EXISTS, PLATE_IN_USE, EVENT_KEY_REUSED...",
    413: "The request body is larger than the service accepts (INPUT_TOO_LARGE).",
    415: "The request body's Content-Type is not one the service reads (UNSUPPORTED_MEDIA_TYPE).",
    503: "The storage stayed busy longer than the service waits (SERVICE_BUSY): nothing was "
    "done; retry after the Retry-After seconds.",
    422: "The request is well-formed but refused: INVALID_REQUEST (schema), malformed values "
    "(INVALID_VIN, INVALID_CREDENTIAL...), or a domain refusal (VAN, TOO_EARLY, "
    "INSPECTION_OVERDUE...).",
}


class ValidationIssue(BaseModel):
    """One reason a request failed validation."""

    loc: list[str | int] = Field(description="Where: body, path, query or header, then the field.")
    msg: str = Field(description="What is wrong.")
    type: str = Field(description="The kind of failure (pydantic's error type).")


class Problem(BaseModel):
    """An RFC 9457 problem details document with vic's stable ``code``."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="The error type URL, e.g. https://www.w3.org/TR/vc-data-model#PARSING_ERROR.",
    )
    title: str = Field(description="The VC 2.0 / Data Integrity error type, e.g. PARSING_ERROR.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong, for people.")
    code: str = Field(description="vic's stable error code (docs/errors.md), for programs.")
    errors: list[ValidationIssue] | None = Field(
        default=None, description="For INVALID_REQUEST: each field that failed validation."
    )


def status_for(error: VicError) -> int:
    """The HTTP status of an error (see the module doc)."""
    if isinstance(error, ServiceBusyError):
        return 503
    if isinstance(error, AuthenticationError):
        return 401
    if isinstance(error, PermissionDeniedError):
        return 403
    if isinstance(error, RecordNotFoundError):
        return 404
    if isinstance(error, ConflictError):
        return 409
    if isinstance(error, InputTooLargeError):
        return 413
    if isinstance(error, UnsupportedMediaTypeError):
        return 415
    if isinstance(error, ParsingError | UsageError):
        return 400
    return 422


def problem_response(
    error: VicError,
    status: int | None = None,
    *,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The problem document of ``error`` as a response."""
    code = status or status_for(error)
    body = error.to_problem(code)
    if extra:
        body.update(extra)
    all_headers = dict(headers or {})
    if code == 401:
        all_headers.setdefault("WWW-Authenticate", 'Bearer realm="vic"')
    if code == 503:
        all_headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return JSONResponse(body, status_code=code, media_type=PROBLEM_MEDIA_TYPE, headers=all_headers)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for error statuses: problem documents."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def _issues(errors: Sequence[Any]) -> list[dict[str, Any]]:
    issues = []
    for error in errors:
        loc = [part if isinstance(part, int) else str(part) for part in error.get("loc", ())]
        issues.append(
            {"loc": loc, "msg": str(error.get("msg", "")), "type": str(error.get("type", ""))}
        )
    return issues


def _validation_problem(errors: Sequence[Any]) -> JSONResponse:
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem_response(InvalidJsonError("the request body is not valid JSON"))
    issues = _issues(errors)
    where = "; ".join(f"{'.'.join(str(p) for p in i['loc'])}: {i['msg']}" for i in issues[:5])
    error = MalformedValueError(f"the request is not valid: {where}", code="INVALID_REQUEST")
    return problem_response(error, 422, extra={"errors": issues})


_HTTP_CODES: Final = {
    400: (ParsingError, "BAD_REQUEST"),
    401: (AuthenticationError, "UNAUTHENTICATED"),
    403: (PermissionDeniedError, "PERMISSION_DENIED"),
    404: (RecordNotFoundError, "ROUTE_NOT_FOUND"),
    405: (UsageError, "METHOD_NOT_ALLOWED"),
    413: (InputTooLargeError, "INPUT_TOO_LARGE"),
    415: (UnsupportedMediaTypeError, "UNSUPPORTED_MEDIA_TYPE"),
}


def _http_problem(exc: StarletteHTTPException) -> JSONResponse:
    kind, code = _HTTP_CODES.get(exc.status_code, (UsageError, "HTTP_ERROR"))
    message = str(exc.detail) if exc.detail else "request refused"
    if exc.status_code == 404 and message == "Not Found":
        message = "no such resource"
    error: VicError = kind(message, code=code)
    return problem_response(error, exc.status_code, headers=exc.headers)


def install_problem_handlers(app: FastAPI, *, service: str = "the service") -> None:
    """Answer every error with a problem document (vic's errors, validation errors, HTTP errors
    such as an unknown route, and, as a last resort, a 500 that hides the internals and says
    "``service`` failed to answer this request")."""

    async def on_vic_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, VicError)
        return problem_response(exc)

    async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return _validation_problem(exc.errors())

    async def on_http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return _http_problem(exc)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unexpected error on %s %s", request.method, request.url.path)
        error = VicError(f"{service} failed to answer this request", code="INTERNAL_ERROR")
        return problem_response(error, 500)

    app.add_exception_handler(VicError, on_vic_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)


def problem_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`Problem` and its parts, for the OpenAPI components."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    return {"Problem": schema, **definitions}
