"""A failing example as a command anyone can paste: curl, with the API key left in its environment variable."""

from __future__ import annotations

import json
from typing import Any

from conformance.http import SECRET_HEADERS
from conformance.model import Target


def _quote(text: str) -> str:
    """Single-quote for a POSIX shell: nothing inside is expanded."""
    return "'" + text.replace("'", "'\\''") + "'"


def body_text(body: Any) -> str:
    """The request body as compact JSON (the same document that was sent, without the padding)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def curl(target: Target, path: str, body: Any, *, stream: bool = False) -> str:
    """A ready-to-paste curl command for one request to the target."""
    url = target.base_url.rstrip("/") + path
    parts = ["curl", "-sS"] + (["-N"] if stream else []) + [_quote(url), "-H", _quote("Content-Type: application/json")]
    if target.api_key is not None:
        # Double quotes: the shell fills in the key; it is never written into the report.
        parts += ["-H", f'"Authorization: Bearer ${target.api_key_env}"']
    for name, value in target.extra_headers.items():
        secret = name.lower() in SECRET_HEADERS or "key" in name.lower()
        parts += ["-H", _quote(f"{name}: {'<redacted>' if secret else value}")]
    parts += ["-d", _quote(body_text(body))]
    return " ".join(parts)
