"""The scenarios every client is asked to run: one fixed request each, the same in every client's language.

A scenario names the endpoint it uses and the checklist features it depends on: a client that breaks on it
is cited by a failing check of those features (conformance/clients/severity.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance import catalog


@dataclass(frozen=True)
class Scenario:
    """One thing applications do with a client, written once per client."""

    id: str
    endpoint: str
    label: str
    features: tuple[str, ...]
    # The target's model it runs with: the chat model (--model) unless another is named.
    needs: str = "model"
    # Its answer depends on the server being otherwise idle, as an `alone` check's does: live, it runs after the
    # checks and the other scenarios, one client at a time.
    alone: bool = False
    # Checks of other features whose exact behaviour it relies on (a whole feature would link unrelated checks).
    checks: tuple[str, ...] = ()


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("chat.create", catalog.CHAT, "chat completion", ("Chat completions",)),
    Scenario("chat.stream", catalog.CHAT, "streaming", ("Streaming",)),
    Scenario("chat.stream-helper", catalog.CHAT, "stream helper (accumulated completion)", ("Streaming",)),
    # The order of a streamed n=2 answer's choices depends on load on llama.cpp (stream.n.choices is alone too).
    Scenario("chat.stream-n2", catalog.CHAT, "stream helper with n=2", ("Multiple choices",), alone=True),
    Scenario("chat.structured", catalog.CHAT, "structured output (parsed)", ("Structured outputs",)),
    Scenario("chat.tools", catalog.CHAT, "tool calls", ("Function calling",)),
    Scenario("chat.tools-stream", catalog.CHAT, "streamed tool calls (accumulated)", ("Streamed tool calls",)),
    Scenario("completions.create", catalog.COMPLETIONS, "completion", ("Completions",)),
    Scenario("completions.stream", catalog.COMPLETIONS, "streamed completion", ("Streaming",)),
    Scenario("embeddings.create", catalog.EMBEDDINGS, "embeddings (client's default encoding)",
             ("Embeddings", "Base64 encoding"), needs="embedding_model"),
    Scenario("responses.create", catalog.RESPONSES, "response", ("Responses",)),
    Scenario("responses.stream", catalog.RESPONSES, "streamed response (accumulated)", ("Streaming",)),
    # The client's default format: what speech.format.default_mp3 asks for.
    Scenario("speech.create", catalog.SPEECH, "speech (audio bytes)", ("Speech",), needs="speech_model",
             checks=("speech.format.default_mp3",)),
    # The bundled speech file the transcription checks upload; the transcript is held to their word error rate.
    Scenario("transcription.json", catalog.TRANSCRIPTIONS, "transcription (json)", ("Transcription",),
             needs="transcription_model", checks=("transcription.format.json",)),
    Scenario("transcription.text", catalog.TRANSCRIPTIONS, "transcription (text)", ("Transcription",),
             needs="transcription_model", checks=("transcription.format.text",)),
    Scenario("images.generate", catalog.IMAGES, "image generation (b64_json, decoded)", ("Image generation",),
             needs="image_model"),
)

BY_ID = {s.id: s for s in SCENARIOS}


def label(scenario_id: str) -> str:
    """How a scenario reads in a report (its id when this version does not know it)."""
    found = BY_ID.get(scenario_id)
    return found.label if found is not None else scenario_id
