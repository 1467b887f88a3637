"""The issuer's settings file: what ``vic issuer init`` decides, kept with the data directory.

``{data_dir}/issuer.toml`` holds the authority's settings (base URL, database, registry entry,
cryptosuite, status-list timing). Every later command reads it; an environment variable
``VIC_<NAME>`` overrides a value, and a command-line option overrides both. :func:`effective`
tells, for each setting, the value in force and where it came from, which ``vic issuer config``
prints. The file is validated on load: an unknown key or a value of the wrong kind is an error with
the file's name, the key and what is allowed, never a silent default.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from vic.contexts.errors import UsageError
from vic.did.keys import KeyType

__all__ = [
    "SETTINGS",
    "SETTINGS_FILE",
    "Setting",
    "Source",
    "Value",
    "config_kwargs",
    "effective",
    "load_file",
    "provisional_registry_entry_id",
    "save_file",
]

SETTINGS_FILE: Final = "issuer.toml"
"""The settings file's name inside the data directory."""

DATA_ENV: Final = "VIC_DATA"
DEFAULT_DATA_DIR: Final = "vic-data"


class Source(StrEnum):
    """Where a setting's value came from, strongest first."""

    OPTION = "option"
    ENVIRONMENT = "environment"
    FILE = "file"
    DEFAULT = "default"


def _text(value: object) -> str:
    if not isinstance(value, str) or not value or value != value.strip():
        raise ValueError("a non-empty text without surrounding spaces")
    return value


def _url(value: object) -> str:
    text = _text(value)
    if not text.startswith(("https://", "http://")) or text.endswith("/"):
        raise ValueError("an http(s) URL without a trailing slash")
    return text


def _integer(low: int, high: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"a whole number from {low} to {high}")
        return value

    return parse


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.lower() in ("true", "1", "yes")
    raise ValueError("true or false")


