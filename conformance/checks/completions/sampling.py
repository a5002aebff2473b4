"""Fields with an effect on the generated text: max_tokens, stop, temperature and seed."""

from __future__ import annotations

from typing import Any

from conformance import catalog
from conformance.checks._shared import shape as _shape
from conformance.checks.completions import common
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Ignored, Skip, SpecViolation

FEATURE = "Completions"
EP = catalog.COMPLETIONS
SHORT = 2
LONG = 16
STORY = "Write a story about a dragon. Once upon a time"
SAMPLE_TOKENS = 12


@check("completions.max_tokens.length", endpoint=EP, feature=FEATURE, field="max_tokens",
       behavior=f"max_tokens={SHORT} cuts the text: finish_reason 'length' and at most {SHORT} completion tokens")
def max_tokens_length(ctx: CheckContext) -> str:
    answer = common.ok(ctx, f"max_tokens {SHORT}", max_tokens=SHORT)
    fr = common.choices(answer)[0].get("finish_reason")
    u = _shape.usage(answer)
    if u["completion_tokens"] > SHORT:
        raise Ignored(f"max_tokens={SHORT} gave {u['completion_tokens']} completion tokens: {common.text(answer)!r}")
    if fr != "length":
        raise SpecViolation(f"cut at {u['completion_tokens']} tokens with finish_reason {fr!r}, not 'length'")
    return f"{u['completion_tokens']} completion tokens, finish_reason 'length': {common.text(answer)!r}"


def _stop_word(text: str) -> str | None:
    """A word from the middle of the answer: a stop string that must cut it there."""
    words = [w for w in text.split() if w.isalpha()]
    return words[1] if len(words) > 2 else None


@check("completions.stop.honoured", endpoint=EP, feature=FEATURE, field="stop", alone=True,
       behavior="stop (a list) cuts the text before the stop string, which is not included; finish_reason 'stop'")
def stop_honoured(ctx: CheckContext) -> str:
    # alone: the unstopped and the stopped requests are compared sent back to back.
    base = common.text(common.ok(ctx, "the unstopped request", cache=False, max_tokens=LONG))
    word = _stop_word(base)
    if word is None:
        raise Skip(f"the answer {base!r} has too few words to pick a stop string from")
    answer = common.ok(ctx, f"stop [{word!r}]", cache=False, max_tokens=LONG, stop=[word])
    out, fr = common.text(answer), common.choices(answer)[0].get("finish_reason")
    if word in out:
        # Stopped on the word but kept it is a stop honoured wrongly (as chat's fields.stop.string reads it).
        if _shape.kept_stop(out, base, word):
            raise SpecViolation(f"the output {out!r} includes the stop string {word!r} (finish_reason {fr!r})")
        raise Ignored(f"stop {word!r} is in the output {out!r}: it runs past the stop string")
    if not base.startswith(out):
        raise Skip(f"the stopped answer {out!r} is not a prefix of the unstopped {base!r}: not repeatable here")
    if fr != "stop":
        raise SpecViolation(f"cut before {word!r} ({out!r}) with finish_reason {fr!r}, not 'stop'")
    return f"cut before {word!r}: {out!r}, finish_reason 'stop'"


@check("completions.temperature.zero_repeatable", endpoint=EP, feature=FEATURE, field="temperature", alone=True,
       behavior="temperature 0 is repeatable: the same request twice (back to back) gives the same text")
def temperature_zero(ctx: CheckContext) -> str:
    first = common.text(common.ok(ctx, "the request", cache=False, max_tokens=LONG))
    second = common.text(common.ok(ctx, "the same request again", cache=False, max_tokens=LONG))
    if first != second:
        raise Ignored(f"temperature 0 gave {first!r} then {second!r}: not greedy")
    return f"the same text twice: {first!r}"


def _samples(ctx: CheckContext, n: int, what: str, **fields: Any) -> list[str]:
    return [common.text(common.ok(ctx, what, cache=False, **fields)) for _ in range(n)]


@check("completions.temperature.high_varies", endpoint=EP, feature=FEATURE, field="temperature",
       behavior="a high temperature (1.5) makes independent samples vary")
def temperature_high(ctx: CheckContext) -> str:
    texts = _samples(ctx, 3, "temperature 1.5", prompt=STORY, temperature=1.5, max_tokens=SAMPLE_TOKENS)
    ctx.note(samples=texts)
    if len(set(texts)) == 1:
        raise Ignored(f"3 samples at temperature 1.5 are identical: {texts[0]!r}")
    return f"{len(set(texts))} distinct texts in 3 samples"


@check("completions.seed.repeatable", endpoint=EP, feature="Reproducible outputs", field="seed", alone=True,
       behavior="seed makes sampling repeatable: same seed, same text at temperature 1; another seed differs")
def seed_repeatable(ctx: CheckContext) -> str:
    # alone, as fields.seed.repeatable: the same seed repeats only under the same batching (vLLM and llama.cpp
    # read ignored in recordings made beside other requests, and pass in those made on a quieter server).
    fields: dict[str, Any] = {"prompt": STORY, "temperature": 1.0, "max_tokens": SAMPLE_TOKENS}
    first = common.text(common.ok(ctx, "seed 1234", seed=1234, **fields))
    again = common.text(common.ok(ctx, "seed 1234 again", cache=False, seed=1234, **fields))
    if first != again:
        raise Ignored(f"the same seed gave {first!r} then {again!r}")
    others = []
    for seed in (5678, 91011):
        others.append(common.text(common.ok(ctx, f"seed {seed}", seed=seed, **fields)))
        if others[-1] != first:
            return f"seed 1234 twice gave {first!r}; seed {seed} gave {others[-1]!r}"
    ctx.note(other_seeds=others)
    raise Skip(f"three seeds gave the same text {first!r}: sampling shows no variation, so seed cannot be judged")


