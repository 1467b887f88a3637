"""``vic conformance jose-cose issue|verify``: the command line the W3C vc-jose-cose suite drives.

The suite (github.com/w3c/vc-jose-cose-test-suite) runs, per test::

    <implementation> issue|verify --input FILE --key FILE --feature NAME [--sd PATHS] --output FILE

``--key`` is a verification method holding ``publicKeyJwk`` (and, to issue, ``secretKeyJwk``);
the output is ``{"result": "success" | "failure" | "indeterminate", "data": "...", "error": ...}``.
The suite's keys and issuers are not DIDs (kids are JWK thumbprints, issuers https URLs), so
this command signs and verifies with the given key instead of resolving a DID, and does not bind
the key to the issuer; every other vc+jwt / vc+cose rule of :mod:`vic.vc.jose` and
:mod:`vic.vc.cose` applies. Features vic does not implement (SD-JWT, enveloped presentations)
answer ``indeterminate``. See docs/interop.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from vic.cli.common import fail
from vic.contexts.errors import InvalidKeyError, ParsingError, UsageError, VicError
from vic.did.keys import PrivateKey, PublicKey

__all__ = ["FEATURES", "app"]

app = typer.Typer(help="Command lines the W3C conformance suites drive.", no_args_is_help=True)
jose_cose_app = typer.Typer(
    help="The vc-jose-cose test suite's command line (issue, verify).", no_args_is_help=True
)
app.add_typer(jose_cose_app, name="jose-cose")

FEATURES: Final = {
    "credential_jose": True,
    "credential_cose": True,
    "credential_sdjwt": False,
    "presentation_jose": False,
    "presentation_cose": False,
    "presentation_sdjwt": False,
}
"""The suite's features and whether vic implements them (the implementation config says so)."""

_MAX_FILE: Final = 8 * 1024 * 1024

InputOption = Annotated[Path, typer.Option("--input", help="The credential (issue) or token.")]
KeyOption = Annotated[Path, typer.Option("--key", help="A verification method with JWKs.")]
FeatureOption = Annotated[str, typer.Option("--feature", help="credential_jose, ...")]
OutputOption = Annotated[Path, typer.Option("--output", help="Where to write the result JSON.")]
SdOption = Annotated[
    str | None, typer.Option("--sd", help="SD-JWT disclosure paths (not implemented).")
]


class _Key:
    """The suite's verification method: ``id``, ``publicKeyJwk``, optional ``secretKeyJwk``."""

    def __init__(self, path: Path) -> None:
        from vic.vc.jsonio import parse_json_object

        doc = parse_json_object(_read(path))
        public_jwk, secret_jwk = doc.get("publicKeyJwk"), doc.get("secretKeyJwk")
        if not isinstance(public_jwk, dict):
            raise InvalidKeyError("the key file has no publicKeyJwk object")
        self.public_key = PublicKey.from_jwk(public_jwk)
        self.private_key = PrivateKey.from_jwk(secret_jwk) if isinstance(secret_jwk, dict) else None
        if self.private_key is not None and self.private_key.public_key != self.public_key:
            raise InvalidKeyError("secretKeyJwk and publicKeyJwk are not one key pair")
        names = (doc.get("id"), public_jwk.get("kid"))
        self.names = {n for n in names if isinstance(n, str) and n}
        method_id = doc.get("id")
        self.id = method_id if isinstance(method_id, str) and method_id else None

    def check_kid(self, kid: str | None) -> None:
        """A token that names its key must name this one (its method id or its JWK kid)."""
        if kid is not None and kid not in self.names:
            from vic.contexts.errors import ProofVerificationError

            raise ProofVerificationError(
                f"the token's kid {kid!r} does not name the given key", code="KID_MISMATCH"
            )


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_FILE + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}", code="INPUT_NOT_READABLE") from None
    if len(data) > _MAX_FILE:
        raise UsageError(f"{path} is larger than {_MAX_FILE} bytes", code="INPUT_TOO_LARGE")
    return data


