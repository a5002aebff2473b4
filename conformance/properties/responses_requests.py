"""Responses requests for the properties: valid ones from the schema plus input fragments, invalid ones with one defect."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.checks.responses.shape import MAX_OUTPUT, PROMPT
from conformance.properties.badvalues import Bad, array_size, out_of_range, wrong_types
from conformance.properties.chat_requests import MISSING, Defect
from conformance.properties.fromschema import FieldSchema, cheap, enum_of, field_schema, valid
from conformance.properties.responses import REQUEST
from conformance.properties.spec import Budget, Example

# Bounds tightened to what is cheap to answer (never loosened); 16 is the spec's own minimum.
CHEAP: dict[str, dict[str, Any]] = {"max_output_tokens": {"maximum": MAX_OUTPUT + 8}}
SCALARS = ("temperature", "top_p", "instructions", "store", "truncation", "parallel_tool_calls", "user")
# Order matters: shrinking moves towards the first, so the common fields come before the feature groups.
FEATURES = (*SCALARS, "metadata", "text", "tools")
AXIS_ODDS = 3
TOOL_NAME = "get_weather"
TOOL: dict[str, Any] = {
    "type": "function", "name": TOOL_NAME, "description": "Get the current weather in a city.", "strict": False,
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
CALL_ID = "call_1"
JSON_SCHEMA: dict[str, Any] = {"type": "json_schema", "name": "answer", "strict": True, "schema": {
    "type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"],
    "additionalProperties": False}}


def _user(content: Any = PROMPT) -> dict[str, Any]:
    return {"role": "user", "content": content}


# Name -> input; the first is the plainest request there is (shrinking ends there).
INPUTS: dict[str, Any] = {
    "string": PROMPT,
    "message": [_user()],
    "typed message": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": PROMPT}]}],
    "system": [{"role": "system", "content": "You are terse."}, _user()],
    "developer": [{"role": "developer", "content": "You are terse."}, _user()],
    "history": [_user("My name is Ada."), {"role": "assistant", "content": "Hello Ada."}, _user("What is my name?")],
    "tool result": [_user("What is the weather in Paris?"),
                    {"type": "function_call", "call_id": CALL_ID, "name": TOOL_NAME, "arguments": '{"city": "Paris"}'},
                    {"type": "function_call_output", "call_id": CALL_ID, "output": "Sunny, 21 C."}],
}
PLAIN = "string"
NEEDS_TOOLS = frozenset({"tool result"})


def scalar(name: str) -> FieldSchema:
    """The field's schema, tightened to the cheap bounds."""
    return cheap(field_schema(REQUEST, name), **CHEAP.get(name, {}))


def _formats() -> st.SearchStrategy[dict[str, Any]]:
    kinds = [enum_of(REQUEST, d, "type")[0] for d in ("ResponseFormatText", "ResponseFormatJsonObject",
                                                        "TextResponseFormatJsonSchema")]
    return st.sampled_from(kinds).map(lambda k: {"format": JSON_SCHEMA if k == "json_schema" else {"type": k}})


def _tool_choices() -> st.SearchStrategy[Any]:
    return st.none() | st.sampled_from(enum_of(REQUEST, "ToolChoiceOptions")) | st.just(
        {"type": "function", "name": TOOL_NAME})


def _feature(name: str) -> st.SearchStrategy[dict[str, Any]]:
    # A chosen field never takes its schema default: that is what leaving it out already tests.
    if name in SCALARS:
        return valid(scalar(name), defaults=False).map(lambda v: {name: v})
    if name == "stream":
        return valid(scalar("stream"), defaults=False).map(lambda v: {"stream": v})
    if name == "metadata":
        return st.just({"metadata": {"suite": "oai-conformance"}})
    if name == "text":
        return _formats().map(lambda t: {"text": t})
    if name == "tools":
        return _tool_choices().map(lambda c: {"tools": [TOOL]} if c is None else {"tools": [TOOL], "tool_choice": c})
    raise KeyError(name)


@st.composite
def _chosen(draw: st.DrawFn, names: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(names))
    return name, draw(_feature(name))


@st.composite
def valid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """A schema-valid request: an input fragment, a length limit and a few optional fields."""
    kind = draw(st.sampled_from(list(INPUTS)))
    body: dict[str, Any] = {"model": model, "input": INPUTS[kind],
                            "max_output_tokens": draw(valid(scalar("max_output_tokens"), nulls=False))}
    fields: dict[str, dict[str, Any]] = {}
    if draw(st.integers(0, AXIS_ODDS - 1)) == AXIS_ODDS - 1:
        fields["stream"] = draw(_feature("stream"))
    fields.update(draw(st.lists(_chosen(FEATURES), unique_by=lambda pair: pair[0], max_size=budget.max_features)))
    names = [n for n in ("stream", *FEATURES) if n in fields]
    for name in names:  # a fixed order, not draw order: the same request always has the same bytes
        body.update(fields[name])
    if kind in NEEDS_TOOLS and "tools" not in body:
        body["tools"] = [TOOL]
    label = ", ".join(([] if kind == PLAIN else [f"{kind} input"]) + names) or "plain request"
    return Example(body, label, plain=kind == PLAIN and not names)


