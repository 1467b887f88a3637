"""``vic issuer ...``: the authority's administration commands (composing :mod:`issuer`).

Settings come from options or the environment: ``VIC_DATA`` (data directory, default
``./vic-data``), ``VIC_BASE_URL`` (public base URL, default ``https://demo.vic.example``),
``VIC_DATABASE_URL`` (SQLAlchemy URL; default SQLite in the data directory),
``VIC_REGISTRY_ENTRY_ID`` (the authority's CBOR-LD registry entry id; 15601 for the demo URL),
``VIC_KEY_PASSPHRASE`` (encrypts key files at rest).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vic.cli.common import fail
from vic.contexts.errors import UsageError, VicError

if TYPE_CHECKING:
    from vic.issuer.config import IssuerConfig

app = typer.Typer(help="The authority: initialise, keys, stations, import.", no_args_is_help=True)

DEMO_BASE_URL = "https://demo.vic.example"
DEMO_REGISTRY_ENTRY_ID = 15601

DataOption = Annotated[
    Path | None, typer.Option("--data", help="Data directory [env VIC_DATA; ./vic-data].")
]
BaseUrlOption = Annotated[
    str | None, typer.Option("--base-url", help="Public base URL [env VIC_BASE_URL].")
]
DatabaseOption = Annotated[
    str | None, typer.Option("--database", help="Database URL [env VIC_DATABASE_URL].")
]


def config_from(
    data: Path | None, base_url: str | None, database: str | None = None
) -> IssuerConfig:
    """The issuer configuration from options, then the environment, then the demo defaults."""
    from vic.issuer.config import IssuerConfig

    base = base_url or os.environ.get("VIC_BASE_URL") or DEMO_BASE_URL
    entry = os.environ.get("VIC_REGISTRY_ENTRY_ID")
    if entry is not None and not entry.isdigit():
        raise UsageError("VIC_REGISTRY_ENTRY_ID must be a number", code="USAGE_ERROR")
    registry_entry_id = (
        int(entry) if entry else (DEMO_REGISTRY_ENTRY_ID if base == DEMO_BASE_URL else None)
    )
    return IssuerConfig(
        data_dir=data or Path(os.environ.get("VIC_DATA", "vic-data")),
        public_base_url=base,
        database_url=database or os.environ.get("VIC_DATABASE_URL") or None,
        registry_entry_id=registry_entry_id,
    )


def _open(data: Path | None, base_url: str | None, database: str | None) -> Any:
    from vic.issuer.engine import Issuer

    return Issuer.open(config_from(data, base_url, database))


@app.command("init")
def init(
    data: DataOption = None, base_url: BaseUrlOption = None, database: DatabaseOption = None
) -> None:
    """Create (or open) the issuer's database and first key; print its DID."""
    try:
        with _open(data, base_url, database) as issuer:
            typer.echo(issuer.did)
    except VicError as exc:
        fail(exc)


@app.command("did")
def did_document(
    data: DataOption = None, base_url: BaseUrlOption = None, database: DatabaseOption = None
) -> None:
    """Print the authority's DID document (what /.well-known/did.json serves)."""
    try:
        with _open(data, base_url, database) as issuer:
            typer.echo(json.dumps(issuer.did_document(), indent=2))
    except VicError as exc:
        fail(exc)


@app.command("trust-list")
def trust_list(
    out: Annotated[Path, typer.Option("--out", help="Where to write the trust list.")],
    name_zh: Annotated[str, typer.Option("--name-zh", help="Display name (zh-CN).")] = "发证机关",
    name_en: Annotated[str, typer.Option("--name-en", help="Display name (en).")] = "Authority",
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
) -> None:
    """Write a trust list pinning this authority's DID document and registry entry."""
    from vic.vc.cborld import RegistryEntry
    from vic.verifier.trust import TrustedIssuer, TrustList

    try:
        with _open(data, base_url, database) as issuer:
            entries: tuple[RegistryEntry, ...] = ()
            if issuer.config.registry_entry_id is not None:
                entries = (RegistryEntry.from_json(issuer.registry_entry()[-1]),)
            trusted = TrustedIssuer(
                issuer.did, {"zh-CN": name_zh, "en": name_en}, issuer.did_document(), entries
            )
            out.write_text(
                json.dumps(TrustList((trusted,)).to_json(), indent=2, ensure_ascii=False)
            )
    except VicError as exc:
        fail(exc)
    typer.echo(str(out))


key_app = typer.Typer(help="The authority's signing keys.", no_args_is_help=True)
app.add_typer(key_app, name="key")


@key_app.command("rotate")
def key_rotate(
    data: DataOption = None, base_url: BaseUrlOption = None, database: DatabaseOption = None
) -> None:
    """Make a new signing key current; old keys stay in the DID document so old marks verify."""
    from vic.issuer.engine import SYSTEM_ACTOR

    try:
        with _open(data, base_url, database) as issuer:
            info = issuer.rotate_key(SYSTEM_ACTOR)
            typer.echo(info.method_id)
    except VicError as exc:
        fail(exc)


