"""Untrusted JSON: caps first, and nothing Python would choke on later gets through."""

from __future__ import annotations

import pytest

from vic.contexts.errors import InputTooLargeError, InvalidJsonError, NestingTooDeepError
from vic.vc.jsonio import parse_json_object


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"a": 1e999}', "INVALID_JSON"),
        ('{"a": -1e999}', "INVALID_JSON"),
        ('{"a": ' + "9" * 5000 + "}", "INVALID_JSON"),
        ('{"a": NaN}', "INVALID_JSON"),
        ('{"a": "\\ud800"}', "INVALID_JSON"),
        ('{"\\udc00": 1}', "INVALID_JSON"),
        ('{"a": 1, "a": 2}', "DUPLICATE_KEY"),
        ("[]", "INVALID_JSON"),
        ("{", "INVALID_JSON"),
    ],
    ids=["inf", "-inf", "huge-int", "nan", "lone-high", "lone-low-key", "dup", "array", "cut"],
)
def test_refused(text: str, code: str) -> None:
    with pytest.raises(InvalidJsonError) as info:
        parse_json_object(text)
    assert info.value.code == code


def test_paired_surrogates_and_big_but_readable_numbers_pass() -> None:
    assert parse_json_object('{"a": "\\ud83d\\ude00", "n": 1e300}') == {"a": "😀", "n": 1e300}


def test_caps() -> None:
    with pytest.raises(InputTooLargeError):
        parse_json_object(b'{"a": "' + b"x" * 100 + b'"}', max_bytes=50)
    with pytest.raises(NestingTooDeepError):
        parse_json_object('{"a": ' * 40 + "1" + "}" * 40)
    with pytest.raises(InvalidJsonError):
        parse_json_object(b'{"a": "\xff"}')
