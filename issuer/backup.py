"""Backup and restore of an issuer: its database, key files and settings in one archive.

A backup is a gzipped tar (mode 0600: it holds the signing keys) with

- ``manifest.json``: format version, the schema revision, the DID, when it was made, and the row
  count and SHA-256 of each table's file;
- ``tables/{table}.jsonl``: every row of every table, one JSON object per line, read in one
  consistent snapshot (REPEATABLE READ on PostgreSQL, a read transaction on SQLite), in
  foreign-key order;
- ``keys/*``: the key files as they are on disk (encrypted at rest when a passphrase is set);
- ``issuer.toml``: the settings.

The format is the same for SQLite and PostgreSQL, so a backup of one restores into the other.
:func:`restore` needs an empty data directory and an empty database: it applies the migrations
up to the backup's revision, inserts every row with its id, moves PostgreSQL's id sequences past
them, and checks the row counts and digests against the manifest. Restored, every mark verifies
and every status list carries the same bits (docs/operations.md; tests/issuer/test_backup.py).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import tarfile
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from vic.contexts.errors import ParsingError, UsageError
from vic.issuer.db.engine import Database, current_revision, open_database, upgrade
from vic.issuer.db.models import Base
from vic.issuer.settings import SETTINGS_FILE, save_file

__all__ = ["BACKUP_FORMAT", "BackupInfo", "backup", "restore"]

BACKUP_FORMAT: Final = "vic-issuer-backup/1"
_MAX_MEMBER_BYTES: Final = 4 * 1024**3


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds: its revision, DID, time and rows per table."""

    revision: str
    did: str
    created_at: str
    rows: Mapping[str, int]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return {"$datetime": stamp.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, raw),) = value.items()
        if kind == "$datetime":
            return datetime.fromisoformat(raw)
        if kind == "$date":
            return date.fromisoformat(raw)
        if kind == "$bytes":
            return base64.b64decode(raw)
    return value


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name != "alembic_version"]


def _dump_table(session: Session, table: Table) -> Iterator[bytes]:
    order = list(table.primary_key.columns) or list(table.columns)
    for row in session.execute(select(table).order_by(*order)).mappings():
        record = {key: _encode(value) for key, value in row.items()}
        yield json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    member.mode = 0o600
    archive.addfile(member, io.BytesIO(data))


