"""Tool-calling deviations: call shapes, finish reasons, tool_choice handling, rejections."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from tests.fake.completions import Completion, tool_tokens
from tests.fake.errors import ACCEPT, ApiError, bad_value, invalid, server_error
from tests.fake.model import scripted_tokens
from tests.fake.registry import deviation
from tests.fake.request import ChatRequest
from tests.fake.toolcalls import ToolCall
from tests.fake.wire import HttpCtx

Comps = tuple[Completion, ...]
Body = dict[str, Any]


def _calls(body: Body) -> list[Body]:
    return [c for ch in body.get("choices", []) for c in ch["message"].get("tool_calls") or []]


def _map_calls(comps: Comps, fn: Any) -> Comps:
    return tuple(replace(c, tool_calls=tuple(fn(t) for t in c.tool_calls)) for c in comps)


@deviation("tools.arguments_object", "function.arguments is a JSON object, not a JSON string", on="chat_body")
def _arguments_object(body: Body, req: ChatRequest) -> Body:
    for call in _calls(body):
        call["function"]["arguments"] = json.loads(call["function"]["arguments"])
    return body


@deviation("tools.arguments_invalid", "arguments do not validate: a required property is missing", on="outputs")
def _arguments_invalid(comps: Comps, req: ChatRequest) -> Comps:
    schemas = {t.name: t.parameters or {} for t in req.tools}

    def drop_required(call: ToolCall) -> ToolCall:
        args = json.loads(call.arguments)
        required = schemas.get(call.name, {}).get("required") or []
        for key in required[:1]:
            args.pop(key, None)
        if not required:  # nothing to leave out: break the type of the whole object instead
            args = [args]
        return replace(call, arguments=json.dumps(args))

    return _map_calls(comps, drop_required)


@deviation("tools.finish_reason_stop", "tool calls forced by required/auto report finish_reason 'stop'",
           on="outputs")
def _finish_stop(comps: Comps, req: ChatRequest) -> Comps:
    return tuple(replace(c, finish_reason="stop") if c.finish_reason == "tool_calls" else c for c in comps)


@deviation("tools.content_not_null", "tool-call messages also carry text content", on="outputs")
def _content_not_null(comps: Comps, req: ChatRequest) -> Comps:
    text = "Sure, let me call a tool for that."
    return tuple(replace(c, tokens=tuple(scripted_tokens(text))) if c.tool_calls and not c.tokens else c
                 for c in comps)


@deviation("tools.id_missing", "tool calls have no id", on="chat_body")
def _id_missing(body: Body, req: ChatRequest) -> Body:
    for call in _calls(body):
        call.pop("id", None)
    return body


@deviation("tools.type_missing", "tool calls have no type", on="chat_body")
def _type_missing(body: Body, req: ChatRequest) -> Body:
    for call in _calls(body):
        call.pop("type", None)
    return body


@deviation("tools.unknown_name", "tool calls name a function that was not declared", on="outputs")
def _unknown_name(comps: Comps, req: ChatRequest) -> Comps:
    return _map_calls(comps, lambda t: replace(t, name=t.name + "_undeclared"))


@deviation("tools.required_ignored", "tool_choice 'required' gets a text answer", on="request")
def _required_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, tool_choice="none") if req.tool_choice == "required" else req


@deviation("tools.required_obeyed_only", "tool_choice 'required' gives a call only when the prompt asks for a "
           "tool (a model that obeys, not a server that forces: vLLM 0.32 CPU)", on="request")
def _required_obeyed_only(req: ChatRequest) -> ChatRequest:
    asked = " ".join(m.text for m in req.messages if m.role == "user").lower()
    if req.tool_choice == "required" and not any(w in asked for w in ("weather", "time")):
        return replace(req, tool_choice="none")
    return req


@deviation("tools.named_ignored", "a named tool_choice calls another declared tool, or answers in text",
           on="request")
def _named_ignored(req: ChatRequest) -> ChatRequest:
    if req.tool_choice != "function":
        return req
    other = next((t.name for t in req.tools if t.name != req.tool_name), None)
    return replace(req, tool_name=other) if other else replace(req, tool_choice="none", tool_name=None)


@deviation("tools.parallel_ignored", "parallel_tool_calls false still gives several calls", on="request")
def _parallel_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, parallel_tool_calls=True)


@deviation("tools.tool_role_rejected", "a tool-role message gets a 400", on="check")
def _tool_role_rejected(req: ChatRequest) -> ApiError | None:
    for i, m in enumerate(req.messages):
        if m.role == "tool":
            return bad_value(f"messages[{i}].role", "tool", ("system", "user", "assistant"))
    return None


@deviation("tools.tool_result_dropped", "the assistant's tool call and the tool message are accepted but dropped "
           "from the prompt", on="request")
def _tool_result_dropped(req: ChatRequest) -> ChatRequest:
    kept = tuple(m for m in req.messages if m.role != "tool" and not (m.role == "assistant" and not m.text))
    return replace(req, messages=kept) if len(kept) < len(req.messages) else req


@deviation("tools.unknown_choice_accepted", "a tool_choice naming an undeclared function is accepted",
           on="map_error")
def _unknown_choice_accepted(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if err.kind == "tool_choice_unknown" else err


@deviation("tools.choice_without_tools_accepted", "a tool_choice without any tools is accepted and answered in text "
           "(as llama-server)", on="map_error")
def _choice_without_tools_accepted(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if err.kind == "tool_choice_without_tools" else err


@deviation("tools.rejected", "any request with tools gets a 400 'tools are not supported'", on="check")
def _tools_rejected(req: ChatRequest) -> ApiError | None:
    return invalid("tools", "tools are not supported", "unsupported_parameter") if req.tools else None


@deviation("tools.required_500", "tool_choice 'required' gets a 500; 'auto', 'none' and named choices work",
           on="check")
def _required_500(req: ChatRequest) -> ApiError | None:
    # llama-cpp-python's chatml-function-calling asserts tool_choice == "auto" after the named case.
    return server_error() if req.tools and req.tool_choice == "required" else None


@deviation("tools.not_in_prompt", "tools and functions are accepted but never rendered into the prompt "
           "(prompt_tokens as without them)", on="chat_body")
def _not_in_prompt(body: dict[str, Any], req: ChatRequest) -> dict[str, Any]:
    usage = body["usage"]
    usage["prompt_tokens"] -= tool_tokens(req)
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return body


@deviation("tools.only_beside_system", "tools reach the prompt only written into a system message, and only when "
           "tool_choice is given (llama-cpp-python's chatml-function-calling)", on="chat_body")
def _only_beside_system(body: dict[str, Any], req: ChatRequest) -> dict[str, Any]:
    if any(m.role == "system" for m in req.messages) and req.raw.get("tool_choice") is not None:
        return body
    return _not_in_prompt(body, req)
