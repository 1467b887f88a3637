"""The subject's fast schema check agrees with the JSON Schema validator on every input.

check_mark runs the validator only when the compiled predicates do not accept the subject; this
is sound only if the predicates never accept what the validator rejects (and, for speed, accept
what it accepts).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.mark.strategies import vehicle_subjects
from vic.vc.marksubject import _subject_predicates, _subject_surely_valid, _subject_validator

_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 100),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
    st.sampled_from(
        ["Vehicle\n", "vehicle", "02\n", "K33 ", "鄂L12345\n", "LSVAU2A36N218345\n", "OnSite\n"]
    ),
)


@st.composite
def subjects(draw: st.DrawFn) -> dict[str, Any]:
    subject: dict[str, Any] = draw(vehicle_subjects()).to_json()
    for key in draw(st.sets(st.sampled_from(sorted(subject)), max_size=3)):
        subject[key] = draw(_JUNK)
    return subject


@settings(max_examples=400, deadline=None)
@given(subjects())
def test_fast_check_agrees_with_the_validator(subject: dict[str, Any]) -> None:
    valid = not list(_subject_validator().iter_errors(subject))
    assert _subject_surely_valid(subject) is valid


def test_the_bundled_schema_compiles() -> None:
    predicates = _subject_predicates()
    assert predicates is not None
    assert set(predicates) == {
        "type",
        "registrationNumber",
        "plateTypeCode",
        "vehicleTypeCode",
        "vehicleIdentificationNumber",
        "inspectionBasis",
    }


def test_a_trailing_newline_is_judged_as_the_validator_does() -> None:
    # the schema's patterns end in $, which Python lets match before a final newline
    subject = {
        "type": "Vehicle",
        "registrationNumber": "鄂L12345\n",
        "plateTypeCode": "02",
        "vehicleTypeCode": "K33",
        "vehicleIdentificationNumber": "LSVAU2A36N2183457",
        "inspectionBasis": "OnSite",
    }
    assert _subject_surely_valid(subject) is not bool(
        list(_subject_validator().iter_errors(subject))
    )