def backup(database: Database, data_dir: Path, out: Path, *, did: str, now: datetime) -> BackupInfo:
    """Write a backup of the issuer (database ``database``, files in ``data_dir``) to ``out``.

    :raises UsageError: ``BACKUP_EXISTS`` (``out`` exists: nothing is overwritten).
    """
    revision = current_revision(database)
    if revision is None:
        raise UsageError("the database is empty: nothing to back up", code="NOTHING_TO_BACK_UP")
    tables: dict[str, bytes] = {}
    with database.read() as session:
        for table in _tables():
            tables[table.name] = b"".join(_dump_table(session, table))
    created = now.isoformat()
    manifest: dict[str, Any] = {
        "format": BACKUP_FORMAT,
        "revision": revision,
        "did": did,
        "createdAt": created,
        "tables": {
            name: {"rows": data.count(b"\n"), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in tables.items()
        },
    }
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{out} exists; choose a new file", code="BACKUP_EXISTS") from None
    with (
        os.fdopen(fd, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb") as packed,
        tarfile.open(fileobj=packed, mode="w") as archive,
    ):
        _add(archive, "manifest.json", json.dumps(manifest, indent=2).encode("utf-8"))
        for name, data in tables.items():
            _add(archive, f"tables/{name}.jsonl", data)
        keys = data_dir / "keys"
        for path in sorted(keys.iterdir()) if keys.is_dir() else []:
            if path.is_file():
                _add(archive, f"keys/{path.name}", path.read_bytes())
        settings = data_dir / SETTINGS_FILE
        if settings.is_file():
            _add(archive, SETTINGS_FILE, settings.read_bytes())
    return BackupInfo(revision, did, created, _rows(manifest))


def _rows(manifest: Mapping[str, Any]) -> dict[str, int]:
    return {name: int(entry["rows"]) for name, entry in manifest["tables"].items()}


def _read_archive(path: Path) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            for member in archive:
                if not member.isfile() or member.size > _MAX_MEMBER_BYTES:
                    raise ParsingError(f"unexpected member {member.name!r}", code="INVALID_BACKUP")
                name = member.name
                if name.startswith("/") or ".." in name.split("/"):
                    raise ParsingError(f"unsafe member name {name!r}", code="INVALID_BACKUP")
                handle = archive.extractfile(member)
                assert handle is not None
                members[name] = handle.read()
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise ParsingError(f"{path} is not a vic backup: {exc}", code="INVALID_BACKUP") from None
    return members


def _manifest(members: Mapping[str, bytes]) -> dict[str, Any]:
    try:
        manifest = json.loads(members["manifest.json"])
    except (KeyError, ValueError):
        raise ParsingError("the backup has no readable manifest", code="INVALID_BACKUP") from None
    if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
        raise ParsingError(
            f"not a {BACKUP_FORMAT} backup: {manifest.get('format')!r}", code="INVALID_BACKUP"
        )
    for name, entry in manifest["tables"].items():
        data = members.get(f"tables/{name}.jsonl", b"")
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ParsingError(f"table {name} does not match its digest", code="INVALID_BACKUP")
    return manifest


def _insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` with their ids; a column that points into the same table (a mark's
    ``superseded_by_id``) is filled in a second pass, once every row it may point to exists."""
    own = [c.name for c in table.columns if any(fk.column.table is table for fk in c.foreign_keys)]
    first = [{**row, **dict.fromkeys(own)} for row in rows]
    for start in range(0, len(first), 1000):
        session.execute(insert(table), first[start : start + 1000])
    key = [c.name for c in table.primary_key.columns]
    for row in rows:
        later = {name: row[name] for name in own if row.get(name) is not None}
        if later:
            match = [table.c[name] == row[name] for name in key]
            session.execute(table.update().where(*match).values(**later))


def restore(
    archive: Path,
    data_dir: Path,
    *,
    database_url: str | None = None,
    database_schema: str | None = None,
) -> BackupInfo:
    """Restore a backup into an empty data directory (and an empty database).

    :param database_url: the database to restore into; None: SQLite in ``data_dir``.
    :raises ParsingError: ``INVALID_BACKUP`` (not a vic backup, damaged, a digest mismatch).
    :raises UsageError: ``RESTORE_TARGET_NOT_EMPTY`` (the data directory holds keys or settings,
        or the database has a schema already).
    """
    members = _read_archive(archive)
    manifest = _manifest(members)
    if (data_dir / "keys").exists() or (data_dir / SETTINGS_FILE).exists():
        raise UsageError(
            f"{data_dir} is not empty: restore into a new data directory",
            code="RESTORE_TARGET_NOT_EMPTY",
        )
    from vic.issuer.db.engine import SQLITE_FILE_NAME, sqlite_url

    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    url = database_url or sqlite_url(data_dir / SQLITE_FILE_NAME)
    database = open_database(url, schema=database_schema, empty=True)
    try:
        if current_revision(database) is not None:
            raise UsageError(
                "the target database is not empty: restore into a new one",
                code="RESTORE_TARGET_NOT_EMPTY",
            )
        upgrade(database, manifest["revision"])
        with database.write() as session:
            for table in _tables():
                rows = [
                    {key: _decode(value) for key, value in json.loads(line).items()}
                    for line in members.get(f"tables/{table.name}.jsonl", b"").splitlines()
                    if line
                ]
                _insert(session, table, rows)
                if database.dialect == "postgresql" and "id" in table.columns and rows:
                    session.execute(
                        text(
                            "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                            "(SELECT max(id) FROM " + table.name + "))"
                        ),
                        {"table": table.name},
                    )
            counts = {
                table.name: int(
                    session.execute(select(func.count()).select_from(table)).scalar_one()
                )
                for table in _tables()
            }
        if counts != _rows(manifest):
            raise ParsingError("the restored row counts differ", code="INVALID_BACKUP")
    finally:
        database.engine.dispose()
    keys = data_dir / "keys"
    keys.mkdir(mode=0o700)
    for name, data in members.items():
        if name.startswith("keys/"):
            target = keys / name.removeprefix("keys/")
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
    if SETTINGS_FILE in members:
        saved = tomllib.loads(members[SETTINGS_FILE].decode("utf-8"))
        saved.pop("database_url", None)  # the restored issuer lives where it was restored to
        saved.pop("database_schema", None)
        if database_url is not None:
            saved["database_url"] = database_url
        if database_schema is not None:
            saved["database_schema"] = database_schema
        save_file(data_dir, saved)
    return BackupInfo(manifest["revision"], manifest["did"], manifest["createdAt"], counts)
