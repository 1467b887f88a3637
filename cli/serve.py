"""``vic serve issuer|verifier``: run the issuer's or the verifier's HTTP service."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from vic.cli.common import fail, read_input
from vic.cli.issuer_common import BaseUrlOption, DatabaseOption, DataOption
from vic.contexts.errors import VicError

__all__ = ["API_KEY_ENV", "TRUST_ENV", "serve_app"]

API_KEY_ENV = "VIC_ISSUER_API_KEY"
"""Environment variable holding the issuer's static VC-API key (``vic serve issuer``)."""

TRUST_ENV = "VIC_TRUST"
"""Environment variable naming the default trust list (``vic verify``, ``vic serve verifier``)."""

serve_app = typer.Typer(help="Run a service.", no_args_is_help=True)


@serve_app.command("issuer")
def serve_issuer(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8080,
    workers: Annotated[
        int, typer.Option("--workers", help="Worker processes (one socket each).", min=1)
    ] = 1,
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
    issue_with_status: Annotated[
        bool,
        typer.Option(
            "--issue-with-status",
            help="VC-API issue adds revocation and suspension entries to VC 2.0 credentials.",
        ),
    ] = False,
    api_key_file: Annotated[
        Path | None,
        typer.Option(
            "--api-key-file",
            help="A file holding a static key the VC-API routes accept as bearer token "
            f"(env {API_KEY_ENV}).",
        ),
    ] = None,
    unauthenticated_issue: Annotated[
        bool,
        typer.Option(
            "--unauthenticated-issue",
            help="The VC-API routes need no authentication (loopback only; for the W3C suites).",
        ),
    ] = False,
    vc_api_issuer: Annotated[
        list[str] | None,
        typer.Option(
            "--vc-api-issuer",
            help="NAME=CRYPTOSUITE[:KEYTYPE]: an issuer of its own at "
            "/issuers/NAME/credentials/issue with a did:key (repeatable).",
        ),
    ] = None,
) -> None:
    """Serve the issuer: VC-API, domain routes, downloads, status lists, did.json."""
    from vic.cli.issuer import config_from
    from vic.issuer.api import serve

    host = os.environ.get("VIC_HOST", host)
    port = int(os.environ.get("VIC_PORT", port))
    try:
        key = os.environ.get(API_KEY_ENV) or None
        if api_key_file is not None:
            key = read_input(str(api_key_file)).decode("utf-8", "replace").strip()
        from vic.issuer.named import NamedIssuerSpec

        specs = [NamedIssuerSpec.parse(text) for text in vc_api_issuer or []]
        serve(
            config_from(data, base_url, database),
            host=host,
            port=port,
            issue_with_status=issue_with_status,
            vc_api_key=key,
            unauthenticated_issue=unauthenticated_issue,
            named_issuers=specs,
            workers=workers,
        )
    except VicError as exc:
        fail(exc)


@serve_app.command("verifier")
def serve_verifier(
    trust_file: Annotated[
        Path | None, typer.Option("--trust", help=f"A trust list file [env {TRUST_ENV}].")
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8081,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.", min=1)] = 1,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Folder of the on-disk status list cache [env VIC_DATA]."),
    ] = None,
    status_list: Annotated[
        list[Path] | None,
        typer.Option("--status-list", help="A status list credential file to use."),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Never fetch: status from files and the cache.")
    ] = False,
    did_web: Annotated[
        bool, typer.Option("--did-web", help="Fetch did:web documents not in the trust list.")
    ] = False,
    allow_loopback_http: Annotated[
        bool,
        typer.Option(
            "--allow-loopback-http",
            help="Let status lists and did:web come from http:// on loopback (tests only).",
        ),
    ] = False,
    any_issuer: Annotated[
        bool,
        typer.Option(
            "--any-issuer",
            help="Accept every issuer (W3C interop suites only; loopback only).",
        ),
    ] = False,
    ca_file: Annotated[
        Path | None,
        typer.Option(
            "--ca-file",
            help="Trust these CAs (PEM) for https status lists and did:web, not the system's.",
        ),
    ] = None,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request.")
    ] = True,
) -> None:
    """Serve the verifier: VC-API verify, QR verify, and the page that scans at /."""
    from vic.verifier.service import ServeOptions, serve

    host = os.environ.get("VIC_HOST", host)
    port = int(os.environ.get("VIC_PORT", port))
    trust = trust_file or os.environ.get(TRUST_ENV) or None
    folder = data or os.environ.get("VIC_DATA") or None
    if any_issuer:
        typer.echo(
            "WARNING: --any-issuer: every issuer is trusted; verdicts mean nothing. "
            "For interop test suites on loopback only.",
            err=True,
        )
    options = ServeOptions(
        trust_file=str(trust) if trust else None,
        any_issuer=any_issuer,
        status_lists=tuple(str(p) for p in status_list or []),
        data_dir=str(folder) if folder else None,
        offline=offline,
        did_web=did_web,
        allow_loopback_http=allow_loopback_http,
        ca_file=str(ca_file) if ca_file else None,
    )
    try:
        serve(options, host=host, port=port, workers=workers, access_log=access_log)
    except VicError as exc:
        fail(exc)
