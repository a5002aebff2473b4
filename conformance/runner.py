"""Runs one check and turns whatever happened into a CheckResult."""

from __future__ import annotations

import time
import traceback

from conformance import catalog
from conformance.context import CheckContext, Run
from conformance.judge import review
from conformance.model import CheckResult, CheckSpec, Outcome, Target
from conformance.registry import Check
from conformance.verdict import Fail, Skip, Verdict

# The model option each endpoint is tested with (Target attribute, what it is, the option). A run not given it
# leaves the endpoint untested, whether or not a check reads the model (a malformed-body check sends none,
# yet judges chat), and so does a replay of a recording made without it.
ENDPOINT_MODELS: dict[str, tuple[str, str, str]] = {
    catalog.CHAT: ("model", "chat model", "--model"),
    catalog.COMPLETIONS: ("model", "chat model", "--model"),
    catalog.RESPONSES: ("model", "chat model", "--model"),
    catalog.EMBEDDINGS: ("embedding_model", "embedding model", "--embedding-model"),
    catalog.SPEECH: ("speech_model", "speech model", "--speech-model"),
    catalog.TRANSCRIPTIONS: ("transcription_model", "transcription model", "--transcription-model"),
    catalog.IMAGES: ("image_model", "image model", "--image-model"),
}


def untested(spec: CheckSpec, target: Target) -> str | None:
    """Why a check cannot run on this target ('no speech model given (--speech-model)'), else None."""
    need = ENDPOINT_MODELS.get(spec.endpoint)
    if need is not None and not getattr(target, need[0]):
        return f"no {need[1]} given ({need[2]})"
    return None


def execute(check: Check, run: Run) -> CheckResult:
    """Run a check and fold in the official client's judgement of its answers."""
    return review.review(perform(check, run))


def perform(check: Check, run: Run) -> CheckResult:
    """Run a check, without the official client's judgement (review.review adds it, from the bytes alone).

    A raised Verdict sets the outcome, an unexpected exception is a harness error.
    """
    ctx = CheckContext(run, check.spec)
    start = time.monotonic()
    severity = None
    try:
        if (why := untested(check.spec, run.target)) is not None:
            raise Skip(why)
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
    # Every 2xx answer the check used goes to the official client too (execute): its failures are
    # client-breaking evidence.
    return CheckResult(
        spec=check.spec,
        outcome=outcome,
        reason=reason,
        evidence=tuple(ctx.evidence),
        deviations=tuple(ctx.deviations),
        duration_s=time.monotonic() - start,
        details=ctx.details,
        severity=severity,
    )
