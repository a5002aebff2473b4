"""Valid values of scalar request fields, read from a derived OpenAI schema (no hypothesis-jsonschema)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from hypothesis import strategies as st

from conformance import schemas

Node = dict[str, Any]
N = TypeVar("N", int, float)
# Simplest first: Hypothesis shrinks a one_of towards its first branch, so null comes last.
TYPE_ORDER = ("boolean", "integer", "number", "string", "array", "object", "null")
# Short, printable, with the separators stop sequences are made of.
ALPHABET = "abcdefghijklmnopqrstuvwxyz .,!?\n"
MAX_TEXT = 8
MAX_ITEMS = 4
NULL_ODDS = 6


@dataclass(frozen=True)
class Typed:
    """What the schema allows for one JSON type of a field, merged over every schema that constrains it."""

    type: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    enum: tuple[Any, ...] | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    items: FieldSchema | None = None
    default: Any = None  # the schema's default for this type, if it names one


@dataclass(frozen=True)
class FieldSchema:
    """A field as the schema defines it: the JSON types it takes, each with its constraints."""

    name: str
    types: tuple[Typed, ...] = field(default_factory=tuple)

    def of(self, kind: str) -> Typed | None:
        """The constraints of one JSON type, or None when the field does not take that type."""
        return next((t for t in self.types if t.type == kind), None)

    @property
    def nullable(self) -> bool:
        """Whether null is a valid value."""
        return self.of("null") is not None


def _resolve(node: Any, root: Node) -> Node:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        cur: Any = root
        for part in node["$ref"].lstrip("#/").split("/"):
            cur = cur[part]
        node = cur
    return node if isinstance(node, dict) else {}


def property_nodes(root: Node, name: str) -> list[Node]:
    """Every schema node that constrains top-level property `name` (allOf parts all apply)."""
    found: list[Node] = []

    def walk(node: Any) -> None:
        node = _resolve(node, root)
        for part in node.get("allOf", []):
            walk(part)
        prop = node.get("properties", {}).get(name)
        if prop is not None:
            found.append(prop)

    walk(root)
    return found


def _alternatives(node: Any, root: Node) -> list[Node]:
    """The simple typed branches of a node (anyOf/oneOf flattened, type lists split)."""
    node = _resolve(node, root)
    for key in ("anyOf", "oneOf"):
        if key in node:
            alts = [alt for branch in node[key] for alt in _alternatives(branch, root)]
            return [{"default": node["default"], **a} if "default" in node else a for a in alts]
    kind = node.get("type")
    if isinstance(kind, list):
        return [{**node, "type": k} for k in kind]
    if kind is None and "enum" in node:
        kinds = {_json_type(v) for v in node["enum"]}
        return [{**node, "type": k, "enum": [v for v in node["enum"] if _json_type(v) == k]} for k in sorted(kinds)]
    return [node] if kind is not None else []


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def lower(a: N | None, b: N | None) -> N | None:
    """The tighter of two lower bounds (None: unbounded)."""
    return b if a is None else a if b is None else max(a, b)


def upper(a: N | None, b: N | None) -> N | None:
    """The tighter of two upper bounds (None: unbounded)."""
    return b if a is None else a if b is None else min(a, b)


def _typed(name: str, alt: Node, root: Node) -> Typed:
    items = None
    if alt["type"] == "array" and "items" in alt:
        items = _merge(name + "[]", [alt["items"]], root)
    enum = tuple(alt["enum"]) if "enum" in alt else None
    default = alt.get("default")
    if default is not None and _json_type(default) != alt["type"] and not (
            alt["type"] == "number" and _json_type(default) == "integer"):
        default = None  # a default written beside a type list belongs to one of its types only
    return Typed(alt["type"], alt.get("minimum"), alt.get("maximum"), alt.get("exclusiveMinimum"),
                 alt.get("exclusiveMaximum"), enum, alt.get("minLength"), alt.get("maxLength"),
                 alt.get("minItems"), alt.get("maxItems"), items, default)


def _tighten(a: Typed, b: Typed) -> Typed:
    """Both constraints hold (allOf): the narrower bound of each pair wins."""
    enum = a.enum if b.enum is None else b.enum if a.enum is None else tuple(v for v in a.enum if v in b.enum)
    return replace(
        a, minimum=lower(a.minimum, b.minimum), maximum=upper(a.maximum, b.maximum),
        exclusive_minimum=lower(a.exclusive_minimum, b.exclusive_minimum),
        exclusive_maximum=upper(a.exclusive_maximum, b.exclusive_maximum), enum=enum,
        min_length=lower(a.min_length, b.min_length), max_length=upper(a.max_length, b.max_length),
        min_items=lower(a.min_items, b.min_items), max_items=upper(a.max_items, b.max_items),
        items=a.items or b.items, default=a.default if a.default is not None else b.default,
    )


def _loosen(a: Typed, b: Typed) -> Typed:
    """Either constraint holds (anyOf branches of one type): the wider bound of each pair wins."""

    def wide(x: Any, y: Any, pick: Any) -> Any:
        return None if x is None or y is None else pick(x, y)

    enum = None if a.enum is None or b.enum is None else a.enum + tuple(v for v in b.enum if v not in a.enum)
    return replace(
        a, minimum=wide(a.minimum, b.minimum, min), maximum=wide(a.maximum, b.maximum, max),
        exclusive_minimum=wide(a.exclusive_minimum, b.exclusive_minimum, min),
        exclusive_maximum=wide(a.exclusive_maximum, b.exclusive_maximum, max), enum=enum,
        min_length=wide(a.min_length, b.min_length, min), max_length=wide(a.max_length, b.max_length, max),
        min_items=wide(a.min_items, b.min_items, min), max_items=wide(a.max_items, b.max_items, max),
        items=a.items or b.items,
    )


def _merge(name: str, nodes: list[Node], root: Node) -> FieldSchema:
    """A field valid against every node: the types all nodes allow, each with every node's constraints."""
    merged: dict[str, Typed] | None = None
    for node in nodes:
        here: dict[str, Typed] = {}
        for alt in _alternatives(node, root):
            t = _typed(name, alt, root)
            here[t.type] = _loosen(here[t.type], t) if t.type in here else t
        if "number" in here and "integer" not in here:
            here["integer"] = replace(here["number"], type="integer")  # JSON Schema: every integer is a number
        merged = here if merged is None else {k: _tighten(merged[k], v) for k, v in here.items() if k in merged}
    ordered = sorted((merged or {}).values(), key=lambda t: TYPE_ORDER.index(t.type))
    # An integer branch derived only from a number branch adds nothing to generate: keep the declared types.
    declared = {alt.get("type") for node in nodes for alt in _alternatives(node, root)}
    return FieldSchema(name, tuple(t for t in ordered if t.type in declared or t.type == "null"))