def _choice(*allowed: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if value not in allowed:
            raise ValueError("one of " + ", ".join(allowed))
        return str(value)

    return parse


@dataclass(frozen=True)
class Setting:
    """One setting: its key in the file, how to read it, and its default."""

    key: str
    parse: Callable[[object], Any]
    help: str
    default: Any = None

    @property
    def env(self) -> str:
        """The environment variable that overrides it."""
        return "VIC_" + self.key.upper()


SETTINGS: Final[tuple[Setting, ...]] = (
    Setting("base_url", _url, "the authority's public https base URL (its did:web)"),
    Setting("database_url", _text, "SQLAlchemy URL; empty: SQLite in the data directory"),
    Setting("database_schema", _text, "PostgreSQL schema for the tables"),
    Setting("status_base_url", _url, "base URL of the status lists; default {base_url}/status"),
    Setting(
        "registry_entry_id",
        _integer(0, 2**32 - 1),
        "the authority's CBOR-LD registry entry id (0: none, the QR grows)",
    ),
    Setting(
        "cryptosuite",
        _choice("ecdsa-rdfc-2019", "ecdsa-jcs-2019", "eddsa-rdfc-2022", "eddsa-jcs-2022"),
        "the Data Integrity cryptosuite of new marks",
        "ecdsa-rdfc-2019",
    ),
    Setting("key_type", _choice(*(k.value for k in KeyType)), "type of new keys", "P-256"),
    Setting("mark_id_in_credential", _boolean, "put the urn:uuid id into the mark", False),
    Setting("proof_created", _boolean, "put `created` into the mark's proof", False),
    Setting(
        "status_list_ttl_seconds",
        _integer(1, 10**8),
        "status lists' ttl and Cache-Control max-age",
        300,
    ),
    Setting(
        "status_list_validity_seconds",
        _integer(1, 10**8),
        "how long a signed status list is valid",
        2 * 86400,
    ),
)
_BY_KEY: Final = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class Value:
    """A setting's value in force, and where it came from."""

    setting: Setting
    value: Any
    source: Source


def settings_path(data_dir: Path) -> Path:
    """The settings file of a data directory."""
    return data_dir / SETTINGS_FILE


def _checked(key: str, raw: object, where: str) -> Any:
    setting = _BY_KEY.get(key)
    if setting is None:
        raise UsageError(
            f"{where}: unknown setting {key!r}; known: {', '.join(_BY_KEY)}",
            code="INVALID_SETTINGS",
        )
    try:
        return setting.parse(raw)
    except ValueError as exc:
        raise UsageError(
            f"{where}: {key} = {raw!r} is not allowed: expected {exc}", code="INVALID_SETTINGS"
        ) from None


def load_file(data_dir: Path) -> dict[str, Any]:
    """The settings saved in ``data_dir`` (empty when there is no file yet).

    :raises UsageError: ``INVALID_SETTINGS``: the file is not TOML, has an unknown key or a value
        that is not allowed.
    """
    path = settings_path(data_dir)
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(
            f"{path}: not a readable TOML file: {exc}", code="INVALID_SETTINGS"
        ) from None
    return {key: _checked(key, value, str(path)) for key, value in raw.items()}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def save_file(data_dir: Path, values: Mapping[str, Any]) -> Path:
    """Write the settings (validated) to ``data_dir``, atomically, mode 0600.

    :raises UsageError: ``INVALID_SETTINGS`` for an unknown key or a value not allowed.
    """
    path = settings_path(data_dir)
    checked = {key: _checked(key, value, str(path)) for key, value in values.items()}
    lines = ["# vic issuer settings: `vic issuer config` shows them, `config set` changes them."]
    lines += [
        f"{key} = {_toml_value(checked[s.key])}" for s in SETTINGS if (key := s.key) in checked
    ]
    data_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(temporary, path)
    return path


def effective(
    data_dir: Path,
    options: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Value]:
    """Every setting in force: option, else environment, else file, else default.

    :raises UsageError: ``INVALID_SETTINGS`` for a bad file, variable or option value.
    """
    environ = os.environ if environ is None else environ
    saved = load_file(data_dir)
    result: dict[str, Value] = {}
    for setting in SETTINGS:
        given = (options or {}).get(setting.key)
        if given is not None:
            value = Value(setting, _checked(setting.key, given, "option"), Source.OPTION)
        elif environ.get(setting.env):
            raw = environ[setting.env]
            value = Value(setting, _checked(setting.key, raw, setting.env), Source.ENVIRONMENT)
        elif setting.key in saved:
            value = Value(setting, saved[setting.key], Source.FILE)
        else:
            value = Value(setting, setting.default, Source.DEFAULT)
        result[setting.key] = value
    return result


def config_kwargs(values: Mapping[str, Value]) -> dict[str, Any]:
    """The :class:`~vic.issuer.config.IssuerConfig` arguments of effective settings (without
    ``data_dir``).

    :raises UsageError: ``NOT_INITIALISED``: no base URL anywhere.
    """
    base = values["base_url"].value
    if base is None:
        raise UsageError(
            "no base URL: run `vic issuer init --base-url https://...` for this data directory "
            "(or set VIC_BASE_URL)",
            code="NOT_INITIALISED",
        )
    entry = values["registry_entry_id"].value
    return {
        "public_base_url": base,
        "database_url": values["database_url"].value,
        "database_schema": values["database_schema"].value,
        "status_base_url": values["status_base_url"].value,
        "registry_entry_id": entry or None,
        "cryptosuite": values["cryptosuite"].value,
        "key_type": KeyType(values["key_type"].value),
        "mark_id_in_credential": values["mark_id_in_credential"].value,
        "proof_created": values["proof_created"].value,
        "status_list_ttl": timedelta(seconds=values["status_list_ttl_seconds"].value),
        "status_list_validity": timedelta(seconds=values["status_list_validity_seconds"].value),
    }


PROVISIONAL_IDS: Final = range(20_000, 60_000)
"""Where provisional registry entry ids are drawn from: three CBOR bytes each, like the demo's
15601, and clear of the ids the CBOR-LD registry has assigned (docs/operations.md)."""


def provisional_registry_entry_id(did: str) -> int:
    """A provisional CBOR-LD registry entry id for an authority, derived from its DID, so that two
    authorities rarely share one before the id is registered."""
    digest = int.from_bytes(hashlib.sha256(did.encode("utf-8")).digest()[:8], "big")
    return PROVISIONAL_IDS.start + digest % len(PROVISIONAL_IDS)
