"""Streaming (SSE): framing, chunk shape, roles, finish reasons, text and delivery of a streamed chat completion."""

from __future__ import annotations

from typing import Any

from conformance import sse
from conformance.checks._shared import shape as _shape
from conformance.context import CheckContext, has_envelope
from conformance.model import Exchange
from conformance.registry import check
from conformance.verdict import Fail, Ignored, Skip, SpecViolation

FEATURE = "Streaming"
SCHEMA = "CreateChatCompletionStreamResponse"
WHAT = "a streamed chat completion"
CHUNK_OBJECT = "chat.completion.chunk"
# Fewer content chunks than this can honestly arrive in one read, so delivery is not judged.
MIN_CHUNKS_FOR_DELIVERY = 4
# Reads closer than this are one delivery: a buffered body split by TCP arrives within a millisecond.
SAME_MOMENT_MS = 1.0
# The role chunk flushed early and the rest buffered gives two moments; real streaming gives more.
MIN_MOMENTS = 3


def default_stream(ctx: CheckContext) -> tuple[Exchange, sse.Stream]:
    """The default chat request streamed (the same body chat.py sends, plus stream: true)."""
    ex = ctx.chat(stream=True)
    return ex, ctx.expect_stream(ex, WHAT)


def dict_chunks(stream: sse.Stream) -> list[dict[str, Any]]:
    """The JSON chunks of a stream, failing if any is not an object or there are none."""
    bad = [i for i, c in enumerate(stream.chunks) if not isinstance(c, dict)]
    if bad:
        raise Fail(f"chunk {bad[0]} is not a JSON object: {str(stream.chunks[bad[0]])[:200]}")
    if not stream.chunks:
        raise Fail(f"the stream carried no chunk at all: {'; '.join(stream.problems[:3]) or 'empty body'}")
    return list(stream.chunks)


def choice_events(chunks: list[dict[str, Any]]) -> dict[int, list[tuple[int, dict[str, Any]]]]:
    """Per choice index, the (chunk position, choice object) pairs in stream order."""
    out: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for pos, chunk in enumerate(chunks):
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else []:
            if not isinstance(choice, dict) or not isinstance(choice.get("index"), int):
                raise Fail(f"chunk {pos}: a choice without an integer index: {str(choice)[:200]}")
            out.setdefault(choice["index"], []).append((pos, choice))
    return out


def delta(choice: dict[str, Any], pos: int) -> dict[str, Any]:
    """The delta object of a streamed choice (absent counts as empty)."""
    d = choice.get("delta", {})
    if not isinstance(d, dict):
        raise Fail(f"chunk {pos}: delta is not an object: {d!r}")
    return d


def carries_output(d: dict[str, Any]) -> bool:
    """Whether a delta adds to the answer (text, refusal, tool call or legacy function call)."""
    return any(bool(d.get(k)) for k in ("content", "refusal", "tool_calls", "function_call"))


def streamed_text(chunks: list[dict[str, Any]], index: int = 0) -> tuple[str, int]:
    """The concatenated delta.content of one choice and the number of chunks that carried text."""
    parts: list[str] = []
    for pos, choice in choice_events(chunks).get(index, []):
        content = delta(choice, pos).get("content")
        if content is None:
            continue
        if not isinstance(content, str):
            raise Fail(f"chunk {pos}: delta.content is not a string: {content!r}")
        if content:
            parts.append(content)
    return "".join(parts), len(parts)


@check("stream.response.content_type", feature=FEATURE, field="stream",
       behavior="stream: true is answered with 200 and Content-Type text/event-stream (parameters such as charset allowed)")
def content_type(ctx: CheckContext) -> str:
    ex, stream = default_stream(ctx)
    ctype = ex.response_headers.get("content-type", "")
    media = ctype.split(";", 1)[0].strip().lower()
    if media == "text/event-stream":
        return f"{ex.status}, Content-Type {ctype!r}"
    if media == "application/json" and not stream.events and '"chat.completion"' in (ex.raw_body or ""):
        raise Ignored(f"stream: true answered with one JSON chat.completion body ({ctype!r}): streaming ignored")
    raise Fail(f"Content-Type is {ctype!r}, not text/event-stream: SSE clients (EventSource, the SDKs) refuse the body")


