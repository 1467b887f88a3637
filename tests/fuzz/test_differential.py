"""The differential fuzz targets see what they are for: the CBOR-LD seeds take decode plans, the
mark seeds the compiled path, and a fast path that answered differently would be a finding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz import targets
from tests.fuzz.targets import Difference
from vic.vc import base45
from vic.vc.cborld import DEFAULT_LIMITS, converter, decodeplan
from vic.vc.markcanon import compiled_quads

CORPUS = Path(__file__).parent / "corpus"


def _seeds(target: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted((CORPUS / target).glob("seed-*"))]


def test_every_cborld_seed_takes_a_decode_plan() -> None:
    targets._learn_plans()
    for seed in _seeds("cborld_plans"):
        planned = decodeplan.decode_planned(
            seed[1:], targets.registry(), converter._default_loader, DEFAULT_LIMITS
        )
        assert planned is not None
        targets.cborld_plans(seed)


def test_the_plans_are_learned_again_after_the_table_is_emptied() -> None:
    targets._learn_plans()
    decodeplan.reset()
    assert targets.run_one(targets.cborld, b"") is not None  # refused, the seeds' plans back first
    assert decodeplan.plan_count() >= len(_seeds("cborld_plans")) // 2


def test_every_mark_seed_takes_the_compiled_path() -> None:
    for seed in _seeds("mark_canon"):
        assert compiled_quads(json.loads(seed[1:])) is not None
        targets.mark_canon(seed)


def test_a_plan_that_answered_differently_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    seed = _seeds("cborld_plans")[0]
    real = decodeplan.decode_planned

    def wrong(*args: Any) -> Any:
        document = real(*args)
        return None if document is None else {**document, "id": "urn:wrong"}

    monkeypatch.setattr(decodeplan, "decode_planned", wrong)
    with pytest.raises(Difference):
        targets.cborld_plans(seed)


def test_a_base45_fast_path_that_answered_differently_is_a_finding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(base45, "_decode_groups", lambda values: b"\x00")
    with pytest.raises(Difference):
        targets.codecs(_seeds("codecs")[0])
