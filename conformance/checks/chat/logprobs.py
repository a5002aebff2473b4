"""Logprobs: the chat shape, top_logprobs, values, token/content agreement, and streamed logprobs."""

from __future__ import annotations

import math
from typing import Any

from conformance.checks._shared import shape as _shape
from conformance.checks.chat import riders
from conformance.context import CheckContext, error_message
from conformance.model import Exchange
from conformance.registry import check
from conformance.verdict import Fail, Ignored, Skip, SpecViolation, Unsupported

FEATURE = "Logprobs"
TOP = 3
# Logprobs are computed in float32 by most servers; a rounding error just above zero is not a bug.
EPSILON = 1e-6
LEGACY_KEYS = ("tokens", "token_logprobs", "text_offset")


def _request(ctx: CheckContext, top: bool, stream: bool = False) -> Exchange:
    fields: dict[str, Any] = {"logprobs": True}
    if top:
        fields["top_logprobs"] = TOP
    if stream:
        # With the usage chunk asked for: stream.usage.include_usage judges this stream too (one for both).
        fields.update(stream=True, stream_options={"include_usage": True})
    return ctx.chat(**fields)


def usage_stream(ctx: CheckContext) -> Exchange | None:
    """logprobs.stream.chunks' stream (it asks for the usage chunk) where logprobs are judged at all, else None."""
    try:
        _judged(ctx)  # the requests every logprobs check shares: sent once per run
    except Skip:
        return None
    return _request(ctx, top=True, stream=True)


def _base(ctx: CheckContext) -> tuple[dict[str, Any], bool]:
    """The answer to a logprobs request, preferring top_logprobs; True when top_logprobs was accepted."""
    ex = _request(ctx, top=True)
    if ex.status is not None and 400 <= ex.status < 500:
        # A server may reject top_logprobs alone; logprobs without it is still worth judging.
        plain = _request(ctx, top=False)
        if plain.status is not None and 200 <= plain.status < 300:
            return ctx.expect_ok(plain, "logprobs: true"), False
    return ctx.expect_ok(ex, f"logprobs: true, top_logprobs: {TOP}"), True


def _content(body: dict[str, Any], where: str = "choices[0].logprobs") -> list[dict[str, Any]] | None:
    """choices[0].logprobs.content as a list of objects; None when logprobs is null or absent."""
    lp = _shape.choices(body)[0].get("logprobs")
    if lp is None:
        return None
    if not isinstance(lp, dict):
        raise Fail(f"{where} is not an object: {str(lp)[:200]}")
    if "content" not in lp and any(k in lp for k in LEGACY_KEYS):
        raise Fail(f"{where} has the legacy completions shape ({', '.join(k for k in LEGACY_KEYS if k in lp)}), "
                   "not content[]{token, logprob, bytes, top_logprobs}")
    content = lp.get("content")
    if not isinstance(content, list) or not all(isinstance(t, dict) for t in content):
        raise Fail(f"{where}.content is not a list of objects: {str(content)[:200]}")
    return content


def _judged(ctx: CheckContext) -> tuple[list[dict[str, Any]], dict[str, Any], bool]:
    """Token logprobs of the base answer; a check that builds on them skips when logprobs are not there."""
    try:
        body, top = _base(ctx)
    except Unsupported as exc:
        raise Skip(f"logprobs are not supported: {exc.reason}") from exc
    except Fail as exc:
        raise Skip(f"the logprobs request failed (see logprobs.response.shape): {exc.reason}") from exc
    try:
        content = _content(body)
    except Fail as exc:
        raise Skip(f"logprobs are not in the chat shape (see logprobs.response.shape): {exc.reason}") from exc
    if not content:
        raise Skip("logprobs were accepted but the answer carries none (see logprobs.response.shape)")
    return content, body, top


@check("logprobs.response.shape", feature=FEATURE, field="logprobs",
       behavior="logprobs: true returns choices[].logprobs.content[]{token, logprob, bytes, top_logprobs[]} "
                "(vllm-project/vllm#3179)")
def response_shape(ctx: CheckContext) -> str:
    body, _ = _base(ctx)
    content = _content(body)
    if content is None:
        raise Ignored("logprobs: true was accepted but choices[0].logprobs is null")
    if not content:
        raise Fail("choices[0].logprobs.content is empty for a non-empty answer")
    for i, item in enumerate(content):
        ctx.schema("ChatCompletionTokenLogprob", item, f"logprobs.content[{i}]")
    return f"{len(content)} token(s) in the chat shape"


@check("logprobs.request.without_top_logprobs", feature=FEATURE, field="logprobs",
       behavior="logprobs: true without top_logprobs is accepted and returns logprobs (vllm-project/vllm#4795)")
