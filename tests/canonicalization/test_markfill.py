"""vc.markfill (a template compiled to one function) against the tree builder and plain pyld.

tests/canonicalization/test_compiled.py's ``compiled`` helper runs every document it sees through
a fresh template and its filler; here: every value slot of the mark and of its proof
configuration given values that need N-Quads escaping or are otherwise unusual (each filled by
the filler of the sample's structure, kept and tried first), and documents of other structures
tried against the filler kept for another (its guard must send them to their own template).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.canonicalization.helpers import LOADER, SAMPLE_SUBJECT, mark, proof_config, reference
from vic.vc import markfill, marktemplate
from vic.vc.markcanon import compiled_nquads, iri_pattern
from vic.vc.marktemplate import template_nquads


@pytest.fixture(autouse=True)
def _fresh_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(marktemplate, "_templates", marktemplate._Templates())


def _sample() -> dict[str, Any]:
    return mark(dict(SAMPLE_SUBJECT))


def _same_as_the_tree(document: Any, *, pyld: bool = False) -> None:
    """The kept filler's answer is the tree builder's (text and counts, or the decline)."""
    got = template_nquads(document, LOADER)
    tree = compiled_nquads(document, LOADER)
    assert (None if got is None else got[:4]) == (None if tree is None else tree[:4])
    if pyld and got is not None:
        assert got.nquads.decode() == reference(document)


UNUSUAL_STRINGS = [
    "",
    " ",
    "a b",
    'a"b',
    '"',
    "a\\b",
    "\\",
    "a\nb",
    "a\rb",
    "a\tb",
    "\x00",
    "\x7f",
    "\u0085",
    "\u00a0",
    "\u2028",
    "\u200b",
    "\ufeff",
    "\ud800",
    "é",
    "鄂L12345",
    "😀",
    "e\u0301",
    "<https://e.x/>",
    "_:b0",
    " .\n",
    "x" * 2000,
]
UNUSUAL_VALUES: list[Any] = [
    *UNUSUAL_STRINGS,
    None,
    True,
    0,
    -1,
    1.5,
    2**53,
    2**53 - 1,
    [],
    ["a"],
    {},
    {"@value": "a"},
]
UNUSUAL_IRIS = [
    "https://e.x/a b",
    'https://e.x/a"b',
    "https://e.x/<a>",
    "https://e.x/é",
    "https://e.x/\\",
    "https://e.x/a\n",
    "https://e.x/{a}",
    "urn:x",
    "did:key:z6Mk",
    "http://e.x",
    "https://",
    "ftp://e.x/",
    "HTTPS://e.x/",
    "urn:x urn:y",
    "",
]

_MARK_SLOTS: list[tuple[str | None, str]] = [
    (None, "id"),
    (None, "issuer"),
    (None, "validFrom"),
    (None, "validUntil"),
    ("credentialSubject", "registrationNumber"),
    ("credentialSubject", "plateTypeCode"),
    ("credentialSubject", "vehicleTypeCode"),
    ("credentialSubject", "vehicleIdentificationNumber"),
    ("credentialSubject", "inspectionBasis"),
    ("credentialStatus", "terseStatusListBaseUrl"),
    ("credentialStatus", "terseStatusListIndex"),
]
_CONFIG_SLOTS = ["cryptosuite", "created", "verificationMethod", "proofPurpose"]


def _with(container: str | None, key: str, value: Any) -> dict[str, Any]:
    document = _sample()
    (document if container is None else document[container])[key] = value
    return document


def _config_with(key: str, value: Any) -> dict[str, Any]:
    document = proof_config(_sample())
    document[key] = value
    return document


@pytest.mark.parametrize(("container", "key"), _MARK_SLOTS)
def test_every_mark_slot_with_unusual_values(container: str | None, key: str) -> None:
    assert template_nquads(_sample(), LOADER) is not None  # the sample's filler, kept
    for value in [*UNUSUAL_VALUES, *UNUSUAL_IRIS]:
        _same_as_the_tree(_with(container, key, value))
    # the two structures, still one template
    assert len(marktemplate._templates.by_structure) == 1


@pytest.mark.parametrize("key", _CONFIG_SLOTS)
def test_every_config_slot_with_unusual_values(key: str) -> None:
    assert template_nquads(proof_config(_sample()), LOADER) is not None
    for value in [*UNUSUAL_VALUES, *UNUSUAL_IRIS]:
        _same_as_the_tree(_config_with(key, value))
    assert len(marktemplate._templates.by_structure) == 1


@pytest.mark.parametrize("value", ["a b", "é", "鄂L12345", "😀", "e\u0301", "\u00a0x", ""])
def test_accepted_unusual_strings_are_pyld_exact(value: str) -> None:
    assert template_nquads(_sample(), LOADER) is not None
    for container, key in _MARK_SLOTS:
        document = _with(container, key, value)
        _same_as_the_tree(document, pyld=True)


_OTHER_STRUCTURES: dict[str, Callable[[dict[str, Any]], None]] = {
    "a key swapped for another (same count)": lambda d: (d.pop("validUntil"), d.update(x=1)),
    "subject key swapped (same count)": lambda d: (
        d["credentialSubject"].pop("plateTypeCode"),
        d["credentialSubject"].update(colour="red"),
    ),
    "status key swapped (same count)": lambda d: (
        d["credentialStatus"].pop("terseStatusListIndex"),
        d["credentialStatus"].update(id="urn:x:1"),
    ),
    "no id": lambda d: d.pop("id"),
    "no validUntil": lambda d: d.pop("validUntil"),
    "no status": lambda d: d.pop("credentialStatus"),
    "types reversed": lambda d: d["type"].reverse(),
    "one type": lambda d: d.update(type=["VerifiableCredential"]),
    "type a string": lambda d: d.update(type="VerifiableCredential"),
    "type a tuple": lambda d: d.update(type=tuple(d["type"])),
    "subject type a list": lambda d: d["credentialSubject"].update(type=["Vehicle"]),
    "subject type unknown": lambda d: d["credentialSubject"].update(type="Car"),
    "status type a list": lambda d: d["credentialStatus"].update(
        type=["TerseBitstringStatusListEntry"]
    ),
    "subject a list": lambda d: d.update(credentialSubject=[d["credentialSubject"]]),
    "subject a string": lambda d: d.update(credentialSubject="x" * 6),
    "subject missing its type": lambda d: d["credentialSubject"].pop("type"),
    "status without type (same count)": lambda d: (
        d["credentialStatus"].pop("type"),
        d["credentialStatus"].update(x=1),
    ),
    "subject and status swapped": lambda d: d.update(
        credentialSubject=d["credentialStatus"], credentialStatus=d["credentialSubject"]
    ),
}


@pytest.mark.parametrize("name", list(_OTHER_STRUCTURES))
def test_other_structures_are_not_filled_by_the_kept_filler(name: str) -> None:
    sample = _sample()
    assert template_nquads(sample, LOADER) is not None
    document = _sample()
    _OTHER_STRUCTURES[name](document)
    for _ in range(2):  # its own template (or the builder's decline), then that one kept
        _same_as_the_tree(document, pyld=True)
        _same_as_the_tree(sample)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(_MARK_SLOTS), st.sampled_from([*UNUSUAL_VALUES, *UNUSUAL_IRIS])),
        max_size=3,
    ),
    st.lists(st.sampled_from(list(_OTHER_STRUCTURES)), max_size=2),
)
def test_mixed_changes(
    values: list[tuple[tuple[str | None, str], Any]], structures: list[str]
) -> None:
    marktemplate._templates.clear()
    assert template_nquads(_sample(), LOADER) is not None
    document = _sample()
    for name in structures:
        with contextlib.suppress(AttributeError, KeyError, TypeError):
            _OTHER_STRUCTURES[name](document)  # (unless it no longer applies)
    for (container, key), value in values:
        target = document if container is None else document.get(container)
        if type(target) is dict:
            target[key] = copy.deepcopy(value)
    _same_as_the_tree(document)


def test_the_iri_pattern_is_the_builders() -> None:
    assert iri_pattern == markfill._IRI_BODY + r"\Z"


def test_a_template_keeps_no_value() -> None:
    """The guards copy the structure's type names: changing the document that built a template
    does not change what the template accepts."""
    document = _sample()
    assert template_nquads(document, LOADER) is not None
    document["type"].reverse()
    document["type"].append("x")
    _same_as_the_tree(_sample(), pyld=True)
