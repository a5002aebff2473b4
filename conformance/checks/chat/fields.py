"""Request fields with an observable effect: length limits, stop strings, sampling, seed, n, penalties, logit_bias."""

from __future__ import annotations

import re
from typing import Any

from conformance.checks._shared import shape as _shape
from conformance.checks.chat.chat import back_to_back
from conformance.context import OMIT, CheckContext
from conformance.registry import check
from conformance.verdict import Fail, Ignored, Skip, SpecViolation

FEATURE = "Chat completions"
LIMIT = 3
# A prompt that keeps a small model talking past a dozen tokens, for sampling checks.
STORY = [{"role": "user", "content": "Write a short story about a cat."}]
SAMPLE_TOKENS = 12
# Greedy decoding of a small model on this prompt repeats itself, so a penalty has something to bite on.
REPEAT = [{"role": "user", "content": "Repeat the word 'apple' twenty times, separated by spaces."}]
REPEAT_TOKENS = 24
JUNK_STOP = "QZXJ"


def _body(ctx: CheckContext, what: str, **fields: Any) -> dict[str, Any]:
    return ctx.expect_ok(ctx.chat(**fields), what)


def _completion_tokens(body: dict[str, Any]) -> int | None:
    u = body.get("usage")
    ct = u.get("completion_tokens") if isinstance(u, dict) else None
    return ct if isinstance(ct, int) and not isinstance(ct, bool) else None


def _samples(ctx: CheckContext, k: int, what: str, **fields: Any) -> list[str]:
    """k independent answers, shared with any other check that samples the same request."""
    return [_shape.text(ctx.expect_ok(ctx.chat(sample=i, **fields), what)) for i in range(1, k + 1)]


def _limited(ctx: CheckContext, field: str) -> str:
    """Shared judgement of max_tokens and max_completion_tokens: cut at the limit, finish_reason 'length'."""
    base = _body(ctx, "a plain chat completion")
    base_text, base_ct = _shape.text(base), _completion_tokens(base)
    if base_ct is not None and base_ct <= LIMIT + 1:
        raise Skip(f"the default answer has only {base_ct} tokens: too short to show a limit of {LIMIT}")
    fields: dict[str, Any] = {field: LIMIT}
    if field != "max_tokens":
        fields["max_tokens"] = OMIT  # the default max_tokens must not stand in for the field under test
    body = _body(ctx, f"{field}={LIMIT}", **fields)
    text, ct, fr = _shape.text(body), _completion_tokens(body), _shape.finish_reason(body)
    ctx.note(completion_tokens=ct, finish_reason=fr, text=text, unlimited_text=base_text)
    if ct == LIMIT + 1:
        raise SpecViolation(f"{field}={LIMIT} produced {ct} completion tokens: one more than the limit")
    if (ct is not None and ct > LIMIT + 1) or (text == base_text and fr != "length"):
        raise Ignored(f"{field}={LIMIT} had no effect: {ct} completion tokens, {text!r}")
    if fr != "length":
        raise SpecViolation(f"{field}={LIMIT} cut the answer to {text!r} but finish_reason is {fr!r}, not 'length'")
    if ct is None:
        ctx.deviations.append("usage.completion_tokens missing: the limit was judged from the text only")
    return f"cut to {ct} token(s) {text!r}, finish_reason 'length'"


@check("fields.max_tokens.limit", feature=FEATURE, field="max_tokens",
       behavior="max_tokens cuts the output: completion_tokens <= limit and finish_reason 'length'")
def max_tokens_limit(ctx: CheckContext) -> str:
    return _limited(ctx, "max_tokens")


@check("fields.max_completion_tokens.limit", feature=FEATURE, field="max_completion_tokens",
       behavior="max_completion_tokens cuts the output: completion_tokens <= limit and finish_reason 'length'")
def max_completion_tokens_limit(ctx: CheckContext) -> str:
    return _limited(ctx, "max_completion_tokens")


MIN_STOP_WORDS = 4  # fewer words leave no middle to cut at, with text on both sides


