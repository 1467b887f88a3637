"""Issue 8, items 10 and 13: CSV cells are read as ASCII numbers, ids are visible text that no
spreadsheet evaluates, and rejected rows are written back inert."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from tests.issuer.test_issuer_import import HEADER, row
from vic.contexts.errors import UsageError
from vic.issuer.domain import Actor, Role, VehicleRegistration
from vic.issuer.importer import RejectedRow, inert_cell, registration_of, write_rejected
from vic.issuer.policy import UseCategory


def cells(**changes: str) -> dict[str, str]:
    values = dict(zip(HEADER, row(1), strict=True))
    values.update(changes)
    return values


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("seats", "5_0"),  # int() reads 50
        ("seats", "\u0665"),  # Arabic-Indic five: int() reads 5
        ("seats", "\uff15"),  # fullwidth five
        ("seats", "+5"),
        ("seats", " 5"),
        ("valid_until", "2027-0\u0663"),
        ("valid_until", "2_027-03"),
    ],
)
def test_numbers_are_ascii_digits_only(column: str, value: str) -> None:
    with pytest.raises(UsageError) as caught:
        registration_of(cells(**{column: value}))
    assert caught.value.code == "INVALID_ROW"


def test_ascii_numbers_still_read() -> None:
    registration = registration_of(cells(seats="7", valid_until="2027-03"))
    assert registration.seats == 7
    assert registration.valid_until == (2027, 3)


@pytest.mark.parametrize(
    "owner",
    [
        '=HYPERLINK("http://evil.example","x")',
        "=cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "+SUM(1)",
        "-2+3",
        "owner\u200b1",  # zero-width space
        "owner\u202e1",  # right-to-left override
        "\u2060owner",  # word joiner
        "owner\ue000",  # private use
    ],
)
def test_owner_ids_are_visible_inert_text(owner: str) -> None:
    with pytest.raises(UsageError) as caught:
        registration_of(cells(owner=owner))
    assert caught.value.code == "USAGE_ERROR"


@pytest.mark.parametrize("owner", ["owner-1", "+8613800000000", "-1", "张三", "a@b.example"])
def test_ordinary_owner_ids_pass(owner: str) -> None:
    assert registration_of(cells(owner=owner)).owner == owner


def test_actor_accounts_follow_the_same_rule() -> None:
    with pytest.raises(UsageError):
        Actor("token-1", Role.OWNER, account="owner\u200b1")
    assert Actor("token-1", Role.OWNER, account="owner-1").account == "owner-1"


def test_registration_refuses_a_formula_owner_directly() -> None:
    with pytest.raises(UsageError):
        VehicleRegistration(
            vin=row(2)[0],
            plate=row(2)[1],
            plate_type_code="02",
            vehicle_type_code="K33",
            use_category=UseCategory.SMALL_NON_OPERATING_PASSENGER,
            seats=5,
            first_registration=date(2024, 3, 15),
            owner="=1+1",
        )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("LSVAU2A36N2183457", "LSVAU2A36N2183457"),
        ("", ""),
    ],
)
def test_inert_cell(value: str, written: str) -> None:
    assert inert_cell(value) == written


def test_rejected_rows_are_written_inert(tmp_path: Path) -> None:
    """The finding: rejected rows were written back with =cmd|' /C calc'!A0 as it came."""
    path = tmp_path / "rejected.csv"
    rejected = RejectedRow(
        2,
        "=cmd|' /C calc'!A0",
        "INVALID_ROW",
        '=HYPERLINK("x") is not a VIN',
        column="seats",
        value="+SUM(1)",
    )
    write_rejected(path, [rejected])
    with path.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    assert lines[1] == [
        "2",
        "'=cmd|' /C calc'!A0",
        "seats",
        "'+SUM(1)",
        "INVALID_ROW",
        '\'=HYPERLINK("x") is not a VIN',
    ]