@app.command("offer")
def offer(
    vin: Annotated[str, typer.Option("--vin", help="The vehicle's VIN.")],
    fmt: Annotated[
        str, typer.Option("--format", help="ldp_vc (Data Integrity) or jwt_vc_json (vc+jwt).")
    ] = "ldp_vc",
    no_tx_code: Annotated[
        bool, typer.Option("--no-tx-code", help="No one-time code: the URI alone suffices.")
    ] = False,
    by_value: Annotated[
        bool,
        typer.Option("--by-value", help="Put the offer itself in the URI (a larger QR)."),
    ] = False,
    png: Annotated[
        Path | None, typer.Option("--png", help="Also write the offer's QR code as a PNG.")
    ] = None,
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
) -> None:
    """An OpenID4VCI offer of the vehicle's mark for a wallet: the offer URI on stdout, the
    one-time code on stderr as ``tx_code: NNNNNN`` (hand it over apart from the URI)."""
    from vic.issuer.api.app import DEFAULT_AUTHORITY_NAME
    from vic.issuer.engine import SYSTEM_ACTOR
    from vic.issuer.oid4vci.metadata import configuration_for_format
    from vic.issuer.oid4vci.service import Oid4vciService, vc_jwt_signer

    try:
        try:
            configuration_id = configuration_for_format(fmt)
        except KeyError:
            raise UsageError(
                f"--format is ldp_vc or jwt_vc_json, not {fmt!r}", code="USAGE_ERROR"
            ) from None
        with _open(data, base_url, database) as issuer:
            service = Oid4vciService(
                issuer,
                issuer_id=issuer.config.public_base_url,
                authority_name=DEFAULT_AUTHORITY_NAME,
                jwt_signer=vc_jwt_signer(issuer),
            )
            created = service.create_offer(
                SYSTEM_ACTOR,
                vin,
                configuration_id=configuration_id,
                tx_code=not no_tx_code,
                by_reference=not by_value,
            )
        if png is not None:
            from vic.vc.qrimage import render_png

            render_png(created.uri, png)
    except VicError as exc:
        fail(exc)
    typer.echo(created.uri)
    if created.tx_code is not None:
        typer.echo(f"tx_code: {created.tx_code}", err=True)


station_app = typer.Typer(help="Inspection stations.", no_args_is_help=True)
app.add_typer(station_app, name="station")


@station_app.command("add")
def station_add(
    code: Annotated[str, typer.Argument(help="The station's code.")],
    name: Annotated[str, typer.Argument(help="The station's name.")],
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
) -> None:
    """Add an inspection station (its reports are accepted from then on)."""
    from vic.issuer.engine import SYSTEM_ACTOR

    try:
        with _open(data, base_url, database) as issuer:
            issuer.add_station(SYSTEM_ACTOR, code, name)
    except VicError as exc:
        fail(exc)
    typer.echo(code)


@app.command("import")
def import_csv(
    csv_file: Annotated[Path, typer.Argument(metavar="CSV", help="Vehicles to register.")],
    rejected: Annotated[
        Path | None, typer.Option("--rejected", help="Write rejected rows here (CSV).")
    ] = None,
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
) -> None:
    """Register the vehicles of a CSV file and issue their marks; rerun to resume.

    Exit 0 when every row was imported (or had been), 1 when some were rejected.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from vic.issuer.engine import SYSTEM_ACTOR
    from vic.issuer.importer import import_vehicles, read_rows, write_rejected

    try:
        total, rows = read_rows(csv_file)
    except OSError as exc:
        fail(UsageError(f"cannot read {csv_file}: {exc.strerror}", code="INPUT_NOT_READABLE"))
    except VicError as exc:
        fail(exc)
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    try:
        with (
            _open(data, base_url, database) as issuer,
            Progress(*columns, transient=True, disable=not os.isatty(2)) as bar,
        ):
            task = bar.add_task("importing", total=total)
            report = import_vehicles(
                issuer, SYSTEM_ACTOR, rows, progress=lambda r: bar.update(task, completed=r.rows)
            )
    except VicError as exc:
        fail(exc)
    typer.echo(
        f"{report.rows} rows: {report.issued} issued, {report.already_done} already done, "
        f"{len(report.rejected)} rejected"
    )
    for row in report.rejected[:20]:
        typer.echo(f"  line {row.line} {row.vin}: [{row.code}] {row.message}", err=True)
    if rejected is not None:
        write_rejected(rejected, report.rejected)
    raise typer.Exit(1 if report.rejected else 0)


token_app = typer.Typer(help="API bearer tokens (stored hashed).", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option("--role", help="station, office, owner or admin.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")],
    subject: Annotated[
        str | None,
        typer.Option("--subject", help="The station code (station) or account id (owner)."),
    ] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="Expiry (ISO dateTime with zone).")
    ] = None,
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
) -> None:
    """Create a token and print it once (only its hash is stored); its id goes to stderr."""
    from vic.issuer.tokens import create_token
    from vic.vc.dates import parse_datetime

    try:
        until = parse_datetime(expires, field="--expires") if expires else None
        with _open(data, base_url, database) as issuer:
            text, info = create_token(
                issuer, role=role, subject=subject, expires=until, label=label
            )
    except VicError as exc:
        fail(exc)
    typer.echo(f"token {info.token_id} ({info.scope.value}) created", err=True)
    typer.echo(text)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id.")],
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
) -> None:
    """Revoke a token: it authenticates nobody from now on."""
    from vic.issuer.tokens import revoke_token

    try:
        with _open(data, base_url, database) as issuer:
            revoke_token(issuer, token_id)
    except VicError as exc:
        fail(exc)
    typer.echo(token_id)


@token_app.command("list")
def token_list(
    data: DataOption = None, base_url: BaseUrlOption = None, database: DatabaseOption = None
) -> None:
    """List the tokens (ids, roles, subjects, expiry, revocation; never the secrets)."""
    from vic.issuer.tokens import list_tokens

    try:
        with _open(data, base_url, database) as issuer:
            for info in list_tokens(issuer):
                typer.echo(
                    f"{info.token_id}\t{info.scope.value}\t{info.subject or '-'}\t{info.label}\t"
                    f"expires {info.expires_at or 'never'}\t"
                    f"{'revoked' if info.revoked_at else 'active'}"
                )
    except VicError as exc:
        fail(exc)
