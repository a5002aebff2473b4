"""Chat requests for the properties: valid ones from the schema plus fragments, invalid ones with one defect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from conformance.properties import fragments
from conformance.properties.badvalues import Bad, array_size, out_of_range, wrong_types
from conformance.properties.fromschema import FieldSchema, cheap, enum_of, field_schema, required_of, valid
from conformance.properties.chat import REQUEST
from conformance.properties.spec import Budget, Example

# Bounds tightened to what is cheap to answer (never loosened); everything else is the schema's.
CHEAP: dict[str, dict[str, Any]] = {
    "n": {"maximum": 3},
    "top_logprobs": {"maximum": 5},
    "max_tokens": {"minimum": 1, "maximum": 16},
    "max_completion_tokens": {"minimum": 1, "maximum": 16},
    # The spec's bound is 2**63 rounded through a double, one past int64: servers hold seeds in 64 bits.
    "seed": {"minimum": -(2**63), "maximum": 2**63 - 1},
}
SCALARS = ("temperature", "top_p", "seed", "stop", "frequency_penalty", "presence_penalty", "user")
# Order matters: shrinking moves towards the first, so the common fields come before the feature groups.
FEATURES = (*SCALARS, "logprobs", "response_format", "tools")
# n and stream shape every invariant (choice count, usage, framing): each example draws them, 1 in AXIS_ODDS.
AXES = ("n", "stream")
AXIS_ODDS = 3
LIMITS = ("max_tokens", "max_completion_tokens")
INVALID_MAX_TOKENS = 1  # an invalid request a server accepts costs one token per choice, not more


def scalar(name: str) -> FieldSchema:
    """The field's schema, tightened to the cheap bounds."""
    return cheap(field_schema(REQUEST, name), **CHEAP.get(name, {}))


@st.composite
def _logprobs(draw: st.DrawFn) -> dict[str, Any]:
    on = draw(valid(scalar("logprobs"), defaults=False))
    if on is True and draw(st.booleans()):
        return {"logprobs": True, "top_logprobs": draw(valid(scalar("top_logprobs")))}
    return {"logprobs": on}


@st.composite
def _stream(draw: st.DrawFn) -> dict[str, Any]:
    on = draw(valid(scalar("stream"), defaults=False))
    if on is True and draw(st.booleans()):
        return {"stream": True, "stream_options": {"include_usage": draw(st.booleans())}}
    return {"stream": on}


def _feature(name: str) -> st.SearchStrategy[dict[str, Any]]:
    # A chosen field never takes its schema default: that is what leaving it out already tests.
    if name in (*SCALARS, "n"):
        return valid(scalar(name), defaults=False).map(lambda v: {name: v})
    if name == "logprobs":
        return _logprobs()
    if name == "stream":
        return _stream()
    if name == "response_format":
        return fragments.response_formats().map(lambda rf: {"response_format": rf})
    if name == "tools":
        return fragments.tool_choices().map(
            lambda c: {"tools": [fragments.TOOL]} if c is None else {"tools": [fragments.TOOL], "tool_choice": c})
    raise KeyError(name)


