"""Render the fake model's answer as OpenAI's Response object and as its stream of events."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from tests.fake.completions import Completion, completion_tokens, prompt_tokens
from tests.fake.request import ChatRequest
from tests.fake.streaming import split_arguments

# The request fields a Response echoes, with OpenAI's defaults.
ECHOED = {"instructions": None, "max_output_tokens": None, "metadata": {}, "parallel_tool_calls": True,
          "previous_response_id": None, "store": True, "temperature": 1.0, "tool_choice": "auto", "tools": [],
          "top_p": 1.0, "truncation": "disabled"}


def new_id(prefix: str) -> str:
    """A fresh OpenAI-style id (resp_, msg_, fc_)."""
    return f"{prefix}_{secrets.token_hex(16)}"


def _part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def output_items(comp: Completion, done: bool = True) -> list[dict[str, Any]]:
    """The output items of one answer: its function calls, or one assistant message."""
    status = "completed" if comp.finish_reason != "length" else "incomplete"
    items: list[dict[str, Any]] = [
        {"type": "function_call", "id": new_id("fc"), "call_id": call.id, "name": call.name,
         "arguments": call.arguments, "status": "completed"} for call in comp.tool_calls]
    if comp.tokens or not items:
        items.append({"type": "message", "id": new_id("msg"), "status": status, "role": "assistant",
                      "content": [_part(comp.text)]})
    return items


def response(body: dict[str, Any], req: ChatRequest, comp: Completion, rid: str, created: int) -> dict[str, Any]:
    """The Response object of a finished answer."""
    cut = comp.finish_reason == "length"
    echoed = {k: body[k] if body.get(k) is not None else v for k, v in ECHOED.items()}
    p, c = prompt_tokens(req), completion_tokens((comp,))
    return {
        "id": rid, "object": "response", "created_at": created, "status": "incomplete" if cut else "completed",
        "completed_at": None if cut else created, "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
        "model": req.model, "output": output_items(comp), **echoed,
        **({"user": body["user"]} if isinstance(body.get("user"), str) else {}),
        "text": body.get("text") or {"format": {"type": "text"}}, "reasoning": None,
        "usage": {"input_tokens": p, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                  "output_tokens": c, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": p + c},
    }


def events(final: dict[str, Any], comp: Completion, arg_pieces: int = 3) -> list[dict[str, Any]]:
    """Every event of the stream of one answer, numbered, in the documented order."""
    start = {**{k: v for k, v in final.items() if k != "usage"}, "status": "in_progress", "output": [],
             "incomplete_details": None, "completed_at": None}
    out: list[dict[str, Any]] = [{"type": "response.created", "response": start},
                                 {"type": "response.in_progress", "response": start}]
    for index, item in enumerate(final["output"]):
        where = {"item_id": item["id"], "output_index": index}
        out.append({"type": "response.output_item.added", "output_index": index,
                    "item": {**item, "status": "in_progress", **_empty(item)}})
        if item["type"] == "function_call":
            out += [{"type": "response.function_call_arguments.delta", **where, "delta": piece}
                    for piece in split_arguments(item["arguments"], arg_pieces)]
            out.append({"type": "response.function_call_arguments.done", **where, "name": item["name"],
                        "arguments": item["arguments"]})
        else:
            text = item["content"][0]["text"]
            at = {**where, "content_index": 0}
            out.append({"type": "response.content_part.added", **at, "part": _part("")})
            out += [{"type": "response.output_text.delta", **at, "delta": t.text, "logprobs": []}
                    for t in comp.tokens]
            out.append({"type": "response.output_text.done", **at, "text": text, "logprobs": []})
            out.append({"type": "response.content_part.done", **at, "part": _part(text)})
        out.append({"type": "response.output_item.done", "output_index": index, "item": item})
    out.append({"type": "response.incomplete" if final["status"] == "incomplete" else "response.completed",
                "response": final})
    return [{**e, "sequence_number": n} for n, e in enumerate(out)]


def _empty(item: dict[str, Any]) -> dict[str, Any]:
    return {"arguments": ""} if item["type"] == "function_call" else {"content": []}


def frames(evs: list[dict[str, Any]]) -> tuple[str, ...]:
    """SSE frames: each event named by its type, as OpenAI sends them (no [DONE])."""
    return tuple(f"event: {e.get('type')}\ndata: {json.dumps(e)}\n\n" for e in evs)


def now() -> int:
    """The current time in seconds."""
    return int(time.time())
