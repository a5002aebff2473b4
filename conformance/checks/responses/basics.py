"""Creating a response: string and message-item input, the Response object, usage, instructions, validation."""

from __future__ import annotations

from typing import Any

from conformance import catalog
from conformance.checks.responses import shape
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Fail, Ignored, SpecViolation

FEATURE = "Responses"
SCHEMA = "Response"
EP = catalog.RESPONSES
ITEMS_EASY = [{"role": "user", "content": shape.PROMPT}]
ITEMS_TYPED = [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": shape.PROMPT}]}]
# An instruction that changes the answer and lengthens the prompt: either shows it reached the model.
INSTRUCTIONS = "You are a pirate. Answer every question in the voice of a pirate, and end with the word 'Arr'."


def default(ctx: CheckContext) -> dict[str, Any]:
    """The default request's answer (shared by every check that reads it: the run sends it once)."""
    return shape.answer(ctx, "a response to a string input")


@check("responses.create.string_input", feature=FEATURE, field="input.string", endpoint=EP,
       behavior="A string input gets 200 with object 'response', an id, a known status and a message item whose "
                "output_text parts hold the answer")
def string_input(ctx: CheckContext) -> str:
    resp = default(ctx)
    if resp.get("object") != "response":
        raise SpecViolation(f"object is {resp.get('object')!r}, not 'response'")
    if not isinstance(resp.get("id"), str) or not resp["id"]:
        raise Fail(f"id is {resp.get('id')!r}, not a non-empty string: nothing to continue or retrieve it by")
    if resp.get("status") not in shape.STATUSES:
        raise SpecViolation(f"status is {resp.get('status')!r}, not one of {sorted(shape.STATUSES)}")
    messages = [i for i in shape.output(resp) if i.get("type") == "message"]
    if not messages:
        raise Fail(f"no message item in output: {[i.get('type') for i in shape.output(resp)]}")
    if messages[0].get("role") != "assistant":
        raise SpecViolation(f"the message item's role is {messages[0].get('role')!r}, not 'assistant'")
    text = shape.text(resp)
    if not text:
        raise Fail("the message item holds no output_text: clients read an empty answer")
    return f"status {resp['status']!r}, {len(shape.output(resp))} output item(s), text {text[:60]!r}"


@check("responses.create.schema", feature=FEATURE, endpoint=EP,
       behavior="The answer is valid against the Response schema (required keys such as tools, tool_choice, "
                "temperature, top_p, instructions, error and incomplete_details present)")
def schema(ctx: CheckContext) -> str:
    ctx.schema(SCHEMA, default(ctx), "response")
    return "valid against Response" + (" (with tolerated deviations)" if ctx.deviations else "")


@check("responses.create.message_items", feature=FEATURE, field="input.items", endpoint=EP,
       behavior="input as message items (role/content, and typed message items with input_text parts) is read as "
                "the same conversation as the same text given as a string")
def message_items(ctx: CheckContext) -> str:
    plain = default(ctx)
    found = []
    for what, items in (("role/content items", ITEMS_EASY), ("typed message items", ITEMS_TYPED)):
        resp = shape.answer(ctx, f"input as {what}", input=items)
        text = shape.text(resp)
        if not text:
            raise Fail(f"input as {what}: the answer holds no output_text")
        if text == shape.text(plain):
            found.append(f"{what}: the same answer")
            continue
        a, b = shape.input_tokens(resp), shape.input_tokens(plain)
        if a is not None and a == b:
            ctx.deviations.append(f"{what}: another answer at temperature 0 ({text[:40]!r}) for the same prompt")
            found.append(f"{what}: the same {a} input tokens")
            continue
        raise Fail(f"input as {what} is not read as the same text given as a string: {a} input tokens and "
                   f"{text[:60]!r}, against {b} and {shape.text(plain)[:60]!r}")
    return "; ".join(found)


@check("responses.usage.counts", feature=FEATURE, endpoint=EP,
       behavior="usage holds integer input_tokens, output_tokens and total_tokens, and the total is their sum")
def usage_counts(ctx: CheckContext) -> str:
    u = shape.usage(default(ctx))
    if u["total_tokens"] != u["input_tokens"] + u["output_tokens"]:
        raise SpecViolation(f"usage.total_tokens {u['total_tokens']} != input_tokens {u['input_tokens']} + "
                            f"output_tokens {u['output_tokens']}")
    return f"{u['input_tokens']} + {u['output_tokens']} = {u['total_tokens']} tokens"


@check("responses.instructions.effect", feature="Instructions", field="instructions", endpoint=EP,
       behavior="instructions reach the model: more input tokens than the same request without them, or another "
                "answer")
def instructions_effect(ctx: CheckContext) -> str:
    plain = default(ctx)
    resp = shape.answer(ctx, "instructions", instructions=INSTRUCTIONS)
    text = shape.text(resp)
    ctx.note(text=text, plain_text=shape.text(plain))
    if (more := shape.more_input(resp, plain, "the instructions")) is not None:
        return f"the instructions reach the prompt: {more}"
    if text != shape.text(plain):
        return f"another answer with the instructions: {text[:60]!r}"
    raise Ignored(f"instructions accepted without effect: {shape.input_tokens(resp)} input tokens and the same "
                  f"answer {text[:60]!r} as without them")


@check("responses.validation.temperature_range", feature="Input validation", field="temperature", endpoint=EP,
       behavior="temperature 5 (above the maximum 2) is rejected with a 4xx and the error envelope")
def temperature_range(ctx: CheckContext) -> str:
    return ctx.expect_rejected(shape.create(ctx, temperature=5), "temperature 5")
