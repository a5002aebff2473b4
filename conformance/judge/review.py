"""Fold the SDK's judgements of a check's 2xx answers into the check's result."""

from __future__ import annotations

import threading
import weakref
from dataclasses import replace
from typing import Any

from conformance.judge import openai_sdk
from conformance.model import CheckResult, Exchange, Outcome, Severity, Wire

# A stream is evidence of a dozen checks: judge each answer once. Keyed weakly, so a run's answers
# leave with the run; the lock makes it safe from concurrent checks (a race only judges twice).
_judged: weakref.WeakKeyDictionary[Wire, openai_sdk.Judgement | None] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
DETAIL = "openai_sdk"


def judgement(ex: Exchange) -> openai_sdk.Judgement | None:
    """The SDK's judgement of one exchange's bytes (None: not a 2xx answer to a call the SDK makes)."""
    wire = ex.wire
    if wire is None or not 200 <= wire.status < 300:
        return None
    with _lock:
        if wire in _judged:
            return _judged[wire]
    found = openai_sdk.judge(wire.method, wire.url, ex.request_body, wire.status, wire.response_headers,
                             wire.response_body)
    with _lock:
        _judged[wire] = found
    return found


def review(result: CheckResult) -> CheckResult:
    """The result with the SDK's findings: a client failure the check missed or judged milder becomes the verdict."""
    judged = [(n, j) for n, j in ((n, judgement(ex)) for n, ex in enumerate(result.evidence, 1)) if j is not None]
    if not judged and not (result.outcome is Outcome.FAIL and result.severity in (None, Severity.BREAKS_CLIENTS)):
        return result
    failed = [(n, j) for n, j in judged if not j.ok]
    if not failed:
        if result.outcome is Outcome.FAIL and result.severity in (None, Severity.BREAKS_CLIENTS):
            raised = _raised_on_5xx(result)
            if raised is not None:
                # A 5xx among the answers: the same call through the official client raises on it.
                n, call = raised
                note = {"sdk": openai_sdk.version(), "agrees": True,
                        "note": f"the official client raises {call} on answer {n} (a server error); it read the "
                                f"{len(judged)} 2xx answer(s) as the suite did"}
                return replace(result, details={**result.details, DETAIL: note})
            if not judged:
                return result  # nothing the official client makes a call for: it has no say
            # The suite says clients break, yet the official client reads every answer fine: worth a second look
            # (a spec deviation or lax validation makes no claim about clients, so it is not flagged).
            note = {"sdk": judged[0][1].sdk, "agrees": False,
                    "note": f"the official client read all {len(judged)} 2xx answer(s) of this check as the "
                            "suite did; the failure is the suite's own finding"}
            return replace(result, details={**result.details, DETAIL: note})
        return result
    n, first = failed[0]
    found: dict[str, Any] = {
        "sdk": first.sdk,
        "failures": [{"exchange": k, "call": j.call, "problem": j.problem} for k, j in failed],
    }
    reason = f"{first.sdk}: {first.problem} ({first.call} on answer {n} of {len(result.evidence)})"
    own = result.severity
    if result.outcome is Outcome.FAIL and own is not None and own is not Severity.BREAKS_CLIENTS:
        # The suite judged a spec deviation; the official client shows that it breaks clients.
        found["overrides"] = {"outcome": "fail", "severity": own.value, "reason": result.reason}
        return replace(result, reason=f"{reason}; {result.reason}", severity=Severity.BREAKS_CLIENTS,
                       details={**result.details, DETAIL: found})
    if result.outcome not in (Outcome.PASS, Outcome.IGNORED, Outcome.ACCEPTED):
        return replace(result, details={**result.details, DETAIL: found})
    found["overrides"] = {"outcome": result.outcome.value, "reason": result.reason}
    return replace(result, outcome=Outcome.FAIL, reason=reason, severity=Severity.BREAKS_CLIENTS,
                   details={**result.details, DETAIL: found})


def _raised_on_5xx(result: CheckResult) -> tuple[int, str] | None:
    """The first 5xx answer of the check and what the official client raises on it, if any."""
    for n, ex in enumerate(result.evidence, 1):
        wire = ex.wire
        if wire is not None and wire.status >= 500:
            raised = openai_sdk.status_error(wire.method, wire.url, ex.request_body, wire.status,
                                             wire.response_headers, wire.response_body)
            if raised is not None:
                return n, raised
    return None
