"""Adding and verifying Data Integrity proofs: purposes, dates, domains, proof sets and chains.

``add_proof`` returns a new document (the input is never mutated); a document that already has
proofs gets a proof set, and ``previous_proof`` makes a proof chain (Data Integrity §4.2).
``verify_proofs`` checks every proof and reports each one; ``verified`` derives from all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vic.contexts.errors import (
    DataModelError,
    ProofGenerationError,
    ProofVerificationError,
    VicError,
)
from vic.contexts.loader import CREDENTIALS_V2, DATA_INTEGRITY_V2, DocumentLoader
from vic.did.resolver import Resolver
from vic.vc.contextpolicy import DEFAULT_CONTEXT_POLICY, ContextPolicy
from vic.vc.dates import (
    DEFAULT_CLOCK_SKEW,
    Clock,
    check_skew,
    format_datetime,
    parse_datetime,
    system_clock,
)
from vic.vc.frozen import frozen
from vic.vc.jsonio import check_depth, copy_json
from vic.vc.suites import suite_for_proof, suite_named
from vic.vc.suites.base import SigningKey

__all__ = [
    "ProofResult",
    "ProofsResult",
    "add_proof",
    "verify_proofs",
    "verify_proofs_of_allowed_contexts",
]

_SIGNATURE_FIELDS = ("proofValue", "jws")
_DEFAULT_LOADER = DocumentLoader()
MAX_PROOFS = 16
"""More proofs than this on one document is refused (each costs a canonicalization)."""


@dataclass(frozen=True)
class ProofResult:
    """The outcome of one proof: what it claims, and the first check it failed (if any)."""

    index: int
    proof_type: str | None
    cryptosuite: str | None
    verification_method: str | None
    controller: str | None = None
    proof_id: str | None = None
    error: VicError | None = None

    @property
    def verified(self) -> bool:
        """True when every check of this proof passed."""
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        out: dict[str, Any] = {
            "index": self.index,
            "verified": self.verified,
            "type": self.proof_type,
            "cryptosuite": self.cryptosuite,
            "verificationMethod": self.verification_method,
        }
        if self.proof_id is not None:
            out["id"] = self.proof_id
        if self.error is not None:
            out["error"] = self.error.to_dict()
        return out


@dataclass(frozen=True)
class ProofsResult:
    """The outcome of all proofs of a document (a single proof, a set or a chain)."""

    proofs: tuple[ProofResult, ...] = ()
    error: VicError | None = None
    """A document-level failure (no proof at all, too many, malformed ``proof``)."""
    errors: tuple[VicError, ...] = field(init=False)

    def __post_init__(self) -> None:
        errors = [p.error for p in self.proofs if p.error is not None]
        if self.error is not None:
            errors.insert(0, self.error)
        object.__setattr__(self, "errors", tuple(errors))

    @property
    def verified(self) -> bool:
        """True when there is at least one proof and every proof verified."""
        return bool(self.proofs) and not self.errors


def add_proof(
    document: Mapping[str, Any],
    *,
    key: SigningKey,
    cryptosuite: str,
    verification_method: str,
    created: datetime | str | None = None,
    include_created: bool = True,
    expires: datetime | str | None = None,
    proof_purpose: str = "assertionMethod",
    domain: str | Sequence[str] | None = None,
    challenge: str | None = None,
    nonce: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    proof_id: str | None = None,
    loader: DocumentLoader | None = None,
    clock: Clock = system_clock,
) -> dict[str, Any]:
    """A copy of ``document`` with a new Data Integrity proof added.

    ``created`` defaults to the clock's time (whole seconds); pass ``include_created=False`` to
    leave it out (the proof is then smaller, as in a QR code). A VC 1.1 document whose contexts do
    not define DataIntegrityProof gets the Data Integrity context appended before signing.

    :raises UnsupportedCryptosuiteError: unknown cryptosuite.
    :raises KeyTypeMismatchError: the key does not fit the cryptosuite.
    :raises ProofGenerationError: a verify-only suite, or a ``previous_proof`` that is not there.
    :raises NestingTooDeepError: the document nests deeper than :data:`vic.vc.jsonio.MAX_DEPTH`.
    :raises JsonLdError: the document does not canonicalize (undefined terms, unknown contexts...).
    """
    suite = suite_named(cryptosuite)
    if suite.verify_only or suite.proof_type != "DataIntegrityProof":
        raise ProofGenerationError(f"{cryptosuite} is verify-only in vic", code="VERIFY_ONLY_SUITE")
    suite.check_key(key.key_type)
    check_depth(document)
    loader = loader or _DEFAULT_LOADER

    secured = {key: copy_json(value) for key, value in document.items()}
    existing = _proof_list(secured.pop("proof", None), for_signing=True)
    _ensure_data_integrity_context(secured)

    options: dict[str, Any] = {"type": suite.proof_type}
    if proof_id is not None:
        options["id"] = proof_id
    options["cryptosuite"] = suite.name
    if include_created:
        options["created"] = _datetime_text(created if created is not None else clock(), "created")
    options["verificationMethod"] = verification_method
    options["proofPurpose"] = proof_purpose
    if expires is not None:
        options["expires"] = _datetime_text(expires, "expires")
    if domain is not None:
        options["domain"] = domain if isinstance(domain, str) else list(domain)
    if challenge is not None:
        options["challenge"] = challenge
    if nonce is not None:
        options["nonce"] = nonce
    if previous_proof is not None:
        options["previousProof"] = previous_proof

    input_document = dict(secured)
    if previous_proof is not None:
        wanted = [previous_proof] if isinstance(previous_proof, str) else list(previous_proof)
        input_document["proof"] = _matching_proofs(existing, wanted, ProofGenerationError)

    proof_config = dict(options)
    if "@context" in secured:
        proof_config["@context"] = secured["@context"]
    hash_data = suite.hash_data(input_document, proof_config, key.key_type, loader)
    proof = dict(proof_config) if suite.proof_carries_context else dict(options)
    proof.update(suite.sign(hash_data, key, proof))
    secured["proof"] = [*existing, proof] if existing else proof
    return secured


def verify_proofs(
    document: Mapping[str, Any],
    *,
    resolver: Resolver,
    loader: DocumentLoader | None = None,
    clock: Clock = system_clock,
    expected_purpose: str = "assertionMethod",
    domain: str | None = None,
    challenge: str | None = None,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    reject_future: bool = False,
    context_policy: ContextPolicy = DEFAULT_CONTEXT_POLICY,
) -> ProofsResult:
    """Verify every proof of ``document``; never raises for a proof that fails, reports it.

    ``domain`` and ``challenge``, when given, must appear in each proof (presentations). A proof
    whose ``expires`` is further than ``clock_skew`` in the past fails (``PROOF_EXPIRED``); with
    ``reject_future`` (a holder's fresh proof) so does one ``created`` later than the clock by more
    than ``clock_skew`` (``PROOF_IN_FUTURE``). For credentials the verifier reports a ``created``
    in the future as NOT_YET_VALID instead. Every ``@context`` in the document and its proofs must
    pass ``context_policy`` (by default: URLs the loader serves, no inline contexts; see
    :mod:`vc.contextpolicy`), whatever the cryptosuite.
    Programming errors are not caught: only vic's own errors become failed checks.
    """
    loader = loader or _DEFAULT_LOADER
    try:
        check_depth(document)
        proofs = _proof_list(document.get("proof"), for_signing=False)
    except VicError as exc:
        return ProofsResult(error=exc)
    try:
        context_policy.check(document, loader)
        refused = None
    except VicError as exc:
        refused = exc  # every proof fails with it: no proof vouches for a refused context
    return _verify_listed(
        document,
        proofs,
        refused,
        resolver=resolver,
        loader=loader,
        clock=clock,
        expected_purpose=expected_purpose,
        domain=domain,
        challenge=challenge,
        clock_skew=clock_skew,
        reject_future=reject_future,
    )


def verify_proofs_of_allowed_contexts(
    document: Mapping[str, Any],
    *,
    resolver: Resolver,
    loader: DocumentLoader | None = None,
    clock: Clock = system_clock,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    depth_checked: bool = False,
) -> ProofsResult:
    """:func:`verify_proofs` (assertionMethod, no domain or challenge) for a caller that has
    just checked ``document``'s contexts with its policy and found them allowed (the verifier,
    whose data model check does it): everything else is checked as there, the nesting depth
    too unless ``depth_checked`` says the caller has just checked it with
    :func:`vic.vc.jsonio.check_depth`'s defaults."""
    loader = loader or _DEFAULT_LOADER
    try:
        if not depth_checked:
            check_depth(document)
        proofs = _proof_list(document.get("proof"), for_signing=False)
    except VicError as exc:
        return ProofsResult(error=exc)
    return _verify_listed(
        document,
        proofs,
        None,
        resolver=resolver,
        loader=loader,
        clock=clock,
        expected_purpose="assertionMethod",
        domain=None,
        challenge=None,
        clock_skew=clock_skew,
        reject_future=False,
    )


