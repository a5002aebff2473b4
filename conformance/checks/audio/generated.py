"""Property-based speech requests: generated from CreateSpeechRequest, valid ones held to the format asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance import catalog
from conformance.checks.audio import containers
from conformance.context import CheckContext, error_message, has_envelope
from conformance.model import Exchange, Target
from conformance.properties import conclude
from conformance.properties.chat_judge import judge_invalid
from conformance.properties.spec import OK, Budget, EndpointSpec, Example, Judgement
from conformance.registry import check

if TYPE_CHECKING:
    from hypothesis import strategies as st

REQUEST = "CreateSpeechRequest"
VALID = "prop.speech.valid_requests"
INVALID = "prop.speech.invalid_requests"


# The generators import Hypothesis (about a second): only a run that draws examples needs them, not a replay.
def _valid(model: str, budget: Budget) -> st.SearchStrategy[Example]:
    from conformance.properties.speech_requests import valid_examples

    return valid_examples(model, budget)


def _invalid(model: str, budget: Budget) -> st.SearchStrategy[Example]:
    from conformance.properties.speech_requests import invalid_examples

    return invalid_examples(model, budget)


def _seeds(model: str) -> list[Example]:
    from conformance.properties.speech_requests import seeds

    return seeds(model)


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


def _model(target: Target) -> str | None:
    return target.speech_model


SPEC = EndpointSpec(
    name="speech",
    path="/audio/speech",
    request_schema=REQUEST,
    response_schema="",  # the answer is audio: judge_valid reads its header
    valid=_valid,
    invalid=_invalid,
    seeds=_seeds,
    judge_valid=judge_valid,
    judge_invalid=judge_invalid,
    model=_model,
    no_model="no speech model given (--speech-model)",
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

