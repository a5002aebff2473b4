"""One verdict per feature and per request field, folded from the outcomes of their checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.catalog import FEATURES, FIELDS, Item

# Verdicts, from best to worst for a reader; only "supported" is checked in the lists.
SUPPORTED, PARTIAL, IGNORED, UNSUPPORTED, BROKEN, UNTESTED = (
    "supported", "partial", "ignored", "unsupported", "broken", "untested",
)
VERDICTS = (SUPPORTED, PARTIAL, IGNORED, UNSUPPORTED, BROKEN, UNTESTED)


def _first(checks: list[dict[str, Any]], outcome: str) -> dict[str, Any] | None:
    return next((c for c in checks if c["outcome"] == outcome), None)


def _why(c: dict[str, Any]) -> str:
    return f"{c['reason']} ({c['id']})"


def fold(checks: list[dict[str, Any]]) -> tuple[str, str]:
    """The verdict of a group of checks, with the reason a reader needs first."""
    judged = [c for c in checks if c["outcome"] not in ("skip", "error")]
    if not checks:
        return UNTESTED, "no check covers it"
    if bad := _first(judged, "fail"):
        return BROKEN, _why(bad)
    passed = [c for c in judged if c["outcome"] == "pass"]
    rejected = _first(judged, "unsupported")
    ignored = _first(judged, "ignored")
    if passed and (rejected or ignored):
        return PARTIAL, _why(rejected or ignored)  # type: ignore[arg-type]
    if rejected:
        return UNSUPPORTED, _why(rejected)
    if ignored:
        return IGNORED, _why(ignored)
    errored = _first(checks, "error")
    if passed and not errored:
        return SUPPORTED, f"{len(passed)} check(s) passed"
    if passed and errored:
        return PARTIAL, "not judged: " + _why(errored)
    if errored:
        return UNTESTED, "not judged: " + _why(errored)
    return UNTESTED, "skipped: " + _why(checks[0])


def _rows(items: Iterable[Item], checks: list[dict[str, Any]], attr: str) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        # A parent row (`messages`) answers for its sub-items too: one broken sub-item is a broken field.
        mine = [
            c for c in checks
            if c[attr] is not None
            and (c[attr] == item.key or c[attr].startswith(item.key + "."))
            and c["endpoint"] == item.endpoint
            and not c.get("model_dependent")
        ]
        verdict, reason = fold(mine)
        rows.append(
            {
                "endpoint": item.endpoint,
                "key": item.key,
                "label": item.label,
                "parent": item.parent,
                "verdict": verdict,
                "reason": reason,
                "checks": [c["id"] for c in mine],
            }
        )
    return rows


def features(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A verdict for every catalogued feature (model-dependent checks are reported apart)."""
    return _rows(FEATURES, checks, "feature")


def fields(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A verdict for every catalogued request field."""
    return _rows(FIELDS, checks, "field")
