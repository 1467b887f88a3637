from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.authority import NOW, STATUS_BASE, VEHICLE, Authority, clock
from tests.wallet.fake_issuer import FakeIssuer
from vic.vc.mark import TerseStatus, build_mark, valid_until_for_month
from vic.wallet.service import Wallet


def later_mark(authority: Authority, *, days: int = 40, index: int = 78) -> dict[str, Any]:
    """A newer mark of the same vehicle (validFrom ``days`` after NOW)."""
    start = NOW + timedelta(days=days)
    unsigned = build_mark(
        issuer=authority.did,
        subject=VEHICLE,
        valid_from=start,
        valid_until=valid_until_for_month(start.year + 2, start.month),
        status=TerseStatus(STATUS_BASE, index),
        mark_id="urn:uuid:7d1f0c55-2b1e-4f7a-9a51-0c9b8e4d2a11",
    )
    return authority.sign(unsigned)


@pytest.fixture(scope="session")
def authority() -> Authority:
    return Authority()


@pytest.fixture(scope="session")
def mark(authority: Authority) -> dict[str, Any]:
    return authority.mark()


@pytest.fixture
def fake(mark: dict[str, Any]) -> FakeIssuer:
    return FakeIssuer([mark])


@pytest.fixture
def wallet(tmp_path: Path, fake: FakeIssuer) -> Iterator[Wallet]:
    with Wallet(tmp_path / "w", http=fake, clock=clock) as opened:
        yield opened
