"""Each check result's results.json entry and its indented text, made once per result.

A run's evidence is most of its results.json (1.8 MB for a chat server) and json's indented encoder is pure Python:
the pytest-html row of a check, every save of results.json and the report's matrix show the same entries, so each
is built and encoded once (a finished result never changes).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from conformance.jsontext import indented
from conformance.model import CheckResult

# results.json's checks sit two levels deep: an entry's own lines move two spaces right (JSON text never holds a
# raw newline inside a string, so every newline is one of the encoder's).
_DEPTH = "\n  "


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
