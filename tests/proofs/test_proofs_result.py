"""The ProofsResult that verification makes (without its constructor) is the constructor's."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest

from tests.proofs.test_proof_errors import (
    ED25519,
    P256,
    fixed_clock,
    mark,
    sign,
    signed_mark,
    verify,
)
from vic.did.key import did_key
from vic.did.resolver import DidResolver
from vic.vc.proofs import ProofsResult, verify_proofs_of_allowed_contexts


def _same_as_constructed(result: ProofsResult) -> None:
    assert set(vars(result)) == {f.name for f in dataclasses.fields(result)}
    again = ProofsResult(proofs=result.proofs, error=result.error)
    assert again == result
    assert again.errors == result.errors
    assert all(a is b for a, b in zip(again.errors, result.errors, strict=True))
    assert type(result.errors) is tuple
    assert again.verified is result.verified
    assert repr(again) == repr(result)
    assert repr(pickle.loads(pickle.dumps(result))) == repr(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.errors = ()  # type: ignore[misc]


def _proof_set(bad: tuple[int, ...]) -> dict[str, Any]:
    both = sign(sign(mark(did_key(P256.public_key)), P256), ED25519, "eddsa-rdfc-2022")
    for index in bad:
        both["proof"][index]["created"] = "2020-01-01T00:00:00Z"
    return both


@pytest.mark.parametrize("bad", [(), (0,), (1,), (0, 1)])
def test_a_proof_set(bad: tuple[int, ...]) -> None:
    document = _proof_set(bad)
    result = verify(document)
    assert [p.verified for p in result.proofs] == [i not in bad for i in range(2)]
    _same_as_constructed(result)


def test_one_proof_good_and_bad() -> None:
    document = signed_mark()
    _same_as_constructed(verify(document))
    document["proof"]["proofPurpose"] = "authentication"
    result = verify(document)
    assert [e.code for e in result.errors] == ["PROOF_PURPOSE_MISMATCH"]
    _same_as_constructed(result)


def test_the_verifiers_call_too() -> None:
    result = verify_proofs_of_allowed_contexts(
        signed_mark(), resolver=DidResolver(), clock=fixed_clock()
    )
    assert result.verified
    _same_as_constructed(result)


def test_a_document_level_failure_keeps_its_constructor() -> None:
    result = verify({**mark(did_key(P256.public_key)), "proof": "not an object"})
    assert result.error is not None
    assert result.errors == (result.error,)