@check("stream.sse.framing", feature=FEATURE, field="stream",
       behavior="Every SSE event is a data: line with JSON, terminated by a blank line; comments and CRLF are legal")
def framing(ctx: CheckContext) -> str:
    _, stream = default_stream(ctx)
    problems = list(stream.framing)
    if problems:
        raise Fail("; ".join(problems[:3]), problems=problems[:20])
    if stream.errors:
        raise Fail(f"an error event in the stream of a well-formed request: {str(stream.errors[0])[:200]}")
    extras = [f"{stream.comments} comment line(s)"] if stream.comments else []
    return f"{len(stream.events)} well-formed data events" + (f" ({', '.join(extras)})" if extras else "")


@check("stream.sse.done", feature=FEATURE, field="stream",
       behavior="The stream ends with data: [DONE] and nothing follows it (ikawrakow/ik_llama.cpp#467)")
def done(ctx: CheckContext) -> str:
    _, stream = default_stream(ctx)
    if not stream.done:
        raise SpecViolation("the stream closed without data: [DONE]: the official SDKs stop at the close, "
                            "clients that wait for [DONE] hang")
    if stream.after_done:
        raise SpecViolation(f"{len(stream.after_done)} event(s) after data: [DONE], dropped by clients: {stream.after_done[0]!r}")
    return "ends with data: [DONE]"


@check("stream.chunk.object", feature=FEATURE, field="stream",
       behavior="Every chunk has object 'chat.completion.chunk'")
def chunk_object(ctx: CheckContext) -> str:
    chunks = dict_chunks(default_stream(ctx)[1])
    for pos, chunk in enumerate(chunks):
        if chunk.get("object") != CHUNK_OBJECT:
            raise SpecViolation(f"chunk {pos}: object is {chunk.get('object')!r}, not {CHUNK_OBJECT!r}")
    return f"{len(chunks)} chunks, all {CHUNK_OBJECT!r}"


@check("stream.chunk.id", feature=FEATURE, field="stream",
       behavior="id is a non-empty string, the same in every chunk (the Go SDK's accumulator stops at a changed id: "
                "microsoft/foundry-local#144; empty ids break LiteLLM: anomalyco/opencode#42918)")
def chunk_id(ctx: CheckContext) -> str:
    chunks = dict_chunks(default_stream(ctx)[1])
    first = chunks[0].get("id")
    for pos, chunk in enumerate(chunks):
        cid = chunk.get("id")
        if not isinstance(cid, str) or not cid:
            raise SpecViolation(f"chunk {pos}: id is {cid!r}, not a non-empty string")
        if cid != first:
            raise SpecViolation(f"chunk {pos}: id is {cid!r}, chunk 0 had {first!r}: clients that accumulate by id "
                       "split or drop the answer")
    return f"id {first!r} in all {len(chunks)} chunks"


@check("stream.chunk.created_model", feature=FEATURE, field="stream",
       behavior="created (integer seconds) and model (a non-empty string) are in every chunk "
                "(anomalyco/opencode#42918); a value that changes mid-stream is a deviation, since clients read "
                "them from the first chunk (ollama/ollama#15088)")
def chunk_created_model(ctx: CheckContext) -> str:
    chunks = dict_chunks(default_stream(ctx)[1])
    for pos, chunk in enumerate(chunks):
        created, model = chunk.get("created"), chunk.get("model")
        if not isinstance(created, int) or isinstance(created, bool):
            raise SpecViolation(f"chunk {pos}: created is {created!r}, not integer seconds")
        if created > 10**11:
            raise SpecViolation(f"chunk {pos}: created is {created}: milliseconds, not seconds")
        if not isinstance(model, str) or not model:
            raise SpecViolation(f"chunk {pos}: model is {model!r}, not a non-empty string")
    same, drifting = [], []
    for key in ("created", "model"):
        values = list(dict.fromkeys(c[key] for c in chunks))
        if len(values) > 1:
            # The spec says every chunk has the same timestamp; no client we know of breaks on drift.
            ctx.deviations.append(f"{key} changes mid-stream: {values[:5]}")
            drifting.append(f"{key} takes {len(values)} values ({values[0]!r} to {values[-1]!r}): a deviation")
        else:
            same.append(f"{key} {values[0]!r}")
    if not drifting:
        return f"{', '.join(same)} in all {len(chunks)} chunks"
    return f"created and model in all {len(chunks)} chunks; " + "; ".join(same + drifting)


