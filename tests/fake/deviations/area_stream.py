"""Streaming deviations: SSE framing, chunk shapes, usage, and streamed tool calls and logprobs."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from tests.fake.completions import Knobs
from tests.fake.errors import ACCEPT, VALIDATION_KINDS, ApiError
from tests.fake.registry import deviation
from tests.fake.request import ChatRequest
from tests.fake.streaming import DONE, frame
from tests.fake.wire import HttpCtx, Reply, StreamReply, text_reply

Chunk = dict[str, Any]
_DONE_FRAME = frame(DONE)


def _deltas(chunks: list[Chunk]) -> list[Chunk]:
    return [c["delta"] for ch in chunks for c in ch.get("choices", [])]


def _tool_deltas(chunks: list[Chunk]) -> list[Chunk]:
    return [t for d in _deltas(chunks) for t in d.get("tool_calls", [])]


# --- raw frames and headers -------------------------------------------------------------------

@deviation("stream.no_done", "the stream ends without data: [DONE]", on="stream_reply")
def _no_done(reply: StreamReply, req: ChatRequest) -> StreamReply:
    return replace(reply, frames=tuple(f for f in reply.frames if f != _DONE_FRAME))


@deviation("stream.buffered", "the whole stream is written at once, as a buffering proxy delivers it",
           on="stream_reply")
def _buffered(reply: StreamReply, req: ChatRequest) -> StreamReply:
    return replace(reply, frames=("".join(reply.frames),))


@deviation("stream.data_after_done", "one more chunk follows data: [DONE]", on="stream_reply")
def _data_after_done(reply: StreamReply, req: ChatRequest) -> StreamReply:
    return replace(reply, frames=reply.frames + (reply.frames[-2],))


@deviation("stream.wrong_content_type", "streams are sent as application/json", on="stream_reply")
def _wrong_content_type(reply: StreamReply, req: ChatRequest) -> StreamReply:
    return replace(reply, content_type="application/json")


@deviation("stream.no_space_after_data", "frames read 'data:{...}' (legal SSE)", on="stream_reply")
def _no_space(reply: StreamReply, req: ChatRequest) -> StreamReply:
    return replace(reply, frames=tuple("data:" + f.removeprefix("data: ") for f in reply.frames))


@deviation("stream.keepalive_comments", "': ping' comment lines between frames (legal SSE)", on="stream_reply")
def _keepalive(reply: StreamReply, req: ChatRequest) -> StreamReply:
    return replace(reply, frames=tuple(p for f in reply.frames for p in (": ping\n\n", f)))


@deviation("stream.crlf_frames", "frames end with \\r\\n\\r\\n (legal SSE)", on="stream_reply")
def _crlf(reply: StreamReply, req: ChatRequest) -> StreamReply:
    return replace(reply, frames=tuple(f.replace("\n", "\r\n") for f in reply.frames))


@deviation("stream.broken_json", "one frame carries truncated JSON", on="stream_reply")
def _broken_json(reply: StreamReply, req: ChatRequest) -> StreamReply:
    frames = list(reply.frames)
    target = min(1, len(frames) - 2)  # a content frame when there is one, never [DONE]
    payload = frames[target].removeprefix("data: ").rstrip("\n")
    frames[target] = frame(payload[: len(payload) // 2])
    return replace(reply, frames=tuple(frames))


@deviation("stream.error_as_text", "a validation error on a stream request is a 200 event stream with raw text",
           on="map_error")
def _error_as_text(err: ApiError, ctx: HttpCtx) -> ApiError | Reply:
    streaming = isinstance(ctx.body, dict) and ctx.body.get("stream") is True
    if not streaming or err.kind not in VALIDATION_KINDS:
        return err
    return Reply(200, f"error: {err.message}\n\n".encode(), "text/event-stream")


# --- chunk objects ----------------------------------------------------------------------------

@deviation("stream.chunk_object_wrong", "chunks say object 'chat.completion'", on="chunks")
def _chunk_object_wrong(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    return [{**c, "object": "chat.completion"} for c in chunks]


@deviation("stream.id_changes", "every chunk has a different id", on="chunks")
def _id_changes(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    return [{**c, "id": f"{c['id']}-{i}"} for i, c in enumerate(chunks)]


@deviation("stream.created_changes", "created differs between chunks", on="chunks")
def _created_changes(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    return [{**c, "created": c["created"] + i} for i, c in enumerate(chunks)]


@deviation("stream.created_ms", "chunks carry created in milliseconds (Date.now() in a JavaScript proxy)",
           on="chunks")
def _created_ms(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    return [{**c, "created": c["created"] * 1000 + 123} for c in chunks]


@deviation("stream.no_role_first", "no delta carries role 'assistant'", on="chunks")
def _no_role_first(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    for delta in _deltas(chunks):
        delta.pop("role", None)
    return chunks


def _finish_positions(chunks: list[Chunk]) -> list[int]:
    return [i for i, c in enumerate(chunks) if c["choices"] and c["choices"][0]["finish_reason"] is not None]


@deviation("stream.finish_reason_twice", "each choice's finish chunk is sent twice", on="chunks")
def _finish_twice(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    for i in reversed(_finish_positions(chunks)):
        chunks.insert(i + 1, copy.deepcopy(chunks[i]))
    return chunks


@deviation("stream.content_after_finish", "a content delta follows a choice's finish chunk", on="chunks")
def _content_after_finish(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    for i in reversed(_finish_positions(chunks)):
        extra = copy.deepcopy(chunks[i])
        extra["choices"][0].update(delta={"content": " extra"}, finish_reason=None)
        chunks.insert(i + 1, extra)
    return chunks


@deviation("stream.finish_reason_missing", "no chunk carries a finish_reason", on="chunks")
def _finish_missing(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    for ch in chunks:
        for choice in ch["choices"]:
            choice["finish_reason"] = None
    return chunks


@deviation("stream.usage_ignored", "stream_options.include_usage gives no usage chunk", on="request")
def _usage_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, include_usage=False)


@deviation("stream.usage_always", "a usage chunk is sent even without include_usage", on="request")
def _usage_always(req: ChatRequest) -> ChatRequest:
    return replace(req, include_usage=req.stream)


@deviation("stream.options_without_stream_500", "stream_options with stream false gets a 500 (the usage "
           "option is read on a path that has no stream)", on="map_error")
def _options_without_stream_500(err: ApiError, ctx: HttpCtx) -> ApiError | Reply:
    return text_reply(500, "Internal Server Error") if err.param == "stream_options" else err


@deviation("stream.options_without_stream_ignored", "stream_options with stream false is ignored: one JSON "
           "answer, as llama.cpp gives", on="map_error")
def _options_without_stream_ignored(err: ApiError, ctx: HttpCtx) -> Any:
    return ACCEPT if err.param == "stream_options" and err.code == "invalid_value" else err


@deviation("stream.usage_in_choices_chunk", "usage rides on the last chunk with choices, not a chunk of its own",
           on="chunks")
def _usage_in_choices(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    if not chunks or chunks[-1]["choices"] or len(chunks) < 2:
        return chunks
    usage = chunks.pop()["usage"]
    chunks[-1]["usage"] = usage
    return chunks


@deviation("stream.text_differs", "streamed text differs from the non-streamed text", on="chunks")
def _text_differs(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    with_text = [d for d in _deltas(chunks) if d.get("content")]
    if with_text:
        with_text[-1]["content"] += " indeed"
    return chunks


@deviation("stream.n_ignored", "n > 1 streams a single choice", on="request")
def _stream_n_ignored(req: ChatRequest) -> ChatRequest:
    return replace(req, n=1) if req.stream else req


@deviation("stream.n_choice_1_first", "n > 1: the first chunk carries only choice 1 (the SDK's stream helper "
           "raises IndexError)", on="chunks")
def _choice_1_first(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    first_1 = next((i for i, c in enumerate(chunks) if [ch["index"] for ch in c["choices"]] == [1]), None)
    if first_1 is not None:
        chunks.insert(0, chunks.pop(first_1))
    return chunks


@deviation("stream.tool_args_not_fragmented", "tool-call arguments arrive whole in one delta (legal)", on="knobs")
def _args_whole(knobs: Knobs, req: ChatRequest) -> Knobs:
    return replace(knobs, arg_pieces=1)


@deviation("stream.tool_call_no_index", "tool-call deltas lack index", on="chunks")
def _tool_no_index(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    for tool_delta in _tool_deltas(chunks):
        tool_delta.pop("index", None)
    return chunks


@deviation("stream.tool_call_id_missing", "the first delta of a tool call has no id", on="chunks")
def _tool_id_missing(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    for tool_delta in _tool_deltas(chunks):
        tool_delta.pop("id", None)
    return chunks


@deviation("stream.tool_args_invalid_json", "streamed argument fragments concatenate to invalid JSON", on="chunks")
def _tool_args_invalid(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    last: dict[tuple[int, int], Chunk] = {}
    for ch in chunks:
        for choice in ch["choices"]:
            for tool_delta in choice["delta"].get("tool_calls", []):
                if tool_delta.get("function", {}).get("arguments"):
                    last[(choice["index"], tool_delta["index"])] = tool_delta
    for tool_delta in last.values():
        tool_delta["function"]["arguments"] = tool_delta["function"]["arguments"][:-1]  # drop the closing brace
    return chunks


@deviation("stream.logprobs_missing", "streamed chunks carry no logprobs even when asked", on="chunks")
def _logprobs_missing(chunks: list[Chunk], req: ChatRequest) -> list[Chunk]:
    for ch in chunks:
        for choice in ch["choices"]:
            choice["logprobs"] = None
    return chunks

