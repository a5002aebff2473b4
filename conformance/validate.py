"""Schema validation that tells a spec violation clients tolerate from one that breaks them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from conformance.schemas import validator

# Keys the spec marks required that real servers omit and every official client treats as null.
TOLERATED_MISSING = frozenset({"logprobs", "refusal", "system_fingerprint", "annotations", "service_tier"})


@dataclass(frozen=True)
class SchemaReport:
    """Schema errors split into those that break clients and tolerated deviations."""

    breaking: tuple[str, ...]
    deviations: tuple[str, ...]


def _where(err: ValidationError) -> str:
    return err.json_path


def _tolerated(err: ValidationError) -> bool:
    if err.validator == "required":
        missing = set(err.validator_value) - set(err.instance or {})
        return bool(missing) and missing <= TOLERATED_MISSING
    if err.validator in ("anyOf", "oneOf") and err.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in err.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        return any(all(_tolerated(e) for e in errs) for errs in branches.values())
    return False


def _describe(err: ValidationError) -> str:
    if err.validator == "required":
        missing = sorted(set(err.validator_value) - set(err.instance or {}))
        return f"{_where(err)}: missing required key(s) {', '.join(missing)}"
    msg = err.message if len(err.message) < 200 else err.message[:200] + "..."
    return f"{_where(err)}: {msg}"


def check(schema_name: str, instance: Any) -> SchemaReport:
    """Validate an instance against a derived OpenAI schema and classify every error."""
    breaking: list[str] = []
    deviations: list[str] = []
    for err in validator(schema_name).iter_errors(instance):
        (deviations if _tolerated(err) else breaking).append(f"{schema_name} {_describe(err)}")
    return SchemaReport(tuple(breaking), tuple(deviations))
