"""Issue 8, item 11: the data directory is 0700 and the database files 0600 whatever existed (a
directory made 0755 beforehand gave a 0644 database: owner-VIN links, the audit log, the status
index keys)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.issuer.helpers import OFFICE, Backend, Clock, config, registration
from vic.issuer.db.engine import SQLITE_FILE_NAME
from vic.issuer.engine import Issuer


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_existing_open_directory_and_database_are_made_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    old_umask = os.umask(0o022)
    try:
        settings = config(data, Backend("sqlite", None, None), Clock())
        with Issuer.open(settings) as issuer:
            issuer.register_vehicle(OFFICE, registration(60))
            database = data / SQLITE_FILE_NAME
            assert mode(data) == 0o700
            assert mode(database) == 0o600
            for suffix in ("-wal", "-shm"):
                extra = database.with_name(database.name + suffix)
                if extra.exists():
                    assert mode(extra) == 0o600, suffix
            assert mode(settings.keys_dir) == 0o700
        os.chmod(data, 0o755)
        os.chmod(database, 0o644)
        os.chmod(settings.keys_dir, 0o755)
        with Issuer.open(settings):
            assert mode(data) == 0o700
            assert mode(database) == 0o600
            assert mode(settings.keys_dir) == 0o700
    finally:
        os.umask(old_umask)
