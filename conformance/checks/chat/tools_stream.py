"""Streamed tool calls: indexed deltas, the call's identity up front, argument fragments that join to JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.checks.chat import tools
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Fail, Skip, SpecViolation

FEATURE = "Streamed tool calls"


@dataclass
class StreamedCall:
    """One tool call rebuilt from its deltas, as a client accumulating by index would."""

    index: Any
    first: dict[str, Any]
    fragments: list[Any] = field(default_factory=list)
    later: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> Any:
        """The function name sent in the call's first delta."""
        fn = self.first.get("function")
        return fn.get("name") if isinstance(fn, dict) else None


@dataclass
class Streamed:
    """What the streamed tool-call answer held."""

    calls: list[StreamedCall]
    missing_index: int
    finish_reasons: list[Any]
    content: str


def _fragment(delta: dict[str, Any]) -> Any:
    fn = delta.get("function")
    return fn.get("arguments") if isinstance(fn, dict) else None


def accumulate(chunks: tuple[Any, ...]) -> Streamed:
    """Group the tool-call deltas of choice 0 into calls (by index; by id when the index is missing)."""
    calls: dict[Any, StreamedCall] = {}
    order: list[StreamedCall] = []
    missing = 0
    finish: list[Any] = []
    content = ""
    for chunk in chunks:
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        for choice in choices if isinstance(choices, list) else []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            if choice.get("finish_reason") is not None:
                finish.append(choice["finish_reason"])
            raw_delta = choice.get("delta")
            delta: dict[str, Any] = raw_delta if isinstance(raw_delta, dict) else {}
            if isinstance(delta.get("content"), str):
                content += delta["content"]
            entries = delta.get("tool_calls") or []
            if not isinstance(entries, list):
                raise Fail(f"delta.tool_calls is not a list: {str(entries)[:200]}")
            for tc in entries:
                if not isinstance(tc, dict):
                    raise Fail(f"a delta.tool_calls entry is not an object: {str(tc)[:200]}")
                idx = tc.get("index")
                if not isinstance(idx, int) or isinstance(idx, bool):
                    missing += 1
                    # Without an index, guess as a lenient client would: a delta with an id starts a call.
                    idx = ("no-index", len(order)) if tc.get("id") or not order else order[-1].index
                call = calls.get(idx)
                if call is None:
                    call = calls[idx] = StreamedCall(idx, tc)
                    order.append(call)
                else:
                    call.later.append(tc)
                call.fragments.append(_fragment(tc))
    return Streamed(order, missing, finish, content)


def streamed(ctx: CheckContext) -> Streamed:
    """The streamed answer to the forced request; skips when the non-streamed one gave no call to compare."""
    tools.forced_calls(ctx)
    ex = ctx.chat(**tools.REQUIRED, stream=True)
    stream = ctx.expect_stream(ex, "streamed tool_choice 'required'")
    got = accumulate(stream.chunks)
    if not got.calls:
        if got.finish_reasons[-1:] == ["length"]:
            raise Skip("the streamed answer was cut by max_tokens before a call")
        # Non-streamed calls work, so text here means the stream path lost the call (often as raw markup).
        raise Fail(f"the non-streamed request gives tool calls but the stream gave none; content {got.content[:150]!r}")
    return got


@check("tools.stream.index", feature=FEATURE,
       behavior="Every streamed tool-call delta carries an integer index")
def stream_index(ctx: CheckContext) -> str:
    got = streamed(ctx)
    if got.missing_index:
        raise Fail(f"{got.missing_index} tool-call delta(s) without an integer index: clients merge deltas by index")
    indexes = [c.index for c in got.calls]
    if indexes != list(range(len(indexes))):
        ctx.deviations.append(f"call indexes {indexes} are not 0, 1, ... in order")
    return f"{len(got.calls)} call(s), every delta indexed"


@check("tools.stream.first_delta", feature=FEATURE,
       behavior="The first delta of a streamed call carries id, type 'function' and function.name")
def stream_first_delta(ctx: CheckContext) -> str:
    got = streamed(ctx)
    for call in got.calls:
        first = call.first
        problems = tools.call_problems(first, f"first delta of call {call.index}")
        if problems:
            raise Fail("; ".join(problems))
        for later in call.later:
            raw_fn = later.get("function")
            fn: dict[str, Any] = raw_fn if isinstance(raw_fn, dict) else {}
            for key, value in (("id", later.get("id")), ("function.name", fn.get("name"))):
                if value in (None, ""):
                    continue
                first_value = first["id"] if key == "id" else call.name
                if value != first_value:
                    raise Fail(f"call {call.index}: a later delta changes {key} from {first_value!r} to {value!r}")
                # The SDK accumulators concatenate every string field, so a repeat doubles the value.
                note = f"call {call.index}: {key} repeated in a later delta"
                if note not in ctx.deviations:
                    ctx.deviations.append(note)
    return ", ".join(f"call {c.index}: {c.name} ({c.first['id']})" for c in got.calls)


@check("tools.stream.arguments", feature=FEATURE,
       behavior="Streamed argument fragments concatenate to a JSON string valid against the tool's parameters")
def stream_arguments(ctx: CheckContext) -> str:
    got = streamed(ctx)
    _, calls = tools.forced_calls(ctx)
    joined = []
    for call in got.calls:
        bad = [f for f in call.fragments if f is not None and not isinstance(f, str)]
        if bad:
            kind = type(bad[0]).__name__
            raise Fail(f"call {call.index}: an arguments fragment is {kind}, not a string: {str(bad[0])[:150]}")
        text = "".join(f for f in call.fragments if f)
        tools.parse_arguments(text, str(call.name), f"call {call.index} joined arguments")
        joined.append(text)
    plain = [c.get("function", {}).get("arguments") for c in calls if isinstance(c, dict)]
    if [c.name for c in got.calls] != [c.get("function", {}).get("name") for c in calls if isinstance(c, dict)]:
        ctx.deviations.append("streamed calls differ from the non-streamed ones at temperature 0")
    ctx.note(streamed_arguments=joined, non_streamed_arguments=plain,
             fragments=[len(c.fragments) for c in got.calls])
    return f"{sum(len(c.fragments) for c in got.calls)} fragment(s) join to {', '.join(repr(j[:60]) for j in joined)}"


@check("tools.stream.finish_reason", feature=FEATURE,
       behavior="A streamed answer with tool calls ends with finish_reason 'tool_calls'")
def stream_finish_reason(ctx: CheckContext) -> str:
    got = streamed(ctx)
    if not got.finish_reasons:
        raise SpecViolation("no chunk carried a finish_reason")
    if got.finish_reasons[-1] != "tool_calls":
        raise SpecViolation(f"finish_reason is {got.finish_reasons[-1]!r} after streamed tool calls, not 'tool_calls'")
    return "finish_reason 'tool_calls'"
