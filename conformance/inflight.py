"""Which checks have a request at the server right now, for the console's heartbeat to name."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_sending: dict[str, list[float]] = {}  # check id -> when each of its requests in flight was sent


@contextmanager
def sending(check_id: str) -> Iterator[None]:
    """Mark one request of check_id as at the server while the block runs."""
    with _lock:
        _sending.setdefault(check_id, []).append(time.monotonic())
    try:
        yield
    finally:
        with _lock:
            since = _sending.get(check_id, [])
            if since:
                since.pop(0)
            if not since:
                _sending.pop(check_id, None)


def snapshot() -> dict[str, float]:
    """Check id -> when its oldest request in flight was sent."""
    with _lock:
        return {cid: min(times) for cid, times in _sending.items() if times}
