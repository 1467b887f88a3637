"""`vic issuer import`: a CSV of vehicles, rejected rows with codes, resumable after SIGKILL."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vic.vc.vin import vin_check_digit

VIC = [sys.executable, "-m", "vic.cli"]
HEADER = [
    "vin",
    "plate",
    "plate_type_code",
    "vehicle_type_code",
    "use_category",
    "seats",
    "first_registration",
    "owner",
]


def vin(serial: int) -> str:
    draft = f"LSVAU2A30N{serial:07d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def row(serial: int) -> list[str]:
    return [
        vin(serial),
        f"鄂A{serial:05d}",
        "02",
        "K33",
        "small_non_operating_passenger",
        "5",
        "2024-03-15",
        f"owner-{serial}",
    ]


IDENTITY = ("--base-url", "https://jtgl.hubei.example.cn")


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VIC, "issuer", *args, "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def marks(data: Path) -> tuple[int, int, int, int]:
    """(marks, distinct status entries, vehicles, vehicles with exactly one current mark)."""
    with sqlite3.connect(data / "issuer.sqlite3") as db:
        total, entries = db.execute(
            "select count(*), count(distinct status_entry_id) from mark"
        ).fetchone()
        vehicles = db.execute("select count(*) from vehicle").fetchone()[0]
        one_current = db.execute(
            "select count(*) from (select vehicle_id from mark where is_current "
            "group by vehicle_id having count(*) = 1)"
        ).fetchone()[0]
    return total, entries, vehicles, one_current


def test_import_reports_rejected_rows_and_resumes(tmp_path: Path) -> None:
    bad_vin = row(2)
    bad_vin[0] = bad_vin[0][:8] + ("0" if bad_vin[0][8] != "0" else "1") + bad_vin[0][9:]
    bad_category = row(3)
    bad_category[4] = "spaceship"
    duplicate_plate = row(4)
    duplicate_plate[1] = row(1)[1]
    source = write_csv(tmp_path / "v.csv", [row(1), bad_vin, bad_category, duplicate_plate, row(5)])
    data = tmp_path / "data"
    assert run(data, "init", *IDENTITY).returncode == 0
    first = run(data, "import", str(source), "--rejected", str(tmp_path / "rejected.csv"))
    assert first.returncode == 1, first.stdout + first.stderr
    assert "5 rows: 2 issued, 0 already done, 3 rejected" in first.stdout
    with (tmp_path / "rejected.csv").open(encoding="utf-8") as rejected:
        rows = list(csv.DictReader(rejected))
    assert [(r["line"], r["code"]) for r in rows] == [
        ("3", "INVALID_VIN_CHECK_DIGIT"),
        ("4", "INVALID_ROW"),
        ("5", "PLATE_IN_USE"),
    ]
    again = run(data, "import", str(source))
    assert "5 rows: 0 issued, 2 already done, 3 rejected" in again.stdout
    assert marks(data) == (2, 2, 2, 2)


@pytest.mark.parametrize(
    ("header", "code"),
    [(HEADER[:-1], "INVALID_CSV"), ([*HEADER, "colour"], "INVALID_CSV")],
    ids=["missing-column", "unknown-column"],
)
def test_import_refuses_a_bad_header(tmp_path: Path, header: list[str], code: str) -> None:
    source = write_csv(tmp_path / "v.csv", [row(1)[: len(header)]], header)
    assert run(tmp_path / "data", "init", *IDENTITY).returncode == 0
    result = run(tmp_path / "data", "import", str(source))
    assert result.returncode == 2
    assert code in result.stderr


def test_import_killed_midway_resumes_without_issuing_twice(tmp_path: Path) -> None:
    count = 400
    source = write_csv(tmp_path / "v.csv", [row(i) for i in range(count)])
    data = tmp_path / "data"
    assert run(data, "init", *IDENTITY).returncode == 0
    worker = subprocess.Popen(
        [*VIC, "issuer", "import", str(source), "--data", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if marks(data)[0] >= 40:
                break
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    killed_at = marks(data)
    assert 0 < killed_at[0] < count, "the import was not interrupted midway"
    assert killed_at[0] == killed_at[1]  # no status entry shared, even mid-batch

    resumed = run(data, "import", str(source))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    total, entries, vehicles, one_current = marks(data)
    assert (total, entries, vehicles, one_current) == (count, count, count, count)
    assert f"{count} rows: " in resumed.stdout
