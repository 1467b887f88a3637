"""verify_credential: every status of docs/cli.md, in its order, with its checks."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest

from tests.authority import NOW, Authority, clock
from vic.verifier.result import CheckName, Status
from vic.verifier.trust import TrustList
from vic.verifier.verify import StaticStatusLists, verify_credential


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


@pytest.fixture(scope="module")
def mark(authority: Authority) -> dict[str, Any]:
    return authority.mark()


def verify(
    authority: Authority, credential: Any, lists: list[dict[str, Any]] | None = None, **kw: Any
) -> Any:
    kw.setdefault("trust", authority.trust())
    kw.setdefault("clock", clock)
    return verify_credential(credential, status_source=StaticStatusLists(lists or []), **kw)


def test_valid_mark(authority: Authority, mark: dict[str, Any]) -> None:
    result = verify(authority, mark, authority.status_lists(mark))
    assert result.status is Status.VALID
    assert result.verified
    assert [c.name for c in result.checks] == [
        CheckName.PARSE,
        CheckName.DATA_MODEL,
        CheckName.MARK,
        CheckName.PROOF,
        CheckName.ISSUER_BINDING,
        CheckName.TRUST,
        CheckName.VALIDITY,
        CheckName.REVOCATION,
        CheckName.SUSPENSION,
    ]
    assert all(c.passed for c in result.checks)
    assert result.to_dict()["status"] == "VALID"


def test_json_text_and_bytes_are_accepted(authority: Authority, mark: dict[str, Any]) -> None:
    lists = authority.status_lists(mark)
    text = json.dumps(mark, ensure_ascii=False)
    assert verify(authority, text, lists).status is Status.VALID
    assert verify(authority, text.encode(), lists).status is Status.VALID


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"not json", "INVALID_JSON"),
        (b"[1, 2]", "INVALID_JSON"),
        (b'{"a": 1, "a": 2}', "DUPLICATE_KEY"),
        (b"[" * 100_000, "NESTING_TOO_DEEP"),
        (b'{"x": "' + b"a" * (2 << 20) + b'"}', "INPUT_TOO_LARGE"),
    ],
    ids=["text", "array", "duplicate-key", "deep", "large"],
)
def test_unparseable_input_is_malformed(authority: Authority, raw: bytes, code: str) -> None:
    result = verify(authority, raw)
    assert result.status is Status.MALFORMED
    assert result.status.exit_code == 2
    assert not result.verified
    assert result.errors[0].code == code


def test_not_a_credential_is_malformed(authority: Authority, mark: dict[str, Any]) -> None:
    wrong_context = {**mark, "@context": ["https://example.com/ctx", *mark["@context"]]}
    result = verify(authority, wrong_context)
    assert result.status is Status.MALFORMED
    assert result.errors[0].code == "INVALID_CONTEXT"


def test_validity_range_error_is_malformed(authority: Authority, mark: dict[str, Any]) -> None:
    backwards = {**mark, "validFrom": "2030-01-01T00:00:00Z"}
    result = verify(authority, backwards)
    assert result.status is Status.MALFORMED
    assert result.errors[0].code == "VALIDITY_RANGE"


def test_bad_mark_shape_is_malformed(authority: Authority, mark: dict[str, Any]) -> None:
    bad = copy.deepcopy(mark)
    bad["credentialSubject"]["vehicleIdentificationNumber"] = "LSVAU2A37N2183457"
    result = verify(authority, bad)
    assert result.status is Status.MALFORMED
    assert result.check(CheckName.MARK) is not None
    assert result.errors[0].code == "INVALID_VIN_CHECK_DIGIT"


def test_tampered_mark_is_invalid_proof(authority: Authority, mark: dict[str, Any]) -> None:
    tampered = copy.deepcopy(mark)
    tampered["validUntil"] = "2032-11-30T15:59:59Z"
    result = verify(authority, tampered, authority.status_lists(mark))
    assert result.status is Status.INVALID_PROOF
    assert result.errors[0].code == "INVALID_SIGNATURE"
    status_check = result.check(CheckName.STATUS)
    assert status_check is not None
    assert status_check.passed is None


def test_signed_by_someone_else_is_invalid_proof(
    authority: Authority, mark: dict[str, Any]
) -> None:
    forger = Authority()
    unsigned = {k: v for k, v in mark.items() if k != "proof"}
    forged = forger.sign(unsigned)  # issuer still names the authority
    result = verify(authority, forged, authority.status_lists(mark))
    assert result.status is Status.INVALID_PROOF
    assert result.errors[0].code == "ISSUER_MISMATCH"


def test_untrusted_issuer(authority: Authority, mark: dict[str, Any]) -> None:
    result = verify(authority, mark, authority.status_lists(mark), trust=TrustList())
    assert result.status is Status.UNTRUSTED_ISSUER
    assert result.errors[0].code == "UNTRUSTED_ISSUER"
    assert result.status.exit_code == 1


def test_revoked(authority: Authority, mark: dict[str, Any]) -> None:
    result = verify(authority, mark, authority.status_lists(mark, revoked=True))
    assert result.status is Status.REVOKED
    assert [e.code for e in result.errors] == ["REVOKED"]


def test_suspended(authority: Authority, mark: dict[str, Any]) -> None:
    result = verify(authority, mark, authority.status_lists(mark, suspended=True))
    assert result.status is Status.SUSPENDED
    assert [e.code for e in result.errors] == ["SUSPENDED"]


def test_revoked_wins_over_suspended_and_expired(
    authority: Authority, mark: dict[str, Any]
) -> None:
    lists = authority.status_lists(mark, revoked=True, suspended=True)
    later = NOW + timedelta(days=365 * 5)
    result = verify(authority, mark, lists, clock=lambda: later)
    # the lists themselves have no validUntil, so they still apply five years on
    assert result.status is Status.REVOKED
    assert {e.code for e in result.errors} == {"REVOKED", "SUSPENDED", "EXPIRED"}


def test_expired(authority: Authority, mark: dict[str, Any]) -> None:
    later = NOW + timedelta(days=365 * 3)
    result = verify(authority, mark, authority.status_lists(mark), clock=lambda: later)
    assert result.status is Status.EXPIRED
    assert result.errors[0].code == "EXPIRED"


def test_not_yet_valid(authority: Authority, mark: dict[str, Any]) -> None:
    earlier = NOW - timedelta(days=1)
    result = verify(authority, mark, authority.status_lists(mark), clock=lambda: earlier)
    assert result.status is Status.NOT_YET_VALID
    assert result.errors[0].code == "NOT_YET_VALID"


def test_status_unavailable(authority: Authority, mark: dict[str, Any]) -> None:
    result = verify(authority, mark, [])
    assert result.status is Status.STATUS_UNAVAILABLE
    assert {e.code for e in result.errors} == {"STATUS_UNAVAILABLE"}


def test_skip_status_says_so(authority: Authority, mark: dict[str, Any]) -> None:
    result = verify(authority, mark, [], check_status_lists=False)
    assert result.status is Status.VALID
    status_check = result.check(CheckName.STATUS)
    assert status_check is not None
    assert status_check.passed is None
    assert "skipped" in status_check.to_dict()["detail"]


def test_status_list_signed_by_another_issuer_is_rejected(
    authority: Authority, mark: dict[str, Any]
) -> None:
    other = Authority()
    lists = authority.status_lists(mark)
    forged_lists = [other.sign({k: v for k, v in s.items() if k != "proof"}) for s in lists]
    result = verify(authority, mark, forged_lists)
    assert result.status is Status.STATUS_UNAVAILABLE
    assert {e.code for e in result.errors} == {"STATUS_LIST_INVALID_PROOF"}


def test_tampered_status_list_is_rejected(authority: Authority, mark: dict[str, Any]) -> None:
    lists = authority.status_lists(mark, revoked=True)
    clean = authority.status_lists(mark)
    # an attacker swaps in the bits of an unrevoked list but keeps the revoked list's proof
    swapped = copy.deepcopy(lists)
    swapped[0]["credentialSubject"]["encodedList"] = clean[0]["credentialSubject"]["encodedList"]
    result = verify(authority, mark, swapped)
    assert result.status is Status.STATUS_UNAVAILABLE
    assert "STATUS_LIST_INVALID_PROOF" in {e.code for e in result.errors}


def test_summary_only_for_a_genuine_mark(authority: Authority, mark: dict[str, Any]) -> None:
    good = verify(authority, mark, authority.status_lists(mark))
    assert good.summary is not None
    assert good.summary.vehicle_type.zh == "小型轿车"
    assert good.summary.plate_type.code == "02"
    assert good.summary.valid_until_month == "2028-11"
    assert good.summary.issuer_name == {"en": "Test authority"}
    forged = copy.deepcopy(mark)
    forged["credentialSubject"]["registrationNumber"] = "鄂A99999"
    assert verify(authority, forged, authority.status_lists(mark)).summary is None
    untrusted = verify(authority, mark, authority.status_lists(mark), trust=TrustList())
    assert untrusted.summary is not None
    assert untrusted.summary.issuer_name == {}


def test_mark_without_status(authority: Authority) -> None:
    mark = authority.mark(index=None)
    result = verify(authority, mark)
    assert result.status is Status.VALID
    status_check = result.check(CheckName.STATUS)
    assert status_check is not None
    assert status_check.passed is None


def test_result_json_shape(authority: Authority, mark: dict[str, Any]) -> None:
    out = verify(authority, mark, authority.status_lists(mark, revoked=True)).to_dict()
    assert set(out) == {"verified", "status", "checks", "errors", "summary", "credential"}
    assert out["credential"] == mark
    assert out["summary"]["plate"] == "鄂L12345"
    assert out["verified"] is False
    assert out["status"] == "REVOKED"
    assert out["errors"][0]["code"] == "REVOKED"
    assert json.dumps(out)  # JSON-ready
