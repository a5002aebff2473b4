"""The fake "model": a deterministic token sampler over the fake vocabulary, with real logprobs."""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from tests.fake.tokenizer import VOCAB, split_text, stable_hash, token_text

NATURAL_LENGTH = 12  # tokens in an answer that nothing cuts short
TOP_KEPT = 20  # top alternatives kept per token (OpenAI's top_logprobs maximum)
_PHRASE_BONUS = 2.0  # lifts the cycling phrase above the [0, 1) noise: greedy output repeats
_PENALTY_SCALE = 30.0  # makes even small penalties (|p| >= ~0.05) visibly break or tighten the cycle
_BANNED = -100.0  # logit_bias at or below this removes a token, as OpenAI documents


@dataclass(frozen=True)
class Token:
    """One generated token with its logprob and the top alternatives (text, logprob), best first."""

    text: str
    logprob: float
    top: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Sampling:
    """What shapes the token choice besides the prompt."""

    temperature: float = 0.0
    top_p: float = 1.0
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    logit_bias: tuple[tuple[int, float], ...] = ()  # (vocabulary id, bias) pairs: hashable, so cacheable

    @property
    def greedy(self) -> bool:
        """Temperature 0, or a top_p so small only the best token survives."""
        return self.temperature <= 0 or self.top_p < 0.05


def make_rng(key: str, seed: int | None, choice: int) -> random.Random:
    """The sampler's randomness: reproducible with a seed, fresh without one."""
    return random.Random(stable_hash(key, seed, choice)) if seed is not None else random.Random()


def sample_tokens(key: str, sampling: Sampling, rng: random.Random, length: int = NATURAL_LENGTH) -> list[Token]:
    """Generate tokens for a prompt key; greedy output cycles a three-word phrase."""
    if sampling.greedy:
        return list(_greedy_tokens(key, sampling, length))
    return _generate(key, sampling, rng, length)


@lru_cache(maxsize=256)
def _greedy_tokens(key: str, sampling: Sampling, length: int) -> tuple[Token, ...]:
    # Greedy decoding is a pure function: the same requests recur a lot, so remember them.
    return tuple(_generate(key, sampling, random.Random(0), length))


def _generate(key: str, sampling: Sampling, rng: random.Random, length: int) -> list[Token]:
    noise, phrase = _noise(key), _phrase(key)
    bias = dict(sampling.logit_bias)
    allowed = [v for v in range(len(VOCAB)) if bias.get(v, 0.0) > _BANNED] or list(range(len(VOCAB)))
    counts: Counter[int] = Counter()
    out: list[Token] = []
    for pos in range(length):
        logits = list(noise)
        logits[phrase[pos % 3]] += _PHRASE_BONUS
        for tok, seen in counts.items():
            logits[tok] -= _PENALTY_SCALE * (sampling.frequency_penalty * seen + sampling.presence_penalty)
        for tok, b in bias.items():
            logits[tok] += b
        logprobs = _log_softmax(logits, allowed)
        tok = _choose(logits, allowed, sampling, rng)
        counts[tok] += 1
        ranked = heapq.nsmallest(TOP_KEPT, allowed, key=lambda v: (-logprobs[v], v))
        out.append(Token(token_text(tok, pos), logprobs[tok], tuple((token_text(v, pos), logprobs[v]) for v in ranked)))
    return out


def scripted_tokens(text: str, key: str = "") -> list[Token]:
    """Tokens for a fixed text (an exact answer, JSON): confident logprobs, vocabulary alternatives."""
    out = []
    for pos, piece in enumerate(split_text(text)):
        h = stable_hash(key, pos, piece)
        lp = -((h % 50) + 1) / 1000
        lead = " " if piece[:1].isspace() else ""
        # 7 is coprime with the vocabulary size, so these alternatives are distinct words.
        words = [VOCAB[(h + i * 7) % len(VOCAB)] for i in range(TOP_KEPT)]
        alts = tuple((lead + w, lp - 2 - i) for i, w in enumerate(w for w in words if w != piece.strip()))
        alts = alts[: TOP_KEPT - 1]
        out.append(Token(piece, lp, ((piece, lp),) + alts))
    return out


@lru_cache(maxsize=512)
def _noise(key: str) -> tuple[float, ...]:
    return tuple((stable_hash(key, v) % 10_000) / 10_000 for v in range(len(VOCAB)))


@lru_cache(maxsize=512)
def _phrase(key: str) -> tuple[int, int, int]:
    h = stable_hash("phrase", key)
    a = h % len(VOCAB)
    b = (a + 1 + (h >> 16) % (len(VOCAB) - 1)) % len(VOCAB)
    c = next(v for v in ((b + 1 + (h >> 32) % 97 + k) % len(VOCAB) for k in range(3)) if v not in (a, b))
    return a, b, c


def _log_softmax(logits: list[float], allowed: list[int]) -> list[float]:
    top = max(logits[v] for v in allowed)
    norm = top + math.log(sum(math.exp(logits[v] - top) for v in allowed))
    # Banned tokens keep a finite, very low value so lookups never fail; they are never chosen or ranked.
    return [min(0.0, x - norm) for x in logits]


def _choose(logits: list[float], allowed: list[int], sampling: Sampling, rng: random.Random) -> int:
    if sampling.greedy:
        return max(allowed, key=lambda v: (logits[v], -v))
    top = max(logits[v] for v in allowed)
    weights = sorted(((math.exp((logits[v] - top) / sampling.temperature), v) for v in allowed), reverse=True)
    total = sum(w for w, _ in weights)
    kept, cumulative = [], 0.0
    for w, v in weights:  # nucleus: the smallest prefix whose mass reaches top_p
        kept.append((w, v))
        cumulative += w / total
        if cumulative >= sampling.top_p:
            break
    point = rng.random() * sum(w for w, _ in kept)
    for w, v in kept:
        point -= w
        if point <= 0:
            return v
    return kept[-1][1]