def _write(output: Path, result: dict[str, Any]) -> None:
    try:
        output.write_text(json.dumps(result, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        fail(UsageError(f"cannot write {output}: {exc.strerror}", code="OUTPUT_NOT_WRITABLE"))


def _unsupported(feature: str) -> dict[str, Any] | None:
    if feature not in FEATURES:
        fail(UsageError(f"unknown --feature {feature!r}", code="INVALID_FEATURE"))
    if FEATURES[feature]:
        return None
    return {
        "result": "indeterminate",
        "error": {"code": "UNSUPPORTED_FEATURE", "message": f"vic does not implement {feature}"},
    }


def _failure(exc: VicError) -> dict[str, Any]:
    return {"result": "failure", "error": {"code": exc.code, "message": exc.message}}


def issue_one(input_path: Path, key_path: Path, feature: str) -> dict[str, Any]:
    """Secure the credential in ``input_path`` as the feature asks; the suite's result object."""
    unsupported = _unsupported(feature)
    if unsupported is not None:
        return unsupported
    from vic.vc.jsonio import parse_json_object

    try:
        key = _Key(key_path)
        if key.private_key is None:
            raise UsageError(f"{key_path} has no secretKeyJwk", code="NO_PRIVATE_KEY")
        kid = key.id or next(iter(sorted(key.names)), "")
        credential = parse_json_object(_read(input_path))
        if feature == "credential_jose":
            from vic.vc.jose import sign_jwt

            data = sign_jwt(credential, key.private_key, kid, require_did_kid=False)
        else:
            from vic.did.multibase import base64url_encode
            from vic.vc.cose import sign_cose

            message = sign_cose(credential, key.private_key, kid, require_did_kid=False)
            data = base64url_encode(message)
    except VicError as exc:
        return _failure(exc)
    return {"result": "success", "data": data}


def verify_one(input_path: Path, key_path: Path, feature: str) -> dict[str, Any]:
    """Verify the token in ``input_path`` with the given key; the suite's result object."""
    unsupported = _unsupported(feature)
    if unsupported is not None:
        return unsupported
    try:
        key = _Key(key_path)
        text = _read(input_path).decode("utf-8", "replace").strip()
        if feature == "credential_jose":
            from vic.vc.jose import decode_jws, verify_jwt_with_key

            header_kid = decode_jws(text).header.get("kid")
            key.check_kid(header_kid if isinstance(header_kid, str) else None)
            credential = verify_jwt_with_key(text, key.public_key).credential
        else:
            from vic.vc.cose import cose_from_base64, decode_sign1, verify_cose_with_key

            message = cose_from_base64(text)
            if message is None:
                raise ParsingError(
                    "the input is not a base64 COSE_Sign1", code="INVALID_COSE_ENCODING"
                )
            kid = decode_sign1(message).kid
            key.check_kid(kid.decode("utf-8", "replace") if kid is not None else None)
            credential = verify_cose_with_key(message, key.public_key).credential
    except VicError as exc:
        return _failure(exc)
    return {"result": "success", "data": json.dumps(credential, ensure_ascii=False)}


@jose_cose_app.command("issue")
def issue(
    input_path: InputOption,
    key: KeyOption,
    feature: FeatureOption,
    output: OutputOption,
    sd: SdOption = None,
) -> None:
    """Secure a credential (credential_jose: vc+jwt, credential_cose: vc+cose in base64url)."""
    del sd  # SD-JWT is not implemented: those features answer indeterminate
    _write(output, issue_one(input_path, key, feature))


@jose_cose_app.command("verify")
def verify(
    input_path: InputOption,
    key: KeyOption,
    feature: FeatureOption,
    output: OutputOption,
    sd: SdOption = None,
) -> None:
    """Verify a vc+jwt token or a base64 vc+cose message with the given key."""
    del sd
    _write(output, verify_one(input_path, key, feature))


@jose_cose_app.command("features")
def features() -> None:
    """Print the suite features vic implements (for the implementation config)."""
    typer.echo(json.dumps(FEATURES, indent=2))
