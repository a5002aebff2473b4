"""Validation of tools, tool_choice and the deprecated functions / function_call fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fake.errors import ApiError, Halt, bad_type, bad_value, invalid, missing
from tests.fake.request import Tool
from tests.fake.schemas import strict_problem

Soft = Callable[[ApiError], None]
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
TOOL_CHOICES = ("none", "auto", "required")
_JSON_TYPES = {str: "a string", dict: "an object", bool: "a boolean"}


@dataclass(frozen=True)
class ToolSetup:
    """The declared tools and how the model must use them."""

    tools: tuple[Tool, ...] = ()
    choice: str = "none"  # "none", "auto", "required" or "function" (see name)
    name: str | None = None
    legacy: bool = False  # declared with the deprecated functions field: answer with message.function_call


def parse_tools(body: dict[str, Any], soft: Soft) -> ToolSetup:
    """Validate tools and tool_choice, or else the deprecated functions and function_call."""
    if body.get("tools") is None and body.get("functions") is not None:
        functions = _tools(body["functions"], "functions", legacy=True)
        choice, name = _function_call(body.get("function_call"), functions)
        return ToolSetup(functions, choice, name, legacy=True)
    if body.get("function_call") is not None and body.get("functions") is None:
        raise Halt(invalid("function_call", "Invalid value for 'function_call': 'function_call' is only allowed "
                           "when 'functions' are specified.", "invalid_value"))
    tools = _tools(body.get("tools"), "tools")
    choice, name = _tool_choice(body.get("tool_choice"), tools, soft)
    return ToolSetup(tools, choice, name)


def _tools(value: Any, param: str, legacy: bool = False) -> tuple[Tool, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise Halt(bad_type(param, "an array", value))
    if not value or len(value) > 128:
        raise Halt(invalid(param, f"Invalid '{param}': array of length {len(value)}. Expected between 1 and 128 "
                           "items.", "empty_array" if not value else "array_above_max_length"))
    if legacy:  # a deprecated function is the function part of a tool
        return tuple(_function(f, f"{param}[{i}]") for i, f in enumerate(value))
    return tuple(_tool(t, f"{param}[{i}]") for i, t in enumerate(value))


def _tool(spec: Any, where: str) -> Tool:
    if not isinstance(spec, dict):
        raise Halt(bad_type(where, "an object", spec))
    if spec.get("type") != "function":
        raise Halt(missing(f"{where}.type") if "type" not in spec else bad_value(f"{where}.type", spec["type"],
                                                                                 ("function",)))
    fn = spec.get("function")
    if not isinstance(fn, dict):
        raise Halt(missing(f"{where}.function") if fn is None else bad_type(f"{where}.function", "an object", fn))
    return _function(fn, f"{where}.function")


def _function(fn: Any, where: str) -> Tool:
    if not isinstance(fn, dict):
        raise Halt(bad_type(where, "an object", fn))
    name = fn.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise Halt(missing(f"{where}.name") if name is None else
                   invalid(f"{where}.name", f"Invalid '{where}.name': string does not match "
                           "pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'."))
    for key, kind in (("description", str), ("parameters", dict), ("strict", bool)):
        if fn.get(key) is not None and not isinstance(fn[key], kind):
            raise Halt(bad_type(f"{where}.{key}", _JSON_TYPES[kind], fn[key]))
    strict = bool(fn.get("strict"))
    if strict and (problem := strict_problem(fn.get("parameters") or {})) is not None:
        raise Halt(invalid(f"{where}.parameters", f"Invalid schema for function '{name}': {problem}",
                           "invalid_function_parameters"))
    return Tool(name, fn.get("description") or "", fn.get("parameters"), strict)


def _tool_choice(value: Any, tools: tuple[Tool, ...], soft: Soft) -> tuple[str, str | None]:
    if value is None:
        return ("auto" if tools else "none"), None
    if not tools:
        soft(invalid("tool_choice", "Invalid value for 'tool_choice': 'tool_choice' is only allowed when "
                     "'tools' are specified.", "invalid_value", kind="tool_choice_without_tools"))
        return "none", None  # accepted by a deviation: with nothing to call, a text answer (as llama-server)
    if isinstance(value, str):
        if value not in TOOL_CHOICES:
            raise Halt(bad_value("tool_choice", value, TOOL_CHOICES))
        return value, None
    if not isinstance(value, dict):
        raise Halt(bad_type("tool_choice", "a string or an object", value))
    fn = value.get("function")
    if value.get("type") != "function" or not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
        raise Halt(invalid("tool_choice", "Invalid 'tool_choice': expected {\"type\": \"function\", \"function\": "
                           "{\"name\": ...}}.", "invalid_value"))
    if fn["name"] not in {t.name for t in tools}:
        soft(invalid("tool_choice", f"Invalid value for 'tool_choice': function '{fn['name']}' was not found in "
                     "'tools'.", "invalid_value", kind="tool_choice_unknown"))
    return "function", fn["name"]


def _function_call(value: Any, functions: tuple[Tool, ...]) -> tuple[str, str | None]:
    if value is None:
        return "auto", None
    if value in ("none", "auto"):
        return value, None
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise Halt(bad_value("function_call", value, ("none", "auto")) if isinstance(value, str)
                   else bad_type("function_call", "a string or an object", value))
    if value["name"] not in {f.name for f in functions}:
        raise Halt(invalid("function_call", f"Invalid value for 'function_call': no function named "
                           f"'{value['name']}' was specified in the 'functions' parameter.", "invalid_value"))
    return "function", value["name"]
