"""JSON mode and structured outputs: response_format json_object and json_schema."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from conformance.checks._shared import shape as _shape
from conformance.checks._shared.json_prefix import prefix_breaks
from conformance.context import CheckContext, error_message
from conformance.model import Exchange
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
JSON_OBJECT = {"type": "json_object"}
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
       behavior="response_format json_object gives content that parses as a JSON object, without code fences, "
                "and the JSON is the format's doing, not only the prompt's")
def object_parses(ctx: CheckContext) -> str:
    ex = ctx.chat(messages=OBJECT_PROMPT, max_tokens=MAX_TOKENS, response_format=JSON_OBJECT)
    body = ctx.expect_ok(ex, "response_format json_object")
    value = decode(body, "response_format json_object")
    if not isinstance(value, dict):
        raise Fail(f"content is JSON but a {type(value).__name__}, not an object: {json.dumps(value)[:120]}")
    got = f"a JSON object {json.dumps(value)[:80]}"
    # The prompt asks for JSON, so JSON alone proves nothing about json_object: a server that drops the field
    # (transformers serve) answers the same. Effect is shown by the poem probe or by the answer without it.
    poem = _poem_evidence(ctx)
    ctx.note(poem_with_json_object=poem.text)
    if poem.kind == "constrained":
        return f"{got}; json_object is enforced: a poem prompt with it was answered with JSON too: {poem.text[:60]!r}"
    plain = _without_format(ctx)
    ctx.note(without_response_format=plain)
    if plain is not None and not _is_object(plain):
        return f"{got}; without response_format the same request gets {plain[:80]!r}: json_object made the JSON"
    if poem.kind == "rejected":
        # OpenAI refuses json_object without the word JSON in the messages: it reads the field and acts on it.
        return (f"{got}; the prompt alone gives JSON too, but the server acts on json_object: a poem prompt "
                f"with it is rejected with {poem.text[:100]}")
    if poem.kind == "prose" and plain is not None:
        same = "the same JSON, byte for byte" if plain == _shape.text(body) else "a JSON object too"
        raise Ignored(f"json_object accepted but not enforced: the same request without response_format gets "
                      f"{same} ({plain[:60]!r}), and a poem prompt with json_object {poem.describe()}: "
                      "the JSON comes from the prompt")
    without = "the request failed" if plain is None else f"it gets {plain[:60]!r}"
    raise Skip(f"{got}, but whether json_object has any effect cannot be told: without response_format {without}, "
               f"and a poem prompt with json_object {poem.describe()}")


@dataclass(frozen=True)
class PoemEvidence:
    """What the poem probe (json.object.enforced's request) shows of json_object."""

    kind: str  # "constrained", "prose", "rejected" (a 4xx naming JSON) or "unknown"
    text: str  # the answer, or the status and error message

    def describe(self) -> str:
        """What the probe got, as the end of a sentence."""
        if self.kind == "prose":
            return f"is answered in prose ({self.text[:60]!r})"
        return f"got {self.text[:100]}"


def poem_exchange(ctx: CheckContext) -> Exchange:
    """json_object with a prompt that asks for prose; one request per run, shared through the run cache."""
    # One sample at temperature 0 is enough: enforcement is a grammar over the output, not the model's choice.
    return ctx.chat(messages=PROSE_PROMPT, max_tokens=ENFORCE_TOKENS, response_format=JSON_OBJECT)


def _poem_evidence(ctx: CheckContext) -> PoemEvidence:
    """The poem probe read as evidence: JSON (any start of it) shows a constraint, prose shows none."""
    ex = poem_exchange(ctx)
    status, body = ex.status or 0, ex.response_body
    if 200 <= status < 300 and isinstance(body, dict):
        try:
            text = _shape.text(body)
        except Fail as exc:
            return PoemEvidence("unknown", f"no text content: {exc}")
        return PoemEvidence("constrained" if text.lstrip()[:1] in ("{", "[") else "prose", text)
    message = error_message(body)
    if 400 <= status < 500 and status not in (404, 408, 429) and "json" in message.lower():
        return PoemEvidence("rejected", f"{status}: {message}")
    return PoemEvidence("unknown", f"{status}: {message[:80]}")


def _without_format(ctx: CheckContext) -> str | None:
    """The content of json.object.parses's request without response_format, or None when it does not succeed."""
    ex = ctx.chat(messages=OBJECT_PROMPT, max_tokens=MAX_TOKENS)
    body = ex.response_body
    if not 200 <= (ex.status or 0) < 300 or not isinstance(body, dict):
        return None
    try:
        return _shape.text(body)
    except Fail:
        return None


def _is_object(text: str) -> bool:
    """True when text parses, as it is, as a JSON object."""
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


@check("json.object.enforced", feature=JSON_MODE, field="response_format.json_object",
       behavior="response_format json_object is enforced: a prompt asking for a poem is answered with a JSON object")
def object_enforced(ctx: CheckContext) -> str:
    ex = poem_exchange(ctx)
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
