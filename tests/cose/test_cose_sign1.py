"""vc+cose: round trips, the header profile, pycose as an oracle, COSE WG vectors, bad input."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import cbor2
import pytest

from tests.cose.support import (
    ALG_FOR,
    WEB_DID,
    Issuer,
    craft,
    pycose_algorithm,
    pycose_key,
    thaw,
)
from vic.contexts.errors import (
    DataModelError,
    DidResolutionError,
    InputTooLargeError,
    InvalidDidError,
    InvalidJsonError,
    KeyTypeMismatchError,
    ParsingError,
    ProofGenerationError,
    ProofVerificationError,
    VerificationMethodError,
)
from vic.did.keys import KeyType, PrivateKey, PublicKey
from vic.did.multibase import base64url_decode
from vic.did.resolver import DidResolver
from vic.did.web import build_did_web_document
from vic.vc.cose import (
    CONTENT_TYPE,
    MAX_COSE_BYTES,
    TYP,
    decode_sign1,
    sig_structure,
    sign_cose,
    verify_cose,
)

KEY_TYPES = list(KeyType)


def good_headers(issuer: Issuer, **changes: Any) -> dict[Any, Any]:
    headers: dict[Any, Any] = {
        1: ALG_FOR[issuer.key.key_type],
        3: CONTENT_TYPE,
        4: issuer.kid.encode(),
        16: TYP,
    }
    for label, value in changes.items():
        number = int(label.removeprefix("h"))
        if value is None:
            headers.pop(number, None)
        else:
            headers[number] = value
    return headers


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_sign_and_verify_round_trip(key_type: KeyType) -> None:
    issuer = Issuer.did_key(key_type)
    mark = issuer.mark()
    result = verify_cose(sign_cose(mark, issuer.key, issuer.kid), issuer.resolver())
    assert result.credential == mark
    assert result.kid == issuer.kid
    assert result.controller == issuer.did


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_did_web_issuer_round_trip(key_type: KeyType) -> None:
    issuer = Issuer.did_web(key_type)
    result = verify_cose(sign_cose(issuer.mark(), issuer.key, issuer.kid), issuer.resolver())
    assert result.controller == WEB_DID
    assert result.credential["credentialSubject"]["registrationNumber"] == "鄂L12345"


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_message_layout(key_type: KeyType) -> None:
    issuer = Issuer.did_key(key_type)
    mark = issuer.mark()
    data = sign_cose(mark, issuer.key, issuer.kid)
    message = cbor2.loads(data)
    assert message.tag == 18
    protected_bytes, unprotected, payload, signature = message.value
    assert cbor2.loads(protected_bytes) == {
        1: ALG_FOR[key_type],
        3: "application/vc",
        4: issuer.kid.encode(),
        16: "application/vc+cose",
    }
    assert unprotected == {}
    # Compact UTF-8 JSON: the plate's Chinese character is 3 bytes, not a \\u escape.
    assert payload == json.dumps(mark, separators=(",", ":"), ensure_ascii=False).encode()
    assert "鄂".encode() in payload
    assert len(signature) == PrivateKey.generate(key_type).public_key.signature_size
    # Deterministic CBOR: re-encoding the decoded message gives the same bytes.
    assert cbor2.dumps(cbor2.CBORTag(18, list(message.value)), canonical=True) == data


def test_ed25519_signing_is_deterministic() -> None:
    issuer = Issuer.did_key(KeyType.ED25519)
    mark = issuer.mark()
    assert sign_cose(mark, issuer.key, issuer.kid) == sign_cose(mark, issuer.key, issuer.kid)


# --- pycose as an oracle -------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_pycose_verifies_what_we_sign(key_type: KeyType) -> None:
    from pycose.headers import KID, Algorithm
    from pycose.messages import Sign1Message

    issuer = Issuer.did_key(key_type)
    data = sign_cose(issuer.mark(), issuer.key, issuer.kid)
    outer = cbor2.loads(data)
    assert outer.tag == Sign1Message.cbor_tag
    message = Sign1Message.from_cose_obj(thaw(outer.value), True)
    message.key = pycose_key(issuer.key.public_key)
    assert message.verify_signature()
    assert message.phdr[Algorithm] is pycose_algorithm(key_type)
    assert message.phdr[KID] == issuer.kid.encode()
    # The oracle rejects a signature by another key of the same type.
    message.key = pycose_key(PrivateKey.generate(key_type).public_key)
    assert not message.verify_signature()


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_we_verify_what_pycose_signs(key_type: KeyType) -> None:
    from pycose.headers import KID, Algorithm, ContentType
    from pycose.messages import Sign1Message

    issuer = Issuer.did_key(key_type)
    mark = issuer.mark()
    payload = json.dumps(mark).encode()  # pycose's side: ordinary (non-compact) JSON
    message = Sign1Message(
        phdr={
            Algorithm: pycose_algorithm(key_type),
            KID: issuer.kid.encode(),
            ContentType: CONTENT_TYPE,
        },
        uhdr={},
        payload=payload,
        key=pycose_key(issuer.key.public_key, issuer.key),
    )
    result = verify_cose(message.encode(), issuer.resolver())
    assert result.credential == mark
    assert result.controller == issuer.did


def test_pycose_message_with_kid_unprotected_verifies() -> None:
    """kid is a hint (RFC 9052); a message carrying it unprotected still verifies."""
    from pycose.headers import KID, Algorithm
    from pycose.messages import Sign1Message

    issuer = Issuer.did_key(KeyType.P256)
    message = Sign1Message(
        phdr={Algorithm: pycose_algorithm(KeyType.P256)},
        uhdr={KID: issuer.kid.encode()},
        payload=json.dumps(issuer.mark()).encode(),
        key=pycose_key(issuer.key.public_key, issuer.key),
    )
    assert verify_cose(message.encode(), issuer.resolver()).kid == issuer.kid


# --- COSE Working Group examples (github.com/cose-wg/Examples) ---------------------------------


class CoseWgVector(NamedTuple):
    key: PublicKey
    private: bytes
    to_be_signed: str
    cbor: str


# ecdsa-examples/ecdsa-sig-01.json and eddsa-examples/eddsa-sig-01.json: COSE_Sign1 over
# "This is the content." with protected {alg, content type 0} and kid "11" unprotected.
COSE_WG: dict[str, CoseWgVector] = {
    "ecdsa-sig-01": CoseWgVector(
        key=PublicKey.from_jwk(
            {
                "kty": "EC",
                "crv": "P-256",
                "x": "usWxHK2PmfnHKwXPS54m0kTcGJ90UiglWiGahtagnv8",
                "y": "IBOL-C3BttVivg-lSreASjpkttcsz-1rb7btKLv8EX4",
            }
        ),
        private=base64url_decode("V8kgd2ZBRuh2dgyVINBUqpPDr7BOMGcF22CQMIUHtNM"),
        to_be_signed=(
            "846A5369676E61747572653145A2012603004054546869732069732074686520636F6E74656E742E"
        ),
        cbor=(
            "D28445A201260300A10442313154546869732069732074686520636F6E74656E"
            "742E58406520BBAF2081D7E0ED0F95F76EB0733D667005F7467CEC4B87B9381A"
            "6BA1EDE8E00DF29F32A37230F39A842A54821FDD223092819D7728EFB9D3A008"
            "0B75380B"
        ),
    ),
    "eddsa-sig-01": CoseWgVector(
        key=PublicKey.from_bytes(
            KeyType.ED25519,
            bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
        ),
        private=bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
        to_be_signed=(
            "846A5369676E61747572653145A2012703004054546869732069732074686520636F6E74656E742E"
        ),
        cbor=(
            "D28445A201270300A10442313154546869732069732074686520636F6E74656E"
            "742E58407142FD2FF96D56DB85BEE905A76BA1D0B7321A95C8C4D3607C578193"
            "2B7AFB8711497DFA751BF40B58B3BCC32300B1487F3DB34085EEF013BF08F4A4"
            "4D6FEF0D"
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(COSE_WG))
def test_cose_wg_example(name: str) -> None:
    vector = COSE_WG[name]
    key_type = vector.key.key_type
    assert PrivateKey.from_bytes(key_type, vector.private).public_key == vector.key
    message = decode_sign1(bytes.fromhex(vector.cbor))
    assert message.payload == b"This is the content."
    assert message.kid == b"11"
    assert message.to_be_signed() == bytes.fromhex(vector.to_be_signed)
    assert sig_structure(message.protected_bytes, message.payload) == bytes.fromhex(
        vector.to_be_signed
    )
    message.verify_signature(vector.key)
    tampered = decode_sign1(bytes.fromhex(vector.cbor).replace(b"content", b"CONTENT"))
    with pytest.raises(ProofVerificationError) as info:
        tampered.verify_signature(vector.key)
    assert info.value.code == "INVALID_SIGNATURE"


def test_cose_wg_eddsa_signature_reproduced_byte_for_byte() -> None:
    vector = COSE_WG["eddsa-sig-01"]
    key = PrivateKey.from_bytes(KeyType.ED25519, vector.private)
    assert key.public_key == vector.key
    signature = key.sign(bytes.fromhex(vector.to_be_signed))
    assert signature == decode_sign1(bytes.fromhex(vector.cbor)).signature


# --- signing errors ------------------------------------------------------------------------------


def test_sign_refuses_a_kid_of_another_did() -> None:
    issuer, other = Issuer.did_key(), Issuer.did_key()
    with pytest.raises(ProofGenerationError) as info:
        sign_cose(issuer.mark(), issuer.key, other.kid)
    assert info.value.code == "ISSUER_MISMATCH"


def test_sign_refuses_a_bare_did_or_non_did_kid() -> None:
    issuer = Issuer.did_key()
    with pytest.raises(ProofGenerationError) as info:
        sign_cose(issuer.mark(), issuer.key, issuer.did)
    assert info.value.code == "INVALID_KID"
    with pytest.raises(InvalidDidError):
        sign_cose(issuer.mark(), issuer.key, "https://example.com/key#1")


def test_sign_refuses_vc_1_1_and_non_credentials() -> None:
    issuer = Issuer.did_key()
    v1 = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": issuer.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:1"},
    }
    with pytest.raises(DataModelError) as info:
        sign_cose(v1, issuer.key, issuer.kid)
    assert info.value.code == "INVALID_CONTEXT"
    not_vc = {**issuer.mark(), "type": ["VerifiablePresentation"]}
    with pytest.raises(DataModelError):
        sign_cose(not_vc, issuer.key, issuer.kid)


# --- verification errors -------------------------------------------------------------------------


def expect(
    error: type[Exception], code: str, data: bytes, resolver: DidResolver | None = None
) -> None:
    with pytest.raises(error) as info:
        verify_cose(data, resolver or DidResolver())
    assert getattr(info.value, "code", None) == code, info.value


@pytest.fixture
def issuer() -> Issuer:
    return Issuer.did_key(KeyType.P256)


def test_alg_in_unprotected_header_only(issuer: Issuer) -> None:
    data = craft(
        issuer.key,
        protected=good_headers(issuer, h1=None),
        unprotected={1: -7},
        payload=issuer.mark(),
    )
    expect(ProofVerificationError, "ALG_NOT_PROTECTED", data)


def test_alg_in_both_headers_conflicting(issuer: Issuer) -> None:
    data = craft(
        issuer.key, protected=good_headers(issuer), unprotected={1: -8}, payload=issuer.mark()
    )
    expect(ParsingError, "DUPLICATE_HEADER", data)


def test_kid_in_both_headers_conflicting(issuer: Issuer) -> None:
    other = Issuer.did_key()
    data = craft(
        issuer.key,
        protected=good_headers(issuer),
        unprotected={4: other.kid.encode()},
        payload=issuer.mark(),
    )
    expect(ParsingError, "DUPLICATE_HEADER", data)


def test_missing_alg(issuer: Issuer) -> None:
    data = craft(issuer.key, protected=good_headers(issuer, h1=None), payload=issuer.mark())
    expect(ProofVerificationError, "MISSING_ALGORITHM", data)


def test_empty_protected_header(issuer: Issuer) -> None:
    data = craft(
        issuer.key, protected=None, unprotected={4: issuer.kid.encode()}, payload=issuer.mark()
    )
    expect(ProofVerificationError, "MISSING_ALGORITHM", data)


@pytest.mark.parametrize(
    "alg",
    [
        5,  # HMAC 256/256 ("HS256"): a shared secret, never for an issuer's signature
        4,  # HMAC 256/64
        0,  # reserved
        -257,  # RS256
        -47,  # ES256K
        -36,  # ES512
        -37,  # PS256
        "none",
        "ES256",  # a text alg is not how COSE names ES256
        True,
        -7.0,
        b"\xf9",
    ],
)
def test_algorithms_off_the_allow_list(issuer: Issuer, alg: Any) -> None:
    data = craft(issuer.key, protected=good_headers(issuer, h1=alg), payload=issuer.mark())
    expect(ProofVerificationError, "UNSUPPORTED_ALGORITHM", data, issuer.resolver())


@pytest.mark.parametrize(
    ("key_type", "alg"),
    [
        (KeyType.P256, -35),
        (KeyType.P256, -8),
        (KeyType.P384, -7),
        (KeyType.P384, -8),
        (KeyType.ED25519, -7),
        (KeyType.ED25519, -35),
    ],
)
def test_alg_key_type_mismatch(key_type: KeyType, alg: int) -> None:
    issuer = Issuer.did_key(key_type)
    data = craft(issuer.key, protected=good_headers(issuer, h1=alg), payload=issuer.mark())
    expect(KeyTypeMismatchError, "KEY_TYPE_MISMATCH", data)


def test_unknown_kid(issuer: Issuer) -> None:
    other = Issuer.did_key()
    wrong_fragment = f"{issuer.did}#{other.kid.split('#')[1]}"
    data = craft(
        issuer.key,
        protected=good_headers(issuer, h4=wrong_fragment.encode()),
        payload=issuer.mark(),
    )
    expect(VerificationMethodError, "VERIFICATION_METHOD_NOT_FOUND", data)


def test_unpinned_did_web_kid(issuer: Issuer) -> None:
    data = craft(
        issuer.key,
        protected=good_headers(issuer, h4=b"did:web:forger.example#key-1"),
        payload=issuer.mark(),
    )
    expect(DidResolutionError, "DID_NOT_FOUND", data)


def test_kid_not_a_did_url(issuer: Issuer) -> None:
    data = craft(issuer.key, protected=good_headers(issuer, h4=b"11"), payload=issuer.mark())
    with pytest.raises(InvalidDidError):
        verify_cose(data, DidResolver())


def test_missing_or_malformed_kid(issuer: Issuer) -> None:
    data = craft(issuer.key, protected=good_headers(issuer, h4=None), payload=issuer.mark())
    expect(ProofVerificationError, "MISSING_KID", data)
    data = craft(issuer.key, protected=good_headers(issuer, h4=issuer.kid), payload=issuer.mark())
    expect(ParsingError, "INVALID_COSE", data)  # a text kid: RFC 9052 says bstr
    data = craft(issuer.key, protected=good_headers(issuer, h4=b"\xff\xfe"), payload=issuer.mark())
    expect(ParsingError, "INVALID_COSE", data)


def test_method_not_authorized_for_assertion() -> None:
    key = PrivateKey.generate(KeyType.P256)
    document = build_did_web_document(WEB_DID, [("key-1", key.public_key)])
    document["authentication"] = document.pop("assertionMethod")
    resolver = DidResolver({WEB_DID: document})
    issuer = Issuer(key, WEB_DID, f"{WEB_DID}#key-1")
    data = sign_cose(issuer.mark(), key, issuer.kid)
    expect(VerificationMethodError, "VERIFICATION_METHOD_NOT_AUTHORIZED", data, resolver)
    assert verify_cose(data, resolver, expected_purpose="authentication").controller == WEB_DID


def test_tampered_payload(issuer: Issuer) -> None:
    data = sign_cose(issuer.mark(), issuer.key, issuer.kid)
    tampered = data.replace(b"LSVAU2A36N2183457", b"LSVAU2A36N2183458")
    assert tampered != data
    expect(ProofVerificationError, "INVALID_SIGNATURE", tampered)


def test_tampered_protected_header(issuer: Issuer) -> None:
    data = sign_cose(issuer.mark(), issuer.key, issuer.kid)
    tampered = data.replace(b"application/vc+cose", b"application/vc+COSE")
    expect(ParsingError, "INVALID_TYP", tampered)
    message = cbor2.loads(data)
    protected = cbor2.loads(message.value[0])
    resigned_elsewhere = cbor2.dumps({**protected, 3: "application/vc+ld+json"}, canonical=True)
    swapped = cbor2.dumps(cbor2.CBORTag(18, [resigned_elsewhere, *message.value[1:]]))
    expect(ProofVerificationError, "INVALID_SIGNATURE", swapped)


def test_tampered_signature(issuer: Issuer) -> None:
    message = cbor2.loads(sign_cose(issuer.mark(), issuer.key, issuer.kid))
    protected, unprotected, payload, signature = message.value
    for bad in (bytes([signature[0] ^ 1]) + signature[1:], signature[:-1], b"", b"\0" * 64):
        data = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, payload, bad]))
        expect(ProofVerificationError, "INVALID_SIGNATURE", data)


def test_signature_by_another_key_of_the_same_type(issuer: Issuer) -> None:
    forger = PrivateKey.generate(KeyType.P256)
    data = craft(forger, protected=good_headers(issuer), payload=issuer.mark())
    expect(ProofVerificationError, "INVALID_SIGNATURE", data)


def test_issuer_binding() -> None:
    authority, forger = Issuer.did_key(), Issuer.did_key()
    claims_authority = authority.mark()  # issuer: the authority's DID
    data = craft(forger.key, protected=good_headers(forger), payload=claims_authority)
    expect(ProofVerificationError, "ISSUER_MISMATCH", data)
    unbound = verify_cose(data, DidResolver(), require_issuer_binding=False)
    assert unbound.controller == forger.did != unbound.credential["issuer"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "INVALID_CBOR"),
        (b"\xff", "INVALID_CBOR"),
        (b"\xd2\x84\x43", "INVALID_CBOR"),  # truncated
        (cbor2.dumps([b"", {}, b"{}", b""]), "INVALID_COSE"),  # untagged
        (cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"{}", []])), "INVALID_COSE"),  # COSE_Sign
        (cbor2.dumps(cbor2.CBORTag(17, [b"", {}, b"{}", b""])), "INVALID_COSE"),  # COSE_Mac0
        (cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b"{}"])), "INVALID_COSE"),
        (cbor2.dumps(cbor2.CBORTag(18, [b"", {}, None, b"\0" * 64])), "INVALID_COSE"),
        (cbor2.dumps(cbor2.CBORTag(18, [{}, {}, b"{}", b"\0" * 64])), "INVALID_COSE"),
        (cbor2.dumps(cbor2.CBORTag(18, [b"", [], b"{}", b"\0" * 64])), "INVALID_COSE"),
        (cbor2.dumps(cbor2.CBORTag(18, [b"\x01", {}, b"{}", b"\0" * 64])), "INVALID_COSE"),
        (cbor2.dumps(cbor2.CBORTag(18, [b"\xa1\x01", {}, b"{}", b"\0"])), "INVALID_CBOR"),
        (cbor2.dumps(cbor2.CBORTag(18, [b"\xa0\x00", {}, b"{}", b"\0"])), "TRAILING_BYTES"),
        (cbor2.dumps(cbor2.CBORTag(18, [b"", {1.5: 1}, b"{}", b"\0"])), "INVALID_COSE"),
        (cbor2.dumps(cbor2.CBORTag(18, [b"", {2: [99]}, b"{}", b"\0"])), "INVALID_COSE"),
        (
            cbor2.dumps(cbor2.CBORTag(55799, cbor2.CBORTag(18, [b"", {}, b"{}", b""]))),
            "INVALID_COSE",
        ),
        (b"\xd2\x84\x40\xa2\x01\x26\x01\x26\x40\x40", "INVALID_CBOR"),  # duplicate map key
    ],
)
def test_malformed_messages(data: bytes, code: str) -> None:
    expect(ParsingError, code, data)


def test_trailing_bytes(issuer: Issuer) -> None:
    data = sign_cose(issuer.mark(), issuer.key, issuer.kid)
    expect(ParsingError, "TRAILING_BYTES", data + b"\x00")
    expect(ParsingError, "TRAILING_BYTES", data + data)


def test_truncated_message(issuer: Issuer) -> None:
    data = sign_cose(issuer.mark(), issuer.key, issuer.kid)
    for end in (1, 10, len(data) // 2, len(data) - 1):
        expect(ParsingError, "INVALID_CBOR", data[:end])


def test_oversized_message() -> None:
    with pytest.raises(InputTooLargeError):
        decode_sign1(b"\0" * (MAX_COSE_BYTES + 1))
    with pytest.raises(InputTooLargeError):
        decode_sign1(b"\0" * 101, max_bytes=100)


def test_deep_cbor_is_refused() -> None:
    deep = b"\x81" * 500 + b"\x00"
    nested = b"\xd2\x84\x40\xa1\x20" + deep + b"\x42{}\x40"
    expect(ParsingError, "INVALID_CBOR", nested)


def test_semantic_tags_are_not_interpreted() -> None:
    unprotected = {
        -70000: cbor2.CBORTag(1, 10**30),  # an epoch date out of range
        -70001: cbor2.CBORTag(36, "Content-Type: text/plain\n\nhi"),  # a MIME message
        -70002: cbor2.CBORTag(35, "(a+)+$"),  # a regular expression
        -70003: cbor2.CBORTag(2, b"\xff" * 64),  # a bignum
    }
    data = cbor2.dumps(cbor2.CBORTag(18, [b"", unprotected, b"{}", b""]))
    message = decode_sign1(data)
    assert all(isinstance(v, cbor2.CBORTag) for v in message.unprotected.values())


@pytest.mark.parametrize("value", [b"x", "x", 5, [1, 2], None, {1: 2}])
def test_no_tag_is_interpreted(value: Any) -> None:
    """Every tag number cbor2 knows stays opaque (the list in vc.cose must follow cbor2)."""
    tags = range(70_000)
    unprotected = {-100_000 - t: cbor2.CBORTag(t, value) for t in tags}
    data = cbor2.dumps(cbor2.CBORTag(18, [b"", unprotected, b"{}", b""]))
    message = decode_sign1(data)
    assert len(message.unprotected) == len(tags)
    assert all(
        isinstance(v, cbor2.CBORTag) and v.tag == -100_000 - k
        for k, v in message.unprotected.items()
    )


def test_critical_headers(issuer: Issuer) -> None:
    mark = issuer.mark()
    unknown = craft(issuer.key, protected={**good_headers(issuer), 2: [99], 99: 1}, payload=mark)
    expect(ProofVerificationError, "UNSUPPORTED_CRITICAL_HEADER", unknown, issuer.resolver())
    absent = craft(issuer.key, protected={**good_headers(issuer), 2: [-65537]}, payload=mark)
    expect(ProofVerificationError, "UNSUPPORTED_CRITICAL_HEADER", absent)
    empty = craft(issuer.key, protected={**good_headers(issuer), 2: []}, payload=mark)
    expect(ProofVerificationError, "UNSUPPORTED_CRITICAL_HEADER", empty)
    understood = craft(issuer.key, protected={**good_headers(issuer), 2: [16]}, payload=mark)
    assert verify_cose(understood, issuer.resolver()).credential == mark
    unprotected_crit = craft(
        issuer.key, protected=good_headers(issuer), unprotected={2: [16]}, payload=mark
    )
    expect(ParsingError, "INVALID_COSE", unprotected_crit)


def test_typ_and_content_type(issuer: Issuer) -> None:
    mark = issuer.mark()
    for typ in ("application/vp+cose", "application/cose", 61, b"application/vc+cose"):
        data = craft(issuer.key, protected=good_headers(issuer, h16=typ), payload=mark)
        expect(ParsingError, "INVALID_TYP", data)
    for cty in ("application/vp", "application/json", 50):
        data = craft(issuer.key, protected=good_headers(issuer, h3=cty), payload=mark)
        expect(ParsingError, "INVALID_CONTENT_TYPE", data)
    # typ and content type are SHOULDs: a message without them verifies.
    bare = craft(issuer.key, protected=good_headers(issuer, h3=None, h16=None), payload=mark)
    assert verify_cose(bare, issuer.resolver()).credential == mark


@pytest.mark.parametrize(
    ("payload", "error", "code"),
    [
        (b"[1, 2]", InvalidJsonError, "INVALID_JSON"),
        (b"not json", InvalidJsonError, "INVALID_JSON"),
        (b"\xff\xfe{}", InvalidJsonError, "INVALID_JSON"),
        ('{"@context": []}'.encode("utf-16"), InvalidJsonError, "INVALID_JSON"),
        ('{"@context": []}'.encode("utf-32-le"), InvalidJsonError, "INVALID_JSON"),
        (b'\xef\xbb\xbf{"@context": []}', InvalidJsonError, "INVALID_JSON"),
        (b'{"a": 1, "a": 2}', InvalidJsonError, "DUPLICATE_KEY"),
        (b'{"type": "VerifiablePresentation"}', DataModelError, "INVALID_CONTEXT"),
    ],
)
def test_payload_must_be_a_credential(
    issuer: Issuer, payload: bytes, error: type[Exception], code: str
) -> None:
    data = craft(issuer.key, protected=good_headers(issuer), payload=payload)
    expect(error, code, data)


def test_payload_not_a_vc(issuer: Issuer) -> None:
    presentation = {**issuer.mark(), "type": ["VerifiablePresentation"]}
    data = craft(issuer.key, protected=good_headers(issuer), payload=presentation)
    expect(DataModelError, "INVALID_TYPE", data)
