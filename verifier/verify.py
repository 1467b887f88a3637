"""One call from a credential (JSON text, bytes or parsed) to a :class:`VerificationResult`.

Checks, in order: parse, data model, mark shape (for inspection marks), proofs, issuer binding
(a proof by a method the issuer controls), trust, validity period, status (revocation and
suspension). The clock, resolver, document loader and status source are injected; with the
defaults nothing touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Final, Protocol

from vic.contexts.errors import (
    CredentialStatusError,
    ProofVerificationError,
    StatusListError,
    StatusUnavailableError,
    TrustError,
    ValidityPeriodError,
    VicError,
)
from vic.contexts.loader import DocumentLoader
from vic.did.multibase import forget_decoded, remember_decoded
from vic.did.resolver import Resolver
from vic.vc.contextpolicy import DEFAULT_CONTEXT_POLICY, ContextPolicy
from vic.vc.datamodel import CredentialInfo, check_credential
from vic.vc.dates import (
    DEFAULT_CLOCK_SKEW,
    Clock,
    check_skew,
    format_datetime,
    parse_datetime,
    system_clock,
)
from vic.vc.frozen import frozen
from vic.vc.jsonio import check_depth, parse_json_object
from vic.vc.mark import VehicleSubject, check_mark, has_mark_type_iri
from vic.vc.markpass import MarkPass, mark_pass
from vic.vc.proofs import verify_proofs_of_allowed_contexts
from vic.vc.status import (
    StatusEntry,
    StatusList,
    StatusPurpose,
    parse_status_entries,
    status_message,
    status_value,
)
from vic.verifier.result import Check, CheckName, Status, VerificationResult
from vic.verifier.scan import credential_text
from vic.verifier.status import (
    FetchedStatusList,
    StaticStatusLists,
    StatusListSource,
    verified_status_list,
)
from vic.verifier.summary import summarize_mark
from vic.verifier.trust import TrustList

if TYPE_CHECKING:
    from vic.vc.cborld import Registry
    from vic.vc.jose import JwtResult

# The barcode, COSE and JOSE readers (CBOR-LD, cbor2, jwcrypto) are imported on first use, so
# that `import vic.verifier` stays light.

__all__ = ["StaticStatusLists", "StatusListSource", "verify_credential"]


class VerifyList(Protocol):
    """How a status list is verified and decoded (:func:`verified_status_list`'s signature)."""

    def __call__(
        self,
        fetched: FetchedStatusList,
        *,
        issuer: str,
        resolver: Resolver,
        loader: DocumentLoader | None,
        clock: Clock,
        skew: timedelta,
    ) -> StatusList: ...


def verify_credential(
    credential: Mapping[str, Any] | bytes | str,
    *,
    trust: TrustList,
    resolver: Resolver | None = None,
    loader: DocumentLoader | None = None,
    clock: Clock = system_clock,
    status_source: StatusListSource | None = None,
    check_status_lists: bool = True,
    registry: Registry | None = None,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    context_policy: ContextPolicy = DEFAULT_CONTEXT_POLICY,
    verify_list: VerifyList = verified_status_list,
) -> VerificationResult:
    """Verify a credential completely and report every check.

    ``credential`` is a parsed JSON object, or text/bytes holding JSON, a ``VC1-R`` barcode text
    (W3C VC Barcodes: CBOR-LD in base45; decoded with ``registry``, by default the built-in
    entries plus the trust list's) or a ``VIC1:`` barcode text (the COSE profile); bytes may
    also be a PNG/JPEG photo or a PDF holding the QR code
    (:func:`vic.verifier.scan.credential_text`).

    ``resolver`` defaults to the trust list's (pinned documents, did:key, did:jwk). Without a
    ``status_source`` a credential that has a status cannot learn it: STATUS_UNAVAILABLE, unless
    ``check_status_lists`` is False (the result then says the status was skipped).
    ``clock_skew`` (default 5 minutes) is how far the issuer's clock may be from ``clock``: it
    widens the validity periods of the credential and its status lists and bounds a proof's
    ``created``. ``context_policy`` says which ``@context`` values are accepted, for every
    format and cryptosuite (default: bundled or loader-configured URLs, no inline contexts; a
    refusal fails the data model check). ``verify_list`` verifies and decodes a status list
    (:func:`~vic.verifier.status.verified_status_list`; a batch passes one that does it once per
    list and issuer for the batch). A credential is checked as a mark when its
    ``VehicleInspectionCredential`` type expands to the mark vocabulary's IRI.
    Only vic's own errors become failed checks; anything else is a bug and propagates.
    """
    skew = check_skew(clock_skew)
    try:
        # the registry is built from the trust list only for a VC1 barcode (JSON needs none)
        parsed = _parse(credential, lambda: registry or trust.registry(), loader, context_policy)
    except VicError as exc:
        return VerificationResult((Check.failed(CheckName.PARSE, exc),))
    document = parsed.document
    checks: list[Check] = [Check.passed_with(CheckName.PARSE, {"format": parsed.format})]

    passed = parsed.checked if parsed.tried else mark_pass(document, loader, context_policy)
    shape = _shape_checks(document, loader, context_policy, checks, passed)
    if shape is None:
        return VerificationResult(tuple(checks), document)
    info, subject = shape

    resolver = resolver or trust.resolver()
    start, end = info.valid_from, info.valid_until
    dated = _not_before(info.valid_from, document)  # checked against the key's retirement
    if parsed.cose is not None:
        checks.extend(_cose_checks(parsed.cose, info.issuer, resolver, dated))
    elif parsed.jwt is not None:
        jwt_checks, jwt = _jwt_checks(parsed.jwt, info.issuer, resolver, dated)
        checks.extend(jwt_checks)
        if jwt is not None:  # the token's nbf/exp narrow the credential's validity period
            start = _latest(start, jwt.not_before)
            end = _earliest(end, jwt.expires)
    else:
        # for this call only: the proofValue's bytes as the barcode held them
        token = remember_decoded(parsed.multibase) if parsed.multibase else None
        try:
            checks.extend(
                _proof_checks(
                    document,
                    info.issuer,
                    resolver,
                    loader,
                    clock,
                    skew,
                    dated,
                    parsed.depth_checked,
                )
            )
        finally:
            if token is not None:
                forget_decoded(token)

    return _conclude(
        checks,
        document,
        info,
        subject,
        _latest(dated, start),
        end,
        trust,
        status_source,
        check_status_lists,
        resolver,
        loader,
        clock,
        skew,
        verify_list,
    )


@dataclass(slots=True)
class _Parsed:  # not frozen: made once per call and never changed (frozen costs a setattr a field)
    document: dict[str, Any]
    format: str
    cose: bytes | None = None
    """The COSE_Sign1 message when the credential came as vc+cose (or in the COSE QR profile)."""
    jwt: str | None = None
    """The compact token when the credential came as vc+jwt."""
    depth_checked: bool = False
    """Whether the document's nesting was checked with check_depth's defaults while parsing."""
    multibase: tuple[tuple[str, bytes], ...] = ()
    """Multibase texts of the document the CBOR-LD decoder wrote from bytes, with the bytes
    (the proof check then need not decode its proofValue again: remember_decoded)."""
    tried: bool = False
    """Whether :func:`mark_pass` ran while parsing (its answer is ``checked``)."""
    checked: MarkPass | None = None


def _shape_checks(
    document: dict[str, Any],
    loader: DocumentLoader | None,
    context_policy: ContextPolicy,
    checks: list[Check],
    passed: MarkPass | None,
) -> tuple[CredentialInfo, VehicleSubject | None] | None:
    """The data model, context policy and (for a mark) mark shape checks, appended to
    ``checks``; None after a failed one. ``passed`` is :func:`mark_pass`'s answer: a mark that
    passed them all in one walk (the same results); None runs the checks one by one."""
    if passed is not None:
        info = passed.info
        checks.append(
            Check.passed_with(
                CheckName.DATA_MODEL, {"version": info.version, "issuer": info.issuer}
            )
        )
        checks.append(Check.passed_with(CheckName.MARK, {}))
        return info, passed.subject
    try:
        info = check_credential(document)
        context_policy.check(document, loader)
    except VicError as exc:
        checks.append(Check.failed(CheckName.DATA_MODEL, exc))
        return None
    checks.append(Check.ok(CheckName.DATA_MODEL, version=info.version, issuer=info.issuer))
    if not has_mark_type_iri(document, loader):
        return info, None
    try:
        subject = check_mark(document)
    except VicError as exc:
        checks.append(Check.failed(CheckName.MARK, exc))
        return None
    checks.append(Check.ok(CheckName.MARK))
    return info, subject


def _conclude(
    checks: list[Check],
    document: dict[str, Any],
    info: CredentialInfo,
    subject: VehicleSubject | None,
    start: datetime | None,
    end: datetime | None,
    trust: TrustList,
    status_source: StatusListSource | None,
    check_status_lists: bool,
    resolver: Resolver,
    loader: DocumentLoader | None,
    clock: Clock,
    skew: timedelta,
    verify_list: VerifyList,
) -> VerificationResult:
    """The checks after the proofs (trust, validity, status), the summary and the result."""
    issuer = info.issuer
    if not trust.binds_issuers():
        checks = [_unbound(c) for c in checks]

    is_trusted = trust.trusts(issuer)
    trusted = trust.get(issuer) if is_trusted else None  # asked once, for the summary too
    if is_trusted:
        name = dict(trusted.name) if trusted else {}
        checks.append(Check.passed_with(CheckName.TRUST, {"issuerName": name}))
    else:
        checks.append(
            Check.failed(CheckName.TRUST, TrustError(f"{issuer} is not a trusted issuer"))
        )

    # Status is asked only for genuine credentials of trusted issuers: a forgery or an unknown
    # issuer must not make the verifier fetch URLs it names. Expiry does not stop the check:
    # REVOKED ranks above EXPIRED.
    genuine_and_trusted = True
    for check in checks:
        if check.passed is False:
            genuine_and_trusted = False
            break
    now = clock()
    if subject is None:
        checks.append(_validity(start, end, now, skew))
    else:  # a mark: its dates are written as format_datetime writes them (the mark check's rule)
        texts = (
            info.valid_from,
            document.get("validFrom"),
            info.valid_until,
            document.get("validUntil"),
        )
        checks.append(_validity(start, end, now, skew, texts))

    if not check_status_lists:
        checks.append(Check.skipped(CheckName.STATUS, "status checking was switched off"))
    elif not genuine_and_trusted:
        checks.append(Check.skipped(CheckName.STATUS, "the credential failed an earlier check"))
    else:
        checks.extend(
            _status_checks(
                document, issuer, status_source, resolver, loader, clock, now, skew, verify_list
            )
        )
    summary = None
    if subject is not None and info.valid_until is not None and _proof_ok(checks):
        summary = summarize_mark(
            subject,
            issuer=issuer,
            valid_until=info.valid_until,
            issuer_name=trusted.name if trusted is not None else None,
        )
    return frozen(VerificationResult, checks=tuple(checks), credential=document, summary=summary)


def _proof_ok(checks: list[Check]) -> bool:
    """Whether every proof and issuer-binding check passed (a skipped one has not)."""
    for check in checks:  # noqa: SIM110 (all() of a generator costs more)
        if check.name in _PROOF_CHECKS and not check.passed:
            return False
    return True


_PROOF_CHECKS: Final = frozenset((CheckName.PROOF, CheckName.ISSUER_BINDING))


def _parse(
    credential: Mapping[str, Any] | bytes | str,
    registry: Callable[[], Registry],
    loader: DocumentLoader | None,
    context_policy: ContextPolicy = DEFAULT_CONTEXT_POLICY,
) -> _Parsed:
    """Read the input as JSON, vc+jwt, vc+cose (bytes or base64), a VC1-R or a VIC1: text.

    :raises VicError: the input is none of these, or is malformed.
    """
    if type(credential) is dict or isinstance(credential, Mapping):  # (a dict: no ABC check)
        document = dict(credential)
        checked = mark_pass(document, loader, context_policy)
        if checked is None:  # a mark that passed is flat: its nesting needs no walk
            check_depth(document)
        return _Parsed(document, "json", depth_checked=True, tried=True, checked=checked)
    if type(credential) is str and credential.startswith("VC1-"):
        stripped = credential.strip()
        if _NEITHER_JWT_NOR_BASE64.search(stripped) is not None:
            # what the readers below would say too: not a JWT, not base64, then a VC1- text
            return _read_barcode(stripped, registry(), loader, context_policy)
    if isinstance(credential, bytes):
        credential = credential_text(credential)
    from vic.vc.cose import COSE_SIGN1_START, cose_from_base64
    from vic.vc.jose import decode_jws, looks_like_jwt

    if isinstance(credential, bytes) and credential.startswith(COSE_SIGN1_START):
        return _cose(credential)
    text = credential.decode("utf-8", "replace") if isinstance(credential, bytes) else credential
    stripped = text.strip()
    if looks_like_jwt(stripped):
        return _Parsed(parse_json_object(decode_jws(stripped).payload), "vc+jwt", jwt=stripped)
    message = cose_from_base64(stripped)
    if message is not None:
        return _cose(message)
    if stripped.startswith("VC1-"):
        return _read_barcode(stripped, registry(), loader, context_policy)
    from vic.vc.cose import decode_sign1
    from vic.vc.qrcose import PREFIX as COSE_PREFIX
    from vic.vc.qrcose import decode_cose_barcode

    if stripped.startswith(COSE_PREFIX):
        message = decode_cose_barcode(stripped)
        payload = decode_sign1(message).payload
        return _Parsed(parse_json_object(payload), "cose-barcode", cose=message)
    return _Parsed(parse_json_object(credential), "json", depth_checked=True)


def _read_barcode(
    text: str, registry: Registry, loader: DocumentLoader | None, context_policy: ContextPolicy
) -> _Parsed:
    """A VC1-R barcode's document, with the multibase texts its decoder wrote from bytes (the
    proof check need not decode its proofValue again) and the mark pass taken as for JSON (a
    mark that passed is flat, so the proof check need not walk its nesting)."""
    pairs: list[tuple[str, bytes]] = []
    document = _barcode_reader()(text, registry, loader, multibase=pairs)
    checked = mark_pass(document, loader, context_policy)
    return _Parsed(
        document,
        "vc1-barcode",
        depth_checked=checked is not None,
        multibase=tuple(pairs),
        tried=True,
        checked=checked,
    )


_NEITHER_JWT_NOR_BASE64: Final = re.compile(r"[ $%*:]")
"""Characters of the base45 alphabet that neither a JWS compact token nor base64 text holds."""


@cache
def _barcode_reader() -> Callable[..., dict[str, Any]]:
    """:func:`vic.vc.barcode.decode_barcode`, imported on first use (not with vic.verifier) and
    then kept: an import statement in the call costs more than the call to this."""
    from vic.vc.barcode import decode_barcode

    return decode_barcode


def _cose(message: bytes) -> _Parsed:
    from vic.vc.cose import decode_sign1

    return _Parsed(parse_json_object(decode_sign1(message).payload), "vc+cose", cose=message)


def _proof_checks(
    document: Mapping[str, Any],
    issuer: str,
    resolver: Resolver,
    loader: DocumentLoader | None,
    clock: Clock,
    skew: timedelta,
    dated: datetime | None = None,
    depth_checked: bool = False,
) -> list[Check]:
    # the data model check has just checked the contexts with context_policy
    proofs = verify_proofs_of_allowed_contexts(
        document,
        resolver=resolver,
        loader=loader,
        clock=clock,
        clock_skew=skew,
        depth_checked=depth_checked,
    )
    results = proofs.proofs
    if len(results) == 1:  # a mark's one proof: the comprehensions below without their calls
        (only,) = results
        detail = [only.to_dict()]
        controllers = {only.controller}
        by_issuer = {only.verification_method} if only.controller == issuer else set()
    else:
        detail = [p.to_dict() for p in results]
        controllers = {p.controller for p in results}
        by_issuer = {p.verification_method for p in results if p.controller == issuer}
    if not proofs.verified:
        return [Check.failed(CheckName.PROOF, proofs.errors[0], proofs=detail)]
    return [
        Check.passed_with(CheckName.PROOF, {"proofs": detail}),
        _binding(controllers, issuer, by_issuer, resolver, dated),
    ]


def _cose_checks(
    message: bytes, issuer: str, resolver: Resolver, dated: datetime | None = None
) -> list[Check]:
    from vic.vc.cose import verify_cose

    try:
        result = verify_cose(message, resolver, require_issuer_binding=False)
    except VicError as exc:
        return [Check.failed(CheckName.PROOF, exc, securedBy="vc+cose")]
    return [
        Check.ok(CheckName.PROOF, securedBy="vc+cose", kid=result.kid),
        _binding({result.controller}, issuer, {result.kid}, resolver, dated),
    ]


def _jwt_checks(
    token: str, issuer: str, resolver: Resolver, dated: datetime | None = None
) -> tuple[list[Check], JwtResult | None]:
    from vic.vc.jose import verify_jwt

    try:
        result = verify_jwt(token, resolver, clock=None, require_issuer_binding=False)
    except VicError as exc:
        return [Check.failed(CheckName.PROOF, exc, securedBy="vc+jwt")], None
    checks = [
        Check.ok(CheckName.PROOF, securedBy="vc+jwt", kid=result.kid),
        _binding({result.controller}, issuer, {result.kid}, resolver, dated),
    ]
    return checks, result


def _unbound(check: Check) -> Check:
    if check.name is not CheckName.ISSUER_BINDING or check.passed is not False:
        return check
    return Check.skipped(
        CheckName.ISSUER_BINDING, "the trust list does not bind proofs to issuers (interop mode)"
    )


def _binding(
    controllers: set[str | None],
    issuer: str,
    methods: set[str | None] | None = None,
    resolver: Resolver | None = None,
    dated: datetime | None = None,
) -> Check:
    """A proof by a method the issuer controls, and (when the issuer's DID document says when
    it retired one of ``methods``) not a credential dated after that method's retirement."""
    if issuer not in controllers:
        error = ProofVerificationError(
            "no proof was made with a verification method the issuer controls",
            code="ISSUER_MISMATCH",
            issuer=issuer,
        )
        return Check.failed(CheckName.ISSUER_BINDING, error)
    if resolver is not None and dated is not None and methods:
        # one method (a mark's one proof) needs no sorting
        for method_id in methods if len(methods) == 1 else sorted(m for m in methods if m):
            if not method_id:
                continue
            retired = _retired_at(resolver, method_id)
            if retired is not None and dated > retired:
                error = ProofVerificationError(
                    f"{method_id} retired at {format_datetime(retired)}; a credential dated "
                    f"{format_datetime(dated)} is not the issuer's (a retired key's signature)",
                    code="KEY_RETIRED",
                    verification_method=method_id,
                    retired=format_datetime(retired),
                )
                return Check.failed(CheckName.ISSUER_BINDING, error)
    return Check.passed_with(CheckName.ISSUER_BINDING, {})


def _retired_at(resolver: Resolver, method_id: str) -> datetime | None:
    """When the controller retired the method (vic's ``retired`` property), if it did."""
    try:
        return resolver.resolve(method_id.split("#", 1)[0]).method(method_id).retired
    except VicError:  # the proof check has resolved it already; nothing more to say here
        return None


def _not_before(valid_from: datetime | None, document: Mapping[str, Any]) -> datetime | None:
    """The later of ``validFrom`` and the proofs' ``created``: a mark signed in the future (as the
    verifier's clock sees it, beyond the skew) is not valid yet, rather than forged."""
    proofs = document.get("proof")
    if type(proofs) is dict:  # one proof (a mark's): the loop below without its list
        created = proofs.get("created")
        if not isinstance(created, str):
            return valid_from
        try:
            moment = parse_datetime(created, field="proof.created")
        except VicError:
            return valid_from  # the proof check has reported it
        return moment if valid_from is None or moment > valid_from else valid_from
    moments = [valid_from] if valid_from is not None else []
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        if isinstance(proof, Mapping) and isinstance(proof.get("created"), str):
            try:
                moments.append(parse_datetime(proof["created"], field="proof.created"))
            except VicError:
                continue  # the proof check has reported it
    return max(moments, default=None)


def _latest(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None:
        return second
    return first if second is None or first >= second else second


def _earliest(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None:
        return second
    return first if second is None or first <= second else second


def _validity(
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    skew: timedelta,
    texts: tuple[datetime | None, object, datetime | None, object] = (None, None, None, None),
) -> Check:
    """The validity check. ``texts``: a mark's ``validFrom`` and ``validUntil`` with the text each
    was read from (in :func:`~vic.vc.dates.format_datetime`'s form, as the mark check requires):
    the detail reports that text for the very moment read from it instead of writing it again."""
    if start is not None and now + skew < start:
        error = ValidityPeriodError(
            f"not valid before {format_datetime(start)}", code="NOT_YET_VALID"
        )
        return Check.failed(CheckName.VALIDITY, error, Status.NOT_YET_VALID)
    if end is not None and now - skew > end:
        error = ValidityPeriodError(f"expired at {format_datetime(end)}", code="EXPIRED")
        return Check.failed(CheckName.VALIDITY, error, Status.EXPIRED)
    detail = {}
    valid_from, from_text, valid_until, until_text = texts
    if start is not None:
        detail["validFrom"] = (
            from_text if start is valid_from and type(from_text) is str else format_datetime(start)
        )
    if end is not None:
        detail["validUntil"] = (
            until_text if end is valid_until and type(until_text) is str else format_datetime(end)
        )
    return Check.passed_with(CheckName.VALIDITY, detail)


def _status_checks(
    document: Mapping[str, Any],
    issuer: str,
    source: StatusListSource | None,
    resolver: Resolver,
    loader: DocumentLoader | None,
    clock: Clock,
    now: datetime,
    skew: timedelta,
    verify_list: VerifyList,
) -> list[Check]:
    try:
        entries = parse_status_entries(document)
    except StatusListError as exc:
        return [Check.failed(CheckName.STATUS, exc, Status.MALFORMED)]
    if not entries:
        return [Check.skipped(CheckName.STATUS, "the credential has no credentialStatus")]
    checks = []
    for entry in entries:
        name = _CHECK_OF_PURPOSE.get(entry.purpose, CheckName.STATUS)
        try:
            checks.append(
                _one_status(
                    entry,
                    name,
                    issuer,
                    source,
                    resolver,
                    loader,
                    clock,
                    now,
                    skew,
                    verify_list,
                )
            )
        except VicError as exc:
            checks.append(Check.failed(CheckName.STATUS, exc, list=entry.list_credential))
    return checks


_CHECK_OF_PURPOSE: Final = {
    StatusPurpose.REVOCATION: CheckName.REVOCATION,
    StatusPurpose.SUSPENSION: CheckName.SUSPENSION,
}


def _one_status(
    entry: StatusEntry,
    name: CheckName,
    issuer: str,
    source: StatusListSource | None,
    resolver: Resolver,
    loader: DocumentLoader | None,
    clock: Clock,
    now: datetime,
    skew: timedelta,
    verify_list: VerifyList,
) -> Check:
    """Check one status entry.

    :raises StatusUnavailableError: no source, or the source has no such list.
    :raises StatusVerificationError: the list's proof fails or another issuer signed it.
    :raises StatusListError: the list is malformed, expired or of the wrong purpose.
    """
    url = entry.list_credential
    status_list = source.get(url) if source is not None else None
    if status_list is None:
        raise StatusUnavailableError(f"the status list {url} is not available", list=url)
    fetched = (
        status_list
        if isinstance(status_list, FetchedStatusList)
        else FetchedStatusList(status_list, "file")
    )
    decoded = verify_list(
        fetched, issuer=issuer, resolver=resolver, loader=loader, clock=clock, skew=skew
    )
    value = status_value(entry, decoded, now=now, skew=skew)
    detail: dict[str, Any] = {"list": url, "index": entry.index}
    fetched.add_freshness(detail, now)
    if decoded.valid_until is not None:
        detail["listValidUntil"] = decoded.valid_until_text
    if not value:
        return Check.passed_with(name, detail)
    code = "SUSPENDED" if entry.purpose is StatusPurpose.SUSPENSION else "REVOKED"
    if name is CheckName.STATUS:  # a message or refresh purpose: report, never fail
        return Check.ok(name, value=value, message=status_message(entry, value), **detail)
    return Check.failed(
        name, CredentialStatusError(f"the credential is {code.lower()}", code=code), **detail
    )
