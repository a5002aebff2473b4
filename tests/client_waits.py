"""Clients that get the server's whole answer and never finish: the matrix must call that a break, not a timeout."""

from __future__ import annotations

import json
import os
import time
import urllib.request

from conformance.clients.lines import Context, main


def _ask(ctx: Context) -> str:
    """One chat request through the proxy, read to the end."""
    body = json.dumps({"model": ctx.model, "messages": [{"role": "user", "content": "Say hello."}],
                       "max_tokens": 8}).encode()
    req = urllib.request.Request(f"{ctx.base_url}/chat/completions", body, {
        "Content-Type": "application/json", "Authorization": f"Bearer {ctx.api_key}"})
    with urllib.request.urlopen(req, timeout=ctx.timeout_s) as resp:
        return resp.read().decode()


def _waits(ctx: Context) -> None:
    """Like ModelFusion's streamText on a stream without [DONE]: the answer is in, the client waits on."""
    _ask(ctx)
    time.sleep(3600)


def _exits(ctx: Context) -> None:
    """Like Node with a promise that never settles: the process ends without a result."""
    _ask(ctx)
    os._exit(0)


def _answers(ctx: Context) -> str:
    return json.loads(_ask(ctx))["choices"][0]["message"]["content"]


if __name__ == "__main__":
    main("waits", "openai", {"chat.create": _waits, "chat.stream": _exits, "chat.tools": _answers}, {})
