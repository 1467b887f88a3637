"""The short cuts after the proof check give what the general forms give (issue 12, afterproof).

Each fast form is compared with the general one it stands for: the plain URL check of
``_is_url`` with ``_is_url_general``, the one-proof forms of ``_not_before`` and the status
memo's key with their loops, ``_latest``/``_earliest`` with ``max``/``min`` of the known
moments, ``status_value``'s time zone check with ``check_status``'s, and ``format_datetime`` at
the four-digit year edge.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.authority import NOW, Authority
from vic.contexts.errors import StatusListError, UsageError
from vic.vc.dates import _format_datetime_general, format_datetime
from vic.vc.status import (
    Bitstring,
    StatusPurpose,
    check_status,
    expand_terse_entry,
    parse_status_entries,
    status_value,
)
from vic.vc.statuslist import _MAX_URL_LENGTH, _PLAIN_HTTP_URL, StatusList, _is_url_general
from vic.verifier.status import FetchedStatusList, _memo_key
from vic.verifier.verify import _earliest, _latest, _not_before

_URL_CHARS = st.sampled_from([*list("abcXYZ019.-_~%/:?#[]@ \t\n\x00\x7fé"), "https://", "http://"])


@given(st.lists(_URL_CHARS, max_size=12).map("".join))
def test_a_plain_url_is_one_is_url_accepts(text: str) -> None:
    for candidate in (text, "https://" + text, "http://" + text, "https://a" + text):
        if _PLAIN_HTTP_URL.fullmatch(candidate) and len(candidate) <= _MAX_URL_LENGTH:
            assert _is_url_general(candidate), candidate


@pytest.mark.parametrize(
    "base",
    [
        "https://jtgl.example.cn/status",
        "http://localhost:8080/status",
        "https://[::1]/status",
        "https://例子.cn/status",
        "https://x/" + "a" * _MAX_URL_LENGTH,
        "https:///status",
        "https://a b/status",
        "ftp://example.com/status",
        "urn:example:status",
        "",
        "https://example.com/status?x=1#frag",
    ],
)
def test_the_terse_entry_reads_every_base_as_before(base: str) -> None:
    entry = {
        "type": "TerseBitstringStatusListEntry",
        "terseStatusListBaseUrl": base,
        "terseStatusListIndex": 70_000_000,
    }
    if not _is_url_general(base):
        with pytest.raises(StatusListError):
            parse_status_entries({"credentialStatus": entry})
        return
    entries = parse_status_entries({"credentialStatus": entry})
    assert entries == expand_terse_entry(entry)
    assert entries[0].list_credential == f"{base}/revocation/1"
    assert entries[1].index == 70_000_000 - 2**26


_MOMENTS = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))]),
    ),
)


@given(_MOMENTS, _MOMENTS)
def test_latest_and_earliest_are_max_and_min_of_the_known(
    first: datetime | None, second: datetime | None
) -> None:
    known = [m for m in (first, second) if m is not None]
    latest, earliest = _latest(first, second), _earliest(first, second)
    assert latest is (max(known) if known else None)
    assert earliest is (min(known) if known else None)


def _not_before_general(valid_from: datetime | None, document: dict[str, Any]) -> datetime | None:
    # the loop the one-proof form stands for, written as a list of one proof
    return _not_before(valid_from, {**document, "proof": [document.get("proof")]})


@pytest.mark.parametrize(
    "created",
    [
        "2026-11-25T08:00:00Z",
        "2026-11-25T07:59:59Z",
        "2026-11-25T08:00:01Z",
        "2026-11-25T16:00:00+08:00",
        "2026-11-25T08:00:00.5Z",
        "2026-11-25",
        "not a date",
        12,
        None,
    ],
)
@pytest.mark.parametrize("valid_from", [None, datetime(2026, 11, 25, 8, tzinfo=UTC)])
def test_not_before_of_one_proof_is_the_loop(created: object, valid_from: datetime | None) -> None:
    proof: dict[str, Any] = {"type": "DataIntegrityProof"}
    if created is not None:
        proof["created"] = created
    document = {"proof": proof}
    assert _not_before(valid_from, document) == _not_before_general(valid_from, document)
    assert _not_before(valid_from, {}) is valid_from
    assert _not_before(valid_from, {"proof": "text"}) is valid_from


def test_the_memo_key_of_one_proof_is_that_of_a_list_of_it() -> None:
    authority = Authority()
    mark = authority.mark()
    listed = authority.status_lists(mark)[0]
    resolver = authority.trust().resolver()
    one = _memo_key(FetchedStatusList(listed, "file"), authority.did, resolver, None, 1 << 20)
    as_list = {**listed, "proof": [listed["proof"]]}
    many = _memo_key(FetchedStatusList(as_list, "file"), authority.did, resolver, None, 1 << 20)
    assert one is not None
    assert many is not None
    assert one[1] == many[1]
    assert one[0][1:] == many[0][1:]
    for odd in (
        {**listed["proof"], "expires": "2030-01-01T00:00:00Z"},
        {**listed["proof"], "verificationMethod": 12},
        {**listed["proof"], "verificationMethod": "did:example:nobody#key-1"},
    ):
        odd_list = FetchedStatusList({**listed, "proof": odd}, "file")
        assert _memo_key(odd_list, authority.did, resolver, None, 1 << 20) is None


def _status_list(**dates: datetime | None) -> StatusList:
    return StatusList(
        "https://example.com/status/revocation/0",
        frozenset({"revocation"}),
        Bitstring(2**17),
        dates.get("valid_from"),
        dates.get("valid_until"),
    )


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        NOW.astimezone(timezone(timedelta(hours=8))),
        NOW.replace(tzinfo=None),
    ],
)
@pytest.mark.parametrize(
    "dates",
    [
        {},
        {"valid_from": NOW + timedelta(minutes=5)},
        {"valid_from": NOW + timedelta(minutes=5, seconds=1)},
        {"valid_until": NOW - timedelta(minutes=5)},
        {"valid_until": NOW - timedelta(minutes=5, seconds=1)},
    ],
)
def test_status_value_is_check_status_value(now: datetime, dates: dict[str, datetime]) -> None:
    (entry,) = [
        e
        for e in expand_terse_entry(
            {
                "type": "TerseBitstringStatusListEntry",
                "terseStatusListBaseUrl": "https://example.com/status",
                "terseStatusListIndex": 5,
            }
        )
        if e.purpose is StatusPurpose.REVOCATION
    ]
    status_list = _status_list(**dates)
    skew = timedelta(minutes=5)
    try:
        expected: object = check_status(entry, status_list, now=now, skew=skew).value
    except (StatusListError, UsageError) as exc:
        expected = (type(exc), exc.code)
    try:
        got: object = status_value(entry, status_list, now=now, skew=skew)
    except (StatusListError, UsageError) as exc:
        got = (type(exc), exc.code)
    assert got == expected


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1000, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(1000, 1, 1, 0, 0, 0, 5, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 11, 25, 8, tzinfo=timezone(timedelta(0))),
    ],
)
def test_format_datetime_at_the_year_edges(moment: datetime) -> None:
    assert format_datetime(moment) == _format_datetime_general(moment)


@given(
    st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31, 15, 59, 59),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]),
    )
)
def test_the_summary_month_is_the_month_in_china_standard_time(moment: datetime) -> None:
    from vic.vc.mark import CHINA_STANDARD_TIME, InspectionBasis, VehicleSubject
    from vic.verifier.summary import _EIGHT_HOURS, summarize_mark

    assert CHINA_STANDARD_TIME.utcoffset(None) == _EIGHT_HOURS
    subject = VehicleSubject(
        registration_number="鄂L12345",
        plate_type_code="02",
        vehicle_type_code="K33",
        vin="LSVAU2A36N2183457",
        inspection_basis=InspectionBasis.ON_SITE,
    )
    local = moment.astimezone(CHINA_STANDARD_TIME)
    summary = summarize_mark(subject, issuer="did:example:a", valid_until=moment)
    assert summary.valid_until_month == f"{local.year:04d}-{local.month:02d}"
    assert summary.valid_until is moment


@pytest.mark.parametrize("created_later", [False, True])
def test_a_marks_validity_detail_is_the_written_dates(created_later: bool) -> None:
    from vic.verifier.verify import _validity

    start = datetime(2026, 11, 25, 8, tzinfo=UTC)
    end = datetime(2028, 11, 30, 15, 59, 59, tzinfo=UTC)
    texts = (start, "2026-11-25T08:00:00Z", end, "2028-11-30T15:59:59Z")
    # a proof created after validFrom moves the start: that moment is written, not the text
    moment = start + timedelta(seconds=1) if created_later else start
    skew = timedelta(minutes=5)
    for now in (start, end, start - timedelta(minutes=6), end + timedelta(minutes=6)):
        with_texts = _validity(moment, end, now, skew, texts)
        written = _validity(moment, end, now, skew)
        assert with_texts.to_dict() == written.to_dict()
        assert with_texts.status == written.status


@pytest.mark.parametrize("same", [True, False])
def test_two_status_lists_dates_are_written_each(same: bool) -> None:
    from vic.vc.status import TERSE_LIST_LENGTH, build_status_list_credential
    from vic.verifier import StaticStatusLists, verify_credential

    authority = Authority()
    mark = authority.mark()
    lists = []
    for number, entry in enumerate(expand_terse_entry(mark["credentialStatus"])):
        until = NOW + timedelta(days=2, seconds=0 if same else number)
        unsigned = build_status_list_credential(
            id=entry.list_credential,
            issuer=authority.did,
            purpose=entry.purpose,
            bitstring=Bitstring(TERSE_LIST_LENGTH, minimum=TERSE_LIST_LENGTH),
            valid_from=NOW,
            valid_until=until.astimezone(timezone(timedelta(hours=8))) if number else until,
        )
        lists.append(authority.sign(unsigned))
    result = verify_credential(
        mark,
        trust=authority.trust(),
        clock=lambda: NOW + timedelta(hours=1),
        status_source=StaticStatusLists(lists),
    )
    details = [c.detail for c in result.checks if c.name in ("revocation", "suspension")]
    assert len(details) == 2
    for number, detail in enumerate(details):
        until = NOW + timedelta(days=2, seconds=0 if same else number)
        assert detail["listValidUntil"] == format_datetime(until)


@pytest.mark.parametrize(
    "until",
    [
        None,
        datetime(2028, 11, 30, 15, 59, 59, tzinfo=UTC),
        datetime(2028, 12, 1, 7, 59, 59, tzinfo=timezone(timedelta(hours=8))),
        datetime(2028, 11, 30, 15, 59, 59, 250000, tzinfo=UTC),
        datetime(999, 1, 1, tzinfo=UTC),
    ],
)
def test_a_status_lists_valid_until_text_is_format_datetime(until: datetime | None) -> None:
    # written once per decoded list (shared by the credentials checked against it): the text the
    # verifier reported before, and the list's equality, hash, repr and pickling unchanged
    import pickle

    def make() -> StatusList:
        bits = Bitstring(131072)
        return StatusList("https://a.example/l", frozenset({"revocation"}), bits, None, until)

    status_list, fresh = make(), make()
    expected = None if until is None else format_datetime(until)
    assert status_list.valid_until_text == expected
    assert status_list.valid_until_text is status_list.valid_until_text
    assert status_list == fresh
    assert repr(status_list) == repr(fresh)
    again = pickle.loads(pickle.dumps(status_list))
    assert again == fresh
    assert again.valid_until_text == expected