def stop_words(text: str) -> tuple[str, str | None]:
    """A word from the middle of text whose first occurrence is there, and a later such word if any."""
    if len(re.findall(r"\w+", text)) < MIN_STOP_WORDS:
        raise Skip(f"the unstopped temperature-0 answer {text!r} is too short to cut in the middle "
                   f"(fewer than {MIN_STOP_WORDS} words): stop cannot be judged")
    # Only words whose first occurrence in the text is where they stand: the cut point is then known.
    picks = [m for m in re.finditer(r"[A-Za-z]{3,}", text) if m.start() > 0 and text.find(m.group()) == m.start()]
    if not picks:
        raise Skip(f"the temperature-0 answer {text!r} has no word to use as a stop string")
    mid = min(picks, key=lambda m: abs(m.start() - len(text) // 2))
    # Another word stands between the two: a server that keeps the stop string then ends where one
    # that honours only the later word would, and the two faults could not be told apart.
    later = [m.group() for m in picks if m.start() >= mid.end() and mid.group() not in m.group()
             and re.search(r"\w", text[mid.end():m.start()])]
    return mid.group(), (later[0] if later else None)


def _unstopped(ctx: CheckContext, what: str) -> str:
    # Fresh, not from the run cache: this reference is sent right after the stopped request, since some
    # servers answer according to the request before (llama-cpp-python's prompt cache).
    return _shape.text(ctx.expect_ok(ctx.chat(cache=False), what))


def _diverged(out: str, base: str, word: str) -> bool:
    """The stopped output is no prefix of the unstopped answer ending before the stop string."""
    kept = out.rstrip()
    return not base.startswith(kept) or len(kept) > base.find(word)


def _stop_case(ctx: CheckContext, make_stop: Any) -> str:
    """Take the unstopped answer, pick the stop string from it, send the request with stop, and judge."""
    # The run's plain answer (from the run cache, which many checks share) is the first reference; a stopped
    # answer that leaves its path is judged again against a fresh one sent right after it (below).
    base = _shape.text(ctx.expect_ok(ctx.chat(), "a plain chat completion (the unstopped reference)"))
    word, later = stop_words(base)
    stop = make_stop(word, later)
    body = _body(ctx, f"stop={stop!r}", stop=stop, cache=False)
    out = _shape.text(body)
    if word not in out and _diverged(out, base, word):
        # The stopped answer left the reference's path before the stop string: either the answer depends
        # on the request before it (the reference followed another request, the stopped one followed the
        # reference), or sampling differs. Ask again right after the stopped request, with the same prompt.
        again = _unstopped(ctx, "the unstopped request again, right after the stopped one")
        ctx.note(first_unstopped_text=base, first_stop=stop, first_text=out)
        if again != base:
            ctx.deviations.append(f"the unstopped request answered {base!r}, then {again!r} sent again after the "
                                  "same prompt: the answer depends on the request before it "
                                  "(see chat.requests.isolated); judged against the second")
            base = again
            word, later = stop_words(base)
            stop = make_stop(word, later)
            body = _body(ctx, f"stop={stop!r} (again)", stop=stop, cache=False)
    return _judge_stop(ctx, body, stop, word, base)


def _judge_stop(ctx: CheckContext, body: dict[str, Any], stop: Any, word: str, base: str) -> str:
    out, fr = _shape.text(body), _shape.finish_reason(body)
    ctx.note(stop=stop, text=out, unstopped_text=base, finish_reason=fr)
    if isinstance(stop, list):
        ctx.note(expected_cut=word)
    first = stop[0] if isinstance(stop, list) else word
    if word in out:
        if _shape.kept_stop(out, base, word):
            raise SpecViolation(f"the output {out!r} includes the stop string {word!r}")
        if first != word and first in base and first not in out and fr == "stop":
            raise Fail(f"only stop[0] {first!r} was honoured: the output {out!r} runs past {word!r}")
        raise Ignored(f"the output {out!r} runs past the stop string {word!r}")
    if _diverged(out, base, word):
        ctx.deviations.append(f"the stopped output {out!r} is not a prefix of the unstopped {base!r} "
                              f"ending before {word!r}")
        # Without the shared path up to the stop string, an answer that ended by itself looks the same as
        # one that was cut: nothing shows the stop string's effect.
        raise Skip(f"the stopped answer {out!r} left the unstopped answer {base!r} before reaching {word!r}: "
                   "whether stop cut it cannot be judged")
    if fr != "stop":
        raise SpecViolation(f"the output {out!r} ended before {word!r} with finish_reason {fr!r}, not 'stop'")
    return f"cut before {word!r}, which the unstopped answer {base!r} contains: {out!r}, finish_reason 'stop'"


@check("fields.stop.string", feature=FEATURE, field="stop", alone=True,
       behavior="stop (a string) cuts the output before the stop string, which is not included; finish_reason 'stop'")
def stop_string(ctx: CheckContext) -> str:
    # alone: the unstopped and the stopped requests are compared sent back to back.
    return _stop_case(ctx, lambda word, later: word)


@check("fields.stop.list", feature=FEATURE, field="stop", alone=True,
       behavior="stop (a list of up to 4) cuts the output before the earliest of its strings, not included")
def stop_list(ctx: CheckContext) -> str:
    # The stop string that bites is not first: a server reading only stop[0] shows up.
    return _stop_case(ctx, lambda word, later: [later or JUNK_STOP, word])


@check("fields.temperature.zero_repeatable", feature=FEATURE, field="temperature", alone=True,
       behavior="temperature 0 is repeatable: the same request twice gives the same text")
def temperature_zero(ctx: CheckContext) -> str:
    # Fresh requests sent back to back (alone, never the plain request cached early in the run, which
    # followed other requests: some servers answer according to the request before). The same three
    # samples serve chat.requests.isolated, so all three are asked for, back to back, whoever asks first.
    first, second, third = back_to_back(ctx)
    if first == second:
        return f"two requests sent back to back gave the same text: {first!r}"
    # The third tells sampling from state: after itself, a server without sampling noise answers the same.
    ctx.note(answers=[first, second, third])
    if second == third:
        ctx.deviations.append(f"the first of three requests sent back to back gave {first!r}, the next two "
                              f"{second!r}: the answer depends on the request before it (see chat.requests.isolated)")
        return (f"requests 2 and 3, each sent right after the same request, gave the same text {second!r}; request 1, "
                f"sent after other requests, gave {first!r}: the difference follows the request before, not sampling")
    raise Ignored(f"temperature 0 gave {len({first, second, third})} different texts for three requests sent back to "
                  f"back: {first!r}, {second!r}, {third!r}: not greedy")


@check("fields.temperature.high_varies", feature=FEATURE, field="temperature",
       behavior="a high temperature (1.5) makes independent samples vary")
def temperature_high(ctx: CheckContext) -> str:
    texts = _samples(ctx, 3, "temperature 1.5", messages=STORY, temperature=1.5, max_tokens=SAMPLE_TOKENS)
    ctx.note(samples=texts)
    if len(set(texts)) == 1:
        raise Ignored(f"3 samples at temperature 1.5 are identical: {texts[0]!r}")
    return f"{len(set(texts))} distinct texts in 3 samples"


@check("fields.top_p.collapses", feature=FEATURE, field="top_p", alone=True,
       behavior="a tiny top_p (0.01) collapses the variation of a high temperature")
def top_p_collapses(ctx: CheckContext) -> str:
    # alone: llama.cpp computes a request batched with others slightly differently, so "top_p 0.01 still
    # varies" under load can be the batch, not the sampler (it never varied alone by hand).
    fields: dict[str, Any] = {"messages": STORY, "temperature": 1.5, "max_tokens": SAMPLE_TOKENS}
    narrow = _samples(ctx, 3, "top_p 0.01", top_p=0.01, **fields)
    ctx.note(top_p_samples=narrow)
    if len(set(narrow)) > 1:
        raise Ignored(f"3 samples at top_p 0.01 still vary: {narrow}")
    wide = _samples(ctx, 3, "temperature 1.5", **fields)
    ctx.note(temperature_samples=wide)
    if len(set(wide)) == 1:
        raise Skip("temperature 1.5 alone shows no variation, so top_p cannot be judged")
    return f"top_p 0.01 gave one text {narrow[0]!r} where temperature 1.5 alone varied"


@check("fields.seed.repeatable", feature="Reproducible outputs", field="seed", alone=True,
       behavior="seed makes sampling repeatable: same seed, same text at temperature 1; another seed differs")
def seed_repeatable(ctx: CheckContext) -> str:
    # alone: the same seed gives the same text only under the same batching (llama.cpp); two requests each
    # batched with different neighbours differ, which says nothing about seed.
    fields: dict[str, Any] = {"messages": STORY, "temperature": 1.0, "max_tokens": SAMPLE_TOKENS}
    first = _shape.text(_body(ctx, "seed 1234", seed=1234, **fields))
    again = _shape.text(ctx.expect_ok(ctx.chat(cache=False, seed=1234, **fields), "seed 1234 again"))
    if first != again:
        raise Ignored(f"the same seed gave {first!r} then {again!r}")
    others = []
    for seed in (5678, 91011):
        others.append(_shape.text(_body(ctx, f"seed {seed}", seed=seed, **fields)))
        if others[-1] != first:
            return f"seed 1234 twice gave {first!r}; seed {seed} gave {others[-1]!r}"
    ctx.note(other_seeds=others)
    raise Skip(f"three seeds gave the same text {first!r}: sampling shows no variation, so seed cannot be judged")


@check("fields.n.choices", feature="Multiple choices", field="n",
       behavior="n=2 returns two choices with indexes 0 and 1, independent samples, usage counting both")
def n_choices(ctx: CheckContext) -> str:
    fields: dict[str, Any] = {"messages": STORY, "temperature": 1.0, "max_tokens": SAMPLE_TOKENS, "n": 2}
    texts: list[str] = []
    for attempt in range(2):
        body = ctx.expect_ok(ctx.chat(cache=attempt == 0, **fields), "n=2")
        choices = _shape.choices(body)
        if len(choices) == 1:
            raise Ignored("n=2 returned a single choice")
        if len(choices) != 2:
            raise Fail(f"n=2 returned {len(choices)} choices")
        if [c.get("index") for c in choices] != [0, 1]:
            raise SpecViolation(f"choice indexes are {[c.get('index') for c in choices]}, not [0, 1]")
        texts = [_shape.text(body, 0), _shape.text(body, 1)]
        _n_usage(ctx, body, SAMPLE_TOKENS)
        if texts[0] != texts[1]:
            return f"two distinct choices: {texts[0]!r} / {texts[1]!r}"
    ctx.deviations.append(f"both choices were identical in 2 tries at temperature 1: {texts[0]!r}")
    return "two choices with indexes 0 and 1 (identical text)"


@check("fields.n.several", feature="Multiple choices", field="n",
       behavior="n=4 returns four choices (servers that cap n at their slot count reject it: say so clearly)")
def n_several(ctx: CheckContext) -> str:
    # llama.cpp caps n at its parallel slots (-np): a clear 400 there is a limit, not a broken server.
    # Temperature 1: this judges n, not determinism, and vLLM rejects n > 1 with greedy sampling.
    body = ctx.expect_ok(ctx.chat(max_tokens=2, n=4, temperature=1), "n=4")
    choices = _shape.choices(body)
    if len(choices) == 1:
        raise Ignored("n=4 returned a single choice")
    if len(choices) != 4:
        raise Fail(f"n=4 returned {len(choices)} choices")
    return "four choices"


def _n_usage(ctx: CheckContext, body: dict[str, Any], limit: int) -> None:
    """Note when usage.completion_tokens counts fewer tokens than the choices must have taken."""
    ct = _completion_tokens(body)
    floor = sum(limit if c.get("finish_reason") == "length" else 1 for c in _shape.choices(body))
    if ct is not None and ct < floor:
        note = f"usage.completion_tokens {ct} counts fewer tokens than the choices hold (at least {floor})"
        if note not in ctx.deviations:
            ctx.deviations.append(note)


def _penalty(ctx: CheckContext, field: str) -> str:
    fields: dict[str, Any] = {"messages": REPEAT, "max_tokens": REPEAT_TOKENS}
    base = _shape.text(_body(ctx, "a repetitive prompt", **fields))
    out = _shape.text(_body(ctx, f"{field} 2.0", **{field: 2.0}, **fields))
    ctx.note(without=base, with_penalty=out)
    if out != base:
        return f"{field} 2.0 changed {base!r} to {out!r}"
    words = re.findall(r"\w+", base.lower())
    if len(set(words)) == len(words):
        raise Skip(f"the greedy answer {base!r} repeats nothing, so a penalty cannot show")
    raise Ignored(f"{field} 2.0 left the repetitive answer unchanged: {base!r}")


@check("fields.frequency_penalty.effect", feature=FEATURE, field="frequency_penalty",
       behavior="frequency_penalty 2.0 changes a repetitive greedy answer")
def frequency_penalty(ctx: CheckContext) -> str:
    return _penalty(ctx, "frequency_penalty")


@check("fields.presence_penalty.effect", feature=FEATURE, field="presence_penalty",
       behavior="presence_penalty 2.0 changes a repetitive greedy answer")
def presence_penalty(ctx: CheckContext) -> str:
    return _penalty(ctx, "presence_penalty")


@check("fields.logit_bias.effect", feature=FEATURE, field="logit_bias",
       behavior="logit_bias +100 on one token id changes the greedy answer (ids are tokenizer-specific, so no ban is judged)")
def logit_bias(ctx: CheckContext) -> str:
    base = _shape.text(_body(ctx, "a plain chat completion"))
    body = _body(ctx, "logit_bias {'42': 100}", logit_bias={"42": 100})
    out = _shape.text(body)
    ctx.note(without=base, with_bias=out)
    if out == base:
        raise Ignored(f"logit_bias +100 on token 42 left the answer unchanged: {base!r}")
    pieces = out.split()
    dominant = bool(pieces) and len(set(pieces)) <= max(1, len(pieces) // 3)
    return f"answer changed from {base!r} to {out!r}" + (" (one token dominates)" if dominant else "")

