"""The verifier service's throughput on loopback: `vic serve verifier --workers 2` under a
bounded load generator, beside the library's rate in one process in the same run.

    .venv/bin/python bench/verifier_service.py             # about two minutes
    .venv/bin/python bench/verifier_service.py --quick
    .venv/bin/python bench/verifier_service.py --mode offline --generator python

The server is the real command (uvicorn, 2 worker processes), trusting a did:key authority whose
two status lists are given as files (status from memory, as with a warm cache), in two modes:
``offline`` (``--offline``: nothing can wait on the network, so each worker verifies in its event
loop) and ``online`` (no ``--offline``: the lists still come from the files, but a verification
could fetch, so it is handed to a worker thread). The load generator holds ``--connections``
keep-alive HTTP/1.1 connections, each sending its next request when the previous answer has
arrived (bounded: at most that many requests in flight), cycling through pre-built requests:

- ``wrk`` (``--generator wrk``; the default when ``wrk`` is on the PATH: Debian's ``apt-get
  install wrk``), one thread, with bench/verifier_service.lua, for ``--duration`` seconds a
  round. It costs a fraction of the CPU of a Python client, which matters when it shares 2
  cores with the workers;
- one asyncio process (uvloop when installed; ``--generator python``, the fallback without
  wrk), for ``--requests`` requests a round.

Every answer must be 200 and begin ``{"verified":true,"status":"VALID",``, else the run stops.
Figures: the median of ``--rounds`` rounds, per route, with the CPU time a request cost the
server's processes and the load generator (from /proc and getrusage), the share of the
machine's CPU that went to neither (other jobs), how the server's CPU split between the workers
(a worker that accepts a burst of connections keeps them: with uvicorn's one shared socket one
worker often had them all; each worker now has its own), and the library's rate and CPU time a
verification in this process on the same inputs, with the load average. The service runs with
``--no-access-log`` unless ``--access-log`` is given (the log then goes to /dev/null). On a
machine of 2 cores the generator shares them with the workers. Nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from verify_path import Setup

ROOT = Path(__file__).resolve().parent.parent
VALID = b'{"verified":true,"status":"VALID",'
"""How every answer must begin (the service writes ``verified`` and ``status`` first)."""
MODES = ("offline", "online")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def request_bytes(port: int, path: str, body: bytes, media: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {media}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode("ascii") + body


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def load(port: int, requests: list[bytes], total: int, connections: int) -> float:
    """Send ``total`` requests (cycling through ``requests``) over ``connections`` connections;
    return requests/s."""
    remaining = total
    failures: list[str] = []

    async def worker() -> None:
        nonlocal remaining
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while remaining > 0:
                remaining -= 1
                writer.write(requests[remaining % len(requests)])
                status, body = await read_answer(reader)
                if status != 200 or not body.startswith(VALID):
                    failures.append(f"{status}: {body[:300]!r}")
                    return
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"the service did not answer VALID: {failures[0]}")
    return total / elapsed


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds (user + system) used so far by process ``root`` and its live descendants
    (uvicorn's supervisor and its workers), from /proc; 0 where /proc is not there."""
    return sum(tree_cpu_by_process(root).values())


def tree_cpu_by_process(root: int) -> dict[int, float]:
    """CPU seconds used so far by process ``root`` and by each of its live descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        times[pid] = (int(fields[11]) + int(fields[12])) / tick
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        found[pid] = times.get(pid, 0.0)
        todo += children.get(pid, [])
    return found


def machine_cpu_seconds() -> float:
    """CPU seconds all processes of the machine have used so far (/proc/stat; 0 without it)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    # user nice system idle iowait irq softirq steal: all but idle and iowait
    busy = sum(int(v) for i, v in enumerate(fields[:8]) if i not in (3, 4))
    return busy / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def start_server(
    folder: Path, setup: Setup, port: int, workers: int, mode: str, access_log: bool = False
) -> subprocess.Popen[bytes]:
    trust = folder / "trust.json"
    trust.write_text(json.dumps(setup.trust.to_json()))
    from vic.vc.status import expand_terse_entry

    lists = []
    for i, entry in enumerate(expand_terse_entry(setup.mark["credentialStatus"])):
        found = setup.status.get(entry.list_credential)
        assert found is not None, entry.list_credential
        path = folder / f"list{i}.json"
        path.write_text(json.dumps(found.credential))
        lists += ["--status-list", str(path)]
    command = [sys.executable, "-m", "vic.cli", "serve", "verifier", "--trust", str(trust)]
    command += ["--port", str(port), "--workers", str(workers)]
    command += [] if access_log else ["--no-access-log"]  # the log goes to /dev/null
    command += [*(["--offline"] if mode == "offline" else []), *lists]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VIC_TRUST": ""}
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the verifier service did not start") from None
            time.sleep(0.2)
    # each worker listens on a socket of its own (SO_REUSEPORT): wait until all are up, else the
    # first round's connections all go to the first; a tree whose workers share one socket
    # (uvicorn's own) shows one listener, so give up waiting after a few seconds
    deadline = time.monotonic() + 8
    while listeners(port) < workers and time.monotonic() < deadline:
        time.sleep(0.2)
    return server


