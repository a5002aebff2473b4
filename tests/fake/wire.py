"""HTTP-level values shared by the handler, the app and the deviation hooks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class HttpCtx:
    """One received request, as the app and the hooks see it."""

    method: str
    path: str  # without the query string
    raw_path: str
    headers: Mapping[str, str]  # names lower-cased
    body: Any  # the parsed JSON body, or None when absent or malformed
    raw: bytes


@dataclass(frozen=True)
class Reply:
    """A complete (not streamed) HTTP response."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: Headers = ()


@dataclass(frozen=True)
class StreamReply:
    """A streamed response: each frame is written and flushed on its own."""

    status: int
    frames: tuple[str, ...]
    content_type: str = "text/event-stream"
    headers: Headers = (("Cache-Control", "no-cache"),)


def json_reply(status: int, obj: Any, headers: Headers = ()) -> Reply:
    """A JSON response."""
    return Reply(status, json.dumps(obj).encode(), "application/json", headers)


def text_reply(status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> Reply:
    """A text response (what crashing or non-API servers send)."""
    return Reply(status, text.encode(), content_type)