@check("stream.chunk.schema", feature=FEATURE, field="stream",
       behavior="Every chunk is valid against CreateChatCompletionStreamResponse")
def chunk_schema(ctx: CheckContext) -> str:
    chunks = dict_chunks(default_stream(ctx)[1])
    absent = []
    for pos, chunk in enumerate(chunks):
        filled = _null_finish_reason(chunk)
        if filled is not chunk:
            absent.append(pos)
        ctx.schema(SCHEMA, filled, f"chunk {pos}")
    if absent:
        # The SDKs' chunk models default finish_reason to None (openai-python Choice, async-openai's
        # Option), so an absent key reads as null: noted, not failed. Missing on every chunk is
        # stream.finish_reason.once's finding.
        ctx.deviations.append(f"{len(absent)} of {len(chunks)} chunks omit choices[].finish_reason (clients read null)")
    return f"{len(chunks)} chunks valid" + (" (with tolerated deviations)" if ctx.deviations else "")


def _null_finish_reason(chunk: dict[str, Any]) -> dict[str, Any]:
    """The chunk with an absent choices[].finish_reason set to null (the chunk itself when none is absent)."""
    choices = chunk.get("choices")
    if not isinstance(choices, list) or all(not isinstance(c, dict) or "finish_reason" in c for c in choices):
        return chunk
    filled = [{**c, "finish_reason": None} if isinstance(c, dict) and "finish_reason" not in c else c for c in choices]
    return {**chunk, "choices": filled}


@check("stream.delta.role", feature=FEATURE, field="stream",
       behavior="The first delta of each choice carries role 'assistant' and no later delta changes it")
def delta_role(ctx: CheckContext) -> str:
    events = choice_events(dict_chunks(default_stream(ctx)[1]))
    if not events:
        raise Fail("no chunk carries a choice")
    for index, seq in sorted(events.items()):
        pos, first = seq[0]
        role = delta(first, pos).get("role")
        if role != "assistant":
            raise SpecViolation(f"choice {index}: first delta (chunk {pos}) has role {role!r}, not 'assistant'")
        later = [(p, delta(c, p).get("role")) for p, c in seq[1:] if delta(c, p).get("role") is not None]
        changed = [(p, r) for p, r in later if r != "assistant"]
        if changed:
            raise SpecViolation(f"choice {index}: chunk {changed[0][0]} changes the role to {changed[0][1]!r}")
        if later:
            ctx.deviations.append(f"choice {index}: role repeated in {len(later)} later delta(s); OpenAI sends it once")
    return f"role 'assistant' first for choice(s) {sorted(events)}"


def finish_problems(index: int, seq: list[tuple[int, dict[str, Any]]], deviations: list[str]) -> str | None:
    """What is wrong with one streamed choice's finish_reason, or None."""
    finishes = [(p, c.get("finish_reason")) for p, c in seq if c.get("finish_reason") is not None]
    if not finishes:
        return f"choice {index}: no chunk carries a finish_reason: clients never learn why the answer ended"
    if len(finishes) > 1:
        return f"choice {index}: finish_reason sent {len(finishes)} times (chunks {[p for p, _ in finishes]})"
    at, reason = finishes[0]
    if reason not in _shape.FINISH_REASONS:
        return f"choice {index}: finish_reason is {reason!r}"
    after = [(p, c) for p, c in seq if p > at]
    output = [p for p, c in after if carries_output(delta(c, p))]
    if output:
        return f"choice {index}: content in chunk {output[0]} after finish_reason in chunk {at} (anomalyco/opencode#43379)"
    if after:
        deviations.append(f"choice {index}: {len(after)} empty delta(s) after the finish_reason chunk {at}")
    return None


@check("stream.finish_reason.once", feature=FEATURE, field="stream",
       behavior="finish_reason is set exactly once per choice, to a valid value, with no content after it (anomalyco/opencode#43379)")
