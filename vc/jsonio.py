"""Reading untrusted JSON: size and nesting caps are checked before anything else happens."""

from __future__ import annotations

import json
from typing import Any

from vic.contexts.errors import InputTooLargeError, InvalidJsonError, NestingTooDeepError

__all__ = ["MAX_DEPTH", "MAX_INPUT_BYTES", "check_depth", "parse_json_object"]

MAX_INPUT_BYTES = 1 << 20
"""A credential larger than 1 MiB is refused unread (a mark is well under 2 kB)."""
MAX_DEPTH = 32
"""Deeper nesting than this is refused (a VC needs fewer than ten levels)."""


def parse_json_object(
    data: bytes | str, *, max_bytes: int = MAX_INPUT_BYTES, max_depth: int = MAX_DEPTH
) -> dict[str, Any]:
    """Parse ``data`` as a JSON object, refusing oversized or overly deep input.

    :raises InputTooLargeError: more than ``max_bytes``.
    :raises NestingTooDeepError: nested deeper than ``max_depth``.
    :raises InvalidJsonError: not JSON, not UTF-8, duplicate keys, or not an object.
    """
    size = len(data.encode()) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise InputTooLargeError(
            f"input of {size} bytes exceeds the cap of {max_bytes}", size=size, limit=max_bytes
        )
    try:
        value = json.loads(
            data,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_float=_finite_float,
        )
    except RecursionError:
        raise NestingTooDeepError(f"input nests deeper than {max_depth} levels") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidJsonError(f"input is not valid JSON: {exc}") from None
    except ValueError as exc:  # an integer longer than Python converts (sys.int_info)
        raise InvalidJsonError(f"input has a number vic does not read: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidJsonError(f"expected a JSON object, got {type(value).__name__}")
    check_depth(value, max_depth)
    _check_text(value)
    return value


def check_depth(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`NestingTooDeepError` if ``value`` nests deeper than ``max_depth``."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise NestingTooDeepError(
                f"input nests deeper than {max_depth} levels", limit=max_depth
            )
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidJsonError(f"duplicate key {key!r}", code="DUPLICATE_KEY")
        out[key] = value
    return out


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise InvalidJsonError(f"the number {text[:40]} is out of range", code="INVALID_JSON")
    return number


def _check_text(value: Any) -> None:
    """Refuse unpaired surrogates (``\\ud800``): valid JSON escapes, but no Unicode text."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _utf8(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _utf8(key)
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)


def _utf8(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidJsonError(
            "input has an unpaired surrogate escape", code="INVALID_JSON"
        ) from None


def _no_constant(name: str) -> Any:
    raise InvalidJsonError(f"{name} is not JSON", code="INVALID_JSON")
