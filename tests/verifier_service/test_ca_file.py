"""`vic serve verifier --ca-file`: the fetcher trusts the given CAs (a private CA, loopback TLS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vic.verifier.service.run import ServeOptions


def fetch_policy(options: ServeOptions) -> Any:
    """The policy of the fetcher behind the settings' https status lists."""
    chained = options.settings().status_source
    http = chained._sources[-1]  # type: ignore[union-attr]
    return http._fetcher.policy


def test_ca_file_reaches_the_fetch_policy(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("not read until a fetch")
    options = ServeOptions(any_issuer=True, ca_file=str(ca))
    assert ServeOptions.from_env(options.to_env()) == options
    assert fetch_policy(options).ca_file == str(ca)


def test_no_ca_file_means_the_system_cas() -> None:
    assert fetch_policy(ServeOptions(any_issuer=True)).ca_file is None
