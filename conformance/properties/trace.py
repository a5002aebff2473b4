"""A property run's generated requests, stored with its recording so replay needs no Hypothesis draws.

Replay sends exactly the examples the recorded run evaluated, in the same order (repeats included, as
Hypothesis re-evaluates while shrinking), under the recorded budget: the session then sees the same
answers in the same order and reaches the same verdict, whatever Hypothesis version is installed.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from conformance.properties.spec import Budget, Example

KEY = "property"  # the cassette metadata entry that holds the trace
FORMAT = 1


class TraceError(ValueError):
    """A stored trace that cannot be read (written by another format version, or edited by hand)."""


def dump(calls: list[Example], budget: Budget, hypothesis_version: str) -> dict[str, Any]:
    """The trace of one property run: distinct examples once, then the order they were evaluated in."""
    distinct: list[Example] = []
    index: dict[str, int] = {}
    order: list[int] = []
    for ex in calls:
        key = json.dumps([ex.body, ex.label, ex.plain, ex.field], sort_keys=True)
        if key not in index:
            index[key] = len(distinct)
            distinct.append(ex)
        order.append(index[key])
    return {"format": FORMAT, "hypothesis": hypothesis_version, "budget": asdict(budget),
            "examples": [asdict(e) for e in distinct], "order": order}


def load(doc: dict[str, Any]) -> tuple[list[Example], Budget, str]:
    """The evaluated examples in order, the recorded budget, and the Hypothesis version that drew them."""
    if doc.get("format") != FORMAT:
        raise TraceError(f"stored generated requests have format {doc.get('format')!r}, this suite reads {FORMAT}")
    try:
        examples = [Example(**e) for e in doc["examples"]]
        return [examples[i] for i in doc["order"]], Budget(**doc["budget"]), str(doc["hypothesis"])
    except (KeyError, TypeError, IndexError) as exc:
        raise TraceError(f"stored generated requests are malformed: {type(exc).__name__}: {exc}") from None
