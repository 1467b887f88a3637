"""vc/markpass's short cuts give what the checks they stand for give (issue 12, afterproof).

The shapes read by one ``bytes.translate`` (a UTC dateTime, a urn:uuid), the printable-ASCII
test that stands for ``[^\\s]+`` (the issuer, the terse base URL), the month end read in UTC, the
subject plan made from the schema and the VIN check digit from translated bytes, each compared
with the regular expression or function it replaces.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vic.vc.mark import _DATETIME_Z, _URI, _UUID_URN
from vic.vc.markpass import (
    _is_mark_id,
    _is_terse_status,
    _is_utc_month_end,
    _plain,
    _subject,
    _subject_by_predicates,
    _subject_plan,
    _utc_seconds,
)
from vic.vc.marktypes import _URL, TERSE_STATUS_TYPE, _is_month_end
from vic.vc.vin import _TRANSLITERATION, _WEIGHTS, _check_digit

_TEXT = st.text(
    alphabet=st.sampled_from(list("0123456789abcdefxzTZ:-/.?# \t\n\x0b\x1c\x85\xa0\u3000é٣"))
)


def _around(template: str) -> st.SearchStrategy[str]:
    """The template with characters replaced, dropped or added."""
    return st.one_of(
        _TEXT,
        st.builds(
            lambda i, c: template[:i] + c + template[i + 1 :],
            st.integers(0, len(template)),
            st.sampled_from(list("09afAFxX-:TZ \n٣\x00g")),
        ),
        st.builds(lambda t: template + t, _TEXT),
        st.builds(lambda i: template[:i], st.integers(0, len(template))),
    )


@given(_around("2026-11-25T08:00:00Z"))
def test_the_utc_shape_is_the_pattern(text: str) -> None:
    if _DATETIME_Z.fullmatch(text):
        try:
            expected: datetime | None = datetime.fromisoformat(text)
        except ValueError:
            expected = None
    else:
        expected = None
    assert _utc_seconds(text) == expected


@given(_around("urn:uuid:2f9c6b1e-8a43-4c55-9d0e-00000001e240"))
def test_the_uuid_shape_is_the_pattern(text: str) -> None:
    if text.startswith("urn:uuid:"):
        assert _is_mark_id(text) == (_UUID_URN.fullmatch(text) is not None)


@given(_around("did:key:zDnaeVuZeVRqvscGkiEoR9PFFra2xZUMp97ZPuGFK1VLU7iYN"))
def test_a_plain_text_after_a_scheme_is_a_uri(text: str) -> None:
    if text.startswith("did:") and _plain(text) and len(text) > 4:
        assert _URI.fullmatch(text)


@given(_around("https://jtgl.example.cn/status"))
def test_the_terse_base_is_read_as_the_pattern(base: str) -> None:
    status = {"type": TERSE_STATUS_TYPE, "terseStatusListBaseUrl": base, "terseStatusListIndex": 1}
    expected = _URL.fullmatch(base) is not None and not base.endswith("/")
    assert _is_terse_status(status) == expected


@given(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)).map(
        lambda moment: moment.replace(microsecond=0, tzinfo=UTC)
    )
)
def test_the_month_end_in_utc_is_the_month_end(moment: datetime) -> None:
    assert _is_utc_month_end(moment) == _is_month_end(moment)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2028, 2, 29, 15, 59, 59, tzinfo=UTC),
        datetime(2028, 2, 28, 15, 59, 59, tzinfo=UTC),
        datetime(2027, 2, 28, 15, 59, 59, tzinfo=UTC),
        datetime(2100, 2, 28, 15, 59, 59, tzinfo=UTC),
        datetime(2000, 2, 29, 15, 59, 59, tzinfo=UTC),
        datetime(2028, 11, 30, 15, 59, 59, tzinfo=UTC),
        datetime(2028, 11, 30, 16, 59, 59, tzinfo=UTC),
        datetime(2028, 12, 31, 15, 59, 59, tzinfo=UTC),
        datetime(9999, 12, 31, 15, 59, 59, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2028, 11, 30, 23, 59, 59, tzinfo=UTC) - timedelta(hours=8),
    ],
)
def test_the_month_end_at_the_edges(moment: datetime) -> None:
    assert _is_utc_month_end(moment) == _is_month_end(moment)


def test_the_schema_has_the_form_of_the_plan() -> None:
    assert _subject_plan() is not None


_VALID_SUBJECT = {
    "type": "Vehicle",
    "registrationNumber": "鄂L12345",
    "plateTypeCode": "02",
    "vehicleTypeCode": "K33",
    "vehicleIdentificationNumber": "LSVAU2A36N2183457",
    "inspectionBasis": "OnSite",
}
_VALUES: dict[str, list[object]] = {
    "type": ["Vehicle", "vehicle", "Vehicle\n", 1, None, ["Vehicle"]],
    "registrationNumber": ["鄂L12345", "鄂L12345\n", "粤Z1234港", "使123456", "鄂L1234", "", 12],
    "plateTypeCode": ["02", "01", "52", "99", "2", 2, None, ["02"], {"x": 1}],
    "vehicleTypeCode": ["K33", "X99", "K3", "k33", 33, ["K33"], {}],
    "vehicleIdentificationNumber": [
        "LSVAU2A36N2183457",
        "LSVAU2A37N2183457",
        "LSVAU2A36N2183457\n",
        "LSVAU2A36N218345",
        "LSVAU2A36N218345I",
        "lsvau2a36n2183457",
        17,
    ],
    "inspectionBasis": ["OnSite", "Exempt", "onsite", "", 1, ["OnSite"]],
}


@given(st.fixed_dictionaries({key: st.sampled_from(values) for key, values in _VALUES.items()}))
def test_the_subject_plan_is_the_predicates(subject: dict[str, object]) -> None:
    assert _subject(subject) == _subject_by_predicates(subject)


def test_the_subject_plan_accepts_the_valid_subject() -> None:
    made = _subject(dict(_VALID_SUBJECT))
    assert made is not None
    assert made == _subject_by_predicates(dict(_VALID_SUBJECT))


@given(st.text(alphabet=st.sampled_from(list(_TRANSLITERATION)), min_size=17, max_size=17))
def test_the_check_digit_is_the_weighted_sum(vin: str) -> None:
    remainder = sum(_TRANSLITERATION[c] * w for c, w in zip(vin, _WEIGHTS, strict=True)) % 11
    assert _check_digit(vin) == ("X" if remainder == 10 else str(remainder))
