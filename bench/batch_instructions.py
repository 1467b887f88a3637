"""CPU instructions per credential of a whole batch, every process counted: a load-proof figure.

    .venv/bin/python bench/batch_instructions.py                 # one, threads, pool1, pool2
    .venv/bin/python bench/batch_instructions.py -n 200 pool1

On bench/verify_path.py's QR texts (64 distinct marks, status from both lists in memory, a
fixed key), each figure runs this script under valgrind's cachegrind with
``--trace-children=yes`` (the pool's workers are fresh interpreters, counted too), twice: with
two warm-up batches of ``-n`` texts and with two more, and divides the difference of the summed
instructions by ``2 × n``: start-up, set-up and the warm-up cancel out.

- ``one``: ``verify_credentials(texts, threads=1)``;
- ``threads``: the same with ``threads=2`` (valgrind runs one thread at a time: this counts what
  the threads add, not what they gain);
- ``pool1``, ``pool2``: a :class:`~vic.verifier.BatchVerifier` of 1 and 2 workers, started and
  warmed, this process verifying a share (the split between the processes varies from run to
  run; the sum is what two idle cores must execute per credential).

Needs valgrind; several minutes per figure. Nothing touches the network.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

WHAT = ("one", "threads", "pool1", "pool2")


def _workload(what: str, number: int, batches: int) -> None:
    from verify_path import Setup, clock

    from vic.did.keys import KeyType, PrivateKey
    from vic.verifier import BatchVerifier, verify_credentials

    setup = Setup(key=PrivateKey.from_bytes(KeyType.P256, bytes(range(1, 33))))
    texts = [setup.batch_qr[i % len(setup.batch_qr)] for i in range(number)]
    common: dict[str, Any] = {"clock": clock, "status_source": setup.status}
    pool = None
    if what.startswith("pool"):
        pool = BatchVerifier(
            trust=setup.trust,
            resolver=setup.resolver,
            registry=setup.registry,
            workers=int(what[4:]),
        )
        pool.start()

    def run() -> None:
        if pool is not None:
            pool.verify(texts, **common)
        else:
            threads = 2 if what == "threads" else 1
            verify_credentials(texts, trust=setup.trust, threads=threads, **common)

    for _ in range(2 + batches):
        run()
    if pool is not None:
        pool.close()


def _instructions(what: str, number: int, batches: int) -> int:
    from verify_instructions import cachegrind_instructions

    return cachegrind_instructions(
        __file__, ["--run", what, str(number), str(batches)], children=True
    )


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--run":
        _workload(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="*", help=f"any of {', '.join(WHAT)} (default: all)")
    parser.add_argument("-n", "--number", type=int, default=400, help="credentials per batch")
    args = parser.parse_args()
    unknown = set(args.what) - set(WHAT)
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(sorted(unknown))}")
    print(f"instructions per credential, all processes (valgrind cachegrind, 2 × {args.number})")
    for what in args.what or WHAT:
        more = _instructions(what, args.number, 2) - _instructions(what, args.number, 0)
        print(f"  {what:<8}{more / (2 * args.number) / 1e6:8.3f} M")


if __name__ == "__main__":
    main()
