"""Running the verifier service: its options, the settings built from them, uvicorn.

``vic serve verifier`` builds :class:`ServeOptions` and calls :func:`serve`, which checks them
(the trust list is read, the status list files parsed) before anything listens, then hands them
to the uvicorn workers through one environment variable; each worker builds its app with
:func:`app_from_environment`. The workers share one challenge secret so that any of them accepts
a challenge another issued, and one on-disk status list cache when a data folder is given.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from fastapi import FastAPI

from vic.contexts.errors import UsageError
from vic.httpkit import listen
from vic.vc.jsonio import parse_json_object
from vic.verifier.service.app import create_app
from vic.verifier.service.settings import AnyIssuer, VerifierSettings
from vic.verifier.status import (
    ChainedStatusLists,
    FetchedStatusList,
    HttpStatusLists,
    StaticStatusLists,
)
from vic.verifier.trust import TrustList

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "OPTIONS_ENV",
    "ServeOptions",
    "app_from_environment",
    "serve",
]

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8081
OPTIONS_ENV: Final = "VIC_VERIFIER_OPTIONS"
"""How :func:`serve` passes its options to the uvicorn workers (JSON; internal)."""

_APP: Final = "vic.verifier.service.run:app_from_environment"
_LOOPBACK: Final = ("127.0.0.1", "::1", "localhost")
_MAX_STATUS_LIST_BYTES: Final = 64 << 20
_CACHE_FOLDER: Final = "status-lists"


@dataclass(frozen=True)
class ServeOptions:
    """What ``vic serve verifier`` is told.

    :param trust_file: the trust list (required unless ``any_issuer``).
    :param any_issuer: trust every issuer (interop suites; loopback only).
    :param status_lists: status list credential files, used before anything is fetched.
    :param data_dir: where the status list cache lives on disk (``<data>/status-lists``);
        without it the cache is in memory only.
    :param offline: never touch the network: status from the files and the disk cache only.
    :param did_web: resolve did:web issuers missing from the trust list over HTTPS (guarded).
    :param allow_loopback_http: let the fetcher use http:// and loopback addresses (tests and
        interop suites on one machine; never in deployment).
    :param ca_file: a PEM file of certificate authorities the fetcher trusts instead of the
        system's (a private CA; the W3C suites' self-signed loopback TLS).
    :param challenge_secret: hex key shared by the workers (random per process when empty).
    """

    trust_file: str | None = None
    any_issuer: bool = False
    status_lists: tuple[str, ...] = ()
    data_dir: str | None = None
    offline: bool = False
    did_web: bool = False
    allow_loopback_http: bool = False
    ca_file: str | None = None
    challenge_secret: str = field(default="", repr=False)

    def to_env(self) -> str:
        """The JSON form passed to the workers."""
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, text: str) -> ServeOptions:
        """Read :meth:`to_env`'s form.

        :raises UsageError: not that form.
        """
        try:
            values = json.loads(text)
            values["status_lists"] = tuple(values.get("status_lists", ()))
            return cls(**values)
        except (ValueError, TypeError, AttributeError) as exc:
            raise UsageError(f"{OPTIONS_ENV} is not valid: {exc}") from None

    def settings(self) -> VerifierSettings:
        """The service's settings.

        :raises TrustError: the trust list cannot be read.
        :raises UsageError: no trust list and not ``any_issuer``; a status list file unreadable.
        :raises ParsingError: a status list file is not JSON.
        """
        if self.trust_file is None and not self.any_issuer:
            raise UsageError(
                "the verifier needs a trust list: --trust FILE (or VIC_TRUST), or --any-issuer "
                "for interop tests",
                code="NO_TRUST_LIST",
            )
        trust = TrustList.read(self.trust_file) if self.trust_file else TrustList()
        if self.any_issuer:
            trust = AnyIssuer(trust.issuers)
        files = StaticStatusLists(_read_lists(self.status_lists))
        from vic.did.fetch import FetchPolicy, GuardedFetcher
        from vic.did.resolver import DidResolver, guarded_did_fetch

        fetcher = None
        if not self.offline:
            fetcher = GuardedFetcher(
                FetchPolicy(allow_loopback_http=self.allow_loopback_http, ca_file=self.ca_file)
            )
        cache = Path(self.data_dir) / _CACHE_FOLDER if self.data_dir else None
        http = HttpStatusLists(fetcher, cache_dir=cache, offline=self.offline)
        resolver = None
        if self.did_web and fetcher is not None:
            pinned = {e.id: e.did_document for e in trust.issuers if e.did_document is not None}
            resolver = DidResolver(pinned, fetch=guarded_did_fetch(fetcher))
        settings = VerifierSettings(
            trust=trust,
            status_source=ChainedStatusLists(files, http),
            resolver=resolver,
            # offline, nothing waits on the network (files, the disk cache, pinned DIDs)
            verify_in_loop=self.offline,
            status_in_memory=InMemoryStatusLists(files, http),
        )
        if self.challenge_secret:
            settings = replace(settings, challenge_secret=bytes.fromhex(self.challenge_secret))
        return settings


class InMemoryStatusLists:
    """The status lists a worker holds in memory: the files, then the fresh cached copies (in
    that order, as the service's chained source asks them). Never waits."""

    def __init__(self, files: StaticStatusLists, http: HttpStatusLists) -> None:
        self._files = files
        self._http = http

    def get(self, url: str) -> FetchedStatusList | None:
        """The list at ``url`` if it is in memory and fresh, else None."""
        return self._files.get(url) or self._http.cached(url)


def _read_lists(paths: tuple[str, ...]) -> list[dict[str, object]]:
    lists = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise UsageError(
                f"cannot read status list {path}: {exc.strerror}", code="INPUT_NOT_READABLE"
            ) from None
        lists.append(parse_json_object(data, max_bytes=_MAX_STATUS_LIST_BYTES))
    return lists


def app_from_environment() -> FastAPI:
    """The app of one uvicorn worker, configured by :func:`serve` through the environment.

    :raises VicError: as :meth:`ServeOptions.settings`.
    """
    return create_app(ServeOptions.from_env(os.environ.get(OPTIONS_ENV, "{}")).settings())


def serve(
    options: ServeOptions,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int = 1,
    access_log: bool = True,
) -> None:
    """Check the options, then run the service with uvicorn until interrupted.

    :raises VicError: as :meth:`ServeOptions.settings` (before anything listens).
    :raises UsageError: ``any_issuer`` or ``allow_loopback_http`` on an address that is not
        loopback.
    """
    if options.any_issuer and host not in _LOOPBACK:
        raise UsageError(
            "--any-issuer accepts forged issuers: it only binds to loopback",
            code="ANY_ISSUER_NOT_LOOPBACK",
        )
    if options.allow_loopback_http and host not in _LOOPBACK:
        raise UsageError(
            "--allow-loopback-http is for tests on one machine: it only binds to loopback",
            code="LOOPBACK_HTTP_NOT_LOOPBACK",
        )
    options.settings()
    if not options.challenge_secret:
        options = ServeOptions(**{**asdict(options), "challenge_secret": secrets.token_hex(32)})
    os.environ[OPTIONS_ENV] = options.to_env()
    import uvicorn

    settings: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "proxy_headers": True,
        "forwarded_allow_ips": "127.0.0.1",
        "log_level": "info",
        "access_log": access_log,
    }
    if workers > 1 and listen.supported():
        listen.run_workers(uvicorn.Config(_APP, **settings), host, port)
    else:
        uvicorn.run(_APP, **settings)
