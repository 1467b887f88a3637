"""The whole verification path a user takes, beside didkit and Digital Bazaar in one run.

    .venv/bin/python bench/verify_path.py            # about a minute on 2 cores
    .venv/bin/python bench/verify_path.py --quick    # -n 50 -r 3: a rough figure

Timed, each round interleaved with the others (same load for all), median of the rounds:

- vic QR: ``verify_credential(text)`` from the ``VC1-R`` text of a lean mark (ecdsa-rdfc-2019,
  P-256, did:key issuer with its CBOR-LD registry entry on a pinned trust list) to the full
  result: parse, CBOR-LD decode, data model, mark shape, proof, issuer binding, trust, validity
  and status from in-memory lists (both signed status list credentials, StaticStatusLists);
- vic JSON: the same from the JSON mark; vic JSON (no status): ``check_status_lists=False``;
- vic batch: ``verify_credentials`` (one call for the whole round) on the QR texts, on one thread
  and (a line of its own) on two threads of this process;
- vic parallel batch: the same texts through a :class:`BatchVerifier` of ``--workers`` worker
  processes (started and warmed before the rounds, as a back office keeps its pool), this
  process verifying a share too;
- didkit 0.3.3 ``verify_credential`` (bench/run.py's worker: Ed25519Signature2020, VC 1.1);
- Digital Bazaar ``vc.verifyCredential`` in node on the same JSON mark, and on the same QR text
  (base45 + @digitalbazaar/cborld decode first); their checkStatus does no work.

Also the CPU time per call of vic's QR and JSON cases and of didkit (``time.process_time``, all
threads of the process; didkit's worker measures its own) with the ratios by CPU beside those by
wall clock, and the time of ``import vic.verifier`` in fresh interpreters. Nothing touches the
network.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_time import import_time as import_time_of
from run import Didkit, rate

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)
STATUS_BASE = "https://jtgl.example.cn/status"


def clock() -> datetime:
    return NOW


class Setup:
    """A did:key authority, its signed mark, QR text, status lists, trust list and registry.

    ``key`` is the authority's P-256 key (a fresh one by default); ``batch`` is how many distinct
    marks (and their QR texts) the batch figure cycles through.
    """

    def __init__(self, key: Any = None, batch: int = 64) -> None:
        from vic.did.key import did_key, did_key_method_id
        from vic.did.keys import KeyType, PrivateKey
        from vic.vc.barcode import encode_barcode
        from vic.vc.cborld import authority_entry
        from vic.vc.mark import (
            InspectionBasis,
            TerseStatus,
            VehicleSubject,
            build_mark,
            valid_until_for_month,
        )
        from vic.vc.proofs import add_proof
        from vic.vc.status import (
            TERSE_LIST_LENGTH,
            Bitstring,
            build_status_list_credential,
            expand_terse_entry,
        )
        from vic.verifier import StaticStatusLists, TrustedIssuer, TrustList

        key = key if key is not None else PrivateKey.generate(KeyType.P256)
        did, method = did_key(key.public_key), did_key_method_id(key.public_key)

        def sign(document: dict[str, Any]) -> dict[str, Any]:
            return add_proof(
                document,
                key=key,
                cryptosuite="ecdsa-rdfc-2019",
                verification_method=method,
                clock=clock,
            )

        def mark(index: int) -> dict[str, Any]:
            subject = VehicleSubject(
                registration_number="鄂L12345",
                plate_type_code="02",
                vehicle_type_code="K33",
                vin="LSVAU2A36N2183457",
                inspection_basis=InspectionBasis.ON_SITE,
            )
            return sign(
                build_mark(
                    issuer=did,
                    subject=subject,
                    valid_from=NOW,
                    valid_until=valid_until_for_month(NOW.year + 2, NOW.month),
                    status=TerseStatus(STATUS_BASE, index),
                    mark_id=f"urn:uuid:2f9c6b1e-8a43-4c55-9d0e-{index:012x}",
                )
            )

        self.method = method
        self.mark = mark(123456)
        lists = []
        for entry in expand_terse_entry(self.mark["credentialStatus"]):
            bits = Bitstring(TERSE_LIST_LENGTH, minimum=TERSE_LIST_LENGTH)
            bits.set(7)
            unsigned = build_status_list_credential(
                id=entry.list_credential,
                issuer=did,
                purpose=entry.purpose,
                bitstring=bits,
                valid_from=NOW,
            )
            lists.append(sign(unsigned))
        self.registry_entry = authority_entry(
            1000, did=did, verification_methods=[method], status_base_urls=[STATUS_BASE]
        )
        self.trust = TrustList((TrustedIssuer(did, {"en": "Bench"}, None, (self.registry_entry,)),))
        self.registry = self.trust.registry()
        self.resolver = self.trust.resolver()
        self.status = StaticStatusLists(lists)
        self.qr = encode_barcode(self.mark, self.registry)
        # distinct marks for the batch (same lists: other indexes of the same base URL)
        self.batch_marks = [mark(1000 + i) for i in range(batch)]
        self.batch_qr = [encode_barcode(m, self.registry) for m in self.batch_marks]


# -- Digital Bazaar worker ---------------------------------------------------------------------


class DigitalBazaar:
    """bench/dbvc_verify.mjs in node, working directory tests/interop."""

    def __init__(self, setup: Setup) -> None:
        script = (ROOT / "bench" / "dbvc_verify.mjs").read_text()
        self._proc = subprocess.Popen(
            ["node", "--input-type=module", "-e", script, str(ROOT)],
            cwd=ROOT / "tests" / "interop",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        config = {
            "credential": setup.mark,
            "qr": setup.qr,
            "typeTables": setup.registry_entry.type_tables_json(),
            "now": "2026-12-01T00:00:00Z",
        }
        self._send(json.dumps(config))
        self._read()

    def _send(self, line: str) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise SystemExit("the node worker died (are tests/interop/node_modules installed?)")
        value: dict[str, Any] = json.loads(line)
        return value

    def rate(self, kind: str, number: int) -> float:
        self._send(f"{kind} {number}")
        return number / float(self._read()["seconds"])

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait()


def import_time(runs: int) -> tuple[float, float]:
    """Median seconds of ``import vic.verifier`` in a fresh interpreter, bytecode cached (what an
    installed package pays; bench/import_time.py also shows the figure from source): wall clock,
    and CPU time of that process (less sensitive to other jobs on a shared machine)."""
    return import_time_of("vic.verifier", runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--number", type=int, default=200, help="operations per round")
    parser.add_argument("-r", "--repeats", type=int, default=7, help="timed rounds (median)")
    parser.add_argument("--import-runs", type=int, default=7, help="fresh interpreters")
    parser.add_argument("--quick", action="store_true", help="-n 50 -r 3 --import-runs 3")
    parser.add_argument("--no-node", action="store_true", help="leave Digital Bazaar out")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes of the parallel batch, besides this one (default: the pool's, "
        "the usable CPUs less one; 0 leaves it out)",
    )
    args = parser.parse_args()
    if args.quick:
        args.number, args.repeats, args.import_runs = 50, 3, 3
    number, repeats = args.number, args.repeats

    imported = import_time(args.import_runs)
    from vic.verifier import Status, verify_credential

    batch_api: Callable[..., Any] | None
    try:
        from vic.verifier import verify_credentials as batch_api
    except ImportError:  # before the batch API existed
        batch_api = None
    threaded = batch_api is not None and "threads" in inspect.signature(batch_api).parameters

    setup = Setup()
    common: dict[str, Any] = {
        "trust": setup.trust,
        "resolver": setup.resolver,
        "clock": clock,
        "status_source": setup.status,
        "registry": setup.registry,
    }

    def vic_qr() -> Any:
        return verify_credential(setup.qr, **common)

    def vic_json() -> Any:
        return verify_credential(setup.mark, **common)

    def vic_json_nostatus() -> Any:
        return verify_credential(setup.mark, check_status_lists=False, **common)

    for fn in (vic_qr, vic_json, vic_json_nostatus):
        if fn().status is not Status.VALID:
            raise SystemExit(f"{fn.__name__}: the mark does not verify: {fn().to_dict()}")
    texts = [setup.batch_qr[i % len(setup.batch_qr)] for i in range(number)]

    def vic_batch_round(threads: int = 1) -> float:
        assert batch_api is not None
        options = {"threads": threads} if threaded else {}
        start = time.perf_counter()
        results = batch_api(texts, **common, **options)
        elapsed = time.perf_counter() - start
        if any(r.status is not Status.VALID for r in results):
            raise SystemExit("the batch has a mark that does not verify")
        return number / elapsed

    if batch_api is not None:
        vic_batch_round()

    pool: Any = None
    started = 0.0
    if args.workers is None or args.workers > 0:
        try:
            from vic.verifier import BatchVerifier
        except ImportError:  # before the pool existed
            args.workers = 0
        else:
            start = time.perf_counter()
            pool = BatchVerifier(
                trust=setup.trust,
                resolver=setup.resolver,
                registry=setup.registry,
                workers=args.workers,
            )
            pool.start()
            started = time.perf_counter() - start
            args.workers = pool.workers

    def vic_pool_round() -> float:
        start = time.perf_counter()
        results = pool.verify(texts, clock=clock, status_source=setup.status)
        elapsed = time.perf_counter() - start
        if any(r.status is not Status.VALID for r in results):
            raise SystemExit("the parallel batch has a mark that does not verify")
        return number / elapsed

    # this process verifies a share of the batch too (since the pool's OWN_CHUNK)
    shares = pool is not None and hasattr(import_module("vic.verifier.pool"), "OWN_CHUNK")
    processes = (args.workers or 0) + shares
    parallel = f"vic parallel batch, {processes} processes"
    if pool is not None:
        for _ in range(2):  # each worker's first marks warm its caches
            vic_pool_round()

    didkit = Didkit()
    node = None if args.no_node else DigitalBazaar(setup)
    figures: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}  # CPU seconds per call, the whole process (all threads)

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    def timed(name: str, fn: Callable[[], object]) -> Callable[[], float]:
        def case() -> float:
            start = time.process_time()
            value = rate(fn, number)
            cpu.setdefault(name, []).append((time.process_time() - start) / number)
            return value

        return case

    def didkit_case() -> float:
        value = didkit.rate(number)
        cpu.setdefault("didkit verify_credential", []).append(didkit.cpu_per_call)
        return value

    qr_name, json_name = "vic QR text → result", "vic JSON mark → result"
    cases: list[tuple[str, Callable[[], float]]] = [
        (qr_name, timed(qr_name, vic_qr)),
        (json_name, timed(json_name, vic_json)),
        ("vic JSON mark → result, no status", lambda: rate(vic_json_nostatus, number)),
    ]
    if batch_api is not None:
        cases.append(("vic batch of QR texts → results", vic_batch_round))
    if threaded:
        cases.append(("vic batch of QR texts → results, 2 threads", lambda: vic_batch_round(2)))
    if pool is not None:
        cases.append((parallel, vic_pool_round))
    cases.append(("didkit verify_credential", didkit_case))
    if node is not None:
        db = node
        cases.append(("Digital Bazaar JSON (no status)", lambda: db.rate("json", number)))
        cases.append(("Digital Bazaar QR (no status)", lambda: db.rate("qr", number)))
    for round_number in range(repeats):
        # each round starts at the next case, so that no case always runs first (right after
        # another process's round, on colder caches)
        shift = round_number % len(cases)
        for name, case in cases[shift:] + cases[:shift]:
            add(name, case())
    didkit.close()
    if node is not None:
        node.close()
    if pool is not None:
        pool.close()

    medians = {name: statistics.median(values) for name, values in figures.items()}
    print(
        f"vic verify path — {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; median of {repeats} interleaved rounds × {number} ops"
    )
    print(f"QR text: {len(setup.qr)} characters")
    print()
    width = max(len(n) for n in medians) + 2
    for name, value in medians.items():
        print(f"  {name:<{width}}{value:8.0f} /s")
    print()
    didkit_rate = medians["didkit verify_credential"]
    ratios = {
        "QR ÷ didkit (target ≥ 10)": medians["vic QR text → result"] / didkit_rate,
        "JSON ÷ didkit (target ≥ 12)": medians["vic JSON mark → result"] / didkit_rate,
    }
    if batch_api is not None:
        ratios["batch ÷ didkit (target ≥ 15), one process"] = (
            medians["vic batch of QR texts → results"] / didkit_rate
        )
    if threaded:
        ratios["batch ÷ didkit (target ≥ 15), one process, 2 threads"] = (
            medians["vic batch of QR texts → results, 2 threads"] / didkit_rate
        )
    if pool is not None:
        ratios[f"parallel batch ÷ didkit (target ≥ 15), {processes} processes"] = (
            medians[parallel] / didkit_rate
        )
        ratios["parallel batch ÷ batch in one process"] = (
            medians[parallel] / medians["vic batch of QR texts → results"]
        )
    if node is not None:
        ratios["JSON ÷ Digital Bazaar JSON (target ≥ 10)"] = (
            medians["vic JSON mark → result"] / medians["Digital Bazaar JSON (no status)"]
        )
        ratios["JSON no status ÷ Digital Bazaar JSON"] = (
            medians["vic JSON mark → result, no status"]
            / medians["Digital Bazaar JSON (no status)"]
        )
        ratios["QR ÷ Digital Bazaar QR (target ≥ 10)"] = (
            medians["vic QR text → result"] / medians["Digital Bazaar QR (no status)"]
        )
    width = max(len(n) for n in ratios) + 2
    for name, value in ratios.items():
        print(f"  {name:<{width}}{value:8.2f}")
    print()
    # lower latency is not less work: the CPU a call costs (time.process_time, every thread of
    # the process; didkit's worker measures its own), and the ratios by CPU beside the ratios
    # by wall clock
    cpu_medians = {name: statistics.median(values) for name, values in cpu.items()}
    print("CPU time per call (median of the rounds; all threads of the process)")
    width = max(len(n) for n in cpu_medians) + 2
    for name, value in cpu_medians.items():
        wall = 1e6 / medians[name]
        print(f"  {name:<{width}}{value * 1e6:8.1f} µs CPU  {wall:8.1f} µs wall")
    didkit_cpu = cpu_medians.get("didkit verify_credential", 0.0)
    cpu_ratios = {}
    if didkit_cpu > 0:
        for name in cpu_medians:
            if name.startswith("vic"):
                cpu_ratios[f"{name[4:]} ÷ didkit"] = (
                    didkit_cpu / cpu_medians[name],
                    medians[name] / didkit_rate,
                )
        width = max(len(n) for n in cpu_ratios) + 2
        print(f"  {'ratio':<{width}}{'by CPU':>8}  {'by wall':>8}")
        for name, (by_cpu, by_wall) in cpu_ratios.items():
            print(f"  {name:<{width}}{by_cpu:8.2f}  {by_wall:8.2f}")
    print()
    print(
        f"  import vic.verifier (fresh interpreter, bytecode cached, median of {args.import_runs})"
        f"  {imported[0] * 1e3:.0f} ms wall, {imported[1] * 1e3:.0f} ms CPU (target ≤ 100)"
    )
    if pool is not None:
        print(
            f"  parallel batch: {args.workers} workers started (spawn) in {started:.2f} s"
            + (", this process verifying a share" if shares else "")
        )
    if args.json:
        print(
            json.dumps(
                {
                    "per_second": medians,
                    "ratios": ratios,
                    "cpu_us_per_call": {n: v * 1e6 for n, v in cpu_medians.items()},
                    "cpu_ratios": {n: v[0] for n, v in cpu_ratios.items()},
                    "import_ms": {"wall": imported[0] * 1e3, "cpu": imported[1] * 1e3},
                },
                indent=2,
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
