"""Regression gate: compare a run with an earlier results file and keep only what got worse."""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    # Got worse in the run, then back at the baseline's level (or better) in a recheck: not counted.
    unstable: tuple[tuple[Change, tuple[str, ...]], ...] = ()
    rechecks: int = 0


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


def _worse(before: str, after: str | None) -> bool:
    a, b = _RANK.get(before), _RANK.get(after or "")
    return a is not None and b is not None and b > a


def confirm(cmp: Comparison, baseline: dict[str, Any], rechecks: list[dict[str, Any] | None]) -> Comparison:
    """Keep as worse only the changes every recheck repeats; a recheck that did not finish confirms them all."""
    old = {c["id"]: c["outcome"] for c in baseline.get("checks", [])}
    outcomes: list[dict[str, str] | None] = [
        {c["id"]: c["outcome"] for c in doc["checks"]} if doc is not None and doc.get("complete") else None
        for doc in rechecks
    ]
    worse: list[Change] = []
    unstable: list[tuple[Change, tuple[str, ...]]] = []
    for change in cmp.worse:
        # A recheck that did not judge the check (not run, skip, error) cannot clear it.
        seen = tuple("not run" if o is None else o.get(change.id, "not run") for o in outcomes)
        cleared = bool(seen) and all(s in _RANK and not _worse(old[change.id], s) for s in seen)
        (unstable.append((change, seen)) if cleared else worse.append(change))
    return replace(cmp, worse=tuple(worse), unstable=tuple(unstable), rechecks=len(rechecks))


def describe_recheck(cmp: Comparison) -> str:
    """What the rechecks decided."""
    lines = [f"recheck ({cmp.rechecks} run(s) of each check that got worse, on its own): "
             f"{len(cmp.worse)} confirmed worse, {len(cmp.unstable)} unstable"]
    lines += [f"  confirmed worse: {c.id}: {c.before} -> {c.after}" for c in cmp.worse]
    lines += [f"  unstable (not counted): {c.id}: {c.before} -> {c.after}, then {', '.join(seen)} on recheck"
              for c, seen in cmp.unstable]
    return "\n".join(lines)


def describe(cmp: Comparison) -> str:
    """A short human summary for the terminal."""
    lines = [f"baseline: {len(cmp.worse)} worse, {len(cmp.better)} better, {len(cmp.new)} new check(s)"]
    lines += [f"  worse: {c.id}: {c.before} -> {c.after}: {c.reason}" for c in cmp.worse]
    lines += [f"  better: {c.id}: {c.before} -> {c.after}" for c in cmp.better]
    return "\n".join(lines)
