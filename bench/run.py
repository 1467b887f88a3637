"""vic benchmarks: sign/verify throughput per cryptosuite, canonicalization time, didkit ratio.

Run on demand (never part of the test suite)::

    .venv/bin/python bench/run.py            # full run, about a minute
    .venv/bin/python bench/run.py --quick    # fewer repeats, a rough figure

Every throughput is the median of ``--repeats`` timed rounds of ``--number`` operations each.
didkit runs in a worker subprocess (its Python module crashes at interpreter exit, and its
runtime threads must not share our process); its rounds are interleaved with ours, so both see
the same machine load. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

MARK_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://w3id.org/vc-barcodes/v1",
    "https://w3id.org/vehicle-inspection/v1",
]
SUBJECT = {
    "type": "Vehicle",
    "registrationNumber": "鄂L12345",
    "plateTypeCode": "02",
    "vehicleTypeCode": "K33",
    "vehicleIdentificationNumber": "LSVAU2A37N2183457",
    "inspectionBasis": "OnSite",
}


def make_mark(issuer: str) -> dict[str, Any]:
    """The lean mark of docs/mark.md."""
    return {
        "@context": list(MARK_CONTEXT),
        "type": ["VerifiableCredential", "VehicleInspectionCredential"],
        "id": "urn:uuid:2f9c6b1e-8a43-4c55-9d0e-3b8f1f2a7c10",
        "issuer": issuer,
        "validFrom": "2026-11-25T00:00:00Z",
        "validUntil": "2028-11-30T15:59:59Z",
        "credentialSubject": dict(SUBJECT),
        "credentialStatus": {
            "type": "TerseBitstringStatusListEntry",
            "terseStatusListBaseUrl": "https://jtgl.example.cn/status",
            "terseStatusListIndex": 123456,
        },
    }


# -- timing ------------------------------------------------------------------------------------


def rate(fn: Callable[[], object], number: int) -> float:
    """Operations per second over one round of ``number`` calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return number / (time.perf_counter() - start)


def median_rate(fn: Callable[[], object], number: int, repeats: int) -> float:
    fn()  # warm up (caches, lazy imports)
    return statistics.median(rate(fn, number) for _ in range(repeats))


# -- canonicalization --------------------------------------------------------------------------

_COLD_SCRIPT = """
import json, sys, time
t0 = time.perf_counter()
from vic.vc.jsonld import canonicalize
t1 = time.perf_counter()
mark = json.loads(sys.argv[1])
t2 = time.perf_counter()
canonicalize(mark)
t3 = time.perf_counter()
canonicalize(mark)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first": t3 - t2, "second": t4 - t3}))
"""


def cold_canonicalization(mark: dict[str, Any], runs: int) -> dict[str, float]:
    """Median times of the first and second canonicalize() calls in fresh processes."""
    samples: dict[str, list[float]] = {"import": [], "first": [], "second": []}
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _COLD_SCRIPT, json.dumps(mark)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for key, value in json.loads(out).items():
            samples[key].append(value)
    return {key: statistics.median(values) for key, values in samples.items()}


def warm_canonicalization(mark: dict[str, Any], number: int, repeats: int) -> dict[str, float]:
    """Median seconds per call: our canonicalize() and plain pyld's normalize()."""
    from pyld import jsonld

    from vic.contexts.loader import DocumentLoader
    from vic.vc.jsonld import canonicalize

    loader = DocumentLoader()
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
    ours = canonicalize(mark, loader)
    plain = jsonld.normalize(mark, options)
    if ours != plain:
        raise SystemExit("canonicalize() differs from plain pyld on the mark: fix that first")
    return {
        "ours": 1 / median_rate(lambda: canonicalize(mark, loader), number, repeats),
        "pyld": 1 / median_rate(lambda: jsonld.normalize(mark, options), number, repeats),
    }


# -- didkit worker -----------------------------------------------------------------------------

