"""The OpenAPI document of a service: FastAPI's, with vic's problem schema and without FastAPI's
own validation-error schemas (every error is an RFC 9457 problem, :mod:`vic.httpkit.problems`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from vic.httpkit.problems import problem_schema

__all__ = ["install_openapi"]

_FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")


def install_openapi(app: FastAPI, *, models: Sequence[type[BaseModel]] = ()) -> None:
    """Make ``app.openapi()`` build (once) the service's document: the problem schema added, the
    schemas of ``models`` (bodies read by hand, problem extensions) added under their names, and
    FastAPI's unused validation-error schemas removed."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(problem_schema())
            for model in models:
                extra = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(extra.pop("$defs", {}))
                components[model.__name__] = extra
            for unused in _FASTAPI_ONLY:
                components.pop(unused, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
