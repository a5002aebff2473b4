"""text.format: json_object and json_schema, judged on the output text."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator

from conformance import catalog
from conformance.checks._shared.json_prefix import prefix_breaks, unfence
from conformance.checks.responses import shape
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Fail, Ignored, Skip

EP = catalog.RESPONSES
MAX_OUTPUT = 48
OBJECT_PROMPT = 'Reply in JSON: the object {"answer": "yes"} and nothing else.'
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "color": {"type": "string", "enum": ["red", "green", "blue"]},
        "member": {"type": "boolean"},
    },
    "required": ["name", "age", "color", "member"],
    "additionalProperties": False,
}
# The keys are not named in the prompt: without the schema enforced, a model picks other keys.
SCHEMA_PROMPT = "Describe Ann, aged 30, whose favourite color is red and who is a member, as a JSON object."
SCHEMA_FORMAT = {"format": {"type": "json_schema", "name": "person", "strict": True, "schema": SCHEMA}}


def decode(ctx: CheckContext, what: str, schema: dict[str, Any] | None = None, **fields: Any) -> Any:
    """The JSON value of the output text; one the format did not change is 'ignored'.

    A cut answer skips, unless its written part already breaks the schema: no continuation can repair that.
    """
    resp = shape.answer(ctx, what, max_output_tokens=MAX_OUTPUT, **fields)
    text = shape.text(resp)
    try:
        return json.loads(text)
    except ValueError:
        pass
    # A fenced answer is judged by what is inside the fence as well: llama-server gives a bare object in one run
    # and the same object fenced in the next, and both must read the same when the object breaks the schema.
    inner, fence = unfence(text)
    cut = resp.get("status") == "incomplete" or (inner.lstrip()[:1] in ("{", "[")
                                                 and shape.usage(resp)["output_tokens"] >= MAX_OUTPUT)
    fenced = " inside a Markdown code fence" if fence else ""
    if cut or fence:
        broken = prefix_breaks(inner, schema) if schema is not None else []
        if broken:
            raise Fail(f"{what}: {'the answer was cut by max_output_tokens, but ' if cut else ''}the JSON it wrote"
                       f"{fenced} already breaks the schema: {'; '.join(broken[:3])}: {text[:120]!r}")
    if fence == "closed" and _parses(inner):
        # Clients json.loads() the output text as it comes: the fence breaks them, whatever is inside.
        raise Fail(f"{what}: the output text is JSON wrapped in a Markdown code fence: {text[:120]!r}")
    if cut:
        raise Skip(f"{what}: the JSON{fenced} was cut by max_output_tokens, nothing to judge: {text[:120]!r}")
    # Not JSON: the same request without the format tells a format ignored from one applied wrongly.
    without = {k: v for k, v in fields.items() if k != "text"}
    plain = shape.text(shape.answer(ctx, f"the same request without {what}", max_output_tokens=MAX_OUTPUT, **without))
    ctx.note(text=text, text_without_format=plain)
    if plain == text:
        raise Ignored(f"{what} accepted without effect: the same answer as without it, not JSON: {text[:120]!r}")
    raise Fail(f"{what}: the output text is not valid JSON: {text[:160]!r}")


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@check("responses.text.json_object", feature="JSON mode", field="text.format.json_object", endpoint=EP,
       behavior="text.format json_object gives output text that parses as a JSON object")
def json_object(ctx: CheckContext) -> str:
    what = "text.format json_object"
    value = decode(ctx, what, input=OBJECT_PROMPT, text={"format": {"type": "json_object"}})
    if not isinstance(value, dict):
        raise Fail(f"the output is JSON but a {type(value).__name__}, not an object: {json.dumps(value)[:120]}")
    return f"a JSON object {json.dumps(value)[:80]}"


@check("responses.text.json_schema", feature="Structured outputs", field="text.format.json_schema", endpoint=EP,
       alone=True, behavior="text.format json_schema (strict) gives output text valid against the schema")
def json_schema(ctx: CheckContext) -> str:
    # alone: llama-server ignores the format, and its temperature-0 answer depends on what is batched beside it
    # (a fenced answer in one recording, a cut bare object in the next): the verdict flipped between them.
    what = "text.format json_schema"
    value = decode(ctx, what, SCHEMA, input=SCHEMA_PROMPT, text=SCHEMA_FORMAT)
    errors = [f"{e.json_path}: {e.message}" for e in Draft202012Validator(SCHEMA).iter_errors(value)]
    if errors:
        raise Fail(f"output {json.dumps(value)[:120]} does not match the schema: {'; '.join(errors[:3])}")
    return f"valid against the schema: {json.dumps(value)[:80]}"
