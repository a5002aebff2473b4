"""Guards around one run: one writer per output folder, and SIGTERM handled like Ctrl-C."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows; the folder lock is then not taken
    fcntl = None  # type: ignore[assignment]


T = TypeVar("T")


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


# Set by a stop signal inside terminate_as_interrupt. The KeyboardInterrupt the handler raises is lost when the
# signal lands in a finalizer or a weakref callback (Python prints "Exception ignored" and goes on): the places
# that wait (each check's result, the bundled replays) read this too, so one SIGTERM always stops the run.
_STOP = threading.Event()
POLL_S = 0.5  # how often a wait looks at _STOP


def stop_requested() -> bool:
    """Whether SIGTERM or Ctrl-C came while a run was guarded (even if its KeyboardInterrupt got lost)."""
    return _STOP.is_set()


def raise_if_stopped() -> None:
    """Raise the KeyboardInterrupt a stop signal asked for, if it has not reached the run yet."""
    if _STOP.is_set():
        raise KeyboardInterrupt("stop signal")


def result_of(fut: Future[T]) -> T:
    """The future's result; a stop signal whose KeyboardInterrupt got lost still ends the wait."""
    while True:
        try:
            return fut.result(timeout=POLL_S)
        except FutureTimeout:
            raise_if_stopped()


@contextmanager
def terminate_as_interrupt() -> Iterator[Callable[[], bool]]:
    """Inside the block SIGTERM raises KeyboardInterrupt, so a run stops as on Ctrl-C and writes what it has.

    Yields a function that tells whether SIGTERM (not Ctrl-C) was the reason.
    """
    got: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return

    def on_signal(signum: int, frame: object) -> None:
        got.append(signum)
        _STOP.set()
        raise KeyboardInterrupt("SIGTERM" if signum == signal.SIGTERM else "SIGINT")

    _STOP.clear()
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, on_signal)}
    # Ctrl-C too, so a lost interrupt is seen at the next wait; not where SIGINT is ignored (a background job).
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, on_signal)
    try:
        yield lambda: signal.SIGTERM in got
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
