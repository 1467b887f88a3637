"""Fuzzing the decoders: whatever comes in, only vic's own errors come out."""

from __future__ import annotations

import contextlib
import os

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zlib_ng import zlib_ng

from tests.cose.support import Issuer
from vic.contexts.errors import VicError
from vic.did.keys import KeyType
from vic.did.resolver import DidResolver
from vic.vc import base45
from vic.vc.cose import decode_sign1, sign_cose, verify_cose
from vic.vc.qrcose import PREFIX, decode_cose_barcode, verify_cose_barcode

ISSUER = Issuer.did_key(KeyType.P256)
GOOD = sign_cose(ISSUER.mark(), ISSUER.key, ISSUER.kid)
RESOLVER = DidResolver()
FUZZ = settings(
    max_examples=int(os.environ.get("VIC_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)

cbor_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True)
    | st.binary(max_size=40)
    | st.text(max_size=40)
)
cbor_values = st.recursive(
    cbor_leaves,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.integers(-100, 100) | st.text(max_size=5), inner, max_size=5)
        | st.builds(cbor2.CBORTag, st.sampled_from([0, 1, 2, 18, 24, 35, 36, 258, 55799]), inner)
    ),
    max_leaves=20,
)


def only_vic_errors(call: object, *args: object) -> None:
    """Run ``call``; it may succeed (a mutation can leave a valid message) or raise VicError."""
    with contextlib.suppress(VicError):
        call(*args)  # type: ignore[operator]


def rejected(call: object, *args: object) -> None:
    """``call`` must fail, and with one of vic's errors (anything else propagates)."""
    with pytest.raises(VicError):
        call(*args)  # type: ignore[operator]


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes(data: bytes) -> None:
    only_vic_errors(decode_sign1, data)
    rejected(verify_cose, data, RESOLVER)


@FUZZ
@given(st.binary(max_size=len(GOOD)), st.integers(0, len(GOOD) - 1), st.integers(0, 3))
def test_mutated_messages(noise: bytes, position: int, mode: int) -> None:
    if mode == 0:  # overwrite a stretch
        data = GOOD[:position] + noise + GOOD[position + len(noise) :]
    elif mode == 1:  # insert
        data = GOOD[:position] + noise[:8] + GOOD[position:]
    elif mode == 2:  # delete
        data = GOOD[:position] + GOOD[position + len(noise) % 16 + 1 :]
    else:  # flip one byte
        data = (
            GOOD[:position]
            + bytes([GOOD[position] ^ (noise[:1] or b"\x01")[0]])
            + GOOD[position + 1 :]
        )
    if data != GOOD:
        only_vic_errors(verify_cose, data, RESOLVER)


@FUZZ
@given(cbor_values, cbor_values, cbor_values, cbor_values)
def test_structured_cbor(
    protected: object, unprotected: object, payload: object, sig: object
) -> None:
    try:
        protected_bytes = cbor2.dumps(protected) if not isinstance(protected, bytes) else protected
        data = cbor2.dumps(cbor2.CBORTag(18, [protected_bytes, unprotected, payload, sig]))
    except (cbor2.CBOREncodeError, ValueError, TypeError):
        return
    rejected(verify_cose, data, RESOLVER)


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    rejected(decode_cose_barcode, text)
    rejected(decode_cose_barcode, PREFIX + text)


@FUZZ
@given(st.binary(max_size=400), st.booleans())
def test_random_payloads_behind_the_prefix(data: bytes, compress: bool) -> None:
    body = zlib_ng.compress(data, 9) if compress else data
    rejected(verify_cose_barcode, PREFIX + base45.encode(body), RESOLVER)
