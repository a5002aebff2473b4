"""What every scenario expects of a client's result: the same bar as conformance/clients/node/expect.mjs."""

from __future__ import annotations

import json
import math
from typing import Any

from conformance.clients.lines import Wrong

PROMPT = "Say hello in one short sentence."
COMPLETION_PROMPT = "The capital of France is"
MAX_TOKENS = 16
STRUCTURED_PROMPT = 'Is Paris in France? Answer with JSON {"answer": "yes"} or {"answer": "no"}.'
STRUCTURED_MAX_TOKENS = 64
TOOL_PROMPT = "What is the weather in Paris?"
TOOL_MAX_TOKENS = 80  # as the suite's own tool checks; keep equal to expect.mjs
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
TOOL_CHOICE = {"type": "function", "function": {"name": "get_weather"}}
EMBED_INPUT = "The quick brown fox"
SPEECH_INPUT = "Hello."
RESPONSE_MAX_TOKENS = 16  # the least max_output_tokens OpenAI takes
# What the transcription checks allow a tiny model to mishear (conformance/checks/audio/transcription.py).
MAX_WER = 0.5
# The image the image checks ask for: their prompt and their cheapest size (conformance/checks/images/common.py).
IMAGE_PROMPT = "A red square on a white background."
IMAGE_SIZE = "64x64"
# The media type each image format is labelled with (what a client that labels images should say).
IMAGE_MEDIA = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
# The first bytes of each audio format a speech endpoint may answer with.
_MAGIC = ((b"RIFF", "wav"), (b"ID3", "mp3"), (b"\xff\xfb", "mp3"), (b"\xff\xf3", "mp3"), (b"\xff\xf2", "mp3"),
          (b"fLaC", "flac"), (b"OggS", "opus"), (b"\xff\xf1", "aac"), (b"\xff\xf9", "aac"))


def text(value: Any) -> str:
    """Non-empty text."""
    if not isinstance(value, str) or not value:
        raise Wrong(f"expected non-empty text, got {json.dumps(value)[:300]}", value)
    return value


def answer(value: Any) -> Any:
    """{"answer": "yes"|"no"} (a parsed model or a dict)."""
    data = value.model_dump() if hasattr(value, "model_dump") else value
    if not isinstance(data, dict) or data.get("answer") not in ("yes", "no"):
        raise Wrong(f'expected an object {{"answer": "yes"|"no"}}, got {json.dumps(data, default=str)[:300]}', data)
    return data


def tool_call(name: Any, arguments: Any) -> dict[str, Any]:
    """One call of get_weather whose arguments are a JSON object."""
    parsed = arguments
    if isinstance(arguments, str):
        try:
            parsed = json.loads(arguments)
        except ValueError:
            raise Wrong(f"tool call arguments are not JSON: {arguments[:300]!r}",
                        {"name": name, "arguments": arguments}) from None
    value = {"name": name, "arguments": parsed}
    if name != "get_weather":
        raise Wrong(f"expected a call of get_weather, got {name!r}", value)
    # A JSON object is what clients need to hand the arguments on. Which keys the model wrote is its own wit:
    # without strict: true OpenAI does not promise the function's schema either.
    if not isinstance(parsed, dict):
        raise Wrong(f"tool call arguments are JSON but not an object: {json.dumps(parsed)[:300]}", value)
    return value


def vectors(items: Any) -> dict[str, Any]:
    """Non-empty vectors of finite numbers."""
    ok = isinstance(items, list) and bool(items) and all(
        isinstance(v, list) and v and all(isinstance(x, (int, float)) and math.isfinite(x) for x in v) for v in items)
    value = ({"count": len(items), "dimensions": len(items[0]) if isinstance(items[0], list) else None,
              "head": items[0][:3] if isinstance(items[0], list) else items[0]}
             if isinstance(items, list) and items else items)
    if not ok:
        raise Wrong(f"expected non-empty vectors of finite numbers, got {json.dumps(value, default=str)[:300]}", value)
    if any(not any(v) for v in items):
        # No text embeds to the origin: all zeros is what decoding an answer of another shape gives (openai-node
        # reads llama-cpp-python's per-token lists, asked for base64 by default, as the one vector [0]).
        raise Wrong(f"a vector of zeros only, which carries nothing: {json.dumps(value, default=str)[:300]}", value)
    return value


