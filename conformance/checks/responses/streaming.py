"""Streaming: every event valid against its type's schema, in the documented order, numbered, adding up."""

from __future__ import annotations

import json
import re
from itertools import groupby

from conformance import catalog
from conformance.checks.responses import events as ev
from conformance.checks.responses import shape
from conformance.context import CheckContext
from conformance.registry import check
from conformance.verdict import Fail, Ignored, SpecViolation

EP = catalog.RESPONSES
FEATURE = "Streaming"
# One letter per lifecycle event, so that the documented order of a text answer is a regular expression.
LETTERS = {ev.CREATED: "C", ev.IN_PROGRESS: "P", ev.ITEM_ADDED: "A", ev.PART_ADDED: "B", ev.DELTA: "D",
           ev.TEXT_DONE: "T", ev.PART_DONE: "E", ev.ITEM_DONE: "F", **{t: "Z" for t in ev.TERMINAL}}
ORDER = re.compile(r"CP(A(BD*TE)*F)+Z")
DOCUMENTED = ("response.created, response.in_progress, then per item output_item.added, (content_part.added, "
              "output_text.delta..., output_text.done, content_part.done) per part, output_item.done, and last "
              "response.completed, or response.incomplete / response.failed as the final response's status says")
# Events that carry an output_index, and those that also carry a content_index.
OUTPUT_INDEXED = (ev.ITEM_ADDED, ev.ITEM_DONE, ev.PART_ADDED, ev.PART_DONE, ev.DELTA, ev.TEXT_DONE)
CONTENT_INDEXED = (ev.PART_ADDED, ev.PART_DONE, ev.DELTA, ev.TEXT_DONE)


@check("responses.stream.content_type", feature=FEATURE, field="stream", endpoint=EP,
       behavior="stream: true is answered with 200 and Content-Type text/event-stream")
def content_type(ctx: CheckContext) -> str:
    ex = shape.create(ctx, stream=True)
    ctype = ex.response_headers.get("content-type", "")
    ctx.expect_ok(ex, ev.WHAT)
    if ctype.split(";", 1)[0].strip().lower() == "text/event-stream":
        return f"{ex.status}, Content-Type {ctype!r}"
    try:
        body = json.loads(ex.raw_body or "")
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("object") == "response":
        raise Ignored(f"stream: true answered with one JSON response ({ctype!r}): streaming ignored")
    raise Fail(f"Content-Type is {ctype!r}, not text/event-stream: SSE clients refuse the body")


@check("responses.stream.event_schema", feature=FEATURE, field="stream", endpoint=EP,
       behavior="Every event is valid against the ResponseStreamEvent schema of its type (response.created ... "
                "response.completed)")
def event_schema(ctx: CheckContext) -> str:
    read = ev.default(ctx)
    if read.stream.framing:
        raise Fail("; ".join(read.stream.framing[:3]))
    for pos, event in enumerate(read.events):
        report = ev.check_event(event)
        for d in report.deviations:
            if (note := f"event {pos}: {d}") not in ctx.deviations:
                ctx.deviations.append(note)
        if report.breaking:
            raise SpecViolation(f"event {pos} ({event.get('type')}) breaks its schema: "
                                + "; ".join(report.breaking[:3]))
    return f"{len(read.events)} events valid" + (" (with tolerated deviations)" if ctx.deviations else "")


# The terminal event names how the response ended; its status says the same in the body.
END_FOR_STATUS = {"completed": "response.completed", "incomplete": "response.incomplete", "failed": "response.failed"}


def _terminal_matches_status(read: ev.Read) -> None:
    """The stream ends with the event of the final response's status (vLLM: response.completed, status incomplete)."""
    ends = read.of(*ev.TERMINAL)
    end, status = ends[-1][1].get("type"), read.final().get("status")
    expected = END_FOR_STATUS.get(str(status))
    if expected is not None and end != expected:
        # The official SDK copes: its stream helper takes its final response from response.completed alone.
        raise SpecViolation(f"the stream ends with {end} for a response whose status is {status!r}: the spec's "
                            f"terminal event for it is {expected}, which a client waiting for it never gets")


@check("responses.stream.order", feature=FEATURE, field="stream", endpoint=EP,
       behavior=f"The events of a text answer come in the documented order: {DOCUMENTED}")
def order(ctx: CheckContext) -> str:
    read = ev.default(ctx)
    types = [str(e.get("type")) for e in read.events]
    letters = "".join(LETTERS.get(t, "") for t in types)
    other = sorted({t for t in types if t not in LETTERS})
    if other:
        ctx.deviations.append(f"events outside the text lifecycle, not judged for order: {other}")
    if ORDER.fullmatch(letters):
        _terminal_matches_status(read)
        return f"{len(types)} events in the documented order"
    runs = [(t, len(list(g))) for t, g in groupby(t.removeprefix("response.") for t in types if t in LETTERS)]
    shown = ", ".join(t if n == 1 else f"{t} x{n}" for t, n in runs)
    raise SpecViolation(f"events out of the documented order: {shown[:400]}")


