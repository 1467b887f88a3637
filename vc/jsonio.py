"""Reading untrusted JSON: size and nesting caps are checked before anything else happens."""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Final, TypeGuard

from vic.contexts.errors import InputTooLargeError, InvalidJsonError, NestingTooDeepError

__all__ = [
    "MAX_DEPTH",
    "MAX_INPUT_BYTES",
    "MAX_INTEGER",
    "MAX_VALUES",
    "check_depth",
    "copy_json",
    "parse_json_object",
]

MAX_INPUT_BYTES = 1 << 20
"""A credential larger than 1 MiB is refused unread (a mark is well under 2 kB)."""
MAX_DEPTH = 32
"""Deeper nesting than this is refused (a VC needs fewer than ten levels)."""
MAX_VALUES = 50_000
"""More JSON values (objects, arrays, strings, numbers...) are refused (a mark has ~40)."""
MAX_INTEGER = (1 << 53) - 1
"""Integers beyond ±(2^53 - 1) are refused: I-JSON (RFC 7493) interoperability, and JSON-LD
processors convert large integers to doubles (pyld overflows on 309 digits)."""

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_json_object(
    data: bytes | str,
    *,
    max_bytes: int = MAX_INPUT_BYTES,
    max_depth: int = MAX_DEPTH,
    max_values: int | None = MAX_VALUES,
) -> dict[str, Any]:
    """Parse ``data`` as a JSON object, refusing oversized, overly deep or overly busy input.

    :raises InputTooLargeError: more than ``max_bytes``, or more than ``max_values`` JSON values
        (None: no cap), or more than twice as many ``,``, ``[`` and ``{`` characters.
    :raises NestingTooDeepError: nested deeper than ``max_depth``.
    :raises InvalidJsonError: not JSON, not UTF-8, duplicate keys, a number out of range (an
        integer beyond ±``MAX_INTEGER``, a float beyond a double), an unpaired surrogate escape,
        or not an object.
    """
    raw_surrogate = False
    if isinstance(data, str):
        text = data
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError:
            size = len(text.encode("utf-8", "surrogatepass"))
            raw_surrogate = True
    else:
        size = len(data)
    if size > max_bytes:
        raise InputTooLargeError(
            f"input of {size} bytes exceeds the cap of {max_bytes}", size=size, limit=max_bytes
        )
    # a cheap upper bound first: a value is separated by a comma or opens a container, so JSON
    # with many more of these characters than max_values allows is refused unparsed (only a text
    # whose strings hold very many of them is refused without being counted)
    if max_values is not None and _separators(data) > 2 * max_values:
        raise InputTooLargeError(
            f"input holds more than {max_values} JSON values (or separators)", limit=max_values
        )
    if isinstance(data, bytes):
        try:  # UTF-8 only (json.loads would guess UTF-16/32 and pass encoded surrogates)
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidJsonError(f"input is not UTF-8: {exc}") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except RecursionError:
        raise NestingTooDeepError(f"input nests deeper than {max_depth} levels") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidJsonError(f"input is not valid JSON: {exc}") from None
    except ValueError as exc:  # an integer longer than Python converts (sys.int_info)
        raise InvalidJsonError(f"input has a number vic does not read: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidJsonError(f"expected a JSON object, got {type(value).__name__}")
    check_depth(value, max_depth, max_values)
    if raw_surrogate or _SURROGATE_ESCAPE.search(text):
        _check_text(value)  # an unpaired surrogate comes from an escape, or was in the str given
    return value


def is_int(value: object) -> TypeGuard[int]:
    """Whether a parsed JSON value is an integer (``True`` and ``False`` are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_depth(value: Any, max_depth: int = MAX_DEPTH, max_values: int | None = None) -> None:
    """Raise :class:`NestingTooDeepError` if ``value`` nests deeper than ``max_depth``, and
    :class:`InputTooLargeError` if it holds more than ``max_values`` values (when given)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    values = 1  # counted as they are found, before they are pushed
    while stack:
        item, depth = stack.pop()
        if isinstance(item, _CONTAINERS):
            if depth >= max_depth and item:
                raise NestingTooDeepError(
                    f"input nests deeper than {max_depth} levels", limit=max_depth
                )
            values += len(item)
            if max_values is not None and values > max_values:
                raise InputTooLargeError(
                    f"input holds more than {max_values} JSON values", limit=max_values
                )
            for child in item.values() if isinstance(item, dict) else item:
                if type(child) not in _SCALARS and isinstance(child, _CONTAINERS):
                    stack.append((child, depth + 1))


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value: new dicts and lists, the (immutable) scalars shared, anything
    else through :func:`copy.deepcopy`. Equal to ``copy.deepcopy(value)``; unlike it, an object
    reached twice is copied twice (JSON has no shared values). Call :func:`check_depth` first:
    it recurses once per level."""
    kind = type(value)
    if kind is dict:
        return {
            key: item if type(item) in _SCALARS else copy_json(item) for key, item in value.items()
        }
    if kind is list:
        return [item if type(item) in _SCALARS else copy_json(item) for item in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


_CONTAINERS: Final = (dict, list)
_SCALARS: Final = frozenset({str, int, float, bool, type(None)})
"""The types of JSON's scalar values: a quick way past most values of a walk."""


def _separators(data: bytes | str) -> int:
    if isinstance(data, bytes):
        return data.count(b",") + data.count(b"[") + data.count(b"{")
    return data.count(",") + data.count("[") + data.count("{")


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


def _bounded_int(text: str) -> int:
    number = int(text)
    if len(text) > 15 and not -MAX_INTEGER <= number <= MAX_INTEGER:
        raise InvalidJsonError(
            f"the integer {text[:40]}{'...' if len(text) > 40 else ''} is out of range "
            f"(beyond ±{MAX_INTEGER})",
            code="INVALID_JSON",
        )
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