def finish_reason_once(ctx: CheckContext) -> str:
    events = choice_events(dict_chunks(default_stream(ctx)[1]))
    if not events:
        raise Fail("no chunk carries a choice")
    for index, seq in sorted(events.items()):
        problem = finish_problems(index, seq, ctx.deviations)
        if problem:
            raise SpecViolation(problem)
    reasons = {i: next(c["finish_reason"] for _, c in seq if c.get("finish_reason")) for i, seq in events.items()}
    return f"finish_reason once per choice: {reasons}"


@check("stream.content.matches", feature=FEATURE, field="stream",
       behavior="The deltas concatenate to the same text as the non-streamed answer to the same request at temperature 0",
       # Its requests are compared sent back to back: nothing else may reach the server in between.
       alone=True)
def content_matches(ctx: CheckContext) -> str:
    streamed, _ = streamed_text(dict_chunks(default_stream(ctx)[1]))
    plain = _shape.text(ctx.expect_ok(ctx.chat(), "the same request without stream"))
    if streamed == plain:
        return f"same text streamed and not: {plain!r}"
    # The run sent those two at different moments. Some servers answer according to the request before
    # (llama-cpp-python's prompt cache: see chat.requests.isolated), so compare them sent back to back.
    before = _shape.text(ctx.expect_ok(ctx.chat(cache=False), "the same request without stream, again"))
    again, _ = streamed_text(dict_chunks(ctx.expect_stream(ctx.chat(cache=False, stream=True), WHAT)))
    after = _shape.text(ctx.expect_ok(ctx.chat(cache=False), "the same request without stream, once more"))
    ctx.note(first_stream=streamed, first_answer=plain, before=before, stream=again, after=after)
    if again == after:
        return (f"same text streamed and not when sent back to back: {again!r}; the run's first stream "
                f"{streamed!r} and answer {plain!r}, sent at different points of the run, differed (answers "
                "that depend on earlier requests are chat.requests.isolated's finding)")
    if before != after:
        raise Skip(f"temperature 0 is not repeatable on this target ({before!r} then {after!r} for the same "
                   "request): cannot compare")
    raise Fail(f"streamed deltas give {again!r}, the non-streamed answer sent right before and after is {after!r}")


@check("stream.delivery.incremental", feature=FEATURE, field="stream",
       behavior="Chunks are delivered as they are generated (several reads spread over time), not buffered into one write",
       # Timing is judged on an idle server: run alone, before the concurrent phase, so the stream it
       # reads (shared with the other stream checks) is sent while nothing else runs.
       alone=True)
def incremental(ctx: CheckContext) -> str:
    if getattr(ctx.run, "replay", False):
        raise Skip("not judged on replay")
    ex, stream = default_stream(ctx)
    _, n_text = streamed_text(dict_chunks(stream))
    if n_text < MIN_CHUNKS_FOR_DELIVERY:
        raise Skip(f"only {n_text} content chunk(s): too few to tell streaming from buffering")
    times = ex.read_times_ms
    moments = 1 + sum(1 for a, b in zip(times, times[1:]) if b - a > SAME_MOMENT_MS) if times else 0
    spread = times[-1] - times[0] if times else 0.0
    ctx.note(reads=len(times), moments=moments, spread_ms=round(spread, 1), elapsed_ms=None if ex.elapsed_ms is None else round(ex.elapsed_ms, 1))
    if moments < MIN_MOMENTS:
        raise SpecViolation(f"{n_text} content chunks arrived in {len(times)} read(s) at {moments} moment(s) within "
                   f"{spread:.1f} ms: the stream was buffered, not delivered as generated")
    return f"{n_text} content chunks over {len(times)} reads at {moments} moments across {spread:.0f} ms"


# Which choice llama.cpp streams first changes from one request to the next (choice 1 first in 5 of 6 on a
# freshly started server, choice 0 first on warm slots), so one sample decides by chance.
N_SAMPLES = 3


