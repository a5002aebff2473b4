"""JSON Schema support for the fake model: generate a valid instance, and OpenAI's strict-mode rules."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from tests.fake.tokenizer import VOCAB

Schema = Mapping[str, Any]
_MAX_DEPTH = 8


def generate(schema: Schema, rng: random.Random, words: Sequence[str] = ()) -> Any:
    """An instance that validates against the schema (the subset structured outputs use)."""
    return _gen(schema, schema, rng, list(words) or list(VOCAB[:12]), 0)


def _resolve(schema: Schema, root: Schema) -> Schema:
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return schema
    node: Any = root
    for part in ref[2:].split("/"):
        node = node.get(part, {}) if isinstance(node, Mapping) else {}
    return node if isinstance(node, Mapping) else {}


def _gen(schema: Schema, root: Schema, rng: random.Random, words: list[str], depth: int) -> Any:
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return rng.choice(schema["enum"])
    for key in ("anyOf", "oneOf"):
        options = [o for o in schema.get(key) or [] if isinstance(o, Mapping) and o.get("type") != "null"]
        if options:
            return _gen(options[0], root, rng, words, depth + 1)
    if isinstance(schema.get("allOf"), list) and schema["allOf"]:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(part, root))
        return _gen(merged, root, rng, words, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    return _BY_TYPE.get(kind, _string)(schema, root, rng, words, depth)


def _object(schema: Schema, root: Schema, rng: random.Random, words: list[str], depth: int) -> Any:
    props = schema.get("properties") or {}
    if depth >= _MAX_DEPTH:
        props = {k: v for k, v in props.items() if k in (schema.get("required") or [])}
    # Every declared property is filled: valid both with and without strict mode.
    return {name: _gen(sub, root, rng, words, depth + 1) for name, sub in props.items()}


def _array(schema: Schema, root: Schema, rng: random.Random, words: list[str], depth: int) -> Any:
    low = int(schema.get("minItems", 0))
    high = schema.get("maxItems")
    count = max(low, 2 if high is None else min(2, int(high)))
    if depth >= _MAX_DEPTH:
        count = low
    items: Schema = schema["items"] if isinstance(schema.get("items"), Mapping) else {}
    return [_gen(items, root, rng, words, depth + 1) for _ in range(count)]


def _string(schema: Schema, root: Schema, rng: random.Random, words: list[str], depth: int) -> Any:
    fmt = schema.get("format")
    if fmt in _FORMATS:
        return _FORMATS[fmt]
    text = " ".join(rng.sample(words, k=min(len(words), 2)))
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    text = text.ljust(low, "x")
    return text[: int(high)] if high is not None else text


def _bounds(schema: Schema) -> tuple[float, float]:
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    high = schema.get("maximum", schema.get("exclusiveMaximum", max(low, 0) + 100))
    return float(low), float(high)


def _integer(schema: Schema, root: Schema, rng: random.Random, words: list[str], depth: int) -> Any:
    low, high = _bounds(schema)
    lo = int(low) + (1 if "exclusiveMinimum" in schema and "minimum" not in schema else 0)
    hi = int(high) - (1 if "exclusiveMaximum" in schema and "maximum" not in schema else 0)
    return rng.randint(lo, max(lo, hi))


def _number(schema: Schema, root: Schema, rng: random.Random, words: list[str], depth: int) -> Any:
    low, high = _bounds(schema)
    # The midpoint is strictly inside exclusive bounds too.
    return round((low + high) / 2 + rng.random() * (high - low) / 4, 2) if high > low else low


def _boolean(schema: Schema, root: Schema, rng: random.Random, words: list[str], depth: int) -> Any:
    return rng.random() < 0.5


def _null(schema: Schema, root: Schema, rng: random.Random, words: list[str], depth: int) -> Any:
    return None


_BY_TYPE = {
    "object": _object, "array": _array, "string": _string, "integer": _integer,
    "number": _number, "boolean": _boolean, "null": _null,
}
_FORMATS = {
    "date": "2024-01-15", "date-time": "2024-01-15T12:00:00Z", "time": "12:00:00",
    "email": "fake@example.com", "uri": "https://example.com/", "uuid": "00000000-0000-4000-8000-000000000000",
}


def strict_problem(schema: Any, where: str = "()") -> str | None:
    """Why a schema breaks OpenAI's strict-mode rules, or None if it follows them."""
    if not isinstance(schema, Mapping):
        return None
    if schema.get("type") == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False:
            return f"In context={where}, 'additionalProperties' is required to be supplied and to be false."
        missing = [k for k in props if k not in (schema.get("required") or [])]
        if missing:
            return f"In context={where}, 'required' is required to be supplied and to be an array including " \
                   f"every key in properties. Missing '{missing[0]}'."
        for name, sub in props.items():
            if (problem := strict_problem(sub, f"('properties', '{name}')")) is not None:
                return problem
    children = [schema.get("items")] + list(schema.get("anyOf") or [])
    children += list((schema.get("$defs") or {}).values()) + list((schema.get("definitions") or {}).values())
    for sub in children:
        if (problem := strict_problem(sub, where)) is not None:
            return problem
    return None
