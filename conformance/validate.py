"""Schema validation that tells a spec violation clients tolerate from one that breaks them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from conformance.schemas import part_validator, validator

# Keys the spec marks required that real servers omit and every official client treats as null.
TOLERATED_MISSING = frozenset({"logprobs", "refusal", "system_fingerprint", "annotations", "service_tier"})
# Per schema: a chunk's choices[].finish_reason is absent on most servers' intermediate chunks, and the
# SDKs' chunk models default it to None. One rule for every check that validates chunks.
TOLERATED_MISSING_IN = {"CreateChatCompletionStreamResponse": frozenset({"finish_reason"})}


@dataclass(frozen=True)
class SchemaReport:
    """Schema errors split into those that break clients and tolerated deviations."""

    breaking: tuple[str, ...]
    deviations: tuple[str, ...]


def _where(err: ValidationError) -> str:
    return err.json_path


def _parent_requires(root: dict[str, Any], schema_path: Any, key: Any) -> bool:
    """Whether the object schema holding property `key` lists it as required (following local $refs)."""
    node: Any = root
    parent: Any = None
    path = list(schema_path)
    for i, step in enumerate(path):
        # jsonschema's schema paths step through a $ref without naming it: follow it by hand.
        while isinstance(node, dict) and step not in node and isinstance(node.get("$ref"), str):
            node = _resolve(root, node["$ref"])
        if step == "$ref" and isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = _resolve(root, node["$ref"])
            continue
        if step == "properties" and i + 1 < len(path) and path[i + 1] == key:
            parent = node
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return True
    return parent is None or key in parent.get("required", [])


def _resolve(root: dict[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        if part:
            node = node[part]
    return node


def _null_for_optional(err: ValidationError, root: dict[str, Any]) -> bool:
    """null sent for a key the spec leaves optional: the SDKs read it exactly like an absent key."""
    if err.instance is not None or not err.absolute_path:
        return False
    return not _parent_requires(root, err.absolute_schema_path, err.absolute_path[-1])


def _tolerated(err: ValidationError, root: dict[str, Any] | None = None,
               missing_ok: frozenset[str] = TOLERATED_MISSING) -> bool:
    if root is not None and err.validator in ("type", "anyOf", "oneOf", "$ref") and _null_for_optional(err, root):
        return True
    if err.validator == "required":
        missing = set(err.validator_value) - set(err.instance or {})
        return bool(missing) and missing <= missing_ok
    if err.validator in ("anyOf", "oneOf") and err.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in err.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        return any(all(_tolerated(e, root, missing_ok) for e in errs) for errs in branches.values())
    return False


def _branch(err: ValidationError) -> ValidationError | None:
    """Of a failed union, the error inside the one branch whose type tag the instance matches (None if unclear)."""
    if err.validator not in ("anyOf", "oneOf") or not err.context:
        return None
    branches: dict[Any, list[ValidationError]] = {}
    for sub in err.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    # A branch that rejects the instance's own "type" tag is another kind of object: not the one meant.
    meant = [errs for errs in branches.values()
             if not any(e.validator in ("enum", "const") and list(e.relative_path) == ["type"] for e in errs)]
    if len(meant) != 1:
        return None
    return min(meant[0], key=lambda e: (e.validator in ("anyOf", "oneOf"), len(e.relative_path)))


def _describe(err: ValidationError) -> str:
    while (inner := _branch(err)) is not None:
        err = inner
    if err.validator == "required":
        missing = sorted(set(err.validator_value) - set(err.instance or {}))
        return f"{_where(err)}: missing required key(s) {', '.join(missing)}"
    msg = err.message if len(err.message) < 200 else err.message[:200] + "..."
    return f"{_where(err)}: {msg}"


def check(schema_name: str, instance: Any) -> SchemaReport:
    """Validate an instance against a derived OpenAI schema and classify every error."""
    missing_ok = TOLERATED_MISSING | TOLERATED_MISSING_IN.get(schema_name, frozenset())
    return _classify(schema_name, validator(schema_name), instance, missing_ok)


def check_part(schema_name: str, part: str, instance: Any) -> SchemaReport:
    """Validate against one $defs entry of a derived schema (an event type of a union) and classify every error."""
    missing_ok = TOLERATED_MISSING | TOLERATED_MISSING_IN.get(part, frozenset())
    return _classify(part, part_validator(schema_name, part), instance, missing_ok)


def _classify(schema_name: str, v: Any, instance: Any, missing_ok: frozenset[str]) -> SchemaReport:
    breaking: list[str] = []
    deviations: list[str] = []
    for err in v.iter_errors(instance):
        if _null_for_optional(err, v.schema):
            deviations.append(f"{schema_name} {_where(err)}: null for an optional key (the spec omits it instead)")
        elif _tolerated(err, v.schema, missing_ok):
            deviations.append(f"{schema_name} {_describe(err)}")
        else:
            breaking.append(f"{schema_name} {_describe(err)}")
    return SchemaReport(tuple(breaking), tuple(deviations))
