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


# --- issue 8: numbers pyld cannot take, value caps, encodings ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1' + "0" * 308 + "}",  # 309 digits: pyld raised OverflowError
        '{"a": -1' + "0" * 308 + "}",
        '{"a": 9007199254740992}',  # 2^53
        '{"a": [1, 2, -9007199254740992]}',
    ],
    ids=["309-digits", "-309-digits", "2^53", "-2^53-in-array"],
)
def test_integers_beyond_2_53_are_refused(text: str) -> None:
    with pytest.raises(InvalidJsonError) as info:
        parse_json_object(text)
    assert info.value.code == "INVALID_JSON"
    assert "out of range" in info.value.message


def test_integers_up_to_2_53_minus_1_pass() -> None:
    limit = 9007199254740991
    assert parse_json_object(f'{{"a": {limit}, "b": -{limit}, "c": 0}}') == {
        "a": limit,
        "b": -limit,
        "c": 0,
    }


def test_value_cap() -> None:
    with pytest.raises(InputTooLargeError) as info:
        parse_json_object('{"a": [' + ",".join(['"x"'] * 11) + "]}", max_values=10)
    assert info.value.code == "INPUT_TOO_LARGE"
    # the object, the array and eight strings: ten values
    assert parse_json_object('{"a": [' + ",".join(['"x"'] * 8) + "]}", max_values=10)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [' + ",".join(["[]"] * 60_000) + "]}",
        '{"a": [' + ",".join(["0"] * 60_000) + "]}",
        '{"a": {' + ",".join(f'"{i}": 0' for i in range(60_000)) + "}}",
    ],
    ids=["arrays", "zeros", "keys"],
)
def test_a_megabyte_of_tiny_values_is_refused(text: str) -> None:
    with pytest.raises(InputTooLargeError) as info:
        parse_json_object(text)
    assert info.value.code == "INPUT_TOO_LARGE"


def test_a_long_string_of_separators_is_one_value_under_a_lifted_cap() -> None:
    text = '{"a": "' + "," * 200_000 + '"}'
    with pytest.raises(InputTooLargeError):
        parse_json_object(text)  # the cheap bound counts the commas in the string
    assert parse_json_object(text, max_values=None) == {"a": "," * 200_000}


@pytest.mark.parametrize(
    "data",
    [
        '{"a": "x"}'.encode("utf-16"),
        '{"a": "x"}'.encode("utf-32-le"),
        b'{"a": "\xed\xa0\x80"}',  # an encoded surrogate (CESU-8), which json.loads passes
    ],
    ids=["utf-16", "utf-32", "cesu-surrogate"],
)
def test_bytes_must_be_utf8(data: bytes) -> None:
    with pytest.raises(InvalidJsonError) as info:
        parse_json_object(data)
    assert info.value.code == "INVALID_JSON"


def test_a_str_holding_a_lone_surrogate_is_refused_not_crashed() -> None:
    with pytest.raises(InvalidJsonError) as info:
        parse_json_object('{"a": "\ud800"}')
    assert info.value.code == "INVALID_JSON"


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    assert parse_json_object(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
