"""Turn a validated request into choices: text, JSON or tool calls, cut by max tokens and stop."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, replace

from tests.fake.model import NATURAL_LENGTH, Sampling, Token, make_rng, sample_tokens, scripted_tokens
from tests.fake.request import ChatRequest
from tests.fake.schemas import generate
from tests.fake.tokenizer import count_words, split_text, stable_hash
from tests.fake.toolcalls import ToolCall, plan_calls

# A prompt asking for something long gets a long answer, so limits above the natural length can cut it.
LONG_LENGTH = 48
_LONG = re.compile(r"\blong\b", re.I)
_EXACT = re.compile(r"\b(?:say|repeat|output|print)\s+(?:exactly|verbatim)\s*:?\s*(.+)", re.I | re.S)


@dataclass(frozen=True)
class Knobs:
    """Generation details that deviations may turn; the defaults are conformant."""

    include_stop: bool = False  # cut after the stop string instead of before it
    arg_pieces: int = 3  # how many fragments streamed tool-call arguments are split into


@dataclass(frozen=True)
class Completion:
    """One choice as generated, before it is rendered as a body or as chunks."""

    index: int
    tokens: tuple[Token, ...]
    finish_reason: str | None
    tool_calls: tuple[ToolCall, ...] = ()

    @property
    def text(self) -> str:
        """The content text the tokens make up."""
        return "".join(t.text for t in self.tokens)

    @property
    def content(self) -> str | None:
        """The message content: None for a pure tool-call answer."""
        return None if self.tool_calls and not self.tokens else self.text

    def with_text(self, text: str) -> Completion:
        """The same choice with other content (re-tokenized)."""
        return replace(self, tokens=tuple(scripted_tokens(text)))


def prompt_key(req: ChatRequest) -> str:
    """What the fake model conditions on: every message's role, text and images."""
    return "\n".join(f"{m.role}:{m.text}:{','.join(m.images)}" for m in req.messages)


def prompt_tokens(req: ChatRequest) -> int:
    """The fake prompt token count: words and images in all messages, and the tool declarations a template renders."""
    return sum(count_words(m.text) + m.image_tokens + m.call_tokens for m in req.messages) + tool_tokens(req)


def tool_tokens(req: ChatRequest) -> int:
    """The prompt tokens the declared tools (or legacy functions) add."""
    return sum(count_words(f"{t.name} {t.description} {' '.join((t.parameters or {}).get('properties', {}))}")
               for t in req.tools)


def completion_tokens(comps: tuple[Completion, ...]) -> int:
    """Generated tokens over all choices, tool-call names and arguments included."""
    calls = sum(len(split_text(c.name + " " + c.arguments)) for comp in comps for c in comp.tool_calls)
    return sum(len(c.tokens) for c in comps) + calls


def build(req: ChatRequest, knobs: Knobs) -> tuple[Completion, ...]:
    """All choices for a request."""
    key = prompt_key(req)
    return tuple(_choice(req, knobs, key, i) for i in range(req.n))


def _choice(req: ChatRequest, knobs: Knobs, key: str, index: int) -> Completion:
    calls = plan_calls(req, key, index)
    if calls:
        # OpenAI answers a named tool_choice with "stop", auto and required with "tool_calls".
        finish = "function_call" if req.legacy_functions else "tool_calls"
        return Completion(index, (), "stop" if req.tool_choice == "function" else finish, calls)
    tokens = _text_tokens(req, key, index)
    finish = "stop"
    if req.limit is not None and len(tokens) > req.limit:
        tokens, finish = tokens[: max(req.limit, 0)], "length"
    if req.stop:
        tokens, hit = _cut_at_stop(tokens, req.stop, knobs.include_stop)
        finish = "stop" if hit else finish
    return Completion(index, tuple(tokens), finish)


def _text_tokens(req: ChatRequest, key: str, index: int) -> list[Token]:
    sampling = Sampling(req.temperature, req.top_p, req.frequency_penalty, req.presence_penalty,
                        tuple(sorted(req.logit_bias.items())))
    # Greedy answers, JSON ones included, must be a pure function of the prompt.
    rng = random.Random(stable_hash(key)) if sampling.greedy else make_rng(key, req.seed, index)
    words = sample_tokens(key, sampling, rng, LONG_LENGTH if _asks_long(req) else NATURAL_LENGTH)
    if req.json_type == "json_object":
        return scripted_tokens(_compact({"answer": "".join(t.text for t in words)}), key)
    if req.json_type == "json_schema" and req.response_format is not None:
        vocab = [t.text.strip() for t in words]
        return scripted_tokens(_compact(generate(req.response_format.schema or {}, rng, vocab)), key)
    exact = _exact_text(req)
    return scripted_tokens(exact, key) if exact is not None else words


def _asks_long(req: ChatRequest) -> bool:
    user = next((m for m in reversed(req.messages) if m.role == "user"), None)
    return user is not None and _LONG.search(user.text) is not None


def _compact(value: object) -> str:
    # Compact JSON splits into few pieces, so small max_tokens budgets still fit a whole object.
    return json.dumps(value, separators=(",", ":"))


def _exact_text(req: ChatRequest) -> str | None:
    user = next((m for m in reversed(req.messages) if m.role == "user"), None)
    match = _EXACT.search(user.text) if user is not None else None
    if match is None:
        return None
    text = match[1].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        text = text[1:-1]
    return text


def _cut_at_stop(tokens: list[Token], stops: tuple[str, ...], include: bool) -> tuple[list[Token], bool]:
    text = "".join(t.text for t in tokens)
    hits = [(text.find(s), s) for s in stops if s and s in text]
    if not hits:
        return tokens, False
    pos, stop = min(hits)
    end = pos + len(stop) if include else pos
    out, used = [], 0
    for tok in tokens:
        if used >= end:
            break
        keep = tok.text[: end - used]
        used += len(tok.text)
        # A token the stop string starts inside keeps only its part before the cut.
        out.append(tok if keep == tok.text else replace(tok, text=keep))
    return [t for t in out if t.text], True
