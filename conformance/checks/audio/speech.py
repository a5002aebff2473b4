"""/v1/audio/speech: audio in every response_format, the mp3 default, voice and speed, validation, SSE."""

from __future__ import annotations

import base64
import json
from typing import Any

from conformance import catalog
from conformance.checks.audio import containers, signal
from conformance.checks.audio.common import rejected, speech_model
from conformance.context import CheckContext
from conformance.model import Exchange
from conformance.registry import check
from conformance.verdict import Fail, Ignored, SpecViolation

PATH = "/audio/speech"
EP = catalog.SPEECH
SENTENCE = "The quick brown fox jumps over the lazy dog."
VOICE, OTHER_VOICE = "alloy", "echo"
# The Content-Type each format may be served as (the first is what OpenAI sends).
MEDIA = {
    "mp3": ("audio/mpeg", "audio/mp3", "audio/mpeg3"),
    "opus": ("audio/opus", "audio/ogg", "audio/ogg; codecs=opus"),
    "aac": ("audio/aac", "audio/aacp", "audio/x-aac"),
    "flac": ("audio/flac", "audio/x-flac"),
    "wav": ("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"),
    "pcm": ("audio/pcm", "audio/l16", "application/octet-stream"),
}
FORMATS = tuple(MEDIA)
# Answers of each of pcm and wav compared when a server varies by itself.
PCM_PAIRS = 4
# OpenAI documents 4096 characters; the padding is punctuation, so a server that speaks it anyway stays quick.
TOO_LONG = "Hi. " + "." * 4093


def body(ctx: CheckContext, **fields: Any) -> dict[str, Any]:
    """A speech request for the known sentence; fields override or add."""
    return {"model": speech_model(ctx), "input": SENTENCE, "voice": VOICE, **fields}


def speak(ctx: CheckContext, what: str, *, cache: bool = True, **fields: Any) -> tuple[Exchange, bytes]:
    """Send a speech request; the answer's exact bytes (a rejection is judged as ctx.expect_ok does)."""
    ex = ctx.request("POST", PATH, body(ctx, **fields), cache=cache)
    return ex, ctx.expect_binary(ex, what)


def content_type(ex: Exchange) -> str:
    """The answer's Content-Type, lower-cased ('' when absent)."""
    return next((v for k, v in ex.response_headers.items() if k.lower() == "content-type"), "").lower()


def judge_audio(ex: Exchange, data: bytes, fmt: str) -> containers.AudioInfo:
    """The bytes are the format (header read, duration > 0) and the Content-Type agrees; what the header says."""
    try:
        info = containers.read(fmt, data)
    except containers.NotAudio as exc:
        raise Fail(f"response_format {fmt}: {exc} (Content-Type {content_type(ex) or 'absent'})") from None
    if info.duration_s <= 0:
        raise Fail(f"response_format {fmt}: the {fmt} header says the audio lasts {info.duration_s} s")
    ctype = content_type(ex)
    mime = ctype.split(";")[0].strip()
    if mime not in {m.split(";")[0] for m in MEDIA[fmt]} and not (fmt == "pcm" and mime.startswith("audio/pcm")):
        raise SpecViolation(f"{fmt} audio ({info.describe()}) served as Content-Type {ctype or 'absent'!r}, "
                            f"not {MEDIA[fmt][0]}")
    return info


def wav_seconds(data: bytes, what: str) -> float:
    """How long a wav answer plays, by its header; Fail when it is no wav."""
    try:
        return containers.read("wav", data).duration_s
    except containers.NotAudio as exc:
        raise Fail(f"{what}: asked for wav, {exc}") from None


def _format_check(fmt: str) -> None:
    @check(f"speech.format.{fmt}", endpoint=EP, feature="Audio formats", field=f"response_format.{fmt}",
           behavior=f"response_format {fmt} returns {fmt} audio (container header read: sample rate, channels, "
                    f"duration > 0) with a Content-Type that agrees")
    def run(ctx: CheckContext) -> str:
        ex, data = speak(ctx, f"response_format {fmt}", response_format=fmt)
        info = judge_audio(ex, data, fmt)
        if fmt == "pcm":
            _pcm_rate(ctx, data)
        return f"{info.describe()}, served as {content_type(ex)}"


