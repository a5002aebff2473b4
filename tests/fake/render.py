"""Render choices as OpenAI's non-streamed chat completion body."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from tests.fake.completions import Completion, completion_tokens, prompt_tokens
from tests.fake.model import Token
from tests.fake.request import ChatRequest
from tests.fake.toolcalls import ToolCall

FINGERPRINT = "fp_fake"


@dataclass(frozen=True)
class ResponseIds:
    """The identity one response (or all chunks of one stream) shares."""

    id: str
    created: int

    @staticmethod
    def fresh() -> ResponseIds:
        """A new chatcmpl id and the current time."""
        return ResponseIds("chatcmpl-" + secrets.token_hex(12), int(time.time()))


def usage(req: ChatRequest, comps: tuple[Completion, ...]) -> dict[str, int]:
    """The usage object."""
    p, c = prompt_tokens(req), completion_tokens(comps)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def token_entry(tok: Token, k: int) -> dict[str, Any]:
    """One logprobs.content entry with k top alternatives."""
    return {
        "token": tok.text,
        "logprob": tok.logprob,
        "bytes": list(tok.text.encode()),
        "top_logprobs": [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in tok.top[:k]],
    }


def logprobs(req: ChatRequest, tokens: tuple[Token, ...], tool_only: bool) -> dict[str, Any] | None:
    """The choice's logprobs object, or None when not asked for."""
    if not req.logprobs:
        return None
    content = None if tool_only else [token_entry(t, req.top_logprobs) for t in tokens]
    return {"content": content, "refusal": None}


def tool_call(call: ToolCall) -> dict[str, Any]:
    """A message.tool_calls entry."""
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


def chat_body(req: ChatRequest, comps: tuple[Completion, ...], ids: ResponseIds) -> dict[str, Any]:
    """The chat.completion object."""
    choices = []
    for comp in comps:
        message: dict[str, Any] = {"role": "assistant", "content": comp.content, "refusal": None}
        if comp.tool_calls and req.legacy_functions:
            first = comp.tool_calls[0]
            message["function_call"] = {"name": first.name, "arguments": first.arguments}
        elif comp.tool_calls:
            message["tool_calls"] = [tool_call(c) for c in comp.tool_calls]
        choices.append({
            "index": comp.index,
            "message": message,
            "logprobs": logprobs(req, comp.tokens, comp.content is None),
            "finish_reason": comp.finish_reason,
        })
    return {
        "id": ids.id,
        "object": "chat.completion",
        "created": ids.created,
        "model": req.model,
        "system_fingerprint": FINGERPRINT,
        "choices": choices,
        "usage": usage(req, comps),
    }
