"""How fast does the verifier refuse hostile credentials? Worst cases under the 1 MiB input cap.

Run on demand (not part of the test suite)::

    .venv/bin/python bench/hostile_jsonld.py            # every case, median of 5 runs
    .venv/bin/python bench/hostile_jsonld.py -r 3 -k array

Each case is a credential naming a trusted issuer (a did:key on the trust list) with a garbage
proof, built to make some stage of the verifier work as hard as the caps allow: one long array of
short strings (issue 8's 10,000 strings), arrays just under the array cap, many nested objects,
many blank nodes, many node objects merging into one subject, many types, many inline contexts,
huge integers, a megabyte of tiny JSON values. The timed call is the whole
``verify_credential(text, trust=...)`` from JSON text to result (parse, data model, proofs with
both canonicalizations, issuer binding, trust), status checks off. The figures are the medians of
the rounds: CPU time of this process (``time.process_time``: what the case costs, and steady on a
shared, loaded machine) and wall-clock time; the code is the failed check's (what a caller sees).
The target (issue 8): every case refused in under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vic.contexts.loader import CREDENTIALS_V2
from vic.did.key import did_key, did_key_method_id
from vic.did.keys import KeyType, PrivateKey
from vic.verifier.trust import TrustedIssuer, TrustList
from vic.verifier.verify import verify_credential

NOW = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)
CAP = 1 << 20
KEY = PrivateKey.generate(KeyType.P256)
ISSUER = did_key(KEY.public_key)
TRUST = TrustList((TrustedIssuer(ISSUER, {"en": "bench"}),))


def credential(subject: Any, **extra: Any) -> dict[str, Any]:
    """A VC 2.0 credential of the trusted issuer with a well-formed but garbage proof."""
    document: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, {"@vocab": "https://e.example/vocab#"}],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": subject,
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "ecdsa-rdfc-2019",
            "created": "2026-11-25T08:00:00Z",
            "verificationMethod": did_key_method_id(KEY.public_key),
            "proofPurpose": "assertionMethod",
            "proofValue": "z" + "1" * 87,
        },
    }
    document.update(extra)
    return document


def fill(build: Callable[[int], dict[str, Any]], start: int = 16) -> str:
    """The JSON text of ``build(n)`` for the largest n (doubling, then bisecting) under the cap."""
    low, high = 0, start
    while len(json.dumps(build(high))) <= CAP:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        if len(json.dumps(build(middle))) <= CAP:
            low = middle
        else:
            high = middle
    return json.dumps(build(low))


def cases() -> dict[str, str]:
    """Case name -> JSON text."""
    return {
        "issue 8: 10,000-string array": json.dumps(
            credential({"id": "urn:x", "names": [f"n{i}" for i in range(10_000)]})
        ),
        "999-string array (just under the array cap)": json.dumps(
            credential({"id": "urn:x", "names": [f"n{i}" for i in range(999)]})
        ),
        "4 arrays of 999 strings": json.dumps(
            credential(
                {"id": "urn:x", **{f"p{k}": [f"n{i}" for i in range(999)] for k in range(4)}}
            )
        ),
        "strings filling 1 MiB": fill(
            lambda n: credential({"id": "urn:x", "names": [f"n{i}" for i in range(n)]})
        ),
        "999 subjects merging into one node": json.dumps(
            credential([{"id": "urn:x", "name": f"n{i}"} for i in range(999)])
        ),
        "999 types on one node": json.dumps(
            credential({"id": "urn:x", "type": [f"T{i}" for i in range(999)]})
        ),
        "nested objects, 2 levels x 999": json.dumps(
            credential({"id": "urn:x", "knows": [{"name": f"n{i}"} for i in range(999)]})
        ),
        "blank nodes: 999 named _:b ids": json.dumps(
            credential(
                {
                    "id": "urn:x",
                    "knows": [{"id": f"_:b{i}", "next": f"_:b{i + 1}"} for i in range(999)],
                }
            )
        ),
        "@reverse: 999 nodes": json.dumps(
            credential(
                {
                    "id": "urn:x",
                    "@reverse": {"https://e.example/r": [{"id": f"urn:y{i}"} for i in range(999)]},
                }
            )
        ),
        "999 inline contexts, distinct terms": json.dumps(
            credential(
                {
                    "id": "urn:x",
                    "knows": [
                        {"@context": {f"t{i}": f"https://e.example/{i}"}, f"t{i}": "v"}
                        for i in range(999)
                    ],
                }
            )
        ),
        "one inline context with 4,000 terms": json.dumps(
            credential(
                {
                    "id": "urn:x",
                    "@context": {f"t{i}": f"https://e.example/{i}" for i in range(4_000)},
                    "t1": "v",
                }
            )
        ),
        "a 309-digit integer": json.dumps(credential({"id": "urn:x", "n": 10**309})),
        "a 4,000-digit integer": '{"n": ' + "9" * 4000 + "}",
        "tiny objects filling 1 MiB": '{"a": [' + ",".join(["{}"] * ((CAP - 10) // 3)) + "]}",
        "tiny arrays filling 1 MiB": '{"a": [' + ",".join(["[]"] * ((CAP - 10) // 3)) + "]}",
        "zeros filling 1 MiB": '{"a": [' + ",".join(["0"] * ((CAP - 10) // 2)) + "]}",
        "floats filling 1 MiB": '{"a": [' + ",".join(["0.5"] * ((CAP - 10) // 4)) + "]}",
        "49,990 tiny arrays (under the separator bound)": '{"a": ['
        + ",".join(["[]"] * 49_990)
        + "]}",
        "99,990 zeros (under the separator bound)": '{"a": [' + ",".join(["0"] * 99_990) + "]}",
        "33,000 tiny objects with a key": '{"a": [' + ",".join(['{"k":0}'] * 33_000) + "]}",
        "lone surrogates filling 1 MiB": '{"a": ['
        + ",".join(['"\\ud800"'] * ((CAP - 10) // 9))
        + "]}",
        "nesting 32 deep, arrays of 30,000": json.dumps(
            credential({"id": "urn:x", "deep": [[[[["x"] * 10] * 10] * 10] * 30]})
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-r", "--repeats", type=int, default=5, help="timed rounds (5)")
    parser.add_argument("-k", "--keyword", default="", help="only cases whose name has this")
    args = parser.parse_args()
    verify_credential(json.dumps(credential({"id": "urn:x"})), trust=TRUST)  # warm the caches
    print(f"{'case':<46} {'bytes':>9} {'CPU ms':>7} {'wall ms':>8}  failed check: code")
    worst = 0.0
    for name, text in cases().items():
        if args.keyword not in name:
            continue
        times, walls = [], []
        for _ in range(args.repeats):
            started, cpu = time.perf_counter(), time.process_time()
            result = verify_credential(
                text, trust=TRUST, check_status_lists=False, clock=lambda: NOW
            )
            times.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - started)
        failed = [c for c in result.checks if c.passed is False]
        where = (
            f"{failed[0].name.value}: {failed[0].error.code if failed[0].error else '?'}"
            if failed
            else "nothing failed?"
        )
        median = statistics.median(times) * 1000
        wall = statistics.median(walls) * 1000
        worst = max(worst, median)
        print(f"{name:<46} {len(text.encode()):>9} {median:>7.1f} {wall:>8.1f}  {where}")
    print(f"worst median CPU time: {worst:.1f} ms (target: under 100 ms)")


if __name__ == "__main__":
    main()
