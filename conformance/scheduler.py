"""Runs the selected checks ahead of pytest, at most N at once; each pytest item then takes its own result.

Results are taken in pytest's order, so every report reads as a sequential run's would. Checks marked
`alone` (their verdict needs an otherwise idle server: delivery timing, state left by the previous
request) run first, one at a time, before anything runs concurrently; their answers are judged (`finish`: the official client's reading, CPU
only) once the concurrent phase has begun, so the idle server does not wait for it. The run's in-flight limit is a
semaphore around each request (Run.in_flight), so there are more threads than requests in flight: a
check waiting for a shared request in flight holds no slot and leaves it to a check that can send.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor

from conformance import guard

from conformance.model import CheckResult, Outcome
from conformance.registry import Check

THREADS_PER_SLOT = 3
MAX_THREADS = 32


class Scheduler:
    """Owns the worker threads of one run."""

    def __init__(self, checks: Sequence[Check], work: Callable[[Check], CheckResult], concurrency: int,
                 together: Callable[[], None] | None = None,
                 finish: Callable[[CheckResult], CheckResult] | None = None,
                 first: Callable[[], None] | None = None) -> None:
        self._checks = list(checks)
        self._work = work
        # Called before any check: what may start then without sending a request.
        self._first = first
        # What completes a check's result without the server (judging its answers); none: work does it all.
        self._finish = finish
        # Called once the alone checks are done: what may start then without disturbing an idle server's timing.
        self._together = together
        # Threads, not requests in flight (Run.in_flight bounds those): checks that wait for a shared
        # request would otherwise leave the server idle.
        self._threads = min(THREADS_PER_SLOT * max(1, concurrency), MAX_THREADS)
        self._results: dict[str, Future[CheckResult]] = {c.spec.id: Future() for c in self._checks}
        self._driver = threading.Thread(target=self._drive, name="conformance-scheduler", daemon=True)
        self._started = False

    def start(self) -> None:
        """Start running checks in the background."""
        if not self._started:
            self._started = True
            self._driver.start()

    def result(self, check_id: str) -> CheckResult:
        """The result of one check, waiting for it if it is still running."""
        self.start()
        return guard.result_of(self._results[check_id])

    def stop(self) -> None:
        """Do not start any more checks (those running finish their current work)."""
        for fut in self._results.values():
            fut.cancel()

    def _drive(self) -> None:
        try:
            try:
                if self._first is not None:
                    self._first()
            finally:  # whatever went wrong there, the checks still run
                self._phases()
        except BaseException as exc:  # noqa: BLE001 - reported on every check it left unrun
            # Each pytest item waits for its check's result: one never set would hold the run forever (a
            # thread that cannot start, say, when the process is at its thread limit).
            self._abandon(exc)

    def _abandon(self, exc: BaseException) -> None:
        """Every check not yet done ends as an error naming why the run could not go on with it."""
        reason = f"not judged: the run could not go on running checks ({type(exc).__name__}: {exc})"
        for check in self._checks:
            fut = self._results[check.spec.id]
            try:
                fut.set_result(CheckResult(check.spec, Outcome.ERROR, reason))
            except InvalidStateError:
                pass  # done, or cancelled by stop(): its item already has what it needs

    def _phases(self) -> None:
        alone = [c for c in self._checks if c.spec.alone]
        # Long chains of requests first, so they do not finish last (sorted is stable: otherwise in order).
        together = sorted((c for c in self._checks if not c.spec.alone), key=lambda c: not c.spec.many_requests)
        # The alone checks' answers are judged later, beside the concurrent phase's requests: while the server
        # is kept idle for them, the run has nothing else to do, and the first judgements are the slowest
        # (the official client's first use of each call).
        later: list[tuple[Check, CheckResult]] = []
        for c in alone:
            self._run(c, later)
        try:
            if self._together is not None:
                self._together()
        finally:  # whatever went wrong there, the checks still run
            with ThreadPoolExecutor(self._threads, thread_name_prefix="conformance-check") as pool:
                for c, performed in later:  # first: pytest reports in order, and these come early in it
                    pool.submit(self._complete, c, performed)
                for c in together:
                    pool.submit(self._run, c)

    def _run(self, check: Check, later: list[tuple[Check, CheckResult]] | None = None) -> None:
        fut = self._results[check.spec.id]
        if not fut.set_running_or_notify_cancel():
            return
        try:
            performed = self._work(check)
        except BaseException as exc:  # noqa: BLE001 - handed to the pytest item that waits for it
            fut.set_exception(exc)
            return
        if later is not None and self._finish is not None:
            later.append((check, performed))
        else:
            self._complete(check, performed)

    def _complete(self, check: Check, performed: CheckResult) -> None:
        fut = self._results[check.spec.id]
        try:
            fut.set_result(self._finish(performed) if self._finish is not None else performed)
        except BaseException as exc:  # noqa: BLE001 - handed to the pytest item that waits for it
            fut.set_exception(exc)
