"""The ``vic`` command: composes the roles' functions (docs/cli.md is its contract)."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vic.cli.common import fail, read_input
from vic.cli.conformance import app as conformance_app
from vic.cli.issuer import app as issuer_app
from vic.cli.output import JsonOption, emit_json
from vic.cli.serve import TRUST_ENV, serve_app
from vic.cli.wallet import app as wallet_app
from vic.contexts.errors import UsageError, VicError

if TYPE_CHECKING:
    from vic.vc.cborld import Registry

app = typer.Typer(
    name="vic",
    help="Vehicle inspection marks as W3C Verifiable Credentials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
key_app = typer.Typer(help="Keys: generate Multikey files.", no_args_is_help=True)
app.add_typer(key_app, name="key")
qr_app = typer.Typer(help="QR codes: encode a credential, decode a code.", no_args_is_help=True)
app.add_typer(qr_app, name="qr")
app.add_typer(issuer_app, name="issuer")
app.add_typer(serve_app, name="serve")
app.add_typer(conformance_app, name="conformance")
app.add_typer(wallet_app, name="wallet")

CACHE_ENV = "VIC_CACHE_DIR"
"""Environment variable naming the folder of ``vic verify``'s caches (status lists)."""


def main() -> None:
    """Entry point of the ``vic`` console script.

    An exception that is not one of vic's errors is a bug: it is reported in one line with the
    code INTERNAL_ERROR and exit status 3, never as a traceback (set ``VIC_DEBUG=1`` to see it).
    """
    try:
        app()  # exits through SystemExit, which is not an Exception
    except Exception as exc:
        if os.environ.get("VIC_DEBUG"):
            raise
        typer.echo(
            f"vic: error [INTERNAL_ERROR]: {type(exc).__name__}: {exc} "
            "(a bug in vic: please report it; VIC_DEBUG=1 shows where)",
            err=True,
        )
        sys.exit(3)


def plain_help(group: typer.Typer) -> None:
    """Print every help text of ``group`` and its sub-commands as written: Rich markup off, so
    that ``(env VIC_DATA; [default])``-style text is never eaten as a markup tag."""
    group.rich_markup_mode = None
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            plain_help(sub.typer_instance)


def _parse_time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    from vic.vc.dates import parse_datetime

    try:
        return parse_datetime(value, field=name)
    except VicError as exc:
        fail(exc)


# --- vic key generate ---------------------------------------------------------------------------


@key_app.command("generate")
def key_generate(
    key_type: Annotated[
        str, typer.Option("--type", help="p256 (default), ed25519 or p384.")
    ] = "p256",
    out: Annotated[Path, typer.Option("--out", help="Where to write the key (mode 0600).")] = Path(
        "key.json"
    ),
    as_json: JsonOption = False,
) -> None:
    """Generate a key, write it as a Multikey JSON file (mode 0600) and print its did:key."""
    from vic.did.key import did_key, did_key_method_id
    from vic.did.keyfile import write_key_file
    from vic.did.keys import KeyType, PrivateKey

    types = {"p256": KeyType.P256, "ed25519": KeyType.ED25519, "p384": KeyType.P384}
    if key_type.lower() not in types:
        fail(UsageError(f"--type must be one of {', '.join(types)}", code="INVALID_KEY_TYPE"))
    private_key = PrivateKey.generate(types[key_type.lower()])
    did = did_key(private_key.public_key)
    try:
        write_key_file(
            out, private_key, id=did_key_method_id(private_key.public_key), controller=did
        )
    except VicError as exc:
        fail(exc)
    except OSError as exc:
        fail(UsageError(f"cannot write {out}: {exc.strerror}", code="OUTPUT_NOT_WRITABLE"))
    if as_json:
        emit_json(
            {
                "did": did,
                "verificationMethod": did_key_method_id(private_key.public_key),
                "keyType": private_key.key_type.value,
                "file": str(out),
            }
        )
    else:
        typer.echo(did)


# --- vic sign -----------------------------------------------------------------------------------


