"""What the verify path keeps between calls, and that it is keyed and bounded."""

from __future__ import annotations

from typing import Any

import pytest

from tests.authority import Authority, clock
from vic.did.resolver import DidResolver, guarded_did_fetch
from vic.verifier import Status, TrustList, verify_credential


def test_a_trust_list_keeps_its_offline_resolver() -> None:
    authority = Authority()
    trust = TrustList().with_issuers([authority.did])
    assert trust.resolver() is trust.resolver()
    assert isinstance(trust.resolver(), DidResolver)
    from vic.did.fetch import GuardedFetcher

    fetching = trust.resolver(fetch=guarded_did_fetch(GuardedFetcher()))
    assert fetching is not trust.resolver()  # a fetching resolver is the caller's, built anew
    other = TrustList().with_issuers([Authority().did])
    assert other.resolver() is not trust.resolver()
    mark = authority.mark(index=None)
    assert verify_credential(mark, trust=trust, clock=clock).status is Status.VALID
    assert verify_credential(mark, trust=other, clock=clock).status is not Status.VALID


def test_the_registry_is_built_only_for_a_barcode(monkeypatch: pytest.MonkeyPatch) -> None:
    """A JSON credential needs no CBOR-LD registry: the trust list's is not built for it."""
    from vic.vc.barcode import encode_barcode

    authority = Authority()
    trust = TrustList().with_issuers([authority.did])
    mark = authority.mark(index=None)
    text = encode_barcode(mark, trust.registry())
    built: list[TrustList] = []
    real = TrustList.registry

    def counting(self: TrustList) -> Any:
        built.append(self)
        return real(self)

    monkeypatch.setattr(TrustList, "registry", counting)
    assert verify_credential(mark, trust=trust, clock=clock).status is Status.VALID
    assert built == []
    assert verify_credential(text, trust=trust, clock=clock).status is Status.VALID
    assert built == [trust]


def test_a_trust_list_copies_without_its_resolver() -> None:
    import copy
    import pickle

    authority = Authority()
    trust = TrustList().with_issuers([authority.did])
    kept = trust.resolver()
    assert trust.trusts(authority.did)  # builds the issuer index
    for copied in (pickle.loads(pickle.dumps(trust)), copy.deepcopy(trust)):
        assert copied == trust
        assert "_by_id" not in vars(copied)  # rebuilt on first use
        assert copied.trusts(authority.did)
        assert copied.get(authority.did) == trust.get(authority.did)
        assert copied.resolver() is not kept
        assert copied.resolver() is copied.resolver()
        mark = authority.mark(index=None)
        assert verify_credential(mark, trust=copied, clock=clock).status is Status.VALID
