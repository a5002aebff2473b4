"""Speech and transcription deviations: the quirks real servers of /v1/audio show, one at a time."""

from __future__ import annotations

import json
import struct
from dataclasses import replace
from typing import Any

from tests.fake.endpoints.audio import SpeechRequest, TranscriptionRequest, encode
from tests.fake.errors import ACCEPT, ApiError, Halt
from tests.fake.registry import deviation
from tests.fake.wire import HttpCtx, Reply, StreamReply, json_reply, text_reply


def _speech(reply: Reply | StreamReply) -> bool:
    return isinstance(reply, Reply) and reply.status == 200


@deviation("speech.default_wav", "without response_format, speech is wav (OpenAI's default is mp3)", on="speech_request")
def _default_wav(req: SpeechRequest) -> SpeechRequest:
    return replace(req, response_format="wav") if req.asked_format is None else req


@deviation("speech.wrong_content_type", "audio is served as Content-Type audio/basic whatever its format",
           on="speech_reply")
def _wrong_type(reply: Reply | StreamReply, req: SpeechRequest) -> Reply | StreamReply:
    return replace(reply, content_type="audio/basic") if _speech(reply) else reply


@deviation("speech.always_wav", "every response_format is answered with wav bytes", on="speech_request")
def _always_wav(req: SpeechRequest) -> SpeechRequest:
    return replace(req, response_format="wav")


@deviation("speech.empty_audio", "wav answers hold a header and no samples", on="speech_reply")
def _empty(reply: Reply | StreamReply, req: SpeechRequest) -> Reply | StreamReply:
    return replace(reply, body=encode("wav", b"")) if _speech(reply) and req.response_format == "wav" else reply


@deviation("speech.rate_22k", "wav says 22050 Hz and pcm is the same samples (OpenAI's pcm is 24 kHz)",
           on="speech_reply")
def _rate_22k(reply: Reply | StreamReply, req: SpeechRequest) -> Reply | StreamReply:
    if not _speech(reply) or req.response_format != "wav" or not isinstance(reply, Reply):
        return reply
    body = bytearray(reply.body)
    struct.pack_into("<II", body, 24, 22050, 22050 * 2)  # the fmt chunk's sample rate and byte rate
    return replace(reply, body=bytes(body))


@deviation("speech.voice_ignored", "every voice sounds like alloy", on="speech_request")
def _voice_ignored(req: SpeechRequest) -> SpeechRequest:
    return replace(req, voice="alloy")


@deviation("speech.speed_ignored", "speed has no effect", on="speech_request")
def _speed_ignored(req: SpeechRequest) -> SpeechRequest:
    return replace(req, speed=1.0)


@deviation("speech.validation_lax", "speech takes an unknown model, voice, format, speed out of range and "
           "input over 4096 characters", on="map_error")
def _speech_lax(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if ctx.path == "/v1/audio/speech" and err.param in ("model", "voice", "response_format", "speed",
                                                                       "input") else err


@deviation("speech.sse_ignored", "stream_format sse is answered with plain audio", on="speech_request")
def _sse_ignored(req: SpeechRequest) -> SpeechRequest:
    return replace(req, stream_format="audio")


@deviation("speech.sse_no_done", "the speech event stream ends without speech.audio.done", on="speech_reply")
def _sse_no_done(reply: Reply | StreamReply, req: SpeechRequest) -> Reply | StreamReply:
    return replace(reply, frames=reply.frames[:-1]) if isinstance(reply, StreamReply) else reply


@deviation("transcription.mishears", "the transcript has none of the spoken words", on="transcription_reply")
def _mishears(reply: Reply, req: TranscriptionRequest) -> Reply:
    if reply.status != 200:
        return reply
    text = reply.body.decode()
    for word in ("quick", "brown", "fox", "lazy", "dog", "Seven", "bright", "kites", "green", "hill", "jumps",
                 "above", "over", "the", "The", "fly", "seven"):
        text = text.replace(word, "blah")
    return replace(reply, body=text.encode())


@deviation("transcription.text_as_json", "text, srt and vtt are answered as JSON {\"text\": ...}",
           on="transcription_reply")
def _text_as_json(reply: Reply, req: TranscriptionRequest) -> Reply:
    if reply.status == 200 and req.response_format in ("text", "srt", "vtt"):
        return json_reply(200, {"text": reply.body.decode()})
    return reply


@deviation("transcription.segments_unordered", "segments and cues come last one first", on="transcription_reply")
def _unordered(reply: Reply, req: TranscriptionRequest) -> Reply:
    if reply.status != 200:
        return reply
    if req.response_format == "verbose_json":
        body = json.loads(reply.body)
        body["segments"] = body["segments"][::-1]
        return json_reply(200, body)
    if req.response_format == "srt":
        cues = reply.body.decode().strip().split("\n\n")
        return replace(reply, body=("\n\n".join(cues[::-1]) + "\n").encode())
    if req.response_format == "vtt":
        head, *cues = reply.body.decode().strip().split("\n\n")
        return replace(reply, body=("\n\n".join([head, *cues[::-1]]) + "\n").encode())
    return reply


@deviation("transcription.words_ignored", "timestamp_granularities[]=word gives no words", on="transcription_request")
def _words_ignored(req: TranscriptionRequest) -> TranscriptionRequest:
    return replace(req, granularities=("segment",))


@deviation("transcription.language_unreported", "verbose_json says the language is 'unknown'",
           on="transcription_reply")
def _language(reply: Reply, req: TranscriptionRequest) -> Reply:
    if reply.status == 200 and req.response_format == "verbose_json":
        return json_reply(200, {**json.loads(reply.body), "language": "unknown"})
    return reply


@deviation("transcription.language_ignored", "the language field has no effect: the audio's own language is "
           "reported and transcribed (as faster-whisper-server)", on="transcription_request")
def _language_ignored(req: TranscriptionRequest) -> TranscriptionRequest:
    return replace(req, language=None)


@deviation("transcription.prompt_ignored", "the prompt has no effect", on="transcription_request")
def _prompt_ignored(req: TranscriptionRequest) -> TranscriptionRequest:
    return replace(req, prompt=None)


@deviation("transcription.temperature_rejected", "any temperature is rejected with 400", on="transcription_request")
def _temperature_rejected(req: TranscriptionRequest) -> TranscriptionRequest:
    if req.temperature_given:
        raise Halt(ApiError(400, "temperature is not supported", param="temperature", code="unsupported_parameter"))
    return req


@deviation("transcription.model_ignored", "an unknown transcription model is taken as the served one", on="map_error")
def _model_ignored(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if ctx.path == "/v1/audio/transcriptions" and err.param == "model" else err


@deviation("transcription.validation_lax", "transcription takes a non-audio file, an unknown language and "
           "temperature 5", on="map_error")
def _transcription_lax(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if ctx.path == "/v1/audio/transcriptions" and err.param in ("file", "language", "temperature") \
        and err.code != "missing_required_parameter" else err


@deviation("transcription.not_audio_500", "a file that is not audio crashes the server (500)", on="map_error")
def _not_audio_500(err: ApiError, ctx: HttpCtx) -> Any:
    return text_reply(500, "Internal Server Error") if err.code == "invalid_file_format" else err