@app.command("sign")
def sign(
    input_path: Annotated[str, typer.Argument(metavar="INPUT", help="Credential JSON, or -.")],
    key: Annotated[Path, typer.Option("--key", help="Multikey or JWK key file.")],
    cryptosuite: Annotated[
        str | None,
        typer.Option("--cryptosuite", help="ecdsa-rdfc-2019, eddsa-rdfc-2022, ... (di only)"),
    ] = None,
    secured_as: Annotated[
        str,
        typer.Option(
            "--format", help="di (Data Integrity proof, default), vc+jwt or vc+cose (enveloped)."
        ),
    ] = "di",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write here instead (vc+cose: the raw bytes).")
    ] = None,
    verification_method: Annotated[
        str | None, typer.Option("--verification-method", help="DID URL of the key.")
    ] = None,
    created: Annotated[str | None, typer.Option("--created", help="Proof creation time.")] = None,
    expires: Annotated[str | None, typer.Option("--expires", help="Proof expiry time.")] = None,
    purpose: Annotated[str, typer.Option("--purpose", help="Proof purpose.")] = "assertionMethod",
    domain: Annotated[str | None, typer.Option("--domain")] = None,
    challenge: Annotated[str | None, typer.Option("--challenge")] = None,
    previous_proof: Annotated[
        list[str] | None, typer.Option("--previous-proof", help="Id of a proof to chain to.")
    ] = None,
    proof_id: Annotated[str | None, typer.Option("--proof-id", help="An id for the proof.")] = None,
) -> None:
    """Sign a credential and print it: a Data Integrity proof (a second signature makes a proof
    set), or enveloped as vc+jwt (the compact JWS) or vc+cose (the COSE_Sign1, base64url).
    """
    from vic.did.key import did_key_method_id
    from vic.did.keyfile import read_key_file
    from vic.vc.jsonio import parse_json_object

    output: str | bytes
    try:
        if secured_as not in ("di", "vc+jwt", "vc+cose"):
            raise UsageError("--format is di, vc+jwt or vc+cose", code="INVALID_FORMAT")
        proof_options = (created, expires, domain, challenge, previous_proof, proof_id)
        if secured_as != "di" and (
            cryptosuite or any(proof_options) or purpose != "assertionMethod"
        ):
            raise UsageError(
                f"--format {secured_as} takes no Data Integrity proof options "
                "(--cryptosuite, --created, --purpose, ...)",
                code="USAGE_ERROR",
            )
        if secured_as == "di" and not cryptosuite:
            raise UsageError("--format di needs --cryptosuite", code="USAGE_ERROR")
        material = read_key_file(key)
        if material.private_key is None:
            raise UsageError(f"{key} holds no private key", code="NO_PRIVATE_KEY")
        document = parse_json_object(read_input(input_path))
        method = verification_method or material.id or did_key_method_id(material.public_key)
        if method.startswith("#") and material.controller:
            method = material.controller + method
        if secured_as == "vc+jwt":
            from vic.vc.jose import sign_jwt

            output = sign_jwt(document, material.private_key, method)
        elif secured_as == "vc+cose":
            from vic.did.multibase import base64url_encode
            from vic.vc.cose import sign_cose

            message = sign_cose(document, material.private_key, method)
            output = message if out else base64url_encode(message)
        else:
            from vic.vc.proofs import add_proof

            previous: str | list[str] | None = None
            if previous_proof:
                previous = previous_proof[0] if len(previous_proof) == 1 else list(previous_proof)
            signed = add_proof(
                document,
                key=material.private_key,
                cryptosuite=str(cryptosuite),
                verification_method=method,
                created=created,
                expires=expires,
                proof_purpose=purpose,
                domain=domain,
                challenge=challenge,
                previous_proof=previous,
                proof_id=proof_id,
            )
            output = json.dumps(signed, indent=2, ensure_ascii=False)
    except VicError as exc:
        fail(exc)
    except OSError as exc:
        fail(UsageError(f"cannot read {exc.filename}: {exc.strerror}", code="INPUT_NOT_READABLE"))
    if out is None:
        typer.echo(output)
        return
    try:
        if isinstance(output, bytes):
            out.write_bytes(output)
        else:
            out.write_text(output + "\n", encoding="utf-8")
    except OSError as exc:
        fail(UsageError(f"cannot write {out}: {exc.strerror}", code="OUTPUT_NOT_WRITABLE"))


