"""A verifier service around a test authority: marks, status lists, a client."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.authority import Authority, clock
from vic.vc.barcode import encode_barcode
from vic.verifier.service import VerifierSettings, create_app
from vic.verifier.trust import TrustList
from vic.verifier.verify import StaticStatusLists


@pytest.fixture(scope="session")
def authority() -> Authority:
    return Authority()


@pytest.fixture(scope="session")
def mark(authority: Authority) -> dict[str, Any]:
    return authority.mark()


@pytest.fixture(scope="session")
def revoked_mark(authority: Authority) -> dict[str, Any]:
    """A second mark of the same vehicle at another index, revoked (superseded)."""
    return authority.mark(index=78)


@pytest.fixture(scope="session")
def status_lists(
    authority: Authority, mark: dict[str, Any], revoked_mark: dict[str, Any]
) -> list[dict[str, Any]]:
    """The lists of both marks: index 78 revoked, index 77 not (they share the lists)."""
    return authority.status_lists(revoked_mark, revoked=True)


def qr_text(credential: dict[str, Any], trust: TrustList) -> str:
    return encode_barcode(credential, trust.registry())


def qr_png(text: str) -> bytes:
    from vic.vc.qrimage import render_png

    out = io.BytesIO()
    render_png(text, out)
    return out.getvalue()


def make_settings(
    authority: Authority, lists: list[dict[str, Any]] | None, **kw: Any
) -> VerifierSettings:
    kw.setdefault("trust", authority.trust())
    kw.setdefault("clock", clock)
    return VerifierSettings(
        status_source=StaticStatusLists(lists) if lists is not None else None, **kw
    )


@pytest.fixture
def settings(authority: Authority, status_lists: list[dict[str, Any]]) -> VerifierSettings:
    return make_settings(authority, status_lists)


@pytest.fixture
def client(settings: VerifierSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client
