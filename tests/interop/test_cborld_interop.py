"""Interop with an independent CBOR-LD implementation: @digitalbazaar/cborld 8.1.0.

``tests/interop/cborld.mjs`` drives cborld (exact version pinned in ``tests/interop/package.json``)
over JSON on stdin/stdout. For signed marks, under registry entries 0, 1, 100, a 100-like entry
(large context codes, the mark's contexts) and the demo authority's entry:

- vic's CBOR-LD bytes and cborld's are identical;
- cborld decodes vic's bytes to the credential, and vic decodes cborld's to it (and its proof
  verifies);

and the same for documents exercising every value codec (``tests/cborld/fixtures.py``), and for
the pre-1.0 tag forms cborld can still write. The registry entry's type tables are handed to
cborld as its 8.x ``typeTableLoader``. Set up with ``npm ci --prefix tests/interop``; without node
installed these tests skip, with node but without the package they fail.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cborld.fixtures import CODEC_CASES, CODEC_TABLES, EXAMPLE_CONTEXTS, example_loader
from tests.cborld.marks import DEMO_ENTRY_ID, did_key_mark, did_web_mark, web_resolver
from tests.mark.strategies import vehicle_subjects
from vic.did.resolver import DidResolver
from vic.vc.cborld import Registry, RegistryEntry, bundled_entry, decode, encode
from vic.vc.cborld.registry import tables_from_json
from vic.vc.mark import VehicleSubject, new_mark_id
from vic.vc.proofs import verify_proofs

pytestmark = pytest.mark.node

INTEROP_DIR = Path(__file__).resolve().parent
SCRIPT = INTEROP_DIR / "cborld.mjs"
NODE_TIMEOUT = 120
MIN_NODE_MAJOR = 20

LIKE_100 = 20100
CODECS = 20000
REGISTRY = Registry(
    [
        bundled_entry(),
        RegistryEntry(
            LIKE_100,
            {
                "context": {
                    "https://www.w3.org/ns/credentials/v2": 32768,
                    "https://w3id.org/vc-barcodes/v1": 32769,
                    "https://w3id.org/vehicle-inspection/v1": 32770,
                },
                "https://w3id.org/security#cryptosuiteString": {
                    "ecdsa-rdfc-2019": 1,
                    "ecdsa-sd-2023": 2,
                    "eddsa-rdfc-2022": 3,
                    "ecdsa-xi-2023": 4,
                },
            },
        ),
        RegistryEntry(CODECS, tables_from_json(CODEC_TABLES)),
    ]
)
MARK_ENTRIES = [0, 1, 100, LIKE_100, DEMO_ENTRY_ID]


class Cborld:
    """``node cborld.mjs``: one subprocess per batch of requests."""

    def __init__(self, node: str) -> None:
        self.node = node

    def run(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            done = subprocess.run(
                [self.node, str(SCRIPT)],
                input=json.dumps(requests, ensure_ascii=False).encode(),
                capture_output=True,
                cwd=INTEROP_DIR,
                timeout=NODE_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"cborld.mjs did not finish in {NODE_TIMEOUT} s")
        if done.returncode != 0:
            pytest.fail(f"cborld.mjs exited with {done.returncode}:\n{done.stderr.decode()}")
        answers: list[dict[str, Any]] = json.loads(done.stdout)
        assert len(answers) == len(requests)
        return answers

    def encode(self, document: dict[str, Any], entry_id: int, **extra: Any) -> dict[str, Any]:
        return {
            "op": "encode",
            "document": document,
            "registryEntryId": entry_id,
            "typeTables": REGISTRY.get(entry_id).type_tables_json(),
            **extra,
        }

    def decode(self, data: bytes, entry_id: int | None, **extra: Any) -> dict[str, Any]:
        tables = [] if entry_id is None else REGISTRY.get(entry_id).type_tables_json()
        return {"op": "decode", "hex": data.hex(), "typeTables": tables, **extra}


@pytest.fixture(scope="session")
def cborld_js() -> Cborld:
    node = shutil.which("node")
    if node is None:
        pytest.skip(
            f"node is not installed: the cborld interop tests need node >= {MIN_NODE_MAJOR} on PATH"
        )
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=NODE_TIMEOUT, check=True
    ).stdout.strip()
    match = re.fullmatch(r"v(\d+)\..*", version)
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        pytest.fail(f"node {version} is too old for the interop packages: need >= {MIN_NODE_MAJOR}")
    package = INTEROP_DIR / "node_modules" / "@digitalbazaar" / "cborld" / "package.json"
    if not package.is_file():
        pytest.fail(
            "node is installed but @digitalbazaar/cborld is not: run "
            "`npm ci --prefix tests/interop` (versions pinned in tests/interop/package-lock.json)"
        )
    assert json.loads(package.read_text("utf-8"))["version"] == "8.1.0"
    return Cborld(node)


def test_selftest_mrz_example(cborld_js: Cborld) -> None:
    done = subprocess.run(
        [cborld_js.node, str(SCRIPT), "selftest"],
        capture_output=True,
        cwd=INTEROP_DIR,
        timeout=NODE_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert json.loads(done.stdout) == {"decodes": True, "reencodes": True}


def _check_both_ways(
    cborld_js: Cborld, cases: list[tuple[dict[str, Any], int]], resolver: Any = None
) -> None:
    ours = [encode(doc, registry=REGISTRY, registry_entry_id=e) for doc, e in cases]
    requests = [cborld_js.encode(doc, e) for doc, e in cases]
    requests += [cborld_js.decode(data, e) for data, (_, e) in zip(ours, cases, strict=True)]
    answers = cborld_js.run(requests)
    encoded, decoded = answers[: len(cases)], answers[len(cases) :]
    for (doc, entry_id), data, theirs, back in zip(cases, ours, encoded, decoded, strict=True):
        assert "error" not in theirs, (entry_id, theirs)
        assert theirs["hex"] == data.hex(), entry_id
        assert back == {"document": doc}, entry_id
        ours_back = decode(bytes.fromhex(theirs["hex"]), registry=REGISTRY)
        assert ours_back == doc
        if resolver is not None and "proof" in doc:
            assert verify_proofs(ours_back, resolver=resolver).verified


@pytest.mark.parametrize("entry_id", MARK_ENTRIES)
def test_marks_byte_identical_both_ways(cborld_js: Cborld, entry_id: int) -> None:
    marks = [
        did_key_mark(),
        did_key_mark(mark_id=new_mark_id(), created=True),
        did_key_mark(status=None),
    ]
    _check_both_ways(cborld_js, [(m, entry_id) for m in marks], DidResolver())
    web = [did_web_mark(), did_web_mark(mark_id=new_mark_id(), created=True)]
    _check_both_ways(cborld_js, [(m, entry_id) for m in web], web_resolver())


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subjects=st.lists(vehicle_subjects(), min_size=6, max_size=6), ids=st.booleans())
def test_random_marks_byte_identical_both_ways(
    cborld_js: Cborld, subjects: list[VehicleSubject], ids: bool
) -> None:
    cases = []
    for index, subject in enumerate(subjects):
        mark_id = new_mark_id() if ids else None
        mark = did_key_mark(subject, mark_id=mark_id, created=index % 2 == 0)
        cases.append((mark, MARK_ENTRIES[index % len(MARK_ENTRIES)]))
    _check_both_ways(cborld_js, cases, DidResolver())


@pytest.mark.parametrize("entry_id", [1, CODECS])
def test_every_codec_byte_identical_both_ways(cborld_js: Cborld, entry_id: int) -> None:
    loader = example_loader()
    names = [name for name, _ in CODEC_CASES]
    docs = [doc for _, doc in CODEC_CASES]
    ours = [encode(d, registry=REGISTRY, registry_entry_id=entry_id, loader=loader) for d in docs]
    requests = [cborld_js.encode(d, entry_id, contexts=EXAMPLE_CONTEXTS) for d in docs]
    requests += [cborld_js.decode(b, entry_id, contexts=EXAMPLE_CONTEXTS) for b in ours]
    answers = cborld_js.run(requests)
    for name, doc, data, theirs, back in zip(
        names, docs, ours, answers[: len(docs)], answers[len(docs) :], strict=True
    ):
        assert back == {"document": doc}, name  # cborld reads what vic writes, always
        if name == "multibase-invalid-stays-text":
            # cborld throws on base58 it cannot decode; vic keeps the text (lossless)
            assert "error" in theirs
            continue
        assert theirs.get("hex") == data.hex(), name
        theirs_back = decode(bytes.fromhex(theirs["hex"]), registry=REGISTRY, loader=loader)
        assert theirs_back == doc, name


@pytest.mark.parametrize("entry_id", [0, 1, 100, DEMO_ENTRY_ID])
def test_legacy_range_form(cborld_js: Cborld, entry_id: int) -> None:
    mark = did_web_mark(mark_id=new_mark_id())
    ours = encode(mark, registry=REGISTRY, registry_entry_id=entry_id, format="legacy-range")
    (theirs,) = cborld_js.run([cborld_js.encode(mark, entry_id, format="legacy-range")])
    assert theirs["hex"] == ours.hex()
    assert decode(bytes.fromhex(theirs["hex"]), registry=REGISTRY) == mark
    (back,) = cborld_js.run([cborld_js.decode(ours, entry_id)])
    assert back == {"document": mark}


@pytest.mark.parametrize("compressed", [True, False])
def test_legacy_singleton_form(cborld_js: Cborld, compressed: bool) -> None:
    mark = did_key_mark(mark_id=new_mark_id(), created=True)
    ours = encode(
        mark,
        registry=REGISTRY,
        registry_entry_id=1 if compressed else 0,
        format="legacy-singleton",
    )
    request = {"op": "encode", "document": mark, "format": "legacy-singleton"}
    if not compressed:
        request["compressionMode"] = 0
    (theirs, back) = cborld_js.run([request, cborld_js.decode(ours, None)])
    assert back == {"document": mark}
    assert theirs["hex"] == ours.hex()
    assert decode(bytes.fromhex(theirs["hex"]), registry=REGISTRY) == mark
