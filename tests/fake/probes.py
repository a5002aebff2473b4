"""One probe per deviation: an observation that differs between the conformant fake and the deviant one."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.fake.schema_check import problems

MODEL = "fake-model"
KEY = "sk-fake-key"
PROMPT = "Say hello in one short sentence."
EXACT = "Say exactly: one two three four"
SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
          "required": ["name", "age"], "additionalProperties": False}
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
           "required": ["city", "unit"], "additionalProperties": False}
TOOLS: list[dict[str, Any]] = [
    {"type": "function", "function": {"name": "get_weather", "description": "Weather", "parameters": WEATHER}},
    {"type": "function", "function": {"name": "get_time", "parameters": {
        "type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]}}},
]


def png_bytes() -> bytes:
    """A real 1x1 PNG, built with the standard library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) \
        + chunk(b"IEND", b"")


PNG_URL = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
CORRUPT_URL = "data:image/png;base64," + base64.b64encode(b"definitely not an image").decode()


def image_message(url: str, **extra: Any) -> dict[str, Any]:
    """A user message with a text part and an image part."""
    return {"role": "user", "content": [{"type": "text", "text": "What is in this image?"},
                                        {"type": "image_url", "image_url": {"url": url, **extra}}]}


@dataclass(frozen=True)
class Api:
    """A thin httpx wrapper for probing one fake server (clients are shared: building one is slow)."""

    client: httpx.Client
    base_url: str
    key: str | None = None

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def _auth(self, auth: str | None) -> dict[str, str]:
        token = self.key if auth == "default" else auth
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, auth: str | None = "default") -> httpx.Response:
        """GET a path under /v1."""
        return self.client.get(self._url(path), headers=self._auth(auth))

    def post(self, path: str, body: Any = None, content: bytes | None = None,
             auth: str | None = "default") -> httpx.Response:
        """POST JSON (or raw bytes) to a path under /v1."""
        if content is not None:
            return self.client.post(self._url(path), content=content, headers=self._auth(auth))
        return self.client.post(self._url(path), json=body, headers=self._auth(auth))

    def chat(self, **fields: Any) -> httpx.Response:
        """POST a chat completion with defaults filled in."""
        body = {"model": MODEL, "messages": [{"role": "user", "content": PROMPT}], "temperature": 0, **fields}
        return self.post("chat/completions", body)

    def body(self, **fields: Any) -> dict[str, Any]:
        """A chat completion body (whatever the status)."""
        resp = self.chat(**fields)
        try:
            body: dict[str, Any] = resp.json()
            return body
        except ValueError:
            return {"_status": resp.status_code, "_text": resp.text}

    def content(self, **fields: Any) -> Any:
        """The first choice's content."""
        body = self.body(**fields)
        return body["choices"][0]["message"].get("content") if "choices" in body else body

    def stream(self, **fields: Any) -> tuple[httpx.Response, str]:
        """A streamed chat completion: the response and its raw text."""
        resp = self.chat(stream=True, **fields)
        return resp, resp.text


def parse_frames(text: str) -> list[Any]:
    """The data payloads of an SSE text, JSON-decoded where possible, in order."""
    out: list[Any] = []
    for event in text.replace("\r\n", "\n").split("\n\n"):
        for line in event.split("\n"):
            if line.startswith("data:"):
                payload = line[5:].removeprefix(" ")
                try:
                    out.append(json.loads(payload) if payload != "[DONE]" else "[DONE]")
                except ValueError:
                    out.append(("invalid", payload))
    return out


def stream_chunks(api: Api, **fields: Any) -> list[dict[str, Any]]:
    """The chunk objects of a stream."""
    return [c for c in parse_frames(api.stream(**fields)[1]) if isinstance(c, dict)]


def streamed_text(chunks: list[dict[str, Any]], index: int = 0) -> str:
    """The concatenated content deltas of one choice."""
    return "".join(c["delta"].get("content") or "" for ch in chunks for c in ch["choices"] if c["index"] == index)


