"""The mark's ``credentialSubject`` checked: the bundled JSON Schema, compiled to plain predicates
for the common case, then the rules a schema cannot state.

:func:`subject_schema` is the schema; :func:`check_subject` is what :func:`vic.vc.mark.check_mark`
runs on the subject. The validator (jsonschema) is imported only to explain a failure. docs/mark.md
describes the rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Final

from vic.vc.marktypes import InspectionBasis, MarkErrorCode, VehicleSubject, _bad

__all__ = ["check_subject", "subject_schema"]

SCHEMA_RESOURCE: Final = ("schemas", "vehicle-subject.schema.json")


@cache
def subject_schema() -> dict[str, Any]:
    """The bundled JSON Schema (draft 2020-12) of the mark's credentialSubject (shared: do not
    mutate it)."""
    from importlib import resources  # on first use: it imports tempfile, shutil and more

    text = resources.files("vic.contexts").joinpath(*SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _subject_validator() -> Any:
    # Imported here so that `import vc.mark` stays light; jsonschema ships no type information.
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped,unused-ignore]

    schema = subject_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@cache
def _subject_predicates() -> dict[str, Callable[[Any], bool]] | None:
    """The schema's property rules as plain predicates, or None if it uses other keywords.

    Each predicate is at least as strict as its rule (a ``const`` or ``enum`` value must also be
    a string), so a subject they all accept is one the validator accepts: the validator then runs
    only to explain a failure, with the same error as before.
    """
    schema = subject_schema()
    if set(schema) - {
        "$schema",
        "$id",
        "title",
        "description",
        "type",
        "required",
        "additionalProperties",
        "properties",
    }:
        return None
    predicates: dict[str, Callable[[Any], bool]] = {}
    for name, rule in schema["properties"].items():
        checks: list[Callable[[Any], bool]] = []
        for keyword, value in rule.items():
            if keyword == "description":
                continue
            check = _rule_predicate(keyword, value)
            if check is None:
                return None
            checks.append(check)
        predicates[name] = _all_of(tuple(checks))
    return predicates


def _rule_predicate(keyword: str, value: Any) -> Callable[[Any], bool] | None:
    def is_string(v: Any) -> bool:
        return type(v) is str

    if keyword == "type" and value == "string":
        return is_string
    if keyword == "const" and type(value) is str:
        return lambda v: type(v) is str and v == value
    if keyword == "enum" and all(type(e) is str for e in value):
        allowed = frozenset(value)
        return lambda v: type(v) is str and v in allowed
    if keyword == "pattern" and type(value) is str:
        regex = re.compile(value)  # jsonschema's pattern is re.search with the same pattern
        return lambda v: type(v) is str and regex.search(v) is not None
    return None


def _all_of(checks: tuple[Callable[[Any], bool], ...]) -> Callable[[Any], bool]:
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    return lambda v: all(check(v) for check in checks)


def _subject_surely_valid(data: Mapping[str, Any]) -> bool:
    """True only if the subject (with no missing or unknown member) meets the schema."""
    predicates = _subject_predicates()
    if predicates is None:
        return False
    for key, value in data.items():
        check = predicates.get(key)
        if check is None or not check(value):
            return False
    return True


_FIELD_CODES: Final[dict[str, MarkErrorCode]] = {
    "type": MarkErrorCode.INVALID_SUBJECT,
    "registrationNumber": MarkErrorCode.INVALID_PLATE,
    "plateTypeCode": MarkErrorCode.INVALID_PLATE_TYPE,
    "vehicleTypeCode": MarkErrorCode.INVALID_VEHICLE_TYPE,
    "vehicleIdentificationNumber": MarkErrorCode.INVALID_VIN,
    "inspectionBasis": MarkErrorCode.INVALID_INSPECTION_BASIS,
}


def check_subject(subject: object) -> VehicleSubject:
    """The mark's subject as a :class:`VehicleSubject`, checked against :func:`subject_schema` and
    the VIN, plate and code rules.

    :raises MarkShapeError: the code names the first problem found (:class:`MarkErrorCode`).
    """
    if type(subject) is not dict and not isinstance(subject, Mapping):
        _bad("a mark's credentialSubject is one object", MarkErrorCode.INVALID_SUBJECT)
    data: dict[str, Any] = {str(key): value for key, value in subject.items()}
    schema = subject_schema()
    missing = [key for key in schema["required"] if key not in data]
    if missing:
        _bad(
            f"credentialSubject lacks {', '.join(missing)}",
            MarkErrorCode.MISSING_SUBJECT_FIELD,
            fields=missing,
        )
    unexpected = sorted(str(key) for key in data if key not in schema["properties"])
    if unexpected:
        _bad(
            f"credentialSubject has no member {', '.join(unexpected)}",
            MarkErrorCode.UNEXPECTED_SUBJECT_FIELD,
            fields=unexpected,
        )
    errors = [] if _subject_surely_valid(data) else list(_subject_validator().iter_errors(data))
    if errors:
        order = list(_FIELD_CODES)
        error = min(
            errors,
            key=lambda e: order.index(e.path[0]) if e.path and e.path[0] in order else -1,
        )
        field = str(error.path[0]) if error.path else ""
        code = _FIELD_CODES.get(field, MarkErrorCode.INVALID_SUBJECT)
        _bad(f"credentialSubject {field or ''}: {error.message}".strip(), code, field=field)
    # What the schema cannot say: the check digit, plate and plate type agreeing, and that the
    # values are already normal (Python's `$` in the schema's patterns tolerates a final newline).
    result = VehicleSubject(
        registration_number=data["registrationNumber"],
        plate_type_code=data["plateTypeCode"],
        vehicle_type_code=data["vehicleTypeCode"],
        vin=data["vehicleIdentificationNumber"],
        inspection_basis=InspectionBasis(data["inspectionBasis"]),
    )
    if result.registration_number != data["registrationNumber"]:
        _bad("registrationNumber is not in normal form", MarkErrorCode.INVALID_PLATE)
    if result.vin != data["vehicleIdentificationNumber"]:
        _bad("vehicleIdentificationNumber is not in normal form", MarkErrorCode.INVALID_VIN)
    return result
