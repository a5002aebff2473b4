"""What a client breaks on is a client-breaking failure: the checks of what it broke on cite the clients.

Linked by endpoint and feature: a cell of a scenario that depends on a check's feature (or names the check),
on the check's endpoint, that broke. A milder failure a client breaks on becomes breaks-clients. So does a quiet row (a pass
that noted a deviation it tolerates, or an Ignored/Accepted verdict) whose feature a client breaks on when no
failing check of that feature explains the break: the tolerated behaviour is then the only lead the run has,
and a reader re-checking by hand finds both halves true (the check's request got what it asks, and the client
breaks). Its own outcome and reason are kept in the reason and in details. A deviation no client notices keeps
its milder severity.
"""

from __future__ import annotations

from typing import Any

from conformance.clients.scenarios import BY_ID

DETAIL = "clients"
MILDER = ("violates-spec",)
# Verdicts that say nothing is wrong enough to fail: a client breaking on them would otherwise go unsaid.
QUIET = ("ignored", "accepted")


def broken_by(check: dict[str, Any], cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The broken cells whose scenario depends on this check's endpoint and feature (or on this very check)."""
    if (check.get("details") or {}).get("invalid_request"):
        return []  # the clients send valid requests: a wrong answer to an invalid one is not what they broke on
    out = []
    for cell in cells:
        scenario = BY_ID.get(cell.get("scenario", ""))
        if (cell.get("outcome") == "breaks" and scenario is not None and scenario.endpoint == check.get("endpoint")
                and (check.get("feature") in scenario.features or check.get("id") in scenario.checks)):
            out.append(cell)
    return out


def what_broke(cell: dict[str, Any]) -> str:
    """'openai-node chat.stream-helper: TypeError: ...' (the exception, or the wrong value's reason)."""
    said = cell.get("exception") or cell.get("reason") or "broke"
    said = " ".join(str(said).split())
    return f"{cell['label']} {cell['scenario']}: {said[:200]}"


def _quiet(check: dict[str, Any]) -> bool:
    """A row that raises no failure though it saw something off: a tolerated deviation, or no effect."""
    outcome = check.get("outcome")
    return outcome in QUIET or (outcome == "pass" and bool(check.get("deviations")))


def _escalate_failure(check: dict[str, Any], broken: list[dict[str, Any]]) -> dict[str, Any]:
    names = "; ".join(what_broke(c) for c in broken[:3])
    details = {**(check.get("details") or {}),
               DETAIL: {"severity": check["severity"], "cells": [c["id"] for c in broken]}}
    return {**check, "severity": "breaks-clients", "details": details,
            "reason": f"breaks-clients: {names}; {check['reason']}"}


def _escalate_quiet(check: dict[str, Any], broken: list[dict[str, Any]]) -> dict[str, Any]:
    """A quiet row a client breaks on: fail breaks-clients, saying what held, what was off, and what broke."""
    names = "; ".join(what_broke(c) for c in broken[:3])
    deviations = [str(d) for d in check.get("deviations") or []][:3]
    if check["outcome"] == "pass":
        held = (f"this check's request got what it asks ({check['reason']}) with a deviation it tolerates: "
                + "; ".join(deviations))
    else:
        held = f"{check['outcome']}: {check['reason']}"
    details = {**(check.get("details") or {}),
               DETAIL: {"outcome": check["outcome"], "cells": [c["id"] for c in broken],
                        **({"deviations": deviations} if deviations else {})}}
    return {**check, "outcome": "fail", "severity": "breaks-clients", "details": details,
            "reason": f"breaks-clients: {names}; no failing check of this feature explains it, and {held}"}


def cite(checks: list[dict[str, Any]], cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The checks, with each milder failure or quiet row that a client broke on raised to breaks-clients."""
    if not cells:
        return checks
    out = []
    for check in checks:
        broken = broken_by(check, cells) if check.get("outcome") == "fail" and check.get("severity") in MILDER else []
        out.append(_escalate_failure(check, broken) if broken else check)
    # A break some client-breaking failure of its feature already names is explained: quiet rows stay as they
    # are for it. Lax validation (an invalid tool_choice taken with 200) explains no break of a valid request.
    explained = {c["id"] for check in out
                 if check.get("outcome") == "fail" and check.get("severity") == "breaks-clients"
                 for c in broken_by(check, cells)}
    final = []
    for check in out:
        if _quiet(check):
            unexplained = [c for c in broken_by(check, cells) if c["id"] not in explained]
            if unexplained:
                check = _escalate_quiet(check, unexplained)
        final.append(check)
    return final
