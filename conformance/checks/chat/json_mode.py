"""JSON mode and structured outputs: response_format json_object and json_schema."""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import Draft202012Validator

from conformance.checks._shared import shape as _shape
from conformance.checks._shared.json_prefix import prefix_breaks
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Fail, Ignored, Skip

JSON_MODE = "JSON mode"
STRUCTURED = "Structured outputs"
MAX_TOKENS = 48
# A poem or a JSON object shows in its first characters (a cut object passes): half the tokens do.
ENFORCE_TOKENS = 24
# OpenAI refuses json_object unless the word JSON appears in the messages; ask for a short, fixed object.
OBJECT_PROMPT = [{"role": "user", "content": 'Reply in JSON: the object {"answer": "yes"} and nothing else.'}]
# A prompt that asks for prose: only a server that enforces json_object (a grammar) answers it with JSON.
# OpenAI requires the word JSON in the messages; servers that enforce without asking (llama.cpp) are what
# this probe tells apart from a model that merely obeys a prompt asking for JSON.
PROSE_PROMPT = [{"role": "user", "content": "Write a short poem about the sea."}]
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
SCHEMA_PROMPT = [{"role": "user", "content":
                  "Describe Ann, aged 30, whose favourite color is red and who is a member, as a JSON object."}]
SCHEMA_FORMAT = {"type": "json_schema", "json_schema": {"name": "person", "strict": True, "schema": SCHEMA}}
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?```\s*$", re.DOTALL)


def decode(body: dict[str, Any], what: str, schema: dict[str, Any] | None = None) -> Any:
    """The JSON value of the content; fences fail, prose is 'ignored'.

    A max_tokens cut skips, unless its written part already breaks the schema: no continuation can repair that.
    """
    text = _shape.text(body)
    try:
        return json.loads(text)
    except ValueError:
        pass
    if _shape.finish_reason(body) == "length":
        broken = prefix_breaks(text, schema) if schema is not None else []
        if broken:
            raise Fail(f"{what}: the answer was cut by max_tokens, but what it wrote already breaks the schema: "
                       f"{'; '.join(broken[:3])}: {text[:120]!r}")
        raise Skip(f"{what}: the JSON was cut by max_tokens (finish_reason 'length'), nothing to judge: {text[:120]!r}")
    fenced = _FENCE.match(text)
    if fenced:
        # Clients json.loads() the content as it comes: a Markdown fence breaks them.
        raise Fail(f"{what}: content is JSON wrapped in a Markdown code fence: {text[:120]!r}")
    if "{" not in text and "[" not in text:
        raise Ignored(f"{what} was accepted but the answer is plain text: {text[:120]!r}")
    raise Fail(f"{what}: content is not valid JSON: {text[:160]!r}")


@check("json.object.parses", feature=JSON_MODE, field="response_format.json_object",
       behavior="response_format json_object gives content that parses as a JSON object, without code fences")
def object_parses(ctx: CheckContext) -> str:
    ex = ctx.chat(messages=OBJECT_PROMPT, max_tokens=MAX_TOKENS, response_format={"type": "json_object"})
    value = decode(ctx.expect_ok(ex, "response_format json_object"), "response_format json_object")
    if not isinstance(value, dict):
        raise Fail(f"content is JSON but a {type(value).__name__}, not an object: {json.dumps(value)[:120]}")
    return f"a JSON object {json.dumps(value)[:80]}"


@check("json.object.enforced", feature=JSON_MODE, field="response_format.json_object",
       behavior="response_format json_object is enforced: a prompt asking for a poem is answered with a JSON object")
def object_enforced(ctx: CheckContext) -> str:
    # One sample at temperature 0 is enough: enforcement is a grammar over the output, not the model's choice.
    ex = ctx.chat(messages=PROSE_PROMPT, max_tokens=ENFORCE_TOKENS, response_format={"type": "json_object"})
    body = ctx.expect_ok(ex, "response_format json_object with a poem prompt")
    text, fr = _shape.text(body), _shape.finish_reason(body)
    ctx.note(text=text, finish_reason=fr)
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    else:
        if not isinstance(value, dict):
            raise Fail(f"a poem prompt got JSON but a {type(value).__name__}, not an object: {text[:120]!r}")
        return f"a poem prompt was answered with a JSON object: {json.dumps(value)[:80]}"
    start = text.lstrip()[:1]
    if start == "{" and fr == "length":
        # A cut object cannot parse; what it shows is that the answer began as JSON, not as a poem.
        return f"a poem prompt was answered with a JSON object, cut by max_tokens: {text[:80]!r}"
    if start in ("{", "["):
        raise Fail(f"a poem prompt got content that starts as JSON but does not parse: {text[:160]!r}")
    if _FENCE.match(text):
        raise Fail(f"a poem prompt got JSON wrapped in a Markdown code fence: {text[:120]!r}")
    raise Ignored(f"json_object accepted but not enforced: a poem prompt answered in prose: {text[:120]!r}")


@check("json.object.invalid_type", feature=JSON_MODE, field="response_format",
       behavior="An unknown response_format type is rejected with 400")
def invalid_type(ctx: CheckContext) -> str:
    ex = ctx.chat(messages=OBJECT_PROMPT, response_format={"type": "bogus"})
    return ctx.expect_rejected(ex, "response_format type 'bogus'")


@check("json.schema.conforms", feature=STRUCTURED, field="response_format.json_schema",
       behavior="response_format json_schema (strict) gives content valid against the schema")
def schema_conforms(ctx: CheckContext) -> str:
    ex = ctx.chat(messages=SCHEMA_PROMPT, max_tokens=MAX_TOKENS, response_format=SCHEMA_FORMAT)
    value = decode(ctx.expect_ok(ex, "response_format json_schema"), "response_format json_schema", SCHEMA)
    errors = [f"{e.json_path}: {e.message}" for e in Draft202012Validator(SCHEMA).iter_errors(value)]
    if errors:
        # Valid JSON that breaks the schema is worse than a rejection: clients trust it and crash later.
        raise Fail(f"content {json.dumps(value)[:120]} does not match the schema: {'; '.join(errors[:3])}")
    return f"valid against the schema: {json.dumps(value)[:80]}"
