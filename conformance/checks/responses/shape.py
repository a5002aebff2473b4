"""The Responses API as checks see it: the default request, and accessors that fail clearly on a malformed answer."""

from __future__ import annotations

from typing import Any

from conformance.checks._shared import shape as _shape
from conformance.context import OMIT, CheckContext
from conformance.model import Exchange
from conformance.verdict import Fail, Skip

PATH = "/responses"
PROMPT = "Say hello in one short sentence."
# The spec's minimum for max_output_tokens: OpenAI rejects anything smaller.
MAX_OUTPUT = 16
STATUSES = frozenset({"completed", "failed", "in_progress", "cancelled", "queued", "incomplete"})
WHAT = "a response"


def body(ctx: CheckContext, **fields: Any) -> dict[str, Any]:
    """A cheap, deterministic Responses request; pass OMIT to drop a default field."""
    out: dict[str, Any] = {"model": ctx.model, "input": PROMPT, "temperature": 0, "max_output_tokens": MAX_OUTPUT}
    out.update(fields)
    return {k: v for k, v in out.items() if v is not OMIT}


def create(ctx: CheckContext, *, cache: bool = True, **fields: Any) -> Exchange:
    """POST /responses with the default request, changed by fields."""
    sent = body(ctx, **fields)
    return ctx.request("POST", PATH, sent, stream=bool(sent.get("stream")), cache=cache)


def answer(ctx: CheckContext, what: str = WHAT, *, cache: bool = True, **fields: Any) -> dict[str, Any]:
    """The JSON body of a 2xx answer to the default request changed by fields (a clear 4xx is 'unsupported')."""
    out: dict[str, Any] = ctx.expect_ok(create(ctx, cache=cache, **fields), what)
    return out


def output(resp: dict[str, Any]) -> list[dict[str, Any]]:
    """The output items (a list of objects)."""
    items = resp.get("output")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise Fail(f"`output` is not a list of objects: {str(items)[:200]}")
    return items


def text(resp: dict[str, Any]) -> str:
    """Every output_text part of every message item, joined (what the SDKs' output_text gives)."""
    parts: list[str] = []
    for pos, item in enumerate(output(resp)):
        if item.get("type") != "message":
            continue
        content = item.get("content")
        if not isinstance(content, list):
            raise Fail(f"output[{pos}].content is not a list: {str(content)[:200]}")
        for part in content:
            if isinstance(part, dict) and part.get("type") == "output_text":
                if not isinstance(part.get("text"), str):
                    raise Fail(f"output[{pos}]: an output_text part without a string text: {str(part)[:200]}")
                parts.append(part["text"])
    return "".join(parts)


def calls(resp: dict[str, Any]) -> list[dict[str, Any]]:
    """The function_call output items."""
    return [i for i in output(resp) if i.get("type") == "function_call"]


def usage(resp: dict[str, Any], where: str = "response") -> dict[str, int]:
    """The usage object, with integer input, output and total token counts."""
    u = resp.get("usage")
    if not isinstance(u, dict):
        raise Fail(f"{where}: `usage` missing or not an object: {u!r}")
    for k in ("input_tokens", "output_tokens", "total_tokens"):
        if not isinstance(u.get(k), int) or isinstance(u.get(k), bool):
            raise Fail(f"{where}: usage.{k} is not an integer: {u.get(k)!r}")
    return u


def input_tokens(resp: dict[str, Any]) -> int | None:
    """usage.input_tokens when reported as an integer."""
    return _shape.usage_count(resp, "input_tokens")


def more_input(with_it: dict[str, Any], without: dict[str, Any], what: str) -> str | None:
    """'N input tokens with it, M without' when more reached the prompt with it; None when not; Skip without usage."""
    a, b = input_tokens(with_it), input_tokens(without)
    if a is None or b is None:
        raise Skip(f"no usage.input_tokens to tell whether {what} reaches the prompt")
    return f"{a} input tokens with {what}, {b} without" if a > b else None
