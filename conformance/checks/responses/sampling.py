"""Fields that shape generation: max_output_tokens (and the incomplete status it causes), temperature, top_p."""

from __future__ import annotations

from typing import Any

from conformance import catalog
from conformance.checks.responses import shape
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Ignored, Skip, SpecViolation

EP = catalog.RESPONSES
# A prompt that keeps a small model talking past max_output_tokens.
STORY = "Write a long story about a dragon who learns to bake bread."
SAMPLES = 3
HOT = 1.5


def _samples(ctx: CheckContext, what: str, **fields: Any) -> list[str]:
    """Independent answers to the story prompt (never from the run cache)."""
    return [shape.text(shape.answer(ctx, what, cache=False, input=STORY, **fields)) for _ in range(SAMPLES)]


@check("responses.max_output_tokens.incomplete", feature="Responses", field="max_output_tokens", endpoint=EP,
       behavior="An answer cut by max_output_tokens has at most that many output tokens, status 'incomplete' and "
                "incomplete_details.reason 'max_output_tokens' (an uncut one: 'completed', incomplete_details null)")
def incomplete(ctx: CheckContext) -> str:
    resp = shape.answer(ctx, f"max_output_tokens {shape.MAX_OUTPUT}", input=STORY)
    used = shape.usage(resp)["output_tokens"]
    status, details = resp.get("status"), resp.get("incomplete_details")
    ctx.note(output_tokens=used, status=status, incomplete_details=details, text=shape.text(resp))
    if used > shape.MAX_OUTPUT:
        raise Ignored(f"max_output_tokens {shape.MAX_OUTPUT} gave {used} output tokens")
    if used < shape.MAX_OUTPUT and status == "completed":
        if details is not None:
            raise SpecViolation(f"a completed answer carries incomplete_details {details!r}")
        raise Skip(f"the answer ended by itself after {used} of {shape.MAX_OUTPUT} tokens: no cut to judge")
    reason = details.get("reason") if isinstance(details, dict) else None
    if status != "incomplete":
        raise SpecViolation(f"cut at {used} output tokens (max_output_tokens {shape.MAX_OUTPUT}) but status is "
                            f"{status!r}, not 'incomplete' (incomplete_details {details!r}): clients take the cut "
                            "answer for a whole one")
    if reason != "max_output_tokens":
        raise SpecViolation(f"status 'incomplete' but incomplete_details is {details!r}, not reason "
                            "'max_output_tokens'")
    return f"cut at {used} output tokens: status 'incomplete', incomplete_details.reason 'max_output_tokens'"


@check("responses.temperature.effect", feature="Responses", field="temperature", endpoint=EP,
       behavior=f"temperature {HOT} makes independent samples vary")
def temperature_effect(ctx: CheckContext) -> str:
    texts = _samples(ctx, f"temperature {HOT}", temperature=HOT)
    ctx.note(samples=texts)
    if len(set(texts)) == 1:
        raise Ignored(f"{SAMPLES} samples at temperature {HOT} are identical: {texts[0][:60]!r}")
    return f"{SAMPLES} samples at temperature {HOT} vary"


@check("responses.top_p.effect", feature="Responses", field="top_p", endpoint=EP, alone=True,
       behavior=f"a tiny top_p (0.01) collapses the variation of temperature {HOT}")
def top_p_effect(ctx: CheckContext) -> str:
    # alone, as chat's fields.top_p.collapses: llama-server's samples at top_p 0.01 varied while other checks were
    # batched beside them (recorded 'ignored') and never alone (4 of 4 the same text by curl, recorded 'pass').
    narrow = _samples(ctx, "top_p 0.01", temperature=HOT, top_p=0.01)
    ctx.note(top_p_samples=narrow)
    if len(set(narrow)) > 1:
        raise Ignored(f"{SAMPLES} samples at top_p 0.01 still vary: {[t[:30] for t in narrow]}")
    wide = _samples(ctx, f"temperature {HOT}", temperature=HOT)
    ctx.note(temperature_samples=wide)
    if len(set(wide)) == 1:
        raise Skip(f"temperature {HOT} alone does not vary either: nothing for top_p to collapse")
    return f"top_p 0.01 gives one text in {SAMPLES} samples where temperature {HOT} alone varies"
