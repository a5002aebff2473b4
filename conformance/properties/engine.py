"""Runs one property with Hypothesis inside a budget: every example is one request, shrinking is bounded."""

from __future__ import annotations

import json
import os
import random
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from importlib import metadata
from typing import TYPE_CHECKING

from conformance.context import CheckContext
from conformance.model import Exchange
from conformance.properties import trace
from conformance.properties.spec import Budget, Example, Judge, Judgement, stable_seed
from conformance.schemas import request_validator
from conformance.verdict import HarnessError

if TYPE_CHECKING:
    from hypothesis import settings
    from hypothesis import strategies as st


class PropertyFailure(Exception):
    """Raised inside the Hypothesis test when an example breaks the property (one subclass per failure class)."""


_FAILURE_TYPES: dict[str, type[PropertyFailure]] = {}


def failure_type(key: str) -> type[PropertyFailure]:
    """One exception class per failure class: Hypothesis keeps distinct bugs apart by exception type."""
    if key not in _FAILURE_TYPES:
        _FAILURE_TYPES[key] = type(f"PropertyFailure[{key}]", (PropertyFailure,), {})
    return _FAILURE_TYPES[key]


@dataclass(frozen=True)
class Finding:
    """A failing example with the exchange that showed it."""

    example: Example
    exchange: Exchange
    judgement: Judgement


@dataclass
class Session:
    """One property's run: what it sent, spent, saw and found."""

    ctx: CheckContext
    path: str
    request_schema: str
    expect_valid: bool
    judge: Judge
    budget: Budget
    requests: int = 0
    tokens: int = 0
    shrink_requests: int = 0
    stopped: str | None = None  # why no further request is sent
    harness: str | None = None
    last: Finding | None = None  # the most shrunk failure so far: Hypothesis only ever accepts smaller ones
    found: dict[str, Finding] = field(default_factory=dict)  # failure class -> its latest (most shrunk) example
    observations: list[dict[str, Any]] = field(default_factory=list)
    unanswered: Example | None = None  # the request the target gave no answer to
    calls: list[Example] = field(default_factory=list)  # every example evaluated, in order: the stored trace
    # The Hypothesis that draws the examples (a replay's: the recorded one). Read from the installed metadata:
    # importing Hypothesis costs about a second, and a replay draws nothing.
    drawn_with: str = field(default_factory=lambda: metadata.version("hypothesis"))
    _judged: dict[str, tuple[Judgement, Exchange]] = field(default_factory=dict)

    def judged(self) -> list[tuple[Judgement, Exchange]]:
        """Every distinct request's judgement and answer, in the order they were sent."""
        return list(self._judged.values())

    def evaluate(self, example: Example) -> None:
        """Send the example once (answers are kept by body) and raise if it breaks the property."""
        self.calls.append(example)
        key = json.dumps(example.body, sort_keys=True)
        seen = self._judged.get(key)
        if seen is None:
            seen = self._send(example, key)
            if seen is None:
                return  # not judged (budget spent, or a harness problem): counts as holding
        judgement, exchange = seen
        if judgement.failure is None:
            return
        finding = Finding(example, exchange, judgement)
        self.last = self.found[judgement.key] = finding
        raise failure_type(judgement.key)(judgement.failure)

    def _send(self, example: Example, key: str) -> tuple[Judgement, Exchange] | None:
        if self.last is None and self.requests >= self.budget.examples:
            return None  # the examples are spent; Hypothesis may still be drawing (repeats cost nothing)
        if self.stopped is None:
            self.stopped = self._over_budget()
        if self.stopped is not None:
            return None
        problem = self._schema_problem(example.body)
        if problem is not None:
            self.harness = self.stopped = f"the generator made a wrong example ({example.label}): {problem}"
            return None
        try:
            exchange = self.ctx.request("POST", self.path, example.body, stream=example.stream)
        except HarnessError as exc:
            # Not judged (a hang is not a verdict, and replay cannot hold an answer never given), but named.
            self.harness = self.stopped = f"{exc.reason} (sending {example.label})"
            self.unanswered = example
            return None
        self.requests += 1
        if self.last is not None:
            self.shrink_requests += 1
        self.tokens += spent_tokens(example.body, exchange)
        judgement = self.judge(example, exchange)
        if judgement.harness is not None:
            self.harness = self.stopped = judgement.harness
            return None
        for d in judgement.deviations:
            if d not in self.ctx.deviations:
                self.ctx.deviations.append(d)
        if judgement.observation is not None:
            self.observations.append({"request": example.label, "status": exchange.status,
                                      "observed": judgement.observation})
        self._judged[key] = (judgement, exchange)
        return self._judged[key]

    def _over_budget(self) -> str | None:
        if self.tokens >= self.budget.tokens:
            return f"token budget spent ({self.tokens} of {self.budget.tokens})"
        if self.last is not None and self.shrink_requests >= self.budget.shrink_requests:
            return f"shrinking stopped at its bound of {self.budget.shrink_requests} requests"
        return None

    def _schema_problem(self, body: dict[str, Any]) -> str | None:
        errors = list(request_validator(self.request_schema).iter_errors(body))
        if self.expect_valid and errors:
            return f"{self.request_schema} rejects it: {errors[0].json_path}: {errors[0].message[:200]}"
        if not self.expect_valid and not errors:
            return f"{self.request_schema} accepts it, so it is not a defect"
        return None

    def summary(self) -> dict[str, Any]:
        """What the property spent and how it drew, for the check's details."""
        return {"requests": self.requests, "shrink_requests": self.shrink_requests, "tokens": self.tokens,
                "examples": self.budget.examples, "token_budget": self.budget.tokens,
                # The examples drawn for a seed can change with Hypothesis' version: recordings name it.
                "derandomized": not self.budget.explore, "hypothesis": self.drawn_with,
                **({"seed": self.budget.seed} if self.budget.seed is not None else {}),
                **({"stopped": self.stopped} if self.stopped else {})}


