"""Regression gate: compare a run with an earlier results file and keep only what got worse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# How bad each judged outcome is; skip and error judge nothing, so they never count as a regression.
_RANK = {"pass": 0, "unsupported": 1, "ignored": 1, "accepted": 1, "fail": 2}


@dataclass(frozen=True)
class Change:
    """One check whose outcome moved between the baseline and this run."""

    id: str
    before: str
    after: str
    reason: str


@dataclass(frozen=True)
class Comparison:
    """What got worse, what got better, and checks the baseline did not have."""

    worse: tuple[Change, ...]
    better: tuple[Change, ...]
    new: tuple[str, ...]


def compare(baseline: dict[str, Any], current: dict[str, Any]) -> Comparison:
    """Compare two results documents check by check."""
    old = {c["id"]: c for c in baseline.get("checks", [])}
    worse: list[Change] = []
    better: list[Change] = []
    new: list[str] = []
    for c in current["checks"]:
        before = old.get(c["id"])
        if before is None:
            new.append(c["id"])
            continue
        a, b = _RANK.get(before["outcome"]), _RANK.get(c["outcome"])
        if a is None or b is None or a == b:
            continue
        change = Change(c["id"], before["outcome"], c["outcome"], c["reason"])
        (worse if b > a else better).append(change)
    return Comparison(tuple(worse), tuple(better), tuple(new))


def describe(cmp: Comparison) -> str:
    """A short human summary for the terminal."""
    lines = [f"baseline: {len(cmp.worse)} worse, {len(cmp.better)} better, {len(cmp.new)} new check(s)"]
    lines += [f"  worse: {c.id}: {c.before} -> {c.after}: {c.reason}" for c in cmp.worse]
    lines += [f"  better: {c.id}: {c.before} -> {c.after}" for c in cmp.better]
    return "\n".join(lines)
