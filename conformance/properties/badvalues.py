"""Invalid values of a request field, read from its schema: just out of range, of a wrong type, wrong in size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.properties.fromschema import FieldSchema, lower, upper


@dataclass(frozen=True)
class Bad:
    """One invalid value of a field and what is wrong with it, in words a failure can name."""

    kind: str  # "out of range", "wrong type", "unknown enum value", "too many items", "too few items"
    value: Any
    why: str


def out_of_range(fs: FieldSchema) -> list[Bad]:
    """Numbers just outside the schema's bounds, nearest first."""
    out: list[Bad] = []
    for t in fs.types:
        if t.type not in ("integer", "number"):
            continue
        step = (1, 10) if t.type == "integer" or fs.of("number") is None else (1, 0.5, 100)
        lo, hi = lower(t.minimum, t.exclusive_minimum), upper(t.maximum, t.exclusive_maximum)
        if hi is not None:
            at = [hi] if hi == t.exclusive_maximum else []
            out += [Bad("out of range", _num(v), f"above the maximum {_num(hi)}") for v in at + [hi + d for d in step]]
        if lo is not None:
            at = [lo] if lo == t.exclusive_minimum else []
            out += [Bad("out of range", _num(v), f"below the minimum {_num(lo)}") for v in at + [lo - d for d in step]]
        break  # integer and number share their bounds
    return out


def _num(v: float) -> int | float:
    return int(v) if float(v).is_integer() and abs(v) < 2**64 * 4 else v


def wrong_types(fs: FieldSchema) -> list[Bad]:
    """Values of JSON types the field does not take (null excepted: it means 'absent' to clients)."""
    numeric = fs.of("number") or fs.of("integer")
    sample = "1" if numeric else "true" if fs.of("boolean") else "x"
    candidates: list[tuple[str, Any]] = [
        ("string", sample), ("integer", 1), ("number", 1.5), ("boolean", True), ("array", [1]), ("object", {"x": 1}),
    ]
    taken = {t.type for t in fs.types}
    if "number" in taken:
        taken.add("integer")
    return [Bad("wrong type", v, f"a {k} where the schema allows {'/'.join(t.type for t in fs.types)}")
            for k, v in candidates if k not in taken]


def array_size(fs: FieldSchema) -> list[Bad]:
    """Arrays with one item too many or too few."""
    out: list[Bad] = []
    for t in fs.types:
        if t.type != "array":
            continue
        if t.max_items is not None:
            out.append(Bad("too many items", ["a"] * (t.max_items + 1), f"{t.max_items + 1} items, at most "
                           f"{t.max_items} allowed"))
        if t.min_items:
            out.append(Bad("too few items", [], f"empty, at least {t.min_items} item(s) required"))
    return out
