"""/v1/audio/transcriptions: a multipart upload of a known sentence, every response_format, options, errors."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

from conformance import catalog, multipart
from conformance.checks.audio.common import rejected, transcription_model, word_error_rate
from conformance.context import CheckContext
from conformance.model import Exchange
from conformance.registry import check
from conformance.verdict import Accepted, Fail, Ignored, Skip, Unsupported

PATH = "/audio/transcriptions"
EP = catalog.TRANSCRIPTIONS
# What conformance/checks/audio/data/two-sentences.mp3 says (see the README beside it).
SPOKEN = "The quick brown fox jumps over the lazy dog. Seven bright kites fly above the green hill."
AUDIO_FILE = "two-sentences.mp3"
# Tiny models mishear: half the words wrong still shows the upload reached a model that heard speech.
MAX_WER = 0.5
# A prompt in lower case without punctuation: Whisper-style models follow its style.
PROMPT = "the quick brown fox jumps over the lazy dog seven bright kites fly above the green hill"
_CUE = re.compile(r"(\d{2}:)?(\d{2}):(\d{2})([,.])(\d{3}) --> (\d{2}:)?(\d{2}):(\d{2})([,.])(\d{3})")


@lru_cache(maxsize=1)
def audio() -> bytes:
    """The bundled recording of SPOKEN (mp3, 16 kHz mono, about 10 KB)."""
    return resources.files("conformance.checks.audio").joinpath("data", AUDIO_FILE).read_bytes()


def upload(ctx: CheckContext, *fields: tuple[str, str], file: multipart.File | None = None,
           model: str | None = None, with_file: bool = True) -> Exchange:
    """POST the form: the model, the bundled file (or another), then the given fields in order."""
    served = transcription_model(ctx)  # first: a run given none skips even a check that names its own model
    form = [("model", model if model is not None else served), *fields]
    files = [file or multipart.File("file", AUDIO_FILE, "audio/mpeg", audio())] if with_file else []
    return ctx.upload(PATH, form, files)


def text_of(ctx: CheckContext, ex: Exchange, what: str) -> str:
    """The body of a 2xx text answer (text, srt, vtt) as text; JSON there breaks clients that print it."""
    ctx.expect_binary(ex, what)
    if isinstance(ex.response_body, (dict, list)):
        raise Fail(f"{what}: a JSON body ({str(ex.response_body)[:120]}) where plain text belongs: the official "
                   "client hands it to the caller as the transcript")
    return ex.wire.response_body.decode("utf-8", "replace") if ex.wire is not None else str(ex.response_body)


def judge_words(ctx: CheckContext, heard: str, what: str) -> str:
    """The transcript holds the spoken words (lenient: tiny models mishear); the word error rate is printed."""
    wer = word_error_rate(SPOKEN, heard)
    ctx.note(word_error_rate=round(wer, 3), transcript=heard[:300])
    if wer > MAX_WER:
        raise Fail(f"{what}: word error rate {wer:.2f} against the bundled sentence (heard {heard[:120]!r}): "
                   "the upload does not seem to reach the model")
    return f"word error rate {wer:.2f}"


def json_text(ctx: CheckContext, ex: Exchange, what: str) -> str:
    """The text of a json answer, validated against CreateTranscriptionResponseJson."""
    body = ctx.expect_ok(ex, what)
    ctx.schema("CreateTranscriptionResponseJson", body, what)
    if not isinstance(body.get("text"), str):
        raise Fail(f"{what}: no text string in {str(body)[:150]}")
    return str(body["text"])


@check("transcription.json.words", endpoint=EP, feature="Transcription", field="file",
       behavior="a multipart upload of a known sentence returns {text} holding its words (word error rate at most 0.5)")
def json_words(ctx: CheckContext) -> str:
    text = json_text(ctx, upload(ctx), "a transcription")
    return f"{judge_words(ctx, text, 'json')}: {text.strip()[:80]!r}"


@check("transcription.format.json", endpoint=EP, feature="Response formats", field="response_format.json",
       behavior="response_format json returns {text}")
def format_json(ctx: CheckContext) -> str:
    text = json_text(ctx, upload(ctx, ("response_format", "json")), "response_format json")
    return f"{{text}} with {judge_words(ctx, text, 'json')}"


@check("transcription.format.text", endpoint=EP, feature="Response formats", field="response_format.text",
       behavior="response_format text returns the transcript as plain text")
def format_text(ctx: CheckContext) -> str:
    text = text_of(ctx, upload(ctx, ("response_format", "text")), "response_format text")
    return f"plain text with {judge_words(ctx, text, 'text')}"


def cues(text: str, fmt: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of each srt or vtt cue; Fail when a timing line is malformed."""
    sep = "," if fmt == "srt" else "."
    out: list[tuple[float, float, str]] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = block.strip().split("\n")
        timing = next((n for n, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        m = _CUE.search(lines[timing])
        if m is None or m.group(4) != sep or m.group(9) != sep:
            raise Fail(f"{fmt}: the timing line {lines[timing]!r} is not HH:MM:SS{sep}mmm --> HH:MM:SS{sep}mmm")
        g = m.groups()
        start = int(g[0][:2] if g[0] else 0) * 3600 + int(g[1]) * 60 + int(g[2]) + int(g[4]) / 1000
        end = int(g[5][:2] if g[5] else 0) * 3600 + int(g[6]) * 60 + int(g[7]) + int(g[9]) / 1000
        out.append((start, end, " ".join(lines[timing + 1:])))
    return out


def monotone(spans: list[tuple[float, float]], what: str) -> None:
    """Each span starts before it ends and no earlier than the one before it."""
    for n, (start, end) in enumerate(spans):
        if not start <= end:
            raise Fail(f"{what} {n + 1} ends ({end}) before it starts ({start})")
        if n and start < spans[n - 1][0]:
            raise Fail(f"{what} {n + 1} starts at {start}, before {what} {n} ({spans[n - 1][0]})")


def _subtitles(fmt: str) -> None:
    @check(f"transcription.format.{fmt}", endpoint=EP, feature="Response formats", field=f"response_format.{fmt}",
           behavior=f"response_format {fmt} returns {fmt.upper()} cues with ordered timings and the spoken words")
    def run(ctx: CheckContext) -> str:
        text = text_of(ctx, upload(ctx, ("response_format", fmt)), f"response_format {fmt}")
        if fmt == "vtt" and not text.lstrip("\ufeff").startswith("WEBVTT"):
            raise Fail(f"vtt: the body does not start with WEBVTT: {text[:60]!r}")
        found = cues(text, fmt)
        if not found:
            raise Fail(f"{fmt}: no cue in {text[:120]!r}")
        monotone([(s, e) for s, e, _ in found], "cue")
        return f"{len(found)} cue(s), {judge_words(ctx, ' '.join(t for _, _, t in found), fmt)}"


for _fmt in ("srt", "vtt"):
    _subtitles(_fmt)


def verbose(ctx: CheckContext, *fields: tuple[str, str], validate: bool = False) -> dict[str, Any]:
    """A verbose_json answer; validated against CreateTranscriptionResponseVerboseJson by the check that owns it."""
    ex = upload(ctx, ("response_format", "verbose_json"), *fields)
    body: dict[str, Any] = ctx.expect_ok(ex, "response_format verbose_json")
    if validate:
        ctx.schema("CreateTranscriptionResponseVerboseJson", body, "verbose_json")
    return body


@check("transcription.format.verbose_json", endpoint=EP, feature="Response formats",
       field="response_format.verbose_json",
       behavior="response_format verbose_json returns language, duration > 0, text and segments with start <= end in order")
def format_verbose(ctx: CheckContext) -> str:
    body = verbose(ctx, validate=True)
    segments = body.get("segments")
    if not isinstance(segments, list) or not segments:
        raise Fail(f"verbose_json without segments: keys {sorted(body)}")
    monotone([(float(s.get("start", 0)), float(s.get("end", 0))) for s in segments], "segment")
    duration = body.get("duration")
    if not isinstance(duration, (int, float)) or duration <= 0:
        raise Fail(f"verbose_json duration is {duration!r}")
    return (f"{len(segments)} segment(s) in order over {duration:.2f} s, language {body.get('language')!r}, "
            f"{judge_words(ctx, str(body.get('text', '')), 'verbose_json')}")


@check("transcription.timestamps.word", endpoint=EP, feature="Timestamps", field="timestamp_granularities",
       behavior="timestamp_granularities[]=word with verbose_json adds words with start <= end in order")
def word_timestamps(ctx: CheckContext) -> str:
    body = verbose(ctx, ("timestamp_granularities[]", "word"), ("timestamp_granularities[]", "segment"))
    found = body.get("words")
    if not found:
        raise Ignored("timestamp_granularities[]=word gave no words list in verbose_json")
    monotone([(float(w.get("start", 0)), float(w.get("end", 0))) for w in found], "word")
    heard = " ".join(str(w.get("word", "")) for w in found)
    return f"{len(found)} timed words in order, {judge_words(ctx, heard, 'words')}"


# A language other than the audio's: English speech reported as English proves nothing, every server says so.
OTHER_LANGUAGE = ("fr", "french")


def _language(body: dict[str, Any]) -> str:
    return str(body.get("language", "")).strip().lower()


@check("transcription.language.effect", endpoint=EP, feature="Language", field="language",
       behavior="language 'fr' on English speech is followed: verbose_json reports French or the transcript changes")
def language(ctx: CheckContext) -> str:
    try:
        plain = verbose(ctx)  # transcription.format.verbose_json's own request: the run cache shares it
    except Unsupported as exc:
        raise Skip(f"verbose_json is refused, so no reported language to compare ({exc.reason})") from exc
    code = OTHER_LANGUAGE[0]
    asked = ctx.expect_ok(upload(ctx, ("response_format", "verbose_json"), ("language", code)), f"language {code}")
    said, before = _language(asked), _language(plain)
    heard, heard_before = str(asked.get("text", "")).strip(), str(plain.get("text", "")).strip()
    if said in OTHER_LANGUAGE and before not in OTHER_LANGUAGE:
        return (f"language {code} followed: verbose_json reports {asked.get('language')!r} "
                f"(without it {plain.get('language')!r})")
    if heard != heard_before:
        return f"language {code} changed the transcript: {heard_before[:50]!r} became {heard[:50]!r}"
    if said == before and before in ("en", "english"):
        raise Ignored(f"language {code} was taken with 200 but had no effect: verbose_json still reports "
                      f"{asked.get('language')!r}, as without it, and the same transcript {heard[:60]!r}")
    # No detected language to compare with (or an unexpected one): the effect cannot be told from its absence.
    raise Accepted(f"language {code} taken with the same transcript; verbose_json reports {asked.get('language')!r} "
                   f"(without it {plain.get('language')!r}), so its effect is not visible")


@check("transcription.prompt.effect", endpoint=EP, feature="Prompt", field="prompt",
       behavior="a prompt in lower case without punctuation changes the transcript's style (Whisper follows it)")
def prompt(ctx: CheckContext) -> str:
    plain = json_text(ctx, upload(ctx), "a transcription")
    styled = json_text(ctx, upload(ctx, ("prompt", PROMPT)), "a transcription with a prompt")
    if styled.strip() != plain.strip():
        return f"the prompt changed the transcript: {plain.strip()[:60]!r} became {styled.strip()[:60]!r}"
    raise Accepted("the prompt was taken, the transcript is the same; a prompt may leave clear speech unchanged")


@check("transcription.temperature.accepted", endpoint=EP, feature="Transcription", field="temperature",
       behavior="temperature 0 is taken (its effect on clear speech is not visible)")
def temperature(ctx: CheckContext) -> str:
    text = json_text(ctx, upload(ctx, ("temperature", "0")), "temperature 0")
    raise Accepted(f"temperature 0 taken ({judge_words(ctx, text, 'json')}); its effect is not visible")


@check("transcription.model.unknown", endpoint=EP, feature="Transcription", field="model",
       behavior="a model the server does not serve is rejected (4xx with the error envelope), not silently replaced")
def unknown_model(ctx: CheckContext) -> str:
    ex = upload(ctx, model="no-such-model-xyz")
    if 200 <= (ex.status or 0) < 300:
        raise Ignored("model 'no-such-model-xyz' was accepted with a transcript: the model field is ignored")
    return rejected(ex, "model 'no-such-model-xyz'")


@check("transcription.file.not_audio", endpoint=EP, feature="Input validation", field="file",
       behavior="a file that is not audio is rejected with 400 and the error envelope")
def not_audio(ctx: CheckContext) -> str:
    ex = upload(ctx, file=multipart.File("file", "notes.txt", "text/plain", b"These are notes, not audio.\n"))
    return rejected(ex, "a text file as the audio")


@check("transcription.file.missing", endpoint=EP, feature="Input validation", field="file",
       behavior="a form without a file is rejected with 400 and the error envelope")
def missing_file(ctx: CheckContext) -> str:
    return rejected(upload(ctx, with_file=False), "a form without a file")


@check("transcription.language.invalid", endpoint=EP, feature="Input validation", field="language",
       behavior="a language that is no ISO-639-1 code is rejected with 400 and the error envelope")
def bad_language(ctx: CheckContext) -> str:
    return rejected(upload(ctx, ("language", "not-a-language")), "language 'not-a-language'")


@check("transcription.temperature.out_of_range", endpoint=EP, feature="Input validation", field="temperature",
       behavior="temperature above 1 is rejected with 400 and the error envelope")
def bad_temperature(ctx: CheckContext) -> str:
    return rejected(upload(ctx, ("temperature", "5")), "temperature 5")
