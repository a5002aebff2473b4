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
TOOL_MAX_TOKENS = 64
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
    """One call of get_weather whose arguments are a JSON object with a string city."""
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
    if not isinstance(parsed, dict) or not isinstance(parsed.get("city"), str):
        raise Wrong(f"expected arguments {{city: string}}, got {json.dumps(parsed)[:300]}", value)
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
    return value


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
