"""logprobs as an integer in the legacy shape, and echo (the prompt prepended, with its logprobs when asked)."""

from __future__ import annotations

import math
from typing import Any

from conformance import catalog
from conformance.checks.completions import common
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Fail, Ignored, SpecViolation

EP = catalog.COMPLETIONS
TOP = 2
LEGACY = ("tokens", "token_logprobs", "top_logprobs", "text_offset")


def _logprobs(ctx: CheckContext, what: str, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answer and its first choice's logprobs object in the legacy shape (a chat shape fails)."""
    answer = common.ok(ctx, what, logprobs=TOP, **fields)
    lp = common.choices(answer)[0].get("logprobs")
    if lp is None:
        raise Ignored(f"{what}: logprobs={TOP} accepted but choices[0].logprobs is null")
    if not isinstance(lp, dict):
        raise Fail(f"{what}: choices[0].logprobs is {type(lp).__name__}, not an object")
    missing = [k for k in LEGACY if not isinstance(lp.get(k), list)]
    if missing:
        absent = [k for k in missing if k not in lp]
        how = ", ".join(f"{k} {'absent' if k in absent else repr(lp[k])[:20]}" for k in missing)
        chat = " (the chat shape: a `content` list)" if isinstance(lp.get("content"), list) else ""
        # The openai SDK builds its Logprobs model without validation: a missing or null field reads None, and
        # client code iterating logprobs.tokens or token_logprobs raises TypeError.
        raise Fail(f"{what}: logprobs is not in the legacy shape, {how}{chat}; the openai SDK reads "
                   f"choices[0].logprobs.{missing[0]} as None")
    return answer, lp


def _consistent(lp: dict[str, Any], text: str, where: str) -> list[str]:
    """Problems: list lengths, logprob values, tokens rebuilding the text, offsets following the tokens."""
    tokens, values, offsets = lp["tokens"], lp["token_logprobs"], lp["text_offset"]
    problems = []
    if not len(tokens) == len(values) == len(lp["top_logprobs"]) == len(offsets):
        problems.append(f"{where}: lists of lengths {[len(lp[k]) for k in LEGACY]} ({', '.join(LEGACY)})")
        return problems
    if not all(isinstance(t, str) for t in tokens):
        problems.append(f"{where}: tokens are not all strings")
    elif "".join(tokens) != text:
        problems.append(f"{where}: tokens join to {''.join(tokens)!r}, the text is {text!r}")
    # The first token of an echoed prompt has no logprob: null there is what OpenAI sends.
    bad = [v for pos, v in enumerate(values) if not (v is None and pos == 0) and
           not (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v <= 0)]
    if bad:
        problems.append(f"{where}: token_logprobs {bad[:3]} are not finite numbers <= 0")
    steps = [b - a for a, b in zip(offsets, offsets[1:])]
    lengths = [len(t) for t in tokens[:-1]] if all(isinstance(t, str) for t in tokens) else steps
    if not all(isinstance(o, int) for o in offsets) or steps != lengths:
        problems.append(f"{where}: text_offset {offsets[:6]} does not advance by each token's length")
    return problems


@check("completions.logprobs.legacy_shape", endpoint=EP, feature="Logprobs", field="logprobs",
       behavior=f"logprobs={TOP} (an integer) gives choices[].logprobs in the legacy shape: tokens, token_logprobs, "
                "top_logprobs and text_offset, lists of one length, tokens joining to the text, logprobs <= 0, "
                "offsets advancing by token length (a chat-shaped object breaks clients: the SDK reads None)")
def legacy_shape(ctx: CheckContext) -> str:
    answer, lp = _logprobs(ctx, f"logprobs {TOP}")
    problems = _consistent(lp, common.text(answer), "logprobs")
    if problems:
        raise SpecViolation("; ".join(problems[:3]))
    return f"{len(lp['tokens'])} tokens {lp['tokens'][:4]} with logprobs and offsets"


@check("completions.logprobs.top_logprobs", endpoint=EP, feature="Logprobs", field="logprobs",
       behavior=f"logprobs={TOP}: each top_logprobs entry maps token text to logprob, with {TOP} or {TOP + 1} "
                "alternatives (OpenAI may add the sampled token)")
def top_logprobs(ctx: CheckContext) -> str:
    _, lp = _logprobs(ctx, f"logprobs {TOP}")
    counts = []
    for pos, top in enumerate(lp["top_logprobs"]):
        if not isinstance(top, dict) or not all(isinstance(v, (int, float)) for v in top.values()):
            raise SpecViolation(f"top_logprobs[{pos}] is {str(top)[:120]}, not an object of token text -> logprob")
        counts.append(len(top))
    wrong = [c for c in counts if not TOP <= c <= TOP + 1]
    if wrong:
        raise SpecViolation(f"logprobs={TOP} gave {sorted(set(counts))} alternatives per token")
    return f"{sorted(set(counts))} alternatives per token"


@check("completions.echo.prompt", endpoint=EP, feature="Echo", field="echo",
       behavior="echo true prepends the prompt to the text of the choice")
def echo_prompt(ctx: CheckContext) -> str:
    out = common.text(common.ok(ctx, "echo true", echo=True))
    if out.startswith(common.PROMPT):
        return f"the text starts with the prompt: {out!r}"
    raise Ignored(f"echo true accepted but the text {out!r} does not start with the prompt {common.PROMPT!r}")


@check("completions.echo.logprobs", endpoint=EP, feature="Echo", field="echo",
       behavior=f"echo true with logprobs={TOP} gives logprobs for the prompt tokens too: tokens join to prompt "
                "and completion")
def echo_logprobs(ctx: CheckContext) -> str:
    # Echo first: a server that never echoes fails echo, whatever shape its logprobs take.
    out = common.text(common.ok(ctx, f"echo true with logprobs {TOP}", echo=True, logprobs=TOP))
    if not out.startswith(common.PROMPT):
        raise Ignored(f"echo true accepted but the text {out!r} does not start with the prompt")
    answer, lp = _logprobs(ctx, f"echo true with logprobs {TOP}", echo=True)
    joined = "".join(t for t in lp["tokens"] if isinstance(t, str))
    if not joined.startswith(common.PROMPT):
        raise Ignored(f"the text is echoed but the logprobs cover only the completion: tokens join to {joined!r}")
    problems = _consistent(lp, out, "echoed logprobs")
    if problems:
        raise SpecViolation("; ".join(problems[:3]))
    return f"{len(lp['tokens'])} tokens covering prompt and completion"