def framing(api: Api) -> tuple[Any, ...]:
    """How a stream is framed: content type, line endings, data prefixes, comments, order of [DONE]."""
    resp, text = api.stream(max_tokens=3)
    lines = text.split("\n")
    shape = tuple("ping" if ln.startswith(":") else ln[:6] if ln.startswith("data") else ln for ln in lines
                  if not ln.startswith("data: {") and not ln.startswith("data:{"))
    kinds = tuple(type(p).__name__ if p != "[DONE]" else "DONE" for p in parse_frames(text))
    return resp.headers["content-type"], shape, kinds


def chunk_shape(chunks: list[dict[str, Any]]) -> list[Any]:
    """Per chunk: object, same id/created as the first, usage presence, and per-choice delta keys."""
    first = chunks[0] if chunks else {}
    return [(c.get("object"), c.get("id") == first.get("id"), c.get("created") == first.get("created"),
             "usage" in c, c.get("usage") is not None,
             [(x["index"], sorted(x["delta"]), x["finish_reason"], x.get("logprobs") is None) for x in c["choices"]])
            for c in chunks]


def body_shape(body: dict[str, Any]) -> tuple[Any, ...]:
    """Keys and types of a chat completion, its finish reasons and whether usage adds up."""
    usage = body.get("usage") or {}
    return (sorted(body), body.get("object"), type(body.get("created")).__name__,
            [(c.get("index"), sorted(c), sorted(c["message"]), c.get("finish_reason")) for c in body["choices"]],
            usage.get("total_tokens") == usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0))


def tool_shape(body: dict[str, Any]) -> Any:
    """Finish reason, content and each call's keys, argument type, declared name and argument validity."""
    if "choices" not in body:
        return body
    choice = body["choices"][0]
    schemas = {t["function"]["name"]: t["function"].get("parameters", {}) for t in TOOLS}
    calls = []
    for call in choice["message"].get("tool_calls") or []:
        fn = call["function"]
        args = fn["arguments"]
        valid = isinstance(args, str) and fn["name"] in schemas and not problems(json.loads(args), schemas[fn["name"]])
        calls.append((sorted(call), type(args).__name__, fn["name"], valid))
    return choice["finish_reason"], choice["message"]["content"], calls


def streamed_tool_shape(api: Api, **fields: Any) -> Any:
    """The tool-call deltas of a stream, and whether each call's arguments join to valid JSON."""
    deltas = [t for ch in stream_chunks(api, **fields) for c in ch["choices"] for t in c["delta"].get("tool_calls", [])]
    joined: dict[Any, str] = {}
    for d in deltas:
        joined[d.get("index")] = joined.get(d.get("index"), "") + d.get("function", {}).get("arguments", "")
    return [sorted(d) for d in deltas], [_is_json(a) for a in joined.values()]


def logprob_shape(body: dict[str, Any]) -> Any:
    """Logprobs layout, sign, top counts and whether tokens rebuild the content."""
    choice = body["choices"][0]
    lp = choice.get("logprobs")
    if not isinstance(lp, dict) or "content" not in lp:
        return type(lp).__name__, sorted(lp) if isinstance(lp, dict) else None
    entries = lp["content"] or []
    return (sorted(lp), all(e["logprob"] <= 0 for e in entries), {len(e["top_logprobs"]) for e in entries},
            "".join(e["token"] for e in entries) == choice["message"]["content"])


def json_kind(content: Any) -> str:
    """The JSON type a content string holds, or 'invalid'."""
    try:
        return type(json.loads(content)).__name__
    except (TypeError, ValueError):
        return "invalid"


def _is_json(text: str) -> bool:
    return json_kind(text) != "invalid"


def error_shape(resp: httpx.Response) -> tuple[int, str, str]:
    """Status, media type and raw body of an error answer."""
    return resp.status_code, resp.headers.get("content-type", "").split(";")[0], resp.text


Probe = Callable[[Api], Any]
TOOL_TURN = [{"role": "user", "content": "weather in Paris?"},
             {"role": "assistant", "content": None, "tool_calls": [
                 {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
             {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]
