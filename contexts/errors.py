"""The one error tree of vic, with stable codes.

It lives in the lowest layer so that every layer (contexts, did, vc and the roles above them) raises
from the same hierarchy; the public import point is :mod:`vic.vc.errors`.

Every error has a stable ``code`` (what scripts and embedding apps match on) and a ``problem_type``,
one of the VC 2.0 / Data Integrity error types, used for RFC 9457 problem details::

    VicError
    ├── ParsingError                      PARSING_ERROR
    │   ├── InputTooLargeError            INPUT_TOO_LARGE
    │   ├── NestingTooDeepError           NESTING_TOO_DEEP
    │   ├── InvalidJsonError              INVALID_JSON
    │   └── UnsupportedMediaTypeError     UNSUPPORTED_MEDIA_TYPE
    ├── MalformedValueError               MALFORMED_VALUE_ERROR
    │   ├── JsonLdError                   (JSON-LD processing)
    │   │   ├── UnknownContextError       UNKNOWN_CONTEXT
    │   │   ├── UndefinedTermError        UNDEFINED_TERM
    │   │   ├── RelativeIriError          RELATIVE_IRI
    │   │   ├── ProtectedTermError        PROTECTED_TERM_REDEFINITION
    │   │   └── JsonLdLimitError          JSONLD_LIMIT (a work cap: values, arrays, steps)
    │   │       └── CanonicalizationLimitError CANONICALIZATION_LIMIT
    │   ├── DataModelError                INVALID_CREDENTIAL (and finer codes)
    │   ├── MarkShapeError                INVALID_MARK (and finer codes)
    │   ├── InvalidDidError               INVALID_DID
    │   ├── InvalidKeyError               INVALID_KEY
    │   └── StatusListError               INVALID_STATUS_LIST
    ├── RangeError                        RANGE_ERROR
    │   ├── ValidityRangeError            VALIDITY_RANGE
    │   ├── StatusIndexRangeError         STATUS_INDEX_OUT_OF_RANGE
    │   └── ValidityPeriodError           EXPIRED / NOT_YET_VALID
    ├── CryptographicSecurityError        CRYPTOGRAPHIC_SECURITY_ERROR
    │   ├── ProofVerificationError        PROOF_VERIFICATION_ERROR (and finer codes)
    │   ├── UnsupportedCryptosuiteError   UNSUPPORTED_CRYPTOSUITE
    │   ├── KeyTypeMismatchError          KEY_TYPE_MISMATCH
    │   ├── VerificationMethodError       VERIFICATION_METHOD_NOT_FOUND / _NOT_AUTHORIZED
    │   └── DidResolutionError            DID_NOT_FOUND / UNSUPPORTED_DID_METHOD
    ├── CredentialStatusError             REVOKED / SUSPENDED
    ├── StatusUnavailableError            STATUS_UNAVAILABLE (STATUS_RETRIEVAL_ERROR)
    ├── StatusVerificationError           STATUS_LIST_UNVERIFIED (STATUS_VERIFICATION_ERROR)
    ├── ProofGenerationError              PROOF_GENERATION_ERROR
    ├── TrustError                        UNTRUSTED_ISSUER / INVALID_TRUST_LIST
    ├── ServiceBusyError                  SERVICE_BUSY (HTTP 503: retry later)
    ├── DomainError                       DOMAIN_ERROR (the issuer's domain: vehicles, marks)
    │   ├── RecordNotFoundError           NOT_FOUND (VEHICLE_NOT_FOUND, MARK_NOT_FOUND...)
    │   ├── ConflictError                 CONFLICT (VEHICLE_EXISTS, EVENT_KEY_REUSED...)
    │   ├── RefusedError                  REFUSED (VAN, CASUALTY_ACCIDENT, UNKNOWN_STATION...)
    │   └── PermissionDeniedError         PERMISSION_DENIED (NOT_OWNER, ROLE_NOT_ALLOWED...)
    ├── WalletError                       WALLET_ERROR (the holder's side)
    │   ├── WalletStoreError              STORE_CORRUPT / STORE_UNWRITABLE / STORE_LOCKED...
    │   └── IssuanceProtocolError         OID4VCI_ERROR (an issuer's OAuth / OpenID4VCI error)
    └── UsageError                        USAGE_ERROR (bad arguments to a command or API)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

__all__ = [
    "AuthenticationError",
    "CanonicalizationLimitError",
    "ConflictError",
    "CredentialStatusError",
    "CryptographicSecurityError",
    "DataModelError",
    "DidResolutionError",
    "DomainError",
    "FetchError",
    "InputTooLargeError",
    "InvalidDidError",
    "InvalidJsonError",
    "InvalidKeyError",
    "IssuanceProtocolError",
    "JsonLdError",
    "JsonLdLimitError",
    "KeyTypeMismatchError",
    "MalformedValueError",
    "MarkShapeError",
    "NestingTooDeepError",
    "ParsingError",
    "PermissionDeniedError",
    "ProblemType",
    "ProofGenerationError",
    "ProofVerificationError",
    "ProtectedTermError",
    "RangeError",
    "RecordNotFoundError",
    "RefusedError",
    "RelativeIriError",
    "ServiceBusyError",
    "StatusIndexRangeError",
    "StatusListError",
    "StatusUnavailableError",
    "StatusVerificationError",
    "TrustError",
    "UndefinedTermError",
    "UnknownContextError",
    "UnsupportedCryptosuiteError",
    "UnsupportedMediaTypeError",
    "UsageError",
    "ValidityPeriodError",
    "ValidityRangeError",
    "VerificationMethodError",
    "VicError",
    "WalletError",
    "WalletStoreError",
]


class ProblemType(StrEnum):
    """The error types of VC 2.0 (section 7.1) and Data Integrity (section 2.4)."""

    PARSING_ERROR = "PARSING_ERROR"
    CRYPTOGRAPHIC_SECURITY_ERROR = "CRYPTOGRAPHIC_SECURITY_ERROR"
    MALFORMED_VALUE_ERROR = "MALFORMED_VALUE_ERROR"
    RANGE_ERROR = "RANGE_ERROR"
    PROOF_GENERATION_ERROR = "PROOF_GENERATION_ERROR"
    PROOF_VERIFICATION_ERROR = "PROOF_VERIFICATION_ERROR"
    STATUS_RETRIEVAL_ERROR = "STATUS_RETRIEVAL_ERROR"
    STATUS_VERIFICATION_ERROR = "STATUS_VERIFICATION_ERROR"
    CREDENTIAL_STATUS = "CREDENTIAL_STATUS"
    """vic's own: the credential verified, and its status says revoked or suspended."""
    NOT_FOUND = "NOT_FOUND"
    """vic's own: the record or resource asked for does not exist (HTTP 404)."""
    CONFLICT = "CONFLICT"
    """vic's own: the request contradicts what is stored (HTTP 409)."""
    AUTHENTICATION_REQUIRED = "AUTHENTICATION_REQUIRED"
    """vic's own: no usable credentials came with the request (HTTP 401)."""
    PERMISSION_DENIED = "PERMISSION_DENIED"
    """vic's own: the caller may not do this (HTTP 403)."""
    SERVICE_BUSY = "SERVICE_BUSY"
    """vic's own: the service cannot answer now, the request may be retried (HTTP 503)."""

    @property
    def uri(self) -> str:
        """The problem-details ``type`` URL of this error type."""
        if self in (ProblemType.PROOF_GENERATION_ERROR, ProblemType.PROOF_VERIFICATION_ERROR):
            return f"https://w3id.org/security#{self.value}"
        if self in (ProblemType.STATUS_RETRIEVAL_ERROR, ProblemType.STATUS_VERIFICATION_ERROR):
            return f"https://www.w3.org/ns/credentials/status-list#{self.value}"
        if self in _VIC_TYPES:
            return f"https://w3id.org/vehicle-inspection/errors#{self.value}"
        return f"https://www.w3.org/TR/vc-data-model#{self.value}"

    @property
    def vc_code(self) -> int:
        """The numeric code VC 2.0 and Data Integrity assign to the type."""
        return _VC_CODES[self]