def _verify_listed(
    document: Mapping[str, Any],
    proofs: Sequence[Mapping[str, Any]],
    refused: VicError | None,
    *,
    resolver: Resolver,
    loader: DocumentLoader,
    clock: Clock,
    expected_purpose: str,
    domain: str | None,
    challenge: str | None,
    clock_skew: timedelta,
    reject_future: bool,
) -> ProofsResult:
    unsecured = dict(document)  # the document without its proof, in the same order
    unsecured.pop("proof", None)
    now = clock()
    skew = check_skew(clock_skew)
    results = []
    for index, proof in enumerate(proofs):
        if refused is not None:
            results.append(_result(index, proof, None, refused))
            continue
        try:
            controller = _verify_one(
                proof,
                proofs,
                unsecured,
                resolver=resolver,
                loader=loader,
                now=now,
                skew=skew,
                reject_future=reject_future,
                expected_purpose=expected_purpose,
                domain=domain,
                challenge=challenge,
            )
            error = None
        except VicError as exc:
            controller, error = None, exc
        results.append(_result(index, proof, controller, error))
    # ProofsResult(proofs=...) without its __init__ and __post_init__: the same fields
    # (tests/proofs/test_proofs_result.py compares the two)
    done = tuple(results)
    errors = tuple([r.error for r in done if r.error is not None])
    return frozen(ProofsResult, proofs=done, error=None, errors=errors)


