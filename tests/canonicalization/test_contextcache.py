"""The context cache itself: it hits, it is bounded, and it is safe under threads."""

from __future__ import annotations

import copy
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from unittest import mock

from tests.canonicalization.helpers import (
    LOADER,
    SAMPLE_SUBJECT,
    mark,
    proof_config,
    reference,
    vector_documents,
)
from vic.vc.contextcache import (
    SHARED_CACHE,
    CachingProcessor,
    ContextCache,
    LockedLRU,
    ProcessedMemo,
)
from vic.vc.jsonld import canonicalize


def test_a_warm_mark_processes_no_context() -> None:
    """Once warm, canonicalizing a mark creates no term definition and serializes no context."""
    sample = mark(dict(SAMPLE_SUBJECT))
    canonicalize(sample)
    canonicalize(proof_config(sample))
    original = CachingProcessor._create_term_definition
    with (
        mock.patch.object(
            CachingProcessor, "_create_term_definition", autospec=True, side_effect=original
        ) as created,
        mock.patch("vic.vc.contextcache._json_key") as json_key,
    ):
        canonicalize(mark(dict(SAMPLE_SUBJECT), id="urn:uuid:00000000-0000-4000-8000-000000000000"))
        canonicalize(proof_config(sample, "2027-01-01T00:00:00Z"))
    assert created.call_count == 0
    assert json_key.call_count == 0


def test_threads_agree_with_plain_pyld() -> None:
    documents: list[dict[str, Any]] = [document for _, document in vector_documents()]
    for index in range(8):
        sample = mark(
            dict(SAMPLE_SUBJECT, vehicleTypeCode=f"K3{index}"),
            id=f"urn:uuid:00000000-0000-4000-8000-00000000000{index}",
        )
        documents += [sample, proof_config(sample)]
        inline = copy.deepcopy(sample)
        inline["@context"] = [*sample["@context"], {"extraIndex": f"https://x.example/{index}"}]
        inline["credentialSubject"]["extraIndex"] = str(index)
        documents.append(inline)
    expected = [reference(document, LOADER) for document in documents]
    SHARED_CACHE.clear()
    barrier = threading.Barrier(6)

    def work(offset: int) -> list[bool]:
        barrier.wait()
        results = []
        for round_ in range(3):
            for i in range(len(documents)):
                j = (i * (offset + 1) + round_) % len(documents)
                results.append(canonicalize(documents[j], LOADER) == expected[j])
        return results

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(work, range(6)))
    assert all(all(results) for results in outcomes)


def test_locked_lru_is_bounded() -> None:
    lru: LockedLRU[int, str] = LockedLRU(3)
    for i in range(10):
        assert lru.put(i, str(i)) == str(i)
    assert len(lru) == 3
    assert lru.get(0) is None
    assert lru.get(9) == "9"
    assert lru.put(9, "other") == "9"  # first writer wins


def test_processed_memo_is_bounded_and_tracks_stable_contexts() -> None:
    memo = ProcessedMemo(2)
    active = [object() for _ in range(3)]
    results = [object() for _ in range(3)]
    for i in range(3):
        memo.put(active[i], (id(active[i]),), results[i])
    assert len(memo) == 2
    assert not memo.is_stable(results[0])
    assert memo.is_stable(results[2])
    assert memo.get(active[2], (id(active[2]),)) is results[2]
    assert memo.get(object(), (id(active[2]),)) is None  # the key's context must be the same


def test_a_private_cache_is_independent() -> None:
    cache = ContextCache(max_inline=1, max_processed=4)
    sample = mark(dict(SAMPLE_SUBJECT))
    processor = CachingProcessor(cache)
    from vic.vc.contextcache import CachingContextResolver

    options = {
        "documentLoader": LOADER,
        "contextResolver": CachingContextResolver(cache, LOADER),
        "base": None,
        "processingMode": "json-ld-1.1",
    }
    processor.expand(sample, options)
    assert 0 < len(cache.processed) <= 4
