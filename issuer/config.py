"""The issuer's configuration: where it keeps its data, who it is, how it signs and publishes."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from vic.contexts.errors import UsageError
from vic.did.keys import KeyType
from vic.did.web import did_web
from vic.issuer.db.engine import SQLITE_FILE_NAME, sqlite_url
from vic.issuer.keys import PASSPHRASE_ENV
from vic.vc.dates import Clock, system_clock

__all__ = ["DEFAULT_CRYPTOSUITE", "IssuerConfig"]

DEFAULT_CRYPTOSUITE: Final = "ecdsa-rdfc-2019"


@dataclass(frozen=True)
class IssuerConfig:
    """How to open an :class:`vic.issuer.engine.Issuer`.

    :param data_dir: the issuer's directory: key files (``keys/``) and the SQLite database.
    :param public_base_url: the https URL the authority is reached at, e.g.
        ``https://demo.vic.example``; its host (and path) make the did:web
        (``did:web:demo.vic.example``), and the status lists live under it.
    :param database_url: None for SQLite in ``data_dir``; else a SQLAlchemy URL such as
        ``postgresql+psycopg://vic@db/vic``.
    :param database_schema: PostgreSQL only: the schema to keep the tables in.
    :param clock: the time source (aware datetimes).
    :param status_base_url: default ``{public_base_url}/status``.
    :param key_passphrase: encrypts key files at rest; None reads ``VIC_KEY_PASSPHRASE`` from the
        environment (unset or empty: plain files).
    :param mark_id_in_credential: put the mark's ``urn:uuid`` id into the signed mark (costs 19
        bytes of QR; the issuer keeps the id either way).
    :param proof_created: put ``created`` into the mark's proof (7 bytes of QR).
    :param status_list_validity: how long a signed status list is valid (``validUntil``); it is
        re-signed once half of that has passed, or when a bit changes.
    :param status_list_ttl: the lists' ``ttl`` and Cache-Control max-age.
    :param registry_entry_id: the authority's CBOR-LD registry entry id; None publishes none.
    """

    data_dir: Path
    public_base_url: str
    database_url: str | None = None
    database_schema: str | None = None
    clock: Clock = system_clock
    status_base_url: str | None = None
    cryptosuite: str = DEFAULT_CRYPTOSUITE
    key_type: KeyType = KeyType.P256
    key_passphrase: str | None = field(default=None, repr=False)
    mark_id_in_credential: bool = False
    proof_created: bool = False
    status_list_validity: timedelta = timedelta(days=2)
    status_list_ttl: timedelta = timedelta(minutes=5)
    registry_entry_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        base = self.public_base_url
        parts = urlsplit(base) if isinstance(base, str) else None
        if (
            parts is None
            or parts.scheme not in ("https", "http")
            or not parts.hostname
            or parts.query
            or parts.fragment
            or base.endswith("/")
        ):
            raise UsageError(
                f"public_base_url must be an http(s) URL without a trailing slash: {base!r}"
            )
        if self.status_base_url is not None and (
            not self.status_base_url.startswith(("https://", "http://"))
            or self.status_base_url.endswith("/")
        ):
            raise UsageError("status_base_url must be an http(s) URL without a trailing slash")
        if self.status_list_ttl <= timedelta(0) or self.status_list_validity <= timedelta(0):
            raise UsageError("status_list_ttl and status_list_validity must be positive")
        if self.status_list_ttl > self.status_list_validity:
            raise UsageError("status_list_ttl must not exceed status_list_validity")

    @property
    def did(self) -> str:
        """The authority's did:web, from the public base URL's host, port and path."""
        parts = urlsplit(self.public_base_url)
        host = parts.netloc.rsplit("@", 1)[-1]
        segments = [s for s in parts.path.split("/") if s]
        return did_web(host, segments)

    @property
    def status_base(self) -> str:
        """The base URL of the status lists."""
        return self.status_base_url or f"{self.public_base_url}/status"

    @property
    def database(self) -> str:
        """The database URL (SQLite in the data directory by default)."""
        return self.database_url or sqlite_url(self.data_dir / SQLITE_FILE_NAME)

    @property
    def keys_dir(self) -> Path:
        """Where the key files are."""
        return self.data_dir / "keys"

    def passphrase(self) -> str | None:
        """The key passphrase: the configured one, else ``VIC_KEY_PASSPHRASE`` if set."""
        if self.key_passphrase is not None:
            return self.key_passphrase or None
        return os.environ.get(PASSPHRASE_ENV) or None