def without_top(ctx: CheckContext) -> str:
    ex = _request(ctx, top=False)
    status = ex.status or 0
    if 400 <= status < 500:
        with_top = _request(ctx, top=True)
        if with_top.status is not None and 200 <= with_top.status < 300:
            raise SpecViolation(f"logprobs: true alone is rejected with {status}, but accepted with top_logprobs: "
                       "clients that send only logprobs break")
    body = ctx.expect_ok(ex, "logprobs: true")
    # Only presence is judged here; the shape has its own check.
    if _shape.choices(body)[0].get("logprobs") is None:
        with_top = _request(ctx, top=True)
        if with_top.status == 200 and _shape.choices(ctx.expect_ok(with_top, "top_logprobs"))[0].get("logprobs"):
            raise SpecViolation("logprobs: true alone returns logprobs null; only top_logprobs turns them on")
        raise Ignored("logprobs: true was accepted but choices[0].logprobs is null")
    return "logprobs returned without top_logprobs"


@check("logprobs.top_logprobs.count", feature=FEATURE, field="top_logprobs",
       behavior=f"top_logprobs: {TOP} gives exactly {TOP} alternatives per token, each with a token and a logprob")
def top_count(ctx: CheckContext) -> str:
    content, _, top = _judged(ctx)
    if not top:
        ex = _request(ctx, top=True)
        raise Unsupported(f"top_logprobs: {TOP} is rejected with {ex.status} while logprobs: true alone is accepted: "
                          f"{error_message(ex.response_body)}")
    counts = [len(t.get("top_logprobs") or []) for t in content]
    if not any(counts):
        raise Ignored(f"top_logprobs: {TOP} accepted but every token has an empty top_logprobs list")
    more = [(i, n) for i, n in enumerate(counts) if n > TOP]
    if more:
        i, n = more[0]
        raise SpecViolation(f"{len(more)} of {len(counts)} tokens have more than {TOP} top_logprobs "
                            f"(token {i} has {n})")
    fewer = [(i, n) for i, n in enumerate(counts) if n < TOP]
    if fewer:
        # OpenAI's reference: "in rare cases, there may be fewer than the number of requested top_logprobs".
        ctx.deviations.append(f"{len(fewer)} of {len(counts)} tokens have fewer than {TOP} top_logprobs "
                              f"(token {fewer[0][0]} has {fewer[0][1]}); the spec allows fewer in rare cases")
    for i, t in enumerate(content):
        for j, alt in enumerate(t["top_logprobs"]):
            if not isinstance(alt, dict) or not isinstance(alt.get("token"), str) or not _number(alt.get("logprob")):
                raise Fail(f"logprobs.content[{i}].top_logprobs[{j}] lacks a string token or numeric logprob: {alt!r}")
    if fewer:
        return f"at most {TOP} alternatives on each of {len(content)} tokens, fewer on {len(fewer)}"
    return f"{TOP} alternatives on each of {len(content)} tokens"


@check("logprobs.request.no_unasked_alternatives", feature=FEATURE, field="top_logprobs",
       behavior="logprobs: true without top_logprobs returns no alternatives (top_logprobs lists empty), as OpenAI")
def no_unasked_alternatives(ctx: CheckContext) -> str:
    ex = _request(ctx, top=False)
    if not (ex.status is not None and 200 <= ex.status < 300):
        # Judged by logprobs.request.without_top_logprobs; here only what comes back matters.
        raise Skip(f"logprobs: true alone got {ex.status} (see logprobs.request.without_top_logprobs)")
    try:
        content = _content(ctx.expect_ok(ex, "logprobs: true"))
    except Fail as exc:
        raise Skip(f"logprobs are not in the chat shape (see logprobs.response.shape): {exc.reason}") from exc
    if not content:
        raise Skip("logprobs: true alone returned no token logprobs (see logprobs.request.without_top_logprobs)")
    counts = [len(t.get("top_logprobs") or []) for t in content]
    if any(counts):
        raise SpecViolation(f"top_logprobs was not asked for, yet {sum(1 for n in counts if n)} of {len(counts)} "
                            f"tokens carry alternatives (up to {max(counts)}); OpenAI returns none: "
                            "a client pays for bytes it did not ask for")
    return f"no alternatives on any of {len(content)} tokens"


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@check("logprobs.values.non_positive", feature=FEATURE, field="logprobs",
       behavior="Every logprob (chosen and alternative) is a finite number <= 0")
