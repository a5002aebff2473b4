"""The run cache: an identical request is sent once per run, and one already in flight is waited for."""

from __future__ import annotations

import threading
from collections.abc import Callable

from conformance.model import Exchange


class SharedCache:
    """Exchanges by request key; safe for checks running on several threads at once."""

    def __init__(self) -> None:
        self._done: dict[str, Exchange] = {}
        self._inflight: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Exchange | None:
        """The finished exchange for key, if any."""
        with self._lock:
            return self._done.get(key)

    def setdefault(self, key: str, ex: Exchange) -> Exchange:
        """Keep ex under key unless an exchange is already there; return the one kept."""
        with self._lock:
            return self._done.setdefault(key, ex)

    def discard(self, key: str) -> None:
        """Forget the finished exchange for key (a later request sends it again)."""
        with self._lock:
            self._done.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._done)

    def fetch(self, key: str, send: Callable[[], Exchange]) -> tuple[Exchange, bool]:
        """The exchange for key and whether it was shared; sends it (once) if nobody has.

        A second check asking for a request in flight waits for the first instead of sending it again;
        if the first one's attempt failed, the waiter tries itself, as it would have in a sequential run.
        """
        while True:
            with self._lock:
                if key in self._done:
                    return self._done[key], True
                event = self._inflight.get(key)
                if event is None:
                    event = self._inflight[key] = threading.Event()
                    break
            event.wait()
        try:
            ex = send()
            with self._lock:
                self._done[key] = ex
            return ex, False
        finally:
            with self._lock:
                del self._inflight[key]
            event.set()
