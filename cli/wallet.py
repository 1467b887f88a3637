"""``vic wallet ...``: the holder's commands (composing :mod:`vic.wallet`; no logic here).

The wallet folder is ``--wallet DIR``, else ``VIC_WALLET``, else ``vic/wallet`` in the user's
data directory. Every command takes ``--json``; with it, a failure prints
``{"error": {"code": ..., "message": ...}}`` on stdout as well as the usual line on stderr.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from vic.cli.common import fail
from vic.contexts.errors import UsageError, VicError

if TYPE_CHECKING:
    from vic.wallet.service import MarkView, Wallet

app = typer.Typer(
    help="The wallet: receive, list, show, export, print, present and refresh marks.",
    no_args_is_help=True,
)

TOKEN_ENV = "VIC_OWNER_TOKEN"

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
WalletOption = Annotated[
    Path | None, typer.Option("--wallet", help="Wallet folder [env VIC_WALLET].")
]
RefArgument = Annotated[
    str, typer.Argument(metavar="MARK", help="The mark: its number, VIN, plate or id.")
]


def _fail(exc: VicError, as_json: bool) -> NoReturn:
    if as_json:
        typer.echo(json.dumps({"error": exc.to_dict()}, ensure_ascii=False))
    fail(exc)


@contextmanager
def _wallet(folder: Path | None, as_json: bool, **options: Any) -> Iterator[Wallet]:
    from vic.wallet.service import Wallet

    try:
        with Wallet(folder, **options) as wallet:
            yield wallet
    except VicError as exc:
        _fail(exc, as_json)


def _entries(paths: list[Path] | None) -> Any:
    from vic.vc.cborld.registry import load_entry

    return [load_entry(path) for path in paths or []]


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _line(view: MarkView) -> str:
    mark = view.mark
    glance = {"VALID": "✓", "REVOKED": "✗", "SUSPENDED": "‖", "EXPIRED": "✗"}.get(view.status, "?")
    age = ""
    if view.status_source == "last-known" and view.status_age_seconds is not None:
        age = f" (checked {_age(view.status_age_seconds)} ago)"
    elif view.status_source == "dates":
        age = " (by its dates; status not checked yet)"
    replaced = "" if mark.current else f"  replaced by #{mark.replaced_by}"
    return (
        f"#{mark.number:<3} {glance} {view.status:<13} {mark.plate:<9} {mark.vin}  "
        f"until {mark.valid_until[:10]}{age}{replaced}"
    )


def _age(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@app.command("init")
def init(
    did: Annotated[str, typer.Option("--did", help="Holder DID method: key or jwk.")] = "key",
    key_type: Annotated[
        str, typer.Option("--key-type", help="Holder key: p256 (default), ed25519 or p384.")
    ] = "p256",
    wallet_dir: WalletOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create the wallet (store and holder key) if needed; print its folder and holder DID."""
    from vic.did.keys import KeyType

    types = {"p256": KeyType.P256, "ed25519": KeyType.ED25519, "p384": KeyType.P384}
    if key_type not in types:
        _fail(UsageError("--key-type is p256, ed25519 or p384", code="INVALID_KEY_TYPE"), as_json)
    with _wallet(wallet_dir, as_json) as wallet:
        holder = wallet.holder(did_method=did, key_type=types[key_type])
        if as_json:
            _echo_json({"wallet": str(wallet.folder), "holder": holder.did})
        else:
            typer.echo(f"wallet: {wallet.folder}")
            typer.echo(f"holder: {holder.did}")


def _is_offer(source: str) -> bool:
    from vic.wallet.service import OFFER_PREFIXES

    return source.startswith(OFFER_PREFIXES) or (
        source.startswith(("https://", "http://")) and "credential_offer" in source
    )


