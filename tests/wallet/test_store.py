"""The store: permissions, one current mark per vehicle, corrupt and truncated files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.authority import Authority, clock
from tests.wallet.conftest import later_mark
from tests.wallet.fake_issuer import FakeIssuer
from vic.contexts.errors import WalletError, WalletStoreError
from vic.wallet.location import STORE_FILE, WALLET_ENV, default_wallet_dir
from vic.wallet.service import Wallet
from vic.wallet.store import WalletStore


def test_folder_is_0700_and_files_0600(
    tmp_path: Path, fake: FakeIssuer, mark: dict[str, Any]
) -> None:
    with Wallet(tmp_path / "a" / "w", http=fake, clock=clock) as wallet:
        wallet.receive_data(json.dumps(mark), source="file")
        wallet.holder()
    folder = tmp_path / "a" / "w"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / STORE_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "holder-key.json").stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["holder-key.json", STORE_FILE]


def test_location_env_and_xdg(tmp_path: Path) -> None:
    assert default_wallet_dir({WALLET_ENV: str(tmp_path / "x")}) == tmp_path / "x"
    xdg = default_wallet_dir({"XDG_DATA_HOME": str(tmp_path)})
    assert xdg in (
        tmp_path / "vic" / "wallet",
        Path.home() / "Library/Application Support/vic/wallet",
    )


def test_several_vehicles_and_one_current_mark_each(
    wallet: Wallet, authority: Authority, mark: dict[str, Any]
) -> None:
    first, new = wallet.receive_data(json.dumps(mark), source="file")
    assert new
    again, new_again = wallet.receive_data(json.dumps(mark, indent=4), source="file")
    assert (again.number, new_again) == (first.number, False)  # the same mark is held once
    newer, _ = wallet.receive_data(json.dumps(later_mark(authority)), source="file")
    current = wallet.marks()
    assert [v.mark.number for v in current] == [newer.number]
    everything = wallet.marks(include_replaced=True)
    assert {v.mark.number: v.mark.replaced_by for v in everything} == {
        first.number: newer.number,
        newer.number: None,
    }
    assert wallet.get(newer.vin).number == newer.number
    assert wallet.get("鄂L12345").number == newer.number
    wallet.remove(str(newer.number))
    assert [v.mark.number for v in wallet.marks()] == [first.number]  # the older one is back
    with pytest.raises(WalletError) as caught:
        wallet.get("99")
    assert caught.value.code == "MARK_NOT_IN_WALLET"


def _filled_store(
    tmp_path: Path, fake: FakeIssuer, mark: dict[str, Any], authority: Authority
) -> Path:
    with Wallet(tmp_path, http=fake, clock=clock) as wallet:
        wallet.receive_data(json.dumps(mark), source="file")
        wallet.receive_data(json.dumps(later_mark(authority)), source="file")
    return tmp_path / STORE_FILE


@pytest.mark.parametrize("keep", [0, 10, 100, 1000, 4096, 6000])
def test_truncated_store_is_refused_and_left_untouched(
    tmp_path: Path, fake: FakeIssuer, mark: dict[str, Any], authority: Authority, keep: int
) -> None:
    path = _filled_store(tmp_path, fake, mark, authority)
    full = path.read_bytes()
    assert len(full) > 6000
    path.write_bytes(full[:keep])
    damaged = path.read_bytes()
    with pytest.raises(WalletStoreError) as caught:
        Wallet(tmp_path, http=fake, clock=clock)  # refused on opening, before any write
    assert caught.value.code == "STORE_CORRUPT"
    assert path.read_bytes() == damaged  # nothing written, nothing "repaired"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["holder-key.json", STORE_FILE] or sorted(
        p.name for p in tmp_path.iterdir()
    ) == [STORE_FILE]


@pytest.mark.parametrize(
    "content",
    [b"not a database at all", b"SQLite format 3\x00" + b"\xff" * 200, b'{"marks": []}'],
)
def test_foreign_or_garbled_file_is_store_corrupt(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / STORE_FILE
    path.write_bytes(content)
    with pytest.raises(WalletStoreError) as caught:
        WalletStore.open(path)
    assert caught.value.code == "STORE_CORRUPT"
    assert path.read_bytes() == content


def test_a_damaged_page_is_store_corrupt(
    tmp_path: Path, fake: FakeIssuer, mark: dict[str, Any], authority: Authority
) -> None:
    path = _filled_store(tmp_path, fake, mark, authority)
    data = bytearray(path.read_bytes())
    for page in range(4096, len(data), 4096):  # scribble over every later page's header
        data[page : page + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(WalletStoreError) as caught:
        WalletStore.open(path).marks()
    assert caught.value.code == "STORE_CORRUPT"


def test_an_sqlite_file_that_is_not_a_wallet(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(WalletStoreError) as caught:
        WalletStore.open(other)
    assert caught.value.code == "STORE_CORRUPT"


def test_a_failed_change_leaves_the_store_as_it_was(
    tmp_path: Path, fake: FakeIssuer, mark: dict[str, Any], authority: Authority
) -> None:
    path = _filled_store(tmp_path, fake, mark, authority)
    store = WalletStore.open(path)
    before = [(m.number, m.replaced_by, m.digest) for m in store.marks(include_replaced=True)]

    class Boom(Exception):
        pass

    def delete_everything_then_fail() -> None:
        with store._transaction() as db:
            db.execute("DELETE FROM marks")
            raise Boom

    with pytest.raises(Boom):
        delete_everything_then_fail()
    after = [(m.number, m.replaced_by, m.digest) for m in store.marks(include_replaced=True)]
    assert after == before
    store.close()


def test_missing_store_without_create(tmp_path: Path) -> None:
    with pytest.raises(WalletStoreError) as caught:
        WalletStore.open(tmp_path / "none.sqlite", create=False)
    assert caught.value.code == "STORE_MISSING"
    assert not os.path.exists(tmp_path / "none.sqlite")


def test_a_process_killed_midway_through_a_change_loses_nothing(
    tmp_path: Path, fake: FakeIssuer, mark: dict[str, Any], authority: Authority
) -> None:
    import subprocess
    import sys

    path = _filled_store(tmp_path, fake, mark, authority)
    before = [
        (m.number, m.replaced_by, m.digest)
        for m in WalletStore.open(path).marks(include_replaced=True)
    ]
    script = (
        "import os, signal, sys\n"
        "from vic.wallet.store import WalletStore\n"
        "store = WalletStore.open(sys.argv[1])\n"
        "with store._transaction() as db:\n"
        "    db.execute('DELETE FROM marks')\n"
        "    db.execute(\"UPDATE meta SET value = 'x'\")\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    killed = subprocess.run([sys.executable, "-c", script, str(path)], check=False, timeout=60)
    assert killed.returncode == -9
    with WalletStore.open(path) as store:  # the journal rolls the half-made change back
        after = [(m.number, m.replaced_by, m.digest) for m in store.marks(include_replaced=True)]
    assert after == before
