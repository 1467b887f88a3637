"""``vic issuer ...``: the authority's administration commands (composing :mod:`vic.issuer`).

``vic issuer init`` saves the authority's settings in ``issuer.toml`` in the data directory; every
later command reads them (docs/operations.md). The data directory comes from ``--data``, else
``VIC_DATA``, else ``./vic-data``; each setting from its option, else its ``VIC_<NAME>``
environment variable, else the file. ``vic issuer config`` shows what is in force and from where.
The demo identity (``did:web:demo.vic.example``) belongs to ``vic demo`` alone: a data directory
without settings is an error, never a silent fall-back.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vic.cli.common import fail
from vic.cli.issuer_access import key_app, station_app, token_app
from vic.cli.issuer_common import (
    BaseUrlOption,
    DatabaseOption,
    DataOption,
    config_from,
    data_dir,
    emit_marks,
    open_issuer,
)
from vic.cli.output import JsonOption, emit_json, emit_table
from vic.contexts.errors import UsageError, VicError

if TYPE_CHECKING:
    pass

app = typer.Typer(
    help="The authority: initialise, settings, keys, stations, tokens, import.",
    no_args_is_help=True,
)
app.add_typer(key_app, name="key")
app.add_typer(station_app, name="station")
app.add_typer(token_app, name="token")

__all__ = ["BaseUrlOption", "DataOption", "DatabaseOption", "app", "config_from"]


@app.command("init")
def init(
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
    registry_entry_id: Annotated[
        int | None,
        typer.Option(
            "--registry-entry-id",
            help="The authority's CBOR-LD registry entry id (default: a provisional id derived "
            "from its DID; 0: none).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create the issuer: save its settings, create its database and first key; print its DID.

    Running it again on an initialised directory changes nothing and prints the same DID.
    """
    from vic.issuer.config import IssuerConfig
    from vic.issuer.settings import (
        config_kwargs,
        effective,
        load_file,
        provisional_registry_entry_id,
        save_file,
        settings_path,
    )

    directory = data_dir(data)
    try:
        saved = load_file(directory)
        values = effective(
            directory,
            {
                "base_url": base_url,
                "database_url": database,
                "registry_entry_id": registry_entry_id,
            },
        )
        base = values["base_url"].value
        if base is None:
            raise UsageError(
                "vic issuer init needs the authority's public base URL: --base-url https://... "
                "(or VIC_BASE_URL)",
                code="NOT_INITIALISED",
            )
        if saved.get("base_url") not in (None, base):
            raise UsageError(
                f"{directory} belongs to {saved['base_url']}; its base URL (its DID) cannot "
                "change (see docs/operations.md)",
                code="ALREADY_INITIALISED",
            )
        to_save = dict(saved)
        for key, value in values.items():
            if value.source.value in ("option", "environment") and key in (
                "base_url",
                "database_url",
                "registry_entry_id",
            ):
                to_save[key] = value.value
        provisional = False
        if "registry_entry_id" not in to_save:
            did = IssuerConfig(data_dir=directory, public_base_url=base).did
            to_save["registry_entry_id"] = provisional_registry_entry_id(did)
            provisional = True
        save_file(directory, to_save)
        config = IssuerConfig(
            data_dir=directory, **config_kwargs(effective(directory, {"database_url": database}))
        )
        from vic.issuer.engine import Issuer

        with Issuer.open(config) as issuer:
            did = issuer.did
    except VicError as exc:
        fail(exc)
    entry = config.registry_entry_id
    if entry is None:
        typer.echo(
            "warning: no CBOR-LD registry entry: the mark's QR grows to about twice the size "
            "(version 16 instead of 10); see docs/operations.md",
            err=True,
        )
    elif provisional:
        typer.echo(
            f"registry entry {entry} is provisional (derived from the DID); register it and set "
            "it with `vic issuer config set registry_entry_id N` (docs/operations.md)",
            err=True,
        )
    if as_json:
        emit_json(
            {
                "did": did,
                "dataDir": str(directory),
                "settings": str(settings_path(directory)),
                "registryEntryId": entry,
            }
        )
    else:
        typer.echo(did)


