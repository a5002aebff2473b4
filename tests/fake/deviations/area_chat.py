"""Chat response deviations: the shape of chat.completion bodies and which messages are accepted."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.fake.errors import ApiError, bad_type, bad_value, invalid
from tests.fake.registry import deviation
from tests.fake.request import ChatRequest
from tests.fake.validate_chat import KNOWN_FIELDS

Body = dict[str, Any]


def _each_choice(body: Body) -> list[Body]:
    return [c for c in body.get("choices", []) if isinstance(c, dict)]


@deviation("chat.object_wrong", "object is 'chat_completion' instead of 'chat.completion'", on="chat_body")
def _object_wrong(body: Body, req: ChatRequest) -> Body:
    return {**body, "object": "chat_completion"}


@deviation("chat.created_float", "created is a float timestamp", on="chat_body")
def _created_float(body: Body, req: ChatRequest) -> Body:
    return {**body, "created": body["created"] + 0.25}


@deviation("chat.id_missing", "the response has no id", on="chat_body")
def _id_missing(body: Body, req: ChatRequest) -> Body:
    return {k: v for k, v in body.items() if k != "id"}


@deviation("chat.model_empty", "the response's model is an empty string (a server started without a model "
           "name)", on="chat_body")
def _model_empty(body: Body, req: ChatRequest) -> Body:
    return {**body, "model": ""}


@deviation("chat.finish_reason_eos", "finish_reason is 'eos' (llama.cpp-style) instead of 'stop'", on="chat_body")
def _finish_eos(body: Body, req: ChatRequest) -> Body:
    for choice in _each_choice(body):
        choice["finish_reason"] = "eos"
    return body


@deviation("chat.finish_reason_null", "finish_reason is null in a finished response", on="chat_body")
def _finish_null(body: Body, req: ChatRequest) -> Body:
    for choice in _each_choice(body):
        choice["finish_reason"] = None
    return body


@deviation("chat.function_call_null", "messages carry \"function_call\": null (vLLM does; ModelFusion's schema "
           "takes an object or no key)", on="chat_body")
def _function_call_null(body: Body, req: ChatRequest) -> Body:
    for choice in _each_choice(body):
        choice["message"]["function_call"] = None
    return body


@deviation("chat.role_missing", "message has no role", on="chat_body")
def _role_missing(body: Body, req: ChatRequest) -> Body:
    for choice in _each_choice(body):
        choice["message"].pop("role", None)
    return body


@deviation("chat.usage_missing", "the response has no usage", on="chat_body")
def _usage_missing(body: Body, req: ChatRequest) -> Body:
    return {k: v for k, v in body.items() if k != "usage"}


@deviation("chat.usage_sum_wrong", "usage.total_tokens is not prompt_tokens + completion_tokens", on="chat_body")
def _usage_sum_wrong(body: Body, req: ChatRequest) -> Body:
    body["usage"]["total_tokens"] += 1
    return body


@deviation("chat.index_wrong", "every choice has index 0", on="chat_body")
def _index_wrong(body: Body, req: ChatRequest) -> Body:
    for choice in _each_choice(body):
        choice["index"] = 0
    return body


@deviation("chat.no_logprobs_key", "choices omit a null logprobs key (tolerated by clients)", on="chat_body")
def _no_logprobs_key(body: Body, req: ChatRequest) -> Body:
    for choice in _each_choice(body):
        if choice.get("logprobs") is None:  # servers that drop null keys still send real logprobs
            choice.pop("logprobs", None)
    return body


@deviation("chat.no_refusal_key", "message omits the refusal key (tolerated by clients)", on="chat_body")
def _no_refusal_key(body: Body, req: ChatRequest) -> Body:
    for choice in _each_choice(body):
        choice["message"].pop("refusal", None)
    return body


@deviation("chat.developer_role_rejected", "a developer-role message gets a 400", on="check")
def _developer_rejected(req: ChatRequest) -> ApiError | None:
    for i, m in enumerate(req.messages):
        if m.role == "developer":
            return bad_value(f"messages[{i}].role", "developer", ("system", "user", "assistant", "tool"))
    return None


@deviation("chat.system_role_rejected", "a system message gets a 400 (a chat template that raises 'System role "
           "not supported', as Gemma's does)", on="check")
def _system_rejected(req: ChatRequest) -> ApiError | None:
    if any(m.role == "system" for m in req.messages):
        return invalid("messages", "System role not supported")
    return None


@deviation("chat.instructions_dropped", "system and developer messages are accepted and dropped before the "
           "prompt (neither the answer nor prompt_tokens changes)", on="request")
def _instructions_dropped(req: ChatRequest) -> ChatRequest:
    return replace(req, messages=tuple(m for m in req.messages if m.role not in ("system", "developer")))


@deviation("chat.prefill_rejected", "a conversation ending with an assistant turn gets a 400 (llama-server with "
           "thinking enabled)", on="check")
def _prefill_rejected(req: ChatRequest) -> ApiError | None:
    if req.messages and req.messages[-1].role == "assistant":
        return invalid("messages", "Assistant response prefill is incompatible with enable_thinking.")
    return None


@deviation("chat.prefill_dropped", "a trailing assistant turn is accepted and dropped before the prompt",
           on="request")
def _prefill_dropped(req: ChatRequest) -> ChatRequest:
    if req.messages and req.messages[-1].role == "assistant" and len(req.messages) > 1:
        return replace(req, messages=req.messages[:-1])
    return req


@deviation("chat.content_parts_rejected", "content given as an array of parts gets a 400", on="check")
def _parts_rejected(req: ChatRequest) -> ApiError | None:
    for i, m in enumerate(req.messages):
        if m.parts:
            return bad_type(f"messages[{i}].content", "a string", [])
    return None


@deviation("chat.content_parts_dropped", "text given as an array of parts is read as empty content (the model "
           "answers a blank prompt)", on="request")
def _parts_dropped(req: ChatRequest) -> ChatRequest:
    return replace(req, messages=tuple(replace(m, text="") if m.parts else m for m in req.messages))


@deviation("chat.unknown_field_rejected", "unknown request fields get a 400", on="check")
def _unknown_field_rejected(req: ChatRequest) -> ApiError | None:
    extra = sorted(set(req.raw) - KNOWN_FIELDS)
    if extra:
        return invalid(extra[0], f"Unrecognized request argument supplied: {extra[0]}")
    return None


@deviation("chat.multi_turn_ignored", "only the last user message is read: history has no effect", on="request")
def _multi_turn_ignored(req: ChatRequest) -> ChatRequest:
    last_user = [m for m in req.messages if m.role == "user"][-1:]
    return replace(req, messages=tuple(last_user)) if last_user else req


_previous: dict[str, Any] = {"messages": None}


@deviation("chat.state_leaks", "the previous request's conversation leaks into the next one when they differ "
           "(a prompt cache reused wrongly, as llama-cpp-python does)", on="request")
def _state_leaks(req: ChatRequest) -> ChatRequest:
    prev, _previous["messages"] = _previous["messages"], req.messages
    if prev is None or prev == req.messages:
        return req
    return replace(req, messages=tuple(prev) + tuple(req.messages))
