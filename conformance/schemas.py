"""Load the shipped JSON Schemas (derived from OpenAI's OpenAPI spec) and build cached validators."""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

_PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_NAMESPACE = "openai"
_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def schema_dir() -> Path:
    """Return the directory holding the shipped schemas: in the installed package, else the repo."""
    # a wheel maps the top-level schemas/ to conformance/_schemas/; a checkout keeps it beside the package
    for candidate in (_PACKAGE_DIR / "_schemas", _PACKAGE_DIR.parent / "schemas"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no schema directory found near {_PACKAGE_DIR}")


def schema_path(name: str) -> Path:
    """Return the file for `name`, either "Component" (openai namespace) or "namespace/Component"."""
    namespace, _, component = name.rpartition("/")
    namespace = namespace or DEFAULT_NAMESPACE
    # names become file paths, so refuse anything that could climb out of the schema directory
    if not (_NAME.fullmatch(namespace) and _NAME.fullmatch(component)) or ".." in name:
        raise ValueError(f"invalid schema name: {name!r}")
    path = schema_dir() / namespace / f"{component}.json"
    if not path.is_file():
        raise KeyError(f"no shipped schema named {name!r} (looked for {path})")
    return path


def names(namespace: str = DEFAULT_NAMESPACE) -> list[str]:
    """Return the component names shipped in a namespace, sorted."""
    return sorted(p.stem for p in (schema_dir() / namespace).glob("*.json") if p.stem != "PROVENANCE")


@functools.cache
def _load(name: str) -> dict[str, Any]:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


def schema(name: str) -> dict[str, Any]:
    """Return a fresh copy of the named schema document, safe for the caller to modify."""
    return copy.deepcopy(_load(name))


def shared(name: str) -> dict[str, Any]:
    """The named schema document itself, loaded once: for readers that never modify it (no copy)."""
    return _load(name)


def provenance(namespace: str = DEFAULT_NAMESPACE) -> dict[str, Any]:
    """Return the PROVENANCE.json record of where a namespace's schemas came from."""
    return json.loads((schema_dir() / namespace / "PROVENANCE.json").read_text(encoding="utf-8"))


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """Return the validator for the named schema, built once and shared."""
    # no format_checker: 2020-12 treats format as an annotation, and the spec uses custom ones ("unixtime")
    return Draft202012Validator(_load(name))


@functools.cache
def request_validator(name: str) -> Draft202012Validator:
    """The validator of a request schema read as a union where it says oneOf.

    OpenAI's spec writes unions as oneOf, and some branches overlap (a typed message item is both an
    EasyInputMessage and an InputMessage); the API takes either, so a value valid under two branches is valid.
    """
    return Draft202012Validator(_union(schema(name)))


def _union(node: Any) -> Any:
    if isinstance(node, list):
        return [_union(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _union(v) for k, v in node.items() if k != "oneOf"}
    if "oneOf" in node:
        branches = _union(node["oneOf"])
        if "anyOf" in out:
            out["allOf"] = [*out.get("allOf", []), {"anyOf": branches}]
        else:
            out["anyOf"] = branches
    return out


@functools.cache
def part_validator(name: str, part: str) -> Draft202012Validator:
    """The validator for one $defs entry of a named schema (one event type of a stream-event union)."""
    defs = _load(name)["$defs"]
    if part not in defs:
        raise KeyError(f"schema {name!r} defines no {part!r}")
    return Draft202012Validator({"$defs": defs, "$ref": f"#/$defs/{part}"})
