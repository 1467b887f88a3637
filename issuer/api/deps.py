"""What the routes share: the issuer and settings, the actors by scope, path parameters.

Responses for public documents and content negotiation come from :mod:`vic.httpkit.documents`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request, Security

from vic.issuer.api.auth import authorized, get_issuer, vc_api_authorized
from vic.issuer.api.models import MARK_NUMBER_PATTERN, VIN_PATTERN
from vic.issuer.domain import Actor, parse_mark_number
from vic.issuer.engine import Issuer

__all__ = [
    "AdminActor",
    "ApiSettings",
    "IssuerDep",
    "MarkNumber",
    "OfficeActor",
    "OwnerOrOfficeActor",
    "SettingsDep",
    "StationActor",
    "VcApiActor",
    "VinPath",
    "get_settings",
]


@dataclass(frozen=True)
class ApiSettings:
    """How the app presents the issuer (see :func:`vic.issuer.api.create_app`)."""

    public_base_url: str
    authority_name: Mapping[str, str]
    issue_with_status: bool
    vc_api_key_digest: bytes | None = None
    """SHA-256 of the static VC-API key, if the operator set one."""
    unauthenticated_issue: bool = False
    """The VC-API needs no authentication (loopback only: see ``vic serve issuer``)."""


def get_settings(request: Request) -> ApiSettings:
    """The app's settings."""
    settings: ApiSettings = request.app.state.settings
    return settings


IssuerDep = Annotated[Issuer, Depends(get_issuer)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]

AdminActor = Annotated[Actor, Security(authorized, scopes=["admin"])]
OfficeActor = Annotated[Actor, Security(authorized, scopes=["office"])]
VcApiActor = Annotated[Actor, Security(vc_api_authorized, scopes=["office"])]
"""An office token, or the instance's static VC-API key, or anyone with --unauthenticated-issue."""
StationActor = Annotated[Actor, Security(authorized, scopes=["station"])]
OwnerOrOfficeActor = Annotated[Actor, Security(authorized, scopes=["owner", "office"])]

VinPath = Annotated[
    str,
    Path(
        pattern=VIN_PATTERN,
        description="The vehicle's VIN (17 characters).",
        examples=["LSVAU2A36N2183457"],
    ),
]
MarkNumberPath = Annotated[
    str,
    Path(
        pattern=MARK_NUMBER_PATTERN,
        description="The mark number as printed (10 digits; leading zeros optional).",
        examples=["0035729360"],
    ),
]


def mark_number(number: MarkNumberPath) -> int:
    """The mark number of the path.

    :raises UsageError: above 2^32-1.
    """
    return parse_mark_number(number)


MarkNumber = Annotated[int, Depends(mark_number)]