_VEHICLE_CONTEXT = {
    "vi": "https://w3id.org/vehicle-inspection#",
    "VehicleInspectionCredential": "vi:VehicleInspectionCredential",
    "Vehicle": "vi:Vehicle",
    "registrationNumber": "vi:registrationNumber",
    "plateTypeCode": "vi:plateTypeCode",
    "vehicleTypeCode": "vi:vehicleTypeCode",
    "vehicleIdentificationNumber": "https://schema.org/vehicleIdentificationNumber",
    "inspectionBasis": "vi:inspectionBasis",
}


async def _didkit_worker() -> None:
    """Serve "N" lines on stdin: verify N times, answer the elapsed seconds and the CPU time
    (``time.process_time``: the worker's threads, didkit's runtime among them)."""
    import didkit

    jwk = didkit.generate_ed25519_key()
    did = didkit.key_to_did("key", jwk)
    method = await didkit.key_to_verification_method("key", jwk)
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1", _VEHICLE_CONTEXT],
        "type": ["VerifiableCredential", "VehicleInspectionCredential"],
        "id": "urn:uuid:2f9c6b1e-8a43-4c55-9d0e-3b8f1f2a7c10",
        "issuer": did,
        "issuanceDate": "2026-11-25T00:00:00Z",
        "expirationDate": "2028-11-30T15:59:59Z",
        "credentialSubject": dict(SUBJECT),
    }
    options = {
        "proofPurpose": "assertionMethod",
        "verificationMethod": method,
        "type": "Ed25519Signature2020",
    }
    signed = await didkit.issue_credential(json.dumps(credential), json.dumps(options), jwk)
    verify_options = json.dumps({"proofPurpose": "assertionMethod"})
    result = json.loads(await didkit.verify_credential(signed, verify_options))
    if result.get("errors") or "proof" not in result.get("checks", []):
        raise SystemExit(f"didkit does not verify its own credential: {result}")
    version = didkit.get_version()
    print(json.dumps({"ready": True, "version": version, "proofType": "Ed25519Signature2020"}))
    sys.stdout.flush()
    for line in sys.stdin:
        number = int(line)
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(number):
            await didkit.verify_credential(signed, verify_options)
        elapsed = time.perf_counter() - start
        print(json.dumps({"seconds": elapsed, "cpu": time.process_time() - cpu}))
        sys.stdout.flush()


class Didkit:
    """A didkit verify worker in a subprocess."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--didkit-worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.info = self._read()
        self.cpu_per_call = 0.0
        """The worker's CPU time (all its threads) per verification in the last :meth:`rate`."""

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise SystemExit("the didkit worker died (is didkit installed? pip install didkit)")
        value: dict[str, Any] = json.loads(line)
        return value

    def rate(self, number: int) -> float:
        assert self._proc.stdin is not None
        self._proc.stdin.write(f"{number}\n")
        self._proc.stdin.flush()
        answer = self._read()
        self.cpu_per_call = float(answer.get("cpu", 0.0)) / number
        return number / float(answer["seconds"])

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait()


# -- the run -----------------------------------------------------------------------------------

