"""The fake's /v1/audio/speech and /v1/audio/transcriptions: conformant by default, bent by deviation hooks.

Speech answers a sine tone whose pitch is the voice and whose length is the input over the speed, in a
real container built with the standard library (wave, struct, zlib): WAV, MPEG-2 layer III frames of
silence, ADTS frames, Ogg Opus pages with their CRCs, a FLAC STREAMINFO header, raw PCM. Only the headers
are meant to be read (the suite never decodes sound). Transcription "hears" any audio file as the
sentence the suite bundles, and reads its form with the standard library's email parser.
"""

from __future__ import annotations

import base64
import io
import json
import math
import struct
import wave
from dataclasses import dataclass, replace
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from tests.fake.errors import ApiError, Halt
from tests.fake.registry import add_point
from tests.fake.routes import route
from tests.fake.wire import HttpCtx, Reply, StreamReply, json_reply

SPEECH_MODEL = "fake-tts"
TRANSCRIPTION_MODEL = "fake-whisper"
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse",
          "marin", "cedar")
FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
CONTENT_TYPES = {"mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac", "flac": "audio/flac",
                 "wav": "audio/wav", "pcm": "audio/pcm"}
RATE = 24_000
MAX_INPUT = 4096
# What the fake hears in any audio: the sentence of conformance/checks/audio/data/.
HEARD = "The quick brown fox jumps over the lazy dog. Seven bright kites fly above the green hill."
TEXT_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
LANGUAGES = {"en": "english", "fr": "french", "de": "german", "es": "spanish"}  # verbose_json names languages

add_point("speech_request", "(req) -> SpeechRequest: change what the server makes of a speech request")
add_point("speech_reply", "(reply, req) -> Reply | StreamReply: change a speech answer")
add_point("transcription_request",
          "(req) -> TranscriptionRequest: change what the server makes of a transcription request")
add_point("transcription_reply", "(reply, req) -> Reply: change a transcription answer")


@dataclass(frozen=True)
class SpeechRequest:
    """A validated speech request."""

    model: str
    input: str
    voice: str
    response_format: str = "mp3"
    speed: float = 1.0
    stream_format: str = "audio"
    asked_format: str | None = None  # as sent: None when the request left the default to the server


@dataclass(frozen=True)
class TranscriptionRequest:
    """A validated transcription form."""

    model: str
    file: bytes
    filename: str
    response_format: str = "json"
    language: str | None = None
    prompt: str | None = None
    temperature: float = 0.0
    granularities: tuple[str, ...] = ("segment",)
    temperature_given: bool = False


def _bad(message: str, param: str | None, status: int = 400, code: str | None = "invalid_value") -> ApiError:
    return ApiError(status, message, param=param, code=code)


# --- speech ---------------------------------------------------------------------------------------------


def _speech_request(app: Any, ctx: HttpCtx) -> SpeechRequest:
    soft = app.soft(ctx)
    body = ctx.body
    if not isinstance(body, dict):
        raise Halt(_bad("We could not parse the JSON body of your request.", None, code=None))
    for name in ("model", "input", "voice"):
        if name not in body:
            raise Halt(_bad(f"Missing required parameter: '{name}'.", name, code="missing_required_parameter"))
    model, text, voice = body["model"], body["input"], body["voice"]
    if model != SPEECH_MODEL:
        soft(ApiError(404, f"The model '{model}' does not exist", param="model", code="model_not_found", kind="model"))
    if not isinstance(text, str) or not text:
        raise Halt(_bad("'input' must be a non-empty string.", "input"))
    if len(text) > MAX_INPUT:
        soft(replace(_bad(f"'input' is {len(text)} characters; the limit is {MAX_INPUT}.", "input",
                          code="string_above_max_length"), kind="range"))
    if voice not in VOICES:
        soft(_bad(f"Invalid value for 'voice': {voice!r}.", "voice"))
    fmt = body.get("response_format", "mp3")
    if fmt not in FORMATS:
        soft(_bad(f"Invalid value for 'response_format': {fmt!r}; supported: {', '.join(FORMATS)}.",
                  "response_format"))
    speed = body.get("speed", 1.0)
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0.25 <= speed <= 4.0:
        soft(replace(_bad(f"'speed' must be between 0.25 and 4.0, got {speed!r}.", "speed"), kind="range"))
    stream_format = body.get("stream_format", "audio")
    if stream_format not in ("audio", "sse"):
        soft(_bad(f"Invalid value for 'stream_format': {stream_format!r}.", "stream_format"))
    req = SpeechRequest(model, text, str(voice), fmt if fmt in FORMATS else "mp3",
                        float(speed) if isinstance(speed, (int, float)) and not isinstance(speed, bool)
                        and 0.25 <= speed <= 4 else 1.0,
                        str(stream_format), body.get("response_format"))
    shaped: SpeechRequest = app.hooks.pipe("speech_request", req)
    return shaped


