"""The client matrix run beside the checks that do not need an idle server, on request slots set aside for it.

The clients' requests are not timed against each other or against the checks; what must hold is that a
client's own timeout means what it says (its request never waits for a slot) and that the run never has more
than --concurrency requests in flight. So the matrix takes some of the run's slots for itself before its clients
start (each client sends one request at a time, and never more clients run than slots were taken), and gives
them back when it is done. The alone checks have run by then: they had the server to themselves.
"""

from __future__ import annotations

import threading
from typing import Any

from conformance.clients import process
from conformance.clients.cells import Cell
from conformance.clients.registry import CLIENTS
from conformance.clients.runner import run_matrix
from conformance.context import Run


def budgeted(run: Run) -> bool:
    """A budget is the checks' first: the clients take what is left, one after the other, as they always did."""
    b = run.limits.budget
    return b.max_requests is not None or b.max_tokens is not None or b.max_duration_s is not None


def after_checks(run: Run, concurrency: int) -> int:
    """How many clients run at once when the matrix runs after the checks."""
    if budgeted(run):
        return 1
    return len(CLIENTS) if run.replay else max(1, concurrency)


def lanes(run: Run, concurrency: int) -> int | None:
    """How many clients run at once beside the checks (None: the matrix waits for the checks to end)."""
    if budgeted(run):
        return None
    if run.replay:
        return len(CLIENTS)  # the recording answers at once: no server to share
    if concurrency < 2:
        return None  # one request at a time: the checks' slot cannot be shared
    return max(1, min(len(CLIENTS), concurrency // 2))


class Alongside:
    """One run's matrix, running in a thread of its own; cells() waits for it."""

    def __init__(self, run: Run, only: str | None, tape: Any, at_once: int, procs: process.Processes) -> None:
        self._run, self._only, self._tape, self._at_once, self._procs = run, only, tape, at_once, procs
        self._cells: list[Cell] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="conformance-matrix", daemon=True)

    def start(self) -> None:
        """Take the slots and start the clients."""
        self._thread.start()

    def _work(self) -> None:
        run = self._run
        # Replay has no server to protect: the clients get slots of their own and the checks keep theirs.
        taken = 0
        try:
            for _ in range(0 if run.replay else self._at_once):
                run.in_flight.acquire()
                taken += 1
            self._cells = run_matrix(run, self._only, self._tape, self._at_once, self._procs,
                                     threading.BoundedSemaphore(self._at_once))
        except BaseException as exc:  # noqa: BLE001 - handed to the session's end, which reports it
            self._error = exc
        finally:
            for _ in range(taken):
                run.in_flight.release()

    def cells(self) -> list[Cell]:
        """The matrix's cells, once every client is done."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._cells

    def stop(self) -> None:
        """The run was interrupted: kill the clients and wait for the thread (its cells are not reported)."""
        self._procs.close()
        self._thread.join(timeout=30)
