"""When the client matrix runs: beside the checks that need no idle server, on request slots set aside for it.

The clients' requests are not timed against each other or against the checks; what must hold is that a
client's own timeout means what it says (its request never waits for a slot), that the run never has more
than --concurrency requests in flight, and that a scenario whose answer depends on an idle server (`alone`,
as the checks say it) gets one. So, live, the matrix takes some of the run's slots for itself once the alone
checks are done (each client sends one request at a time, and never more clients run than slots were taken),
gives them back when it is done, and its alone scenarios run after everything else, one client at a time.
On replay nothing is timed and nothing shares a server: every client runs every scenario at once.
"""

from __future__ import annotations

import threading
from typing import Any

from conformance.clients import process
from conformance.clients.cells import Cell, cell_id
from conformance.clients.registry import CLIENTS
from conformance.clients.runner import run_matrix, selected
from conformance.clients.scenarios import Scenario
from conformance.context import Run


def budgeted(run: Run) -> bool:
    """A budget is the checks' first: the clients take what is left, one after the other, as they always did."""
    b = run.limits.budget
    return b.max_requests is not None or b.max_tokens is not None or b.max_duration_s is not None


def lanes(run: Run, concurrency: int) -> int | None:
    """How many clients run at once beside the checks (None: the matrix waits for the checks to end)."""
    if budgeted(run):
        return None
    if run.replay:
        return len(CLIENTS)  # the recording answers at once: no server to share
    if concurrency < 2:
        return None  # one request at a time: the checks' slot cannot be shared
    return max(1, min(len(CLIENTS), concurrency // 2))


def after_checks(run: Run, concurrency: int) -> int:
    """How many clients run at once when the matrix runs after the checks."""
    if budgeted(run):
        return 1
    return len(CLIENTS) if run.replay else max(1, concurrency)


def _first(run: Run) -> Any:
    """The scenarios of the matrix's first part: all on replay, else those that need no idle server."""
    return None if run.replay else (lambda s: not s.alone)


def _idle(s: Scenario) -> bool:
    return s.alone


def finish(run: Run, only: str | None, tape: Any, procs: process.Processes, first: list[Cell]) -> list[Cell]:
    """Live, the alone scenarios, one client at a time on a server with nothing else to do; every cell in
    the matrix's order (that of CLIENTS and SCENARIOS)."""
    rest = [] if run.replay else run_matrix(run, only, tape, 1, procs, part=_idle)
    by_id = {c.id: c for c in [*first, *rest]}
    order = [cell_id(c.name, s.id) for c, s in selected(only)]
    return [by_id[i] for i in order if i in by_id]


def after(run: Run, only: str | None, tape: Any, concurrency: int, procs: process.Processes) -> list[Cell]:
    """The whole matrix after the checks."""
    first = run_matrix(run, only, tape, after_checks(run, concurrency), procs, part=_first(run))
    return finish(run, only, tape, procs, first)


class Alongside:
    """One run's matrix, its first part running in a thread of its own; cells() waits for it and runs the rest."""

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
        taken = 0
        try:
            # Replay has no server to protect: the clients get slots of their own and the checks keep theirs.
            for _ in range(0 if run.replay else self._at_once):
                run.in_flight.acquire()
                taken += 1
            self._cells = run_matrix(run, self._only, self._tape, self._at_once, self._procs,
                                     threading.BoundedSemaphore(self._at_once), part=_first(run))
        except BaseException as exc:  # noqa: BLE001 - handed to the session's end, which reports it
            self._error = exc
        finally:
            for _ in range(taken):
                run.in_flight.release()

    def cells(self) -> list[Cell]:
        """Every cell, once the checks are done: the first part's, then the alone scenarios' (live)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return finish(self._run, self._only, self._tape, self._procs, self._cells)

    def stop(self) -> None:
        """The run was interrupted: kill the clients and wait for the thread (its cells are not reported)."""
        self._procs.close()
        self._thread.join(timeout=30)