config_app = typer.Typer(
    help="Show the settings in force (and where each comes from), or change one.",
    invoke_without_command=True,
)
app.add_typer(config_app, name="config")


@config_app.callback()
def config_show(ctx: typer.Context, data: DataOption = None, as_json: JsonOption = False) -> None:
    """Show every setting in force and its source: option, environment, file or default."""
    if ctx.invoked_subcommand is not None:
        return
    from vic.issuer.settings import effective, settings_path

    directory = data_dir(data)
    try:
        values = effective(directory)
    except VicError as exc:
        fail(exc)
    if as_json:
        emit_json(
            {
                "dataDir": str(directory),
                "file": str(settings_path(directory)),
                "settings": {
                    key: {"value": v.value, "source": v.source.value, "env": v.setting.env}
                    for key, v in values.items()
                },
            }
        )
        return
    emit_table(
        f"settings of {directory}",
        ["setting", "value", "source", "environment variable"],
        [[k, v.value, v.source.value, v.setting.env] for k, v in values.items()],
    )


@config_app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(help="The setting (see `vic issuer config`).")],
    value: Annotated[str, typer.Argument(help="Its new value.")],
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change one saved setting (validated before it is written). The base URL cannot change."""
    from vic.issuer.settings import load_file, save_file

    directory = data_dir(data)
    try:
        saved = load_file(directory)
        if not saved:
            raise UsageError(
                f"{directory} is not initialised: run `vic issuer init` first",
                code="NOT_INITIALISED",
            )
        if key == "base_url" and saved.get("base_url") != value:
            raise UsageError(
                "the base URL is the authority's DID and cannot change (docs/operations.md)",
                code="ALREADY_INITIALISED",
            )
        save_file(directory, {**saved, key: value})
        stored = load_file(directory)[key]
    except VicError as exc:
        fail(exc)
    if as_json:
        emit_json({key: stored})
    else:
        typer.echo(f"{key} = {stored}")


@app.command("did")
def did_document(
    data: DataOption = None, base_url: BaseUrlOption = None, database: DatabaseOption = None
) -> None:
    """Print the authority's DID document (what /.well-known/did.json serves)."""
    try:
        with open_issuer(data, base_url, database) as issuer:
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
    as_json: JsonOption = False,
) -> None:
    """Write a trust list pinning this authority's DID document and registry entry versions."""
    from vic.vc.cborld import RegistryEntry
    from vic.verifier.trust import TrustedIssuer, TrustList

    try:
        with open_issuer(data, base_url, database) as issuer:
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
    if as_json:
        emit_json(
            {
                "file": str(out),
                "did": trusted.id,
                "registryEntryIds": [e.entry_id for e in entries],
            }
        )
    else:
        typer.echo(str(out))


