"""What the cut-off start of a JSON object already shows against a schema (an answer cut by a token limit)."""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import Draft202012Validator

_DECODER = json.JSONDecoder()
_WS = " \t\r\n"


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


def read_pairs(text: str) -> list[tuple[str, bool, Any]]:
    """The top-level members of an object's text cut short: (key, whole value read, value) for each key read in full.

    A value counts as whole only when a ',' or '}' follows it: '"age": 3' cut from '"age": 30' must not read as 3.
    """
    pos = _skip(text, 0)
    if not text.startswith("{", pos):
        return []
    pos += 1
    pairs: list[tuple[str, bool, Any]] = []
    while True:
        pos = _skip(text, pos)
        if not text.startswith('"', pos):
            return pairs
        try:
            key, pos = _DECODER.raw_decode(text, pos)
        except ValueError:
            return pairs
        pos = _skip(text, pos)
        if not text.startswith(":", pos):
            return pairs
        pos = _skip(text, pos + 1)
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except ValueError:
            pairs.append((key, False, None))
            return pairs
        after = _skip(text, end)
        if after >= len(text) or text[after] not in ",}":
            pairs.append((key, False, None))
            return pairs
        pairs.append((key, True, value))
        if text[after] == "}":
            return pairs
        pos = after + 1


def prefix_breaks(text: str, schema: dict[str, Any]) -> list[str]:
    """How the part of a cut JSON object that was written already breaks an object schema (empty: nothing seen yet).

    Only what no continuation can repair counts: a key the schema forbids, or a whole value its property rejects.
    """
    props: dict[str, Any] = schema.get("properties") or {}
    closed = schema.get("additionalProperties") is False
    found: list[str] = []
    for key, whole, value in read_pairs(text):
        if key not in props:
            if closed:
                found.append(f"key {key!r} is not in the schema (additionalProperties false)")
            continue
        if whole:
            found += [f"{key}: {e.message}" for e in Draft202012Validator(props[key]).iter_errors(value)]
    return found


# "```json" and a newline (or a space: some models write the object on the fence's line).
_FENCE_OPEN = re.compile(r"\s*```[\w+-]*[ \t]*\n?")


def unfence(text: str) -> tuple[str, str | None]:
    """The text inside a Markdown code fence that opens the text, and 'closed' or 'open' (None: not fenced)."""
    opened = _FENCE_OPEN.match(text)
    if opened is None:
        return text, None
    inner = text[opened.end():]
    end = inner.rstrip()
    if end.endswith("```"):
        return end[:-3], "closed"
    return inner, "open"
