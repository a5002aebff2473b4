"""The command's own console: a header, progress per feature, and one summary read from the results file.

A pytest plugin object the command passes to pytest.main; pytest's own output goes to a log file unless
asked for (-v / --pytest-output). On a terminal the progress is one line redrawn in place; in CI logs
(not a terminal, or CI set) each feature prints one plain line when its last check ends.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pytest

from conformance import inflight
from conformance.model import models_text, public_url
from conformance.properties.spec import DEFAULT_EXAMPLES, DEFAULT_TOKENS, EXPLORE_EXAMPLES, EXPLORE_TOKENS
from conformance.registry import Check

HEARTBEAT_S = 15.0  # silence longer than this says which checks are still waiting for the server
ORDER = ("pass", "fail", "error", "unsupported", "ignored", "accepted", "skip")
PREFIX = "oai-conformance:"


def plain_wanted(stream: TextIO) -> bool:
    """Plain lines (no redrawing) when the stream is not a terminal or a CI system runs us."""
    return bool(os.environ.get("CI")) or not (hasattr(stream, "isatty") and stream.isatty())


def counts_text(counts: Counter[str] | dict[str, int]) -> str:
    """'12 pass, 1 fail' in the suite's outcome order, zeros left out."""
    known = [k for k in ORDER if counts.get(k)] + sorted(k for k in counts if k not in ORDER and counts[k])
    return ", ".join(f"{counts[k]} {k}" for k in known) or "nothing"


@dataclass
class _Feature:
    total: int
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def done(self) -> int:
        return sum(self.counts.values())