@check("responses.stream.sequence_number", feature=FEATURE, field="stream", endpoint=EP,
       behavior="Every event carries an integer sequence_number, strictly increasing through the stream "
                "(clients resume a stream after the last one they saw)")
def sequence_number(ctx: CheckContext) -> str:
    read = ev.default(ctx)
    numbers = [e.get("sequence_number") for e in read.events]
    missing = [p for p, n in enumerate(numbers) if not isinstance(n, int) or isinstance(n, bool)]
    if missing:
        raise SpecViolation(f"{len(missing)} of {len(numbers)} events have no integer sequence_number (first: event "
                            f"{missing[0]}, {read.events[missing[0]].get('type')}): a client cannot resume the stream")
    seq = [n for n in numbers if isinstance(n, int)]  # every one of them: none is missing
    back = [p for p in range(1, len(seq)) if seq[p] <= seq[p - 1]]
    if back:
        raise SpecViolation(f"sequence_number does not increase at event {back[0]}: {seq[back[0] - 1]} then "
                            f"{seq[back[0]]}")
    return f"sequence_number {seq[0]}..{seq[-1]}, increasing over {len(seq)} events"


@check("responses.stream.indexes", feature=FEATURE, field="stream", endpoint=EP,
       behavior="Item and content events carry output_index (and content_index) and item_id that match the item "
                "announced by response.output_item.added")
def indexes(ctx: CheckContext) -> str:
    read = ev.default(ctx)
    items: dict[int, str | None] = {}
    for pos, e in read.of(*OUTPUT_INDEXED):
        kind = e.get("type")
        oi = e.get("output_index")
        if not isinstance(oi, int) or isinstance(oi, bool):
            raise SpecViolation(f"event {pos} ({kind}) has output_index {oi!r}, not an integer: clients cannot tell "
                                "which output item it belongs to")
        if kind in CONTENT_INDEXED and (not isinstance(e.get("content_index"), int)
                                        or isinstance(e.get("content_index"), bool)):
            raise SpecViolation(f"event {pos} ({kind}) has content_index {e.get('content_index')!r}, not an integer")
        if kind == ev.ITEM_ADDED:
            item = e.get("item")
            items[oi] = item.get("id") if isinstance(item, dict) else None
            continue
        if oi not in items:
            raise SpecViolation(f"event {pos} ({kind}) names output_index {oi}, which no output_item.added announced")
        if kind != ev.ITEM_DONE and items[oi] is not None and e.get("item_id") != items[oi]:
            raise SpecViolation(f"event {pos} ({kind}) has item_id {e.get('item_id')!r}, output item {oi} is "
                                f"{items[oi]!r}")
    if not items:
        raise Fail("no response.output_item.added event: the answer never starts an output item")
    return f"output_index, content_index and item_id consistent over {len(read.of(*OUTPUT_INDEXED))} events"


@check("responses.stream.text", feature=FEATURE, field="stream", endpoint=EP,
       behavior="The output_text deltas concatenate to the text of output_text.done and of the final response")
def text(ctx: CheckContext) -> str:
    read = ev.default(ctx)
    streamed = read.deltas()
    dones = [e.get("text") for _, e in read.of(ev.TEXT_DONE)]
    final = shape.text(read.final())
    ctx.note(deltas=streamed, done=dones, final=final)
    if not streamed:
        raise Fail(f"no output_text delta carried text (final text {final[:60]!r})")
    if dones and "".join(d for d in dones if isinstance(d, str)) != streamed:
        raise SpecViolation(f"the deltas give {streamed[:80]!r}, output_text.done says {str(dones)[:80]}")
    if final != streamed:
        raise Fail(f"the deltas give {streamed[:80]!r}, the final response's text is {final[:80]!r}")
    return f"deltas, output_text.done and the final response agree: {streamed[:60]!r}"


@check("responses.stream.usage", feature=FEATURE, field="stream", endpoint=EP,
       behavior="The final response (response.completed) carries usage with input, output and total tokens that "
                "add up")
def usage(ctx: CheckContext) -> str:
    final = ev.default(ctx).final()
    u = shape.usage(final, "the final response")
    if u["total_tokens"] != u["input_tokens"] + u["output_tokens"]:
        raise SpecViolation(f"final usage.total_tokens {u['total_tokens']} != input_tokens {u['input_tokens']} + "
                            f"output_tokens {u['output_tokens']}")
    return f"final usage {u['input_tokens']} + {u['output_tokens']} = {u['total_tokens']} tokens"