# How often the n=2 stream scenario is sent: the order a server starts the two choices in varies from answer to
# answer (llama-server began with choice 1 in 16 of 17 tries), and a stream helper breaks on one order only.
N2_SAMPLES = 3
# Its temperature: two choices at temperature 0 are the same answer twice (applications sample), and vLLM refuses
# them ("n must be 1 when using greedy sampling"), which left its cells judging that refusal, not the helper.
N2_TEMPERATURE = 1


def two_choices(choices: Any) -> list[dict[str, Any]]:
    """Two choices, indexes 0 and 1, each with text."""
    value = [{"index": c.index, "content": c.message.content} for c in choices or []]
    if len(value) != 2 or any(c["index"] != i or not isinstance(c["content"], str) or not c["content"]
                              for i, c in enumerate(value)):
        raise Wrong(f"expected 2 choices with text (n=2), got {json.dumps(value)[:300]}", value)
    return value


def audio_format(data: bytes) -> str:
    """The audio format the bytes start with ('unknown' when none; pcm has no header)."""
    return next((name for magic, name in _MAGIC if data.startswith(magic)), "unknown")


def audio(data: Any) -> dict[str, Any]:
    """Non-empty audio bytes; the value says how many and in which format they came."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise Wrong(f"expected audio bytes, got {type(data).__name__} of {len(data or b'')} bytes", None)
    return {"bytes": len(data), "format": audio_format(bytes(data))}


def transcript(value: Any, spoken: str, response_format: str) -> dict[str, Any]:
    """The transcript the client hands over holds the spoken words (word error rate at most MAX_WER).

    A transcript that is itself a JSON object holding "text" is the server's JSON body handed over as text
    (a text format answered as JSON): the application would show braces and quotes to its user.
    """
    from conformance.checks.audio.common import word_error_rate

    if not isinstance(value, str) or not value.strip():
        raise Wrong(f"expected a non-empty transcript, got {json.dumps(value, default=str)[:300]}", value)
    shown: dict[str, Any] = {"text": value[:300]}
    if response_format == "text" and value.lstrip().startswith("{"):
        try:
            body = json.loads(value)
        except ValueError:
            body = None
        if isinstance(body, dict) and "text" in body:
            raise Wrong(f"response_format text, but the client hands back a JSON body as the transcript: {value[:200]}",
                        shown)
    wer = word_error_rate(spoken, value)
    shown["word_error_rate"] = round(wer, 3)
    if wer > MAX_WER:
        raise Wrong(f"word error rate {wer:.2f} against the uploaded sentence (heard {value[:120]!r})", shown)
    return shown


def image(data: Any, content_type: str | None = None) -> dict[str, Any]:
    """Image bytes whose header reads as PNG, JPEG or WebP; when the client labels them, the label must match."""
    from conformance.checks.images.decode import NotAnImage, image_info

    if not isinstance(data, (bytes, bytearray)) or not data:
        raise Wrong(f"expected image bytes, got {type(data).__name__} of {len(data or b'')} bytes", None)
    try:
        info = image_info(bytes(data))
    except NotAnImage as exc:
        raise Wrong(f"the client's image is not one: {exc}", {"bytes": len(data)}) from None
    value: dict[str, Any] = {"bytes": len(data), "format": info.format, "size": info.size}
    if content_type:
        value["contentType"] = content_type
        if content_type.split(";")[0].strip().lower() != IMAGE_MEDIA[info.format]:
            raise Wrong(f"the client labels the image {content_type}, but the bytes are {info.format}", value)
    return value
