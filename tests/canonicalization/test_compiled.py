"""The compiled path (vc.markcanon + vc.rdfc) against plain pyld, byte for byte.

The compiled quads are canonicalized directly here (not through vc.jsonld.canonicalize, whose
first-document-per-shape comparison would hide a difference), and every document the table does
not fully understand must be declined (None) and still canonicalize exactly as plain pyld does,
or fail with the same error as before.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld.jsonld import JsonLdProcessor

from tests.canonicalization.helpers import (
    LOADER,
    SAMPLE_SUBJECT,
    mark,
    proof_config,
    reference,
    vector_documents,
)
from tests.canonicalization.test_differential import _DATES, SYMMETRIC, random_marks
from vic.contexts.errors import RelativeIriError, UndefinedTermError, VicError
from vic.contexts.loader import VEHICLE_INSPECTION_V1, DocumentLoader, context_document
from vic.vc import jsonld, marktemplate
from vic.vc.jsonld import canonicalize, expand
from vic.vc.markcanon import (
    MARK_CONTEXT_URLS,
    compiled_nquads,
    compiled_quads,
    loader_serves_bundled,
)
from vic.vc.marktemplate import template_nquads
from vic.vc.rdfc import pyld_quads, simple_canonical_nquads


def compiled(document: dict[str, Any], algorithm: str = "sha256") -> str | None:
    """The compiled quads, canonicalized; compiled_nquads (the tree form) and template_nquads
    (the form canonicalize takes: a fresh template, then the kept one) must give the same text
    and counts, and decline the same documents."""
    quads = compiled_quads(document, LOADER)
    text = None if quads is None else simple_canonical_nquads(quads, algorithm)
    direct = compiled_nquads(document, LOADER, algorithm)
    assert (None if direct is None else direct.nquads.decode()) == text
    if direct is not None and quads is not None:
        assert direct.quads == len(quads)
        assert direct.blank_nodes == len({q[0] for q in quads if q[0].startswith("_:")})
        assert direct.predicates == frozenset(q[1] for q in quads)
    fresh = marktemplate._Templates()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(marktemplate, "_templates", fresh)
        for _ in range(2):
            templated = template_nquads(document, LOADER, algorithm)
            assert (None if templated is None else templated.nquads.decode()) == text
            if templated is not None and direct is not None:
                assert templated[:4] == direct[:4]
    return text


def _sample() -> dict[str, Any]:
    return mark(dict(SAMPLE_SUBJECT))


def test_the_sample_mark_and_its_proof_config_are_compiled() -> None:
    sample = _sample()
    for document in (sample, proof_config(sample)):
        assert compiled(document) == reference(document)
        assert compiled_quads(document) is not None  # the default loader too


def test_sha384_internal_hash() -> None:
    sample = _sample()
    for document in (sample, proof_config(sample)):
        assert compiled(document, "sha384") == canonicalize(document, hash_algorithm="sha384")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_marks(), _DATES, st.booleans(), st.sampled_from(["OnSite", "Exempt"]))
def test_random_marks_compiled_equal_plain_pyld(
    document: dict[str, Any], created: str, with_created: bool, basis: str
) -> None:
    document["credentialSubject"]["inspectionBasis"] = basis
    assert compiled(document) == reference(document)
    config = proof_config(document, created)
    if not with_created:
        del config["created"]
    assert compiled(config) == reference(config)


def test_a_single_type_as_a_string_is_compiled() -> None:
    document = _sample()
    document["type"] = "VerifiableCredential"
    assert compiled(document) == reference(document)


def test_a_mark_without_optional_members() -> None:
    document = _sample()
    for key in ("id", "credentialStatus", "validUntil"):
        del document[key]
    assert compiled(document) == reference(document)


# -- documents the table does not fully understand: declined, general path unchanged ------------


def _mutations() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}

    def variant(name: str, change: Any) -> None:
        document = copy.deepcopy(_sample())
        change(document)
        out[name] = document

    variant("undefined subject term", lambda d: d["credentialSubject"].update(color="red"))
    variant("undefined top-level term", lambda d: d.update(color="red"))
    variant("relative id", lambda d: d.update(id="marks/1"))
    variant("relative subject id", lambda d: d["credentialSubject"].update(id="vehicles/1"))
    variant("blank node id", lambda d: d.update(id="_:mark"))
    variant("compact IRI id", lambda d: d.update(id="vi:mark"))
    variant("relative issuer", lambda d: d.update(issuer="authority"))
    variant("issuer object", lambda d: d.update(issuer={"id": d["issuer"]}))
    variant("keyword key", lambda d: d["credentialSubject"].update({"@type": "Vehicle"}))
    variant("nested context", lambda d: d["credentialSubject"].update({"@context": []}))
    variant("no VC type", lambda d: d.update(type=["VehicleInspectionCredential"]))
    variant("unknown type", lambda d: d["type"].append("OpticalBarcodeCredential"))
    variant("repeated type", lambda d: d["type"].append("VerifiableCredential"))
    variant("object in type", lambda d: d["type"].append({"a": 1}))
    variant("list in type", lambda d: d["type"].append(["VerifiableCredential"]))
    variant("object as subject type", lambda d: d["credentialSubject"].update(type={"a": 1}))
    variant("subject without type", lambda d: d["credentialSubject"].pop("type"))
    variant("subject list", lambda d: d.update(credentialSubject=[d["credentialSubject"]]))
    variant("status without type", lambda d: d["credentialStatus"].pop("type"))
    variant("unknown vocab value", lambda d: d["credentialSubject"].update(inspectionBasis="X"))
    variant("quote in a string", lambda d: d["credentialSubject"].update(plateTypeCode='0"2'))
    variant("backslash", lambda d: d["credentialSubject"].update(plateTypeCode="0\\2"))
    variant("newline", lambda d: d["credentialSubject"].update(vehicleTypeCode="K\n33"))
    variant("tab", lambda d: d["credentialSubject"].update(vehicleTypeCode="K\t33"))
    variant("non-breaking space", lambda d: d["credentialSubject"].update(plateTypeCode="0\xa02"))
    variant("number as string value", lambda d: d["credentialSubject"].update(plateTypeCode=2))
    variant("list value", lambda d: d["credentialSubject"].update(plateTypeCode=["02"]))
    variant("date as number", lambda d: d.update(validFrom=20261125))
    variant("index as string", lambda d: d["credentialStatus"].update(terseStatusListIndex="7"))
    variant("index as bool", lambda d: d["credentialStatus"].update(terseStatusListIndex=True))
    variant("index as float", lambda d: d["credentialStatus"].update(terseStatusListIndex=7.0))
    variant("negative index", lambda d: d["credentialStatus"].update(terseStatusListIndex=-1))
    variant("huge index", lambda d: d["credentialStatus"].update(terseStatusListIndex=2**60))
    variant("IRI with a space", lambda d: d.update(issuer="did:key:z 6Mk"))
    variant("IRI with <", lambda d: d.update(issuer="did:key:<z6Mk>"))
    variant("non-ASCII IRI", lambda d: d.update(issuer="https://例子.cn/issuer"))
    variant("contexts reordered", lambda d: d["@context"].reverse())
    variant("context as a string", lambda d: d.update({"@context": d["@context"][0]}))
    variant("extra inline context", lambda d: d["@context"].append({"color": "https://e.x/c"}))
    variant("a proof inside", lambda d: d.update(proof={"type": "DataIntegrityProof"}))
    return out


MUTATIONS = _mutations()


def _config_mutations() -> dict[str, dict[str, Any]]:
    out = {}
    for name, change in {
        "unknown purpose": {"proofPurpose": "authentication"},
        "expires": {"expires": "2030-01-01T00:00:00Z"},
        "id": {"id": "urn:uuid:1"},
        "type list": {"type": ["DataIntegrityProof"]},
        "relative method": {"verificationMethod": "#key-1"},
        "quoted suite": {"cryptosuite": 'ecdsa"rdfc'},
        "unknown term": {"nonce": "1234"},
    }.items():
        config = proof_config(_sample())
        config.update(change)
        out[name] = config
    return out


CONFIG_MUTATIONS = _config_mutations()


@pytest.mark.parametrize("name", list(MUTATIONS) + [f"config: {n}" for n in CONFIG_MUTATIONS])
def test_not_fully_understood_documents_are_declined(name: str) -> None:
    if name.startswith("config: "):
        document = CONFIG_MUTATIONS[name.removeprefix("config: ")]
    else:
        document = MUTATIONS[name]
    assert compiled_quads(document, LOADER) is None
    assert _outcome(lambda: canonicalize(document, LOADER)) == _outcome(
        lambda: jsonld.canonicalize_expanded(expand(document, LOADER))
    )


def _outcome(run: Any) -> tuple[str, str]:
    """("ok", N-Quads) or ("error", its code)."""
    try:
        return ("ok", run())
    except VicError as exc:
        return ("error", exc.code)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("undefined subject term", UndefinedTermError),
        ("relative id", RelativeIriError),
        ("relative subject id", RelativeIriError),
        ("relative issuer", RelativeIriError),
        ("no VC type", UndefinedTermError),
    ],
)
def test_safety_checks_still_refuse(name: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        canonicalize(MUTATIONS[name], LOADER)


def test_a_loader_replacing_a_mark_context_is_not_compiled() -> None:
    changed = copy.deepcopy(context_document(VEHICLE_INSPECTION_V1))
    changed["@context"]["plateTypeCode"] = "https://example.org/plate#code"
    loader = DocumentLoader({VEHICLE_INSPECTION_V1: changed})
    sample = _sample()
    assert compiled_quads(sample, loader) is None
    result = canonicalize(sample, loader)
    assert "https://example.org/plate#code" in result
    assert result == reference(sample, loader)


@pytest.mark.parametrize("url", MARK_CONTEXT_URLS)
def test_which_loaders_serve_the_bundled_mark_contexts(url: str) -> None:
    """loader_serves_bundled: a loader that adds none of the three contexts does; one that
    adds one does only if it is the bundled document itself."""
    other = {"https://example.org/other/v1": {"@context": {}}}
    assert loader_serves_bundled(None)
    assert loader_serves_bundled(DocumentLoader())
    assert loader_serves_bundled(DocumentLoader(other))
    assert loader_serves_bundled(DocumentLoader({**other, url: context_document(url)}))
    changed = copy.deepcopy(context_document(url))
    assert not loader_serves_bundled(DocumentLoader({url: changed}))
    assert not loader_serves_bundled(DocumentLoader({**other, url: changed}))
    assert DocumentLoader(other).replaces_none(frozenset(MARK_CONTEXT_URLS))
    assert not DocumentLoader({url: changed}).replaces_none(frozenset(MARK_CONTEXT_URLS))


def test_a_loader_of_another_class_is_not_compiled() -> None:
    class Loader(DocumentLoader):
        pass

    assert compiled_quads(_sample(), Loader()) is None


def test_a_mismatch_turns_the_compiled_path_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first-document comparison: if the table were ever wrong, the general path wins."""
    state = jsonld._CompiledPath()
    monkeypatch.setattr(jsonld, "_compiled", state)

    def wrong(document: Any, loader: Any = None, algorithm: str = "sha256") -> Any:
        right = template_nquads(document, loader, algorithm)
        if right is None:
            return None
        return right._replace(nquads=right.nquads.replace(b"<https://", b"<http://"))

    monkeypatch.setattr(jsonld, "template_nquads", wrong)
    sample = _sample()
    assert canonicalize(sample) == reference(sample)
    assert not state.enabled
    assert canonicalize(sample) == reference(sample)