@functools.cache
def field_schema(schema_name: str, name: str) -> FieldSchema:
    """What the named schema allows for its top-level property `name`."""
    root = schemas.shared(schema_name)
    nodes = property_nodes(root, name)
    if not nodes:
        raise KeyError(f"{schema_name} has no property {name!r}")
    return _merge(name, nodes, root)


def enum_of(schema_name: str, def_name: str, *path: str) -> tuple[Any, ...]:
    """The enum at a path inside one of the schema's $defs (e.g. a message's role)."""
    root = schemas.shared(schema_name)
    node: Any = root["$defs"][def_name]
    for step in path:
        node = _resolve(node, root)["properties"][step]
    values = [v for alt in _alternatives(node, root) for v in alt.get("enum", [])]
    if not values:
        raise KeyError(f"{def_name}.{'.'.join(path)} has no enum")
    return tuple(dict.fromkeys(values))


def required_of(schema_name: str, def_name: str | None = None) -> tuple[str, ...]:
    """The required keys of the schema itself or of one of its $defs (allOf parts included)."""
    root = schemas.shared(schema_name)
    start: Any = root if def_name is None else root["$defs"][def_name]
    out: list[str] = []

    def walk(node: Any) -> None:
        node = _resolve(node, root)
        for part in node.get("allOf", []):
            walk(part)
        out.extend(k for k in node.get("required", []) if k not in out)

    walk(start)
    return tuple(out)


