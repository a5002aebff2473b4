"""What bounds a run besides --timeout: budgets (requests, tokens, duration), a circuit breaker, Retry-After.

The client asks `before()` ahead of every request and reports how each ended; checks that cannot send
any more are concluded by the context (skip "budget spent", error "not judged: the server stalled").
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from conformance.http import Client, TransportError
from conformance.model import Exchange

STALLS_PER_KIND = 5  # timeouts of one kind of request before that kind is no longer sent
SILENT_IN_A_ROW = 5  # requests in a row without any answer (timeouts, refused connections): the run stops
DEFAULT_429_WAIT_S = 1.0  # a 429 that does not say how long to wait
MAX_RETRIES = 5  # rate-limited answers waited out for one request, however short the waits


class Refused(Exception):
    """A request was not sent: the run's budget is spent, its kind stalled, or the server is gone."""

    def __init__(self, reason: str, *, budget: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.budget = budget


@dataclass(frozen=True)
class Budget:
    """The whole run's bounds; None means unbounded."""

    max_requests: int | None = None
    max_tokens: int | None = None
    max_duration_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain-JSON form for results.json."""
        return {"max_requests": self.max_requests, "max_tokens": self.max_tokens,
                "max_duration_s": self.max_duration_s}


def retry_after_s(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Limits:
    """The run's budget and circuit breaker, shared by every thread of the run."""

    def __init__(self, budget: Budget = Budget()) -> None:
        self.budget = budget
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._stalls: dict[str, int] = {}
        self._silent = 0
        self.stopped: str | None = None  # why the run stopped early (nothing answers any more)
        self.exhausted: str | None = None  # which budget ran out
        self.rate_limited = 0
        self.retry_wait_s = 0.0
        self._halted: str | None = None  # the session is ending (interrupted): send nothing more

    def elapsed_s(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self.started

    def remaining_s(self) -> float | None:
        """Seconds left of --max-duration (None when unbounded)."""
        if self.budget.max_duration_s is None:
            return None
        return self.budget.max_duration_s - self.elapsed_s()

    def check_budget(self, requests: int, tokens: int) -> str | None:
        """Why the budget is spent (and remember it), or None while it lasts."""
        b, reason = self.budget, None
        if b.max_requests is not None and requests >= b.max_requests:
            reason = f"budget spent: {requests} of --max-requests {b.max_requests} requests sent"
        elif b.max_tokens is not None and tokens >= b.max_tokens:
            reason = f"budget spent: {tokens} of --max-tokens {b.max_tokens} tokens used"
        elif b.max_duration_s is not None and self.elapsed_s() >= b.max_duration_s:
            reason = f"budget spent: the run reached --max-duration {b.max_duration_s:g} s"
        if reason is not None:
            with self._lock:
                self.exhausted = self.exhausted or reason
        return reason

    def refusal(self, requests: int, tokens: int) -> tuple[bool, str] | None:
        """Whether a check may start: None, or (is it the budget, why not)."""
        spent = self.check_budget(requests, tokens)
        if spent:
            return True, spent
        return (False, f"not judged: {self.stopped}") if self.stopped else None

    def before(self, kind: str, requests: int, tokens: int) -> None:
        """Raise Refused if this request must not be sent."""
        spent = self.check_budget(requests, tokens)
        if spent:
            raise Refused(spent, budget=True)
        with self._lock:
            if self.stopped or self._halted:
                raise Refused(f"not judged: {self.stopped or self._halted}", budget=False)
            if self._stalls.get(kind, 0) >= STALLS_PER_KIND:
                raise Refused(f"not judged: the server stalled {STALLS_PER_KIND} times on {kind}; not sent",
                              budget=False)

    def halt(self, reason: str) -> None:
        """Send nothing more (checks still running end at their next request)."""
        with self._lock:
            self._halted = reason

    def answered(self) -> None:
        """An answer arrived (any status): the server is there."""
        with self._lock:
            self._silent = 0

    def failed(self, kind: str, *, timeout: bool, silent: bool = True) -> None:
        """A request got no (complete) answer; silent: nothing at all came back."""
        with self._lock:
            self._silent = self._silent + 1 if silent else 0
            if timeout:
                self._stalls[kind] = self._stalls.get(kind, 0) + 1
            if self._silent >= SILENT_IN_A_ROW and self.stopped is None:
                self.stopped = f"the target stopped answering ({self._silent} requests in a row got no answer)"

    def waited(self, seconds: float) -> None:
        """A rate-limited answer (429, 503 with Retry-After) came, and seconds are spent waiting it out."""
        with self._lock:
            self.rate_limited += 1
            self.retry_wait_s += seconds

    def to_json(self, usage: dict[str, int]) -> dict[str, Any]:
        """The spend against the budget, and why the run ended early if it did."""
        return {
            **self.budget.to_json(),
            "spent": {"requests": usage["requests"], "tokens": usage["total_tokens"],
                      "duration_s": round(self.elapsed_s(), 1)},
            "exhausted": self.exhausted,
            "stopped": self.stopped,
            "rate_limited": self.rate_limited,
            "retry_wait_s": round(self.retry_wait_s, 1),
        }


class RateLimited(Exception):
    """Still rate limited when the time to wait for it ran out: the check is not judged."""


def _is_silence(exc: TransportError) -> tuple[bool, bool]:
    """(no answer at all, a timeout) for a transport failure: a garbled or stalled answer is still one."""
    cause = exc.__cause__
    timeout = isinstance(cause, httpx.TimeoutException)
    silent = (timeout or isinstance(cause, httpx.ConnectError)) and not exc.answered
    return silent, timeout


def _rate_limit_wait(ex: Exchange) -> float | None:
    """Seconds a 429 (or a 503 with Retry-After) asks to wait; None if the answer is no rate limit."""
    after = retry_after_s(ex.response_headers.get("retry-after") or ex.response_headers.get("Retry-After"))
    if ex.status == 429:
        return DEFAULT_429_WAIT_S if after is None else after
    if ex.status == 503 and after is not None:
        return after
    return None


def send_within(limits: Limits, client: Client, kind: str, send: Callable[[], Exchange]) -> Exchange:
    """Send once the limits allow it; wait out rate limits (Retry-After) within one --timeout per request."""
    waited, tries = 0.0, 0
    while True:
        usage = client.usage
        limits.before(kind, usage.requests, usage.prompt_tokens + usage.completion_tokens)
        try:
            ex = send()
        except TransportError as exc:
            silent, timeout = _is_silence(exc)
            limits.failed(kind, timeout=timeout, silent=silent)
            raise
        limits.answered()
        wait = _rate_limit_wait(ex)
        if wait is None:
            return ex
        room = client.target.timeout_s - waited
        left = limits.remaining_s()
        if left is not None:
            room = min(room, left)
        fits = wait <= room and tries < MAX_RETRIES
        limits.waited(wait if fits else 0.0)
        if not fits:
            raise RateLimited(f"not judged: rate limited ({ex.status}, Retry-After {wait:g} s) after {tries} "
                              f"retries and {waited:g} s of waiting (at most {MAX_RETRIES} retries within --timeout)")
        time.sleep(wait)
        waited, tries = waited + wait, tries + 1
