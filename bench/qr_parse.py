"""The QR parse path alone: ``VC1-R`` text -> base45 -> CBOR-LD decode -> JSON-LD document.

    .venv/bin/python bench/qr_parse.py            # -n 2000 -r 9, a few seconds
    .venv/bin/python bench/qr_parse.py --quick    # -n 500 -r 5

Timed in CPU time of this process (steadier than the wall clock on a shared machine), each round
interleaved (same load for all), median of the rounds, per call:

- base45: ``vc.base45.decode`` of the mark's QR text (after ``VC1-R``);
- CBOR-LD, plan: ``vc.cborld.decode`` of its bytes, as the verifier runs it (the compiled plan of
  the shape, vic.vc.cborld.decodeplan);
- CBOR-LD, walk: the same with plans off (``converter._USE_PLANS = False``): the general walk,
  which shows canonicity as it goes;
- CBOR-LD, re-encode: the walk and a full re-encode (``converter._ALWAYS_REENCODE``), the check
  the decoder made before either;
- QR text -> document: ``vc.barcode.decode_barcode`` (base45 + CBOR-LD, plans on);
- base45 / QR text -> document, as before: the group-by-group base45 decode (which the fast one
  falls back to for errors) and that plus the walk, what ``decode_barcode`` ran before the plans.

The mark is bench/verify_path.py's (lean mark, ecdsa-rdfc-2019, did:key issuer, its registry
entry). Nothing touches the network.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _per_call(run: Callable[[], Any], number: int) -> float:
    start = time.process_time()
    for _ in range(number):
        run()
    return (time.process_time() - start) / number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--number", type=int, default=2000)
    parser.add_argument("-r", "--repeats", type=int, default=9)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.number, args.repeats = 500, 5

    from verify_path import Setup

    from vic.vc import base45
    from vic.vc.barcode import decode_barcode
    from vic.vc.cborld import converter, decode

    setup = Setup()
    text, registry = setup.qr, setup.registry
    data = base45.decode(text[len("VC1-R") :])
    expected = decode(data, registry=registry)

    def cborld(plans: bool, reencode: bool) -> Callable[[], Any]:
        def run() -> Any:
            converter._USE_PLANS, converter._ALWAYS_REENCODE = plans, reencode
            try:
                return decode(data, registry=registry)
            finally:
                converter._USE_PLANS, converter._ALWAYS_REENCODE = True, False

        assert run() == expected
        return run

    def walk(raw: bytes) -> Any:
        converter._USE_PLANS = False
        try:
            return decode(raw, registry=registry)
        finally:
            converter._USE_PLANS = True

    cases: dict[str, Callable[[], Any]] = {
        "base45": lambda: base45.decode(text[5:]),
        "CBOR-LD, plan": cborld(True, False),
        "CBOR-LD, walk": cborld(False, False),
        "CBOR-LD, re-encode": cborld(False, True),
        "QR text -> document": lambda: decode_barcode(text, registry),
        "base45, before": lambda: base45._decode_slowly(text[5:]),
        "QR text -> doc, before": lambda: walk(base45._decode_slowly(text[5:])),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, run in cases.items():
            times[name].append(_per_call(run, args.number))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"QR text of {len(text)} characters, {len(data)} bytes of CBOR-LD")
    print(f"median of {args.repeats} rounds x {args.number} calls, per call:")
    for name, value in medians.items():
        print(f"  {name:<22} {value * 1e6:8.1f} µs")
    plan = medians["CBOR-LD, plan"]
    print(f"  walk ÷ plan            {medians['CBOR-LD, walk'] / plan:8.2f}")
    print(f"  re-encode ÷ plan       {medians['CBOR-LD, re-encode'] / plan:8.2f}")
    before, after = medians["QR text -> doc, before"], medians["QR text -> document"]
    print(f"  text -> doc, before ÷ after {before / after:5.2f}")


if __name__ == "__main__":
    main()
