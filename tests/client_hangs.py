"""A client that never answers: the matrix must kill it at its deadline (tests/test_clients.py)."""

from __future__ import annotations

import time

from conformance.clients.lines import Context, main


def _hang(ctx: Context) -> None:
    time.sleep(3600)


if __name__ == "__main__":
    main("hang", "openai", {"chat.create": _hang, "chat.stream": _hang}, {})