def _first_indexes(chunks: list[dict[str, Any]]) -> list[int]:
    """The choice indexes of the first chunk that carries choices."""
    for chunk in chunks:
        choices = chunk.get("choices")
        if isinstance(choices, list) and choices:
            # choice_events read these chunks first and failed on a choice without an integer index: none is dropped.
            return [c["index"] for c in choices if isinstance(c, dict) and isinstance(c.get("index"), int)]
    return []


@check("stream.n.choices", feature="Multiple choices", field="n", alone=True,
       behavior="A streamed request with n=2 streams deltas for choice indexes 0 and 1, each with its own "
                "finish_reason; sampled up to 3 times, since the order the choices start in varies")
def n_choices(ctx: CheckContext) -> str:
    # alone: which choice streams first (what the SDK's stream helper trips on) follows how the server
    # schedules the two; with other requests in flight llama.cpp's order came out differently by chance.
    # Temperature 1: several choices at temperature 0 are pointless, and vLLM rejects them ("greedy sampling").
    # Up to N_SAMPLES requests, stopping at the first one that starts with a choice other than 0: that is
    # the order the official SDK's stream helper raises IndexError on (its judge reads every sample).
    firsts: list[list[int]] = []
    for i in range(N_SAMPLES):
        ex = ctx.chat(stream=True, n=2, temperature=1, max_tokens=8, sample=i or None)
        chunks = dict_chunks(ctx.expect_stream(ex, "a streamed chat completion with n=2"))
        events = choice_events(chunks)
        indexes = sorted(events)
        if indexes == [0]:
            raise Ignored("n=2 accepted but only choice 0 was streamed")
        if indexes != [0, 1]:
            raise Fail(f"n=2 streamed choice indexes {indexes}, not [0, 1]")
        for index, seq in sorted(events.items()):
            problem = finish_problems(index, seq, ctx.deviations)
            if problem:
                raise SpecViolation(problem)
        firsts.append(_first_indexes(chunks))
        if 0 not in firsts[-1]:
            break
    ctx.note(first_chunk_choice_indexes=firsts)
    order = "; ".join(f"sample {i + 1} began with choice {'/'.join(map(str, f))}" for i, f in enumerate(firsts))
    return f"choices 0 and 1 streamed, each finished once, in {len(firsts)} sample(s) ({order})"


# The one most servers reject first: llama.cpp takes temperature 5 and streams, so it went second (one
# request fewer there); a server that rejects both is judged on the first.
_INVALID: tuple[tuple[str, dict[str, Any]], ...] = (
    ("messages as a string", {"messages": "hello"}),
    ("temperature 5", {"temperature": 5}),
)


def _judge_error(ex: Exchange, what: str, deviations: list[str]) -> str | None:
    """A pass reason if the invalid streamed request failed properly, None if it was answered normally."""
    status = ex.status or 0
    if 400 <= status < 500:
        if not has_envelope(ex.response_body):
            deviations.append(f"{what}: {status} without the OpenAI error envelope")
        return f"{what} with stream: true rejected with {status} before streaming"
    if status >= 500:
        raise SpecViolation(f"{what} with stream: true gave server error {status}")
    stream = sse.parse(ex.raw_body or "")
    if stream.errors:
        return f"{what} with stream: true answered 200 with an SSE error event: {str(stream.errors[0])[:150]}"
    framing = list(stream.framing)
    if framing or not stream.chunks:
        raise SpecViolation(f"{what} with stream: true answered {status} with text that is not an SSE stream "
                   f"(huggingface/text-generation-inference#1896): {(ex.raw_body or '')[:200]!r}")
    return None


@check("stream.error.invalid_request", feature=FEATURE, field="stream",
       behavior="An invalid streamed request gets a 4xx error or an SSE error event, never 200 then raw text "
                "(huggingface/text-generation-inference#1896)")
def invalid_request(ctx: CheckContext) -> str:
    # Every request here is invalid: a client that broke on a valid stream did not break on these answers
    # (conformance/clients/severity), so its break must not raise this check's severity.
    ctx.note(invalid_request=True)
    for what, fields in _INVALID:
        reason = _judge_error(ctx.chat(stream=True, **fields), what, ctx.deviations)
        if reason:
            return reason
    raise Skip("every invalid request tried (" + ", ".join(w for w, _ in _INVALID) + ") was answered with a "
               "normal stream: no error path to judge")
