"""Property-based conformance: schemathesis generates requests from the app's own OpenAPI
document, in-process (ASGI), with an admin token so the handlers run, and checks that nothing is
a server error and that every response (status, media type, headers, body) is as documented.

Each operation runs in four phases: the OpenAPI examples; requests on records that exist (a
vehicle registered for the operation, its mark, an issued credential, a spare token, the
station), so the handlers' deep paths run with generated bodies and queries; schema-valid
data; schema-violating data (which must be refused with a 4xx).

Bounded and reproducible: a fixed number of examples per operation and phase, derandomized, no
example database, no shrinking: the run's size is fixed by those counts, not by a time budget.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Final

from hypothesis import HealthCheck, Phase, given, settings

from tests.issuer.helpers import STATION_CODE, make_vin
from tests.issuer.test_api_support import (  # noqa: F401 - api_fixture is a fixture
    Api,
    api_fixture,
    registration_body,
)
from vic.issuer.tokens import Scope

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

EXAMPLES_PER_SCHEMA_EXAMPLE: Final = 2
EXAMPLES_ON_RECORDS: Final = 15
EXAMPLES_POSITIVE: Final = 30
EXAMPLES_NEGATIVE: Final = 15
CHECKS: Final = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


class Run:
    """Runs strategies against the app, counting calls."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers
        self.calls = 0

    def __call__(
        self, strategy: Any, examples: int, checks: list[Callable[..., Any]] = CHECKS
    ) -> None:
        @given(case=strategy)
        @settings(
            max_examples=examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Any) -> None:
            self.calls += 1
            response = case.call(headers=self.headers)
            case.validate_response(response, checks=checks, headers=self.headers)

        exercise()


def records_for(api: Api, operation: Any, serial: int) -> dict[str, str] | None:
    """Path parameters naming records that exist, made for this operation alone."""
    names = {p.name for p in operation.path_parameters}
    if not names:
        return None
    values: dict[str, str] = {}
    if "vin" in names or "number" in names or "account" in names:
        mark = api.register(serial)
        values.update(vin=make_vin(serial), number=mark["numberText"], account=f"acct-{serial}")
        if "account" in names:
            api.post(f"/vehicles/{make_vin(serial)}/filings", "office", json={"account": "x-1"})
            values["account"] = "x-1"
    if "credential_id" in names:
        issued = api.post(
            "/credentials/issue",
            "office",
            json={
                "credential": {
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiableCredential"],
                    "issuer": api.issuer.did,
                    "credentialSubject": {"id": f"did:example:{serial}"},
                },
                "options": {"credentialStatus": {"type": "BitstringStatusListEntry"}},
            },
        )
        values["credential_id"] = issued.json()["verifiableCredential"]["id"]
    if "code" in names:
        values["code"] = STATION_CODE
    if "token_id" in names:
        spare = api.post("/tokens", "admin", json={"scope": Scope.OFFICE, "label": "spare"})
        values["token_id"] = spare.json()["info"]["tokenId"]
    if "reference" in names:
        api.register(serial)
        offer = api.post(f"/vehicles/{make_vin(serial)}/offers", "office", json={})
        values["reference"] = offer.json()["offerUri"].rsplit("%2F", 1)[1]
    if "name" in names:
        values["name"] = "nobody"  # no named issuer in this app: 404 UNKNOWN_ISSUER
    for name in ("purpose", "list_index", "version"):
        if name in names:
            values[name] = {"purpose": "revocation", "list_index": "0", "version": "v1"}[name]
    assert names <= set(values), names - set(values)
    return {name: values[name] for name in names}


def test_the_app_conforms_to_its_openapi(api: Api) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    run = Run(api.auth("admin"))
    operations = list(schema.get_all_operations())
    assert len(operations) >= 30
    assert all(result.ok() for result in operations)

    for result in operations:  # the documented examples
        for strategy in schema.get_strategies_from_examples(result.ok()):
            run(strategy, EXAMPLES_PER_SCHEMA_EXAMPLE)
    for serial, result in enumerate(operations, start=1000):  # on records that exist
        operation = result.ok()
        fixed = records_for(api, operation, serial)
        if fixed is not None:
            strategy = operation.as_strategy(headers=run.headers, path_parameters=fixed)
            run(strategy, EXAMPLES_ON_RECORDS)
    for result in operations:  # generated, valid and invalid
        operation = result.ok()
        run(operation.as_strategy(headers=run.headers), EXAMPLES_POSITIVE)
        inputs = (operation.path_parameters, operation.query, operation.body)
        if any(len(part) for part in inputs):  # something to get wrong
            strategy = operation.as_strategy(
                generation_mode=GenerationMode.NEGATIVE, headers=run.headers
            )
            run(strategy, EXAMPLES_NEGATIVE, [*CHECKS, negative_data_rejection])

    assert run.calls >= len(operations) * 20
    assert api.post("/vehicles", "office", json=registration_body(1)).status_code == 201
