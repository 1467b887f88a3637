"""The verifier's API: VC-API ``/credentials/verify``, ``/presentations/verify``,
``/challenges``, and ``/qr/verify`` for the text or photo of a QR code."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from vic.contexts.errors import MalformedValueError, ParsingError, ProofVerificationError
from vic.httpkit.bodies import StrictJsonRoute
from vic.httpkit.problems import PROBLEM_MEDIA_TYPE, error_responses
from vic.vc.dates import format_datetime
from vic.verifier.presentation import PresentationResult, verify_presentation
from vic.verifier.service.bodies import IMAGE_MEDIA_TYPES
from vic.verifier.service.challenges import ChallengeStore
from vic.verifier.service.deps import challenges_of, json_only, settings_of
from vic.verifier.service.models import (
    ChallengeResponse,
    PresentationResponse,
    QrTextRequest,
    VerificationResponse,
    VerifyCredentialRequest,
    VerifyOptions,
    VerifyPresentationRequest,
)
from vic.verifier.service.settings import VerifierSettings
from vic.verifier.service.verification import respond, result_body, run_verification, verify

__all__ = ["router"]

router = APIRouter(route_class=StrictJsonRoute)

Settings = Annotated[VerifierSettings, Depends(settings_of)]
Challenges = Annotated[ChallengeStore, Depends(challenges_of)]

_QR_PREFIXES: Final = ("VC1-", "VIC1:", "{")
_MAX_QR_TEXT: Final = 8000


def _not_verified(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {
                    "anyOf": [
                        {"$ref": "#/components/schemas/VerificationProblem"},
                        {"$ref": "#/components/schemas/Problem"},
                    ]
                }
            }
        },
    }


_VERIFY_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {"description": "It verifies: the verification result (status VALID)."},
    **error_responses(413, 415),
    400: _not_verified(
        "Not a credential (PARSING_ERROR: not JSON, broken QR text...): a problem document "
        "whose `result` is the verification result (status MALFORMED); or a request that "
        "cannot be read at all (a plain problem document)."
    ),
    422: _not_verified(
        "The credential does not verify: a problem document with the first error's code and "
        "the whole result in `result` (status INVALID_PROOF, UNTRUSTED_ISSUER, REVOKED, ...); "
        "or a request body of the wrong shape (INVALID_REQUEST)."
    ),
}


@router.post(
    "/credentials/verify",
    tags=["VC-API"],
    summary="Verify a credential",
    response_model=VerificationResponse,
    response_model_exclude_none=True,
    responses=_VERIFY_RESPONSES,
    dependencies=[Depends(json_only)],
)
async def verify_credential_route(body: VerifyCredentialRequest, settings: Settings) -> Any:
    """Verify a credential completely: data model, mark shape, proofs, issuer binding, trust,
    validity period and status lists. 200 only when it verifies; otherwise 400/422 with the
    result in the problem document's `result`."""
    result = await verify(settings, body.verifiableCredential, body.options)
    return respond(*result_body(result, settings))


def _verify_presentation(
    settings: VerifierSettings, presentation: dict[str, Any], options: VerifyOptions
) -> PresentationResult:
    return verify_presentation(
        presentation,
        trust=settings.trust,
        challenge=options.challenge,
        domain=options.domain,
        resolver=settings.resolver,
        loader=settings.loader,
        clock=settings.clock,
        status_source=settings.status_source,
        check_status_lists=options.checks_status,
        registry=settings.registry,
    )


@router.post(
    "/presentations/verify",
    tags=["VC-API"],
    summary="Verify a presentation",
    response_model=PresentationResponse,
    response_model_exclude_none=True,
    responses=_VERIFY_RESPONSES,
    dependencies=[Depends(json_only)],
)
async def verify_presentation_route(
    body: VerifyPresentationRequest, settings: Settings, challenges: Challenges
) -> Any:
    """Verify a holder's presentation: its proof (purpose authentication) must carry
    `options.challenge`, a challenge this service issued (`POST /challenges`), unexpired and
    not used before (it is used up by this call), and `options.domain` when given; then every
    credential it embeds is verified completely. 200 only when all of it verifies. With
    `--any-issuer` (interop tests on loopback) any challenge the proof carries is accepted."""
    if body.options.challenge is None:
        raise ProofVerificationError(
            "options.challenge is required: get one from POST /challenges",
            code="CHALLENGE_REQUIRED",
        )
    if not settings.any_issuer:
        # In the interop mode the W3C suites sign presentations with challenges of their own:
        # the proof must still carry options.challenge, but it need not come from this service.
        challenges.redeem(body.options.challenge)
    result = await run_verification(
        settings, _verify_presentation, settings, body.verifiablePresentation, body.options
    )
    return respond(*result_body(result, settings))