def listeners(port: int) -> int:
    """How many sockets listen on ``port`` on this machine (/proc/net/tcp; 0 without it)."""
    try:
        table = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return 0
    local = f":{port:04X}"
    return sum(1 for row in table if row.split()[1].endswith(local) and row.split()[3] == "0A")


def in_process_rate(setup: Setup, inputs: list[Any], seconds: float) -> tuple[float, float]:
    """The library's rate in this process on ``inputs`` (QR texts or JSON texts of marks, as
    the service receives them), status from memory, and its CPU milliseconds a verification."""
    from vic.verifier import verify_credential

    count, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        item = inputs[count % len(inputs)]
        result = verify_credential(
            item, trust=setup.trust, status_source=setup.status, registry=setup.registry
        )
        assert result.status.value == "VALID", result.to_dict()
        count += 1
    return count / (time.perf_counter() - start), (time.process_time() - cpu) * 1e3 / count


class Round:
    """One round of load: requests answered, wall seconds, the load generator's CPU seconds."""

    def __init__(self, requests: int, seconds: float, generator_cpu: float) -> None:
        self.requests, self.seconds, self.generator_cpu = requests, seconds, generator_cpu


def python_round(port: int, requests: list[bytes], args: argparse.Namespace, total: int) -> Round:
    """``total`` requests from this process's asyncio generator."""
    cpu = own_cpu_seconds()
    rate = run(load(port, requests, total, args.connections))
    return Round(total, total / rate, own_cpu_seconds() - cpu)


def wrk_round(port: int, script_input: Path, args: argparse.Namespace, seconds: float) -> Round:
    """``seconds`` of load from wrk (one thread, bench/verifier_service.lua)."""
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds:g}s", "--timeout", "10s"]
    command += ["-s", str(Path(__file__).with_suffix(".lua")), f"http://127.0.0.1:{port}"]
    cpu = children_cpu_seconds()
    done = subprocess.run([*command, "--", str(script_input)], capture_output=True, text=True)
    generator_cpu = children_cpu_seconds() - cpu
    lines = dict(
        line.split(": ", 1) for line in done.stdout.splitlines() if line.startswith("vic-wrk")
    )
    if done.returncode != 0 or "vic-wrk" not in lines:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout}{done.stderr}")
    counts = json.loads(lines["vic-wrk"])
    if counts["failures"] or counts["socket_errors"]:
        raise SystemExit(
            f"the service did not answer VALID ({counts}): {lines.get('vic-wrk-failure', '')}"
        )
    return Round(counts["requests"], counts["duration_us"] / 1e6, generator_cpu)


def run_loads(
    port: int, server: subprocess.Popen[bytes], requests: list[bytes], args: argparse.Namespace
) -> dict[str, Any]:
    """Rounds of load on one route: rates, the CPU a request cost each side, the CPU the
    machine spent on other jobs meanwhile, and the busiest worker's share of the server's CPU."""
    if args.generator == "wrk":
        script_input = Path(args.folder) / f"requests-{abs(hash(requests[0]))}"
        script_input.write_bytes(b"".join(b"%d\n" % len(r) + r for r in requests))

        def one(warm: bool) -> Round:
            return wrk_round(port, script_input, args, 1.0 if warm else args.duration)
    else:

        def one(warm: bool) -> Round:
            total = min(args.requests, 300) if warm else args.requests
            return python_round(port, requests, args, total)

    one(True)  # warm-up
    rates, server_ms, generator_ms, others, busiest = [], [], [], [], []
    for _ in range(args.rounds):
        before, machine = tree_cpu_by_process(server.pid), machine_cpu_seconds()
        done = one(False)
        after, machine = tree_cpu_by_process(server.pid), machine_cpu_seconds() - machine
        spent = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
        server_cpu = sum(spent.values())
        rates.append(done.requests / done.seconds)
        server_ms.append(server_cpu * 1e3 / done.requests)
        generator_ms.append(done.generator_cpu * 1e3 / done.requests)
        # other jobs' CPU, in CPUs (machine_cpu_seconds is 0 without /proc)
        others.append(max(0.0, machine - server_cpu - done.generator_cpu) / done.seconds)
        workers = [cpu for pid, cpu in spent.items() if pid != server.pid]
        busiest.append(max(workers) / sum(workers) if sum(workers) > 0 else 0.0)
    return {
        "median": statistics.median(rates),
        "rounds": rates,
        "server_cpu_ms_per_request": statistics.median(server_ms),
        "generator_cpu_ms_per_request": statistics.median(generator_ms),
        "other_jobs_cpus": statistics.median(others),
        "busiest_worker_share": busiest,
    }