SUITES = [
    ("eddsa-rdfc-2022", "ED25519"),
    ("eddsa-jcs-2022", "ED25519"),
    ("ecdsa-rdfc-2019", "P256"),
    ("ecdsa-rdfc-2019", "P384"),
    ("ecdsa-jcs-2019", "P256"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--number", type=int, default=200, help="operations per round")
    parser.add_argument("-r", "--repeats", type=int, default=7, help="timed rounds (median)")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh processes for cold")
    parser.add_argument("--quick", action="store_true", help="-n 50 -r 3 --cold-runs 2")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--didkit-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.didkit_worker:
        asyncio.run(_didkit_worker())
        sys.stdout.flush()
        os._exit(0)  # didkit 0.3.3 segfaults in interpreter teardown
    if args.quick:
        args.number, args.repeats, args.cold_runs = 50, 3, 2
    number, repeats = args.number, args.repeats

    from vic.did.key import did_key, did_key_method_id
    from vic.did.keys import KeyType, PrivateKey
    from vic.did.resolver import DidResolver
    from vic.vc.proofs import add_proof, verify_proofs

    # cold first: the subprocesses must not compete with anything else
    cold = cold_canonicalization(make_mark("did:example:issuer"), args.cold_runs)
    resolver = DidResolver()
    didkit = Didkit()
    rows = []
    didkit_rates: list[float] = []
    ecdsa_rates: list[float] = []
    for cryptosuite, key_type in SUITES:
        key = PrivateKey.generate(KeyType[key_type])
        method = did_key_method_id(key.public_key)
        mark = make_mark(did_key(key.public_key))

        def sign(
            mark: dict[str, Any] = mark,
            key: PrivateKey = key,
            cryptosuite: str = cryptosuite,
            method: str = method,
        ) -> dict[str, Any]:
            return add_proof(mark, key=key, cryptosuite=cryptosuite, verification_method=method)

        signed = sign()

        def verify(signed: dict[str, Any] = signed) -> bool:
            return verify_proofs(signed, resolver=resolver).verified

        if not verify():
            raise SystemExit(f"{cryptosuite} {key_type}: our own proof does not verify")
        sign_rate = median_rate(sign, number, repeats)
        verify()
        verify_rates = []
        headline = cryptosuite == "ecdsa-rdfc-2019" and key_type == "P256"
        for _ in range(repeats):
            verify_rates.append(rate(verify, number))
            if headline:  # interleave didkit's rounds with our headline figure's rounds
                didkit_rates.append(didkit.rate(number))
        if headline:
            ecdsa_rates = verify_rates
        rows.append((cryptosuite, key_type, sign_rate, statistics.median(verify_rates)))
    didkit.close()
    warm = warm_canonicalization(make_mark("did:example:issuer"), number, repeats)

    ours = statistics.median(ecdsa_rates)
    theirs = statistics.median(didkit_rates)
    print(
        f"vic bench — {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; median of {repeats} rounds × {number} ops"
    )
    print()
    print(f"{'cryptosuite':<18}{'key':<9}{'sign/s':>10}{'verify/s':>11}")
    for cryptosuite, key_type, sign_rate, verify_rate in rows:
        print(f"{cryptosuite:<18}{key_type:<9}{sign_rate:>10.0f}{verify_rate:>11.0f}")
    print()
    print("canonicalization of the mark (RDFC-1.0, N-Quads)")
    print(
        f"  cold, 1st call in a fresh process   {cold['first'] * 1e3:7.2f} ms"
        f"  (median of {args.cold_runs}; import of vc.jsonld {cold['import'] * 1e3:.0f} ms)"
    )
    print(f"  2nd call in that process            {cold['second'] * 1e3:7.2f} ms")
    print(f"  warm, vic canonicalize()            {warm['ours'] * 1e3:7.3f} ms")
    print(f"  warm, plain pyld normalize()        {warm['pyld'] * 1e3:7.3f} ms")
    print()
    print(
        f"didkit {didkit.info['version']} verify_credential "
        f"({didkit.info['proofType']}, VC 1.1):  {theirs:7.0f} /s"
    )
    print(f"vic ecdsa-rdfc-2019 P-256 verify_proofs:             {ours:7.0f} /s")
    print(f"ratio vic ÷ didkit (same run, interleaved rounds):   {ours / theirs:7.2f}")
    if args.json:
        print(
            json.dumps(
                {
                    "number": number,
                    "repeats": repeats,
                    "suites": [
                        {"cryptosuite": c, "key": k, "sign_per_s": s, "verify_per_s": v}
                        for c, k, s, v in rows
                    ],
                    "canonicalization_ms": {
                        "cold_first": cold["first"] * 1e3,
                        "cold_second": cold["second"] * 1e3,
                        "import": cold["import"] * 1e3,
                        "warm": warm["ours"] * 1e3,
                        "warm_plain_pyld": warm["pyld"] * 1e3,
                    },
                    "didkit_verify_per_s": theirs,
                    "ecdsa_rdfc_2019_verify_per_s": ours,
                    "ratio": ours / theirs,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
