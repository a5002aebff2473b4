"""Clients that never finish: the matrix must kill them at their deadline (tests/test_clients.py)."""

from __future__ import annotations

import time

from conformance.clients.lines import Context, main


def _hang(ctx: Context) -> None:
    time.sleep(3600)


def _chatter(ctx: Context) -> None:
    """Never done, but never silent either: a deadline, not a silence limit, must stop it."""
    while True:
        print("still working", flush=True)
        time.sleep(0.05)


if __name__ == "__main__":
    main("hang", "openai", {"chat.create": _hang, "chat.stream": _chatter}, {})