def run(coroutine: Any) -> float:
    """Run the load generator's coroutine, on uvloop when it is installed."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)  # type: ignore[no-any-return]
    return uvloop.run(coroutine)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="the load generator (auto: wrk when it is on the PATH, else python)",
    )
    parser.add_argument("--duration", type=float, default=4.0, help="seconds a round (wrk)")
    parser.add_argument("--requests", type=int, default=2000, help="requests a round (python)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both")
    parser.add_argument(
        "--quick", action="store_true", help="--rounds 3, --duration 2 or --requests 500"
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="serve with uvicorn's access log on (to /dev/null); off by default",
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.rounds, args.duration = 500, 3, 2.0
    if args.generator == "auto":
        args.generator = "wrk" if shutil.which("wrk") else "python"
    elif args.generator == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not on the PATH (Debian: apt-get install wrk)")
    modes = MODES if args.mode == "both" else (args.mode,)
    load_before = os.getloadavg()

    setup = Setup()
    port = free_port()
    # 63 distinct valid marks (same status lists; Setup revokes index 7), sent in turn: no
    # answer can come from a cache
    marks = [m for i, m in enumerate(setup.batch_marks) if i != 7]
    texts = [t for i, t in enumerate(setup.batch_qr) if i != 7]
    routes: dict[str, list[bytes]] = {
        "POST /qr/verify (QR text)": [
            request_bytes(port, "/qr/verify", qr.encode(), "text/plain") for qr in texts
        ],
        "POST /credentials/verify (JSON)": [
            request_bytes(
                port,
                "/credentials/verify",
                json.dumps({"verifiableCredential": mark}).encode(),
                "application/json",
            )
            for mark in marks
        ],
    }
    cpus = os.cpu_count() or 1
    figures: dict[str, Any] = {
        "cpus": cpus,
        "workers": args.workers,
        "connections": args.connections,
        "generator": args.generator,
        "access_log": args.access_log,
        "round": f"{args.duration:g} s" if args.generator == "wrk" else f"{args.requests} requests",
        "rounds": args.rounds,
    }
    for mode in modes:
        with tempfile.TemporaryDirectory() as folder:
            args.folder = folder
            server = start_server(Path(folder), setup, port, args.workers, mode, args.access_log)
            try:
                figures[mode] = {
                    name: run_loads(port, server, requests, args)
                    for name, requests in routes.items()
                }
            finally:
                server.terminate()
                server.wait(timeout=30)
    json_texts = [json.dumps(mark) for mark in marks]
    library = {}
    for kind, inputs in (("QR text", texts), ("JSON", json_texts)):
        rate, cpu_ms = in_process_rate(setup, inputs, 3.0)
        library[kind] = {"rate": rate, "cpu_ms_per_verification": cpu_ms}
    figures["library, one process"] = library
    figures["load average"] = [load_before, os.getloadavg()]

    print(
        f"verifier service on loopback: {args.workers} workers, {cpus} CPUs, "
        f"{args.connections} connections, load generator {args.generator}, access log "
        f"{'on' if args.access_log else 'off'}, {args.rounds} rounds "
        f"of {figures['round']}; load average {load_before[0]:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after"
    )
    for mode in modes:
        print(f"  --{mode}" if mode == "offline" else "  online (no --offline)")
        for name in routes:
            found = figures[mode][name]
            rates = ", ".join(f"{r:.0f}" for r in found["rounds"])
            both = found["server_cpu_ms_per_request"] + found["generator_cpu_ms_per_request"]
            shares = ", ".join(f"{s * 100:.0f}" for s in found["busiest_worker_share"])
            print(f"    {name:34} {found['median']:6.0f} verifications/s  ({rates})")
            print(
                f"    {'':34} CPU a request: server {found['server_cpu_ms_per_request']:.3f} ms,"
                f" load generator {found['generator_cpu_ms_per_request']:.3f} ms"
                f" (on {cpus} idle CPUs at most {cpus * 1e3 / both:.0f}/s)"
            )
            print(
                f"    {'':34} other jobs meanwhile: {found['other_jobs_cpus']:.2f} CPUs;"
                f" busiest worker's share of the server CPU: {shares} %"
            )
    for kind, found in library.items():
        print(
            f"  {'library in one process (' + kind + ')':36} {found['rate']:6.0f} verifications/s"
            f"  (CPU {found['cpu_ms_per_verification']:.3f} ms a verification)"
        )
    if args.json:
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
