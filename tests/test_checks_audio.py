"""Speech and transcription checks: all pass on the conformant fake; each deviation flips the checks it should."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import wave
from io import BytesIO
from pathlib import Path

import pytest

from conformance import exitcodes, results
from conformance.checks.audio import containers, signal
from conformance.checks.audio.common import word_error_rate
from conformance.checks.audio.transcription import SPOKEN, audio, cues
from conformance.context import Run
from conformance.http import Client
from conformance.model import CheckResult, Outcome, Target
from conformance.registry import all_checks, select
from conformance.runner import execute
from conformance.verdict import Fail
from tests.fake import FakeServer
from tests.fake.endpoints.audio import SPEECH_MODEL, TRANSCRIPTION_MODEL, SpeechRequest, encode, samples

AUDIO = "speech.*,transcription.*,prop.speech.*"


def oai(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would, in its own process."""
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=dict(os.environ))
# On the conformant fake: every check passes but one whose effect no answer can show.
NOT_PASS_WHEN_CONFORMANT = {"transcription.temperature.accepted": "accepted"}

FLIPS: dict[str, dict[str, str]] = {
    "speech.default_wav": {"speech.format.default_mp3": "fail"},
    "speech.wrong_content_type": {"speech.response.audio": "fail",
                                  **{f"speech.format.{f}": "fail" for f in ("mp3", "opus", "aac", "flac", "wav", "pcm")}},
    "speech.always_wav": {"prop.speech.valid_requests": "fail", "speech.format.mp3": "fail", "speech.format.opus": "fail", "speech.format.pcm": "fail",
                          "speech.format.default_mp3": "fail", "speech.format.wav": "pass"},
    "speech.empty_audio": {"speech.format.wav": "fail", "speech.speed.effect": "fail",
                           "speech.voice.effect": "ignored", "speech.format.mp3": "pass"},
    "speech.rate_22k": {"speech.format.pcm": "fail", "speech.format.wav": "pass"},
    "speech.voice_ignored": {"speech.voice.effect": "ignored"},
    "speech.speed_ignored": {"speech.speed.effect": "ignored"},
    "speech.validation_lax": {"prop.speech.invalid_requests": "fail", "speech.input.too_long": "fail",
                              "speech.voice.unknown": "fail",
                              "speech.format.unknown": "fail", "speech.speed.out_of_range": "fail",
                              "speech.model.unknown": "ignored"},
    "speech.sse_ignored": {"speech.stream.sse": "ignored"},
    "speech.sse_no_done": {"speech.stream.sse": "fail"},
    "errors.detail_envelope": {"speech.voice.unknown": "fail", "transcription.file.missing": "fail",
                               "transcription.file.not_audio": "fail"},
    "transcription.mishears": {"transcription.json.words": "fail", "transcription.format.json": "fail",
                               "transcription.format.text": "fail",
                               "transcription.format.srt": "fail", "transcription.format.vtt": "fail",
                               "transcription.format.verbose_json": "fail", "transcription.timestamps.word": "fail"},
    "transcription.text_as_json": {"transcription.format.text": "fail", "transcription.format.srt": "fail",
                                   "transcription.format.vtt": "fail", "transcription.format.json": "pass"},
    "transcription.segments_unordered": {"transcription.format.verbose_json": "fail",
                                         "transcription.format.srt": "fail", "transcription.format.vtt": "fail"},
    "transcription.words_ignored": {"transcription.timestamps.word": "ignored"},
    "transcription.language_unreported": {"transcription.language.effect": "accepted"},
    # English speech with language fr: still 'english' and the same words, as faster-whisper-server answers.
    "transcription.language_ignored": {"transcription.language.effect": "ignored"},
    "transcription.prompt_ignored": {"transcription.prompt.effect": "accepted"},
    "transcription.temperature_rejected": {"transcription.temperature.accepted": "unsupported"},
    "transcription.model_ignored": {"transcription.model.unknown": "ignored"},
    "transcription.validation_lax": {"transcription.file.not_audio": "fail", "transcription.language.invalid": "fail",
                                     "transcription.temperature.out_of_range": "fail"},
    "transcription.not_audio_500": {"transcription.file.not_audio": "fail"},
}
# How much each failure matters, where the table says fail.
SEVERITY = {
    ("speech.default_wav", "speech.format.default_mp3"): "violates-spec",
    ("speech.wrong_content_type", "speech.format.wav"): "violates-spec",
    ("speech.rate_22k", "speech.format.pcm"): "violates-spec",
    ("speech.validation_lax", "speech.voice.unknown"): "lax-validation",
    ("errors.detail_envelope", "transcription.file.missing"): "violates-spec",
    ("transcription.not_audio_500", "transcription.file.not_audio"): "violates-spec",
    ("transcription.text_as_json", "transcription.format.text"): "breaks-clients",
}