def non_positive(ctx: CheckContext) -> str:
    content, _, _ = _judged(ctx)
    values: list[tuple[str, Any]] = []
    for i, t in enumerate(content):
        values.append((f"content[{i}].logprob", t.get("logprob")))
        for j, alt in enumerate(t.get("top_logprobs") or []):
            where = f"content[{i}].top_logprobs[{j}].logprob"
            values.append((where, alt.get("logprob") if isinstance(alt, dict) else None))
    for where, v in values:
        if not _number(v) or math.isnan(v):
            raise Fail(f"{where} is {v!r}, not a number")
        if math.isinf(v):
            raise Fail(f"{where} is {v}: JSON has no infinity, strict parsers reject the body (OpenAI sends -9999.0)")
        if v > EPSILON:
            raise SpecViolation(f"{where} is {v}: a log-probability is never positive")
    ranked = [[a["logprob"] for a in t.get("top_logprobs") or []] for t in content]
    unsorted = [i for i, lps in enumerate(ranked) if lps != sorted(lps, reverse=True)]
    if unsorted:
        ctx.deviations.append(f"top_logprobs not sorted best first on {len(unsorted)} token(s), e.g. token {unsorted[0]}")
    return f"{len(values)} logprob(s), all <= 0"


def joined(content: list[dict[str, Any]]) -> tuple[str, bytes | None]:
    """The tokens of a logprobs.content list concatenated, as text and (when every token has them) as bytes."""
    text = "".join(str(t.get("token", "")) for t in content)
    raw = [t.get("bytes") for t in content]
    lists = [b for b in raw if isinstance(b, list)]
    if len(lists) == len(raw) and all(isinstance(x, int) and 0 <= x < 256 for b in lists for x in b):
        return text, bytes(x for b in lists for x in b)
    return text, None


def agree(content: list[dict[str, Any]], answer: str) -> str | None:
    """None when the tokens spell the answer; otherwise why they do not."""
    text, raw = joined(content)
    if raw is not None:
        # Tokens may split a multi-byte character; only the bytes concatenate exactly.
        if raw == answer.encode("utf-8"):
            return None
        return f"token bytes spell {raw.decode('utf-8', 'replace')[:120]!r}, content is {answer[:120]!r}"
    if text == answer:
        return None
    return f"tokens spell {text[:120]!r}, content is {answer[:120]!r}"


@check("logprobs.tokens.match_content", feature=FEATURE, field="logprobs",
       behavior="The logprob tokens concatenate to the message content (bytes compared where given)")
def tokens_match(ctx: CheckContext) -> str:
    content, body, _ = _judged(ctx)
    answer = _shape.text(body)
    problem = agree(content, answer)
    if problem:
        raise Fail(problem)
    return f"{len(content)} token(s) spell the content exactly"


@check("logprobs.request.off_is_null", feature=FEATURE, field="logprobs",
       behavior="Without logprobs, or with logprobs: false, choices[].logprobs is null or absent")
def off_is_null(ctx: CheckContext) -> str:
    found = []
    plain = ctx.expect_ok(ctx.chat(), "no logprobs field")
    # logprobs false: the riders' request where that is answered normally (riders.py), else its own.
    off = riders.normal_answer(ctx)
    if off is None:
        off = ctx.expect_ok(ctx.chat(logprobs=False), "logprobs: false")
    for label, body in (("no logprobs field", plain), ("logprobs: false", off)):
        lp = _shape.choices(body)[0].get("logprobs")
        if lp is not None:
            found.append(f"{label}: choices[0].logprobs is {str(lp)[:100]}")
    if found:
        # Clients that did not ask ignore the object: the spec says null, but nothing breaks.
        raise SpecViolation("logprobs sent although not asked for (" + "; ".join(found) + ")")
    return "logprobs null or absent when not asked for"


@check("logprobs.stream.chunks", feature=FEATURE, field="logprobs",
       behavior="Streamed chunks that carry content carry choices[].logprobs.content when logprobs are asked for")
def stream_chunks(ctx: CheckContext) -> str:
    _judged(ctx)
    stream = ctx.expect_stream(_request(ctx, top=True, stream=True), "streamed logprobs")
    tokens: list[dict[str, Any]] = []
    text, with_content, missing = "", 0, 0
    for n, chunk in enumerate(stream.chunks):
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        if not choices or not isinstance(choices[0], dict):
            continue
        delta = choices[0].get("delta") or {}
        piece = delta.get("content") if isinstance(delta, dict) else None
        lp = choices[0].get("logprobs")
        if isinstance(lp, dict) and isinstance(lp.get("content"), list):
            tokens.extend(t for t in lp["content"] if isinstance(t, dict))
        elif lp is not None:
            raise Fail(f"chunk {n}: choices[0].logprobs is not an object with a content list: {str(lp)[:200]}")
        if piece:
            text += piece
            with_content += 1
            missing += not (isinstance(lp, dict) and lp.get("content"))
    if not with_content:
        raise Fail("the stream carried no content")
    if not tokens:
        raise Ignored("logprobs are returned without streaming but no streamed chunk carries any")
    if missing:
        raise SpecViolation(f"{missing} of {with_content} content chunk(s) carry no logprobs")
    problem = agree(tokens, text)
    if problem:
        raise Fail(f"streamed {problem}")
    return f"{with_content} content chunk(s), {len(tokens)} token logprob(s) spelling the streamed text"