def test_confirmed_shapes_are_bounded() -> None:
    state = jsonld._CompiledPath()
    for i in range(state.MAX_SHAPES + 10):
        state.confirm(("sha256", frozenset({str(i)})), True)
    assert len(state.confirmed) == state.MAX_SHAPES


# -- vc.rdfc's first-degree path on pyld datasets ------------------------------------------------


def _dataset(document: dict[str, Any]) -> dict[str, Any]:
    return jsonld._to_dataset(expand(document, LOADER))


@pytest.mark.parametrize(("name", "document"), vector_documents(), ids=lambda v: str(v)[:40])
def test_simple_path_on_vector_datasets(name: str, document: dict[str, Any]) -> None:
    try:
        dataset = _dataset(document)
    except VicError:
        pytest.skip("the document is refused by the safe expansion")
    result = simple_canonical_nquads(pyld_quads(dataset))
    assert result is None or result == reference(document)


@pytest.mark.parametrize("name", list(SYMMETRIC))
def test_simple_path_declines_graphs_that_need_n_degree_hashing(name: str) -> None:
    assert simple_canonical_nquads(pyld_quads(_dataset(SYMMETRIC[name]))) is None


_NODES = st.sampled_from(["_:a", "_:b", "_:c", "_:d", "<https://e.x/1>", "<https://e.x/2>"])
_PREDICATES = st.sampled_from(["<https://e.x/p>", "<https://e.x/q>"])
_OBJECTS = st.one_of(
    _NODES,
    st.sampled_from(['"x"', '"y"@en', '"1"^^<http://www.w3.org/2001/XMLSchema#integer>']),
)
_GRAPHS = st.sampled_from(["", "", "<https://e.x/g>", "_:g"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_NODES, _PREDICATES, _OBJECTS, _GRAPHS), max_size=12, unique=True))
def test_simple_path_on_random_datasets(quads: list[tuple[str, str, str, str]]) -> None:
    nquads = "".join(f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o, g in quads)
    dataset = JsonLdProcessor.parse_nquads(nquads)
    result = simple_canonical_nquads(pyld_quads(dataset))
    if result is not None:
        canonicalizer = jsonld._BoundedURDNA2015(jsonld.DEFAULT_LIMITS, "sha256")
        assert result == canonicalizer.main(dataset, {"format": "application/n-quads"})
