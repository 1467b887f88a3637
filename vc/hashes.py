"""Hash functions by name: the Data Integrity suites' and RDFC-1.0's (SHA-256, SHA-384)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from hashlib import _Hash

__all__ = ["hash_constructor"]

_COMMON: Final = {"sha256": hashlib.sha256, "sha384": hashlib.sha384}


def hash_constructor(algorithm: str) -> Callable[[bytes], _Hash]:
    """hashlib's constructor for ``algorithm``: SHA-256 and SHA-384 directly (cheaper per call
    than ``hashlib.new`` by name), any other name through ``hashlib.new`` (which raises
    ``ValueError`` for an unknown one when called)."""
    return _COMMON.get(algorithm) or partial(hashlib.new, algorithm)
