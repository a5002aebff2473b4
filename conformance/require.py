"""--require: features and request fields that must be supported, whatever else passed (a CI gate)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conformance.catalog import FEATURES, FIELDS
from conformance.verdicts import SUPPORTED


class RequireError(ValueError):
    """A required name is neither a feature nor a request field; the message lists what is known."""


@dataclass(frozen=True)
class Requirement:
    """One required feature or field and what the run found."""

    name: str  # as catalogued: "Streaming", "logprobs"
    kind: str  # feature | field
    verdict: str
    reason: str

    @property
    def met(self) -> bool:
        """Only `supported` meets a requirement (partial, accepted, deviates ... do not)."""
        return self.verdict == SUPPORTED


def _lookup(word: str) -> tuple[str, str] | None:
    """(catalogued name, kind) for a name as typed: an exact match first ("Logprobs" the feature,
    "logprobs" the field), then any case, features first; a field may be given in backticks."""
    word = word.strip().strip("`")
    for items, kind in ((FEATURES, "feature"), (FIELDS, "field")):
        for item in items:
            if item.key == word:
                return item.key, kind
    for items, kind in ((FEATURES, "feature"), (FIELDS, "field")):
        for item in items:
            if item.key.lower() == word.lower():
                return item.key, kind
    return None


def parse(values: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(name, kind) for comma-separated values (options may repeat); RequireError for unknown ones."""
    names: list[tuple[str, str]] = []
    for value in values:
        for part in str(value).split(","):
            if not part.strip():
                continue
            found = _lookup(part)
            if found is None:
                raise RequireError(f"--require: no feature or request field named {part.strip()!r}; features: "
                                   + ", ".join(f.key for f in FEATURES) + "; fields are request keys such as "
                                   "logprobs, tools, response_format")
            if found not in names:
                names.append(found)
    return tuple(names)


def evaluate(doc: dict[str, Any], required: tuple[tuple[str, str], ...]) -> list[Requirement]:
    """Each required name with its verdict in this run (untested when the run did not judge it)."""
    out = []
    for name, kind in required:
        row = next((r for r in doc["features" if kind == "feature" else "fields"] if r["key"] == name), None)
        verdict, reason = (row["verdict"], row["reason"]) if row else ("untested", "not in this run")
        out.append(Requirement(name, kind, verdict, reason))
    return out


def lines(reqs: list[Requirement]) -> list[str]:
    """The summary's lines about requirements: all met, or each one that is not."""
    if not reqs:
        return []
    unmet = [r for r in reqs if not r.met]
    if not unmet:
        return [f"  required: all supported ({', '.join(r.name for r in reqs)})"]
    return [f"  REQUIRED but not supported: {r.name} ({r.kind}): {r.verdict}: {r.reason[:160]}" for r in unmet]
