"""The fake's /v1/completions model: a parsed request, its generated choices and their legacy rendering."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from tests.fake.completions import _cut_at_stop
from tests.fake.model import Sampling, Token, make_rng, sample_tokens, scripted_tokens
from tests.fake.render import FINGERPRINT, ResponseIds
from tests.fake.tokenizer import VOCAB, count_words, stable_hash, vocab_id

OBJECT = "text_completion"
DEFAULT_MAX_TOKENS = 16


@dataclass(frozen=True)
class TextRequest:
    """What the fake makes of a completions request (deviations may change it)."""

    model: str
    prompts: tuple[str, ...]
    prompt_counts: tuple[int, ...]  # prompt tokens per prompt
    max_tokens: int | None = DEFAULT_MAX_TOKENS
    n: int = 1
    best_of: int = 1
    echo: bool = False
    suffix: str | None = None
    logprobs: int | None = None
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    include_stop: bool = False  # a deviation's: the output keeps the stop string it stopped on
    stream: bool = False
    include_usage: bool = False
    raw_prompt: Any = None  # the prompt field as sent


@dataclass(frozen=True)
class TextChoice:
    """One generated choice: the prompt it answers, its tokens and why it ended."""

    index: int
    prompt: int
    tokens: tuple[Token, ...]
    finish_reason: str

    @property
    def text(self) -> str:
        """The generated text."""
        return "".join(t.text for t in self.tokens)


def prompt_text(prompt: Any) -> tuple[str, int]:
    """One prompt's text and token count: token ids become vocabulary words, one token each."""
    if isinstance(prompt, list):
        ids = [i for i in prompt if isinstance(i, int)]
        return " ".join(VOCAB[vocab_id(abs(i))] for i in ids), len(ids)
    text = prompt if isinstance(prompt, str) else ""
    return text, count_words(text)


def prompts_of(prompt: Any) -> list[Any]:
    """The prompts a prompt field holds: a list of strings or of token lists is a batch, anything else one."""
    if isinstance(prompt, list) and prompt and all(isinstance(p, (str, list)) for p in prompt):
        return list(prompt)
    return [prompt]


def generate(req: TextRequest) -> tuple[list[TextChoice], int]:
    """The returned choices (prompt-major: index = prompt * n + choice) and the completion tokens of every candidate."""
    out: list[TextChoice] = []
    spent = 0
    sampling = Sampling(req.temperature, req.top_p)
    for pos, text in enumerate(req.prompts):
        key = f"completion:{text}|{req.suffix or ''}"
        candidates = []
        for k in range(max(req.n, req.best_of)):
            rng = random.Random(stable_hash(key)) if sampling.greedy else make_rng(key, req.seed, k)
            tokens = sample_tokens(key, sampling, rng)
            finish = "stop"
            if req.max_tokens is not None and len(tokens) > req.max_tokens:
                tokens, finish = tokens[: max(req.max_tokens, 0)], "length"
            if req.stop:
                tokens, hit = _cut_at_stop(tokens, req.stop, req.include_stop)
                finish = "stop" if hit else finish
            candidates.append((tuple(tokens), finish))
            spent += len(tokens)
        out += [TextChoice(pos * req.n + k, pos, toks, fin) for k, (toks, fin) in enumerate(candidates[: req.n])]
    return out, spent


def legacy_logprobs(req: TextRequest, choice: TextChoice) -> dict[str, Any] | None:
    """OpenAI's legacy logprobs: tokens, token_logprobs, top_logprobs (text -> logprob) and text_offset."""
    if req.logprobs is None:
        return None
    prompt = req.prompts[choice.prompt]
    echoed = scripted_tokens(prompt, "echo") if req.echo else []
    tokens, values, tops, offsets = [], [], [], []
    at = 0 if req.echo else len(prompt)  # offsets count from the start of the prompt, as OpenAI's do
    for pos, tok in enumerate([*echoed, *choice.tokens]):
        tokens.append(tok.text)
        values.append(None if req.echo and pos == 0 else tok.logprob)
        tops.append(None if req.echo and pos == 0 else dict(tok.top[: req.logprobs]))
        offsets.append(at)
        at += len(tok.text)
    return {"tokens": tokens, "token_logprobs": values, "top_logprobs": tops, "text_offset": offsets}


def usage(req: TextRequest, spent: int) -> dict[str, int]:
    """Prompt tokens of every prompt (and the suffix), completion tokens of every candidate."""
    prompt = sum(req.prompt_counts) + count_words(req.suffix or "") * len(req.prompts)
    return {"prompt_tokens": prompt, "completion_tokens": spent, "total_tokens": prompt + spent}


def body(req: TextRequest, choices: list[TextChoice], spent: int, ids: ResponseIds) -> dict[str, Any]:
    """A non-streamed text_completion."""
    return {"id": ids.id.replace("chatcmpl", "cmpl"), "object": OBJECT, "created": ids.created, "model": req.model,
            "system_fingerprint": FINGERPRINT,
            "choices": [{"index": c.index, "text": (req.prompts[c.prompt] if req.echo else "") + c.text,
                         "logprobs": legacy_logprobs(req, c), "finish_reason": c.finish_reason} for c in choices],
            "usage": usage(req, spent)}


def chunks(req: TextRequest, choices: list[TextChoice], spent: int, ids: ResponseIds) -> list[Any]:
    """The stream: a chunk per token per choice, a last chunk per choice with its finish_reason, usage if asked."""
    def chunk(index: int, text: str, finish: str | None, logprobs: Any = None) -> dict[str, Any]:
        return {"id": ids.id.replace("chatcmpl", "cmpl"), "object": OBJECT, "created": ids.created,
                "model": req.model, "system_fingerprint": FINGERPRINT,
                "choices": [{"index": index, "text": text, "logprobs": logprobs, "finish_reason": finish}]}

    out: list[Any] = []
    for c in choices:
        if req.echo:
            out.append(chunk(c.index, req.prompts[c.prompt], None))
        for tok in c.tokens:
            lp = ({"tokens": [tok.text], "token_logprobs": [tok.logprob], "top_logprobs": [dict(tok.top[: req.logprobs])],
                   "text_offset": [0]} if req.logprobs is not None else None)
            out.append(chunk(c.index, tok.text, None, lp))
        out.append(chunk(c.index, "", c.finish_reason))
    if req.include_usage:
        last = chunk(0, "", None)
        last["choices"] = []
        last["usage"] = usage(req, spent)
        out.append(last)
    return out
