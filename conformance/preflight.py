"""Before any check: is anything answering HTTP at the base URL, and what server is it."""

from __future__ import annotations

from typing import Any

from conformance.http import Client, TransportError


class Unreachable(Exception):
    """Nothing usable answered at the base URL; the message says what was tried."""


def probe(client: Client) -> dict[str, Any]:
    """GET /models once; any HTTP answer means reachable. Returns what the server says of itself."""
    try:
        ex = client.send("GET", "/models")
    except TransportError as exc:
        raise Unreachable(
            f"the target at {client.target.base_url} did not answer: {exc}. "
            "Is the server running, and does the base URL end in /v1?"
        ) from None
    info: dict[str, Any] = {"models_status": ex.status}
    server = ex.response_headers.get("server")
    if server:
        info["server_header"] = server
    body = ex.response_body
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        info["models"] = [m.get("id") for m in body["data"] if isinstance(m, dict)][:20]
    return info