@app.command("receive")
def receive(
    source: Annotated[
        str,
        typer.Argument(
            metavar="URI|FILE|TEXT",
            help="A credential offer URI, a file (JSON, JWT, QR image, PDF), QR text, or -.",
        ),
    ],
    tx_code: Annotated[
        str | None, typer.Option("--tx-code", help="The one-time code the issuer gave you.")
    ] = None,
    configuration: Annotated[
        str | None, typer.Option("--configuration", help="Which offered credential to take.")
    ] = None,
    registry: Annotated[
        list[Path] | None, typer.Option("--registry", help="A CBOR-LD registry entry file.")
    ] = None,
    wallet_dir: WalletOption = None,
    as_json: JsonOption = False,
) -> None:
    """Receive a mark: from an OpenID4VCI offer, a file, or QR text; store it."""
    try:
        entries = _entries(registry)
    except VicError as exc:
        _fail(exc, as_json)
    with _wallet(wallet_dir, as_json) as wallet:
        if entries:
            wallet.add_registry_entries(entries)
        if _is_offer(source):
            results = _receive_offer(wallet, source, tx_code, configuration, as_json)
        elif source == "-":
            results = [wallet.receive_data(sys.stdin.buffer.read(), source="stdin")]
        elif os.path.isfile(source):
            try:
                data = Path(source).read_bytes()
            except OSError as exc:
                raise UsageError(
                    f"cannot read {source}: {exc.strerror}", code="INPUT_NOT_READABLE"
                ) from None
            results = [wallet.receive_data(data, source="file")]
        else:
            results = [wallet.receive_data(source, source="text")]
        views = [(wallet.show(str(mark.number)), new) for mark, new in results]
    if as_json:
        _echo_json([{**view.to_json(), "new": new} for view, new in views])
        return
    for view, new in views:
        typer.echo(("received " if new else "already held ") + _line(view))


def _receive_offer(
    wallet: Wallet, uri: str, tx_code: str | None, configuration: str | None, as_json: bool
) -> Any:
    """Receive an offer; at a terminal, ask for the one-time code when the offer needs one."""
    from vic.contexts.errors import IssuanceProtocolError

    try:
        return wallet.receive_offer(uri, tx_code=tx_code, configuration_id=configuration)
    except IssuanceProtocolError as exc:
        if exc.code != "TX_CODE_REQUIRED" or as_json or not sys.stdin.isatty():
            raise
    code = typer.prompt("one-time code (tx_code)", err=True)
    return wallet.receive_offer(uri, tx_code=code, configuration_id=configuration)