_VC_CODES = {
    ProblemType.PARSING_ERROR: -64,
    ProblemType.CRYPTOGRAPHIC_SECURITY_ERROR: -65,
    ProblemType.MALFORMED_VALUE_ERROR: -66,
    ProblemType.RANGE_ERROR: -67,
    ProblemType.PROOF_GENERATION_ERROR: -16,
    ProblemType.PROOF_VERIFICATION_ERROR: -17,
    ProblemType.STATUS_RETRIEVAL_ERROR: -128,
    ProblemType.STATUS_VERIFICATION_ERROR: -129,
    ProblemType.CREDENTIAL_STATUS: -1000,
    ProblemType.NOT_FOUND: -1001,
    ProblemType.CONFLICT: -1002,
    ProblemType.AUTHENTICATION_REQUIRED: -1003,
    ProblemType.PERMISSION_DENIED: -1004,
    ProblemType.SERVICE_BUSY: -1005,
}
_VIC_TYPES = frozenset(
    {
        ProblemType.CREDENTIAL_STATUS,
        ProblemType.NOT_FOUND,
        ProblemType.CONFLICT,
        ProblemType.AUTHENTICATION_REQUIRED,
        ProblemType.PERMISSION_DENIED,
        ProblemType.SERVICE_BUSY,
    }
)