def spent_tokens(body: dict[str, Any], exchange: Exchange) -> int:
    """Tokens an answer cost: its usage when reported, else an upper estimate (rejections cost none)."""
    if exchange.status is None or not 200 <= exchange.status < 300:
        return 0
    usage = exchange.response_body.get("usage") if isinstance(exchange.response_body, dict) else None
    if usage is None and exchange.raw_body:
        usage = _last_usage(exchange.raw_body)
    if isinstance(usage, dict) and isinstance(usage.get("total_tokens"), int):
        return int(usage["total_tokens"])
    limit = body.get("max_completion_tokens") or body.get("max_tokens") or 16
    n = body.get("n")
    choices = n if isinstance(n, int) and n > 1 else 1
    # The input is messages (chat), prompt (completions) or input (embeddings, responses).
    given = next((body[k] for k in ("messages", "prompt", "input") if k in body), None)
    return len(json.dumps(given)) // 4 + int(limit) * choices


def _last_usage(raw: str) -> Any:
    for line in reversed(raw.splitlines()):
        if line.startswith("data:") and '"usage"' in line:
            try:
                event = json.loads(line[5:])
                # A Responses stream carries usage in its final event's response.
                inner = event.get("response")
                return event.get("usage") or (inner.get("usage") if isinstance(inner, dict) else None)
            except (ValueError, AttributeError):
                return None
    return None


def hypothesis_settings(budget: Budget) -> settings:
    """Fixed settings: no database, no deadline (servers are slow), no phases that re-send requests."""
    from hypothesis import HealthCheck, Phase, Verbosity, settings

    return settings(
        # Draws, not requests: the session stops sending at budget.examples distinct requests, seeds included.
        max_examples=budget.examples,
        derandomize=not budget.explore,
        deadline=None,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        # One bug, shrunk, is a run's answer; exploring hunts for several and shrinks each.
        report_multiple_bugs=budget.explore,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )


# own_source_ignored patches Hypothesis module state: the first engine in patches it, the last one out
# restores it, so property checks may run on several threads at once (Hypothesis is thread-safe since 6.136).
_PATCH_LOCK = threading.Lock()
_PATCH_USERS = [0]
_PATCH_SAVED: list[Any] = []


def run(session: Session, strategy: st.SearchStrategy[Example], check_id: str,
        seeds: list[Example] | None = None) -> Finding | None:
    """Run the property (seeds first, as they are); the most shrunk failing example, or None if all held."""
    replayer = session.ctx.run.replayer
    if replayer is not None:
        return replay(session, replayer.metadata(check_id).get(trace.KEY), check_id)
    import hypothesis
    from hypothesis import given, seed, settings
    from hypothesis.configuration import set_hypothesis_home_dir

    @settings(hypothesis_settings(session.budget))
    @given(strategy)
    def holds(example: Example) -> None:
        session.evaluate(example)

    for s in reversed(seeds or []):  # decorators apply bottom-up; Hypothesis runs them in the order given
        holds = hypothesis.example(s)(holds)

    chosen = session.budget.seed if session.budget.explore else stable_seed(check_id)
    if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        # Hypothesis keeps caches in ./.hypothesis: a conformance run must not litter the user's folder.
        set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "oai-conformance-hypothesis")
    try:
        with own_source_ignored():
            seed(chosen)(holds)()
    except Exception as exc:  # only the property's own failures are expected; anything else re-raises
        if not _expected(exc):
            raise
    if session.ctx.run.recorder is not None:
        session.ctx.run.recorder.note(trace.KEY, trace.dump(session.calls, session.budget, session.drawn_with))
    return session.last


def replay(session: Session, stored: dict[str, Any] | None, check_id: str) -> Finding | None:
    """Evaluate exactly the examples the recorded run evaluated, in its order and under its budget."""
    if stored is None:
        raise HarnessError(f"the recording of {check_id} does not hold its generated requests (recorded before "
                           "they were stored): re-record it, or add them with targets/add_property_traces.py")
    try:
        calls, session.budget, session.drawn_with = trace.load(stored)
    except trace.TraceError as exc:
        raise HarnessError(f"cannot replay {check_id}: {exc}") from None
    for example in calls:
        try:
            session.evaluate(example)
        except PropertyFailure:
            pass  # Hypothesis went on shrinking after this failure; the trace holds what it tried next
    return session.last


def _expected(exc: BaseException) -> bool:
    """The property's own failures, alone or grouped (several bugs, or Hypothesis calling a replay flaky)."""
    if isinstance(exc, PropertyFailure):
        return True
    group = getattr(exc, "exceptions", None)
    return isinstance(group, tuple) and bool(group) and all(_expected(e) for e in group)


@contextmanager
def own_source_ignored() -> Iterator[None]:
    """Draw without the literals Hypothesis (6.131 and later) collects from local source files.

    Left on, any edit to this project, or running it from a wheel instead of a checkout, would change
    the derandomized examples, and a recorded run would no longer replay. Where Hypothesis has no such
    collection, there is nothing to turn off.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:
        yield
        return
    saved = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    if saved is None or cache is None:
        yield
        return
    with _PATCH_LOCK:
        _PATCH_USERS[0] += 1
        if _PATCH_USERS[0] == 1:
            _PATCH_SAVED[:] = [saved]
            providers._get_local_constants = Constants  # an empty pool
            cache.cache.clear()  # pools already computed from the local literals
    try:
        yield
    finally:
        with _PATCH_LOCK:
            _PATCH_USERS[0] -= 1
            if _PATCH_USERS[0] == 0:
                providers._get_local_constants = _PATCH_SAVED.pop()
                cache.cache.clear()


def explore_seed() -> int:
    """A fresh random seed for --explore (reported, so a finding can be drawn again)."""
    return random.SystemRandom().getrandbits(32)
