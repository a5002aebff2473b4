"""Reading a Responses stream: its events by type, the schema of each, and what they add up to."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from conformance import schemas, sse, validate
from conformance.checks.responses import shape
from conformance.context import CheckContext
from conformance.model import Exchange
from conformance.verdict import Fail

UNION = "ResponseStreamEvent"
CREATED, IN_PROGRESS = "response.created", "response.in_progress"
ITEM_ADDED, ITEM_DONE = "response.output_item.added", "response.output_item.done"
PART_ADDED, PART_DONE = "response.content_part.added", "response.content_part.done"
DELTA, TEXT_DONE = "response.output_text.delta", "response.output_text.done"
TERMINAL = ("response.completed", "response.incomplete", "response.failed")
WHAT = "a streamed response"


@functools.cache
def parts() -> dict[str, str]:
    """Event type -> the $defs entry of ResponseStreamEvent that describes it."""
    root = schemas.shared(UNION)
    out: dict[str, str] = {}
    for branch in root["anyOf"]:
        name = branch["$ref"].rsplit("/", 1)[-1]
        kind = root["$defs"][name].get("properties", {}).get("type", {})
        for value in kind.get("enum", [kind.get("const")] if "const" in kind else []):
            out[value] = name
    return out


def check_event(event: dict[str, Any]) -> validate.SchemaReport:
    """An event validated against the schema of its own type (an unknown type is itself the error)."""
    part = parts().get(str(event.get("type")))
    if part is None:
        return validate.SchemaReport((f"type {event.get('type')!r} is not a ResponseStreamEvent type",), ())
    return validate.check_part(UNION, part, event)


@dataclass(frozen=True)
class Read:
    """A parsed Responses stream: its JSON events in order, and the raw SSE reading."""

    exchange: Exchange
    stream: sse.Stream
    events: tuple[dict[str, Any], ...]

    def of(self, *types: str) -> list[tuple[int, dict[str, Any]]]:
        """(position, event) of the events of the given types, in stream order."""
        return [(p, e) for p, e in enumerate(self.events) if e.get("type") in types]

    def final(self) -> dict[str, Any]:
        """The response of the terminal event (completed, incomplete or failed)."""
        ends = self.of(*TERMINAL)
        if not ends:
            raise Fail(f"no terminal event ({', '.join(TERMINAL)}) in {len(self.events)} events: clients never "
                       "get the final response")
        resp = ends[-1][1].get("response")
        if not isinstance(resp, dict):
            raise Fail(f"the {ends[-1][1].get('type')} event carries no response object: {str(resp)[:150]}")
        return resp

    def deltas(self) -> str:
        """The output_text deltas, concatenated."""
        out = []
        for pos, e in self.of(DELTA):
            if not isinstance(e.get("delta"), str):
                raise Fail(f"event {pos}: delta is not a string: {e.get('delta')!r}")
            out.append(e["delta"])
        return "".join(out)


def read(ctx: CheckContext, ex: Exchange, what: str = WHAT) -> Read:
    """A 2xx streamed answer as events (each a JSON object; none at all fails)."""
    stream = ctx.expect_stream(ex, what)
    bad = [i for i, c in enumerate(stream.chunks) if not isinstance(c, dict)]
    if bad:
        raise Fail(f"event {bad[0]} is not a JSON object: {str(stream.chunks[bad[0]])[:200]}")
    if not stream.chunks:
        raise Fail(f"the stream carried no event at all: {'; '.join(stream.framing[:3]) or 'empty body'}")
    return Read(ex, stream, tuple(stream.chunks))


def default(ctx: CheckContext) -> Read:
    """The default request streamed (the same body the non-streamed checks send, plus stream: true)."""
    return read(ctx, shape.create(ctx, stream=True))
