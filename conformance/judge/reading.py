"""What a client reads from a chat or text completion answer, per choice: text, tool-call arguments, finish_reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChoiceReading:
    """One choice as read: its text, its tool calls' arguments (by position) and why it ended."""

    text: Any
    tool_arguments: tuple[Any, ...]
    finish_reason: Any


Reading = dict[int, ChoiceReading]


def _tool_args_in_order(by_index: dict[int, str]) -> tuple[str, ...]:
    return tuple(by_index[i] for i in sorted(by_index))


def from_chunks(chunks: Iterable[Any]) -> Reading:
    """The suite's reading of a stream's JSON chunks: deltas concatenated per choice index, last finish_reason."""
    text: dict[int, str] = {}
    args: dict[int, dict[int, str]] = {}
    finish: dict[int, Any] = {}
    for chunk in chunks:
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        for choice in choices if isinstance(choices, list) else []:
            index = choice.get("index") if isinstance(choice, dict) else None
            if not isinstance(index, int):
                continue
            text.setdefault(index, "")
            delta = choice.get("delta")
            delta = delta if isinstance(delta, dict) else {}
            if isinstance(delta.get("content"), str):
                text[index] += delta["content"]
            for call in delta.get("tool_calls") or []:
                function = call.get("function") if isinstance(call, dict) else None
                if isinstance(function, dict) and isinstance(call.get("index"), int):
                    piece = function.get("arguments")
                    calls = args.setdefault(index, {})
                    calls[call["index"]] = calls.get(call["index"], "") + (piece if isinstance(piece, str) else "")
            if choice.get("finish_reason") is not None:
                finish[index] = choice["finish_reason"]
    return {i: ChoiceReading(text[i], _tool_args_in_order(args.get(i, {})), finish.get(i)) for i in text}


def from_completion(body: Any) -> Reading:
    """The suite's reading of a non-streamed chat.completion JSON body (values as they are, not coerced)."""
    choices = body.get("choices") if isinstance(body, dict) else None
    out: Reading = {}
    for pos, choice in enumerate(choices if isinstance(choices, list) else []):
        if not isinstance(choice, dict):
            continue
        index = choice.get("index", pos)
        message = choice["message"] if isinstance(choice.get("message"), dict) else {}
        calls = message.get("tool_calls") or []
        arguments = tuple(
            c["function"].get("arguments") for c in calls if isinstance(c, dict) and isinstance(c.get("function"), dict)
        ) if isinstance(calls, list) else ()
        out[index if isinstance(index, int) else pos] = ChoiceReading(
            message.get("content"), arguments, choice.get("finish_reason")
        )
    return out


def from_text_chunks(chunks: Iterable[Any]) -> Reading:
    """The suite's reading of a text completion stream (or body's choices): text concatenated per index."""
    text: dict[int, str] = {}
    finish: dict[int, Any] = {}
    for chunk in chunks:
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        for choice in choices if isinstance(choices, list) else []:
            index = choice.get("index") if isinstance(choice, dict) else None
            if not isinstance(index, int):
                continue
            piece = choice.get("text")
            text[index] = text.get(index, "") + (piece if isinstance(piece, str) else "")
            if choice.get("finish_reason") is not None:
                finish[index] = choice["finish_reason"]
    return {i: ChoiceReading(text[i], (), finish.get(i)) for i in text}


def from_text_completion(body: Any) -> Reading:
    """The suite's reading of a non-streamed text_completion body."""
    return from_text_chunks([body])


def same_text(suite: Any, sdk: Any) -> bool:
    """Equal texts, where an absent text and an empty one are the same to a reader."""
    return (suite or "") == (sdk or "") if isinstance(suite, (str, type(None))) else suite == sdk


def differences(suite: Reading, sdk: Reading) -> list[str]:
    """Where the SDK's reading differs from the suite's reading of the same bytes."""
    out: list[str] = []
    for index in sorted(suite.keys() | sdk.keys()):
        ours, theirs = suite.get(index), sdk.get(index)
        if ours is None or theirs is None:
            out.append(f"choice {index} is {'missing from the SDK result' if theirs is None else 'only in the SDK result'}")
            continue
        if not same_text(ours.text, theirs.text):
            out.append(f"choice {index} text {_short(theirs.text)}, the bytes say {_short(ours.text)}")
        if ours.tool_arguments != theirs.tool_arguments:
            out.append(f"choice {index} tool-call arguments {_short(theirs.tool_arguments)}, "
                       f"the bytes say {_short(ours.tool_arguments)}")
        if ours.finish_reason != theirs.finish_reason:
            out.append(f"choice {index} finish_reason {theirs.finish_reason!r}, the bytes say {ours.finish_reason!r}")
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
