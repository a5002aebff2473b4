"""Function tools: a forced call comes back as a function_call item, and its output goes back as an input item."""

from __future__ import annotations

import json
from typing import Any

from conformance import catalog
from conformance.checks.responses import shape
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Fail, Ignored, SpecViolation

EP = catalog.RESPONSES
FEATURE = "Function calling"
MAX_OUTPUT = 64
NAME = "get_weather"
# Responses tools are flat: name and parameters beside type, not under "function".
TOOL: dict[str, Any] = {
    "type": "function",
    "name": NAME,
    "description": "Get the current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    "strict": False,  # required by the spec (FunctionTool); strict schemas are JSON mode's business
}
PROMPT = "What is the weather in Paris?"
FORCED = {"type": "function", "name": NAME}
SAMPLE_CALL = {"type": "function_call", "call_id": "call_oaiconformance1", "name": NAME, "arguments": '{"city": "Paris"}'}
RESULT = "It is 31 degrees Celsius and sunny in Paris, with a light wind from the south-west."


def forced(ctx: CheckContext) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answer to a request whose tool_choice names the tool, and its function_call item."""
    resp = shape.answer(ctx, "a tool_choice naming a function", input=PROMPT, max_output_tokens=MAX_OUTPUT,
                        tools=[TOOL], tool_choice=FORCED)
    found = shape.calls(resp)
    if not found:
        raise Ignored(f"tool_choice naming {NAME!r} accepted, but no function_call item came back: output "
                      f"{[i.get('type') for i in shape.output(resp)]}, text {shape.text(resp)[:80]!r}")
    return resp, found[0]


@check("responses.tools.forced_call", feature=FEATURE, field="tool_choice", endpoint=EP,
       behavior="A tool_choice naming a function gives a function_call item with that name, a call_id and "
                "arguments that parse as a JSON object")
def forced_call(ctx: CheckContext) -> str:
    _, call = forced(ctx)
    if call.get("name") != NAME:
        raise Fail(f"the function_call names {call.get('name')!r}, not the forced {NAME!r}")
    if not isinstance(call.get("call_id"), str) or not call["call_id"]:
        raise Fail(f"the function_call has call_id {call.get('call_id')!r}: its output cannot be sent back")
    args = call.get("arguments")
    if not isinstance(args, str):
        raise Fail(f"arguments is a {type(args).__name__}, not a JSON text: {str(args)[:120]}")
    try:
        value = json.loads(args)
    except ValueError:
        raise Fail(f"arguments do not parse as JSON: {args[:120]!r}") from None
    if not isinstance(value, dict):
        raise Fail(f"arguments are JSON but not an object: {args[:120]!r}")
    if call.get("status") not in (None, "completed", "in_progress", "incomplete"):
        raise SpecViolation(f"the function_call's status is {call.get('status')!r}")
    return f"function_call {NAME}({args[:60]}) with call_id {call['call_id']!r}"


@check("responses.tools.call_output", feature=FEATURE, field="input.function_call_output", endpoint=EP,
       behavior="The function_call item and a function_call_output item sent back as input are read: a text answer, "
                "with more input tokens than the question alone")
def call_output(ctx: CheckContext) -> str:
    try:
        _, call = forced(ctx)
    except Ignored:
        # The server made no call: send back one it could have made, the protocol is the same.
        call = SAMPLE_CALL
        ctx.note(call="none came back: sent a sample call")
    # The call as the client received it, with the answer to it: what every agent loop sends next.
    resp = shape.answer(ctx, "a function_call_output sent back", input=_turns(call, call.get("arguments")),
                        max_output_tokens=MAX_OUTPUT, tools=[TOOL])
    plain = shape.answer(ctx, "the question alone", input=PROMPT, max_output_tokens=MAX_OUTPUT, tools=[TOOL])
    text = shape.text(resp)
    ctx.note(text=text)
    if not text and not shape.calls(resp):
        raise Fail("the answer to the function_call_output holds neither text nor another call")
    more = shape.more_input(resp, plain, "the call and its output")
    if more is None:
        raise Ignored(f"the function_call_output was accepted but never reached the prompt: "
                      f"{shape.input_tokens(resp)} input tokens, the question alone has {shape.input_tokens(plain)}")
    # The tokens show the output was read; whether the model used it is the model's business.
    call_read = _call_read(ctx, call, resp)
    return f"the call and its output reach the prompt ({more}; {call_read}); answered {text[:60]!r}"


def _turns(call: dict[str, Any], arguments: Any) -> list[dict[str, Any]]:
    """The question, the call with these arguments, and its output."""
    return [{"role": "user", "content": PROMPT},
            {"type": "function_call", "call_id": call.get("call_id"), "name": call.get("name"), "arguments": arguments},
            {"type": "function_call_output", "call_id": call.get("call_id"), "output": RESULT}]


# A city of this many characters more or fewer than the call's own arguments: enough tokens to show in the input.
ARGUMENT_GAP = 160


def _call_read(ctx: CheckContext, call: dict[str, Any], resp: dict[str, Any]) -> str:
    """Whether the function_call item itself reaches the prompt: other arguments must change the input tokens."""
    # The output alone can account for every extra token (vLLM without a tool parser drops the call item and keeps
    # its output): the same turns with arguments of another length tell the two apart.
    own = str(call.get("arguments") or "")
    city = "Paris" + ", France" * (max(len(own) + ARGUMENT_GAP, 0) // 8)
    other = json.dumps({"city": city})
    changed = shape.answer(ctx, "the same call with longer arguments", input=_turns(call, other),
                           max_output_tokens=MAX_OUTPUT, tools=[TOOL])
    a, b = shape.input_tokens(resp), shape.input_tokens(changed)
    if a is None or b is None or a != b:
        return f"{b} input tokens with its arguments {len(other) - len(own)} characters longer"
    raise SpecViolation(f"only the function_call_output reaches the prompt: the function_call item is dropped "
                        f"({a} input tokens with the call as made and with its arguments {len(other) - len(own)} "
                        "characters longer)")


@check("responses.tools.in_prompt", feature=FEATURE, field="tools", endpoint=EP,
       behavior="Declared function tools reach the model: more input tokens than the same request without them")
def in_prompt(ctx: CheckContext) -> str:
    plain = shape.answer(ctx, "the question alone", input=PROMPT, max_output_tokens=MAX_OUTPUT)
    declared = shape.answer(ctx, "the question with a tool declared", input=PROMPT, max_output_tokens=MAX_OUTPUT,
                            tools=[TOOL])
    more = shape.more_input(declared, plain, "the tool")
    if more is None:
        raise Ignored(f"tools accepted but they never reach the prompt: {shape.input_tokens(declared)} input tokens "
                      f"with a tool declared, {shape.input_tokens(plain)} without")
    return f"the tool reaches the prompt: {more}"
