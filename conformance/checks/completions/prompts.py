"""The four prompt forms: a string, a list of strings, token ids and a list of token-id lists."""

from __future__ import annotations

from typing import Any

from conformance import catalog
from conformance.checks._shared import shape as _shape
from conformance.checks.completions import common
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Fail

EP = catalog.COMPLETIONS
# A server may add a BOS token (or two special tokens) around the ids it was given.
ADDED_TOKENS = 2


def _batch(ctx: CheckContext, prompts: list[Any], what: str) -> str:
    """One choice per prompt, in prompt order by index, each the answer that prompt gets alone (temperature 0)."""
    texts = common.by_index(common.ok(ctx, what, prompt=prompts), what)
    if len(texts) != len(prompts):
        raise Fail(f"{what}: {len(texts)} choice(s) for {len(prompts)} prompts; clients expect one choice per prompt")
    alone = [common.text(common.ok(ctx, f"prompt {pos} alone", prompt=p)) for pos, p in enumerate(prompts)]
    if texts == alone:
        return f"{len(texts)} choices, each the answer its prompt gets alone: {texts}"
    if alone[0] != alone[1] and texts == alone[::-1]:
        raise Fail(f"{what}: choice index 0 answers prompt 1 and index 1 prompt 0 ({texts}): clients match choices "
                   "to prompts by index")
    if alone[0] != alone[1] and all(t == alone[0] for t in texts):
        raise Fail(f"{what}: every choice is the answer to the first prompt ({alone[0]!r}); the second prompt "
                   f"alone gets {alone[1]!r}")
    # Batched decoding may differ in the last bits from a single request: the order held, so say so only.
    ctx.deviations.append(f"batched answers {texts} differ from the answers each prompt gets alone {alone}")
    return f"{len(texts)} choices in prompt order (batched text differs from single requests)"


@check("completions.prompt.strings", endpoint=EP, feature="Batch prompts", field="prompt.strings",
       behavior="A list of two string prompts gets two choices, index 0 answering the first prompt and index 1 "
                "the second (each the answer that prompt gets alone at temperature 0)")
def prompt_strings(ctx: CheckContext) -> str:
    return _batch(ctx, [common.PROMPT, common.OTHER_PROMPT], "a list of two string prompts")


@check("completions.prompt.tokens", endpoint=EP, feature="Token prompts", field="prompt.tokens",
       behavior="A prompt of token ids is read as tokens: one choice, and usage.prompt_tokens counts the ids "
                f"(up to {ADDED_TOKENS} special tokens added), not the characters of their decimal text")
def prompt_tokens(ctx: CheckContext) -> str:
    answer = common.ok(ctx, "a prompt of token ids", prompt=common.TOKENS)
    found = common.choices(answer)
    if len(found) != 1:
        raise Fail(f"{len(common.TOKENS)} token ids gave {len(found)} choices: each id was taken for a prompt")
    common.text(answer)
    counted = _shape.prompt_tokens(answer)
    ids = len(common.TOKENS)
    if counted is None:
        ctx.deviations.append("no usage.prompt_tokens: whether the ids were read as tokens is not shown")
        return f"answered {common.text(answer)!r} (no usage to confirm the ids were read as tokens)"
    if not ids <= counted <= ids + ADDED_TOKENS:
        raise Fail(f"{ids} token ids counted as {counted} prompt tokens: the ids were not read as tokens")
    return f"{ids} ids, {counted} prompt tokens, answered {common.text(answer)!r}"


@check("completions.prompt.token_lists", endpoint=EP, feature="Token prompts", field="prompt.token_lists",
       behavior="A list of two token-id lists gets two choices, index 0 answering the first list and index 1 "
                "the second (each the answer that list gets alone at temperature 0)")
def prompt_token_lists(ctx: CheckContext) -> str:
    return _batch(ctx, [common.TOKENS, common.OTHER_TOKENS], "a list of two token-id lists")
