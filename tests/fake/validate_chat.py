"""Validation of a chat completion request body, as strict as OpenAI's, into a ChatRequest."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import Any

from tests.fake.errors import ApiError, Halt, bad_type, bad_value, invalid, missing, out_of_range
from tests.fake.request import ChatRequest, ResponseFormat
from tests.fake.schemas import strict_problem
from tests.fake.tokenizer import vocab_id
from tests.fake.validate_messages import parse_messages
from tests.fake.validate_tools import parse_tools

Soft = Callable[[ApiError], None]
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # what OpenAI allows in schema names
_INT64 = (-(2**63), 2**63 - 1)
FORMAT_TYPES = ("text", "json_object", "json_schema")
# Accepted after a type check: the spec gives them no effect a client can see.
_PASSTHROUGH = {"user": str, "safety_identifier": str, "prompt_cache_key": str}
# Validated and honoured after the request hooks (tests/fake/optional_fields.py), so that a deviation
# can make the server ignore one of them entirely.
_WITH_EFFECT = ("metadata", "store", "service_tier", "modalities", "prediction", "reasoning_effort", "verbosity",
                "web_search_options", "audio")
KNOWN_FIELDS = frozenset({
    "model", "messages", "temperature", "top_p", "n", "max_tokens", "max_completion_tokens", "presence_penalty",
    "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "seed", "stop", "stream", "stream_options",
    "response_format", "tools", "tool_choice", "parallel_tool_calls", "functions", "function_call", *_PASSTHROUGH,
    *_WITH_EFFECT,
})
_JSON_TYPES = {str: "a string", dict: "an object", bool: "a boolean", list: "an array"}


def parse_chat(body: Any, chat_models: Collection[str], all_models: Collection[str], soft: Soft) -> ChatRequest:
    """Validate a request body; hard errors raise Halt, soft ones go through `soft` (which may accept them)."""
    if not isinstance(body, dict):
        raise Halt(invalid(None, "The request body must be a JSON object."))
    model = body.get("model")
    if model is None:
        soft(missing("model"))  # a deviation may serve it with the default model
        model = next(iter(chat_models))
    if not isinstance(model, str):
        raise Halt(bad_type("model", "a string", model))
    if "messages" not in body:
        raise Halt(missing("messages"))
    messages = parse_messages(body["messages"], soft)
    num = _Numbers(body, soft)
    stream = _typed(body, "stream", bool, False)
    tools = parse_tools(body, soft)
    req = ChatRequest(
        model=model,
        messages=messages,
        temperature=num.get("temperature", 1.0, 0, 2),
        top_p=num.get("top_p", 1.0, 0, 1),
        n=num.get("n", 1, 1, 128, integer=True),
        max_tokens=num.get("max_tokens", None, 1, None, integer=True),
        max_completion_tokens=num.get("max_completion_tokens", None, 1, None, integer=True),
        presence_penalty=num.get("presence_penalty", 0.0, -2, 2),
        frequency_penalty=num.get("frequency_penalty", 0.0, -2, 2),
        logit_bias=_logit_bias(body.get("logit_bias"), soft),
        logprobs=_typed(body, "logprobs", bool, False),
        top_logprobs=num.get("top_logprobs", 0, 0, 20, integer=True),
        seed=num.get("seed", None, *_INT64, integer=True),
        stop=_stop(body.get("stop"), soft),
        stream=stream,
        include_usage=_stream_options(body.get("stream_options"), stream, soft),
        response_format=_response_format(body.get("response_format"), soft),
        tools=tools.tools,
        tool_choice=tools.choice,
        tool_name=tools.name,
        parallel_tool_calls=_typed(body, "parallel_tool_calls", bool, True) and not tools.legacy,
        legacy_functions=tools.legacy,
        raw=body,
    )
    if body.get("top_logprobs") is not None and not req.logprobs:
        raise Halt(invalid("top_logprobs", "Invalid value for 'top_logprobs': 'logprobs' must be set to true "
                           "when 'top_logprobs' is used."))
    for name, kind in _PASSTHROUGH.items():
        _typed(body, name, kind, None)
    if model not in all_models:
        raise Halt(ApiError(404, f"The model `{model}` does not exist or you do not have access to it.",
                            param="model", code="model_not_found", kind="model"))
    if model not in chat_models:
        raise Halt(ApiError(404, "This is not a chat model and thus not supported in the v1/chat/completions "
                            "endpoint.", param="model", code="model_not_found", kind="model"))
    return req


def _typed(body: dict[str, Any], name: str, kind: type, default: Any) -> Any:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise Halt(bad_type(name, _JSON_TYPES[kind], value))
    return value


class _Numbers:
    """Reads numeric fields: wrong types are hard errors, out-of-range values soft ones."""

    def __init__(self, body: dict[str, Any], soft: Soft) -> None:
        self.body, self.soft = body, soft

    def get(self, name: str, default: Any, lo: float | None, hi: float | None, integer: bool = False) -> Any:
        value = self.body.get(name)
        if value is None:
            return default
        ok = isinstance(value, int) if integer else isinstance(value, (int, float))
        if not ok or isinstance(value, bool):
            raise Halt(bad_type(name, "an integer" if integer else "a number", value))
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.soft(out_of_range(name, value, lo, hi, integer))
        return value


def _logit_bias(value: Any, soft: Soft) -> dict[int, float]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Halt(bad_type("logit_bias", "an object", value))
    out: dict[int, float] = {}
    for key, bias in value.items():
        if not key.isdigit():
            raise Halt(invalid("logit_bias", f"Invalid key in 'logit_bias': {key}.", "invalid_value"))
        if not isinstance(bias, (int, float)) or isinstance(bias, bool):
            raise Halt(bad_type(f"logit_bias.{key}", "a number", bias))
        if not -100 <= bias <= 100:
            soft(out_of_range("logit_bias", bias, -100, 100, False))
        out[vocab_id(int(key))] = float(bias)
    return out


def _stop(value: Any, soft: Soft) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise Halt(bad_type("stop", "a string or an array of strings", value))
    if len(value) > 4:
        soft(invalid("stop", f"Invalid 'stop': array too long. Expected an array with maximum length 4, but got an "
                     f"array with length {len(value)} instead.", "array_above_max_length", kind="range"))
    return tuple(value)


def _stream_options(value: Any, stream: bool, soft: Soft) -> bool:
    if value is None:
        return False
    if not stream:
        # A deviation may ignore it, as llama.cpp does: no stream, so nothing to add usage to.
        soft(invalid("stream_options", "The 'stream_options' parameter is only allowed when 'stream' is "
                     "enabled.", "invalid_value"))
        return False
    if not isinstance(value, dict):
        raise Halt(bad_type("stream_options", "an object", value))
    include = value.get("include_usage", False)
    if not isinstance(include, bool):
        raise Halt(bad_type("stream_options.include_usage", "a boolean", include))
    return include


def _response_format(value: Any, soft: Soft) -> ResponseFormat | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Halt(bad_type("response_format", "an object", value))
    kind = value.get("type")
    if kind is None:
        raise Halt(missing("response_format.type"))
    if kind not in FORMAT_TYPES:
        soft(bad_value("response_format.type", kind, FORMAT_TYPES, kind="response_format_type"))
        return None  # accepted anyway: answer as plain text
    if kind != "json_schema":
        return ResponseFormat(kind)
    spec = value.get("json_schema")
    if not isinstance(spec, dict):
        raise Halt(missing("response_format.json_schema") if spec is None
                   else bad_type("response_format.json_schema", "an object", spec))
    name, schema, strict = spec.get("name"), spec.get("schema"), spec.get("strict") or False
    if not isinstance(name, str) or not _NAME.match(name):
        raise Halt(missing("response_format.json_schema.name") if name is None else
                   invalid("response_format.json_schema.name", "Invalid 'response_format.json_schema.name': string "
                           "does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'."))
    if not isinstance(schema, dict):
        raise Halt(missing("response_format.json_schema.schema") if schema is None
                   else bad_type("response_format.json_schema.schema", "an object", schema))
    if not isinstance(strict, bool):
        raise Halt(bad_type("response_format.json_schema.strict", "a boolean", strict))
    if strict and (problem := strict_problem(schema)) is not None:
        raise Halt(invalid("response_format", f"Invalid schema for response_format '{name}': {problem}",
                           "invalid_json_schema"))
    return ResponseFormat("json_schema", name, schema, strict)
