"""The wallet's store: one SQLite file of marks, for any number of vehicles.

- Every change is one SQLite transaction (rollback journal, ``synchronous=FULL``): a crash or an
  error midway leaves the store as it was before the change.
- A new store is built in a temporary file (mode 0600) and linked into place, so a store file that
  exists is always a complete one: an empty, truncated or foreign file is ``STORE_CORRUPT`` and is
  never written to, repaired or replaced — the user keeps the bytes to rescue.
- One mark per vehicle is *current*: when a newer mark of the same VIN arrives (a later
  ``validFrom``), the older one is kept, marked as replaced by it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from vic.contexts.errors import UsageError, WalletError, WalletStoreError

__all__ = ["SCHEMA_VERSION", "NewMark", "StoredMark", "WalletStore", "check_ref"]

SCHEMA_VERSION: Final = 1
_HEADER: Final = b"SQLite format 3\x00"
_APPLICATION_ID: Final = 0x56494357  # "VICW": marks the file as a vic wallet

_SCHEMA: Final = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE marks (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    digest TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    content TEXT NOT NULL,
    document TEXT NOT NULL,
    barcode TEXT,
    credential_id TEXT,
    issuer TEXT NOT NULL,
    vin TEXT NOT NULL,
    plate TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    source TEXT NOT NULL,
    received_at TEXT NOT NULL,
    credential_issuer TEXT,
    configuration_id TEXT,
    refresh_token TEXT,
    status TEXT,
    status_checked_at TEXT,
    status_detail TEXT,
    replaced_by INTEGER REFERENCES marks(number) ON DELETE SET NULL
);
CREATE INDEX marks_vin ON marks(vin);
"""


@dataclass(frozen=True)
class NewMark:
    """A mark to store, as :mod:`vic.wallet.credential` read it."""

    digest: str
    format: str
    content: str
    document: dict[str, Any]
    barcode: str | None
    credential_id: str | None
    issuer: str
    vin: str
    plate: str
    valid_from: str
    valid_until: str
    source: str
    received_at: str
    credential_issuer: str | None = None
    configuration_id: str | None = None
    refresh_token: str | None = None


@dataclass(frozen=True)
class StoredMark(NewMark):
    """A mark in the store: what was stored, its local number and its last-known status."""

    number: int = 0
    status: str | None = None
    status_checked_at: str | None = None
    status_detail: dict[str, Any] | None = None
    replaced_by: int | None = None

    @property
    def current(self) -> bool:
        """True unless a newer mark of the same vehicle replaced it."""
        return self.replaced_by is None


_COLUMNS: Final = tuple(StoredMark.__dataclass_fields__)


def _row(row: sqlite3.Row) -> StoredMark:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["document"] = json.loads(values["document"])
    detail = values["status_detail"]
    values["status_detail"] = json.loads(detail) if detail else None
    return StoredMark(**values)


