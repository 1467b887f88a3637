"""The status/validity/trust golden set: signed inputs and the results main gave for them.

    python -m tests.verifier.golden_status     # rewrite tests/verifier/data/status_golden.json

The file holds every input (signed marks, signed status lists, a VC 2.0 credential with full
``BitstringStatusListEntry`` entries) and, for each case, the complete result as the code before
the status fast path computed it (commit adf80a7): check names, passed, details, errors (class,
code, message, detail), failure statuses, summary. tests/verifier/test_status_golden.py
verifies each case again and compares; an input is never re-signed, so the file stays valid.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vic.contexts.errors import StatusUnavailableError
from vic.verifier import (
    StaticStatusLists,
    TrustedIssuer,
    TrustList,
    verify_credential,
    verify_credentials,
)
from vic.verifier.result import VerificationResult
from vic.verifier.status import ChainedStatusLists, FetchedStatusList, StatusListSource

GOLDEN = Path(__file__).parent / "data" / "status_golden.json"
NOW = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)
BASE = "https://jtgl.example.cn/status"


def outcome(result: VerificationResult) -> dict[str, Any]:
    """Everything a caller can see of a result, JSON-ready (without the credential echoed)."""
    out = result.to_dict()
    del out["credential"], out["checks"]  # the check objects below say all of it and more
    out["checkObjects"] = [
        {
            "name": c.name.value,
            "passed": c.passed,
            "detail": c.detail,
            "failureStatus": c.failure_status.value if c.failure_status else None,
            "status": c.status.value if c.status else None,
            "error": None
            if c.error is None
            else {"class": type(c.error).__name__, **c.error.to_dict()},
        }
        for c in result.checks
    ]
    return out


class _Raising:
    def __init__(self, code: str) -> None:
        self.code = code

    def get(self, url: str) -> None:
        raise StatusUnavailableError(f"{url}: {self.code}", code=self.code, list=url)


class _Bare:
    """A source answering with bare credentials (not FetchedStatusList)."""

    def __init__(self, lists: list[Mapping[str, Any]]) -> None:
        self._by_id = {c["id"]: c for c in lists}

    def get(self, url: str) -> Mapping[str, Any] | None:
        return self._by_id.get(url)


class _Cached:
    """A source answering from a cache, fetched at a given moment."""

    def __init__(self, lists: list[Mapping[str, Any]], fetched_at: datetime) -> None:
        self._by_id = {c["id"]: c for c in lists}
        self._at = fetched_at

    def get(self, url: str) -> FetchedStatusList | None:
        found = self._by_id.get(url)
        return None if found is None else FetchedStatusList(found, "cache", self._at)


def source_of(spec: Mapping[str, Any], lists: list[Mapping[str, Any]]) -> StatusListSource | None:
    kind = spec["kind"]
    if kind == "none":
        return None
    if kind == "static":
        return StaticStatusLists(lists)
    if kind == "bare":
        return _Bare(lists)
    if kind == "cached":
        return _Cached(lists, datetime.fromisoformat(spec["fetchedAt"]))
    if kind == "raising":
        return _Raising(spec["code"])
    if kind == "chained":
        return ChainedStatusLists(_Bare([]), StaticStatusLists(lists))
    if kind == "map":  # the URL asked -> a list whose id may be another
        by_url = dict(zip(spec["urls"], lists, strict=True))
        return ChainedStatusLists(_Bare([]), _ByUrl(by_url))
    raise ValueError(kind)


class _ByUrl:
    def __init__(self, by_url: Mapping[str, Mapping[str, Any]]) -> None:
        self._by_url = by_url

    def get(self, url: str) -> Mapping[str, Any] | None:
        return self._by_url.get(url)


def run_case(
    data: Mapping[str, Any], case: Mapping[str, Any], *, batch: bool = False
) -> dict[str, Any]:
    """Verify one case of the golden file (alone, or twice in one batch) and return its
    outcome."""
    authorities = data["authorities"]
    from vic.vc.cborld import RegistryEntry

    entries = (RegistryEntry.from_json(data["registryEntry"]),)
    trusted = [
        TrustedIssuer(d, {"en": f"Authority {i}"}, None, entries if i == 0 else ())
        for i, d in enumerate(authorities)
    ]
    trust = TrustList(tuple(t for t in trusted if t.id in case.get("trusted", authorities)))
    lists = [data["lists"][name] for name in case["lists"]]
    at = datetime.fromisoformat(case["at"])
    credential = data["credentials"][case["credential"]]
    arguments: dict[str, Any] = {
        "trust": trust,
        "clock": lambda: at,
        "status_source": source_of(case["source"], lists),
        "check_status_lists": case.get("checkStatus", True),
        "clock_skew": timedelta(seconds=case.get("skew", 300)),
    }
    if not batch:
        return outcome(verify_credential(credential, **arguments))
    first, second = verify_credentials([credential, credential], **arguments)
    assert outcome(first) == outcome(second)
    return outcome(first)


def _build() -> dict[str, Any]:  # pragma: no cover - run by hand against the old code
    from tests.authority import Authority
    from vic.did.keys import KeyType, PrivateKey
    from vic.vc.barcode import encode_barcode
    from vic.vc.cborld import authority_entry
    from vic.vc.status import (
        TERSE_LIST_LENGTH,
        Bitstring,
        StatusPurpose,
        build_status_list_credential,
        expand_terse_entry,
    )
    from vic.verifier.trust import TrustedIssuer as Issuer

    def authority(seed: int) -> Authority:
        a = Authority()
        a.key = PrivateKey.from_bytes(KeyType.P256, bytes(range(seed, seed + 32)))
        return a

    one, two = authority(1), authority(2)
    data: dict[str, Any] = {"authorities": [one.did, two.did], "credentials": {}, "lists": {}}
    creds, lists = data["credentials"], data["lists"]
    mark = one.mark(index=123456, status_base=BASE)
    creds["mark"] = mark
    creds["markNoStatus"] = one.mark(index=None)
    creds["markOther"] = two.mark(index=123456, status_base=BASE)
    creds["markHighIndex"] = one.mark(index=TERSE_LIST_LENGTH * 3 + 140000, status_base=BASE)
    entry = authority_entry(
        1000, did=one.did, verification_methods=[one.method], status_base_urls=[BASE]
    )
    data["registryEntry"] = entry.to_json()
    registry = TrustList((Issuer(one.did, {}, None, (entry,)),)).registry()
    creds["qr"] = encode_barcode(mark, registry)
    rev, sus = expand_terse_entry(mark["credentialStatus"])

    def status_list(
        signer: Authority,
        entry_url: str,
        purpose: StatusPurpose,
        set_: tuple[int, ...] = (),
        length: int = 131072,
        valid_from: datetime | None = NOW,
        valid_until: datetime | None = None,
        ttl_ms: int | None = None,
        size: int = 1,
        values: tuple[tuple[int, int], ...] = (),
    ) -> dict[str, Any]:
        bits = Bitstring(length, minimum=1)
        for i in set_:
            bits.set(i)
        for index, value in values:
            bits.set_entry(index, value, size)
        return signer.sign(
            build_status_list_credential(
                id=entry_url,
                issuer=signer.did,
                purpose=purpose,
                bitstring=bits,
                valid_from=valid_from,
                valid_until=valid_until,
                ttl_ms=ttl_ms,
            )
        )

    R, S = StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION
    i = rev.index
    lists["rev"] = status_list(one, rev.list_credential, R)
    lists["sus"] = status_list(one, sus.list_credential, S)
    lists["revSet"] = status_list(one, rev.list_credential, R, (i,))
    lists["susSet"] = status_list(one, sus.list_credential, S, (i,))
    lists["revNeighbour"] = status_list(one, rev.list_credential, R, (i - 1, i + 1))
    lists["revWrongPurpose"] = status_list(one, rev.list_credential, S)
    lists["revOtherIssuer"] = status_list(two, rev.list_credential, R)
    lists["revTooShort"] = status_list(one, rev.list_credential, R, length=1024)
    lists["revAhead"] = status_list(
        one, rev.list_credential, R, valid_from=NOW + timedelta(hours=1)
    )
    lists["revExpiring"] = status_list(
        one, rev.list_credential, R, valid_until=NOW + timedelta(days=1), ttl_ms=60000
    )
    lists["revNoDates"] = status_list(one, rev.list_credential, R, valid_from=None)
    tampered = json.loads(json.dumps(lists["rev"]))
    tampered["credentialSubject"]["encodedList"] = lists["revSet"]["credentialSubject"][
        "encodedList"
    ]
    lists["revTampered"] = tampered
    lists["revIdMismatch"] = status_list(one, rev.list_credential + "0", R)
    hi_rev, hi_sus = expand_terse_entry(creds["markHighIndex"]["credentialStatus"])
    lists["hiRev"] = status_list(one, hi_rev.list_credential, R, (hi_rev.index,), length=262144)
    lists["hiSus"] = status_list(one, hi_sus.list_credential, S)
    lists["hiRevShort"] = status_list(one, hi_rev.list_credential, R)
    other_rev, other_sus = expand_terse_entry(creds["markOther"]["credentialStatus"])
    lists["twoRev"] = status_list(two, other_rev.list_credential, R)
    lists["twoSus"] = status_list(two, other_sus.list_credential, S, (other_sus.index,))

    # a VC 2.0 credential (not a mark) with full entries: sizes, messages, message purpose
    full_url = "https://jtgl.example.cn/lists/full"
    msg_url = "https://jtgl.example.cn/lists/message"
    plain = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": one.did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
        "credentialStatus": [
            {
                "id": f"{full_url}#5",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "5",
                "statusListCredential": full_url,
            },
            {
                "type": "BitstringStatusListEntry",
                "statusPurpose": "message",
                "statusListIndex": "3",
                "statusSize": 2,
                "statusListCredential": msg_url,
                "statusMessage": [
                    {"status": "0x0", "message": "fine"},
                    {"status": "0x1", "message": "pending"},
                    {"status": "0x2", "message": "recalled"},
                    {"status": "0x3", "message": "other"},
                ],
            },
        ],
    }
    creds["plain"] = one.sign(plain)
    lists["full"] = status_list(one, full_url, R, length=131072)
    lists["fullSet"] = status_list(one, full_url, R, (5,), length=131072)
    lists["message"] = status_list(
        one, msg_url, StatusPurpose.MESSAGE, length=262144, size=2, values=((3, 2),)
    )
    lists["messageZero"] = status_list(one, msg_url, StatusPurpose.MESSAGE, length=262144)
    bad = dict(plain)
    bad["credentialStatus"] = dict(plain["credentialStatus"][0], statusListIndex="x")
    creds["badStatus"] = one.sign(bad)
    unknown = dict(plain)
    unknown["credentialStatus"] = [dict(plain["credentialStatus"][0], statusPurpose="refresh")]
    creds["refresh"] = one.sign(unknown)
    subject = dict(mark["credentialSubject"], registrationNumber="鄂A00001")
    creds["forged"] = dict(mark, credentialSubject=subject)

    later = (NOW + timedelta(hours=1)).isoformat()
    cases: list[dict[str, Any]] = []

    def case(name: str, credential: str, names: list[str], **kw: Any) -> None:
        spec = {"name": name, "credential": credential, "lists": names, "at": later}
        spec["source"] = kw.pop("source", {"kind": "static"})
        spec.update(kw)
        cases.append(spec)

    for cred in ("mark", "qr"):
        case(f"{cred}-neither", cred, ["rev", "sus"])
        case(f"{cred}-revoked", cred, ["revSet", "sus"])
        case(f"{cred}-suspended", cred, ["rev", "susSet"])
        case(f"{cred}-both", cred, ["revSet", "susSet"])
    case("neighbours-set", "mark", ["revNeighbour", "sus"])
    expired_at = (NOW + timedelta(days=3 * 366)).isoformat()
    case("expired", "mark", ["rev", "sus"], at=expired_at)
    case("expired-and-revoked", "mark", ["revSet", "sus"], at=expired_at)
    case("not-yet-valid", "mark", ["rev", "sus"], at=(NOW - timedelta(days=1)).isoformat())
    case(
        "not-yet-valid-skew-edge",
        "mark",
        ["rev", "sus"],
        at=(NOW - timedelta(minutes=5)).isoformat(),
    )
    case(
        "not-yet-valid-past-edge",
        "mark",
        ["rev", "sus"],
        at=(NOW - timedelta(minutes=5, seconds=1)).isoformat(),
    )
    case("no-skew-at-now", "mark", ["rev", "sus"], at=NOW.isoformat(), skew=0)
    case(
        "no-skew-before",
        "mark",
        ["rev", "sus"],
        at=(NOW - timedelta(seconds=1)).isoformat(),
        skew=0,
    )
    valid_until = datetime.fromisoformat(mark["validUntil"].replace("Z", "+00:00"))
    for label, delta in (("at", 0), ("in", 299), ("edge", 300), ("past", 301)):
        at = (valid_until + timedelta(seconds=delta)).isoformat()
        case(f"valid-until-{label}", "mark", ["rev", "sus"], at=at)
    case("unknown-list", "mark", ["rev"])
    case("no-lists", "mark", [])
    case("no-source", "mark", [], source={"kind": "none"})
    case("stale", "mark", [], source={"kind": "raising", "code": "STATUS_LIST_STALE"})
    case("not-cached", "mark", [], source={"kind": "raising", "code": "STATUS_LIST_NOT_CACHED"})
    case("bare-source", "mark", ["rev", "susSet"], source={"kind": "bare"})
    case("chained-source", "mark", ["revSet", "sus"], source={"kind": "chained"})
    for label, fetched in (
        ("now", later),
        ("old", (NOW - timedelta(hours=3)).isoformat()),
        ("future", (NOW + timedelta(hours=2)).isoformat()),
    ):
        case(
            f"cached-{label}",
            "mark",
            ["rev", "sus"],
            source={"kind": "cached", "fetchedAt": fetched},
        )
    case("wrong-purpose", "mark", ["revWrongPurpose", "sus"])
    case("list-other-issuer", "mark", ["revOtherIssuer", "sus"])
    case("list-too-short", "mark", ["revTooShort", "sus"])
    case("list-ahead", "mark", ["revAhead", "sus"])
    case(
        "list-ahead-edge", "mark", ["revAhead", "sus"], at=(NOW + timedelta(minutes=55)).isoformat()
    )
    case(
        "list-ahead-past-edge",
        "mark",
        ["revAhead", "sus"],
        at=(NOW + timedelta(minutes=54, seconds=59)).isoformat(),
    )
    case("list-expiring", "mark", ["revExpiring", "sus"])
    case(
        "list-expired",
        "mark",
        ["revExpiring", "sus"],
        at=(NOW + timedelta(days=1, minutes=5)).isoformat(),
    )
    case(
        "list-expired-past-edge",
        "mark",
        ["revExpiring", "sus"],
        at=(NOW + timedelta(days=1, minutes=5, seconds=1)).isoformat(),
    )
    case("list-no-dates", "mark", ["revNoDates", "sus"])
    case("list-tampered", "mark", ["revTampered", "sus"])
    urls = [rev.list_credential, sus.list_credential]
    case("list-id-mismatch", "mark", ["revIdMismatch", "sus"], source={"kind": "map", "urls": urls})
    case("high-index", "mark", ["hiRev", "hiSus"])
    case("high-index-mark", "markHighIndex", ["hiRev", "hiSus"])
    case("high-index-out-of-range", "markHighIndex", ["hiRevShort", "hiSus"])
    case("other-authority", "markOther", ["twoRev", "twoSus"])
    case("other-authority-untrusted", "markOther", ["twoRev", "twoSus"], trusted=[one.did])
    case("untrusted", "mark", ["revSet", "sus"], trusted=[two.did])
    case("skip-status", "mark", ["revSet", "sus"], checkStatus=False)
    case("no-status", "markNoStatus", [])
    case("forged", "mark", ["revSet", "sus"])
    cases[-1]["credential"] = "forged"
    case("plain-neither", "plain", ["full", "messageZero"])
    case("plain-revoked-message", "plain", ["fullSet", "message"])
    case("plain-wrong-purpose", "plain", ["full", "fullSet"])
    case("plain-missing", "plain", ["full"])
    case("bad-status", "badStatus", [])
    case("refresh", "refresh", ["full"])
    data["cases"] = cases
    for spec in cases:
        spec["expected"] = run_case(data, spec)
    return data


if __name__ == "__main__":  # pragma: no cover
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(_build(), ensure_ascii=False) + "\n")
    print(f"wrote {GOLDEN}")
