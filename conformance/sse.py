"""A strict reader of raw Server-Sent Events bytes that reports framing problems instead of hiding them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

DONE = "[DONE]"
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Event:
    """One dispatched SSE event."""

    name: str | None
    data: str


@dataclass(frozen=True)
class Stream:
    """What a client following the SSE standard would see, plus what it would silently drop."""

    events: tuple[Event, ...]
    chunks: tuple[Any, ...]
    done: bool
    after_done: tuple[str, ...]
    comments: int
    framing: tuple[str, ...]
    termination: tuple[str, ...]
    errors: tuple[Any, ...]

    @property
    def problems(self) -> tuple[str, ...]:
        """Every problem: framing (what clients drop) and termination ([DONE] missing or followed)."""
        return self.framing + self.termination

    @property
    def ok(self) -> bool:
        """No problem at all."""
        return not self.problems


def _split_lines(raw: str) -> list[str]:
    # The standard decodes the stream as UTF-8 with one leading BOM stripped (and invalid bytes
    # replaced, which the HTTP client already did): neither is a framing problem.
    lines = _LINE_END.split(raw.removeprefix("\ufeff"))
    # A trailing line terminator yields one empty string that is not a line of its own.
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _events(raw: str, problems: list[str]) -> tuple[list[Event], int]:
    """Dispatch events exactly as the WHATWG SSE parser does, noting what it would drop."""
    events: list[Event] = []
    comments = 0
    data: list[str] = []
    name: str | None = None
    pending = False
    for line in _split_lines(raw):
        if line == "":
            if pending:
                events.append(Event(name, "\n".join(data)))
            data, name, pending = [], None, False
            continue
        if line.startswith(":"):
            comments += 1
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            data.append(value)
            pending = True
        elif field == "event":
            # An event type alone (a keep-alive "event: ping" block) dispatches nothing: WHATWG only
            # dispatches when the data buffer is not empty.
            name = value
        elif field in ("id", "retry"):
            pass
        else:
            problems.append(f"line that is not an SSE field, dropped by clients: {line[:120]!r}")
    if pending:
        problems.append("last event not terminated by a blank line: clients drop it")
    return events, comments


def parse(raw: str) -> Stream:
    """Parse a whole SSE body into events, JSON chunks and problems."""
    problems: list[str] = []
    events, comments = _events(raw, problems)
    chunks: list[Any] = []
    errors: list[Any] = []
    after: list[str] = []
    done = False
    for ev in events:
        if done:
            after.append(ev.data[:200])
            continue
        if ev.data.strip() == DONE:
            done = True
            continue
        try:
            obj = json.loads(ev.data)
        except ValueError:
            problems.append(f"data that is not JSON: {ev.data[:120]!r}")
            continue
        if isinstance(obj, dict) and "error" in obj and "choices" not in obj:
            errors.append(obj)
        elif ev.name == "error":
            errors.append(obj)
        else:
            chunks.append(obj)
    termination = []
    if after:
        termination.append(f"{len(after)} event(s) after data: [DONE]")
    if not done:
        termination.append("stream did not end with data: [DONE]")
    return Stream(tuple(events), tuple(chunks), done, tuple(after), comments, tuple(problems), tuple(termination),
                  tuple(errors))
