"""Each check result's results.json entry and its indented text, made once per result.

A run's evidence is most of its results.json (1.8 MB for a chat server) and json's indented encoder is pure Python:
the pytest-html row of a check, every save of results.json and the report's matrix show the same entries, so each
is built and encoded once (a finished result never changes).
"""

from __future__ import annotations

import re
import uuid
from json.encoder import encode_basestring as _string  # json's own string encoder (C), ensure_ascii off
from typing import Any

from conformance.model import CheckResult

# results.json's checks sit two levels deep: an entry's own lines move two spaces right (JSON text never holds a
# raw newline inside a string, so every newline is one of the encoder's).
_DEPTH = "\n  "
_INF = float("inf")


def indented(value: Any) -> str:
    """value as json.dumps(value, ensure_ascii=False, allow_nan=False, indent=1) writes it, in half the time.

    json's indented encoder is pure Python and passes every piece up through one generator per level (evidence
    nests ten deep); this one appends to one list. Strict like json: ValueError on NaN or infinity, TypeError on
    what JSON cannot hold (a circular value exceeds the recursion limit rather than being named).
    """
    out: list[str] = []
    _encode(value, out, "\n")
    return "".join(out)


def _float(value: float) -> str:
    if value != value or value in (_INF, -_INF):
        raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
    return float.__repr__(value)


def _key(key: Any) -> str:
    """A dict key as json writes it (the same order of tests as json's encoder)."""
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _encode(value: Any, out: list[str], newline: str) -> None:
    """Append value's text; newline is the line break and indentation of value's own level."""
    if isinstance(value, str):
        out.append(_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + " "
        out.append("[" + inner)
        for n, item in enumerate(value):
            if n:
                out.append("," + inner)
            if isinstance(item, str):
                out.append(_string(item))
            else:
                _encode(item, out, inner)
        out.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + " "
        out.append("{" + inner)
        for n, (key, item) in enumerate(value.items()):
            if n:
                out.append("," + inner)
            out.append(_string(_key(key)) + ": ")
            if isinstance(item, str):
                out.append(_string(item))
            else:
                _encode(item, out, inner)
        out.append(newline + "}")
    else:
        raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


class Entries:
    """The entries of one run's check results, by result, and the indented text of each entry."""

    def __init__(self) -> None:
        # Keyed by id(): results and entries are unhashable dicts or hold them; each value keeps its key alive.
        self._entries: dict[int, tuple[CheckResult, dict[str, Any]]] = {}
        self._texts: dict[int, tuple[dict[str, Any], str]] = {}

    def entry(self, result: CheckResult) -> dict[str, Any]:
        """The result's entry: the same dict every time, shared by every document built from it (never change it)."""
        made = self._entries.get(id(result))
        if made is None:
            made = self._entries[id(result)] = (result, result.to_json())
        return made[1]

    def text(self, entry: dict[str, Any]) -> str:
        """entry indented on its own (raises ValueError on a non-finite number, as writing results.json does)."""
        made = self._texts.get(id(entry))
        if made is None:
            made = self._texts[id(entry)] = (entry, indented(entry))
        return made[1]

    def document(self, doc: dict[str, Any]) -> str:
        """The whole results document indented, each check's entry from its text made once."""
        checks = doc["checks"]
        texts = [self.text(c) for c in checks]
        # Each entry's place in the document holds a string no answer can contain, replaced by the entry's text.
        token = uuid.uuid4().hex
        skeleton = indented({**doc, "checks": [f"{token}{n}" for n in range(len(checks))]})
        return re.sub(f'"{token}(\\d+)"', lambda m: texts[int(m[1])].replace("\n", _DEPTH), skeleton)