class WalletStore:
    """The marks of one wallet file. Open with :meth:`open`; close (or use ``with``) when done."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    # --- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = True) -> WalletStore:
        """Open the store file ``path``; create an empty one (mode 0600) if it is missing.

        :raises WalletStoreError: ``STORE_CORRUPT`` (empty, truncated, damaged or not a wallet),
            ``STORE_VERSION`` (written by a newer vic), ``STORE_LOCKED``, ``STORE_UNWRITABLE``,
            ``STORE_MISSING`` (``create=False`` and no file).
        """
        target = Path(path)
        if not target.exists():
            if not create:
                raise WalletStoreError(f"no wallet at {target}", code="STORE_MISSING")
            _create(target)
        _check_header(target)
        try:
            db = sqlite3.connect(
                f"{target.resolve().as_uri()}?mode=rw", uri=True, timeout=5.0, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise _store_error(exc, target) from None
        try:
            _check_database(db, target)
        except BaseException:
            db.close()
            raise
        return cls(target, db)

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> WalletStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: committed whole, or rolled back whole on any exception."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from None
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._db.execute("ROLLBACK")
            raise _store_error(exc, self.path) from None

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[StoredMark]:
        try:
            rows = self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from None
        return [_row(r) for r in rows]

    # --- meta ------------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        """A value of the store's settings table."""
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from None
        return None if row is None else str(row[0])

    def meta_keys(self, prefix: str) -> list[str]:
        """The keys of the settings table that start with ``prefix``."""
        try:
            rows = self._db.execute(
                "SELECT key FROM meta WHERE substr(key, 1, ?) = ? ORDER BY key",
                (len(prefix), prefix),
            ).fetchall()
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from None
        return [str(r[0]) for r in rows]

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the store's settings table."""
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # --- marks -----------------------------------------------------------------------------------

    def add(self, mark: NewMark) -> tuple[StoredMark, bool]:
        """Store ``mark``; the newest mark of its vehicle becomes current.

        Returns the stored mark and whether it is new (a mark already held is not stored twice).
        """
        select = f"SELECT {', '.join(_COLUMNS)} FROM marks WHERE digest = ?"
        with self._transaction() as db:
            existing = db.execute(select, (mark.digest,)).fetchone()
            if existing is not None:
                return _row(existing), False
            cursor = db.execute(
                "INSERT INTO marks (digest, format, content, document, barcode, credential_id, "
                "issuer, vin, plate, valid_from, valid_until, source, received_at, "
                "credential_issuer, configuration_id, refresh_token) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    mark.digest,
                    mark.format,
                    mark.content,
                    json.dumps(mark.document, ensure_ascii=False, sort_keys=True),
                    mark.barcode,
                    mark.credential_id,
                    mark.issuer,
                    mark.vin,
                    mark.plate,
                    mark.valid_from,
                    mark.valid_until,
                    mark.source,
                    mark.received_at,
                    mark.credential_issuer,
                    mark.configuration_id,
                    mark.refresh_token,
                ),
            )
            number = cursor.lastrowid
            _elect_current(db, mark.vin)
            row = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM marks WHERE number = ?", (number,))
            return _row(row.fetchone()), True

    def marks(self, *, include_replaced: bool = False) -> list[StoredMark]:
        """The marks, current ones only unless ``include_replaced``, by plate then number."""
        where = "" if include_replaced else "WHERE replaced_by IS NULL"
        return self._query(
            f"SELECT {', '.join(_COLUMNS)} FROM marks {where} ORDER BY plate, vin, number"
        )

    def get(self, ref: str) -> StoredMark:
        """The mark ``ref`` names: its local number, or the current mark of a VIN or plate, or a
        credential id.

        :raises WalletError: ``MARK_NOT_IN_WALLET``.
        :raises UsageError: ``INVALID_MARK_REF`` (empty, several lines, too long).
        """
        columns = ", ".join(_COLUMNS)
        text = check_ref(ref)
        if text.isdigit():
            found = self._query(f"SELECT {columns} FROM marks WHERE number = ?", (int(text),))
        else:
            found = self._query(
                f"SELECT {columns} FROM marks WHERE replaced_by IS NULL AND "
                "(upper(vin) = upper(?) OR plate = ?) ORDER BY number DESC",
                (text, text),
            ) or self._query(f"SELECT {columns} FROM marks WHERE credential_id = ?", (text,))
        if not found:
            raise WalletError(f"the wallet holds no mark {ref!r}", code="MARK_NOT_IN_WALLET")
        return found[0]

    def remove(self, number: int) -> None:
        """Delete mark ``number`` (an older mark of its vehicle becomes current again).

        :raises WalletError: ``MARK_NOT_IN_WALLET``.
        """
        with self._transaction() as db:
            row = db.execute("SELECT vin FROM marks WHERE number = ?", (number,)).fetchone()
            if row is None:
                raise WalletError(f"the wallet holds no mark {number}", code="MARK_NOT_IN_WALLET")
            db.execute("UPDATE marks SET replaced_by = NULL WHERE replaced_by = ?", (number,))
            db.execute("DELETE FROM marks WHERE number = ?", (number,))
            _elect_current(db, str(row[0]))

    def set_status(self, number: int, status: str, checked_at: str, detail: dict[str, Any]) -> None:
        """Record the status last learnt for mark ``number``."""
        with self._transaction() as db:
            db.execute(
                "UPDATE marks SET status = ?, status_checked_at = ?, status_detail = ? "
                "WHERE number = ?",
                (status, checked_at, json.dumps(detail, ensure_ascii=False), number),
            )

    def set_refresh_token(self, number: int, token: str | None) -> None:
        """Keep (or forget) the issuer's refresh token for mark ``number``."""
        with self._transaction() as db:
            db.execute("UPDATE marks SET refresh_token = ? WHERE number = ?", (token, number))


