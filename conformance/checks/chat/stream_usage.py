"""Stream usage: stream_options.include_usage and the usage chunk of a streamed chat completion."""

from __future__ import annotations

from conformance.checks._shared import shape as _shape
from conformance.checks.chat import logprobs, riders
from conformance.checks.chat.streaming import default_stream, dict_chunks
from conformance.context import STATUS_MAX_TOKENS, CheckContext, has_envelope
from conformance.model import Exchange
from conformance.registry import check
from conformance.verdict import Fail, HarnessError, Ignored, SpecViolation

FEATURE = "Stream usage"
INCLUDE_USAGE = {"include_usage": True}


@check("stream.usage.include_usage", feature=FEATURE, field="stream_options",
       behavior="With stream_options.include_usage one last chunk before [DONE] has choices [] and the usage; "
                "usage on a content chunk instead fails, since clients read it from the empty-choices chunk "
                "the OpenAI docs describe (vllm-project/vllm#12394)")
def include_usage(ctx: CheckContext) -> str:
    # First logprobs.stream.chunks' stream, which asks for usage too (one stream for both checks): a pass there
    # is this check's pass. Anything else is judged again on a plain stream, so a finding is never the logprobs'.
    shared = logprobs.usage_stream(ctx)
    if shared is not None and 200 <= (shared.status or 0) < 300:
        noted = list(ctx.deviations)
        try:
            return _judge(ctx, shared) + " (in logprobs.stream.chunks' stream)"
        except (Fail, SpecViolation, Ignored):
            ctx.deviations[:] = noted
    return _judge(ctx, ctx.chat(stream=True, stream_options=INCLUDE_USAGE))


def _judge(ctx: CheckContext, ex: Exchange) -> str:
    """The verdict on one stream asked for with stream_options.include_usage."""
    stream = ctx.expect_stream(ex, "a streamed chat completion with stream_options.include_usage")
    chunks = dict_chunks(stream)
    with_usage = [pos for pos, c in enumerate(chunks) if isinstance(c.get("usage"), dict)]
    if not with_usage:
        if any('"usage"' in a and '"prompt_tokens"' in a for a in stream.after_done):
            raise Fail("the usage chunk was sent after data: [DONE], where clients have stopped reading")
        raise Ignored("stream_options.include_usage accepted but no chunk carries a usage object")
    # choices [] is what the docs promise and what clients test for: a usage-only chunk.
    final = [pos for pos in with_usage if not chunks[pos].get("choices")]
    if not final:
        raise SpecViolation(f"usage arrived only on chunk(s) {with_usage} together with choices, not in a separate chunk "
                   "with choices []: clients that take usage from the empty-choices chunk report none")
    if len(final) > 1:
        raise SpecViolation(f"{len(final)} usage chunks without choices (chunks {final}); the docs promise one")
    pos = final[0]
    chunk = chunks[pos]
    if chunk.get("choices") != []:
        raise Fail(f"usage chunk {pos} has choices {chunk.get('choices')!r}, not []: clients iterating choices break")
    if pos != len(chunks) - 1:
        raise SpecViolation(f"usage chunk {pos} is followed by {len(chunks) - 1 - pos} more chunk(s); it must come last before [DONE]")
    u = _shape.usage(chunk, f"usage chunk {pos}")
    if u["total_tokens"] != u["prompt_tokens"] + u["completion_tokens"]:
        raise SpecViolation(f"total_tokens {u['total_tokens']} != {u['prompt_tokens']} + {u['completion_tokens']}")
    if u["prompt_tokens"] < 1 or u["completion_tokens"] < 1:
        raise SpecViolation(f"implausible usage for a non-empty prompt and answer: {u}")
    early = [p for p in with_usage if p != pos]
    if early:
        # Clients overwrite usage with the last value they see, so an early one does no harm.
        ctx.deviations.append(f"usage also on chunk(s) {early[:10]}; OpenAI sends null there")
    return f"usage chunk last with choices []: {u['prompt_tokens']}+{u['completion_tokens']}={u['total_tokens']}"


@check("stream.usage.absent_by_default", feature=FEATURE, field="stream_options",
       behavior="Without stream_options no chunk with choices [] is sent (clients index choices[0]: "
                "Arthur-Ficial/apfel#100); usage on content chunks is tolerated")
def absent_by_default(ctx: CheckContext) -> str:
    chunks = dict_chunks(default_stream(ctx)[1])
    empty = [pos for pos, c in enumerate(chunks) if isinstance(c.get("choices"), list) and not c["choices"]]
    if empty:
        raise Fail(f"without stream_options, chunk(s) {empty} have choices []: clients reading chunk.choices[0] "
                   "crash on them (Arthur-Ficial/apfel#100)")
    with_usage = [pos for pos, c in enumerate(chunks) if c.get("usage") is not None]
    if with_usage:
        ctx.deviations.append(f"usage on chunk(s) {with_usage[:10]} although not asked for; OpenAI sends none")
        return f"no usage chunk; usage attached to {len(with_usage)} content chunk(s) unasked (tolerated)"
    return "no chunk carries usage"


@check("stream.usage.without_stream", feature=FEATURE, field="stream_options",
       behavior="stream_options with stream false is either rejected with a 4xx or ignored (one JSON answer); "
                "never a 5xx")
def without_stream(ctx: CheckContext) -> str:
    if riders.normal_answer(ctx) is not None:
        return f"ignored: answered with one JSON chat.completion ({riders.WITH})"
    ex = ctx.chat(stream=False, stream_options=INCLUDE_USAGE, max_tokens=STATUS_MAX_TOKENS)
    status = ex.status or 0
    if status in (401, 403, 408, 429):
        raise HarnessError(f"stream_options with stream false: {status}; cannot judge")
    if 400 <= status < 500:
        if not has_envelope(ex.response_body):
            ctx.deviations.append(f"{status} without the OpenAI error envelope")
        return f"rejected with {status} (stream_options is only meaningful with stream true)"
    if status >= 500:
        # OpenAI rejects this combination with 400: a 5xx on an invalid request, as in the validation checks.
        raise SpecViolation(f"stream_options with stream false gave server error {status}")
    body = ex.response_body
    if not isinstance(body, dict):
        raise Fail(f"stream false with stream_options answered {ex.response_headers.get('content-type')!r} "
                   f"instead of one JSON body: {(ex.raw_body or str(body))[:200]!r}")
    _shape.choices(body)
    return "ignored: answered with one JSON chat.completion"