def run_audio(base_url: str, patterns: str = AUDIO, **target: str | None) -> dict[str, CheckResult]:
    """Run the audio checks matching the patterns against the fake, with its speech and transcription models."""
    fields: dict[str, str | None] = {"speech_model": SPEECH_MODEL, "transcription_model": TRANSCRIPTION_MODEL,
                                     **target}
    t = Target(base_url=base_url, model=None, name="fake", timeout_s=20.0, **fields)  # type: ignore[arg-type]
    run = Run(t, Client(t))
    try:
        return {c.spec.id: execute(c, run) for c in select(all_checks(), patterns)}
    finally:
        run.close()


def test_every_audio_check_passes_on_the_conformant_fake() -> None:
    with FakeServer() as srv:
        results = run_audio(srv.base_url)
        assert srv.crashes == []
    assert len(results) > 25
    seen = {k: f"{r.outcome.value}: {r.reason}" for k, r in results.items()
            if r.outcome is not Outcome.PASS and NOT_PASS_WHEN_CONFORMANT.get(k) != r.outcome.value}
    assert seen == {}
    # The SDK judged the answers its calls make, and agreed.
    assert all("openai_sdk" not in r.details for r in results.values())


@pytest.mark.parametrize("deviation", sorted(FLIPS))
def test_a_deviation_flips_its_checks(deviation: str) -> None:
    expected = FLIPS[deviation]
    with FakeServer(deviations={deviation}) as srv:
        results = run_audio(srv.base_url, ",".join(expected))
        assert srv.crashes == []
    got = {k: results[k].outcome.value for k in expected}
    assert got == expected, {k: results[k].reason for k in expected}
    for (dev, check_id), severity in SEVERITY.items():
        if dev == deviation:
            assert results[check_id].severity is not None and results[check_id].severity.value == severity


def test_language_is_judged_by_a_language_other_than_the_audio_s() -> None:
    """English speech with language 'en' is reported English by any server; 'fr' shows whether it is followed.

    The plain verbose_json request is transcription.format.verbose_json's own: the pair costs one request more.
    """
    pair = "transcription.format.verbose_json,transcription.language.effect"
    with FakeServer() as srv:
        followed = run_audio(srv.base_url, pair)["transcription.language.effect"]
        posts = [p for m, p, _ in srv.requests if m == "POST"]
    assert followed.outcome is Outcome.PASS and "reports 'french' (without it 'english')" in followed.reason
    assert len(posts) == 2
    with FakeServer(deviations={"transcription.language_ignored"}) as srv:
        ignored = run_audio(srv.base_url, pair)["transcription.language.effect"]
    assert ignored.outcome is Outcome.IGNORED
    assert "still reports 'english', as without it, and the same transcript" in ignored.reason


def test_no_model_given_leaves_each_endpoint_untested() -> None:
    with FakeServer() as srv:
        results = run_audio(srv.base_url, "speech.format.wav,transcription.format.json", speech_model=None,
                            transcription_model=None)
    assert {k: (r.outcome.value, r.reason) for k, r in results.items()} == {
        "speech.format.wav": ("skip", "no speech model given (--speech-model)"),
        "transcription.format.json": ("skip", "no transcription model given (--transcription-model)"),
    }


def test_a_server_without_the_route_is_unsupported() -> None:
    # The fake without audio: the chat-only routes answer 404 for everything else.
    with FakeServer() as srv:
        results = run_audio(srv.base_url.replace("/v1", "/v1/nothing-here"), "speech.format.wav")
    assert results["speech.format.wav"].outcome is Outcome.UNSUPPORTED


