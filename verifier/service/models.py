"""The request and response bodies of the verifier service, as the OpenAPI document shows them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ChallengeResponse",
    "CheckResult",
    "CredentialResult",
    "ErrorEntry",
    "MarkSummary",
    "PresentationResponse",
    "QrTextRequest",
    "VerificationProblem",
    "VerificationResponse",
    "VerifyCredentialRequest",
    "VerifyOptions",
    "VerifyPresentationRequest",
]

CheckName = Literal["proof", "status", "credentialStatus"]


class VerifyOptions(BaseModel):
    """VC-API verification options."""

    model_config = ConfigDict(extra="forbid")

    checks: list[CheckName] | None = Field(
        default=None,
        description='Which optional checks to run: "status" (alias "credentialStatus") asks '
        "for the status lists. The proof, data model, validity period and trust are always "
        "checked. Omitted: every check.",
    )
    challenge: str | None = Field(
        default=None,
        max_length=200,
        description="Presentations: the challenge the holder's proof must carry (issued by "
        "POST /challenges).",
    )
    domain: str | None = Field(
        default=None,
        max_length=500,
        description="Presentations: the domain the holder's proof must carry.",
    )

    @property
    def checks_status(self) -> bool:
        """Whether the status lists are asked for (every check when ``checks`` is omitted)."""
        return self.checks is None or bool({"status", "credentialStatus"} & set(self.checks))


class VerifyCredentialRequest(BaseModel):
    """``POST /credentials/verify``."""

    model_config = ConfigDict(extra="forbid")

    verifiableCredential: dict[str, Any] = Field(description="The credential, as JSON-LD.")
    options: VerifyOptions = Field(default_factory=VerifyOptions)


class VerifyPresentationRequest(BaseModel):
    """``POST /presentations/verify``."""

    model_config = ConfigDict(extra="forbid")

    verifiablePresentation: dict[str, Any] = Field(description="The presentation, as JSON-LD.")
    options: VerifyOptions = Field(default_factory=VerifyOptions)


class QrTextRequest(BaseModel):
    """``POST /qr/verify`` with a JSON body: the text a scanner read from the QR code."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, max_length=8000, description="The QR text (VC1-R…, VIC1:…, or JSON)."
    )


class ErrorEntry(BaseModel):
    """An error of a failed check."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="vic's stable error code (docs/errors.md).")
    type: str = Field(description="The VC 2.0 error type, e.g. CRYPTOGRAPHIC_SECURITY_ERROR.")
    message: str = Field(description="What is wrong, for people.")


class CheckResult(BaseModel):
    """One check: passed, failed (with its error) or skipped (``passed`` null)."""

    check: str = Field(description="parse, dataModel, mark, proof, issuerBinding, trust, ...")
    passed: bool | None
    detail: dict[str, Any] | None = None
    error: ErrorEntry | None = None


class NamedCode(BaseModel):
    """A code with its zh-CN and English names."""

    model_config = ConfigDict(populate_by_name=True)

    code: str
    zh_CN: str = Field(alias="zh-CN")
    en: str


class MarkSummary(BaseModel):
    """What to compare with the vehicle: present when the credential is a well-formed mark."""

    plate: str = Field(description="The plate number, e.g. 鄂L12345.")
    plateType: NamedCode
    vehicleType: NamedCode
    vin: str
    inspectionBasis: str = Field(description="on-site or exempt.")
    validUntil: str
    validUntilMonth: str = Field(
        description="The month printed on the mark, China Standard Time, YYYY-MM."
    )
    issuer: str = Field(description="The issuer's DID.")
    issuerName: dict[str, str] = Field(
        description="The issuer's names by language (zh-CN, en) from the trust list."
    )


class CredentialResult(BaseModel):
    """The verification result of one credential."""

    verified: bool
    status: str = Field(
        description="VALID, or the first that applies: MALFORMED, INVALID_PROOF, "
        "UNTRUSTED_ISSUER, REVOKED, SUSPENDED, EXPIRED, NOT_YET_VALID, STATUS_UNAVAILABLE."
    )
    checks: list[CheckResult]
    errors: list[ErrorEntry]
    summary: MarkSummary | None = None
    credential: dict[str, Any] | None = Field(
        default=None,
        description="/qr/verify: the credential the QR code holds; presentations: each one.",
    )


class VerificationResponse(CredentialResult):
    """A credential's verification result (200: verified)."""

    warnings: list[dict[str, str]] = Field(
        description="E.g. ANY_ISSUER when the service accepts every issuer (interop mode)."
    )


class PresentationResponse(BaseModel):
    """A presentation's verification result (200: verified)."""

    verified: bool = Field(
        description="The holder's proof verified (challenge, domain, holder binding) and so did "
        "every credential."
    )
    status: str = Field(
        description="The presentation's own failure (MALFORMED, INVALID_PROOF), else the first "
        "status of its credentials (VALID when all are)."
    )
    holder: str | None = None
    checks: list[CheckResult] = Field(description="The presentation's own checks.")
    errors: list[ErrorEntry] = Field(
        description="The presentation's errors, then each credential's."
    )
    credentials: list[CredentialResult]
    warnings: list[dict[str, str]]


class VerificationProblem(BaseModel):
    """A credential that does not verify (400/422): a problem document with the result."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    verified: Literal[False]
    result: VerificationResponse | PresentationResponse


class ChallengeResponse(BaseModel):
    """``POST /challenges``: a challenge for the holder's presentation proof."""

    challenge: str = Field(description="Put it in the presentation proof's challenge.")
    expires: str = Field(description="When it stops being accepted (UTC).")
