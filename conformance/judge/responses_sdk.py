"""The official openai client judging /v1/responses answers: create, stream (its accumulated final response), retrieve.

Same in-memory transport as openai_sdk.py: the client reads the bytes the suite received, nothing is sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conformance import sse
from conformance.judge.openai_sdk import Judgement, _client, _raised, _verdict  # one judge, one client recipe

TERMINAL = ("response.completed", "response.incomplete", "response.failed")


@dataclass(frozen=True)
class ResponseReading:
    """What a client reads from a response: its text, its function calls' arguments and its status."""

    text: Any
    arguments: tuple[Any, ...]
    status: Any


def judge(method: str, path: str, request_body: Any, status: int, headers: Iterable[tuple[str, str]],
          body: bytes) -> Judgement | None:
    """Hand one 2xx /responses answer to the SDK call that would have made the request; None if none would."""
    if method == "POST" and path.endswith("/responses"):
        asked = request_body.get("stream") if isinstance(request_body, dict) else None
        if asked is not None and not isinstance(asked, bool):
            return None
        return _stream(status, headers, body) if asked else _create(status, headers, body)
    if method == "GET" and "/responses/" in path:
        return _retrieve(status, headers, body, path.rsplit("/responses/", 1)[1])
    return None


def reading(resp: Any) -> ResponseReading:
    """The suite's reading of a Response object (values as they are, nothing coerced)."""
    output = resp.get("output") if isinstance(resp, dict) else None
    items = [i for i in output if isinstance(i, dict)] if isinstance(output, list) else []
    texts = [p.get("text") for i in items if i.get("type") == "message" and isinstance(i.get("content"), list)
             for p in i["content"] if isinstance(p, dict) and p.get("type") == "output_text"]
    text = "".join(t for t in texts if isinstance(t, str))
    args = tuple(i.get("arguments") for i in items if i.get("type") == "function_call")
    return ResponseReading(text, args, resp.get("status") if isinstance(resp, dict) else None)


def _sdk_reading(resp: Any) -> ResponseReading:
    """Read the SDK's Response the way client code does: attribute access, output_text as the SDK joins it."""
    args = tuple(o.arguments for o in resp.output if o.type == "function_call")
    return ResponseReading(resp.output_text, args, resp.status)


def differences(suite: ResponseReading, sdk: ResponseReading) -> str | None:
    """Where the SDK read the same bytes differently, or None."""
    found = [f"{k} {getattr(sdk, k)!r:.120}, the bytes say {getattr(suite, k)!r:.120}"
             for k in ("text", "arguments", "status") if getattr(sdk, k) != getattr(suite, k)]
    return "; ".join(found) or None


def _compare(suite: ResponseReading, sdk_response: Any) -> str | None:
    try:
        sdk = _sdk_reading(sdk_response)
    except Exception as exc:  # noqa: BLE001 - reading the SDK's own result failed: what client code meets
        return f"reading the result: {_raised(exc)}"
    return differences(suite, sdk)


def _create(status: int, headers: Iterable[tuple[str, str]], body: bytes) -> Judgement:
    def run() -> str | None:
        resp = _client(status, headers, body).responses.create(model="judge", input="judge")
        try:
            suite = reading(json.loads(body))
        except ValueError:
            suite = ResponseReading(None, (), None)
        return _compare(suite, resp)
    return _verdict("responses.create", run)


def _stream(status: int, headers: Iterable[tuple[str, str]], body: bytes) -> Judgement:
    parsed = sse.parse(body.decode("utf-8", "replace"))
    events = [c for c in parsed.chunks if isinstance(c, dict)]
    ends = [e for e in events if e.get("type") in TERMINAL]

    def run() -> str | None:
        taken = 0
        manager = _client(status, headers, body).responses.stream(model="judge", input="judge")
        try:
            with manager as stream:
                for _ in stream:
                    taken += 1
                # The helper hands out a final response for response.completed only, by design.
                final = stream.get_final_response() if ends and ends[-1].get("type") == TERMINAL[0] else None
        except Exception as exc:  # noqa: BLE001 - any exception here is the finding; say how far the helper got
            return f"{_raised(exc)} (after {taken} of the {len(events)} events the suite read)"
        if final is None:
            return None
        return _compare(reading(ends[-1].get("response")), final)
    return _verdict("responses.stream", run)


def _retrieve(status: int, headers: Iterable[tuple[str, str]], body: bytes, response_id: str) -> Judgement:
    def run() -> str | None:
        resp = _client(status, headers, body).responses.retrieve(response_id)
        try:
            suite = reading(json.loads(body))
        except ValueError:
            suite = ResponseReading(None, (), None)
        return _compare(suite, resp)
    return _verdict("responses.retrieve", run)
