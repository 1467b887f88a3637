"""Named VC-API issuers: one endpoint per cryptosuite, each with its own key and DID.

The VC-API way to offer several cryptosuites is one issuer instance per suite,
``POST /issuers/{name}/credentials/issue``. The operator names them (``vic serve issuer
--vc-api-issuer eddsa=eddsa-rdfc-2022``); each gets a key of its own, kept in
``{data_dir}/keys/vc-api/{name}.json`` (mode 0600, encrypted at rest like the authority's keys
when a passphrase is set) and created on first start, and a ``did:key`` identity derived from
it — the identity the W3C suites resolve.

A named issuer signs; it keeps no record. It checks the credential as the authority's endpoint
does (the VC data model and ``relatedResource``, then JSON-LD safety while canonicalizing: an
undefined term or a relative IRI is refused) and signs it with a Data Integrity proof of its
cryptosuite. Because it keeps nothing, it has no status lists (``options.credentialStatus`` is
refused) and no notion of ids it has seen: a credential whose ``id`` it signed before is signed
again (docs/issuer-api.md says why). The authority's own ``/credentials/issue`` keeps every
credential and answers 409 for an id it has issued.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from vic.contexts.errors import InvalidKeyError, RefusedError, UsageError
from vic.did.key import did_key_method_id
from vic.did.keys import KeyType, PrivateKey
from vic.issuer.keys import FileSigner, KeyFiles
from vic.vc.datamodel import check_credential
from vic.vc.dates import Clock, system_clock
from vic.vc.proofs import add_proof

__all__ = ["NamedIssuer", "NamedIssuerSpec", "open_named_issuers"]

_NAME: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_SUITES: Final[Mapping[str, tuple[KeyType, ...]]] = {
    "eddsa-rdfc-2022": (KeyType.ED25519,),
    "eddsa-jcs-2022": (KeyType.ED25519,),
    "ecdsa-rdfc-2019": (KeyType.P256, KeyType.P384),
    "ecdsa-jcs-2019": (KeyType.P256, KeyType.P384),
}
_KEY_TYPES: Final = {"ed25519": KeyType.ED25519, "p256": KeyType.P256, "p384": KeyType.P384}


@dataclass(frozen=True)
class NamedIssuerSpec:
    """What the operator asks for: a name, a cryptosuite and a key type."""

    name: str
    cryptosuite: str
    key_type: KeyType

    @classmethod
    def parse(cls, text: str) -> NamedIssuerSpec:
        """Read ``NAME=CRYPTOSUITE`` or ``NAME=CRYPTOSUITE:KEYTYPE`` (p256, p384, ed25519).

        :raises UsageError: ``INVALID_NAMED_ISSUER``.
        """
        name, _, rest = text.partition("=")
        suite, _, key_name = rest.partition(":")
        if not _NAME.fullmatch(name):
            raise UsageError(
                f"a named issuer's name is 1-63 lowercase letters, digits or -: {name!r}",
                code="INVALID_NAMED_ISSUER",
            )
        if suite not in _SUITES:
            raise UsageError(
                f"{name}: cryptosuite {suite!r} is not one of {', '.join(_SUITES)}",
                code="INVALID_NAMED_ISSUER",
            )
        allowed = _SUITES[suite]
        if not key_name:
            return cls(name, suite, allowed[0])
        key_type = _KEY_TYPES.get(key_name.lower())
        if key_type not in allowed:
            raise UsageError(
                f"{name}: {suite} takes {', '.join(k.value for k in allowed)} keys, not "
                f"{key_name!r}",
                code="INVALID_NAMED_ISSUER",
            )
        assert key_type is not None
        return cls(name, suite, key_type)


@dataclass(frozen=True)
class NamedIssuer:
    """A signing-only VC-API issuer with its own did:key."""

    name: str
    cryptosuite: str
    signer: FileSigner

    @property
    def did(self) -> str:
        """The issuer's ``did:key``: the ``issuer`` its credentials must name."""
        return self.signer.method_id.split("#", 1)[0]

    def issue(
        self, credential: Mapping[str, Any], *, clock: Clock = system_clock
    ) -> dict[str, Any]:
        """Check ``credential`` and sign it with this issuer's cryptosuite.

        :raises DataModelError, ValidityRangeError: the VC data model (and relatedResource).
        :raises RefusedError: ``ISSUER_MISMATCH`` (the issuer is not this one's DID),
            ``CREDENTIAL_HAS_PROOF``.
        :raises JsonLdError: the credential does not canonicalize safely (undefined terms...).
        """
        info = check_credential(credential)
        if info.issuer != self.did:
            raise RefusedError(
                f"the issuer must be {self.did}, not {info.issuer}", code="ISSUER_MISMATCH"
            )
        if "proof" in credential:
            raise RefusedError("the credential is already signed", code="CREDENTIAL_HAS_PROOF")
        return add_proof(
            credential,
            key=self.signer,
            cryptosuite=self.cryptosuite,
            verification_method=self.signer.method_id,
            clock=clock,
        )


def _open_one(files: KeyFiles, spec: NamedIssuerSpec) -> NamedIssuer:
    path = files.path(spec.name)
    if not path.exists():
        key = PrivateKey.generate(spec.key_type)
        files.write(spec.name, key, method_id=did_key_method_id(key.public_key))
    try:
        stored = json.loads(path.read_bytes())
    except (OSError, ValueError):
        raise InvalidKeyError(f"the key file {path} cannot be read") from None
    method_id = stored.get("id") if isinstance(stored, dict) else None
    if not isinstance(method_id, str):
        raise InvalidKeyError(f"the key file {path} names no verification method")
    signer = files.read(spec.name, method_id=method_id)
    if did_key_method_id(signer.public_key) != method_id:
        raise InvalidKeyError(f"the key file {path} is not the did:key it names")
    if signer.key_type is not spec.key_type:
        raise InvalidKeyError(
            f"the named issuer {spec.name} has a {signer.key_type.value} key, not "
            f"{spec.key_type.value}: give its key type, or remove {path}",
            code="KEY_TYPE_MISMATCH",
        )
    return NamedIssuer(spec.name, spec.cryptosuite, signer)


def open_named_issuers(
    keys_dir: Path, specs: Iterable[NamedIssuerSpec], *, passphrase: str | None
) -> dict[str, NamedIssuer]:
    """The named issuers of ``specs``, their keys read from (or first created in)
    ``{keys_dir}/vc-api/``.

    :raises UsageError: ``DUPLICATE_NAMED_ISSUER``.
    :raises InvalidKeyError: a key file that is unreadable, not a did:key of its own, or of
        another key type than asked.
    """
    files = KeyFiles(keys_dir / "vc-api", passphrase=passphrase)
    issuers: dict[str, NamedIssuer] = {}
    for spec in specs:
        if spec.name in issuers:
            raise UsageError(
                f"the named issuer {spec.name} is given twice", code="DUPLICATE_NAMED_ISSUER"
            )
        issuers[spec.name] = _open_one(files, spec)
    return issuers