@app.command("backup")
def backup_command(
    out: Annotated[Path, typer.Option("--out", help="The archive to write (.tar.gz, mode 0600).")],
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Back up the database, key files and settings into one archive (docs/operations.md).

    The archive holds the signing keys: keep it as safe as the keys themselves.
    """
    from vic.issuer.backup import backup

    try:
        with open_issuer(data, base_url, database) as issuer:
            info = backup(
                issuer.database,
                issuer.config.data_dir,
                out,
                did=issuer.did,
                now=issuer.config.clock(),
            )
    except VicError as exc:
        fail(exc)
    if as_json:
        emit_json({"file": str(out), "revision": info.revision, "did": info.did, "rows": info.rows})
    else:
        typer.echo(f"{out}: {sum(info.rows.values())} rows of {info.did}")


@app.command("restore")
def restore_command(
    archive: Annotated[Path, typer.Argument(help="A backup made by `vic issuer backup`.")],
    data: DataOption = None,
    database: DatabaseOption = None,
    schema: Annotated[
        str | None, typer.Option("--schema", help="PostgreSQL schema to restore into.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Restore a backup into a new data directory (and an empty database)."""
    from vic.issuer.backup import restore

    directory = data_dir(data)
    try:
        info = restore(
            archive,
            directory,
            database_url=database or os.environ.get("VIC_DATABASE_URL") or None,
            database_schema=schema,
        )
    except OSError as exc:
        fail(UsageError(f"cannot read {archive}: {exc.strerror}", code="INPUT_NOT_READABLE"))
    except VicError as exc:
        fail(exc)
    if as_json:
        emit_json({"dataDir": str(directory), "revision": info.revision, "did": info.did})
    else:
        typer.echo(f"restored {info.did} into {directory}")


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
    from vic.issuer.services.oid4vci import Oid4vciService
    from vic.issuer.vcjwt import vc_jwt_signer

    try:
        try:
            configuration_id = configuration_for_format(fmt)
        except KeyError:
            raise UsageError(
                f"--format is ldp_vc or jwt_vc_json, not {fmt!r}", code="USAGE_ERROR"
            ) from None
        with open_issuer(data, base_url, database) as issuer:
            service = Oid4vciService(
                issuer.kernel,
                issuer_id=issuer.config.public_base_url,
                authority_name=DEFAULT_AUTHORITY_NAME,
                jwt_signer=vc_jwt_signer(issuer.kernel),
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


@app.command("resume")
def resume(
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Finish the marks (and VC-API credentials) a crash left pending between allocation and
    signing; prints the marks issued. Safe while the issuer serves; `vic serve issuer` does it
    on start-up."""
    from vic.issuer.engine import SYSTEM_ACTOR

    try:
        with open_issuer(data, base_url, database) as issuer:
            marks = issuer.resume_pending(SYSTEM_ACTOR)
    except VicError as exc:
        fail(exc)
    emit_marks(marks, as_json)


@app.command("import")
def import_csv(
    csv_file: Annotated[Path, typer.Argument(metavar="CSV", help="Vehicles to register.")],
    rejected: Annotated[
        Path | None, typer.Option("--rejected", help="Write rejected rows here (CSV).")
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=5000, help="Rows per transaction.")
    ] = 200,
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register the vehicles of a CSV file (UTF-8 or GB18030) and issue their marks; rerun to
    resume.

    Headers are matched case-insensitively, in English or Chinese (docs/issuer.md). Progress:
    a bar on a terminal, else a line on stderr every 10 seconds. Exit 0 when every row was
    imported (or had been), 1 when some were rejected.
    """
    from vic.cli.progress import ImportProgress
    from vic.issuer.engine import SYSTEM_ACTOR
    from vic.issuer.importer import import_vehicles, read_rows, write_rejected

    try:
        table = read_rows(csv_file)
    except OSError as exc:
        fail(UsageError(f"cannot read {csv_file}: {exc.strerror}", code="INPUT_NOT_READABLE"))
    except VicError as exc:
        fail(exc)
    if not as_json:
        typer.echo(f"reading {csv_file} ({table.encoding}, {table.total} rows)", err=True)
    try:
        with (
            open_issuer(data, base_url, database) as issuer,
            ImportProgress(table.total, terminal=os.isatty(2)) as progress,
        ):
            report = import_vehicles(
                issuer, SYSTEM_ACTOR, table.rows, batch_size=batch_size, progress=progress.update
            )
    except VicError as exc:
        fail(exc)
    if rejected is not None:
        write_rejected(rejected, report.rejected)
    if as_json:
        emit_json(
            {
                "file": str(csv_file),
                "encoding": table.encoding,
                "rows": report.rows,
                "issued": report.issued,
                "alreadyDone": report.already_done,
                "rejected": [
                    {
                        "line": r.line,
                        "vin": r.vin,
                        "column": r.column,
                        "value": r.value,
                        "code": r.code,
                        "message": r.message,
                    }
                    for r in report.rejected
                ],
                "seconds": round(progress.elapsed, 3),
            }
        )
    else:
        typer.echo(
            f"{report.rows} rows: {report.issued} issued, {report.already_done} already done, "
            f"{len(report.rejected)} rejected ({progress.elapsed:.1f} s)"
        )
        for row in report.rejected[:20]:
            typer.echo(f"  {row.describe()}", err=True)
        if len(report.rejected) > 20:
            more = len(report.rejected) - 20
            typer.echo(f"  ... and {more} more (--rejected FILE writes them all)", err=True)
    raise typer.Exit(1 if report.rejected else 0)