@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
def test_the_fake_s_containers_read_back_with_the_duration_they_were_made_with(fmt: str) -> None:
    req = SpeechRequest(SPEECH_MODEL, "Hello there, listener.", "alloy", fmt)
    pcm = samples(req)
    info = containers.read(fmt, encode(fmt, pcm))
    assert info.sample_rate == 24_000 and info.channels == 1
    assert info.duration_s == pytest.approx(len(pcm) / 2 / 24_000, abs=0.05)


def test_the_bundled_sentence_is_a_small_mp3_of_about_five_seconds() -> None:
    data = audio()
    info = containers.read("mp3", data)
    assert 8_000 < len(data) < 16_000 and info.channels == 1 and 4.5 < info.duration_s < 6


def test_a_wav_that_is_asked_as_mp3_says_what_it_is() -> None:
    out = BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(struct.pack("<4h", 1, 2, 3, 4) * 8000)
    data = out.getvalue()
    assert containers.read("wav", data).describe() == "wav, 16000 Hz, 2 channels, 1.00 s"
    with pytest.raises(containers.NotAudio, match="the bytes are wav"):
        containers.read("mp3", data)
    assert signal.wav_samples(data) == data[44:]


def test_word_error_rate_counts_each_edit_once() -> None:
    assert word_error_rate(SPOKEN, SPOKEN.upper().replace(".", "")) == 0
    assert word_error_rate("a b c d", "a x c") == pytest.approx(0.5)  # one substitution, one deletion
    assert word_error_rate("a b", "a b c d") == 1.0


def test_subtitle_cues_are_read_with_their_own_separator() -> None:
    assert cues("1\n00:00:00,000 --> 00:00:02,500\nHello\n\n2\n00:00:02,500 --> 00:00:05,000\nthere\n", "srt") == [
        (0.0, 2.5, "Hello"), (2.5, 5.0, "there")]
    assert cues("WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n", "vtt") == [(1.0, 2.0, "Hi")]
    with pytest.raises(Fail, match="is not HH:MM:SS,mmm"):
        cues("1\n00:00:00.000 --> 00:00:02.500\nHello\n", "srt")


def test_a_recording_made_without_a_speech_model_replays_speech_as_untested(tmp_path: Path) -> None:
    # Older chat recordings have no cassette for the audio checks: they skip, they are not "newer than the recording".
    with FakeServer() as srv:
        oai("run", "--base-url", srv.base_url, "--model", "fake-model", "--record", "rec", "--output", "live",
            "--only", "chat.requests.isolated", cwd=tmp_path)
    r = oai("run", "--replay", "rec", "--output", "out", "--only", "chat.requests.isolated,speech.format.wav",
            cwd=tmp_path)
    assert r.returncode == exitcodes.OK, r.stdout[-2000:] + r.stderr[-2000:]
    got = {c["id"]: (c["outcome"], c["reason"]) for c in results.load(tmp_path / "out")["checks"]}
    assert got["speech.format.wav"] == ("skip", "no speech model given (--speech-model)")
    assert got["chat.requests.isolated"][0] == "pass"


def test_a_speech_server_recorded_replays_byte_for_byte_to_the_same_verdicts(tmp_path: Path) -> None:
    with FakeServer(deviations={"speech.default_wav"}) as srv:
        live = oai("run", "--base-url", srv.base_url, "--speech-model", SPEECH_MODEL, "--record", "rec",
                   "--output", "live", "--only", "speech.format.*", cwd=tmp_path)
    assert live.returncode == exitcodes.OK, live.stdout[-2000:] + live.stderr[-2000:]
    again = oai("run", "--replay", "rec", "--output", "out", "--only", "speech.format.*", cwd=tmp_path)
    assert again.returncode == exitcodes.OK, again.stdout[-2000:] + again.stderr[-2000:]
    verdicts = [{c["id"]: (c["outcome"], c["reason"]) for c in results.load(tmp_path / d)["checks"]}
                for d in ("live", "out")]
    assert verdicts[0] == verdicts[1] and verdicts[0]["speech.format.default_mp3"][0] == "fail"
