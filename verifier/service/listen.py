"""One ``SO_REUSEPORT`` listening socket per worker: now :mod:`vic.httpkit.listen` (the issuer's
service uses it too); its names are re-exported here for the verifier's callers."""

from __future__ import annotations

from vic.httpkit.listen import (
    ReusePortSocket,
    reuse_port_socket,
    run_workers,
    supported,
    worker_socket,
)

__all__ = ["ReusePortSocket", "reuse_port_socket", "run_workers", "supported", "worker_socket"]