@app.command("list")
def list_marks(
    include_all: Annotated[
        bool, typer.Option("--all", help="Also marks replaced by newer ones.")
    ] = False,
    wallet_dir: WalletOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the marks, with their validity at a glance (last-known status and its age)."""
    with _wallet(wallet_dir, as_json) as wallet:
        views = wallet.marks(include_replaced=include_all)
    if as_json:
        _echo_json([v.to_json() for v in views])
        return
    if not views:
        typer.echo("the wallet holds no marks")
    for view in views:
        typer.echo(_line(view))


@app.command("show")
def show(
    ref: RefArgument,
    online: Annotated[
        bool, typer.Option("--online", help="Fetch the live status from the issuer now.")
    ] = False,
    qr: Annotated[bool, typer.Option("--qr", help="Draw the QR code in the terminal.")] = False,
    png: Annotated[Path | None, typer.Option("--png", help="Write the QR code as PNG.")] = None,
    wallet_dir: WalletOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a mark: its details, its status (live with --online, else last known, with age)."""
    with _wallet(wallet_dir, as_json) as wallet:
        view = wallet.show(ref, online=online)
        text = wallet.barcode(view.mark) if (qr or png) else None
        if png is not None and text is not None:
            from vic.vc.qrimage import render_png

            try:
                render_png(text, png)
            except OSError as exc:
                raise UsageError(
                    f"cannot write {png}: {exc.strerror}", code="OUTPUT_NOT_WRITABLE"
                ) from None
    if as_json:
        out = view.to_json(full=True)
        if text is not None:
            out["barcode"] = text
        _echo_json(out)
        return
    mark = view.mark
    subject = mark.document.get("credentialSubject", {})
    typer.echo(_line(view))
    for label, value in (
        ("plate", f"{mark.plate} (type {subject.get('plateTypeCode')})"),
        ("vehicle type", subject.get("vehicleTypeCode")),
        ("VIN", mark.vin),
        ("inspection", subject.get("inspectionBasis")),
        ("valid", f"{mark.valid_from} .. {mark.valid_until}"),
        ("issuer", mark.issuer),
        ("id", mark.credential_id or "-"),
        ("format", mark.format),
        ("received", f"{mark.received_at} ({mark.source})"),
        ("status", f"{view.status} ({view.status_source})"),
    ):
        typer.echo(f"  {label:<13} {value}")
    for error in view.detail.get("errors", []):
        typer.echo(f"  ! [{error['code']}] {error['message']}")
    if qr and text is not None:
        from vic.vc.qrimage import render_terminal

        typer.echo(render_terminal(text))


@app.command("export")
def export(
    ref: RefArgument,
    out: Annotated[
        Path | None, typer.Option("--out", help="The file to write (default mark-VIN.json).")
    ] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Also write the QR as PNG.")] = None,
    wallet_dir: WalletOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export a mark to share: the signed JSON file (or JWT), and its QR code as PNG."""
    with _wallet(wallet_dir, as_json) as wallet:
        mark = wallet.get(ref)
        suffix, data = wallet.export_file(mark)
        target = out or Path(f"mark-{mark.vin}{suffix}")
        text = wallet.barcode(mark) if png else None
        try:
            target.write_bytes(data)
            if png is not None and text is not None:
                from vic.vc.qrimage import render_png

                render_png(text, png)
        except OSError as exc:
            raise UsageError(
                f"cannot write {exc.filename}: {exc.strerror}", code="OUTPUT_NOT_WRITABLE"
            ) from None
    written = {"number": mark.number, "file": str(target), "png": str(png) if png else None}
    if as_json:
        _echo_json(written)
    else:
        typer.echo(f"wrote {target}" + (f" and {png}" if png else ""))


@app.command("print")
def print_mark(
    ref: RefArgument,
    out: Annotated[
        Path | None, typer.Option("--out", help="The PDF to write (default mark-VIN.pdf).")
    ] = None,
    wallet_dir: WalletOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the printable mark: the 80×60 mm sticker PDF with the QR code."""
    with _wallet(wallet_dir, as_json) as wallet:
        mark = wallet.get(ref)
        pdf = wallet.pdf(mark)
        target = out or Path(f"mark-{mark.vin}.pdf")
        try:
            target.write_bytes(pdf)
        except OSError as exc:
            raise UsageError(
                f"cannot write {target}: {exc.strerror}", code="OUTPUT_NOT_WRITABLE"
            ) from None
    if as_json:
        _echo_json({"number": mark.number, "file": str(target)})
    else:
        typer.echo(f"wrote {target}")


@app.command("remove")
def remove(ref: RefArgument, wallet_dir: WalletOption = None, as_json: JsonOption = False) -> None:
    """Remove a mark from the wallet (an older mark of the vehicle becomes current again)."""
    with _wallet(wallet_dir, as_json) as wallet:
        mark = wallet.remove(ref)
    if as_json:
        _echo_json({"removed": mark.number, "vin": mark.vin})
    else:
        typer.echo(f"removed #{mark.number} ({mark.plate} {mark.vin})")


@app.command("refresh")
def refresh(
    ref: Annotated[
        str | None, typer.Argument(metavar="[MARK]", help="One mark (default: every current).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Ask the issuer even if the mark looks fine.")
    ] = False,
    token: Annotated[
        str | None,
        typer.Option("--token", help=f"Owner (or office) token for downloads [env {TOKEN_ENV}]."),
    ] = None,
    issuer: Annotated[
        str | None, typer.Option("--issuer", help="The issuer's base URL for downloads.")
    ] = None,
    wallet_dir: WalletOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-download marks that were superseded, suspended, or are near their end.

    Exit 0, or 1 when a mark could not be refreshed (its outcome says why).
    """
    with _wallet(wallet_dir, as_json) as wallet:
        outcomes = wallet.refresh(
            ref, force=force, token=token or os.environ.get(TOKEN_ENV), issuer_url=issuer
        )
    failed = any(o.outcome == "failed" for o in outcomes)
    if as_json:
        _echo_json([o.to_json() for o in outcomes])
        raise typer.Exit(1 if failed else 0)
    for outcome in outcomes:
        line = f"#{outcome.number} {outcome.vin}: {outcome.outcome} ({outcome.reason})"
        if outcome.new_number is not None:
            line += f", now #{outcome.new_number}"
        if outcome.error is not None:
            line += f": [{outcome.error['code']}] {outcome.error['message']}"
        typer.echo(line)
    raise typer.Exit(1 if failed else 0)


@app.command("present")
def present(
    refs: Annotated[list[str], typer.Argument(metavar="MARK...", help="The marks to present.")],
    challenge: Annotated[
        str, typer.Option("--challenge", help="The verifier's challenge (nonce).")
    ],
    domain: Annotated[str, typer.Option("--domain", help="The verifier's domain.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the VP here.")] = None,
    wallet_dir: WalletOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a verifiable presentation of marks, signed by the holder key for one verifier."""
    with _wallet(wallet_dir, as_json) as wallet:
        vp = wallet.present(refs, challenge=challenge, domain=domain)
    text = json.dumps(vp, indent=2, ensure_ascii=False) + "\n"
    if out is not None:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(UsageError(f"cannot write {out}: {exc.strerror}", code="OUTPUT_NOT_WRITABLE"))
        if as_json:
            _echo_json({"file": str(out), "holder": vp.get("holder")})
        else:
            typer.echo(f"wrote {out}")
        return
    typer.echo(text, nl=False)
