"""A failing example as a command anyone can paste: curl, with the API key left in its environment variable."""

from __future__ import annotations

import json
from typing import Any

from conformance import redact
from conformance.config import check_env_name
from conformance.model import Target, public_url


def _quote(text: str) -> str:
    """Single-quote for a POSIX shell: nothing inside is expanded."""
    return "'" + text.replace("'", "'\\''") + "'"


def body_text(body: Any) -> str:
    """The request body as compact JSON (the same document that was sent, without the padding)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def curl(target: Target, path: str, body: Any, *, stream: bool = False) -> str:
    """A ready-to-paste curl command for one request to the target."""
    url = public_url(target.base_url.rstrip("/") + path)
    parts = ["curl", "-sS"] + (["-N"] if stream else []) + [_quote(url), "-H", _quote("Content-Type: application/json")]
    if target.api_key is not None:
        # Only the variable is expanded (its name is checked: never shell code); the key is never written.
        parts += ["-H", f'"Authorization: Bearer ${check_env_name(target.api_key_env)}"']
    secret = redact.for_target(target).headers
    for name, value in target.extra_headers.items():
        parts += ["-H", _quote(f"{name}: {redact.REDACTED if name.lower() in secret else value}")]
    parts += ["-d", _quote(body_text(body))]
    return " ".join(parts)
