"""Named VC-API issuers (:mod:`vic.issuer.named`): one endpoint per cryptosuite.

- ``GET /issuers``: the named issuers, their DIDs, cryptosuites and endpoints (public).
- ``POST /issuers/{name}/credentials/issue``: as ``/credentials/issue``, signed by that issuer's
  own key; nothing is kept, so ``options.credentialStatus`` is refused (``STATUS_NOT_KEPT``).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Request

from vic.contexts.errors import DataModelError, RecordNotFoundError, RefusedError
from vic.httpkit.bodies import StrictJsonRoute
from vic.httpkit.problems import error_responses
from vic.issuer.api.deps import IssuerDep, SettingsDep, VcApiActor
from vic.issuer.api.models import IssueCredentialRequest
from vic.issuer.api.responses import CredentialOut
from vic.issuer.named import NamedIssuer

__all__ = ["NAME_PATTERN", "router"]

NAME_PATTERN: Final = r"^[a-z0-9][a-z0-9-]{0,62}$"

router = APIRouter(route_class=StrictJsonRoute, tags=["VC-API"])

NamePath = Annotated[
    str, Path(pattern=NAME_PATTERN, description="The issuer's name, as the operator set it.")
]


def _named(request: Request, name: str) -> NamedIssuer:
    issuers: dict[str, NamedIssuer] = request.app.state.named_issuers
    if name not in issuers:
        raise RecordNotFoundError(f"there is no issuer named {name!r}", code="UNKNOWN_ISSUER")
    return issuers[name]


@router.get(
    "/issuers",
    operation_id="listNamedIssuers",
    summary="The named VC-API issuers: one per cryptosuite, each with its own did:key",
)
def list_named(request: Request, settings: SettingsDep) -> list[dict[str, Any]]:
    issuers: dict[str, NamedIssuer] = request.app.state.named_issuers
    return [
        {
            "name": one.name,
            "id": one.did,
            "cryptosuite": one.cryptosuite,
            "verificationMethod": one.signer.method_id,
            "endpoint": f"{settings.public_base_url}/issuers/{one.name}/credentials/issue",
        }
        for one in issuers.values()
    ]


@router.post(
    "/issuers/{name}/credentials/issue",
    operation_id="issueCredentialByNamedIssuer",
    summary="Issue a credential signed by a named issuer (its cryptosuite, its did:key)",
    status_code=201,
    response_model=CredentialOut,
    responses=error_responses(400, 401, 403, 404, 413, 422),
)
def issue_named(
    actor: VcApiActor,
    name: NamePath,
    body: IssueCredentialRequest,
    request: Request,
    issuer: IssuerDep,
) -> CredentialOut:
    del actor  # authenticated; a named issuer keeps no audit record (it keeps nothing)
    named = _named(request, name)
    credential = dict(body.credential)
    options = body.options
    if options is not None and options.credentialStatus is not None:
        raise RefusedError(
            f"the issuer {name} keeps no status lists: issue with status at /credentials/issue",
            code="STATUS_NOT_KEPT",
        )
    if options is not None and options.credentialId is not None:
        if "id" in credential and credential["id"] != options.credentialId:
            raise DataModelError(
                "options.credentialId differs from credential.id", code="CREDENTIAL_ID_MISMATCH"
            )
        credential["id"] = options.credentialId
    signed = named.issue(credential, clock=issuer.config.clock)
    return CredentialOut(verifiableCredential=signed)