def _verify_one(
    proof: Mapping[str, Any],
    all_proofs: Sequence[Mapping[str, Any]],
    unsecured: Mapping[str, Any],
    *,
    resolver: Resolver,
    loader: DocumentLoader,
    now: datetime,
    skew: timedelta,
    reject_future: bool,
    expected_purpose: str,
    domain: str | None,
    challenge: str | None,
) -> str:
    """Verify one proof; return the verification method's controller.

    :raises VicError: the first check that fails.
    """
    suite = suite_for_proof(proof)
    method_id = _required_string(proof, "verificationMethod")
    purpose = _required_string(proof, "proofPurpose")
    if purpose != expected_purpose:
        raise ProofVerificationError(
            f"proofPurpose is {purpose!r}, expected {expected_purpose!r}",
            code="PROOF_PURPOSE_MISMATCH",
        )
    created = (
        parse_datetime(proof["created"], field="proof.created") if "created" in proof else None
    )
    if reject_future and created is not None and created > now + skew:
        raise ProofVerificationError(
            "the proof was created in the future", code="PROOF_IN_FUTURE", created=proof["created"]
        )
    if "expires" in proof and parse_datetime(proof["expires"], field="proof.expires") < now - skew:
        raise ProofVerificationError("the proof has expired", code="PROOF_EXPIRED")
    if domain is not None:
        domains = proof.get("domain")
        allowed = [domains] if isinstance(domains, str) else domains
        if not isinstance(allowed, list) or domain not in allowed:
            raise ProofVerificationError(
                f"the proof's domain does not include {domain!r}", code="INVALID_DOMAIN"
            )
    if challenge is not None and proof.get("challenge") != challenge:
        raise ProofVerificationError(
            "the proof's challenge does not match", code="INVALID_CHALLENGE"
        )

    # the unsecured document is shared by the proofs: copied only when this one changes it
    input_document: Mapping[str, Any] = unsecured
    previous = proof.get("previousProof")
    if previous is not None:
        wanted = [previous] if isinstance(previous, str) else previous
        if not isinstance(wanted, list) or not all(isinstance(w, str) for w in wanted):
            raise ProofVerificationError(
                "previousProof must be a string or a list of strings", code="INVALID_PROOF"
            )
        input_document = {
            **unsecured,
            "proof": _matching_proofs(all_proofs, wanted, ProofVerificationError),
        }

    proof_config = dict(proof)  # the proof without its signature, in the same order
    for name in _SIGNATURE_FIELDS:
        proof_config.pop(name, None)
    if "@context" in proof_config and suite.proof_type == "DataIntegrityProof":
        _check_context_prefix(unsecured.get("@context"), proof_config["@context"])
        input_document = {**input_document, "@context": proof_config["@context"]}
    elif "@context" in unsecured:
        # A legacy proof (DIDKit's, say) may carry its suite's context: it is processed after
        # the document's, as those stacks do (jws-2020 defines `type` only in scoped contexts).
        own = proof_config.get("@context", [])
        proof_config["@context"] = [*_as_list(unsecured["@context"]), *_as_list(own)]

    method = resolver.resolve_method(method_id, purpose)
    suite.check_key(method.public_key.key_type)
    hash_data = suite.hash_data(input_document, proof_config, method.public_key.key_type, loader)
    suite.check_signature(hash_data, proof, method.public_key)
    return method.controller