def _elect_current(db: sqlite3.Connection, vin: str) -> None:
    """Make the mark of ``vin`` with the latest validFrom (then the latest number) current."""
    rows = db.execute(
        "SELECT number FROM marks WHERE vin = ? ORDER BY valid_from DESC, number DESC", (vin,)
    ).fetchall()
    if not rows:
        return
    newest = rows[0][0]
    db.execute("UPDATE marks SET replaced_by = NULL WHERE number = ?", (newest,))
    db.execute(
        "UPDATE marks SET replaced_by = ? WHERE vin = ? AND number != ?", (newest, vin, newest)
    )


def _create(target: Path) -> None:
    """Build an empty store in a temporary 0600 file and link it into place (never clobbers)."""
    directory = target.parent
    try:
        fd, temporary = tempfile.mkstemp(prefix=".vic-wallet-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise WalletStoreError(
            f"cannot create a wallet in {directory}: {exc.strerror}", code="STORE_UNWRITABLE"
        ) from None
    try:
        os.close(fd)
        os.chmod(temporary, 0o600)
        db = sqlite3.connect(temporary, isolation_level=None)
        try:
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        finally:
            db.close()
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(temporary, target)
    except OSError as exc:
        raise WalletStoreError(
            f"cannot create {target}: {exc.strerror}", code="STORE_UNWRITABLE"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _check_header(target: Path) -> None:
    try:
        with open(target, "rb") as handle:
            header = handle.read(len(_HEADER))
    except OSError as exc:
        raise WalletStoreError(
            f"cannot read {target}: {exc.strerror}", code="STORE_UNREADABLE"
        ) from None
    if header != _HEADER:
        what = "empty" if not header else "not an SQLite database"
        raise WalletStoreError(
            f"the wallet file {target} is {what} (corrupt or truncated); it was left untouched",
            code="STORE_CORRUPT",
            path=str(target),
        )


def _check_database(db: sqlite3.Connection, target: Path) -> None:
    try:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = FULL")
        checks = [r[0] for r in db.execute("PRAGMA quick_check").fetchall()]
        application = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        raise _store_error(exc, target) from None
    if checks != ["ok"]:
        raise WalletStoreError(
            f"the wallet file {target} is damaged ({checks[0]}); it was left untouched",
            code="STORE_CORRUPT",
            path=str(target),
        )
    if application != _APPLICATION_ID:
        raise WalletStoreError(
            f"{target} is an SQLite file but not a vic wallet; it was left untouched",
            code="STORE_CORRUPT",
            path=str(target),
        )
    if version > SCHEMA_VERSION:
        raise WalletStoreError(
            f"{target} was written by a newer vic (store version {version})", code="STORE_VERSION"
        )


def _store_error(exc: sqlite3.Error, target: Path) -> WalletStoreError:
    message = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and "locked" in message:
        return WalletStoreError(f"the wallet {target} is busy: {message}", code="STORE_LOCKED")
    if isinstance(exc, sqlite3.OperationalError) and (
        "readonly" in message or "unable to open" in message
    ):
        return WalletStoreError(f"cannot write {target}: {message}", code="STORE_UNWRITABLE")
    return WalletStoreError(
        f"the wallet file {target} is corrupt or truncated ({message}); it was left untouched",
        code="STORE_CORRUPT",
        path=str(target),
    )


def check_ref(ref: str) -> str:
    """A mark reference as typed by a user: non-empty, one line.

    :raises UsageError: ``INVALID_MARK_REF``.
    """
    if not ref.strip() or "\n" in ref or len(ref) > 512:
        raise UsageError("name a mark by its number, VIN, plate or id", code="INVALID_MARK_REF")
    return ref.strip()
