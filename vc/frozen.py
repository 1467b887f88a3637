"""Instances of frozen dataclasses made without a per-field ``object.__setattr__``.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``; the verify
path makes a dozen such small objects per credential. :func:`frozen` makes the same object (equal,
hashed, printed and pickled alike) by filling its ``__dict__`` at once. Only for classes without
``__post_init__``, ``__slots__`` or ``InitVar``, and with every field given
(tests/verifier/test_frozen_objects.py checks each class it is used for).
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["frozen"]

T = TypeVar("T")

_new_object = object.__new__


def frozen(cls: type[T], /, **fields: Any) -> T:
    """``cls(**fields)`` for a frozen dataclass given every one of its fields."""
    instance = _new_object(cls)
    instance.__dict__.update(fields)
    return instance
