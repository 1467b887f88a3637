"""One ``SO_REUSEPORT`` socket per worker: what a worker receives, and ``vic serve verifier
--workers 2`` listening once per worker."""

from __future__ import annotations

import io
import json
import select
import socket
import time
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.authority import Authority
from tests.verifier_service.test_serve import running, vic
from vic.verifier.service import listen

pytestmark = pytest.mark.skipif(not listen.supported(), reason="SO_REUSEPORT balancing is Linux's")


def sent_to_a_worker(sock: socket.socket) -> Any:
    """``sock`` as a spawned worker receives it (multiprocessing pickles the sockets)."""
    buffer = io.BytesIO()
    ForkingPickler(buffer).dump(sock)
    return ForkingPickler.loads(buffer.getvalue())


def test_a_worker_gets_a_socket_of_its_own_on_the_same_address() -> None:
    with listen.reuse_port_socket("127.0.0.1", 0) as parent:
        first, second = sent_to_a_worker(parent), sent_to_a_worker(parent)
        try:
            assert type(first) is socket.socket
            assert first.getsockname() == second.getsockname() == parent.getsockname()
            assert len({parent.fileno(), first.fileno(), second.fileno()}) == 3
            for sock in (first, second):
                assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        finally:
            first.close()
            second.close()


def test_the_kernel_spreads_connections_over_the_workers_sockets() -> None:
    with listen.reuse_port_socket("127.0.0.1", 0) as parent:
        workers = [sent_to_a_worker(parent), sent_to_a_worker(parent)]
        for sock in workers:
            sock.listen(128)
            sock.setblocking(False)
        address = parent.getsockname()
        # the parent's socket never listens: every connection goes to a worker's
        clients = [socket.create_connection(address, timeout=5) for _ in range(64)]
        accepted = [0, 0]
        deadline = time.monotonic() + 10
        while sum(accepted) < len(clients) and time.monotonic() < deadline:
            select.select(workers, [], [], 0.5)
            for i, sock in enumerate(workers):
                try:
                    connection, _ = sock.accept()
                except BlockingIOError:
                    continue
                connection.close()
                accepted[i] += 1
        for sock in (*clients, *workers):
            sock.close()
        assert sum(accepted) == len(clients)
        # by a hash of each connection's ports: all 64 on one socket has odds of 2**-63
        assert min(accepted) > 0, accepted


def listeners(port: int) -> int:
    table = Path("/proc/net/tcp").read_text().splitlines()[1:]
    local = f":{port:04X}"
    return sum(1 for row in table if row.split()[1].endswith(local) and row.split()[3] == "0A")


def test_two_workers_listen_on_two_sockets(
    tmp_path: Path, authority: Authority, mark: dict[str, Any], status_lists: list[Any]
) -> None:
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps(authority.trust().to_json()))
    lists = []
    for i, status_list in enumerate(status_lists):
        path = tmp_path / f"list{i}.json"
        path.write_text(json.dumps(status_list))
        lists += ["--status-list", str(path)]
    with running("--workers", "2", "--offline", *lists, trust=trust) as base:
        port = int(base.rsplit(":", 1)[1])
        deadline = time.monotonic() + 60
        while listeners(port) < 2:
            assert time.monotonic() < deadline, "the second worker did not listen"
            time.sleep(0.2)
        assert listeners(port) == 2
        with httpx.Client() as client:
            for _ in range(8):  # new connections, whichever worker each lands on
                answer = client.post(
                    f"{base}/credentials/verify",
                    json={"verifiableCredential": mark},
                    headers={"connection": "close"},
                )
                assert answer.status_code == 200, answer.text


def test_an_address_in_use_is_refused_before_the_workers_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = vic("serve", "verifier", "--any-issuer", "--workers", "2", "--port", str(port))
    assert result.returncode != 0
    assert "CANNOT_LISTEN" in result.stderr, result.stderr