def samples(req: SpeechRequest) -> bytes:
    """16-bit mono PCM at 24 kHz: the voice's pitch, as long as the input takes at this speed."""
    # At most 30 s: a deviation that takes over-long input must not make the fake slow.
    seconds = min(30.0, (0.3 + 0.05 * len(req.input)) / max(req.speed, 0.25))
    pitch = 180.0 + 20.0 * (VOICES.index(req.voice) if req.voice in VOICES else 0)
    n = int(RATE * seconds)
    return struct.pack(f"<{n}h", *(int(8000 * math.sin(2 * math.pi * pitch * i / RATE)) for i in range(n)))


def encode(fmt: str, pcm: bytes) -> bytes:
    """The samples in a container of the format."""
    n = len(pcm) // 2
    if fmt == "pcm":
        return pcm
    if fmt == "wav":
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(pcm)
        return out.getvalue()
    if fmt == "mp3":
        # MPEG-2 layer III, 32 kbit/s, 24 kHz, mono, no CRC: 96-byte frames of 576 samples; zero side info is silence.
        header = struct.pack(">I", (0x7FF << 21) | (2 << 19) | (1 << 17) | (1 << 16) | (4 << 12) | (1 << 10) | (3 << 6))
        return b"ID3\x04\x00\x00\x00\x00\x00\x00" + (header + bytes(92)) * max(1, math.ceil(n / 576))
    if fmt == "aac":
        frame = bytes(9)
        length = 7 + len(frame)
        adts = bytes((0xFF, 0xF1, (1 << 6) | (6 << 2), (1 << 6) | (length >> 11), (length >> 3) & 0xFF,
                      ((length & 7) << 5) | 0x1F, 0xFC))
        return (adts + frame) * max(1, math.ceil(n / 1024))
    if fmt == "flac":
        info = (RATE << 44) | (0 << 41) | (15 << 36) | n
        streaminfo = struct.pack(">HH", 4096, 4096) + bytes(6) + info.to_bytes(8, "big") + bytes(16)
        return b"fLaC" + bytes((0x80,)) + len(streaminfo).to_bytes(3, "big") + streaminfo
    if fmt == "opus":
        return _ogg_opus(n)
    raise ValueError(fmt)


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for b in data:
        crc ^= b << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def _ogg_page(packets: list[bytes], granule: int, seq: int, flags: int) -> bytes:
    lacing = b"".join(bytes([255] * (len(p) // 255) + [len(p) % 255]) for p in packets)
    head = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, 0x0A1B2C3D, seq, 0, len(lacing)) + lacing
    page = head + b"".join(packets)
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def _ogg_opus(n: int) -> bytes:
    pre_skip = 312
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, pre_skip, RATE, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"fake" + struct.pack("<I", 0)
    frames = max(1, math.ceil(n * 2 / 960))  # 20 ms packets of 48 kHz samples; a TOC byte alone is a lost frame
    return (_ogg_page([head], 0, 0, 2) + _ogg_page([tags], 0, 1, 0)
            + _ogg_page([b"\xf8"] * min(frames, 255), pre_skip + n * 2, 2, 4))


@route(r"^/v1/audio/speech$", "POST")
def speech(app: Any, ctx: HttpCtx) -> Reply | StreamReply:
    """POST /v1/audio/speech."""
    req = _speech_request(app, ctx)
    audio = encode(req.response_format, samples(req))
    reply: Reply | StreamReply
    if req.stream_format == "sse":
        step = 4096
        deltas = [{"type": "speech.audio.delta", "audio": base64.b64encode(audio[i:i + step]).decode()}
                  for i in range(0, len(audio), step)]
        done = {"type": "speech.audio.done",
                "usage": {"input_tokens": len(req.input.split()), "output_tokens": len(deltas),
                          "total_tokens": len(req.input.split()) + len(deltas)}}
        reply = StreamReply(200, tuple(f"data: {json.dumps(e)}\n\n" for e in (*deltas, done)))
    else:
        reply = Reply(200, audio, CONTENT_TYPES[req.response_format])
    shaped: Reply | StreamReply = app.hooks.pipe("speech_reply", reply, req)
    return shaped


# --- transcription --------------------------------------------------------------------------------------


def _form(ctx: HttpCtx) -> tuple[dict[str, list[str]], dict[str, tuple[str, bytes]]]:
    ctype = ctx.headers.get("content-type", "")
    if not ctype.lower().startswith("multipart/form-data"):
        raise Halt(_bad("The request must be multipart/form-data.", None, code=None))
    msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + ctx.raw)
    fields: dict[str, list[str]] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            files[str(name)] = (part.get_filename() or "", data)
        else:
            fields.setdefault(str(name), []).append(data.decode("utf-8", "replace"))
    return fields, files


def is_audio(data: bytes) -> bool:
    """Whether the bytes start like an audio container OpenAI accepts."""
    return (data[:4] in (b"RIFF", b"fLaC", b"OggS", b"\x1aE\xdf\xa3") or data[:3] == b"ID3" or data[4:8] == b"ftyp"
            or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0))