class Console:
    """Prints the run for a person; knows nothing of how checks run, only pytest's standard hooks."""

    name = "oai-console"

    def __init__(self, stream: TextIO, *, plain: bool | None = None, heartbeat_s: float = HEARTBEAT_S) -> None:
        self.stream = stream
        self.plain = plain_wanted(stream) if plain is None else plain
        self.features: dict[str, _Feature] = {}
        self.running: dict[str, float] = {}  # check id -> when it started
        self.unreachable: str | None = None
        self.wrong_target: str | None = None
        self._lock = threading.Lock()
        self._last_output = time.monotonic()
        self._heartbeat_s = heartbeat_s
        self._stop = threading.Event()
        self._dirty = False  # a progress line is drawn and not yet ended

    # output
    def line(self, text: str = "") -> None:
        """Print one line (ending a progress line drawn in place first)."""
        with self._lock:
            if self._dirty:
                self.stream.write("\r\x1b[2K")
                self._dirty = False
            self.stream.write(text + "\n")
            self.stream.flush()
            self._last_output = time.monotonic()

    def _draw(self, text: str) -> None:
        with self._lock:
            self.stream.write("\r\x1b[2K" + text[:max(20, _width() - 1)])
            self.stream.flush()
            self._dirty = True
            self._last_output = time.monotonic()

    # pytest hooks
    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        """Before the plugin's first request: say whom it asks and how long it may wait (a hang is not silence)."""
        url = config.getoption("--oai-base-url", None)
        if url and not config.getoption("--oai-replay", None):
            timeout = config.getoption("--oai-timeout", None) or "the target file's or 60"
            self.line(f"{PREFIX} asking {url} for its models (waiting at most {timeout} s)")

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Count the checks per feature and print the header."""
        for item in session.items:
            callspec = getattr(item, "callspec", None)
            check = callspec.params.get("conformance_check") if callspec is not None else None
            if isinstance(check, Check):  # a selection of client cells only parametrizes pytest's empty NOTSET
                self.features.setdefault(check.spec.feature, _Feature(0)).total += 1
        for text in header_lines(session.config, sum(f.total for f in self.features.values()), len(self.features)):
            self.line(text)
        self._warn_wrong_target(session.config)
        self.start_heartbeat()

    def _warn_wrong_target(self, config: pytest.Config) -> None:
        """A run the preflight would have stopped (--force, or a replay) says why it may judge nothing real."""
        from conformance.session_setup import WRONG_TARGET

        problem = config.stash.get(WRONG_TARGET, None)
        if problem is not None:
            self.line(f"{PREFIX} warning: {problem} (running anyway)")

    def start_heartbeat(self) -> None:
        """Say, during long silences, which checks wait for the server (stops at unconfigure)."""
        threading.Thread(target=self._heartbeat, name="oai-console-heartbeat", daemon=True).start()

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        """Remember which check is waiting on the server."""
        self.running[_check_id(nodeid)] = time.monotonic()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Count a check's outcome once (it is known after setup) and show its feature's progress."""
        props: dict[str, str] = {str(k): str(v) for k, v in report.user_properties}
        if report.when != "setup" or "outcome" not in props:
            return
        self.running.pop(props["check_id"], None)
        feature = self.features.setdefault(props["feature"], _Feature(1))
        feature.counts[props["outcome"]] += 1
        if feature.done >= feature.total:
            self.line(feature_line(props["feature"], feature))
        elif not self.plain:
            done = sum(f.done for f in self.features.values())
            total = sum(f.total for f in self.features.values())
            self._draw(f"  {bar(done, total)} {done}/{total}  {props['feature']}: {counts_text(feature.counts)}")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Keep why the target could not be reached or is the wrong one (the plugin stops pytest before any check)."""
        from conformance.session_setup import UNREACHABLE, WRONG_TARGET

        self.unreachable = config.stash.get(UNREACHABLE, None)
        self.wrong_target = config.stash.get(WRONG_TARGET, None)
        self._stop.set()
        if self._dirty:
            self.line()

    def _heartbeat(self) -> None:
        # A hung server must not look like a hung tool: say what is waiting, and for how long.
        while not self._stop.wait(1.0):
            now = time.monotonic()
            if now - self._last_output < self._heartbeat_s or not self.running:
                continue
            # Name the checks whose requests are at the server; the next checks to report can be waiting on
            # something else (a check that skipped, printed in order after ones still running).
            at_server = sorted(inflight.snapshot().items(), key=lambda kv: kv[1])
            if at_server:
                names = ", ".join(f"{cid} ({now - t:.0f} s)" for cid, t in at_server[:3])
                self.line(f"  still waiting for the server: {names}")
            else:
                waiting = sorted(self.running.items(), key=lambda kv: kv[1])
                names = ", ".join(f"{cid} ({now - t:.0f} s)" for cid, t in waiting[:3])
                self.line(f"  still running, no check's request at the server; next to report: {names}")


def _check_id(nodeid: str) -> str:
    return nodeid.rsplit("[", 1)[-1].rstrip("]") if "[" in nodeid else nodeid


def _width() -> int:
    # A fresh pseudo-terminal may report 0 columns: fall back rather than cut the line to nothing.
    return shutil.get_terminal_size((100, 24)).columns or 100


def bar(done: int, total: int, width: int = 24) -> str:
    """A text progress bar."""
    filled = round(width * done / total) if total else width
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def feature_line(name: str, feature: _Feature) -> str:
    """One finished feature: its checks and their outcomes."""
    return f"  {name:.<40} {feature.total:>3} check{'s' if feature.total != 1 else ''}: {counts_text(feature.counts)}"


def header_lines(config: pytest.Config, checks: int, features: int) -> list[str]:
    """Who is tested, with what, and how much a run may spend."""
    from conformance.session_state import STATE

    state = config.stash.get(STATE, None)
    if state is None:
        return []
    t, props = state.run.target, state.run.properties
    server = state.server.get("version") or state.server.get("server_header") or "not reported"
    examples = props.examples or (EXPLORE_EXAMPLES if props.explore else DEFAULT_EXAMPLES)
    tokens = props.token_budget or (EXPLORE_TOKENS if props.explore else DEFAULT_TOKENS)
    concurrency = getattr(state, "concurrency", None) or config.getoption("--oai-concurrency", 1) or 1
    recorded_at = (getattr(state, "recorded", None) or {}).get("recorded_at")
    mode = (f"replaying a recording made {recorded_at or 'at an unknown time'}, nothing sent" if state.run.replay
            else public_url(t.base_url))
    return [
        f"{PREFIX} {t.name}: {mode}",
        f"  model {models_text(t.public())}; server {server}",
        f"  {checks} checks in {features} features; concurrency {concurrency}; property checks "
        f"{examples} requests / {tokens} tokens each{' (explore)' if props.explore else ''}",
    ]


def summary_lines(doc: dict[str, Any], extra: list[str] | None = None) -> list[str]:
    """The run's one summary, read from results.json (so it says what checklist.md and the file say)."""
    s, u = doc["summary"], doc["usage"]
    features = Counter(r["verdict"] for r in doc["features"])
    fields = Counter(r["verdict"] for r in doc["fields"])
    lines = [
        f"{PREFIX} {doc['target']['name']} ({models_text(doc['target'])}): {counts_text(s)}"
        + ("" if doc.get("complete", True) else " (INCOMPLETE: interrupted)"),
        f"  features: {counts_text(features)}",
        f"  request fields: {counts_text(fields)}",
        *([f"  clients: {counts_text(Counter(c['outcome'] for c in doc['clients']))}"
           + _broken_clients(doc["clients"])] if doc.get("clients") else []),
        f"  spent {u['requests']} requests, {u['total_tokens']} tokens" + _per_endpoint(u),
        *(extra or []),
    ]
    if doc["gate"]:
        lines.append(f"  failing: {', '.join(doc['gate'][:12])}" + (" ..." if len(doc["gate"]) > 12 else ""))
    return lines


