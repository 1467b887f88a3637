"""The issuer's stored JSON (marks, audit details) written by encoders made once: the same text
as the json.dumps calls they replace, for every JSON value and the audit details' datetimes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.issuer.helpers import OFFICE
from vic.issuer.records import audit_rows, dumps

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=30,
)


@given(_JSON)
def test_stored_text_is_json_dumps(value: Any) -> None:
    assert dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@given(st.dictionaries(st.text(max_size=5), _JSON | st.datetimes(timezones=st.just(UTC))))
def test_audit_detail_is_json_dumps(detail: dict[str, Any]) -> None:
    (row,) = audit_rows(OFFICE, datetime(2026, 1, 1, tzinfo=UTC), [("a", "t", detail)])
    assert row["detail"] == json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)


def test_what_json_cannot_write_is_refused_alike() -> None:
    with pytest.raises(TypeError):
        dumps({"a": {1, 2}})
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular"):
        dumps(looped)
