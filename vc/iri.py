"""IRI checks that need no JSON-LD processor (so that importing the verifier stays light)."""

from __future__ import annotations

import re

__all__ = ["is_absolute_iri"]

_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S*")


def is_absolute_iri(value: str) -> bool:
    """Whether ``value`` is an absolute IRI (a scheme, no white space; blank node ids are not)."""
    return bool(_ABSOLUTE_IRI.fullmatch(value))
