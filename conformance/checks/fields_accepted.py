"""Request fields whose effect a text model cannot show: accepted, rejected or broken; and the deprecated functions."""

from __future__ import annotations

import json
from typing import Any

from conformance.checks import _shape
from conformance.context import CheckContext
from conformance.registry import CheckFn, check
from conformance.verdict import Fail, Ignored

FEATURE = "Chat completions"
# Deprecated by OpenAI: kept apart so a server without them is not marked short on chat itself.
LEGACY = "Legacy functions"
CHEAP = 4

# field -> a valid value; each is sent alone on the default request, cut to CHEAP tokens.
ACCEPTED: dict[str, Any] = {
    "user": "oai-conformance-user",
    "safety_identifier": "oai-conformance-safety-id",
    "prompt_cache_key": "oai-conformance-cache-key",
    "metadata": {"suite": "oai-conformance"},
    "store": False,
    "service_tier": "auto",
    "modalities": ["text"],
    "prediction": {"type": "content", "content": "Hello! How can I help you today?"},
    "reasoning_effort": "low",
    "verbosity": "low",
    "web_search_options": {},
}

WEATHER = {
    "name": "get_weather",
    "description": "Get the current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
ASK_WEATHER = [{"role": "user", "content": "What is the weather in Paris?"}]
CALL_TOKENS = 64


def _accepted(field: str, value: Any) -> CheckFn:
    def run(ctx: CheckContext) -> str:
        body = ctx.expect_ok(ctx.chat(max_tokens=CHEAP, **{field: value}), f"{field}={value!r}")
        text = _shape.text(body)
        extra = ""
        if field == "prediction":
            usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
            details = usage.get("completion_tokens_details")
            if isinstance(details, dict) and "accepted_prediction_tokens" in details:
                extra = f"; accepted_prediction_tokens {details['accepted_prediction_tokens']!r} reported"
        if field == "service_tier" and "service_tier" in body:
            extra = f"; response service_tier {body['service_tier']!r}"
        return f"accepted ({text!r}); effect not observable{extra}"

    run.__doc__ = f"{field} is accepted with a normal answer."
    return run


for _field, _value in ACCEPTED.items():
    check(f"fields.{_field}.accepted", feature=FEATURE, field=_field,
          behavior=f"{_field}={json.dumps(_value)} is accepted with 200 and a normal answer (effect not observable)")(
        _accepted(_field, _value))


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


@check("fields.functions.accepted", feature=LEGACY, field="functions",
       behavior="The deprecated functions field is accepted; any call names a declared function with JSON arguments")
def functions_accepted(ctx: CheckContext) -> str:
    body = ctx.expect_ok(ctx.chat(messages=ASK_WEATHER, functions=[WEATHER], max_tokens=CALL_TOKENS), "functions")
    called = _function_call(ctx, body)
    if called:
        return f"accepted; called {called[0]}({called[1]})"
    return f"accepted; answered in text {_shape.text(body)!r}"


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
