"""`vic issuer import` of a large CSV, as an operator runs it: time, rows/s and peak memory.

    python bench/import_csv.py [--rows 50000] [--postgres URL] [--batch-size 200]

Writes a CSV of N valid vehicles (GB18030, Chinese headers: the spreadsheet an office exports),
runs `vic issuer init` and `vic issuer import` as subprocesses on SQLite (and on PostgreSQL in a
fresh schema when --postgres is given), and prints the wall time, rows per second and the
import process's peak resident memory. Then it reruns the import (everything replays) and
prints that too. A figure, not a test: docs/operations.md keeps the table.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from vic.vc.vin import vin_check_digit

VIC = [sys.executable, "-m", "vic.cli"]
HEADER = [
    "车辆识别代号",
    "号牌号码",
    "号牌种类",
    "车辆类型",
    "使用性质",
    "核定载客",
    "初次登记日期",
    "所有人",
]


def vin(serial: int) -> str:
    """A VIN with a correct check digit."""
    raw = f"LSVAU2A30N{serial:07d}"
    return raw[:8] + vin_check_digit(raw) + raw[9:]


def plate(serial: int) -> str:
    letters = "ABCDEFGHJK"
    return f"鄂{letters[serial // 100_000 % 10]}{serial % 100_000:05d}"


def write_csv(path: Path, rows: int) -> None:
    first = date(date.today().year - 1, 3, 15).isoformat()
    with path.open("w", newline="", encoding="gb18030") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for serial in range(rows):
            writer.writerow(
                [
                    vin(serial),
                    plate(serial),
                    "02",
                    "K33",
                    "small_non_operating_passenger",
                    "5",
                    first,
                    f"owner-{serial}",
                ]
            )


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds, the child's peak RSS in MiB, its stdout."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    done = subprocess.run([*VIC, *args], capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"{args[:2]} failed: {done.stderr}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    return seconds, cpu, max(usage.ru_maxrss, before) / 1024, done.stdout.strip()


def bench(label: str, rows: int, source: Path, data: Path, extra: list[str], batch: int) -> None:
    env = {**os.environ}
    init = ["issuer", "init", "--data", str(data), "--base-url", "https://jtgl.hubei.example.cn"]
    run([*init, *extra], env)
    command = ["issuer", "import", str(source), "--data", str(data), "--batch-size", str(batch)]
    for what in ("import", "rerun"):
        seconds, cpu, peak, summary = run(command, env)
        print(
            f"{label:<11} {what:<7} {rows:>7} rows  {seconds:7.1f} s wall {rows / seconds:6.0f} "
            f"rows/s  {cpu:7.1f} s CPU {rows / cpu:6.0f} rows/CPU-s  peak {peak:5.0f} MiB  "
            f"{summary}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a fresh schema is used and dropped)")
    parser.add_argument("--batch-size", type=int, default=200)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "vehicles.csv"
        write_csv(source, options.rows)
        print(f"{options.rows} rows, {source.stat().st_size / 1e6:.1f} MB GB18030")
        bench("sqlite", options.rows, source, Path(folder) / "sqlite", [], options.batch_size)
        if options.postgres:
            schema = f"vic_bench_{uuid.uuid4().hex[:12]}"
            extra = ["--database", options.postgres]
            os.environ["VIC_DATABASE_SCHEMA"] = schema
            try:
                bench(
                    "postgresql",
                    options.rows,
                    source,
                    Path(folder) / "pg",
                    extra,
                    options.batch_size,
                )
            finally:
                from sqlalchemy import create_engine, text

                engine = create_engine(options.postgres)
                with engine.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
