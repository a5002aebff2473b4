"""One verdict per feature and per request field, folded from the outcomes of their checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.catalog import FEATURES, FIELDS, Item

# Verdicts; only "supported" is checked in the lists.
SUPPORTED, PARTIAL, ACCEPTED, IGNORED, UNSUPPORTED = "supported", "partial", "accepted", "ignored", "unsupported"
BROKEN, DEVIATES, LAX, UNTESTED = "broken", "deviates", "lax", "untested"
VERDICTS = (SUPPORTED, PARTIAL, ACCEPTED, IGNORED, UNSUPPORTED, BROKEN, DEVIATES, LAX, UNTESTED)

# Short cell values for tables, and what each means: one vocabulary for every report.
MARK = {SUPPORTED: "yes", PARTIAL: "partial", ACCEPTED: "accepted", IGNORED: "ignored", UNSUPPORTED: "no",
        BROKEN: "BROKEN", DEVIATES: "deviates", LAX: "lax", UNTESTED: "-"}
LEGEND = {
    SUPPORTED: "supported: checks saw the effect",
    PARTIAL: "some checks saw the effect, others found it rejected, ignored or not judged",
    ACCEPTED: "accepted with 200; no effect could be observed",
    IGNORED: "accepted without effect (or an invalid value accepted)",
    UNSUPPORTED: "rejected clearly with a 4xx",
    BROKEN: "breaks clients: an official client raises or gets wrong data",
    DEVIATES: "violates the spec; official clients cope",
    LAX: "lax validation: invalid input accepted",
    UNTESTED: "not tested",
}
# A failure's severity decides the verdict of what it belongs to.
BY_SEVERITY = {"breaks-clients": BROKEN, "violates-spec": DEVIATES, "lax-validation": LAX}


def _first(checks: list[dict[str, Any]], outcome: str) -> dict[str, Any] | None:
    return next((c for c in checks if c["outcome"] == outcome), None)


def _why(c: dict[str, Any]) -> str:
    return f"{c['reason']} ({c['id']})"


def _failure(judged: list[dict[str, Any]]) -> tuple[str, str] | None:
    """The verdict of the worst failure, if any (a failure without severity predates them: it breaks)."""
    fails = [c for c in judged if c["outcome"] == "fail"]
    for severity, verdict in BY_SEVERITY.items():
        worst = next((c for c in fails if c.get("severity", "breaks-clients") == severity), None)
        if worst is not None:
            return verdict, _why(worst)
    return None


def fold(checks: list[dict[str, Any]]) -> tuple[str, str]:
    """The verdict of a group of checks, with the reason a reader needs first."""
    if not checks:
        return UNTESTED, "no check covers it"
    judged = [c for c in checks if c["outcome"] not in ("skip", "error")]
    if failed := _failure(judged):
        return failed
    passed = [c for c in judged if c["outcome"] == "pass"]
    gap = _first(judged, "unsupported") or _first(judged, "ignored") or _first(judged, "accepted")
    if passed and gap:
        return PARTIAL, _why(gap)
    if gap:
        # Rejecting clearly is the honest answer: it never reads worse than ignoring.
        return gap["outcome"], _why(gap)
    errored = _first(checks, "error")
    if passed and errored:
        return PARTIAL, "not judged: " + _why(errored)
    if passed:
        return _supported(passed, checks)
    if errored:
        return UNTESTED, "not judged: " + _why(errored)
    return UNTESTED, "skipped: " + _why(checks[0])


def _supported(passed: list[dict[str, Any]], checks: list[dict[str, Any]]) -> tuple[str, str]:
    """Supported only when most of the checks were judged; say how much was."""
    skipped = [c for c in checks if c["outcome"] == "skip"]
    if not skipped:
        return SUPPORTED, f"{len(passed)} check(s) passed"
    if len(passed) * 2 < len(checks):
        return PARTIAL, (f"only {len(passed)} of {len(checks)} checks judged, {len(skipped)} skipped: "
                         + _why(skipped[0]))
    return SUPPORTED, f"{len(passed)} of {len(checks)} checks passed, {len(skipped)} skipped"


def _covering(checks: list[dict[str, Any]], attr: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The checks under each (endpoint, key) and under each of the key's parents, in the checks' order.

    A parent row (`messages`) answers for its sub-items too (`messages.image_url`): one broken sub-item is a
    broken field. Model-dependent checks are reported apart.
    """
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for c in checks:
        key = c[attr]
        if key is None or c.get("model_dependent"):
            continue
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            out.setdefault((c["endpoint"], ".".join(parts[:n])), []).append(c)
    return out


def _rows(items: Iterable[Item], checks: list[dict[str, Any]], attr: str) -> list[dict[str, Any]]:
    rows = []
    # An endpoint no check of this run touched gets no rows: a chat-only run lists no embeddings section.
    ran = {c["endpoint"] for c in checks}
    covering = _covering(checks, attr)
    for item in items:
        if item.endpoint not in ran:
            continue
        mine = covering.get((item.endpoint, item.key), [])
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