def cheap(fs: FieldSchema, **bounds: Any) -> FieldSchema:
    """Tighten a field to what is cheap to send (never loosen it): bounds apply to every type they name."""
    return replace(fs, types=tuple(_tighten(t, replace(t, **{k: v for k, v in bounds.items() if _applies(t, k)}))
                                   for t in fs.types))


def _applies(t: Typed, key: str) -> bool:
    numeric = t.type in ("integer", "number")
    return (numeric and key in ("minimum", "maximum")) or (t.type == "string" and key == "max_length") or (
        t.type == "array" and key == "max_items")


# --- valid values ---------------------------------------------------------------------------------------

def valid(fs: FieldSchema, *, nulls: bool = True, defaults: bool = True) -> st.SearchStrategy[Any]:
    """Any value the schema accepts for the field; null now and then, never where shrinking ends.

    defaults=False leaves out the schema's default value: sending it tests what leaving the field out does.
    """
    parts = [_valid_typed(t) if defaults or t.default is None else _valid_typed(t).filter(_other_than(t.default))
             for t in fs.types if t.type != "null"]
    if not parts:
        raise ValueError(f"{fs.name}: nothing to generate")
    values = st.one_of(*parts)
    return _sometimes_null(values) if nulls and fs.nullable else values


def _other_than(default: Any) -> Any:
    # False == 0 in Python; a boolean default excludes only the boolean.
    return lambda v: not (v == default and isinstance(v, bool) == isinstance(default, bool))


@st.composite
def _sometimes_null(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> Any:
    # One draw in NULL_ODDS: a null is worth sending (servers mishandle it) but tests nothing else.
    if draw(st.integers(0, NULL_ODDS - 1)) == NULL_ODDS - 1:
        return None
    return draw(values)


def _valid_typed(t: Typed) -> st.SearchStrategy[Any]:
    if t.enum is not None:
        return st.sampled_from(t.enum)
    if t.type == "boolean":
        return st.booleans()
    if t.type == "integer":
        lo = _int_bound(t.minimum, t.exclusive_minimum, +1)
        hi = _int_bound(t.maximum, t.exclusive_maximum, -1)
        return st.integers(min_value=lo, max_value=hi)
    if t.type == "number":
        low = lower(t.minimum, t.exclusive_minimum)
        high = upper(t.maximum, t.exclusive_maximum)
        return st.floats(min_value=low, max_value=high, exclude_min=low is not None and low == t.exclusive_minimum,
                         exclude_max=high is not None and high == t.exclusive_maximum,
                         allow_nan=False, allow_infinity=False, allow_subnormal=False)
    if t.type == "string":
        hi = MAX_TEXT if t.max_length is None else min(t.max_length, MAX_TEXT)
        return st.text(alphabet=ALPHABET, min_size=min(t.min_length or 0, hi), max_size=hi)
    if t.type == "array" and t.items is not None:
        hi = MAX_ITEMS if t.max_items is None else min(t.max_items, MAX_ITEMS)
        return st.lists(valid(t.items, nulls=False), min_size=t.min_items or 0, max_size=hi)
    raise ValueError(f"no generator for {t.type!r} without items or enum")


def _int_bound(inclusive: float | None, exclusive: float | None, step: int) -> int | None:
    candidates = [math.ceil(inclusive) if step > 0 else math.floor(inclusive)] if inclusive is not None else []
    if exclusive is not None:
        candidates.append((math.floor(exclusive) + 1) if step > 0 else (math.ceil(exclusive) - 1))
    if not candidates:
        return None
    return max(candidates) if step > 0 else min(candidates)
