"""Runs one check and turns whatever happened into a CheckResult."""

from __future__ import annotations

import time
import traceback

from conformance import catalog
from conformance.context import CheckContext, Run
from conformance.judge import review
from conformance.model import CheckResult, Outcome
from conformance.registry import Check
from conformance.verdict import Fail, Skip, Verdict

# Endpoints tested with --model: a run given none (a speech or image server) leaves them untested, whether
# or not a check of theirs reads ctx.model (a malformed-body check sends no model, yet judges chat).
CHAT_MODEL_ENDPOINTS = frozenset({catalog.CHAT, catalog.COMPLETIONS, catalog.RESPONSES})


def execute(check: Check, run: Run) -> CheckResult:
    """Run a check; a raised Verdict sets the outcome, an unexpected exception is a harness error."""
    ctx = CheckContext(run, check.spec)
    start = time.monotonic()
    severity = None
    try:
        if check.spec.endpoint in CHAT_MODEL_ENDPOINTS and not run.target.model:
            raise Skip("no chat model given (--model)")
        reason = check.fn(ctx) or "as specified"
        outcome = Outcome.PASS
    except Verdict as v:
        outcome, reason = v.outcome, v.reason
        severity = v.severity if isinstance(v, Fail) else None
        ctx.details.update(v.details)
    except Exception as exc:  # noqa: BLE001 - a bug in a check must not stop the run
        outcome = Outcome.ERROR
        reason = f"harness error: {type(exc).__name__}: {exc}"
        ctx.details["traceback"] = traceback.format_exc(limit=6)
    # Every 2xx answer the check used goes to the official client too: its failures are client-breaking evidence.
    return review.review(CheckResult(
        spec=check.spec,
        outcome=outcome,
        reason=reason,
        evidence=tuple(ctx.evidence),
        deviations=tuple(ctx.deviations),
        duration_s=time.monotonic() - start,
        details=ctx.details,
        severity=severity,
    ))
