"""Property-based conformance of the verifier service: schemathesis generates requests from the
app's own OpenAPI document, in-process (ASGI), valid and invalid, and checks that nothing is a
server error and that every answer (status, media type, body) is as documented. Bounded and
reproducible: a fixed number of examples per operation, derandomized, no example database."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Final

from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings

from vic.verifier.service import VerifierSettings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

EXAMPLES_POSITIVE: Final = 40
EXAMPLES_NEGATIVE: Final = 25
CHECKS: Final = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def run(strategy: Any, examples: int, checks: list[Callable[..., Any]], calls: list[int]) -> None:
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
        calls[0] += 1
        response = case.call()
        case.validate_response(response, checks=checks)

    exercise()


def test_the_service_conforms_to_its_openapi(settings: VerifierSettings) -> None:
    from vic.verifier.service import create_app

    app: FastAPI = create_app(settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 4
    calls = [0]
    for operation in operations:
        run(operation.as_strategy(), EXAMPLES_POSITIVE, CHECKS, calls)
        if operation.body:
            negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
            run(negative, EXAMPLES_NEGATIVE, [*CHECKS, negative_data_rejection], calls)
    assert calls[0] >= 4 * EXAMPLES_POSITIVE // 2
