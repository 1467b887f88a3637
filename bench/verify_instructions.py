"""CPU instructions per verification of the JSON mark: a figure the machine's load cannot move.

    .venv/bin/python bench/verify_instructions.py             # json, nostatus, batch, ecdsa
    .venv/bin/python bench/verify_instructions.py -n 100 json

On a shared machine a rate swings by half with the other jobs; the number of instructions a call
executes does not (within a fraction of a percent). Each figure runs this script twice under
valgrind's cachegrind (``--cache-sim=no``), once with no timed calls and once with ``-n`` of
them, and divides the difference by ``-n``: interpreter start-up and set-up cancel out.
Needs valgrind. The same lean mark as bench/verify_path.py (ecdsa-rdfc-2019, P-256, did:key,
both signed status lists in memory); ``ecdsa`` is the P-256 signature check alone (the floor of
a verification).

- ``json``: ``verify_credential(mark)``, status from both lists;
- ``nostatus``: the same with ``check_status_lists=False``;
- ``batch``: ``verify_credentials`` over 8 distinct marks (per mark);
- ``qr``: ``verify_credential(text)`` from the mark's ``VC1-R`` QR text, status from both lists;
- ``qrbatch``: ``verify_credentials`` over the QR texts of 8 distinct marks (per mark);
- ``qrthreads``: the same batch of 32 (4 rounds of the 8 texts) on two threads (per mark;
  valgrind runs one thread at a time, so this is the work of both, hand-overs of the GIL
  included: what threads add, not what they gain);
- ``poolworker``: a :class:`~vic.verifier.BatchVerifier` worker's work per mark of a chunk of
  the 8 texts: the chunk unpickled, verified (``verify_each``), the results packed and pickled;
- ``poolparent``: the pool's parent's work per mark: the chunk pickled, the results unpickled
  and rebuilt (its ``wait`` and pipe system calls are not counted: valgrind counts user space);
- ``ecdsa``: ``PublicKey.verify`` of the mark's signature over 64 bytes;
- ``proof``: the mark's proof check alone (``verify_proofs_of_allowed_contexts``, as the verifier
  calls it: canonical forms, hashes, proof value, did:key, signature);
- ``eddsaproof``: the same for the mark signed with eddsa-rdfc-2022 (Ed25519);
- ``eddsa``: ``PublicKey.verify`` of that Ed25519 signature over 64 bytes;
- ``after``: what ``json`` does after the proof check, alone: the issuer binding, trust,
  validity, status from both lists, the summary and the result objects (``verify._binding`` and
  ``verify._conclude`` on the JSON mark's inputs);
- ``markpass``: the checks before the proof alone (``vc.markpass.mark_pass`` of the JSON mark).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

WHAT = (
    "json",
    "nostatus",
    "batch",
    "qr",
    "qrbatch",
    "qrthreads",
    "poolworker",
    "poolparent",
    "ecdsa",
    "proof",
    "eddsaproof",
    "eddsa",
    "after",
    "markpass",
)
BATCH = 8


def _workload(what: str, number: int) -> None:
    """Set up, warm up, then make ``number`` calls of ``what`` (run under valgrind)."""
    from verify_path import Setup, clock

    from vic.did.key import did_key, did_key_method_id
    from vic.did.keys import KeyType, PrivateKey
    from vic.did.multibase import multibase_decode
    from vic.did.resolver import DidResolver
    from vic.vc.proofs import add_proof, verify_proofs_of_allowed_contexts
    from vic.verifier import verify_credential, verify_credentials

    setup = Setup(key=PrivateKey.from_bytes(KeyType.P256, bytes(range(1, 33))), batch=BATCH)
    the_mark, marks, method = setup.mark, setup.batch_marks, setup.method
    the_text, texts = setup.qr, setup.batch_qr
    common: dict[str, Any] = {
        "trust": setup.trust,
        "resolver": setup.trust.resolver(),
        "clock": clock,
        "status_source": setup.status,
        "registry": setup.registry,
    }
    public_key = common["resolver"].resolve_method(method, "assertionMethod").public_key
    signature = multibase_decode(the_mark["proof"]["proofValue"])
    data = bytes(64)
    ed_key = PrivateKey.from_bytes(KeyType.ED25519, bytes(range(1, 33)))
    ed_method = did_key_method_id(ed_key.public_key)
    unsigned = {k: v for k, v in the_mark.items() if k != "proof"}
    ed_mark = add_proof(
        {**unsigned, "issuer": did_key(ed_key.public_key)},
        key=ed_key,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=ed_method,
        clock=clock,
    )
    ed_signature = multibase_decode(ed_mark["proof"]["proofValue"])
    ed_resolver = DidResolver()
    ed_public = ed_resolver.resolve_method(ed_method, "assertionMethod").public_key

    def proof_of(mark: Any, resolver: Any) -> None:
        result = verify_proofs_of_allowed_contexts(
            mark, resolver=resolver, clock=clock, depth_checked=True
        )
        assert result.verified, result

    after = _after(setup, common)
    from vic.vc.markpass import mark_pass

    document = dict(the_mark)
    pool_worker, pool_parent = _pool(texts, common)
    threaded = texts * 4

    def call() -> None:
        if what == "json":
            verify_credential(the_mark, **common)
        elif what == "nostatus":
            verify_credential(the_mark, check_status_lists=False, **common)
        elif what == "batch":
            verify_credentials(marks, **common)
        elif what == "qr":
            verify_credential(the_text, **common)
        elif what == "qrbatch":
            verify_credentials(texts, threads=1, **common)
        elif what == "qrthreads":
            verify_credentials(threaded, threads=2, **common)
        elif what == "poolworker":
            pool_worker()
        elif what == "poolparent":
            pool_parent()
        elif what == "proof":
            proof_of(the_mark, common["resolver"])
        elif what == "eddsaproof":
            proof_of(ed_mark, ed_resolver)
        elif what == "eddsa":
            ed_public.verify(ed_signature, data)
        elif what == "after":
            after()
        elif what == "markpass":
            assert mark_pass(document) is not None
        else:
            public_key.verify(signature, data)

    for _ in range(3):
        call()
    calls = number // BATCH if what in ("batch", "qrbatch", "poolworker", "poolparent") else number
    calls = number // (4 * BATCH) if what == "qrthreads" else calls
    for _ in range(calls):
        call()


def _pool(texts: list[str], common: dict[str, Any]) -> tuple[Any, Any]:
    """A pool worker's and the pool's parent's work on one chunk of ``texts`` (in this process,
    as :mod:`vic.verifier.pool` does it on each side of the pipe)."""
    import pickle

    from vic.vc.contextpolicy import DEFAULT_CONTEXT_POLICY
    from vic.verifier.batch import OncePerBatch, verify_each
    from vic.verifier.pool import _dumps, _pack, _unpack

    now = common["clock"]()
    chunk = _dumps(("chunk", 1, 0, now, True, True, texts))
    source = OncePerBatch(common["status_source"])

    def worker() -> bytes:
        items = pickle.loads(chunk)[-1]
        results = verify_each(
            items,
            trust=common["trust"],
            resolver=common["resolver"],
            loader=None,
            now=now,
            status_source=source,
            check_status_lists=True,
            registry=common["registry"],
            clock_skew=timedelta(minutes=5),
            context_policy=DEFAULT_CONTEXT_POLICY,
        )
        return _dumps(("done", 0, [_pack(r) for r in results]))

    reply = worker()

    def parent() -> None:
        _dumps(("chunk", 1, 0, now, True, True, texts))
        [_unpack(p) for p in pickle.loads(reply)[2]]

    return worker, parent


def _after(setup: Any, common: dict[str, Any]) -> Any:
    """``verify_credential``'s work after the proof check, on the JSON mark's inputs."""
    from datetime import timedelta

    from vic.vc.datamodel import check_credential
    from vic.vc.mark import check_mark
    from vic.verifier import verify_credential
    from vic.verifier.status import verified_status_list
    from vic.verifier.verify import _binding, _conclude, _latest, _not_before

    document = dict(setup.mark)
    info = check_credential(document)
    subject = check_mark(document)
    dated = _not_before(info.valid_from, document)
    before = verify_credential(document, **common).checks[:4]  # parse, data model, mark, proof
    issuer, resolver, method = info.issuer, common["resolver"], setup.method
    skew = timedelta(minutes=5)
    start = _latest(dated, info.valid_from)

    def run() -> None:
        checks = [*before, _binding({issuer}, issuer, {method}, resolver, dated)]
        _conclude(
            checks,
            document,
            info,
            subject,
            start,
            info.valid_until,
            common["trust"],
            common["status_source"],
            True,
            resolver,
            None,
            common["clock"],
            skew,
            verified_status_list,
        )

    return run


def cachegrind_instructions(script: str, args: list[str], *, children: bool = False) -> int:
    """The instructions valgrind counts for ``python script args`` (hash seed fixed), summed over
    the child processes too when ``children`` (a process pool's workers)."""
    out = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            *(["--trace-children=yes"] if children else []),
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            script,
            *args,
        ],
        env=dict(os.environ, PYTHONHASHSEED="0"),
        capture_output=True,
        text=True,
        check=True,
    )
    counts = re.findall(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if not counts:
        raise SystemExit(f"no instruction count from valgrind:\n{out.stderr[-2000:]}")
    return sum(int(count.replace(",", "")) for count in counts)


def _instructions(what: str, number: int) -> int:
    return cachegrind_instructions(__file__, ["--run", what, str(number)])


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--run":
        _workload(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="*", help=f"any of {', '.join(WHAT)} (default: all)")
    parser.add_argument("-n", "--number", type=int, default=200, help="calls (multiple of 8)")
    args = parser.parse_args()
    unknown = set(args.what) - set(WHAT)
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(sorted(unknown))}")
    number = max(BATCH, args.number - args.number % BATCH)
    print(f"instructions per call (valgrind cachegrind, {number} calls minus none)")
    for what in args.what or WHAT:
        per_call = (_instructions(what, number) - _instructions(what, 0)) / number
        print(f"  {what:<9}{per_call / 1e6:8.2f} M")


if __name__ == "__main__":
    main()
