"""Completions requests for the properties: valid ones drawn from the schema, invalid ones with one defect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from conformance.properties.badvalues import Bad, array_size, out_of_range, wrong_types
from conformance.properties.fromschema import FieldSchema, cheap, field_schema, required_of, valid
from conformance.properties.spec import Budget, Example

REQUEST = "CreateCompletionRequest"
# The four prompt forms, by name; the first is the plainest request there is (shrinking ends there).
PROMPTS: dict[str, Any] = {
    "string": "Once upon a time",
    "strings": ["Once upon a time", "The capital of France is"],
    "tokens": [464, 3290, 373, 257],
    "token lists": [[464, 3290, 373, 257], [818, 262, 3726]],
}
PLAIN = "string"
CHEAP: dict[str, dict[str, Any]] = {
    "n": {"maximum": 3},
    "best_of": {"minimum": 1, "maximum": 3},
    "logprobs": {"maximum": 3},
    "max_tokens": {"minimum": 1, "maximum": 16},
    "seed": {"minimum": -(2**63), "maximum": 2**63 - 1},  # servers hold seeds in 64 bits
}
SCALARS = ("temperature", "top_p", "seed", "stop", "frequency_penalty", "presence_penalty", "user", "logprobs",
           "echo", "suffix", "best_of")
AXES = ("n", "stream")  # they shape every invariant (choice count, framing): each example draws them, 1 in 3
AXIS_ODDS = 3
INVALID_MAX_TOKENS = 1


def scalar(name: str) -> FieldSchema:
    """The field's schema, tightened to the cheap bounds."""
    return cheap(field_schema(REQUEST, name), **CHEAP.get(name, {}))


@st.composite
def _stream(draw: st.DrawFn) -> dict[str, Any]:
    on = draw(valid(scalar("stream"), defaults=False))
    if on is True and draw(st.booleans()):
        return {"stream": True, "stream_options": {"include_usage": draw(st.booleans())}}
    return {"stream": on}


def _feature(name: str) -> st.SearchStrategy[dict[str, Any]]:
    if name == "stream":
        return _stream()
    return valid(scalar(name), defaults=False).map(lambda v: {name: v})


@st.composite
def _chosen(draw: st.DrawFn, names: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(names))  # name and value in one span: shrinking drops both
    return name, draw(_feature(name))


@st.composite
def valid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """A schema-valid request: a prompt form, a length limit and a few optional fields."""
    form = draw(st.sampled_from(list(PROMPTS)))
    body: dict[str, Any] = {"model": model, "prompt": PROMPTS[form],
                            "max_tokens": draw(valid(scalar("max_tokens"), nulls=False))}
    fields: dict[str, dict[str, Any]] = {}
    for axis in AXES:
        if draw(st.integers(0, AXIS_ODDS - 1)) == AXIS_ODDS - 1:
            fields[axis] = draw(_feature(axis))
    fields.update(draw(st.lists(_chosen(SCALARS), unique_by=lambda pair: pair[0], max_size=budget.max_features)))
    names = [n for n in (*AXES, *SCALARS) if n in fields]
    for name in names:  # a fixed order, not draw order: the same request always has the same bytes
        body.update(fields[name])
    n, best_of = body.get("n"), body.get("best_of")
    if isinstance(n, int) and isinstance(best_of, int) and best_of < n:
        body["best_of"] = n  # OpenAI rejects best_of < n: that is a defect, not a valid request
    label = ", ".join(([] if form == PLAIN else [f"{form} prompt"]) + names) or "plain request"
    return Example(body, label, plain=form == PLAIN and not names)


def seeds(model: str) -> list[Example]:
    """The plainest request, then a batch of prompts with n=2, then it streamed."""
    plain: dict[str, Any] = {"model": model, "prompt": PROMPTS[PLAIN], "max_tokens": 1}
    return [Example(plain, "plain request", plain=True),
            Example({**plain, "prompt": PROMPTS["strings"], "n": 2}, "strings prompt, n"),
            Example({**plain, "stream": True}, "stream")]


# --- one defect at a time -------------------------------------------------------------------------------

MISSING = object()


@dataclass(frozen=True)
class Defect:
    """One way to break a request: the field it names and the bad values to put there."""

    path: str
    kind: str
    bads: tuple[Bad, ...]
    put: Callable[[dict[str, Any], Any], None]


def _top(name: str) -> Callable[[dict[str, Any], Any], None]:
    def put(body: dict[str, Any], value: Any) -> None:
        if value is MISSING:
            body.pop(name, None)
        else:
            body[name] = value
    return put


def _defects() -> dict[str, list[Defect]]:
    """Every defect, by class; each class is drawn as often as the others."""
    ranged, typed = [], []
    for name in (*SCALARS, "n", "max_tokens", "stream", "model"):
        fs = field_schema(REQUEST, name)  # the schema's own bounds: cheap ones would make valid values look bad
        if bads := tuple(out_of_range(fs) + array_size(fs)):
            ranged.append(Defect(name, "out of range", bads, _top(name)))
        if bads := tuple(wrong_types(fs)):
            typed.append(Defect(name, "wrong type", bads, _top(name)))
    missing = [Defect(k, "missing required field", (Bad("missing", MISSING, "required by the schema"),), _top(k))
               for k in required_of(REQUEST)]
    prompt = Defect("prompt", "malformed prompt", (
        Bad("wrong type", 123, "a number, not text or tokens"),
        Bad("wrong type", {"text": "hi"}, "an object, not text or tokens"),
        Bad("mixed items", [1, "a"], "token ids and text in one list"),
        Bad("too few items", [[]], "an empty token list"),
    ), _top("prompt"))
    return {"out of range": ranged, "wrong type": typed, "missing required field": missing,
            "malformed prompt": [prompt]}


DEFECTS = _defects()
SAFE_CONTEXT = ("temperature", "top_p", "seed", "user")


def _label(defect: Defect, bad: Bad) -> str:
    if bad.value is MISSING:
        return f"{defect.path} missing ({bad.why})"
    shown = repr(bad.value)
    return f"{defect.path} {shown if len(shown) <= 60 else shown[:57] + '...'} ({bad.kind}: {bad.why})"


@st.composite
def invalid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """The plainest valid request with exactly one defect (explore adds a few valid fields around it)."""
    defect = draw(st.sampled_from(DEFECTS[draw(st.sampled_from(list(DEFECTS)))]))
    bad = draw(st.sampled_from(defect.bads))
    body: dict[str, Any] = {"model": model, "prompt": PROMPTS[PLAIN], "max_tokens": INVALID_MAX_TOKENS}
    if budget.context_fields:
        extra = [n for n in SAFE_CONTEXT if n != defect.path]
        for name in draw(st.lists(st.sampled_from(extra), unique=True, max_size=budget.context_fields)):
            body[name] = draw(valid(scalar(name), nulls=False))
    defect.put(body, bad.value)
    return Example(body, _label(defect, bad), field=defect.path)
