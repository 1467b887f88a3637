"""``vic serve issuer --workers N``: N uvicorn worker processes sharing the load.

The supervisor (:func:`serve_workers`) does every start-up step once before any worker starts:
it opens the issuer (migrations, the first authority key, the first status lists, the registry
entry), opens (or first creates) the named issuers' keys, and finishes the marks a crash left
pending; then it closes the database and hands the options to the workers through one
environment variable (:data:`OPTIONS_ENV`, a pickled :class:`WorkerOptions`). Each worker builds
its app with :func:`app_from_environment`: it opens the issuer again (each bootstrap step finds
its work done, under the database's bootstrap lock) and does not resume pending marks.

Each worker listens on a ``SO_REUSEPORT`` socket of its own (:mod:`vic.httpkit.listen`) and
holds its own connection pool and group commit (:mod:`vic.issuer.groupcommit`); the writes meet
in the database (SQLite: WAL, ``BEGIN IMMEDIATE``; PostgreSQL: row locks). Nothing else is
shared in memory: status lists are cached per process and versioned in the database, and
``/metrics`` counts the requests of the process that answers.
"""

from __future__ import annotations

import base64
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from fastapi import FastAPI

from vic.contexts.errors import UsageError
from vic.issuer.api.app import create_app_from_config
from vic.issuer.config import IssuerConfig
from vic.issuer.engine import Issuer
from vic.issuer.named import NamedIssuer, NamedIssuerSpec, open_named_issuers

__all__ = ["OPTIONS_ENV", "WorkerOptions", "app_from_environment", "serve_workers"]

OPTIONS_ENV: Final = "VIC_ISSUER_WORKER_OPTIONS"
"""How :func:`serve_workers` passes its options to the uvicorn workers (internal)."""

_APP: Final = "vic.issuer.api.workers:app_from_environment"


@dataclass(frozen=True)
class WorkerOptions:
    """What each worker needs to build the app (``create_app_from_config``'s arguments)."""

    config: IssuerConfig
    public_base_url: str | None = None
    issue_with_status: bool = False
    vc_api_key: str | None = field(default=None, repr=False)
    unauthenticated_issue: bool = False
    named_issuers: tuple[NamedIssuerSpec, ...] = ()

    def to_env(self) -> str:
        """The form passed to the workers (base64 of a pickle).

        :raises UsageError: ``WORKERS_NOT_PORTABLE``: the configuration cannot be sent to a
            worker process (a clock that is not a module-level function, for one).
        """
        try:
            return base64.b64encode(pickle.dumps(self)).decode("ascii")
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise UsageError(
                f"the issuer's configuration cannot be sent to worker processes: {exc}",
                code="WORKERS_NOT_PORTABLE",
            ) from None

    @classmethod
    def from_env(cls, text: str) -> WorkerOptions:
        """Read :meth:`to_env`'s form (written by this process's supervisor).

        :raises UsageError: not that form.
        """
        try:
            options = pickle.loads(base64.b64decode(text.encode("ascii"), validate=True))
        except Exception as exc:
            raise UsageError(f"{OPTIONS_ENV} is not valid: {exc}") from None
        if not isinstance(options, cls):
            raise UsageError(f"{OPTIONS_ENV} is not valid: not worker options")
        return options


def app_from_environment() -> FastAPI:
    """The app of one uvicorn worker, configured by :func:`serve_workers` (no resumption of
    pending marks: the supervisor did it).

    :raises VicError: as :func:`~vic.issuer.api.app.create_app_from_config`.
    """
    text = os.environ.get(OPTIONS_ENV)
    if not text:
        raise UsageError(f"{OPTIONS_ENV} is not set: workers are started by serve_workers")
    options = WorkerOptions.from_env(text)
    return create_app_from_config(
        options.config,
        public_base_url=options.public_base_url,
        issue_with_status=options.issue_with_status,
        vc_api_key=options.vc_api_key,
        unauthenticated_issue=options.unauthenticated_issue,
        named_issuers=options.named_issuers,
        resume_pending=False,
    )


def set_up_once(
    options: WorkerOptions, announce: Callable[[dict[str, NamedIssuer]], None]
) -> list[Any]:
    """The start-up steps, once, in the supervisor: open the issuer (migrations, first key,
    first lists), open or create the named issuers' keys (``announce`` is shown them), finish
    the pending marks; returns the marks resumed.

    :raises VicError: as :meth:`Issuer.open` and :func:`open_named_issuers`.
    """
    config = options.config
    with Issuer.open(config) as issuer:
        announce(
            open_named_issuers(
                config.keys_dir, options.named_issuers, passphrase=config.passphrase()
            )
        )
        return list(issuer.resume_pending())


def serve_workers(
    options: WorkerOptions,
    *,
    host: str,
    port: int,
    workers: int,
    announce: Callable[[dict[str, NamedIssuer]], None],
    uvicorn_settings: dict[str, Any],
) -> None:
    """Set up once (:func:`set_up_once`), then run ``workers`` uvicorn workers until
    interrupted, each on a ``SO_REUSEPORT`` socket of its own (Linux; elsewhere uvicorn's
    shared socket).

    :raises UsageError: ``CANNOT_LISTEN`` (the address is taken), ``WORKERS_NOT_PORTABLE``.
    :raises VicError: as :func:`set_up_once`.
    """
    import uvicorn

    from vic.httpkit import listen

    env = options.to_env()  # fail before anything is created
    set_up_once(options, announce)
    os.environ[OPTIONS_ENV] = env
    settings = {**uvicorn_settings, "factory": True, "host": host, "port": port}
    if listen.supported():
        listen.run_workers(uvicorn.Config(_APP, workers=workers, **settings), host, port)
    else:
        uvicorn.run(_APP, workers=workers, **settings)
