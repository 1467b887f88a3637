"""vc.marktemplate (the per-structure templates) against the tree builder and plain pyld.

tests/canonicalization/test_compiled.py's ``compiled`` helper already compares the templates with
the tree builder on every document it sees (published vectors, random marks, declined documents);
here: documents in other key orders and with every order of the blank nodes, value declines with
a template already kept, structures the table does not understand, and the cache's bound.
"""

from __future__ import annotations

import copy
import random
from collections import UserDict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.canonicalization.helpers import LOADER, SAMPLE_SUBJECT, mark, proof_config, reference
from tests.canonicalization.test_compiled import CONFIG_MUTATIONS, MUTATIONS, compiled
from tests.canonicalization.test_differential import _DATES, random_marks
from vic.contexts.errors import VicError
from vic.vc import marktemplate
from vic.vc.jsonld import canonical_bytes, canonicalize
from vic.vc.markcanon import compiled_nquads
from vic.vc.marktemplate import MAX_TEMPLATES, template_nquads


@pytest.fixture(autouse=True)
def _fresh_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(marktemplate, "_templates", marktemplate._Templates())


def _sample() -> dict[str, Any]:
    return mark(dict(SAMPLE_SUBJECT))


def _shuffled(value: Any, rng: random.Random) -> Any:
    if type(value) is dict:
        items = list(value.items())
        rng.shuffle(items)
        return {key: _shuffled(item, rng) for key, item in items}
    return value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_marks(), _DATES, st.randoms(use_true_random=False), st.booleans())
def test_any_key_order_gives_the_same_text(
    document: dict[str, Any], created: str, rng: random.Random, types_reversed: bool
) -> None:
    marktemplate._templates.clear()  # (this test's own, by the fixture)
    if types_reversed:
        document["type"].reverse()
    config = proof_config(document, created)
    for doc in (document, config):
        expected = reference(doc)
        assert compiled(doc) == expected
        for _ in range(3):
            shuffled = _shuffled(copy.deepcopy(doc), rng)
            result = template_nquads(shuffled, LOADER)
            assert result is not None
            assert result.nquads.decode() == expected
    # one template per structure, whatever the key order
    assert len(marktemplate._templates.by_structure) == 2


def test_every_order_of_three_blank_nodes() -> None:
    """A mark without id has three blank nodes; values decide their order (of 3! = 6)."""
    orders: set[Any] = set()
    rng = random.Random(7)
    for attempt in range(400):
        document = _sample()
        del document["id"]
        document["credentialSubject"]["registrationNumber"] = f"鄂L{rng.randrange(10**5):05d}"
        document["credentialStatus"]["terseStatusListIndex"] = rng.randrange(2**20)
        document["validFrom"] = f"2026-11-{1 + attempt % 28:02d}T00:00:00Z"
        result = template_nquads(document, LOADER)
        assert result is not None
        if result.shape[1] not in orders:
            orders.add(result.shape[1])
            assert result.nquads.decode() == reference(document)
            assert result[:4] == compiled_nquads(document, LOADER)[:4]  # type: ignore[index]
        if len(orders) == 6:
            break
    assert len(orders) == 6


@pytest.mark.parametrize("algorithm", ["sha256", "sha384"])
def test_both_internal_hashes(algorithm: str) -> None:
    for document in (_sample(), proof_config(_sample())):
        result = template_nquads(document, LOADER, algorithm)
        assert result is not None
        assert result.nquads.decode() == canonicalize(document, hash_algorithm=algorithm)


@pytest.mark.parametrize("name", list(MUTATIONS) + [f"config: {n}" for n in CONFIG_MUTATIONS])
def test_value_declines_with_a_template_kept(name: str) -> None:
    """The mutated document's structure may be the sample's: its values are still checked."""
    sample = _sample()
    assert template_nquads(sample, LOADER) is not None
    assert template_nquads(proof_config(sample), LOADER) is not None
    if name.startswith("config: "):
        document = CONFIG_MUTATIONS[name.removeprefix("config: ")]
    else:
        document = MUTATIONS[name]
    assert template_nquads(document, LOADER) is None
    assert compiled_nquads(document, LOADER) is None


def _structural() -> dict[str, Any]:
    out: dict[str, Any] = {}

    def variant(name: str, change: Any) -> None:
        document = _sample()
        change(document)
        out[name] = document

    variant("subject is null", lambda d: d.update(credentialSubject=None))
    variant("status is a string", lambda d: d.update(credentialStatus="https://e.x/s"))
    variant("status is a list", lambda d: d.update(credentialStatus=[d["credentialStatus"]]))
    variant("subject is a UserDict", lambda d: d.update(credentialSubject=UserDict(SAMPLE_SUBJECT)))
    variant("type is null", lambda d: d.update(type=None))
    variant("type is an object", lambda d: d.update(type={"a": 1}))
    variant("subject type list of lists", lambda d: d["credentialSubject"].update(type=[["a"]]))
    variant("status type repeated", lambda d: d["credentialStatus"].update(type=["T", "T"]))
    variant("a node in the subject", lambda d: d["credentialSubject"].update(credentialStatus={}))
    variant("a node in the status", lambda d: d["credentialStatus"].update(credentialSubject={}))
    variant("subject with an id", lambda d: d["credentialSubject"].update(id="urn:x:1"))
    variant("status with an id", lambda d: d["credentialStatus"].update(id="urn:x:1"))
    variant("context in the subject", lambda d: d["credentialSubject"].update({"@context": []}))
    variant("integer key", lambda d: d["credentialSubject"].update({1: "x"}))
    variant("proof config type list", lambda d: d.update(type=["DataIntegrityProof"]))
    return out


STRUCTURAL = _structural()


@pytest.mark.parametrize("name", list(STRUCTURAL))
def test_structures_the_table_does_not_understand_are_declined(name: str) -> None:
    document = STRUCTURAL[name]
    assert template_nquads(_sample(), LOADER) is not None
    for _ in range(2):
        assert template_nquads(document, LOADER) is None
        assert compiled_nquads(document, LOADER) is None
    assert len(marktemplate._templates.by_structure) == 1  # nothing kept for them


def test_a_top_level_mapping_that_is_not_a_dict_is_declined() -> None:
    assert template_nquads(UserDict(_sample()), LOADER) is None


def test_the_templates_are_bounded() -> None:
    kept = marktemplate._templates.by_structure
    for number in range(MAX_TEMPLATES):
        kept[("filler", number)] = marktemplate._Template()
    document = _sample()
    result = template_nquads(document, LOADER)
    assert result is not None
    assert result.nquads.decode() == reference(document)
    assert len(kept) == MAX_TEMPLATES


@pytest.mark.parametrize("name", ["sample", "config", "no id", *list(MUTATIONS)])
def test_canonical_bytes_are_the_canonical_text_in_utf8(name: str) -> None:
    """What the cryptosuites hash: compiled (bytes written directly) or general (encoded); the
    same error for a refused document."""
    document = {
        "sample": _sample(),
        "config": proof_config(_sample()),
        "no id": {k: v for k, v in _sample().items() if k != "id"},
    }.get(name) or MUTATIONS[name]
    for _ in range(2):  # the first of its shape is compared with the general path, then not
        expected = _code(lambda: canonicalize(document, LOADER).encode("utf-8"))
        if name in ("sample", "config", "no id"):
            assert expected == reference(document).encode("utf-8")
        got = _code(lambda: canonical_bytes(document, LOADER))
        assert got == expected


def _code(run: Any) -> Any:
    """The result, or the stable code of the vic error it raised."""
    try:
        return run()
    except VicError as exc:
        return exc.code