def _result(
    index: int, proof: Mapping[str, Any], controller: str | None, error: VicError | None
) -> ProofResult:
    proof_type, cryptosuite = proof.get("type"), proof.get("cryptosuite")
    method, proof_id = proof.get("verificationMethod"), proof.get("id")
    return frozen(
        ProofResult,
        index=index,
        proof_type=proof_type if isinstance(proof_type, str) else None,
        cryptosuite=cryptosuite if isinstance(cryptosuite, str) else None,
        verification_method=method if isinstance(method, str) else None,
        controller=controller,
        proof_id=proof_id if isinstance(proof_id, str) else None,
        error=error,
    )


def _proof_list(value: Any, *, for_signing: bool) -> list[dict[str, Any]]:
    if value is None:
        if for_signing:
            return []
        raise ProofVerificationError("the document has no proof", code="PROOF_MISSING")
    if type(value) is dict:  # the common single proof: what the checks below would return
        return [value]
    proofs = value if isinstance(value, list) else [value]
    if not all(isinstance(p, dict) for p in proofs):
        raise DataModelError("every proof must be a JSON object", code="INVALID_PROOF")
    if not proofs and not for_signing:
        raise ProofVerificationError("the document has no proof", code="PROOF_MISSING")
    if len(proofs) > MAX_PROOFS:
        raise ProofVerificationError(
            f"{len(proofs)} proofs exceed the cap of {MAX_PROOFS}", code="TOO_MANY_PROOFS"
        )
    return proofs


def _matching_proofs(
    proofs: Sequence[Mapping[str, Any]],
    wanted: Sequence[str],
    error: type[ProofGenerationError] | type[ProofVerificationError],
) -> list[Mapping[str, Any]]:
    by_id = {p.get("id"): p for p in proofs if isinstance(p.get("id"), str)}
    missing = [w for w in wanted if w not in by_id]
    if missing:
        raise error(
            f"previousProof {missing[0]!r} is not among the document's proofs",
            code="PREVIOUS_PROOF_NOT_FOUND",
        )
    return [by_id[w] for w in wanted]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check_context_prefix(document_context: Any, proof_context: Any) -> None:
    doc, own = _as_list(document_context), _as_list(proof_context)
    if doc[: len(own)] != own:
        raise ProofVerificationError(
            "the proof's @context is not a prefix of the document's @context",
            code="CONTEXT_MISMATCH",
        )


def _ensure_data_integrity_context(document: dict[str, Any]) -> None:
    if "@context" not in document:
        return
    contexts = _as_list(document["@context"])
    if CREDENTIALS_V2 not in contexts and DATA_INTEGRITY_V2 not in contexts:
        document["@context"] = [*contexts, DATA_INTEGRITY_V2]


def _required_string(proof: Mapping[str, Any], name: str) -> str:
    value = proof.get(name)
    if not isinstance(value, str) or not value:
        raise ProofVerificationError(f"the proof has no {name}", code="INVALID_PROOF")
    return value


def _datetime_text(value: datetime | str, name: str) -> str:
    if isinstance(value, str):
        parse_datetime(value, field=name)
        return value
    return format_datetime(value.replace(microsecond=0))
