"""Streaming: text_completion chunks ending with [DONE], the same text as unstreamed, and the usage chunk."""

from __future__ import annotations

from typing import Any

from conformance import sse
from conformance import catalog
from conformance.checks._shared import shape as _shape
from conformance.checks.completions import common
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Fail, Ignored, SpecViolation

EP = catalog.COMPLETIONS
WHAT = "a streamed completion"
INCLUDE_USAGE = {"include_usage": True}


def _stream(ctx: CheckContext, what: str = WHAT, **fields: Any) -> list[dict[str, Any]]:
    stream: sse.Stream = ctx.expect_stream(common.send(ctx, stream=True, **fields), what)
    if stream.framing:
        raise Fail(f"{what}: framing problems clients drop data on: {'; '.join(stream.framing[:2])}")
    if stream.errors:
        raise Fail(f"{what}: an error event in the stream: {str(stream.errors[0])[:150]}")
    return common.dict_chunks(stream)


@check("completions.stream.chunks", endpoint=EP, feature="Streaming", field="stream",
       behavior="stream true gives text/event-stream chunks, each a text_completion valid against "
                "CreateCompletionResponse with choices[].text, one finish_reason per choice, then data: [DONE]")
def stream_chunks(ctx: CheckContext) -> str:
    ex = common.send(ctx, stream=True)
    stream = ctx.expect_stream(ex, WHAT)
    ctype = ex.response_headers.get("content-type", "")
    if not ctype.lower().startswith("text/event-stream"):
        raise Fail(f"Content-Type {ctype!r}, not text/event-stream")
    if not stream.done or stream.after_done:
        raise SpecViolation(f"the stream does not end with data: [DONE]: {'; '.join(stream.termination[:2])}")
    chunks = _stream(ctx)
    common.streamed_texts(chunks)  # what clients read first: a text that is not a string breaks them
    for pos, chunk in enumerate(chunks):
        if chunk.get("object") != common.OBJECT:
            raise Fail(f"chunk {pos} has object {chunk.get('object')!r}, not {common.OBJECT!r}")
        common.chunk_schema(ctx, chunk, f"chunk {pos}")
    finishes: dict[int, list[Any]] = {}
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            if choice.get("finish_reason") is not None:
                finishes.setdefault(choice["index"], []).append(choice["finish_reason"])
    if finishes.get(0) is None or len(finishes[0]) != 1:
        raise SpecViolation(f"choice 0 got finish_reason {finishes.get(0)}, not exactly once")
    if finishes[0][0] not in common.FINISH_REASONS:
        raise SpecViolation(f"finish_reason {finishes[0][0]!r}")
    return f"{len(chunks)} text_completion chunks, finish_reason {finishes[0][0]!r}, then [DONE]"


@check("completions.stream.matches", endpoint=EP, feature="Streaming", field="stream",
       behavior="The streamed text, concatenated, equals the unstreamed text of the same request (temperature 0)")
def stream_matches(ctx: CheckContext) -> str:
    streamed = common.streamed_texts(_stream(ctx)).get(0, "")
    plain = common.text(common.ok(ctx, "a plain completion"))
    if streamed != plain:
        raise Fail(f"streamed {streamed!r}, unstreamed {plain!r}")
    return f"the same text: {plain!r}"


@check("completions.stream.batch", endpoint=EP, feature="Batch prompts", field="prompt.strings",
       behavior="A streamed list of two prompts gives JSON chunks only (never `data: null`), both indexes 0 and 1, "
                "each with one finish_reason")
def stream_batch(ctx: CheckContext) -> str:
    what = "a streamed list of two prompts"
    stream: sse.Stream = ctx.expect_stream(
        common.send(ctx, stream=True, prompt=[common.PROMPT, common.OTHER_PROMPT]), what)
    odd = [pos for pos, c in enumerate(stream.chunks) if not isinstance(c, dict)]
    if odd:
        raise Fail(f"{what}: chunk {odd[0]} is {str(stream.chunks[odd[0]])[:60]!r}, not a JSON object (the openai "
                   "SDK yields it as None and client code reading chunk.choices raises)")
    chunks = common.dict_chunks(stream)
    texts = common.streamed_texts(chunks)
    finishes: dict[int, int] = {}
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            if choice.get("finish_reason") is not None:
                finishes[choice["index"]] = finishes.get(choice["index"], 0) + 1
    if sorted(texts) != [0, 1]:
        raise Fail(f"{what}: choice indexes {sorted(texts)}, not [0, 1]")
    if finishes != {0: 1, 1: 1}:
        raise SpecViolation(f"{what}: finish_reason count per index {finishes}, not one each")
    return f"indexes 0 and 1, one finish_reason each: {texts}"


@check("completions.stream.include_usage", endpoint=EP, feature="Stream usage", field="stream_options",
       behavior="With stream_options.include_usage one last chunk before [DONE] has choices [] and the usage "
                "(usage on a content chunk instead is what llama-server sends: clients reading the empty-choices "
                "chunk report none)")
def include_usage(ctx: CheckContext) -> str:
    chunks = _stream(ctx, "a stream with include_usage", stream_options=INCLUDE_USAGE)
    with_usage = [pos for pos, c in enumerate(chunks) if isinstance(c.get("usage"), dict)]
    if not with_usage:
        raise Ignored("stream_options.include_usage accepted but no chunk carries a usage object")
    final = [pos for pos in with_usage if chunks[pos].get("choices") == []]
    if not final:
        raise SpecViolation(f"usage only on chunk(s) {with_usage} together with choices, not in a last chunk "
                            "with choices []")
    if final[-1] != len(chunks) - 1:
        raise SpecViolation(f"the usage chunk {final[-1]} is not the last of {len(chunks)}")
    u = _shape.usage(chunks[final[-1]], "the usage chunk")
    if u["total_tokens"] != u["prompt_tokens"] + u["completion_tokens"]:
        raise SpecViolation(f"total_tokens {u['total_tokens']} != {u['prompt_tokens']} + {u['completion_tokens']}")
    return f"usage chunk last with choices []: {u['prompt_tokens']}+{u['completion_tokens']}={u['total_tokens']}"


@check("completions.stream.usage_absent_by_default", endpoint=EP, feature="Stream usage", field="stream_options",
       behavior="Without stream_options no chunk with choices [] is sent (clients index choices[0])")
def usage_absent_by_default(ctx: CheckContext) -> str:
    chunks = _stream(ctx)
    empty = [pos for pos, c in enumerate(chunks) if c.get("choices") == []]
    if empty:
        raise Fail(f"without stream_options, chunk(s) {empty} have choices []: clients reading choices[0] crash")
    unasked = [pos for pos, c in enumerate(chunks) if c.get("usage") is not None]
    if unasked:
        ctx.deviations.append(f"usage on chunk(s) {unasked[:10]} although not asked for; OpenAI sends none")
    return "no chunk with choices []" + (" (usage on content chunks, tolerated)" if unasked else "")
