"""The objects made by vic.vc.frozen.frozen are the ones their constructors make.

frozen() fills a frozen dataclass's __dict__ at once; it is sound only for classes without
__post_init__ or __slots__, given every field. Each object of these classes that a verification
makes is compared with the constructor's.
"""

from __future__ import annotations

import dataclasses
import pickle
from datetime import timedelta
from typing import Any

import pytest

from tests.authority import Authority, clock
from vic.vc.datamodel import CredentialInfo, check_credential
from vic.vc.frozen import frozen
from vic.vc.proofs import ProofResult, verify_proofs
from vic.vc.status import StatusEntry, StatusResult, check_status, parse_status_entries
from vic.verifier import StaticStatusLists, Status, verify_credential
from vic.verifier.result import Check, VerificationResult
from vic.verifier.status import verified_status_list
from vic.verifier.summary import LocalizedCode, MarkSummary

CLASSES = (
    Check,
    CredentialInfo,
    LocalizedCode,
    MarkSummary,
    ProofResult,
    StatusEntry,
    StatusResult,
    VerificationResult,
)


@pytest.mark.parametrize("cls", CLASSES)
def test_the_classes_are_plain_frozen_dataclasses(cls: type) -> None:
    assert dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert not hasattr(cls, "__post_init__")
    assert "__slots__" not in vars(cls)
    assert all(f.init for f in dataclasses.fields(cls))


def _same_as_constructed(value: Any) -> None:
    names = {f.name for f in dataclasses.fields(value)}
    assert set(vars(value)) == names  # every field given, nothing else
    again = type(value)(**{name: getattr(value, name) for name in names})
    assert again == value
    assert hash(again) == hash(value) if _hashable(value) else True
    assert repr(again) == repr(value)
    assert repr(pickle.loads(pickle.dumps(value))) == repr(value)  # (errors compare by identity)
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.index = 1  # frozen as ever


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


@pytest.mark.parametrize("revoked", [False, True])
def test_every_object_of_a_verification(revoked: bool) -> None:
    authority = Authority()
    mark = authority.mark()
    lists = StaticStatusLists(authority.status_lists(mark, revoked=revoked))
    result = verify_credential(mark, trust=authority.trust(), clock=clock, status_source=lists)
    assert result.status is (Status.REVOKED if revoked else Status.VALID)
    assert result.summary is not None
    made: list[Any] = [result, *result.checks, result.summary]
    made += [result.summary.plate_type, result.summary.vehicle_type]
    made.append(check_credential(mark))
    made += verify_proofs(mark, resolver=authority.trust().resolver(), clock=clock).proofs
    entries = parse_status_entries(mark)
    made += entries
    for entry in entries:
        fetched = lists.get(entry.list_credential)
        assert fetched is not None
        decoded = verified_status_list(
            fetched,
            issuer=authority.did,
            resolver=authority.trust().resolver(),
            loader=None,
            clock=clock,
            skew=timedelta(0),
        )
        made.append(check_status(entry, decoded, now=clock()))
    assert {type(v) for v in made} == set(CLASSES)
    for value in made:
        _same_as_constructed(value)


def test_frozen_makes_an_equal_object() -> None:
    made = frozen(LocalizedCode, code="K33", zh="轿车", en="car")
    assert made == LocalizedCode("K33", "轿车", "car")
    _same_as_constructed(made)