def _transcription_request(app: Any, ctx: HttpCtx) -> TranscriptionRequest:
    soft = app.soft(ctx)
    fields, files = _form(ctx)
    if "file" not in files:
        raise Halt(_bad("Missing required parameter: 'file'.", "file", code="missing_required_parameter"))
    model = (fields.get("model") or [""])[0]
    if not model:
        raise Halt(_bad("Missing required parameter: 'model'.", "model", code="missing_required_parameter"))
    if model != TRANSCRIPTION_MODEL:
        soft(ApiError(404, f"The model '{model}' does not exist", param="model", code="model_not_found", kind="model"))
    filename, data = files["file"]
    if not is_audio(data):
        soft(_bad("Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', "
                  "'ogg', 'wav', 'webm']", "file", code="invalid_file_format"))
    fmt = (fields.get("response_format") or ["json"])[0]
    if fmt not in TEXT_FORMATS:
        soft(_bad(f"Invalid value for 'response_format': {fmt!r}.", "response_format"))
    language = (fields.get("language") or [None])[0]
    if language is not None and (len(language) != 2 or not language.isalpha()):
        soft(_bad(f"Invalid language {language!r}: use an ISO-639-1 code such as 'en'.", "language"))
    try:
        temperature = float((fields.get("temperature") or ["0"])[0])
    except ValueError:
        temperature = -1.0
    if not 0 <= temperature <= 1:
        soft(replace(_bad("'temperature' must be between 0 and 1.", "temperature"), kind="range"))
    granularities = tuple(fields.get("timestamp_granularities[]") or ("segment",))
    req = TranscriptionRequest(model, data, filename, fmt if fmt in TEXT_FORMATS else "json", language,
                               (fields.get("prompt") or [None])[0], temperature, granularities,
                               "temperature" in fields)
    shaped: TranscriptionRequest = app.hooks.pipe("transcription_request", req)
    return shaped


def _stamp(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def heard(req: TranscriptionRequest) -> str:
    """The transcript: the bundled sentence, lower-cased without punctuation when the prompt is written so."""
    text = HEARD
    if req.prompt and req.prompt == req.prompt.lower() and not any(c in req.prompt for c in ".,"):
        text = "".join(c for c in HEARD.lower() if c.isalnum() or c == " ")
    return text


def render(req: TranscriptionRequest, text: str) -> Reply:
    """The answer in the asked format."""
    words = text.split()
    duration = 5.0
    half = len(words) // 2
    segments = [{"id": i, "seek": 0, "start": s, "end": e, "text": " " + " ".join(ws), "tokens": [1, 2],
                 "temperature": req.temperature, "avg_logprob": -0.2, "compression_ratio": 1.0,
                 "no_speech_prob": 0.01}
                for i, (s, e, ws) in enumerate(((0.0, 2.5, words[:half]), (2.5, duration, words[half:])))]
    if req.response_format == "text":
        return Reply(200, (text + "\n").encode(), "text/plain; charset=utf-8")
    if req.response_format in ("srt", "vtt"):
        sep = "," if req.response_format == "srt" else "."
        cues = [f"{_stamp(s['start'], sep)} --> {_stamp(s['end'], sep)}\n{str(s['text']).strip()}\n" for s in segments]
        body = ("".join(f"{i}\n{c}\n" for i, c in enumerate(cues, 1)) if req.response_format == "srt"
                else "WEBVTT\n\n" + "\n".join(cues))
        return Reply(200, body.encode(), "text/plain; charset=utf-8")
    if req.response_format == "verbose_json":
        # As OpenAI: the language asked for is the one decoded in, and reported by name.
        language = LANGUAGES.get(req.language or "en", req.language)
        out: dict[str, Any] = {"task": "transcribe", "language": language, "duration": duration, "text": text,
                               "segments": segments}
        if "word" in req.granularities:
            step = duration / max(len(words), 1)
            out["words"] = [{"word": w.strip(".,"), "start": round(i * step, 2), "end": round((i + 1) * step, 2)}
                            for i, w in enumerate(words)]
        return json_reply(200, out)
    return json_reply(200, {"text": text, "usage": {"type": "duration", "seconds": 5}})


@route(r"^/v1/audio/transcriptions$", "POST")
def transcription(app: Any, ctx: HttpCtx) -> Reply:
    """POST /v1/audio/transcriptions (multipart/form-data)."""
    req = _transcription_request(app, ctx)
    shaped: Reply = app.hooks.pipe("transcription_reply", render(req, heard(req)), req)
    return shaped
