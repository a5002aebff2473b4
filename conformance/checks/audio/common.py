"""What the speech and transcription checks share: the model options, the rejection judge, word error rate."""

from __future__ import annotations

import re
from typing import Any

from conformance.context import CheckContext, error_message, has_envelope
from conformance.model import Exchange
from conformance.verdict import LaxValidation, Skip, SpecViolation


def speech_model(ctx: CheckContext) -> str:
    """The --speech-model; a run given none leaves the endpoint untested."""
    if not ctx.target.speech_model:
        raise Skip("no speech model given (--speech-model)")
    return ctx.target.speech_model


def transcription_model(ctx: CheckContext) -> str:
    """The --transcription-model; a run given none leaves the endpoint untested."""
    if not ctx.target.transcription_model:
        raise Skip("no transcription model given (--transcription-model)")
    return ctx.target.transcription_model


def fastapi_detail(body: Any) -> bool:
    """FastAPI's validation answer: {"detail": [{"loc": ..., "msg": ...}, ...]} (or a detail of any shape)."""
    return isinstance(body, dict) and "detail" in body and "error" not in body


def rejected(ex: Exchange, what: str) -> str:
    """An invalid request must get a 4xx in the OpenAI envelope: 2xx is lax, any other answer violates the spec."""
    status = ex.status or 0
    if 200 <= status < 300:
        raise LaxValidation(f"{what} was accepted with {status}")
    body = ex.response_body
    if not 400 <= status < 500:
        raise SpecViolation(f"{what} gave {status}, not a 4xx: {error_message(body) or ex.raw_body or ''}"[:300])
    if has_envelope(body):
        return f"{what} rejected with {status} in the error envelope: {error_message(body)}"
    if fastapi_detail(body):
        raise SpecViolation(f"{what} rejected with {status}, but as FastAPI's {{\"detail\": ...}}, not the OpenAI "
                            f"error envelope (the SDK's error has no message or type): {str(body)[:200]}")
    raise SpecViolation(f"{what} rejected with {status} without the OpenAI error envelope: "
                        f"{str(body if body is not None else ex.raw_body)[:200]}")


def words(text: str) -> list[str]:
    """Lower-case words without punctuation: what a transcript is compared on."""
    return re.findall(r"[a-z0-9']+", text.lower())


def word_error_rate(expected: str, heard: str) -> float:
    """(substitutions + deletions + insertions) / words expected, by edit distance over words."""
    ref, hyp = words(expected), words(heard)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)
