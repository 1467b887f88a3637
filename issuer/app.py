"""The issuer's HTTP service: see :mod:`vic.issuer.api` (this module keeps the documented name)."""

from __future__ import annotations

from vic.issuer.api import create_app, create_app_from_config, serve

__all__ = ["create_app", "create_app_from_config", "serve"]
