"""Runs the client matrix: each client's scenario file in a process of its own, bounded in time and memory."""

from __future__ import annotations

import fnmatch
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from conformance import bounds
from conformance.checks.audio.transcription import AUDIO_FILE, SPOKEN
from conformance.clients import process
from conformance.clients.cells import Cell, CellOutcome, cell_id
from conformance.clients.proxy import Proxy, Traffic
from conformance.clients.registry import CLIENTS, ClientSpec
from conformance.clients.scenarios import BY_ID, SCENARIOS, Scenario
from conformance.context import Run

# The key the clients are given: the proxy adds the target's own, so a client never holds it.
PROXY_KEY = "oai-conformance-proxy"
STARTUP_S = 30.0  # importing Genkit takes seconds on a busy machine
# One scenario may send a few requests (a tool loop, a retry of the client's own): each gets the run's --timeout.
REQUESTS_PER_SCENARIO = 3
GRACE_S = 5.0
# A client that has had every answer whole (the proxy sends each at once) and for this long neither returns nor
# asks again is waiting for something the server never sent: ModelFusion's streamText waits for data: [DONE].
STUCK_S = 10.0
POLL_S = 0.5
OPTIONS = {"model": "no chat model given (--model)", "embedding_model": "no embedding model given (--embedding-model)",
           "speech_model": "no speech model given (--speech-model)",
           "transcription_model": "no transcription model given (--transcription-model)",
           "image_model": "no image model given (--image-model)"}


def audio_file() -> Path:
    """The speech file the transcription checks upload (and the clients upload too): a path every client can read."""
    return Path(str(resources.files("conformance.checks.audio").joinpath("data", AUDIO_FILE)))


@dataclass(frozen=True)
class Planned:
    """A cell to run: which client, which scenario, and why it is not run (None: it is)."""

    client: ClientSpec
    scenario: Scenario
    skip: str | None = None

    @property
    def id(self) -> str:
        """The cell's id."""
        return cell_id(self.client.name, self.scenario.id)


def selected(only: str | None) -> list[tuple[ClientSpec, Scenario]]:
    """The cells --only selects: every cell without a selection, else those whose id matches a pattern."""
    cells = [(c, s) for c in CLIENTS for s in SCENARIOS]
    if not only:
        return cells
    pats = [p.strip() for p in only.split(",") if p.strip()]
    return [(c, s) for c, s in cells
            if any(fnmatch.fnmatchcase(cell_id(c.name, s.id), p) or fnmatch.fnmatchcase(cell_id(c.name, s.id), p + ".*")
                   for p in pats)]


def run_matrix(run: Run, only: str | None = None, tape: Any = None, at_once: int = 1,
               procs: process.Processes | None = None, slots: threading.Semaphore | None = None,
               part: Callable[[Scenario], bool] | None = None) -> list[Cell]:
    """Every selected cell, in the order of CLIENTS and SCENARIOS (tape: the run's recorder or replayer).

    at_once: clients run side by side (each sends one request at a time); slots: the request slots the clients'
    requests take (the run's own by default); procs: the run's client processes, some perhaps started ahead;
    part: only the scenarios it accepts.
    """
    chosen = [(c, s) for c, s in selected(only) if part is None or part(s)]
    if not chosen:
        return []
    jobs = [(client, mine) for client in CLIENTS if (mine := [s for c, s in chosen if c is client])]
    own = procs is None
    procs = procs or process.Processes()
    try:
        with Proxy(run, slots) as proxy, ThreadPoolExecutor(max(1, min(at_once, len(jobs))),
                                                            thread_name_prefix="conformance-client") as pool:
            done = [pool.submit(_run_client, run, proxy, client, mine, tape, procs) for client, mine in jobs]
            return [cell for d in done for cell in d.result()]
    finally:
        if own:
            procs.close()


NOT_RECORDED = "not in the recording: the cell is newer than the recording; re-record this target"


def _skip(run: Run, scenario: Scenario) -> str | None:
    """Why the client is told not to run this scenario (it still says whether it offers it)."""
    if not getattr(run.target, scenario.needs, None):
        return OPTIONS[scenario.needs]
    return None


def answerable(run: Run, client: ClientSpec, scenarios: list[Scenario], tape: Any) -> list[Scenario]:
    """The scenarios the client is asked about: on replay, those its recording has a cell for (a recording made
    before a cell existed has nothing to answer it with), and those the run has no model for (they send nothing,
    so they read the same, untested: no model, whether the recording is older than them or not)."""
    return [s for s in scenarios if _skip(run, s) is not None or not (
        run.replay and tape is not None and not tape.knows(cell_id(client.name, s.id)))]