def _broken_clients(cells: list[dict[str, Any]]) -> str:
    """' (breaks: openai-node chat.stream-n2, ...)': which cells broke, so the summary names them."""
    broken = [f"{c['client']} {c['scenario']}" for c in cells if c["outcome"] == "breaks"]
    if not broken:
        return ""
    return f" (breaks: {', '.join(broken[:6])}{' ...' if len(broken) > 6 else ''})"
def _per_endpoint(usage: dict[str, Any]) -> str:
    """' (/v1/chat/completions 40 requests, 900 tokens; ...)' when the run spent on more than one endpoint."""
    parts = usage.get("endpoints") or {}
    spent = {k: v for k, v in parts.items() if v["total_tokens"] or k != "/v1/models"}
    if len(spent) < 2:
        return ""
    return " (" + "; ".join(f"{k} {v['requests']} requests, {v['total_tokens']} tokens" for k, v in spent.items()) + ")"


@dataclass(frozen=True)
class Ran:
    """What pytest returned, what the console saw, and where pytest's own output went."""

    code: int
    console: Console
    log: Path | None


def run_pytest(argv: list[str], out: Path, *, passthrough: bool, plugins: Sequence[object] = ()) -> Ran:
    """Run pytest in-process with the console; pytest's own output to out/pytest.log unless passed through."""
    import sys
    from contextlib import redirect_stderr, redirect_stdout

    console = Console(sys.stdout)
    # sys-level capture only: the console writes to the real stdout even while a check runs (heartbeats).
    argv = [*argv, "--capture=sys"]
    if passthrough:
        return Ran(int(pytest.main(argv, plugins=[console, *plugins])), console, None)
    log = out / "pytest.log"
    with log.open("w", encoding="utf-8") as fh, redirect_stdout(fh), redirect_stderr(fh):
        code = int(pytest.main(argv, plugins=[console, *plugins]))
    return Ran(code, console, log)


def pytest_problem(ran: Ran) -> str:
    """What pytest said when it could not run the suite (its ERROR lines, else the end of its log)."""
    if ran.log is None or not ran.log.is_file():
        return ""
    lines = ran.log.read_text(encoding="utf-8", errors="replace").splitlines()
    errors = [ln for ln in lines if ln.startswith(("ERROR:", "E   ", "INTERNALERROR>"))]
    return "\n".join((errors or lines)[-15:])
