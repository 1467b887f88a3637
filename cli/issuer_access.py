"""``vic issuer key|station|token ...``: the authority's keys, its inspection stations and the
API bearer tokens (composing :mod:`vic.issuer`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from vic.cli.common import fail
from vic.cli.issuer_common import (
    BaseUrlOption,
    DatabaseOption,
    DataOption,
    emit_marks,
    open_issuer,
)
from vic.cli.output import JsonOption, emit_json, emit_table
from vic.contexts.errors import VicError

__all__ = ["key_app", "station_app", "token_app"]

key_app = typer.Typer(help="The authority's signing keys.", no_args_is_help=True)


def _key_json(info: Any) -> dict[str, Any]:
    return {
        "methodId": info.method_id,
        "keyType": info.key_type,
        "publicKeyMultibase": info.public_key_multibase,
        "createdAt": info.created_at.isoformat(),
        "retiredAt": info.retired_at.isoformat() if info.retired_at else None,
        "compromised": info.compromised,
    }


@key_app.command("rotate")
def key_rotate(
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a new signing key current; old keys stay in the DID document so old marks verify.

    The authority's CBOR-LD registry entry gains a version with the new method.
    """
    from vic.issuer.engine import SYSTEM_ACTOR

    try:
        with open_issuer(data, base_url, database) as issuer:
            info = issuer.rotate_key(SYSTEM_ACTOR)
    except VicError as exc:
        fail(exc)
    if as_json:
        emit_json(_key_json(info))
    else:
        typer.echo(info.method_id)


@key_app.command("compromise")
def key_compromise(
    fragment: Annotated[str, typer.Argument(help="The key's fragment, e.g. key-1.")],
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Declare a key compromised: its method leaves the DID document, its private key is
    destroyed, and every current mark it signed is re-issued (docs/issuer.md).

    Prints the new marks (mark number and VIN); a rerun re-issues nothing twice.
    """
    from vic.issuer.engine import SYSTEM_ACTOR

    try:
        with open_issuer(data, base_url, database) as issuer:
            marks = issuer.compromise_key(SYSTEM_ACTOR, fragment)
    except VicError as exc:
        fail(exc)
    emit_marks(marks, as_json)


@key_app.command("list")
def key_list(
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the authority's keys, oldest first."""
    try:
        with open_issuer(data, base_url, database) as issuer:
            keys = issuer.keys()
    except VicError as exc:
        fail(exc)
    if as_json:
        emit_json([_key_json(k) for k in keys])
        return
    emit_table(
        "keys",
        ["method", "type", "created", "retired"],
        [[k.method_id, k.key_type, k.created_at, k.retired_at or "-"] for k in keys],
    )


station_app = typer.Typer(help="Inspection stations.", no_args_is_help=True)


@station_app.command("add")
def station_add(
    code: Annotated[str, typer.Argument(help="The station's code.")],
    name: Annotated[str, typer.Argument(help="The station's name.")],
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add an inspection station (its reports are accepted from then on)."""
    from vic.issuer.engine import SYSTEM_ACTOR

    try:
        with open_issuer(data, base_url, database) as issuer:
            station = issuer.add_station(SYSTEM_ACTOR, code, name)
    except VicError as exc:
        fail(exc)
    if as_json:
        emit_json({"code": station.code, "name": station.name, "active": station.active})
    else:
        typer.echo(code)


token_app = typer.Typer(help="API bearer tokens (stored hashed).", no_args_is_help=True)


def _token_json(info: Any) -> dict[str, Any]:
    return {
        "id": info.token_id,
        "role": info.scope.value,
        "subject": info.subject,
        "label": info.label,
        "createdAt": info.created_at.isoformat(),
        "expiresAt": info.expires_at.isoformat() if info.expires_at else None,
        "revokedAt": info.revoked_at.isoformat() if info.revoked_at else None,
    }


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
    as_json: JsonOption = False,
) -> None:
    """Create a token and print it once (only its hash is stored); its id goes to stderr."""
    from vic.issuer.tokens import create_token
    from vic.vc.dates import parse_datetime

    try:
        until = parse_datetime(expires, field="--expires") if expires else None
        with open_issuer(data, base_url, database) as issuer:
            text, info = create_token(
                issuer, role=role, subject=subject, expires=until, label=label
            )
    except VicError as exc:
        fail(exc)
    if as_json:
        emit_json({**_token_json(info), "token": text})
        return
    typer.echo(f"token {info.token_id} ({info.scope.value}) created", err=True)
    typer.echo(text)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id.")],
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke a token: it authenticates nobody from now on."""
    from vic.issuer.tokens import revoke_token

    try:
        with open_issuer(data, base_url, database) as issuer:
            revoke_token(issuer, token_id)
    except VicError as exc:
        fail(exc)
    if as_json:
        emit_json({"id": token_id, "revoked": True})
    else:
        typer.echo(token_id)


@token_app.command("list")
def token_list(
    data: DataOption = None,
    base_url: BaseUrlOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the tokens (ids, roles, subjects, expiry, revocation; never the secrets)."""
    from vic.issuer.tokens import list_tokens

    try:
        with open_issuer(data, base_url, database) as issuer:
            tokens = list_tokens(issuer)
    except VicError as exc:
        fail(exc)
    if as_json:
        emit_json([_token_json(t) for t in tokens])
        return
    emit_table(
        "tokens",
        ["id", "role", "subject", "label", "expires", "state"],
        [
            [
                t.token_id,
                t.scope.value,
                t.subject or "-",
                t.label,
                t.expires_at or "never",
                "revoked" if t.revoked_at else "active",
            ]
            for t in tokens
        ],
    )