def runs_any(run: Run, client: ClientSpec, scenarios: list[Scenario], tape: Any) -> bool:
    """Whether the client will run a scenario, not only say whether it offers those it is asked about."""
    return any(_skip(run, s) is None for s in answerable(run, client, scenarios, tape))


def _run_client(run: Run, proxy: Proxy, client: ClientSpec, scenarios: list[Scenario], tape: Any,
                procs: process.Processes) -> list[Cell]:
    version = client.version()
    missing = client.missing()
    if missing is not None:
        return [_cell(client, version, s, CellOutcome.UNTESTED, reason=missing) for s in scenarios]
    recorded = answerable(run, client, scenarios, tape)
    plan = [Planned(client, s, _skip(run, s)) for s in recorded]
    lines: dict[str, dict[str, Any]] = {}
    if plan:
        with _cassettes(tape, [p.id for p in plan] if not run.replay else []):
            lines = _lines(run, proxy, client, plan, procs)
    by_id = {p.scenario.id: p for p in plan}
    origin = proxy.url("").rstrip("/")
    return [_judge(client, version, by_id[s.id], _stable(lines.get(s.id), origin), proxy.traffic(by_id[s.id].id))
            if s.id in by_id
            else _cell(client, version, s, CellOutcome.UNTESTED, reason=NOT_RECORDED) for s in scenarios]


@contextmanager
def _cassettes(tape: Any, ids: list[str]) -> Iterator[None]:
    """Recording: each cell's exchanges go into its own cassette, written when the client is done."""
    with ExitStack() as stack:
        if tape is not None and hasattr(tape, "add"):
            for i in ids:
                stack.enter_context(tape.cassette(i))
        yield


def _lines(run: Run, proxy: Proxy, client: ClientSpec, plan: list[Planned],
           procs: process.Processes) -> dict[str, dict[str, Any]]:
    """Run the client's scenarios; a client silent past the deadline is killed and the rest run in a new process."""
    got: dict[str, dict[str, Any]] = {}
    todo = list(plan)
    per_scenario = REQUESTS_PER_SCENARIO * run.target.timeout_s + GRACE_S
    while todo:
        config = {
            "client": client.name, "model": run.target.model, "embedding_model": run.target.embedding_model,
            "speech_model": run.target.speech_model, "transcription_model": run.target.transcription_model,
            "image_model": run.target.image_model, "audio_file": str(audio_file()), "spoken": SPOKEN,
            "api_key": PROXY_KEY, "timeout_s": run.target.timeout_s,
            "scenarios": [{"id": p.scenario.id, "base_url": proxy.url(p.id), **({"skip": p.skip} if p.skip else {})}
                          for p in todo],
        }
        proc = procs.get(client)
        try:
            assert proc.popen.stdin is not None
            # One config a line; stdin stays open, so the process may take another (Processes.release).
            proc.popen.stdin.write(json.dumps(config).encode() + b"\n")
            proc.popen.stdin.flush()
        except OSError:
            pass
        wait = STARTUP_S + per_scenario
        started = time.monotonic()
        answered = False  # every scenario of this config answered: the process may serve another run
        while todo:
            # Scenarios run in order: the first not yet answered is the one the client is in.
            current = todo[0]
            try:
                raw = _next_line(proc, proxy, current.id, started + wait)
            except _Stuck as stuck:
                proc.kill()
                todo.pop(0)
                got[current.scenario.id] = {"outcome": "breaks", "reason": (
                    f"{client.label} never finished: every answer of the server had reached it whole, and for "
                    f"{stuck.idle_s:.0f} s it neither returned nor sent another request (killed)")}
                break
            except queue.Empty:
                proc.kill()
                todo.pop(0)
                got[current.scenario.id] = {"outcome": "error", "reason": (
                    f"not judged: the client did not finish this scenario within {wait:g} s and was killed")}
                break
            if raw is None:  # the process ended
                proc.popen.wait()
                tail = proc.tail()
                if proxy.idle_since(current.id) is not None:
                    # Node exits 0 when nothing is left to wait for but a promise that never settles: the client
                    # had the whole answer and was waiting for something the answer never sent.
                    todo.pop(0)
                    got[current.scenario.id] = {"outcome": "breaks", "reason": (
                        f"{client.label} never finished: its process ended (exit {proc.popen.returncode}) after every "
                        "answer of the server had reached it whole, without a result" + (f": {tail}" if tail else ""))}
                    break  # the rest in a new process
                for p in todo:
                    got[p.scenario.id] = {"outcome": "error", "reason": (
                        f"not judged: the client process exited with {proc.popen.returncode} before this scenario"
                        + (f": {tail}" if tail else ""))}
                todo = []
                break
            line = _parse(raw)
            sid = line.get("scenario") if line is not None else None
            if line is None or not isinstance(sid, str) or not any(p.scenario.id == sid for p in todo):
                continue  # a client's own chatter on stdout is not a result
            line["duration_s"] = time.monotonic() - started
            started = time.monotonic()
            got[sid] = line
            todo = [p for p in todo if p.scenario.id != sid]
            wait = per_scenario
            answered = not todo
        if answered:
            procs.release(client, proc)
        else:
            proc.kill()
    return got