# --- vic verify ---------------------------------------------------------------------------------


@app.command("verify")
def verify(
    input_path: Annotated[
        str,
        typer.Argument(
            metavar="INPUT", help="A credential file, QR text (VC1-R…, VIC1:…), or - for stdin."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    trust_issuer: Annotated[
        list[str] | None, typer.Option("--trust-issuer", help="Trust this issuer DID.")
    ] = None,
    trust_file: Annotated[Path | None, typer.Option("--trust", help="A trust list file.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="Verify as of this time.")] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Never touch the network (the default).")
    ] = False,
    online: Annotated[
        bool,
        typer.Option(
            "--online", help="Fetch status lists and did:web documents (guarded, cached)."
        ),
    ] = False,
    allow_loopback_http: Annotated[
        bool,
        typer.Option(
            "--allow-loopback-http",
            help="With --online: lists may come from http:// on loopback (tests, a local issuer).",
        ),
    ] = False,
    max_status_age: Annotated[
        int | None,
        typer.Option(
            "--max-status-age",
            help="Seconds: a cached status list older than this gives STATUS_UNAVAILABLE.",
        ),
    ] = None,
    status_list: Annotated[
        list[Path] | None,
        typer.Option("--status-list", help="A status list credential file to use."),
    ] = None,
    skip_status: Annotated[
        bool, typer.Option("--skip-status", help="Check no status (the result says so).")
    ] = False,
    registry: Annotated[
        list[Path] | None, typer.Option("--registry", help="A CBOR-LD registry entry file.")
    ] = None,
) -> None:
    """Verify a credential: JSON, vc+jwt, vc+cose (bytes or base64url), QR text (VC1-R, VIC1:),
    a QR image or a PDF; - reads stdin.

    Exit 0 VALID, 1 not valid, 2 MALFORMED (the input is not a credential).
    """
    from vic.vc.jsonio import parse_json_object
    from vic.verifier.trust import TrustList
    from vic.verifier.verify import StaticStatusLists, verify_credential

    moment = _parse_time(at, "--at")
    trust = TrustList()
    default_trust = os.environ.get(TRUST_ENV)
    try:
        for path in [p for p in (trust_file, default_trust) if p]:
            trust = trust.merged(TrustList.read(path))
        trust = trust.with_issuers(trust_issuer or [])
        lists = [parse_json_object(p.read_bytes(), max_bytes=64 << 20) for p in status_list or []]
        codes = _with_entries(trust.registry(), registry)
    except VicError as exc:
        fail(exc)
    except OSError as exc:
        fail(UsageError(f"cannot read a status list: {exc.strerror}", code="INPUT_NOT_READABLE"))
    if online and offline:
        fail(UsageError("--online and --offline exclude each other", code="USAGE_ERROR"))
    if max_status_age is not None and max_status_age < 0:
        fail(UsageError("--max-status-age must not be negative", code="USAGE_ERROR"))
    from datetime import timedelta

    from vic.vc.dates import system_clock
    from vic.verifier.status import DEFAULT_MAX_STATUS_AGE, ChainedStatusLists, HttpStatusLists

    clock = (lambda: moment) if moment else system_clock
    resolver = None
    fetcher = None
    if online:
        from vic.did.fetch import FetchPolicy, GuardedFetcher
        from vic.did.resolver import guarded_did_fetch

        fetcher = GuardedFetcher(FetchPolicy(allow_loopback_http=allow_loopback_http))
        resolver = trust.resolver(fetch=guarded_did_fetch(fetcher))
    cached = HttpStatusLists(
        fetcher,
        cache_dir=status_cache_dir(),
        clock=clock,
        offline=not online,
        max_age=(
            timedelta(seconds=max_status_age)
            if max_status_age is not None
            else DEFAULT_MAX_STATUS_AGE
        ),
    )
    if input_path != "-" and input_path.lstrip().startswith(("VC1-", "VIC1:")):
        data = input_path.encode("utf-8")  # QR text given as the argument
    else:
        data = read_input(input_path)
    result = verify_credential(
        data,
        trust=trust,
        resolver=resolver,
        clock=clock,
        status_source=ChainedStatusLists(StaticStatusLists(lists), cached),
        check_status_lists=not skip_status,
        registry=codes,
    )
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_result(result.to_dict())
        if not online and any(e.code == "STATUS_LIST_NOT_CACHED" for e in result.errors):
            typer.echo(
                "hint: the status lists are not at hand; pass --online to fetch them, or "
                "--status-list FILE",
                err=True,
            )
    raise typer.Exit(result.status.exit_code)


def _summary_lines(summary: dict[str, Any]) -> list[tuple[str, str]]:
    plate_type, vehicle_type = summary["plateType"], summary["vehicleType"]
    names = summary.get("issuerName") or {}
    issuer = " / ".join(n for n in (names.get("zh-CN"), names.get("en")) if n)
    return [
        (
            "plate",
            f"{summary['plate']}  {plate_type['zh-CN']} {plate_type['en']} ({plate_type['code']})",
        ),
        ("vehicle", f"{vehicle_type['zh-CN']} {vehicle_type['en']} ({vehicle_type['code']})"),
        ("VIN", summary["vin"]),
        ("valid until", f"{summary['validUntilMonth']} (end of month, China time)"),
        ("issuer", f"{issuer} ({summary['issuer']})" if issuer else summary["issuer"]),
    ]


def status_cache_dir() -> Path:
    """Where ``vic verify`` keeps fetched status lists: ``$VIC_CACHE_DIR/status``, else
    ``$XDG_CACHE_HOME/vic/status``, else ``~/.cache/vic/status``."""
    base = os.environ.get(CACHE_ENV) or ""
    if base:
        return Path(base) / "status"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "vic" / "status"


def _print_result(result: dict[str, Any]) -> None:
    marks = {True: "✓", False: "✗", None: "-"}
    typer.echo(result["status"])
    summary = result.get("summary")
    if summary:
        for label, value in _summary_lines(summary):
            typer.echo(f"  {label:<12}{value}")
    for check in result["checks"]:
        line = f"  {marks[check['passed']]} {check['check']}"
        if "error" in check:
            line += f": [{check['error']['code']}] {check['error']['message']}"
        elif "skipped" in check.get("detail", {}):
            line += f": skipped ({check['detail']['skipped']})"
        typer.echo(line)


# --- vic qr -------------------------------------------------------------------------------------


def _registry(paths: list[Path] | None, trust_file: Path | None = None) -> Registry:
    """The registry of a trust list (or the built-in one) plus entry files."""
    from vic.verifier.trust import TrustList

    trust = TrustList.read(trust_file) if trust_file else TrustList()
    return _with_entries(trust.registry(), paths)


def _with_entries(registry: Registry, paths: list[Path] | None) -> Registry:
    from vic.vc.cborld.registry import load_entry

    return registry.with_entries(*[load_entry(p) for p in paths]) if paths else registry


@qr_app.command("encode")
def qr_encode(
    input_path: Annotated[str, typer.Argument(metavar="INPUT", help="Signed credential, or -.")],
    profile: Annotated[
        str, typer.Option("--profile", help="vcb (VC1-R, CBOR-LD) or cose (VIC1:).")
    ] = "vcb",
    png: Annotated[Path | None, typer.Option("--png", help="Write the QR as PNG.")] = None,
    svg: Annotated[Path | None, typer.Option("--svg", help="Write the QR as SVG.")] = None,
    ecc: Annotated[str, typer.Option("--ecc", help="Error correction L, M, Q or H.")] = "M",
    show: Annotated[bool, typer.Option("--show", help="Draw the QR in the terminal.")] = False,
    registry: Annotated[
        list[Path] | None, typer.Option("--registry", help="A CBOR-LD registry entry file.")
    ] = None,
    registry_entry: Annotated[
        int | None, typer.Option("--registry-entry", help="Registry entry id to encode with.")
    ] = None,
    key: Annotated[
        Path | None, typer.Option("--key", help="Signing key (cose profile: it signs).")
    ] = None,
    kid: Annotated[
        str | None, typer.Option("--kid", help="Verification method (cose profile).")
    ] = None,
) -> None:
    """Print the barcode text of a credential, and write its QR image."""
    from vic.vc.jsonio import parse_json_object

    try:
        document = parse_json_object(read_input(input_path))
        if profile == "vcb":
            from vic.vc.barcode import encode_barcode

            text = encode_barcode(document, _registry(registry), registry_entry_id=registry_entry)
        elif profile == "cose":
            text = _cose_text(document, key, kid)
        else:
            raise UsageError("--profile is vcb or cose", code="INVALID_PROFILE")
        if png or svg or show:
            from vic.vc.qrimage import render_png, render_svg, render_terminal

            if png:
                render_png(text, png, ecc=ecc)
            if svg:
                render_svg(text, svg, ecc=ecc)
            if show:
                typer.echo(render_terminal(text, ecc), err=True)
    except VicError as exc:
        fail(exc)
    except OSError as exc:
        fail(UsageError(f"cannot use {exc.filename}: {exc.strerror}", code="INPUT_NOT_READABLE"))
    typer.echo(text)


def _cose_text(document: dict[str, Any], key: Path | None, kid: str | None) -> str:
    from vic.did.keyfile import read_key_file
    from vic.vc.qrcose import encode_cose_barcode

    if key is None:
        raise UsageError("the cose profile signs: give --key", code="NO_PRIVATE_KEY")
    material = read_key_file(key)
    if material.private_key is None:
        raise UsageError(f"{key} holds no private key", code="NO_PRIVATE_KEY")
    method = kid or material.id
    if not method:
        raise UsageError("give --kid (the verification method)", code="USAGE_ERROR")
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    return encode_cose_barcode(unsigned, material.private_key, method)


@qr_app.command("decode")
def qr_decode(
    source: Annotated[str, typer.Argument(metavar="TEXT|IMAGE|PDF", help="Barcode text or file.")],
    registry: Annotated[
        list[Path] | None, typer.Option("--registry", help="A CBOR-LD registry entry file.")
    ] = None,
    trust_file: Annotated[
        Path | None, typer.Option("--trust", help="A trust list (its registry entries).")
    ] = None,
) -> None:
    """Print the credential a barcode text, QR image or PDF holds (nothing is verified)."""
    from vic.vc.cose import decode_sign1
    from vic.vc.jsonio import parse_json_object
    from vic.vc.qrcose import PREFIX, decode_cose_barcode
    from vic.verifier.scan import credential_text

    try:
        if source == "-":
            text = credential_text(sys.stdin.buffer.read())
        elif source.startswith(("VC1-", PREFIX)):
            text = source
        else:
            text = credential_text(read_input(source))
        text = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).strip()
        if text.startswith(PREFIX):
            document = parse_json_object(decode_sign1(decode_cose_barcode(text)).payload)
        else:
            from vic.vc.barcode import decode_barcode

            document = decode_barcode(text, _registry(registry, trust_file))
    except VicError as exc:
        fail(exc)
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


# --- vic demo -----------------------------------------------------------------------------------


@app.command("demo")
def demo(
    out: Annotated[Path, typer.Option("--out", help="Where to write the demo files.")] = Path(
        "demo-out"
    ),
) -> None:
    """Run the main job: issue a sample inspection mark, write it, verify it."""
    from vic.cli.demo import run_demo

    try:
        report = run_demo(out)
    except VicError as exc:
        fail(exc, exit_code=1)
    for line in report.lines:
        typer.echo(line)
    raise typer.Exit(0 if report.ok else 1)


plain_help(app)  # last: every command group is registered by now
