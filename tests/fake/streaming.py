"""Render choices as chat.completion.chunk objects and SSE frames."""

from __future__ import annotations

import json
from itertools import zip_longest
from typing import Any

from tests.fake.completions import Completion, Knobs
from tests.fake.render import FINGERPRINT, ResponseIds, token_entry, usage
from tests.fake.request import ChatRequest
from tests.fake.toolcalls import ToolCall

DONE = "[DONE]"


def split_arguments(arguments: str, pieces: int) -> list[str]:
    """Split a JSON text into pieces (at least two when it has two characters) for streaming."""
    pieces = max(1, min(pieces, len(arguments)))
    size = -(-len(arguments) // pieces)
    return [arguments[i:i + size] for i in range(0, len(arguments), size)] or [""]


def chunks(req: ChatRequest, comps: tuple[Completion, ...], ids: ResponseIds, knobs: Knobs) -> list[dict[str, Any]]:
    """Every chunk of the stream, in sending order (choices interleaved, usage last)."""
    def chunk(index: int, delta: dict[str, Any], logprobs: Any = None, finish: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": ids.id, "object": "chat.completion.chunk", "created": ids.created, "model": req.model,
            "system_fingerprint": FINGERPRINT,
            "choices": [{"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish}],
        }
        if req.include_usage:
            body["usage"] = None
        return body

    per_choice = []
    for comp in comps:
        seq = [chunk(comp.index, {"role": "assistant", "content": "" if comp.content is not None else None,
                                  "refusal": None})]
        for tok in comp.tokens:
            lp = {"content": [token_entry(tok, req.top_logprobs)], "refusal": None} if req.logprobs else None
            seq.append(chunk(comp.index, {"content": tok.text}, lp))
        for pos, call in enumerate(comp.tool_calls):
            if req.legacy_functions:
                seq += [chunk(comp.index, {"function_call": d}) for d in _function_deltas(call, knobs.arg_pieces)]
            else:
                seq += [chunk(comp.index, {"tool_calls": [d]}) for d in _call_deltas(call, pos, knobs.arg_pieces)]
        seq.append(chunk(comp.index, {}, None, comp.finish_reason))
        per_choice.append(seq)
    # n > 1: choices advance together, as servers generating them in a batch send them.
    out = [c for step in zip_longest(*per_choice) for c in step if c is not None]
    if req.include_usage:
        last = chunk(0, {})
        last["choices"] = []
        last["usage"] = usage(req, comps)
        out.append(last)
    return out


def _call_deltas(call: ToolCall, position: int, pieces: int) -> list[dict[str, Any]]:
    first = {"index": position, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}
    rest = [{"index": position, "function": {"arguments": p}} for p in split_arguments(call.arguments, pieces)]
    return [first] + rest


def _function_deltas(call: ToolCall, pieces: int) -> list[dict[str, Any]]:
    first = {"name": call.name, "arguments": ""}
    return [first] + [{"arguments": p} for p in split_arguments(call.arguments, pieces)]


def frame(payload: str) -> str:
    """One SSE event carrying a data payload."""
    return f"data: {payload}\n\n"


def frames(chunk_list: list[dict[str, Any]]) -> tuple[str, ...]:
    """The SSE frames of a stream, [DONE] included."""
    return tuple(frame(json.dumps(c)) for c in chunk_list) + (frame(DONE),)