class _Stuck(Exception):
    """The client has had every answer whole and does nothing more."""

    def __init__(self, idle_s: float) -> None:
        super().__init__(idle_s)
        self.idle_s = idle_s


def _next_line(proc: process.Process, proxy: Proxy, cell: str, deadline: float) -> bytes | None:
    """The client's next stdout line (None: it exited); queue.Empty past the deadline, _Stuck when it hangs."""
    # A deadline, not a silence limit: a client chattering on stdout is cut all the same.
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise queue.Empty
        try:
            return proc.lines.get(timeout=min(left, POLL_S))
        except queue.Empty:
            pass
        idle = proxy.idle_since(cell)
        if idle is not None and time.monotonic() - idle >= STUCK_S:
            raise _Stuck(time.monotonic() - idle)


# What a client's message says for the proxy's address: the port changes every run, the cells must not.
PROXY_ORIGIN = "http://oai-conformance-proxy"


def _stable(line: dict[str, Any] | None, origin: str) -> dict[str, Any] | None:
    """The line with the proxy's ephemeral address replaced, so a replay gives the same cell text."""
    if line is None:
        return None
    return json.loads(json.dumps(line).replace(origin, PROXY_ORIGIN))


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def _cell(client: ClientSpec, version: str | None, scenario: Scenario, outcome: CellOutcome, **kw: Any) -> Cell:
    return Cell(client=client.name, label=client.label, version=version, scenario=scenario.id,
                endpoint=scenario.endpoint, outcome=outcome, **kw)


def _judge(client: ClientSpec, version: str | None, plan: Planned, line: dict[str, Any] | None,
           traffic: Traffic) -> Cell:
    """The cell from the client's line and what went through the proxy for it."""
    evidence = tuple(bounds.clip_exchange(e) for e in traffic.exchanges)
    if line is None:
        return _cell(client, version, plan.scenario, CellOutcome.ERROR, reason="not judged: the client printed no result",
                     evidence=evidence)
    try:
        outcome = CellOutcome(line.get("outcome"))
    except ValueError:
        outcome = CellOutcome.ERROR
    reason = line.get("reason") if isinstance(line.get("reason"), str) else None
    exception = line.get("exception") if isinstance(line.get("exception"), str) else None
    if traffic.missed:
        outcome, reason = CellOutcome.UNTESTED, f"not in the recording: {traffic.missed[0]}; re-record this target"
    elif traffic.problems:
        outcome, reason = CellOutcome.ERROR, f"not judged: no answer from the target: {traffic.problems[0]}"
    elif outcome is CellOutcome.BREAKS and (refused := _refusal(traffic)) is not None:
        outcome, reason = CellOutcome.UNSUPPORTED, refused
    return _cell(
        client, version if line.get("version") is None else str(line["version"]), plan.scenario, outcome,
        value=bounds.clip_json(line.get("value")), exception=bounds.clip_text(exception) if exception else None,
        reason=reason, where=line.get("where") if isinstance(line.get("where"), str) else None,
        evidence=evidence, duration_s=float(line.get("duration_s") or 0.0),
    )


def _refusal(traffic: Traffic) -> str | None:
    """The server's refusal of the client's request (a 4xx, or 501), if that is what the client met."""
    for ex in traffic.exchanges:
        if ex.status is not None and (400 <= ex.status < 500 or ex.status == 501):
            body = ex.response_body
            message = body.get("error", body) if isinstance(body, dict) else body
            if isinstance(message, dict):
                message = message.get("message", message)
            return f"the server refused the request with {ex.status}: {str(message)[:200]}"
    return None


__all__ = ["BY_ID", "Cell", "CellOutcome", "run_matrix", "selected"]
