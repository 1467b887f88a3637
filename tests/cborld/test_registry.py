"""CBOR-LD registry entries: built-ins, the file format, authority entries, append-only versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vic.contexts.errors import MalformedValueError, ParsingError, UsageError
from vic.vc.cborld import (
    Registry,
    RegistryEntry,
    authority_entry,
    builtin_entries,
    bundled_entry,
    load_entry,
)
from vic.vc.cborld.registry import tables_from_json

REGISTRY_DIR = Path(__file__).resolve().parents[2] / "contexts" / "registry"
SUITE = "https://w3id.org/security#cryptosuiteString"


def test_builtin_entries_match_the_cborld_registry() -> None:
    entries = {e.entry_id: e for e in builtin_entries()}
    assert set(entries) == {0, 1, 100}
    assert not entries[0].compressed
    assert entries[1].compressed
    assert dict(entries[1].type_tables) == {}
    hundred = entries[100]
    assert dict(hundred.table("context")) == {
        "https://www.w3.org/ns/credentials/v2": 32768,
        "https://w3id.org/vc-barcodes/v1": 32769,
        "https://w3id.org/utopia/v2": 32770,
    }
    assert dict(hundred.table(SUITE)) == {
        "ecdsa-rdfc-2019": 1,
        "ecdsa-sd-2023": 2,
        "eddsa-rdfc-2022": 3,
        "ecdsa-xi-2023": 4,
    }


def test_demo_entry_is_the_generated_one() -> None:
    entry = bundled_entry()
    assert entry.entry_id == 15601
    assert entry.provisional
    generated = authority_entry(
        15601,
        did="did:web:demo.vic.example",
        verification_methods=["did:web:demo.vic.example#key-1"],
        status_base_urls=["https://demo.vic.example/status"],
        use_case=entry.use_case,
    )
    assert generated == entry
    assert dict(entry.table("context")) == {
        "https://www.w3.org/ns/credentials/v2": 1,
        "https://w3id.org/vc-barcodes/v1": 2,
        "https://w3id.org/vehicle-inspection/v1": 3,
    }
    assert entry.table(SUITE)["ecdsa-rdfc-2019"] == 1
    assert entry.table(SUITE)["eddsa-rdfc-2022"] == 2
    assert dict(entry.table("url")) == {
        "did:web:demo.vic.example": 1,
        "did:web:demo.vic.example#key-1": 2,
        "https://demo.vic.example/status": 3,
    }


def test_every_bundled_file_is_a_valid_entry_in_the_registry_format() -> None:
    files = sorted(REGISTRY_DIR.glob("*.json"))
    assert files
    for path in files:
        raw = json.loads(path.read_text("utf-8"))
        entry = load_entry(path)
        assert entry.to_json() == raw
        # the typeTables member is exactly the CBOR-LD registry's array of {type, table}
        assert all(set(item) == {"type", "table"} for item in raw["typeTables"])


def test_key_rotation_appends_and_keeps_codes() -> None:
    first = bundled_entry()
    rotated = authority_entry(
        15601,
        did="did:web:demo.vic.example",
        verification_methods=["did:web:demo.vic.example#key-2"],  # key-1 retired from config
        status_base_urls=["https://demo.vic.example/status", "https://demo.vic.example/status2"],
        previous=first,
    )
    assert rotated.version == 2
    assert rotated.extends(first)
    url = rotated.table("url")
    assert url["did:web:demo.vic.example#key-1"] == 2  # kept: old marks keep decoding
    assert url["did:web:demo.vic.example#key-2"] == 4
    assert url["https://demo.vic.example/status2"] == 5
    # nothing new: the same entry comes back, same version
    again = authority_entry(
        15601,
        did="did:web:demo.vic.example",
        verification_methods=["did:web:demo.vic.example#key-2"],
        status_base_urls=["https://demo.vic.example/status"],
        previous=rotated,
    )
    assert again is rotated


def test_registry_keeps_the_newest_version_and_refuses_conflicts() -> None:
    first = bundled_entry()
    second = first.append({"url": ["did:web:demo.vic.example#key-2"]})
    assert Registry([first, second]).get(15601) == second
    assert Registry([second, first]).get(15601) == second
    forked = RegistryEntry(15601, {"url": {"did:web:other.example": 1}}, version=2)
    with pytest.raises(MalformedValueError) as info:
        Registry([first, forked])
    assert info.value.code == "REGISTRY_ENTRY_CONFLICT"
    with pytest.raises(MalformedValueError):
        Registry([RegistryEntry(100, {})])  # built-ins cannot be replaced


def test_unknown_entry() -> None:
    with pytest.raises(ParsingError) as info:
        Registry().get(15601)
    assert info.value.code == "UNKNOWN_REGISTRY_ENTRY"
    assert 15601 in Registry([bundled_entry()])
    assert [e.entry_id for e in Registry([bundled_entry()])] == [0, 1, 100, 15601]


@pytest.mark.parametrize(
    "tables",
    [
        {"context": {"https://a.example": 0}},  # cborld drops a singular context coded 0
        {"url": {"a": 1, "b": 1}},  # two values, one code
        {"url": {"a": 0xFFFFFFFF}},  # written in 8 bytes, which cborld cannot read back
        {"none": {"a": -1}},
        {SUITE: {"x": True}},
        {"http://www.w3.org/2001/XMLSchema#integer": {"1": 1}},
        {"": {"a": 1}},
    ],
)
def test_invalid_tables(tables: dict[str, Any]) -> None:
    with pytest.raises(MalformedValueError) as info:
        RegistryEntry(20000, tables)
    assert info.value.code == "INVALID_REGISTRY_ENTRY"


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"registryEntryId": "7", "typeTables": []},
        {"registryEntryId": 7, "typeTables": {}},
        {"registryEntryId": 7, "typeTables": [{"type": "url"}]},
        {"registryEntryId": 7, "typeTables": [{"type": "url", "table": {}, "x": 1}]},
        {"registryEntryId": 7, "typeTables": [], "processingModel": "OTHER"},
        {"registryEntryId": 7, "typeTables": [], "extra": True},
        {"registryEntryId": -1, "typeTables": []},
        {"registryEntryId": 0, "typeTables": [], "version": 0},
    ],
)
def test_invalid_entry_files(data: Any) -> None:
    with pytest.raises(MalformedValueError):
        RegistryEntry.from_json(data)


def test_entry_zero_is_the_uncompressed_one() -> None:
    assert not RegistryEntry.from_json({"registryEntryId": 0, "typeTables": []}).compressed
    with pytest.raises(MalformedValueError):
        RegistryEntry(5, {}, compressed=False)


def test_tables_from_json_rejects_duplicate_types() -> None:
    with pytest.raises(MalformedValueError):
        tables_from_json([{"type": "url", "table": {}}, {"type": "url", "table": {}}])


def test_load_entry_reports_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    with pytest.raises(MalformedValueError):
        load_entry(bad)
    with pytest.raises(MalformedValueError):
        load_entry(tmp_path / "missing.json")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(bundled_entry().to_json()), "utf-8")
    assert Registry.from_files([good]).get(15601) == bundled_entry()


def test_authority_entry_checks_its_configuration() -> None:
    with pytest.raises(UsageError):
        authority_entry(20000, did="web:x", verification_methods=[])
    with pytest.raises(UsageError):
        authority_entry(
            20000, did="did:web:a.example", verification_methods=["did:web:b.example#k"]
        )
    with pytest.raises(UsageError):
        authority_entry(20000, did="did:web:a.example", verification_methods=[], contexts=[""])
    with pytest.raises(UsageError):
        authority_entry(
            20001, did="did:web:a.example", verification_methods=[], previous=bundled_entry()
        )
