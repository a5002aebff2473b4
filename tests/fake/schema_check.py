"""A small JSON Schema checker for the subset schemas.generate covers (used by tests and deviations)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "integer": (int,),
    "number": (int, float), "boolean": (bool,), "null": (type(None),),
}


def problems(instance: Any, schema: Mapping[str, Any], root: Mapping[str, Any] | None = None,
             at: str = "$") -> list[str]:
    """Where the instance breaks the schema; empty when it validates."""
    root = root if root is not None else schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        node: Any = root
        for part in ref[2:].split("/"):
            node = node.get(part, {})
        schema = node
    if "const" in schema and instance != schema["const"]:
        return [f"{at}: not the const {schema['const']!r}"]
    if "enum" in schema and instance not in schema["enum"]:
        return [f"{at}: {instance!r} not in enum"]
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema.get("oneOf") or []
        if not any(not problems(instance, o, root, at) for o in options):
            return [f"{at}: matches no option"]
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if kinds and not any(_is(instance, k) for k in kinds):
        return [f"{at}: {type(instance).__name__} is not {kinds}"]
    out: list[str] = []
    if isinstance(instance, dict):
        props = schema.get("properties") or {}
        out += [f"{at}: missing {k!r}" for k in schema.get("required") or [] if k not in instance]
        if schema.get("additionalProperties") is False:
            out += [f"{at}: unexpected {k!r}" for k in instance if k not in props]
        for key, sub in props.items():
            if key in instance:
                out += problems(instance[key], sub, root, f"{at}.{key}")
    elif isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            out.append(f"{at}: too few items")
        if isinstance(schema.get("items"), Mapping):
            for i, item in enumerate(instance):
                out += problems(item, schema["items"], root, f"{at}[{i}]")
    elif isinstance(instance, (int, float)) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            out.append(f"{at}: below minimum")
        if "maximum" in schema and instance > schema["maximum"]:
            out.append(f"{at}: above maximum")
    return out


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES.get(kind, (object,)))
