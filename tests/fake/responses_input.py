"""A /v1/responses request read as the chat request the fake model answers (instructions, items, tools, format)."""

from __future__ import annotations

from typing import Any

from conformance.schemas import request_validator
from tests.fake.errors import ApiError, Halt, invalid

REQUEST_SCHEMA = "CreateResponse"
SCHEMA_KIND = "responses_schema"  # lets a deviation accept what the schema rejects
# The message roles of input items, and the content part types the fake reads as text.
ROLES = ("user", "system", "developer", "assistant")
TEXT_PARTS = ("input_text", "output_text")


def schema_error(body: Any) -> ApiError | None:
    """The first way the body breaks CreateResponse, as OpenAI words a 400 (None when valid)."""
    errors = sorted(request_validator(REQUEST_SCHEMA).iter_errors(body), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    err = errors[0]
    param = ".".join(str(p) for p in err.absolute_path) or None
    return ApiError(400, f"Invalid value for '{param}': {err.message[:200]}", param=param, code="invalid_value",
                    kind=SCHEMA_KIND)


def _text_of(content: Any, where: str) -> Any:
    if isinstance(content, str):
        return content
    parts = []
    for pos, part in enumerate(content):
        if part.get("type") not in TEXT_PARTS:
            raise Halt(invalid(f"{where}.content[{pos}].type", f"Content parts of type {part.get('type')!r} are not "
                               "supported by this model.", "unsupported_value"))
        parts.append({"type": "text", "text": part.get("text", "")})
    return parts


def messages(items: Any) -> list[dict[str, Any]]:
    """Input (a string or items) as chat messages: calls become assistant tool_calls, outputs tool messages."""
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    out: list[dict[str, Any]] = []
    for pos, item in enumerate(items or []):
        kind = item.get("type", "message")
        if kind == "message" and item.get("role") in ROLES:
            out.append({"role": item["role"], "content": _text_of(item.get("content", ""), f"input[{pos}]")})
        elif kind == "function_call":
            call = {"id": item.get("call_id"), "type": "function",
                    "function": {"name": item.get("name"), "arguments": item.get("arguments")}}
            if out and out[-1]["role"] == "assistant" and "tool_calls" in out[-1]:
                out[-1]["tool_calls"].append(call)
            else:
                out.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else str(output)
            out.append({"role": "tool", "tool_call_id": item.get("call_id"), "content": text})
        else:
            raise Halt(invalid(f"input[{pos}].type", f"Input items of type {kind!r} are not supported by this "
                               "model.", "unsupported_value"))
    return out


def _format(text: Any) -> dict[str, Any] | None:
    fmt = text.get("format") if isinstance(text, dict) else None
    if not isinstance(fmt, dict) or fmt.get("type") in (None, "text"):
        return None
    if fmt["type"] == "json_schema":
        spec = {k: fmt[k] for k in ("name", "schema", "strict") if k in fmt}
        return {"type": "json_schema", "json_schema": spec}
    return {"type": fmt["type"]}


def _tools(tools: Any) -> list[dict[str, Any]]:
    out = []
    for pos, tool in enumerate(tools or []):
        if tool.get("type") != "function":
            raise Halt(invalid(f"tools[{pos}].type", f"Tools of type {tool.get('type')!r} are not supported by this "
                               "model.", "unsupported_value"))
        fn = {k: tool[k] for k in ("name", "description", "parameters", "strict") if tool.get(k) is not None}
        out.append({"type": "function", "function": fn})
    return out


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, dict) and choice.get("type") == "function":
        return {"type": "function", "function": {"name": choice.get("name")}}
    if isinstance(choice, dict):
        raise Halt(invalid("tool_choice", f"tool_choice of type {choice.get('type')!r} is not supported by this "
                           "model.", "unsupported_value"))
    return choice


def chat_body(body: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    """The chat completion request the fake model answers for a Responses request (after a stored history)."""
    msgs = ([{"role": "system", "content": body["instructions"]}] if body.get("instructions") else [])
    msgs += history + messages(body.get("input", []))
    if not msgs:
        raise Halt(invalid("input", "Missing required parameter: 'input'.", "missing_required_parameter"))
    chat: dict[str, Any] = {"model": body.get("model"), "messages": msgs}
    for ours, theirs in (("max_output_tokens", "max_completion_tokens"), ("temperature", "temperature"),
                         ("top_p", "top_p"), ("parallel_tool_calls", "parallel_tool_calls")):
        if body.get(ours) is not None:
            chat[theirs] = body[ours]
    if (fmt := _format(body.get("text"))) is not None:
        chat["response_format"] = fmt
    if tools := _tools(body.get("tools")):
        chat["tools"] = tools
        if body.get("tool_choice") is not None:
            chat["tool_choice"] = _tool_choice(body["tool_choice"])
    return chat
