"""Backup and restore (docs/operations.md): back up, wipe, restore; every mark still verifies and
the status lists carry the same bits. On SQLite and on PostgreSQL, and across the two."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import vic
from tests.issuer.helpers import (
    ADMIN,
    OFFICE,
    POSTGRES_ENV,
    STATION_CODE,
    Backend,
    Clock,
    assert_verifies,
    backend,
    config,
    published_bits,
    registration,
)
from vic.contexts.errors import ParsingError, UsageError
from vic.issuer.backup import backup, restore
from vic.issuer.engine import Issuer


def _story(issuer: Issuer) -> list[dict[str, Any]]:
    """Marks in every state: current, superseded (revoked), suspended."""
    for number in (1, 2, 3):
        issuer.register_vehicle(OFFICE, registration(number))
    vin = registration(1).vin
    issuer.transfer_vehicle(OFFICE, vin, new_owner="acct-77", event_key="T-1")
    suspended = issuer.current_mark(registration(2).vin)
    assert suspended is not None
    issuer.suspend_mark(ADMIN, suspended.number)
    return [issuer.mark(n).credential for n in _numbers(issuer)]


def _numbers(issuer: Issuer) -> list[int]:
    from sqlalchemy import select

    from vic.issuer.db.models import Mark

    with issuer.database.read() as session:
        return list(session.execute(select(Mark.number).order_by(Mark.id)).scalars())


def _snapshot(issuer: Issuer, marks: list[dict[str, Any]], clock: Clock) -> list[Any]:
    for mark in marks:
        assert_verifies(issuer, mark, clock)
    bits = [(mark["credentialStatus"], published_bits(issuer, mark, clock)) for mark in marks]
    methods = [key.method_id for key in issuer.keys()]  # noqa: SIM118 - keys() is a method
    return [*bits, issuer.did_document(), issuer.registry_entry(), methods]


@pytest.mark.parametrize("target", ["sqlite", "postgres"])
def test_back_up_wipe_restore_every_mark_verifies_and_lists_are_the_same(
    tmp_path: Path, database: Backend, clock: Clock, target: str
) -> None:
    if target == "postgres" and not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"restoring into PostgreSQL needs {POSTGRES_ENV}")
    source_dir = tmp_path / "data"
    options = {"registry_entry_id": 15601}
    with Issuer.open(config(source_dir, database, clock, **options)) as issuer:
        issuer.add_station(ADMIN, STATION_CODE, "武汉市第一检测站")
        marks = _story(issuer)
        before = _snapshot(issuer, marks, clock)
        archive = tmp_path / "backup.tar.gz"
        info = backup(issuer.database, source_dir, archive, did=issuer.did, now=clock())
    assert archive.stat().st_mode & 0o777 == 0o600
    assert info.rows["mark"] == len(marks) == 4
    shutil.rmtree(source_dir)  # the wipe

    with backend("sqlite" if target == "sqlite" else "postgres") as where:
        restored_dir = tmp_path / "restored"
        restored = restore(
            archive, restored_dir, database_url=where.url, database_schema=where.schema
        )
        assert restored.rows == info.rows
        with Issuer.open(config(restored_dir, where, clock, **options)) as again:
            assert _snapshot(again, marks, clock) == before
            # The restored issuer carries on: new marks get new numbers, no id collides.
            issued = again.register_vehicle(OFFICE, registration(9))
            assert issued.number not in _numbers_before(marks)


def _numbers_before(marks: list[dict[str, Any]]) -> set[int]:
    return {int(m["credentialStatus"]["terseStatusListIndex"]) for m in marks}


def test_restore_refuses_a_damaged_or_foreign_archive(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as archive:
        archive.add(__file__, arcname="manifest.json")
    with pytest.raises(ParsingError) as caught:
        restore(foreign, tmp_path / "a")
    assert caught.value.code == "INVALID_BACKUP"
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not a tar at all")
    with pytest.raises(ParsingError) as caught:
        restore(garbage, tmp_path / "b")
    assert caught.value.code == "INVALID_BACKUP"


def test_a_tampered_table_is_refused(tmp_path: Path, clock: Clock) -> None:
    source = tmp_path / "data"
    with Issuer.open(config(source, Backend("sqlite", None, None), clock)) as issuer:
        issuer.register_vehicle(OFFICE, registration(1))
        archive = tmp_path / "b.tar.gz"
        backup(issuer.database, source, archive, did=issuer.did, now=clock())
    members: dict[str, bytes] = {}
    with tarfile.open(archive, "r:gz") as packed:
        for member in packed:
            handle = packed.extractfile(member)
            assert handle is not None
            members[member.name] = handle.read()
    assert b"acct-1" in members["tables/owner.jsonl"]
    members["tables/owner.jsonl"] = members["tables/owner.jsonl"].replace(b"acct-1", b"evil-1")
    tampered = tmp_path / "t.tar.gz"
    with tarfile.open(tampered, "w:gz") as packed:
        for name, data in members.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            packed.addfile(member, io.BytesIO(data))
    with pytest.raises(ParsingError) as caught:
        restore(tampered, tmp_path / "r")
    assert "digest" in caught.value.message


def test_restore_never_overwrites(tmp_path: Path, clock: Clock) -> None:
    source = tmp_path / "data"
    with Issuer.open(config(source, Backend("sqlite", None, None), clock)) as issuer:
        archive = tmp_path / "b.tar.gz"
        backup(issuer.database, source, archive, did=issuer.did, now=clock())
        with pytest.raises(UsageError) as caught:
            backup(issuer.database, source, archive, did=issuer.did, now=clock())
        assert caught.value.code == "BACKUP_EXISTS"
    with pytest.raises(UsageError) as caught:
        restore(archive, source)  # the live data directory
    assert caught.value.code == "RESTORE_TARGET_NOT_EMPTY"


def test_backup_and_restore_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "hb"
    assert (
        vic(
            "issuer", "init", "--base-url", "https://jtgl.hubei.example.cn", "--data", str(data)
        ).returncode
        == 0
    )
    archive = tmp_path / "hb.tar.gz"
    made = vic("issuer", "backup", "--out", str(archive), "--data", str(data), "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["did"] == "did:web:jtgl.hubei.example.cn"
    copy = tmp_path / "copy"
    restored = vic("issuer", "restore", str(archive), "--data", str(copy))
    assert restored.returncode == 0, restored.stderr
    assert (
        vic("issuer", "did", "--data", str(copy)).stdout
        == vic("issuer", "did", "--data", str(data)).stdout
    )
