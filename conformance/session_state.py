"""One pytest session's state: its checks run in their cassettes and judged, its clients started, its results saved."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from conformance import bounds, redact
from conformance import results as results_mod
from conformance.clients import process
from conformance.clients.alongside import Alongside, lanes
from conformance.clients.cells import Cell
from conformance.clients.registry import CLIENTS
from conformance.clients.runner import runs_any, selected
from conformance.context import Run
from conformance.entries import Entries
from conformance.judge import review
from conformance.model import CheckResult, Outcome, Severity
from conformance.recording import CorruptRecording, Recorder, Replayer
from conformance.registry import Check
from conformance.render import badge, checklist
from conformance.runner import perform, untested
from conformance.scheduler import Scheduler

INTERIM_SAVE_S = 1.0


class SessionState:
    """What the plugin keeps for one pytest session."""

    def __init__(self, run: Run, out: Path | None, selection: str | None, server: dict[str, Any],
                 tape: Recorder | Replayer | None = None, concurrency: int = 1,
                 fail_on: Severity = Severity.BREAKS_CLIENTS, recorded: dict[str, Any] | None = None) -> None:
        self.run = run
        self.recorded = recorded
        self.fail_on = fail_on
        self.concurrency = concurrency
        self.scheduler: Scheduler | None = None
        self.out = out
        self.selection = selection
        self.server = server
        self.tape = tape
        self.results: list[CheckResult] = []
        self.cells: list[Cell] = []
        self.clients = True
        # The client matrix's processes, started when the checks no longer need an idle server, and the matrix
        # itself when it runs beside the remaining checks.
        self.procs = process.Processes()
        self.alongside: Alongside | None = None
        self.started = results_mod.now()
        # Each result's entry and its indented text, made once for the HTML row and every save.
        self.entries = Entries()
        self.interrupted = False
        self._saved = 0.0

    def start_client_processes(self) -> None:
        """Before the first check: start the clients' processes, which load their packages and wait for a config.

        They send nothing until the matrix runs, so the alone checks still have the server to themselves, and
        the clients' start-up (seconds of CPU) falls while the run waits on that idle server instead of when
        the concurrent phase begins.
        """
        if not self.clients or self.interrupted:
            return
        chosen = selected(self.selection)
        # Only clients that will run a scenario: a recording older than the matrix asks none, and a client whose
        # scenarios all lack their model only says which it offers (its start-up is cheap then).
        self.procs.start_ahead(c for c in CLIENTS
                               if runs_any(self.run, c, [s for client, s in chosen if client is c], self.tape))

    def start_clients(self) -> None:
        """The alone checks are done: the matrix starts if it may run beside the other checks."""
        if not self.clients or self.interrupted:
            return
        chosen = selected(self.selection)
        at_once = lanes(self.run, self.concurrency)
        if chosen and at_once is not None:
            self.alongside = Alongside(self.run, self.selection, self.tape, at_once, self.procs)
            self.alongside.start()

    def cassette(self, check_id: str) -> AbstractContextManager[None]:
        """Record into, or replay from, this check's cassette (nothing when live and not recording)."""
        return self.tape.cassette(check_id) if self.tape is not None else nullcontext()

    def run_check(self, check: Check) -> CheckResult:
        """Run one check in the calling thread, inside its cassette (not at all once the run must stop)."""
        return self.finish(self.perform(check))

    def perform(self, check: Check) -> CheckResult:
        """Run one check's requests, inside its cassette; finish() judges its answers with the official client."""
        usage = self.run.client.usage
        refused = self.run.limits.refusal(usage.requests, usage.prompt_tokens + usage.completion_tokens)
        if refused is not None:
            budget, reason = refused
            return CheckResult(check.spec, Outcome.SKIP if budget else Outcome.ERROR, reason)
        try:
            if isinstance(self.tape, Replayer):
                # A check of an endpoint the recording was not given a model for skips at once, asking nothing.
                if not self.tape.knows(check.spec.id) and untested(check.spec, self.run.target) is None:
                    # Judging it from other checks' cached answers would depend on the order checks ran in.
                    return CheckResult(check.spec, Outcome.ERROR, "not in the recording: the check is newer than "
                                       "the recording; re-record this target (oai-conformance run ... --record)")
                # What the recorded check took from the run cache, so a subset replays like the whole run.
                for key, stream, wire in self.tape.cached(check.spec.id):
                    self.run.cache.setdefault(self.run.cache_key(check.spec.id, key),
                                              self.run.client.from_wire(wire, stream=stream))
            with self.cassette(check.spec.id):
                return perform(check, self.run)
        except CorruptRecording as exc:
            # A check whose cassette cannot be read is not judged, and says which file: never silently dropped.
            return CheckResult(check.spec, Outcome.ERROR, f"not judged: {exc}")

    def finish(self, result: CheckResult) -> CheckResult:
        """The official client's judgement of the check's answers; then only clipped, scrubbed evidence outlives
        the check (memory stays bounded, nothing secret is written)."""
        return redact.active().result(bounds.clip_result(review.review(result)))

    def document(self, complete: bool) -> dict[str, Any]:
        return results_mod.build(
            target=self.run.target,
            results=self.results,
            usage=self.run.client.usage.to_json(),
            started_at=self.started,
            complete=complete,
            selection=self.selection,
            server=self.server,
            replay=self.run.replay,
            limits=self.run.limits.to_json(self.run.client.usage.to_json()),
            fail_on=self.fail_on,
            recorded=self.recorded,
            clients=[redact.active().json(c.to_json()) for c in self.cells],
            entries=self.entries,
        )

    def save(self, complete: bool, final: bool = True) -> dict[str, Any] | None:
        """Write results.json, checklist.md (and badge.svg at the end); interim saves are compact, at most one a
        second, and none in a replay."""
        now = time.monotonic()
        if not final and (self.run.replay or now - self._saved < INTERIM_SAVE_S):
            # A replay is over in seconds and can be run again from the same recording: it saves once, at the end.
            return None
        self._saved = now
        doc = self.document(complete)
        if self.out is not None:
            results_mod.write(doc, self.out / "results.json", compact=not final, entries=self.entries)
            results_mod.write_text(self.out / "checklist.md", checklist.render(doc))
            if final:
                results_mod.write_text(self.out / "badge.svg", badge.render(doc))
        return doc


# Where the session's state is kept: the plugin's hooks, the HTML report and the command's console read it.
STATE = pytest.StashKey[SessionState]()
