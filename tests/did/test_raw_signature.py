"""did.keys: raw r || s signatures checked and turned into DER without integers.

``raw_to_der`` must give exactly ``encode_dss_signature(r, s)``, and ``PublicKey.verify`` must
answer as the integer form did (0 < r, s < the group order; any other length False).
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from vic.did.curve_checks import P256_ORDER, P384_ORDER
from vic.did.keys import KeyType, PrivateKey, raw_to_der

_ORDERS = {32: P256_ORDER, 48: P384_ORDER}


def _edges(half: int) -> list[int]:
    order = _ORDERS[half]
    out = [1, 2, 0x7F, 0x80, 0xFF, 0x100, order - 1, order // 2, 2 ** (8 * half - 1)]
    out += [2 ** (8 * k) - 1 for k in range(1, half)] + [2 ** (8 * k) for k in range(1, half)]
    out += [2 ** (8 * k - 1) for k in range(1, half)]
    return [n for n in out if 0 < n < order]


@pytest.mark.parametrize("half", [32, 48])
def test_edges_match_encode_dss_signature(half: int) -> None:
    for r in _edges(half):
        for s in _edges(half):
            raw = r.to_bytes(half, "big") + s.to_bytes(half, "big")
            assert raw_to_der(raw, half) == encode_dss_signature(r, s)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([32, 48]), st.data())
def test_random_values_match_encode_dss_signature(half: int, data: st.DataObject) -> None:
    order = _ORDERS[half]
    r = data.draw(st.integers(1, order - 1))
    s = data.draw(st.integers(1, order - 1))
    raw = r.to_bytes(half, "big") + s.to_bytes(half, "big")
    assert raw_to_der(raw, half) == encode_dss_signature(r, s)


@pytest.mark.parametrize("key_type", [KeyType.P256, KeyType.P384, KeyType.ED25519])
def test_verify_answers_as_the_integer_form(key_type: KeyType) -> None:
    key = PrivateKey.from_bytes(key_type, bytes(range(1, 33 if key_type != KeyType.P384 else 49)))
    public = key.public_key
    data = b"hash data"
    good = key.sign(data)
    assert public.verify(good, data)
    assert public.verify(bytearray(good), memoryview(data))
    assert not public.verify(good, data + b"x")
    size = len(good)
    half = size // 2
    assert not public.verify(good[:-1], data)
    assert not public.verify(good + b"\0", data)
    assert not public.verify(b"", data)
    if key_type is KeyType.ED25519:
        return
    order = _ORDERS[half].to_bytes(half, "big")
    zero = bytes(half)
    r, s = good[:half], good[half:]
    for bad in (zero + s, r + zero, order + s, r + order, b"\xff" * size, zero * 2):
        assert not public.verify(bad, data)
    high_s = (_ORDERS[half] - int.from_bytes(s, "big")).to_bytes(half, "big")
    assert public.verify(r + high_s, data)  # (ECDSA's malleability: -s verifies too)
