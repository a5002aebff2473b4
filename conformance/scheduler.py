"""Runs the selected checks ahead of pytest, at most N at once; each pytest item then takes its own result.

Results are taken in pytest's order, so every report reads as a sequential run's would. Checks marked
`alone` (their verdict needs an otherwise idle server: delivery timing, state left by the previous
request) run first, one at a time, before anything runs concurrently.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from conformance.model import CheckResult
from conformance.registry import Check


class Scheduler:
    """Owns the worker threads of one run."""

    def __init__(self, checks: Sequence[Check], work: Callable[[Check], CheckResult], concurrency: int) -> None:
        self._checks = list(checks)
        self._work = work
        self._concurrency = max(1, concurrency)
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
        return self._results[check_id].result()

    def stop(self) -> None:
        """Do not start any more checks (those running finish their current work)."""
        for fut in self._results.values():
            fut.cancel()

    def _drive(self) -> None:
        alone = [c for c in self._checks if c.spec.alone]
        together = [c for c in self._checks if not c.spec.alone]
        for c in alone:
            self._run(c)
        with ThreadPoolExecutor(self._concurrency, thread_name_prefix="conformance-check") as pool:
            for c in together:
                pool.submit(self._run, c)

    def _run(self, check: Check) -> None:
        fut = self._results[check.spec.id]
        if not fut.set_running_or_notify_cancel():
            return
        try:
            fut.set_result(self._work(check))
        except BaseException as exc:  # noqa: BLE001 - handed to the pytest item that waits for it
            fut.set_exception(exc)
