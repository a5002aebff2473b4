"""Probes that show each speech and transcription deviation of the fake (merged into probe_table.PROBES)."""

from __future__ import annotations

from typing import Any

from conformance.checks.audio.transcription import audio
from tests.fake.endpoints.audio import SPEECH_MODEL, TRANSCRIPTION_MODEL
from tests.fake.probes import Api, Probe

_SPEECH = {"model": SPEECH_MODEL, "input": "Hello there.", "voice": "alloy"}


def _speech(**fields: Any) -> Probe:
    """Status, Content-Type and bytes of a speech answer."""
    def probe(api: Api) -> Any:
        resp = api.post("audio/speech", {**_SPEECH, **fields})
        return resp.status_code, resp.headers.get("content-type"), resp.content
    return probe


def _transcribe(*fields: tuple[str, str], file: tuple[str, bytes, str] | None = None,
                model: str = TRANSCRIPTION_MODEL) -> Probe:
    """Status and body of a transcription of the bundled sentence (httpx encodes the form)."""
    def probe(api: Api) -> Any:
        data: dict[str, list[str]] = {"model": [model]}
        for name, value in fields:
            data.setdefault(name, []).append(value)
        resp = api.client.post(f"{api.base_url}/audio/transcriptions", data=data,
                               files={"file": file or ("speech.mp3", audio(), "audio/mpeg")})
        return resp.status_code, resp.text
    return probe


AUDIO_PROBES: dict[str, tuple[dict[str, Any], Probe]] = {
    "speech.default_wav": ({}, _speech()),
    "speech.wrong_content_type": ({}, _speech(response_format="flac")),
    "speech.always_wav": ({}, _speech(response_format="aac")),
    "speech.empty_audio": ({}, _speech(response_format="wav")),
    "speech.rate_22k": ({}, _speech(response_format="wav")),
    "speech.voice_ignored": ({}, _speech(voice="echo", response_format="wav")),
    "speech.speed_ignored": ({}, _speech(speed=2.0)),
    "speech.validation_lax": ({}, _speech(voice="no-such-voice")),
    "speech.sse_ignored": ({}, _speech(stream_format="sse")),
    "speech.sse_no_done": ({}, _speech(stream_format="sse")),
    "transcription.mishears": ({}, _transcribe()),
    "transcription.text_as_json": ({}, _transcribe(("response_format", "text"))),
    "transcription.segments_unordered": ({}, _transcribe(("response_format", "verbose_json"))),
    "transcription.words_ignored": ({}, _transcribe(("response_format", "verbose_json"),
                                                    ("timestamp_granularities[]", "word"))),
    "transcription.language_unreported": ({}, _transcribe(("response_format", "verbose_json"))),
    "transcription.language_ignored": ({}, _transcribe(("response_format", "verbose_json"), ("language", "fr"))),
    "transcription.prompt_ignored": ({}, _transcribe(("prompt", "the quick brown fox"))),
    "transcription.temperature_rejected": ({}, _transcribe(("temperature", "0"))),
    "transcription.model_ignored": ({}, _transcribe(model="no-such-model")),
    "transcription.validation_lax": ({}, _transcribe(("language", "not-a-language"))),
    "transcription.not_audio_500": ({}, _transcribe(file=("notes.txt", b"not audio", "text/plain"))),
}
