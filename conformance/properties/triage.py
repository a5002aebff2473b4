"""What every endpoint's property judge does first with an answer: statuses that judge nothing, and rejections."""

from __future__ import annotations

from conformance.context import error_message, has_envelope
from conformance.model import Exchange
from conformance.properties.spec import Example, Judgement

BUSY = (408, 429, 502, 503, 504)


def not_judged(status: int, what: str) -> Judgement | None:
    """A harness judgement for an answer that says nothing about conformance (auth, busy), else None."""
    if status in (401, 403):
        return Judgement(harness=f"{what}: {status} authentication failed; check --api-key-env")
    if status in BUSY:
        return Judgement(harness=f"{what}: {status} (busy, rate limited or not ready)")
    return None


def valid_rejected(example: Example, ex: Exchange) -> Judgement | None:
    """A valid request's answer judged before its body: not judged, or a 4xx (noted; a failure for the plainest)."""
    status = ex.status or 0
    if (skip := not_judged(status, "a generated valid request")) is not None:
        return skip
    if 400 <= status < 500:
        msg = error_message(ex.response_body) + ("" if has_envelope(ex.response_body) else " (no error envelope)")
        if example.plain:
            return Judgement(f"the plainest valid request was rejected with {status}: {msg}", key="plain rejected")
        return Judgement(observation=f"rejected with {status}: {msg[:200]}")
    return None
