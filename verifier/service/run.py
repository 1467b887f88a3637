"""Running the verifier service: settings from the command line or the environment, uvicorn.

``vic serve verifier`` calls :func:`serve`, which puts its settings into the environment of the
uvicorn workers; each worker builds its app with :func:`app_from_environment`. The workers share
one challenge secret so that any of them accepts a challenge another issued.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from fastapi import FastAPI

from vic.contexts.errors import UsageError
from vic.vc.jsonio import parse_json_object
from vic.verifier.service.app import create_app
from vic.verifier.service.settings import AnyIssuer, VerifierSettings
from vic.verifier.trust import TrustList
from vic.verifier.verify import StaticStatusLists

__all__ = [
    "ANY_ISSUER_ENV",
    "CHALLENGE_SECRET_ENV",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "STATUS_LISTS_ENV",
    "TRUST_ENV",
    "app_from_environment",
    "serve",
    "settings_from",
]

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8081
TRUST_ENV: Final = "VIC_TRUST"
"""The trust list file (as for ``vic verify``)."""
ANY_ISSUER_ENV: Final = "VIC_VERIFIER_ANY_ISSUER"
"""``1``: accept every issuer (interop test mode)."""
STATUS_LISTS_ENV: Final = "VIC_VERIFIER_STATUS_LISTS"
"""Status list credential files, separated by the OS path separator."""
CHALLENGE_SECRET_ENV: Final = "VIC_VERIFIER_CHALLENGE_SECRET"
"""Hex key shared by the workers for ``/challenges``."""

_MAX_STATUS_LIST_BYTES: Final = 64 << 20


def settings_from(
    trust_file: str | Path | None,
    *,
    any_issuer: bool = False,
    status_lists: Sequence[str | Path] = (),
    challenge_secret: bytes | None = None,
) -> VerifierSettings:
    """Settings from files.

    :raises TrustError: the trust list cannot be read.
    :raises UsageError: no trust list and not ``any_issuer``; a status list file unreadable.
    :raises ParsingError: a status list file is not JSON.
    """
    if trust_file is None and not any_issuer:
        raise UsageError(
            "the verifier needs a trust list: --trust FILE (or VIC_TRUST), or --any-issuer "
            "for interop tests",
            code="NO_TRUST_LIST",
        )
    trust = TrustList.read(trust_file) if trust_file is not None else TrustList()
    if any_issuer:
        trust = AnyIssuer(trust.issuers)
    lists = []
    for path in status_lists:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise UsageError(
                f"cannot read status list {path}: {exc.strerror}", code="INPUT_NOT_READABLE"
            ) from None
        lists.append(parse_json_object(data, max_bytes=_MAX_STATUS_LIST_BYTES))
    source = StaticStatusLists(lists) if lists else None
    if challenge_secret is None:
        return VerifierSettings(trust=trust, status_source=source)
    return VerifierSettings(trust=trust, status_source=source, challenge_secret=challenge_secret)


def app_from_environment() -> FastAPI:
    """The app of one uvicorn worker, configured by :func:`serve` through the environment.

    :raises VicError: as :func:`settings_from`.
    """
    secret = os.environ.get(CHALLENGE_SECRET_ENV)
    lists = [p for p in os.environ.get(STATUS_LISTS_ENV, "").split(os.pathsep) if p]
    settings = settings_from(
        os.environ.get(TRUST_ENV) or None,
        any_issuer=os.environ.get(ANY_ISSUER_ENV) == "1",
        status_lists=lists,
        challenge_secret=bytes.fromhex(secret) if secret else None,
    )
    return create_app(settings)


def serve(
    *,
    trust_file: str | Path | None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int = 1,
    any_issuer: bool = False,
    status_lists: Sequence[str | Path] = (),
    access_log: bool = True,
) -> None:
    """Check the settings, then run the service with uvicorn until interrupted.

    :raises VicError: as :func:`settings_from` (before anything listens).
    :raises UsageError: ``any_issuer`` on an address that is not loopback.
    """
    if any_issuer and host not in ("127.0.0.1", "::1", "localhost"):
        raise UsageError(
            "--any-issuer accepts forged issuers: it only binds to loopback",
            code="ANY_ISSUER_NOT_LOOPBACK",
        )
    settings_from(trust_file, any_issuer=any_issuer, status_lists=status_lists)
    os.environ[TRUST_ENV] = str(trust_file) if trust_file is not None else ""
    os.environ[ANY_ISSUER_ENV] = "1" if any_issuer else "0"
    os.environ[STATUS_LISTS_ENV] = os.pathsep.join(str(p) for p in status_lists)
    os.environ.setdefault(CHALLENGE_SECRET_ENV, secrets.token_hex(32))
    import uvicorn

    uvicorn.run(
        "vic.verifier.service.run:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="info",
        access_log=access_log,
    )
