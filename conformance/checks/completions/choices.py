"""n and best_of: several choices per prompt, their order, what they cost, and best_of's bounds."""

from __future__ import annotations

from typing import Any

from conformance import catalog
from conformance.checks._shared import shape as _shape
from conformance.checks.completions import common
from conformance.context import CheckContext, error_message
from conformance.model import Exchange
from conformance.registry import check
from conformance.verdict import Accepted, Fail, Ignored, Skip, SpecViolation

FEATURE = "Multiple choices"
EP = catalog.COMPLETIONS
CUT = 4  # every choice hits it: then each costs exactly CUT completion tokens
N = 2
# Sampled, not greedy: vLLM rejects n > 1 at temperature 0 ("n must be 1 when using greedy sampling").
SAMPLED = 1.0


def _n_answer(ctx: CheckContext) -> dict[str, Any]:
    return common.ok(ctx, f"n={N}", n=N, max_tokens=CUT, temperature=SAMPLED)


@check("completions.n.choices", endpoint=EP, feature=FEATURE, field="n",
       behavior=f"n={N} returns {N} choices with indexes 0..{N - 1}")
def n_choices(ctx: CheckContext) -> str:
    answer = _n_answer(ctx)
    found = common.choices(answer)
    if len(found) == 1:
        raise Ignored(f"n={N} returned a single choice")
    texts = common.by_index(answer, f"n={N}")
    if len(texts) != N:
        raise Fail(f"n={N} returned {len(texts)} choices")
    ctx.note(texts=texts)  # sampled at temperature 1: kept out of the reason, which stays the same run to run
    return f"{N} choices with indexes 0..{N - 1}"


@check("completions.usage.every_choice", endpoint=EP, feature=FEATURE, field="n",
       behavior=f"usage.completion_tokens counts every choice: n={N} choices cut at max_tokens={CUT} cost "
                f"{N * CUT} completion tokens")
def usage_every_choice(ctx: CheckContext) -> str:
    answer = _n_answer(ctx)
    found = common.choices(answer)
    cut = [c for c in found if c.get("finish_reason") == "length"]
    if len(found) < N:
        raise Skip(f"n={N} gave {len(found)} choice(s); see completions.n.choices")
    if len(cut) < N:
        raise Skip(f"only {len(cut)} of {len(found)} choices reached max_tokens, so their cost is not known")
    u = _shape.usage(answer)
    if u["completion_tokens"] < N * CUT:
        raise SpecViolation(f"{N} choices each cut at {CUT} tokens, yet usage.completion_tokens is "
                            f"{u['completion_tokens']}: usage counts one choice only (clients under-report cost)")
    return f"usage.completion_tokens {u['completion_tokens']} for {N} choices of {CUT} tokens"


@check("completions.best_of.below_n", endpoint=EP, feature="Input validation", field="best_of",
       behavior=f"best_of smaller than n (best_of=1, n={N}, temperature 1) is rejected with a 4xx, as OpenAI does")
def best_of_below_n(ctx: CheckContext) -> str:
    return ctx.expect_rejected(_below_n(ctx), f"best_of=1 with n={N}")


def _below_n(ctx: CheckContext) -> Exchange:
    return common.send(ctx, best_of=1, n=N, max_tokens=1, temperature=SAMPLED)


@check("completions.best_of.candidates", endpoint=EP, feature=FEATURE, field="best_of",
       behavior=f"best_of={N} returns one choice and generates {N} candidates server-side, which usage counts "
                "(an effect a client can see); an invalid best_of tells 'read' from 'ignored'")
def best_of_candidates(ctx: CheckContext) -> str:
    answer = common.ok(ctx, f"best_of={N}", best_of=N, max_tokens=CUT, temperature=SAMPLED)
    found = common.choices(answer)
    if len(found) != 1:
        raise Fail(f"best_of={N} with n=1 returned {len(found)} choices: clients expect n, not best_of")
    u = _shape.usage(answer)
    if found[0].get("finish_reason") == "length" and u["completion_tokens"] >= N * CUT:
        return f"one choice; usage.completion_tokens {u['completion_tokens']} counts {N} candidates of {CUT} tokens"
    why = f"best_of={N} answered one choice costing {u['completion_tokens']} completion tokens (no candidates counted)"
    ex = _below_n(ctx)  # the same request best_of.below_n sends
    status = ex.status or 0
    if 200 <= status < 300:
        raise Ignored(f"{why}; best_of=1 with n={N} is accepted too: best_of is not read")
    raise Accepted(f"{why}; best_of=1 with n={N} is rejected with {status} "
                   f"({error_message(ex.response_body)[:80]}), so best_of is read")