class VicError(Exception):
    """Base of every error vic raises on purpose.

    ``code`` is stable: it never changes meaning once released. A subclass sets a default; an
    instance may carry a finer code of the same family (``MarkShapeError(code="INVALID_VIN")``).
    """

    default_code: ClassVar[str] = "VIC_ERROR"
    problem_type: ClassVar[ProblemType] = ProblemType.MALFORMED_VALUE_ERROR

    def __init__(self, message: str, *, code: str | None = None, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.detail: dict[str, Any] = detail

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view: code, problem type, message and any detail."""
        out: dict[str, Any] = {
            "code": self.code,
            "type": self.problem_type.value,
            "message": self.message,
        }
        if self.detail:
            out["detail"] = {k: _jsonable(v) for k, v in self.detail.items()}
        return out

    def to_problem(self, status: int) -> dict[str, Any]:
        """RFC 9457 problem details for this error."""
        return {
            "type": self.problem_type.uri,
            "title": self.problem_type.value,
            "status": status,
            "detail": self.message,
            "code": self.code,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


# --- parsing -------------------------------------------------------------------------------------


class ParsingError(VicError):
    """The input could not be read as the expected format at all."""

    default_code = "PARSING_ERROR"
    problem_type = ProblemType.PARSING_ERROR


class InputTooLargeError(ParsingError):
    """The input is larger than the configured cap; it was not parsed."""

    default_code = "INPUT_TOO_LARGE"


class NestingTooDeepError(ParsingError):
    """The input nests deeper than the configured cap."""

    default_code = "NESTING_TOO_DEEP"


class InvalidJsonError(ParsingError):
    """The input is not well-formed JSON (or not a JSON object where one is required)."""

    default_code = "INVALID_JSON"


class UnsupportedMediaTypeError(ParsingError):
    """A request body's ``Content-Type`` is not one the service reads (HTTP 415)."""

    default_code = "UNSUPPORTED_MEDIA_TYPE"


# --- malformed values ----------------------------------------------------------------------------


class MalformedValueError(VicError):
    """A value is present but not of the required form."""

    default_code = "MALFORMED_VALUE_ERROR"
    problem_type = ProblemType.MALFORMED_VALUE_ERROR


class JsonLdError(MalformedValueError):
    """JSON-LD processing failed or would have lost information."""

    default_code = "JSONLD_ERROR"


class UnknownContextError(JsonLdError):
    """A context URL is not one of the bundled documents (nothing is fetched)."""

    default_code = "UNKNOWN_CONTEXT"


class UndefinedTermError(JsonLdError):
    """A property or type does not expand to an absolute IRI and would be dropped."""

    default_code = "UNDEFINED_TERM"


class RelativeIriError(JsonLdError):
    """An ``id`` or ``type`` value expands to a relative IRI, which RDF would drop."""

    default_code = "RELATIVE_IRI"


class ProtectedTermError(JsonLdError):
    """A context tries to redefine a protected term."""

    default_code = "PROTECTED_TERM_REDEFINITION"


class JsonLdLimitError(JsonLdError):
    """JSON-LD processing would exceed a work cap (too many values, too long an array, too many
    processing steps); the work is refused before it is done."""

    default_code = "JSONLD_LIMIT"


class CanonicalizationLimitError(JsonLdLimitError):
    """RDF canonicalization exceeded its work cap (a poison graph, or simply too large)."""

    default_code = "CANONICALIZATION_LIMIT"


class DataModelError(MalformedValueError):
    """The document breaks a rule of the VC data model."""

    default_code = "INVALID_CREDENTIAL"


class MarkShapeError(MalformedValueError):
    """The credential is not a well-formed vehicle inspection mark."""

    default_code = "INVALID_MARK"


class InvalidDidError(MalformedValueError):
    """A DID or DID URL is not syntactically valid, or a DID document is malformed."""

    default_code = "INVALID_DID"


class InvalidKeyError(MalformedValueError):
    """Key material is malformed, of an unsupported type, or weak (off the curve, small order)."""

    default_code = "INVALID_KEY"


class StatusListError(MalformedValueError):
    """A status list credential or status entry is malformed."""

    default_code = "INVALID_STATUS_LIST"


# --- ranges --------------------------------------------------------------------------------------


class RangeError(VicError):
    """A value is well-formed but outside the range it must be in."""

    default_code = "RANGE_ERROR"
    problem_type = ProblemType.RANGE_ERROR


class ValidityRangeError(RangeError):
    """validFrom is after validUntil (or issuanceDate after expirationDate)."""

    default_code = "VALIDITY_RANGE"


class StatusIndexRangeError(RangeError):
    """A status list index lies outside the list."""

    default_code = "STATUS_INDEX_OUT_OF_RANGE"


class ValidityPeriodError(RangeError):
    """The credential is outside its validity period (code EXPIRED or NOT_YET_VALID)."""

    default_code = "EXPIRED"


# --- cryptography --------------------------------------------------------------------------------


class CryptographicSecurityError(VicError):
    """A cryptographic check failed or could not be made."""

    default_code = "CRYPTOGRAPHIC_SECURITY_ERROR"
    problem_type = ProblemType.CRYPTOGRAPHIC_SECURITY_ERROR


class ProofVerificationError(CryptographicSecurityError):
    """A proof does not verify (bad signature, bad proofValue, wrong purpose, domain...)."""

    default_code = "PROOF_VERIFICATION_ERROR"


class UnsupportedCryptosuiteError(CryptographicSecurityError):
    """The proof names a type or cryptosuite vic does not implement."""

    default_code = "UNSUPPORTED_CRYPTOSUITE"


class KeyTypeMismatchError(CryptographicSecurityError):
    """The key does not fit the cryptosuite (a P-256 key under an eddsa suite, say)."""

    default_code = "KEY_TYPE_MISMATCH"


class VerificationMethodError(CryptographicSecurityError):
    """The verification method is unknown or not authorized for the proof purpose."""

    default_code = "VERIFICATION_METHOD_NOT_FOUND"


class DidResolutionError(CryptographicSecurityError):
    """A DID could not be resolved (unknown method, no pinned document, fetch refused)."""

    default_code = "DID_NOT_FOUND"


class FetchError(VicError):
    """The guarded fetcher refused a URL or could not fetch it (vic.did.fetch).

    Codes: ``FETCH_BAD_URL``, ``FETCH_NOT_HTTPS``, ``FETCH_ADDRESS_REFUSED`` (private, loopback,
    link-local, multicast...), ``FETCH_TOO_MANY_REDIRECTS``, ``FETCH_TOO_LARGE``, ``FETCH_TIMEOUT``,
    ``FETCH_UNREACHABLE``, ``FETCH_HTTP_STATUS``.
    """

    default_code = "FETCH_FAILED"
    problem_type = ProblemType.STATUS_RETRIEVAL_ERROR


# --- status ------------------------------------------------------------------------------------


class CredentialStatusError(VicError):
    """The credential's status list says revoked (code REVOKED) or suspended (SUSPENDED)."""

    default_code = "REVOKED"
    problem_type = ProblemType.CREDENTIAL_STATUS


class StatusUnavailableError(VicError):
    """The status list could not be obtained (offline with no cached copy, fetch failed)."""

    default_code = "STATUS_UNAVAILABLE"
    problem_type = ProblemType.STATUS_RETRIEVAL_ERROR


class StatusVerificationError(VicError):
    """The status list credential itself did not verify (proof, issuer, validity)."""

    default_code = "STATUS_LIST_UNVERIFIED"
    problem_type = ProblemType.STATUS_VERIFICATION_ERROR


# --- proof generation, trust, usage --------------------------------------------------------------


class ProofGenerationError(VicError):
    """A proof could not be created from the given document, key and options."""

    default_code = "PROOF_GENERATION_ERROR"
    problem_type = ProblemType.PROOF_GENERATION_ERROR


class TrustError(VicError):
    """The issuer is not trusted, or a trust list is malformed."""

    default_code = "UNTRUSTED_ISSUER"
    problem_type = ProblemType.CRYPTOGRAPHIC_SECURITY_ERROR


# --- the issuer's domain -------------------------------------------------------------------------


class ServiceBusyError(VicError):
    """The storage stayed busy (a lock held by another process, every connection in use) for
    longer than the service waits: nothing was done, and the same request may be retried
    (HTTP 503 with ``Retry-After``)."""

    default_code = "SERVICE_BUSY"
    problem_type = ProblemType.SERVICE_BUSY


class DomainError(VicError):
    """A request to the issuer that its domain rules do not allow (see docs/issuer.md).

    The four subclasses say how a service should answer (not found, conflict, refused, forbidden);
    ``code`` says exactly why and is stable.
    """

    default_code = "DOMAIN_ERROR"
    problem_type = ProblemType.MALFORMED_VALUE_ERROR


class RecordNotFoundError(DomainError):
    """The vehicle, mark, station, credential or status list asked for does not exist."""

    default_code = "NOT_FOUND"
    problem_type = ProblemType.NOT_FOUND


class ConflictError(DomainError):
    """The request contradicts a record: a VIN already registered, an event key reused..."""

    default_code = "CONFLICT"
    problem_type = ProblemType.CONFLICT


class RefusedError(DomainError):
    """The rules refuse the request: an exemption for a van, a report from an unknown station..."""

    default_code = "REFUSED"
    problem_type = ProblemType.RANGE_ERROR


class PermissionDeniedError(DomainError):
    """The actor may not do this (not the vehicle's owner, not a station, another station)."""

    default_code = "PERMISSION_DENIED"
    problem_type = ProblemType.PERMISSION_DENIED


class AuthenticationError(PermissionDeniedError):
    """No usable bearer token: missing (``TOKEN_MISSING``), unknown or malformed
    (``TOKEN_INVALID``), expired (``TOKEN_EXPIRED``) or revoked (``TOKEN_REVOKED``).

    An HTTP service answers it with 401; its parent, :class:`PermissionDeniedError`, is a 403
    (a valid token without the scope, ``INSUFFICIENT_SCOPE``).
    """

    default_code = "UNAUTHENTICATED"
    problem_type = ProblemType.AUTHENTICATION_REQUIRED


# --- the wallet (the holder's side) -------------------------------------------------------------


class WalletError(VicError):
    """The wallet cannot do what was asked: a mark it does not hold, an offer it cannot use."""

    default_code = "WALLET_ERROR"
    problem_type = ProblemType.MALFORMED_VALUE_ERROR


class WalletStoreError(WalletError):
    """The wallet's store file cannot be used: corrupt or truncated (``STORE_CORRUPT``), of an
    unknown version (``STORE_VERSION``), busy (``STORE_LOCKED``) or not writable
    (``STORE_UNWRITABLE``). The file is left exactly as it was found."""

    default_code = "STORE_CORRUPT"
    problem_type = ProblemType.PARSING_ERROR


class IssuanceProtocolError(WalletError):
    """An OpenID4VCI exchange failed. ``code`` is vic's (``OFFER_INVALID``, ``TOKEN_REJECTED``,
    ``CREDENTIAL_REJECTED``, ``ISSUER_UNREACHABLE``...); ``detail["error"]`` carries the issuer's
    OAuth / OpenID4VCI error code when it sent one (``invalid_grant``, ``invalid_proof``...)."""

    default_code = "OID4VCI_ERROR"
    problem_type = ProblemType.PARSING_ERROR


class UsageError(VicError):
    """An API or command was called with arguments that cannot work together."""

    default_code = "USAGE_ERROR"
    problem_type = ProblemType.PARSING_ERROR