@router.post(
    "/challenges",
    tags=["VC-API"],
    summary="Get a challenge for a presentation",
    response_model=ChallengeResponse,
    responses=error_responses(400, 413, 415),
    dependencies=[Depends(json_only)],
)
async def create_challenge(challenges: Challenges) -> ChallengeResponse:
    """A new challenge: the holder signs it into the presentation's proof; it is accepted once,
    within its lifetime, by `POST /presentations/verify`."""
    challenge, expires = challenges.issue()
    return ChallengeResponse(challenge=challenge, expires=format_datetime(expires))


_QR_BODY: Final = {
    "requestBody": {
        "required": True,
        "description": 'The QR text as JSON (`{"text": ...}`) or text/plain, or a photo '
        "(PNG, JPEG, WebP, GIF, BMP) or PDF holding the QR code.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/QrTextRequest"}},
            "text/plain": {"schema": {"type": "string", "maxLength": _MAX_QR_TEXT}},
            **{
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in IMAGE_MEDIA_TYPES
            },
        },
    }
}


def plain_qr_text(raw: bytes) -> str:
    """The QR text of a ``text/plain`` body.

    :raises ParsingError: not UTF-8, blank or too long (``INVALID_TEXT``).
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ParsingError("the QR text is not UTF-8", code="INVALID_TEXT") from None
    if not text.strip() or len(text) > _MAX_QR_TEXT:
        raise ParsingError(
            f"the QR text must have 1 to {_MAX_QR_TEXT} characters", code="INVALID_TEXT"
        )
    return text


def credential_text(text: str) -> str:
    """The QR text stripped, when it can hold a credential (``VC1-``, ``VIC1:``, JSON).

    :raises MalformedValueError: something else (``QR_NOT_A_CREDENTIAL``).
    """
    text = text.strip()
    if not text.startswith(_QR_PREFIXES):
        preview = text[:40] + ("…" if len(text) > 40 else "")
        raise MalformedValueError(
            f"the QR code holds no credential, but: {preview!r}",
            code="QR_NOT_A_CREDENTIAL",
        )
    return text


async def _qr_text(request: Request) -> str:
    """The QR text of the request, from JSON, plain text, or an image/PDF.

    :raises RequestValidationError: a JSON body of the wrong shape.
    :raises ParsingError: text that is not UTF-8; an image or PDF without exactly one QR code
        (``INVALID_IMAGE``, ``NO_QR_FOUND``, ``MULTIPLE_QR_FOUND``, ``INVALID_PDF``).
    :raises InputTooLargeError: an image of too many pixels.
    """
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media in IMAGE_MEDIA_TYPES:
        data = await request.body()
        if media == "application/pdf":
            from vic.vc.qrimage import read_qr_pdf

            return await run_in_threadpool(read_qr_pdf, data)
        from vic.vc.qrimage import read_qr_image

        return await run_in_threadpool(read_qr_image, data)
    if media == "text/plain":
        return plain_qr_text(await request.body())
    try:
        return QrTextRequest.model_validate(await request.json()).text
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


@router.post(
    "/qr/verify",
    tags=["QR"],
    summary="Verify the QR code of a mark (text or photo)",
    response_model=VerificationResponse,
    response_model_exclude_none=True,
    responses=_VERIFY_RESPONSES,
    openapi_extra=_QR_BODY,
)
async def verify_qr(request: Request, settings: Settings) -> Any:
    """What a scanner or a phone camera read: the QR text (VC1-R… or VIC1:…), or a photo or PDF
    of the mark. The answer includes the credential and, for a mark, the summary to compare with
    the vehicle (plate, vehicle type, valid-until month). 200 only when it verifies."""
    text = credential_text(await _qr_text(request))
    result = await verify(settings, text, VerifyOptions())
    return respond(*result_body(result, settings, with_credential=True))
