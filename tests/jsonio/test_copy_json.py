"""vic.vc.jsonio.copy_json against copy.deepcopy: equal copies, nothing shared but immutable
scalars, anything not JSON deep-copied as deepcopy copies it."""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from vic.vc.jsonio import copy_json

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=30,
)


def _containers(value: Any) -> list[Any]:
    found = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict | list):
            found.append(item)
            stack.extend(item.values() if isinstance(item, dict) else item)
    return found


@given(_JSON)
def test_a_copy_equals_deepcopys_and_shares_no_container(value: Any) -> None:
    copied = copy_json(value)
    assert copied == copy.deepcopy(value)
    assert json.dumps(copied) == json.dumps(value)
    originals = {id(item) for item in _containers(value)}
    assert not any(id(item) in originals for item in _containers(copied))


def test_changing_the_copy_leaves_the_original() -> None:
    original = {"a": [1, {"b": "c"}], "d": {"e": [2, 3]}}
    copied = copy_json(original)
    copied["a"][1]["b"] = "x"
    copied["d"]["e"].append(4)
    assert original == {"a": [1, {"b": "c"}], "d": {"e": [2, 3]}}


def test_what_is_not_json_is_deep_copied() -> None:
    inner = [1, 2]
    odd = {"t": (inner,), "o": OrderedDict(k=[3]), "s": {5}}
    copied = copy_json(odd)
    assert copied == odd
    assert copied["t"][0] is not inner
    assert type(copied["o"]) is OrderedDict
    assert copied["o"]["k"] is not odd["o"]["k"]
    assert copied["s"] is not odd["s"]


def test_a_value_reached_twice_is_copied_twice() -> None:
    shared = ["x"]
    copied = copy_json({"a": shared, "b": shared})
    assert copied == {"a": ["x"], "b": ["x"]}
    assert copied["a"] is not copied["b"]
