"""Property-based speech requests: generated from CreateSpeechRequest, valid ones held to the format asked."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import catalog
from conformance.checks.audio import containers
from conformance.checks.audio.common import speech_model
from conformance.context import CheckContext, error_message, has_envelope
from conformance.model import Exchange
from conformance.properties import conclude
from conformance.properties.badvalues import Bad, out_of_range, wrong_types
from conformance.properties.chat_judge import judge_invalid
from conformance.properties.fromschema import cheap, field_schema, valid
from conformance.properties.spec import OK, Budget, EndpointSpec, Example, Judgement
from conformance.registry import check

REQUEST = "CreateSpeechRequest"
VALID = "prop.speech.valid_requests"
INVALID = "prop.speech.invalid_requests"
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


def judge_valid(example: Example, ex: Exchange) -> Judgement:
    """A valid request gets audio of the asked format (header read, duration > 0); a clear 4xx is noted."""
    status = ex.status or 0
    if status in (401, 403, 408, 429, 502, 503, 504):
        return Judgement(harness=f"a generated speech request: {status} (authentication, busy or not ready)")
    if 400 <= status < 500:
        msg = error_message(ex.response_body) + ("" if has_envelope(ex.response_body) else " (no error envelope)")
        if example.plain:
            return Judgement(f"the plainest speech request was rejected with {status}: {msg}", key="plain rejected")
        return Judgement(observation=f"rejected with {status}: {msg}")
    if not 200 <= status < 300:
        return Judgement(f"{example.label}: server error {status}: {error_message(ex.response_body)}",
                         key=f"status {status}")
    data = ex.wire.response_body if ex.wire is not None else b""
    asked = example.body.get("response_format")
    # Without response_format any container will do here: the default is judged by speech.format.default_mp3.
    fmt = asked if isinstance(asked, str) else containers.sniff(data)
    if fmt not in ("mp3", "opus", "aac", "flac", "wav", "pcm"):
        return Judgement(f"{example.label}: the answer is not audio ({len(data)} bytes, starting {data[:8].hex()})",
                         key="not audio")
    try:
        info = containers.read(fmt, data)
    except containers.NotAudio as exc:
        return Judgement(f"{example.label}: {exc}", key=f"not {fmt}")
    if info.duration_s <= 0:
        return Judgement(f"{example.label}: the {fmt} audio lasts {info.duration_s} s", key="empty audio")
    return OK


def _model(ctx: CheckContext) -> str:
    return speech_model(ctx)


SPEC = EndpointSpec(
    name="speech",
    path="/audio/speech",
    request_schema=REQUEST,
    response_schema="",  # the answer is audio: judge_valid reads its header
    valid=valid_examples,
    invalid=invalid_examples,
    seeds=seeds,
    judge_valid=judge_valid,
    judge_invalid=judge_invalid,
    model=_model,
)


@check(VALID, endpoint=catalog.SPEECH, feature="Generated requests", many_requests=True,
       behavior="Requests generated from the CreateSpeechRequest schema (voices, response_format, speed, "
                "instructions) get audio of the asked format with a readable header and duration > 0, or a clear 4xx")
def valid_requests(ctx: CheckContext) -> str:
    return conclude.valid_requests(ctx, SPEC, VALID)


@check(INVALID, endpoint=catalog.SPEECH, feature="Input validation", many_requests=True,
       behavior="Speech requests generated with one schema defect (speed out of range, a wrong type, a missing "
                "required field, an unknown format, input over 4096 characters) get a 4xx with the error envelope")
def invalid_requests(ctx: CheckContext) -> str:
    return conclude.invalid_requests(ctx, SPEC, INVALID)

