"""Guards around one run: one writer per output folder, and SIGTERM handled like Ctrl-C."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows; the folder lock is then not taken
    fcntl = None  # type: ignore[assignment]


class Busy(Exception):
    """Another run is writing into the same output folder."""


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the folder itself (no lock file to leave behind); refuse if taken."""
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"another oai-conformance run is writing into {folder}; wait for it to finish "
                       "or give another --output") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock, even if the process dies


@contextmanager
def terminate_as_interrupt() -> Iterator[Callable[[], bool]]:
    """Inside the block SIGTERM raises KeyboardInterrupt, so a run stops as on Ctrl-C and writes what it has.

    Yields a function that tells whether SIGTERM (not Ctrl-C) was the reason.
    """
    got: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return

    def on_term(signum: int, frame: object) -> None:
        got.append(signum)
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield lambda: bool(got)
    finally:
        signal.signal(signal.SIGTERM, previous)
