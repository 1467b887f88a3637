"""One listening socket per worker process (``SO_REUSEPORT``), so that the kernel spreads the
connections over the workers.

uvicorn's ``--workers`` binds one socket in its supervisor and hands it to every worker; each
worker's event loop accepts every connection waiting when it wakes. A client that opens its
keep-alive connections in a burst (a load balancer, a reverse proxy's upstream pool, a load
generator) then often finds them all on the worker that woke first, and the other workers idle:
with 2 workers and 16 connections, one worker did 97–100 % of the work in about half the rounds
of bench/verifier_service.py. With :func:`reuse_port_socket` each worker binds a socket of its
own to the same address with ``SO_REUSEPORT``, and Linux assigns each new connection to one of
them by a hash of its addresses and ports (balanced over many connections, whoever is awake).

uvicorn's supervisor is kept as it is (health checks, restarts, ``SIGHUP``, ``SIGTTIN``): it
is given a :class:`ReusePortSocket`, which it passes to each worker it spawns as it would pass
any socket, by pickling it; unpickled in the worker, it is a fresh socket bound to the same
address with ``SO_REUSEPORT``. The supervisor's own socket is bound (so that the address is
known and reserved) and never listens, so it never receives a connection.

Linux only (elsewhere ``SO_REUSEPORT`` does not balance, or does not exist: :func:`supported`
says so and the caller keeps uvicorn's shared socket). As with any ``SO_REUSEPORT`` listener, a
second server started by the same user on the same address joins the group instead of failing.

:func:`run_workers` runs uvicorn's supervisor that way; the issuer's and the verifier's services
both use it (``--workers`` above 1).
"""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any

from vic.contexts.errors import UsageError

__all__ = ["ReusePortSocket", "reuse_port_socket", "run_workers", "supported", "worker_socket"]


def supported() -> bool:
    """Whether the kernel balances connections over ``SO_REUSEPORT`` listeners (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _bound(kind: type[socket.socket], host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = kind(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def worker_socket(host: str, port: int) -> socket.socket:
    """A worker's own socket on ``(host, port)``, ``SO_REUSEPORT`` (what a
    :class:`ReusePortSocket` becomes in the worker it is sent to)."""
    return _bound(socket.socket, host, port)


class ReusePortSocket(socket.socket):
    """The supervisor's socket: bound with ``SO_REUSEPORT``; sent to a worker process (pickled),
    it arrives as :func:`worker_socket` on the same address, a socket of that worker's own."""

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, tuple[str, int]]:
        host, port = self.getsockname()[:2]
        return worker_socket, (host, port)


def reuse_port_socket(host: str, port: int) -> ReusePortSocket:
    """The supervisor's socket on ``(host, port)`` (port 0: a free port, the same for all).

    :raises OSError: the address cannot be bound (in use without ``SO_REUSEPORT``, not local).
    """
    sock = _bound(ReusePortSocket, host, port)
    assert isinstance(sock, ReusePortSocket)
    return sock


def run_workers(config: Any, host: str, port: int) -> None:
    """Run uvicorn's supervisor (``config``: a ``uvicorn.Config`` with ``workers``) with one
    ``SO_REUSEPORT`` socket per worker instead of one socket they all accept from.

    :raises UsageError: ``CANNOT_LISTEN`` (the address is taken or not local), before any
        worker starts.
    """
    from uvicorn.supervisors import Multiprocess

    try:
        sock = reuse_port_socket(host, port)
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}", code="CANNOT_LISTEN"
        ) from None
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on http://%s:%d (Press CTRL+C to quit), %d workers, one socket each",
        host,
        sock.getsockname()[1],
        config.workers,
    )
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
