"""Generated speech requests from CreateSpeechRequest: valid ones, and the plainest one with one defect each."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.properties.badvalues import Bad, out_of_range, wrong_types
from conformance.properties.fromschema import cheap, field_schema, valid
from conformance.properties.spec import Budget, Example

REQUEST = "CreateSpeechRequest"
# Short inputs: a generated request costs a second of synthesis, not a paragraph.
INPUTS = ("Hello.", "The quick brown fox jumps over the lazy dog.", "Seven bright kites.", "One, two, three!")
# The OpenAI voices the schema lists; a server may offer others, never fewer without saying so.
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar")
# stream_format is left out: SSE speech is its own check (speech.stream.sse), and few servers offer it.
OPTIONAL = ("response_format", "speed", "instructions")
CHEAP: dict[str, dict[str, Any]] = {"speed": {"minimum": 0.5, "maximum": 2.0}}
MISSING = object()


def _field(name: str) -> st.SearchStrategy[Any]:
    if name == "instructions":
        return st.sampled_from(("Speak calmly.", "Whisper.", "Sound cheerful."))
    return valid(cheap(field_schema(REQUEST, name), **CHEAP.get(name, {})), nulls=False, defaults=False)


def _plain(model: str) -> dict[str, Any]:
    return {"model": model, "input": INPUTS[0], "voice": VOICES[0]}


def seeds(model: str) -> list[Example]:
    """The plainest request first: a server that rejects it serves no speech."""
    return [Example(_plain(model), "the plainest speech request", plain=True)]


@st.composite
def valid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """A valid request: an input, a listed voice, and a few optional fields from the schema."""
    body: dict[str, Any] = {"model": model, "input": draw(st.sampled_from(INPUTS)),
                            "voice": draw(st.sampled_from(VOICES))}
    chosen = draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=budget.max_features))
    for name in chosen:
        body[name] = draw(_field(name))
    label = ", ".join(f"{k} {body[k]!r}" for k in ("voice", *chosen))
    return Example(body, label)


def _defects() -> list[tuple[str, Bad]]:
    found: list[tuple[str, Bad]] = []
    for name in ("speed", "input", "voice", "response_format"):
        fs = field_schema(REQUEST, name)
        found += [(name, b) for b in out_of_range(fs) + wrong_types(fs)]
    found += [(name, Bad("missing", MISSING, "required by the schema")) for name in ("model", "input", "voice")]
    found += [("response_format", Bad("unknown enum value", "bogus", "not a format the schema lists")),
              ("input", Bad("too long", "Hi. " + "." * 4093, "4097 characters, at most 4096 allowed"))]
    return found


DEFECTS = _defects()


@st.composite
def invalid_examples(draw: st.DrawFn, model: str, budget: Budget) -> Example:
    """The plainest request with exactly one defect."""
    name, bad = draw(st.sampled_from(DEFECTS))
    body = _plain(model)
    if bad.value is MISSING:
        body.pop(name)
        return Example(body, f"{name} missing ({bad.why})", field=name)
    body[name] = bad.value
    shown = repr(bad.value) if len(repr(bad.value)) <= 40 else repr(bad.value)[:37] + "..."
    return Example(body, f"{name} {shown} ({bad.kind}: {bad.why})", field=name)