def seeds(model: str) -> list[Example]:
    """The plainest request, then it streamed: every run judges the object, usage and the events."""
    plain: dict[str, Any] = {"model": model, "input": PROMPT, "max_output_tokens": MAX_OUTPUT}
    return [Example(plain, "plain request", plain=True), Example({**plain, "stream": True}, "stream")]


# --- one defect at a time -------------------------------------------------------------------------------

def _top(name: str) -> Any:
    def put(body: dict[str, Any], value: Any) -> None:
        if value is MISSING:
            body.pop(name, None)
        else:
            body[name] = value
    return put


def _input(value: Any) -> Any:
    return lambda body, bad: body.__setitem__("input", value(bad))


def _schema_defects_of(name: str) -> list[Defect]:
    fs = field_schema(REQUEST, name)  # the schema's own bounds: cheap ones would make valid values look bad
    found = [Defect(name, "out of range", tuple(out_of_range(fs) + array_size(fs)), _top(name)),
             Defect(name, "wrong type", tuple(wrong_types(fs)), _top(name))]
    return [d for d in found if d.bads]


def _defects() -> dict[str, list[Defect]]:
    """Every defect, by class; each class is drawn as often as the others."""
    schema: list[Defect] = []
    for name in ("temperature", "top_p", "max_output_tokens", "instructions", "store", "stream", "truncation",
                 "parallel_tool_calls", "top_logprobs", "model", "input"):
        schema += _schema_defects_of(name)
    bogus = (Bad("unknown enum value", "bogus", "not one the schema lists"),)
    enums = [
        Defect("input[0].role", "unknown enum value", bogus, _input(lambda v: [{"role": v, "content": PROMPT}])),
        Defect("text.format.type", "unknown enum value", bogus, lambda b, v: b.__setitem__(
            "text", {"format": {"type": v}})),
        Defect("tool_choice", "unknown enum value", bogus, _top("tool_choice"), {"tools": [TOOL]}),
        Defect("truncation", "unknown enum value", bogus, _top("truncation")),
    ]
    malformed = [
        Defect("input[0].type", "malformed item", (Bad("unknown item type", "bogus", "not an input item type the "
               "schema lists"),), _input(lambda v: [{"type": v, "role": "user", "content": PROMPT}])),
        Defect("input[0].content", "malformed item", (Bad("wrong type", 123, "a number, not text or parts"),),
               _input(lambda v: [{"role": "user", "content": v}])),
        Defect("input[0].output", "malformed item", (Bad("missing", MISSING, "required by the schema"),),
               _input(lambda v: [{"type": "function_call_output", "call_id": CALL_ID}])),
        Defect("tools[0].name", "malformed item", (Bad("missing", MISSING, "required by the schema"),),
               lambda b, v: b.__setitem__("tools", [{k: x for k, x in TOOL.items() if k != "name"}])),
    ]
    return {"out of range": [d for d in schema if d.kind == "out of range"],
            "wrong type": [d for d in schema if d.kind == "wrong type"],
            "unknown enum value": enums, "malformed item": malformed}


def _label(defect: Defect, bad: Bad) -> str:
    if bad.value is MISSING:
        return f"{defect.path} missing ({bad.why})"
    shown = repr(bad.value)
    return f"{defect.path} {shown if len(shown) <= 60 else shown[:57] + '...'} ({bad.kind}: {bad.why})"


DEFECTS = _defects()
SAFE_CONTEXT = ("temperature", "top_p", "user")  # valid fields explore adds around a defect


@st.composite
def invalid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """The plainest valid request with exactly one defect (explore adds a few valid fields around it)."""
    kind = draw(st.sampled_from(list(DEFECTS)))
    defect = draw(st.sampled_from(DEFECTS[kind]))
    bad = draw(st.sampled_from(defect.bads))
    body: dict[str, Any] = {"model": model, "input": PROMPT, "max_output_tokens": MAX_OUTPUT}
    if budget.context_fields:
        extra = [n for n in SAFE_CONTEXT if n != defect.path.split(".")[0]]
        for name in draw(st.lists(st.sampled_from(extra), unique=True, max_size=budget.context_fields)):
            body[name] = draw(valid(scalar(name), nulls=False))
    body.update(defect.companions)
    defect.put(body, bad.value)
    return Example(body, _label(defect, bad), field=defect.path)
