"""Logprobs deviations: ignored, mis-shaped, inconsistent or rejected token logprobs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.fake.completions import Completion
from tests.fake.errors import ApiError, invalid, server_error
from tests.fake.registry import deviation
from tests.fake.request import ChatRequest

Body = dict[str, Any]
Comps = tuple[Completion, ...]


def _contents(body: Body) -> list[list[Body]]:
    return [ch["logprobs"]["content"] for ch in body.get("choices", [])
            if isinstance(ch.get("logprobs"), dict) and ch["logprobs"].get("content")]


@deviation("logprobs.ignored", "logprobs true gives logprobs null", on="request")
def _ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, logprobs=False)


@deviation("logprobs.needs_top_logprobs", "logprobs true without top_logprobs crashes with a 500", on="check")
def _needs_top(req: ChatRequest) -> ApiError | None:
    if req.logprobs and req.raw.get("top_logprobs") is None:
        return server_error("'NoneType' object cannot be interpreted as an integer")
    return None


@deviation("logprobs.legacy_shape", "logprobs use the legacy completions shape (tokens, token_logprobs, ...)",
           on="chat_body")
def _legacy_shape(body: Body, req: ChatRequest) -> Body:
    for choice in body.get("choices", []):
        content = (choice.get("logprobs") or {}).get("content")
        if content is None:
            continue
        offsets, at = [], 0
        for entry in content:
            offsets.append(at)
            at += len(entry["token"])
        choice["logprobs"] = {
            "tokens": [e["token"] for e in content],
            "token_logprobs": [e["logprob"] for e in content],
            "top_logprobs": [{t["token"]: t["logprob"] for t in e["top_logprobs"]} for e in content],
            "text_offset": offsets,
        }
    return body


@deviation("logprobs.positive", "some logprobs are positive", on="outputs")
def _positive(comps: Comps, req: ChatRequest) -> Comps:
    def lift(c: Completion) -> Completion:
        if not c.tokens:
            return c
        first = c.tokens[0]
        return replace(c, tokens=(replace(first, logprob=abs(first.logprob) + 0.5),) + c.tokens[1:])
    return tuple(lift(c) for c in comps)


@deviation("logprobs.top_count_wrong", "top_logprobs has one entry more than asked", on="request")
def _top_count_wrong(req: ChatRequest) -> ChatRequest:
    # More than asked is the violation; fewer is allowed by the spec "in rare cases".
    return replace(req, top_logprobs=req.top_logprobs + 1) if req.logprobs and req.top_logprobs else req


@deviation("logprobs.top_count_fewer", "top_logprobs has one entry fewer than asked (allowed)", on="chat_body")
def _top_count_fewer(body: Body, req: ChatRequest) -> Body:
    for content in _contents(body):
        for entry in content:
            entry["top_logprobs"] = entry["top_logprobs"][: max(req.top_logprobs - 1, 0)]
    return body


@deviation("logprobs.unasked_alternatives", "logprobs true without top_logprobs returns 20 alternatives per token",
           on="request")
def _unasked_alternatives(req: ChatRequest) -> ChatRequest:
    return replace(req, top_logprobs=20) if req.logprobs and req.raw.get("top_logprobs") is None else req


@deviation("logprobs.tokens_mismatch", "logprobs tokens do not concatenate to the content", on="chat_body")
def _tokens_mismatch(body: Body, req: ChatRequest) -> Body:
    for content in _contents(body):
        content[0]["token"] = content[0]["token"].upper() + "#"
        content[0]["bytes"] = list(content[0]["token"].encode())
    return body


@deviation("logprobs.present_when_off", "a logprobs object is returned when not asked for", on="request")
def _present_when_off(req: ChatRequest) -> ChatRequest:
    return req if req.logprobs else replace(req, logprobs=True, top_logprobs=0)


@deviation("logprobs.rejected", "logprobs true gets a 400", on="check")
def _rejected(req: ChatRequest) -> ApiError | None:
    return invalid("logprobs", "logprobs are not supported", "unsupported_parameter") if req.logprobs else None
