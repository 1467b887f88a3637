"""Strict base45 (RFC 9285): the RFC's examples, rejections and round trips."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vic.contexts.errors import InputTooLargeError, ParsingError, VicError
from vic.vc import base45

RFC_EXAMPLES = [
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
    (b"", ""),
]


@pytest.mark.parametrize(("raw", "text"), RFC_EXAMPLES)
def test_rfc9285_examples(raw: bytes, text: str) -> None:
    assert base45.encode(raw) == text
    assert base45.decode(text) == raw


def test_alphabet_is_the_qr_alphanumeric_set() -> None:
    assert len(base45.ALPHABET) == 45
    assert len(set(base45.ALPHABET)) == 45
    assert base45.encode(bytes([0xFF, 0xFF])) == "FGW"  # 65535 = 15 + 36*45 + 32*2025
    assert base45.decode("FGW") == b"\xff\xff"
    assert base45.decode("U5") == b"\xff"  # 255 = 30 + 5*45


@pytest.mark.parametrize(
    "text",
    [
        "GGW",  # 16 + 16*45 + 32*2025 = 65536
        ":::",  # 44 + 44*45 + 44*2025 = 91124
        "BB8GGW",  # the second group is out of range
        "V5",  # 31 + 5*45 = 256
        "::",  # 44 + 44*45 = 2024
        "A",  # dangling single character
        "BB8A",  # dangling after a full group
        "bb8",  # lower case is not the alphabet
        "BB8\n",
        "BB#",
        "BB8é",
        "\x00\x00",
    ],
)
def test_rejects_invalid_text(text: str) -> None:
    with pytest.raises(ParsingError) as info:
        base45.decode(text)
    assert info.value.code == "INVALID_BASE45"


def test_rejects_non_text() -> None:
    with pytest.raises(ParsingError) as info:
        base45.decode(b"BB8")  # type: ignore[arg-type]
    assert info.value.code == "INVALID_BASE45"


def test_caps_input_length() -> None:
    with pytest.raises(InputTooLargeError):
        base45.decode("0" * (base45.MAX_TEXT_LENGTH + 2))


@given(st.binary(max_size=600))
def test_round_trip(raw: bytes) -> None:
    text = base45.encode(raw)
    assert set(text) <= set(base45.ALPHABET)
    assert len(text) == (len(raw) // 2) * 3 + (len(raw) % 2) * 2
    assert base45.decode(text) == raw


@given(st.text(alphabet=base45.ALPHABET, max_size=300))
def test_decode_is_canonical_when_it_succeeds(text: str) -> None:
    # every accepted text is the unique encoding of what it decodes to
    codes: list[str] = []
    raw = b""
    try:
        raw = base45.decode(text)
    except ParsingError as exc:
        codes.append(exc.code)
    if codes:
        assert codes == ["INVALID_BASE45"]
    else:
        assert base45.encode(raw) == text


@given(st.text(max_size=200))
def test_fuzz_only_vic_errors(text: str) -> None:
    codes: list[str] = []
    try:
        base45.decode(text)
    except VicError as exc:
        codes.append(exc.code)
    assert codes in ([], ["INVALID_BASE45"])


def _outcome(decode: Callable[[str], bytes], text: str) -> tuple[str, object]:
    try:
        return ("ok", decode(text))
    except VicError as exc:
        return ("error", (exc.code, exc.message, exc.detail))


_NEAR_ALPHABET = base45.ALPHABET + "a~\x00\u00e9\u9102"


@given(
    st.one_of(
        st.text(alphabet=base45.ALPHABET, max_size=300),
        st.text(alphabet=base45.ALPHABET[-12:], max_size=30),  # high values: groups out of range
        st.text(alphabet=_NEAR_ALPHABET, max_size=30),
        st.binary(max_size=300).map(base45.encode),
    )
)
def test_fast_decode_is_the_group_by_group_decode(text: str) -> None:
    # the big-integer decode gives the same bytes, or leaves the text to the slow decode's error
    assert _outcome(base45.decode, text) == _outcome(base45._decode_slowly, text)


@pytest.mark.parametrize("text", ["GGW", "GGW00", "00GGW", "0000GGW", "0:", "000:", "::"])
def test_out_of_range_groups_anywhere_are_refused(text: str) -> None:
    # GGW is 65,536 (the smallest three-character group out of range), ":" then ":" is 2,024
    with pytest.raises(ParsingError) as info:
        base45.decode(text)
    assert info.value.code == "INVALID_BASE45"
