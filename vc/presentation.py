"""Verifiable Presentations (VC 2.0): build one around credentials, sign it as the holder, check
its shape.

A holder (the wallet) proves possession to a verifier with a presentation whose Data Integrity
proof has the purpose ``authentication`` and carries the verifier's ``challenge`` (and ``domain``):
a replayed presentation fails the verifier's challenge check. Verifying a presentation and the
credentials it embeds is :func:`vic.verifier.presentation.verify_presentation`.

    vp = create_presentation([mark], key=holder_key, verification_method=method_id,
                             challenge="c0ffee", domain="https://verifier.example")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from vic.contexts.errors import DataModelError, UsageError
from vic.contexts.loader import CREDENTIALS_V2, DocumentLoader
from vic.did.keys import KeyType
from vic.vc.datamodel import types_of
from vic.vc.dates import Clock, system_clock
from vic.vc.iri import is_absolute_iri
from vic.vc.proofs import add_proof
from vic.vc.suites.base import SigningKey

__all__ = [
    "MAX_PRESENTED_CREDENTIALS",
    "PRESENTATION_PURPOSE",
    "PresentationInfo",
    "build_presentation",
    "check_presentation",
    "create_presentation",
    "default_cryptosuite",
    "sign_presentation",
]

PRESENTATION_PURPOSE: Final = "authentication"
"""The proof purpose of a holder's proof on a presentation."""

MAX_PRESENTED_CREDENTIALS: Final = 16
"""More credentials than this in one presentation is refused (each costs a full verification)."""

_DEFAULT_SUITES: Final = {
    KeyType.P256: "ecdsa-rdfc-2019",
    KeyType.P384: "ecdsa-rdfc-2019",
    KeyType.ED25519: "eddsa-rdfc-2022",
}


@dataclass(frozen=True)
class PresentationInfo:
    """What the shape check of a presentation learned."""

    holder: str | None
    credentials: tuple[dict[str, Any], ...]
    id: str | None


def default_cryptosuite(key_type: KeyType) -> str:
    """The RDFC cryptosuite for ``key_type`` (ecdsa-rdfc-2019, or eddsa-rdfc-2022 for Ed25519)."""
    return _DEFAULT_SUITES[key_type]


def build_presentation(
    credentials: Sequence[Mapping[str, Any]],
    *,
    holder: str | None = None,
    presentation_id: str | None = None,
) -> dict[str, Any]:
    """An unsigned VC 2.0 presentation embedding ``credentials`` (each a secured credential).

    :raises DataModelError: a credential is not a JSON object, too many credentials, or a
        ``holder``/``presentation_id`` that is not a URL.
    """
    presentation: dict[str, Any] = {"@context": [CREDENTIALS_V2]}
    if presentation_id is not None:
        presentation["id"] = presentation_id
    presentation["type"] = ["VerifiablePresentation"]
    if holder is not None:
        presentation["holder"] = holder
    if credentials:
        presentation["verifiableCredential"] = [dict(c) for c in credentials]
    check_presentation(presentation)
    return presentation


def sign_presentation(
    presentation: Mapping[str, Any],
    *,
    key: SigningKey,
    verification_method: str,
    challenge: str,
    domain: str | Sequence[str] | None = None,
    cryptosuite: str | None = None,
    expires: datetime | str | None = None,
    loader: DocumentLoader | None = None,
    clock: Clock = system_clock,
) -> dict[str, Any]:
    """A copy of ``presentation`` with the holder's proof (purpose ``authentication``).

    ``challenge`` is the verifier's nonce and is required; ``domain`` names the verifier.
    ``cryptosuite`` defaults to the RDFC suite of the key type.

    :raises UsageError: an empty challenge.
    :raises DataModelError: the presentation is malformed.
    :raises VicError: signing fails (see :func:`vic.vc.proofs.add_proof`).
    """
    if not isinstance(challenge, str) or not challenge:
        raise UsageError("a presentation is signed for a verifier's challenge; none was given")
    check_presentation(presentation)
    return add_proof(
        presentation,
        key=key,
        cryptosuite=cryptosuite or default_cryptosuite(key.key_type),
        verification_method=verification_method,
        proof_purpose=PRESENTATION_PURPOSE,
        challenge=challenge,
        domain=domain,
        expires=expires,
        loader=loader,
        clock=clock,
    )


def create_presentation(
    credentials: Sequence[Mapping[str, Any]],
    *,
    key: SigningKey,
    verification_method: str,
    challenge: str,
    domain: str | Sequence[str] | None = None,
    holder: str | None = None,
    presentation_id: str | None = None,
    cryptosuite: str | None = None,
    loader: DocumentLoader | None = None,
    clock: Clock = system_clock,
) -> dict[str, Any]:
    """Build and sign a presentation in one call.

    ``holder`` defaults to the DID of ``verification_method`` (the part before ``#``), which is
    what the verifier binds the proof to.
    """
    if holder is None:
        holder = verification_method.split("#", 1)[0]
    unsigned = build_presentation(credentials, holder=holder, presentation_id=presentation_id)
    return sign_presentation(
        unsigned,
        key=key,
        verification_method=verification_method,
        challenge=challenge,
        domain=domain,
        cryptosuite=cryptosuite,
        loader=loader,
        clock=clock,
    )


def check_presentation(presentation: Mapping[str, Any]) -> PresentationInfo:
    """Check the shape of a VC 2.0 presentation (not its proofs, not its credentials).

    :raises DataModelError: codes ``INVALID_CONTEXT``, ``INVALID_TYPE``, ``INVALID_ID``,
        ``INVALID_HOLDER``, ``INVALID_PRESENTED_CREDENTIAL``, ``TOO_MANY_CREDENTIALS``.
    """
    if not isinstance(presentation, Mapping):
        raise DataModelError("a presentation must be a JSON object", code="INVALID_TYPE")
    context = presentation.get("@context")
    if not isinstance(context, list) or not context or context[0] != CREDENTIALS_V2:
        raise DataModelError(
            f"a presentation's first @context must be {CREDENTIALS_V2}", code="INVALID_CONTEXT"
        )
    if "VerifiablePresentation" not in types_of(presentation):
        raise DataModelError(
            "type must be a string or list of strings including VerifiablePresentation",
            code="INVALID_TYPE",
        )
    presentation_id = presentation.get("id")
    if presentation_id is not None and not _is_url(presentation_id):
        raise DataModelError("id must be a URL", code="INVALID_ID")
    holder = presentation.get("holder")
    if isinstance(holder, Mapping):
        holder = holder.get("id")
    if holder is not None and not _is_url(holder):
        raise DataModelError(
            "holder must be a URL (or an object whose id is one)", code="INVALID_HOLDER"
        )
    raw = presentation.get("verifiableCredential", [])
    items = raw if isinstance(raw, list) else [raw]
    if len(items) > MAX_PRESENTED_CREDENTIALS:
        raise DataModelError(
            f"a presentation may hold at most {MAX_PRESENTED_CREDENTIALS} credentials",
            code="TOO_MANY_CREDENTIALS",
        )
    for item in items:
        if not isinstance(item, Mapping):
            raise DataModelError(
                "each verifiableCredential must be a secured credential (a JSON object)",
                code="INVALID_PRESENTED_CREDENTIAL",
            )
    return PresentationInfo(
        holder=holder if isinstance(holder, str) else None,
        credentials=tuple(dict(item) for item in items),
        id=presentation_id if isinstance(presentation_id, str) else None,
    )


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and is_absolute_iri(value)