@st.composite
def _chosen(draw: st.DrawFn, names: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    # Name and value in one span: deleting the span while shrinking drops both, and nothing shifts.
    name = draw(st.sampled_from(names))
    return name, draw(_feature(name))


@st.composite
def valid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """A schema-valid request: a conversation fragment, a length limit and a few optional fields."""
    conv, messages = draw(fragments.conversation())
    limit = draw(st.sampled_from(LIMITS))
    body: dict[str, Any] = {"model": model, "messages": messages, limit: draw(valid(scalar(limit), nulls=False))}
    fields: dict[str, dict[str, Any]] = {}
    for axis in AXES:
        if draw(st.integers(0, AXIS_ODDS - 1)) == AXIS_ODDS - 1:
            fields[axis] = draw(_feature(axis))
    chosen = draw(st.lists(_chosen(FEATURES), unique_by=lambda pair: pair[0], max_size=budget.max_features))
    fields.update(chosen)
    names = [n for n in (*AXES, *FEATURES) if n in fields]
    for name in names:  # a fixed order, not draw order: the same request always has the same bytes
        body.update(fields[name])
    if conv in fragments.NEEDS_TOOLS and "tools" not in body:
        body["tools"] = [fragments.TOOL]
    label = ", ".join(([] if conv == fragments.PLAIN else [f"{conv} conversation"]) + names) or "plain request"
    return Example(body, label, plain=conv == fragments.PLAIN and not names)


def seeds(model: str) -> list[Example]:
    """The plainest request, then it with n=2 and streamed: every run judges choices, usage and framing."""
    plain: dict[str, Any] = {"model": model, "messages": fragments.CONVERSATIONS[fragments.PLAIN], "max_tokens": 1}
    return [Example(plain, "plain request", plain=True), Example({**plain, "n": 2}, "n"),
            Example({**plain, "stream": True}, "stream")]


# --- one defect at a time -------------------------------------------------------------------------------

MISSING = object()


@dataclass(frozen=True)
class Defect:
    """One way to break a request: the field it names, and the bad values to put there."""

    path: str  # the field it names, e.g. "temperature" or "messages[0].role"
    kind: str
    bads: tuple[Bad, ...]
    put: Callable[[dict[str, Any], Any], None]
    companions: dict[str, Any] = field(default_factory=dict)  # what the defect needs to mean what it says


def _top(name: str) -> Callable[[dict[str, Any], Any], None]:
    def put(body: dict[str, Any], value: Any) -> None:
        if value is MISSING:
            body.pop(name, None)
        else:
            body[name] = value
    return put


def _in_message(key: str) -> Callable[[dict[str, Any], Any], None]:
    def put(body: dict[str, Any], value: Any) -> None:
        msg = dict(body["messages"][0])
        if value is MISSING:
            msg.pop(key, None)
        else:
            msg[key] = value
        body["messages"] = [msg]
    return put


def _content(value: Any) -> Callable[[dict[str, Any], Any], None]:
    return _content_with(lambda _: value)


def _content_with(make: Callable[[Any], Any]) -> Callable[[dict[str, Any], Any], None]:
    return lambda body, value: body.__setitem__("messages", [{"role": "user", "content": make(value)}])


def _schema_defects(name: str, companions: dict[str, Any] | None = None) -> list[Defect]:
    fs = field_schema(REQUEST, name)  # the schema's own bounds: cheap ones would make valid values look bad
    found = [Defect(name, "out of range", tuple(out_of_range(fs) + array_size(fs)), _top(name), companions or {}),
             Defect(name, "wrong type", tuple(wrong_types(fs)), _top(name), companions or {})]
    return [d for d in found if d.bads]


def _defects() -> dict[str, list[Defect]]:
    """Every defect, by class; each class is drawn as often as the others."""
    schema: list[Defect] = []
    for name in (*SCALARS, "n", "max_tokens", "logprobs", "stream", "model", "messages"):
        schema += _schema_defects(name)
    schema += _schema_defects("top_logprobs", {"logprobs": True})
    missing = [Defect(k, "missing required field", (Bad("missing", MISSING, "required by the schema"),), _top(k))
               for k in required_of(REQUEST)]
    missing += [Defect(f"messages[0].{k}", "missing required field", (Bad("missing", MISSING, "required by the "
                       "schema"),), _in_message(k)) for k in required_of(REQUEST, "ChatCompletionRequestUserMessage")]
    bogus = (Bad("unknown enum value", "bogus", "not one the schema lists"),)
    enums = [
        Defect("messages[0].role", "unknown enum value", bogus, _in_message("role")),
        Defect("response_format.type", "unknown enum value", bogus, lambda b, v: b.__setitem__(
            "response_format", {"type": v})),
        Defect("tool_choice", "unknown enum value", bogus, _top("tool_choice"), {"tools": [fragments.TOOL]}),
        Defect("messages[0].content[0].image_url.detail", "unknown enum value", bogus, _content_with(
            lambda v: [{"type": "image_url", "image_url": {"url": fragments.IMAGE_URL, "detail": v}}])),
    ]
    assert "bogus" not in enum_of(REQUEST, "ChatCompletionRequestMessageContentPartImage", "image_url", "detail")
    malformed = [
        Defect("messages[0].content", "malformed message", (Bad("wrong type", 123, "a number, not text or parts"),),
               _in_message("content")),
        Defect("messages[0]", "malformed message", (Bad("wrong type", "hello", "a string, not a message object"),),
               lambda b, v: b.__setitem__("messages", [v])),
        Defect("messages[0].content[0].type", "malformed message", (Bad("unknown part type", "bogus", "not a "
               "content part type the schema lists"),), _content([{"type": "bogus", "text": "hi"}])),
        Defect("messages[0].content[0].image_url.url", "malformed message", (Bad("missing", MISSING, "required by "
               "the schema"),), _content([{"type": "image_url", "image_url": {"detail": "low"}}])),
    ]
    return {"out of range": [d for d in schema if d.kind == "out of range"],
            "wrong type": [d for d in schema if d.kind == "wrong type"],
            "missing required field": missing, "unknown enum value": enums, "malformed message": malformed}


DEFECTS = _defects()
SAFE_CONTEXT = ("temperature", "top_p", "seed", "user")  # valid fields explore adds around a defect


def _label(defect: Defect, bad: Bad) -> str:
    if bad.value is MISSING:
        return f"{defect.path} missing ({bad.why})"
    return f"{defect.path} {_show(bad.value)} ({bad.kind}: {bad.why})"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@st.composite
def invalid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """The plainest valid request with exactly one defect (explore adds a few valid fields around it)."""
    kind = draw(st.sampled_from(list(DEFECTS)))
    defect = draw(st.sampled_from(DEFECTS[kind]))
    bad = draw(st.sampled_from(defect.bads))
    body: dict[str, Any] = {"model": model, "messages": fragments.CONVERSATIONS[fragments.PLAIN],
                            "max_tokens": INVALID_MAX_TOKENS}
    if budget.context_fields:
        extra = [n for n in SAFE_CONTEXT if n != defect.path.split(".")[0]]
        for name in draw(st.lists(st.sampled_from(extra), unique=True, max_size=budget.context_fields)):
            body[name] = draw(valid(scalar(name), nulls=False))
    body.update(defect.companions)
    defect.put(body, bad.value)
    return Example(body, _label(defect, bad), field=defect.path)
