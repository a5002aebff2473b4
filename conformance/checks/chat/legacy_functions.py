"""The deprecated functions and function_call: judged by their effect, like tools and tool_choice."""

from __future__ import annotations

import json
from typing import Any

from conformance.checks._shared import shape as _shape
from conformance.checks.chat.tools import PLAIN_TOKENS, PROMPT
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Fail, Ignored

# Deprecated by OpenAI: kept apart so a server without them is not marked short on chat itself.
LEGACY = "Legacy functions"

WEATHER = {
    "name": "get_weather",
    "description": "Get the current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
# The tools checks' prompt: the request without any declaration is then the one tools.declared.reach_prompt
# sends, and the run cache sends it once.
ASK_WEATHER = PROMPT
CALL_TOKENS = 64


def _function_call(ctx: CheckContext, body: dict[str, Any]) -> tuple[str, str] | None:
    """The (name, arguments) the answer calls, legacy shape or tools shape (noted), or None."""
    msg = _shape.message(body)
    call = msg.get("function_call")
    if call is None and isinstance(msg.get("tool_calls"), list) and msg["tool_calls"]:
        call = msg["tool_calls"][0].get("function") if isinstance(msg["tool_calls"][0], dict) else None
        ctx.deviations.append("the deprecated functions were answered in the tools shape (message.tool_calls)")
    if call is None:
        return None
    if not isinstance(call, dict) or not isinstance(call.get("name"), str):
        raise Fail(f"the function call is malformed: {str(call)[:200]}")
    args = call.get("arguments")
    if not isinstance(args, str):
        raise Fail(f"function_call.arguments is {type(args).__name__}, not a JSON string")
    try:
        json.loads(args)
    except ValueError as exc:
        raise Fail(f"function_call.arguments is not valid JSON: {args[:200]!r}") from exc
    if call["name"] != WEATHER["name"]:
        raise Fail(f"called {call['name']!r}, which was never declared")
    return call["name"], args


@check("fields.functions.effect", feature=LEGACY, field="functions",
       behavior="The deprecated functions reach the model (more prompt tokens, or a call to a declared function "
                "with JSON arguments)")
def functions_effect(ctx: CheckContext) -> str:
    body = ctx.expect_ok(ctx.chat(messages=ASK_WEATHER, functions=[WEATHER], max_tokens=CALL_TOKENS), "functions")
    called = _function_call(ctx, body)
    if called:
        return f"called {called[0]}({called[1]})"
    # Only its prompt tokens are compared: a few completion tokens do.
    plain = ctx.expect_ok(ctx.chat(messages=ASK_WEATHER, max_tokens=PLAIN_TOKENS), "the same request without functions")
    return _shape.reaches_prompt(body, plain, "functions", ignored_tail=", and no call") + "; answered in text"


@check("fields.function_call.forced", feature=LEGACY, field="function_call",
       behavior="The deprecated function_call naming a function forces a call to it, like a named tool_choice")
def function_call_forced(ctx: CheckContext) -> str:
    body = ctx.expect_ok(
        ctx.chat(messages=ASK_WEATHER, functions=[WEATHER], function_call={"name": WEATHER["name"]},
                 max_tokens=CALL_TOKENS),
        "function_call naming a function",
    )
    called = _function_call(ctx, body)
    if called is None:
        raise Ignored(f"function_call named {WEATHER['name']!r} but the answer is text: {_shape.message(body).get('content')!r}")
    fr = _shape.finish_reason(body)
    return f"called {called[0]}({called[1]}), finish_reason {fr!r}"