def _pcm_rate(ctx: CheckContext, pcm: bytes) -> None:
    """pcm has no header: its rate shows against the wav answer to the same sentence (same samples, or its length)."""
    _, wav = speak(ctx, "response_format wav", response_format="wav")
    try:
        info = containers.read("wav", wav)
    except containers.NotAudio:
        return  # no wav to compare with: the rate cannot be told
    if signal.wav_samples(wav) == pcm:
        rate = float(info.sample_rate)
    else:
        # A server that varies by itself (Piper: a few percent per answer): the rate the pcm lengths imply at the
        # wav durations, over PCM_PAIRS answers of each, so one long or short answer cannot decide it.
        pcms, seconds = [pcm], [info.duration_s]
        for n in range(1, PCM_PAIRS):
            pcms.append(speak(ctx, f"response_format pcm again ({n})", cache=False, response_format="pcm")[1])
            seconds.append(wav_seconds(speak(ctx, f"response_format wav again ({n})", cache=False,
                                             response_format="wav")[1], "response_format wav"))
        rate = sum(len(p) for p in pcms) / 2 / info.channels / max(sum(seconds), 1e-9)
    ctx.note(pcm_rate_estimate=round(rate))
    if abs(rate - containers.PCM_RATE) / containers.PCM_RATE > 0.045:
        raise SpecViolation(f"pcm plays at about {rate:.0f} Hz (its length against the same sentence as wav, "
                            f"{info.sample_rate} Hz): OpenAI's pcm is {containers.PCM_RATE} Hz 16-bit mono, so "
                            "clients play it at the wrong speed")


for _fmt in FORMATS:
    _format_check(_fmt)


@check("speech.response.audio", endpoint=EP, feature="Speech", field="input",
       behavior="a speech request answers 200 with audio bytes (a known container, duration > 0) under an audio/ type")
def response_audio(ctx: CheckContext) -> str:
    ex, data = speak(ctx, "a speech request without response_format")
    found = containers.sniff(data)
    if found in ("unknown", "text"):
        raise Fail(f"the answer is not audio: {len(data)} bytes starting {data[:16]!r} ({content_type(ex) or 'no type'})")
    if found == "ogg":  # Ogg of another codec than Opus: audio all the same, its header is not read here
        return f"{len(data)} bytes of Ogg audio ({content_type(ex) or 'no type'})"
    return f"{len(data)} bytes of {judge_audio(ex, data, found).describe()}"


@check("speech.format.default_mp3", endpoint=EP, feature="Audio formats", field="response_format",
       behavior="without response_format the answer is mp3, the documented default")
def default_mp3(ctx: CheckContext) -> str:
    ex, data = speak(ctx, "a speech request without response_format")
    found = containers.sniff(data)
    if found != "mp3":
        what = f"{found} audio" if found not in ("unknown", "text") else f"bytes starting {data[:8].hex()}"
        raise SpecViolation(f"without response_format the answer is {what} ({content_type(ex) or 'no Content-Type'}), "
                            "not mp3, OpenAI's documented default")
    return f"mp3 by default: {judge_audio(ex, data, 'mp3').describe()}"


@check("speech.voice.effect", endpoint=EP, feature="Voices", field="voice",
       behavior=f"two voices ({VOICE}, {OTHER_VOICE}) give different audio; the same voice twice shows how much "
                "a server varies by itself")
def voice_effect(ctx: CheckContext) -> str:
    _, one = speak(ctx, f"voice {VOICE}", response_format="wav")
    _, other = speak(ctx, f"voice {OTHER_VOICE}", response_format="wav", voice=OTHER_VOICE)
    if one == other:
        raise Ignored(f"voices {VOICE} and {OTHER_VOICE} give byte-identical audio")
    again = speak(ctx, f"voice {VOICE} again", cache=False, response_format="wav")[1]
    if again == one:
        return f"voice {OTHER_VOICE} gives other audio than {VOICE}, which gives the same bytes when asked twice"
    # Not deterministic: the voice must move the sound further than the server moves it by itself.
    apart, noise = signal.distance(one, other), signal.distance(one, again)
    ctx.note(voice_distance=round(apart, 4), same_voice_distance=round(noise, 4))
    needed = 3 * noise + 0.02
    if apart > needed:
        return (f"voice {OTHER_VOICE} sounds unlike {VOICE} (pitch/level distance {apart:.3f}; two samples of "
                f"{VOICE} differ by {noise:.3f})")
    # Say the bar: "no further" read false where the voice distance was twice the noise but under the bar.
    raise Ignored(f"voice {OTHER_VOICE} is within the server's own variation of {VOICE}: pitch/level distance "
                  f"{apart:.3f}, where two samples of {VOICE} differ by {noise:.3f} and a voice must exceed "
                  f"{needed:.3f} (3x that + 0.02): the voice has no effect that shows")


@check("speech.speed.effect", endpoint=EP, feature="Speed", field="speed",
       behavior="speed 2.0 makes the same sentence play in well under the time of speed 1.0 (header durations)")
