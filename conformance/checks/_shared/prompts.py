"""Prompts more than one endpoint's checks send, so the run cache sends each distinct request once."""

from __future__ import annotations

# About 2,000 characters (~450 tokens): longer than any other prompt of the suite, inside any context.
LONG_PROMPT = " ".join(f"Item {i}: the quick brown fox jumps over the lazy dog." for i in range(36)) + \
    " Reply with the word done."