def speed_effect(ctx: CheckContext) -> str:
    _, normal = speak(ctx, "speed 1.0 (default)", response_format="wav")
    _, fast = speak(ctx, "speed 2.0", response_format="wav", speed=2.0)
    base, quick = wav_seconds(normal, "speed 1.0"), wav_seconds(fast, "speed 2.0")
    if base <= 0:
        raise Fail(f"the speed 1.0 answer lasts {base} s: no speed can be compared with it")
    ratio = quick / base
    ctx.note(duration_speed_1=base, duration_speed_2=quick)
    if ratio < 0.75:
        return f"speed 2.0 plays in {quick:.2f} s against {base:.2f} s at 1.0 (x{ratio:.2f})"
    raise Ignored(f"speed 2.0 plays in {quick:.2f} s against {base:.2f} s at 1.0 (x{ratio:.2f}): speed has no effect")


@check("speech.input.too_long", endpoint=EP, feature="Input validation", field="input",
       behavior="input over the documented 4096 characters is rejected with 400 and the error envelope")
def too_long(ctx: CheckContext) -> str:
    ex = ctx.request("POST", PATH, body(ctx, input=TOO_LONG, response_format="wav"))
    return rejected(ex, f"an input of {len(TOO_LONG)} characters")


@check("speech.voice.unknown", endpoint=EP, feature="Input validation", field="voice",
       behavior="an unknown voice is rejected with 400 and the error envelope")
def unknown_voice(ctx: CheckContext) -> str:
    ex = ctx.request("POST", PATH, body(ctx, voice="no-such-voice-xyz", response_format="wav"))
    return rejected(ex, "voice 'no-such-voice-xyz'")


@check("speech.format.unknown", endpoint=EP, feature="Input validation", field="response_format",
       behavior="an unknown response_format is rejected with 400 and the error envelope")
def unknown_format(ctx: CheckContext) -> str:
    ex = ctx.request("POST", PATH, body(ctx, response_format="wma"))
    return rejected(ex, "response_format 'wma'")


@check("speech.speed.out_of_range", endpoint=EP, feature="Input validation", field="speed",
       behavior="speed outside 0.25-4.0 is rejected with 400 and the error envelope")
def speed_range(ctx: CheckContext) -> str:
    ex = ctx.request("POST", PATH, body(ctx, speed=10, response_format="wav"))
    return rejected(ex, "speed 10")


@check("speech.model.unknown", endpoint=EP, feature="Speech", field="model",
       behavior="a model the server does not serve is rejected (4xx with the error envelope), not silently replaced")
def unknown_model(ctx: CheckContext) -> str:
    ex = ctx.request("POST", PATH, {**body(ctx, response_format="wav"), "model": "no-such-model-xyz"})
    if 200 <= (ex.status or 0) < 300:
        raise Ignored("model 'no-such-model-xyz' was accepted with audio: the model field is ignored")
    return rejected(ex, "model 'no-such-model-xyz'")


@check("speech.stream.sse", endpoint=EP, feature="Streaming", field="stream_format",
       behavior="stream_format sse streams speech.audio.delta events (base64 audio) and a speech.audio.done event")
def stream_sse(ctx: CheckContext) -> str:
    ex = ctx.request("POST", PATH, body(ctx, response_format="wav", stream_format="sse"), stream=True)
    if not 200 <= (ex.status or 0) < 300:
        ctx.expect_ok(ex, "stream_format sse")
    if not content_type(ex).startswith("text/event-stream"):
        data = ex.wire.response_body if ex.wire is not None else b""
        raise Ignored(f"stream_format sse answered {containers.sniff(data)} audio as {content_type(ex) or 'no type'}, "
                      "not an event stream")
    stream = ctx.expect_stream(ex, "stream_format sse")
    events = [e for e in stream.events if e.data and e.data != "[DONE]"]
    parsed: list[dict[str, Any]] = []
    for e in events:
        try:
            parsed.append(json.loads(e.data))
        except ValueError:
            raise Fail(f"an SSE event is not JSON: {e.data[:120]!r}") from None
    for n, event in enumerate(parsed):
        ctx.schema("CreateSpeechResponseStreamEvent", event, f"event {n + 1}")
    deltas = [p for p in parsed if p.get("type") == "speech.audio.delta"]
    if not deltas or parsed[-1].get("type") != "speech.audio.done":
        raise Fail(f"{len(deltas)} speech.audio.delta events, last event type {parsed[-1].get('type') if parsed else None!r}"
                   " (expected deltas, then speech.audio.done)")
    audio = b"".join(base64.b64decode(str(d.get("audio", ""))) for d in deltas)
    try:
        info = containers.read("wav", audio)
    except containers.NotAudio as exc:
        raise Fail(f"the deltas' audio joined is not the asked wav: {exc}") from None
    return f"{len(deltas)} audio deltas ({info.describe()}), then speech.audio.done"
